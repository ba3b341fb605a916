package dev.lifeline.runtime.config;

import dev.lifeline.runtime.config.LifelineConfig.DatabaseConfig;
import dev.lifeline.runtime.config.LifelineConfig.DurableTimeoutAction;
import dev.lifeline.runtime.config.YamlTree.Node;
import dev.lifeline.runtime.replica.s3.Redactor;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Builds the {@link LifelineConfig} from four sources, highest precedence first:
 * <ol>
 *   <li>the agent argument ({@code -javaagent:lifeline-agent.jar=replica=s3://b/p,include=/data/**.db}):
 *       {@code key=value} items separated by {@code ,}; a list key may repeat, and an item without
 *       {@code =} after a list key adds to that list; a lone {@code *.yml}/{@code *.yaml} path names the file;</li>
 *   <li>system properties {@code lifeline.<key>} (lists comma-separated);</li>
 *   <li>environment variables {@code LIFELINE_<KEY>} (upper case, {@code -} as {@code _}; lists
 *       comma-separated; blank counts as unset); only the known names are read;</li>
 *   <li>the YAML file named by {@code config} in any of the above.</li>
 * </ol>
 * The highest source that sets a key decides its whole value (lists are not merged across
 * sources). Commas inside {@code {...}} or {@code [...]} of a glob do not split a list.
 * Everything is validated here, without touching a replica; see docs/CONFIGURATION.md.
 */
public final class ConfigLoader {

    public static final String PROPERTY_PREFIX = "lifeline.";
    public static final String ENV_PREFIX = "LIFELINE_";
    static final String AGENT_ARGUMENT = "agent argument";

    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern DB_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final List<String> DB_FIELDS = List.of("path", "name", "durable", "replicas", "replica");

    /** The keys, in documentation order. */
    enum Key {
        ENABLED("enabled", false, "true or false"),
        CONFIG("config", false, "the path of a YAML file (~ for the home directory)"),
        STATE_DIR("state-dir", false, "a directory path (~ for the home directory)"),
        REPLICA("replica", true, ReplicaSpecs.ALLOWED),
        INCLUDE("include", true, null),
        EXCLUDE("exclude", true, null),
        DURABLE("durable", true, null),
        DURABLE_TIMEOUT("durable-timeout", false, null),
        DURABLE_ON_TIMEOUT("durable-on-timeout", false, "fail or continue"),
        CONVERT_TO_WAL("convert-to-wal", false, "true or false"),
        POLL_INTERVAL("poll-interval", false, null),
        SYNC_INTERVAL("sync-interval", false, "a duration from 0 to 1s, such as 25ms or 100ms (0 ships every commit at once)"),
        SNAPSHOT_INTERVAL("snapshot-interval", false, null),
        RETENTION("retention", false, null),
        MIN_CHECKPOINT_FRAMES("min-checkpoint-frames", false, "a whole number of at least 1"),
        MAX_CHECKPOINT_FRAMES("max-checkpoint-frames", false, "a whole number of at least 1"),
        WATCH("watch", true, "directory paths (~ for the home directory) whose files are journaled"),
        WATCH_INCLUDE("watch-include", true, "java.nio glob patterns matched against a file's absolute path,"
                + " such as /data/memory/**.json or **/*.md"),
        WATCH_EXCLUDE("watch-exclude", true, "java.nio glob patterns matched against a file's absolute path,"
                + " such as **/*.tmp or /data/memory/cache/**");

        static final String GLOBS = "java.nio glob patterns matched against a database's absolute path, such as"
                + " /data/*.db, /data/**.db or **/cache.db";

        final String id;
        final boolean list;
        final String allowed;

        Key(String id, boolean list, String allowed) {
            this.id = id;
            this.list = list;
            this.allowed = allowed != null ? allowed : list ? GLOBS : Durations.ALLOWED;
        }

        String property() {
            return PROPERTY_PREFIX + id;
        }

        String env() {
            return ENV_PREFIX + id.toUpperCase(Locale.ROOT).replace('-', '_');
        }

        static Key of(String id) {
            for (Key k : values()) {
                if (k.id.equals(id)) {
                    return k;
                }
            }
            return null;
        }
    }

    /** One value as written, and where. */
    private record Item(String text, String origin) {
    }

    /** One key as one source set it. {@code origin} says where the key itself is. */
    private record Raw(Key key, List<Item> items, String origin) {
        Item single() {
            return items.isEmpty() ? new Item("", origin) : items.get(0);
        }
    }

    private ConfigLoader() {
    }

    /** The key names, in documentation order. */
    public static List<String> keys() {
        List<String> out = new ArrayList<>();
        for (Key k : Key.values()) {
            out.add(k.id);
        }
        return out;
    }

    /** {@link #load} with this JVM's {@code lifeline.*} system properties and environment. */
    public static LifelineConfig fromEnvironment(String agentArgs) {
        Map<String, String> props = new HashMap<>();
        Properties p = System.getProperties();
        for (String n : p.stringPropertyNames()) {
            if (n.startsWith(PROPERTY_PREFIX) || n.equals("user.home")) {
                props.put(n, p.getProperty(n));
            }
        }
        return load(agentArgs, props, System.getenv());
    }

    /**
     * Merges the four sources (see the class comment). {@code systemProperties} may hold
     * {@code user.home}, used for {@code ~}; otherwise this JVM's is used.
     *
     * @param agentArgs        the {@code -javaagent:...=} string, or null
     * @param systemProperties system properties; only {@code lifeline.*} and {@code user.home} are read
     * @param env              environment variables; only the {@code LIFELINE_<KEY>} names of known keys are read
     * @throws ConfigException any unknown key or bad value
     */
    public static LifelineConfig load(String agentArgs, Map<String, String> systemProperties, Map<String, String> env) {
        String home = systemProperties.getOrDefault("user.home", System.getProperty("user.home"));
        return new Loading(home, fromAgentArgs(agentArgs), fromProperties(systemProperties), fromEnv(env)).load();
    }

    // ---- sources

    private static Map<Key, Raw> fromAgentArgs(String args) {
        Map<Key, Raw> out = new EnumMap<>(Key.class);
        if (args == null || args.isBlank()) {
            return out;
        }
        Key last = null;
        for (String token : splitList(args)) {
            String tok = token.trim();
            if (tok.isEmpty()) {
                continue;
            }
            int eq = tok.indexOf('=');
            if (eq < 0) {
                if (last != null && last.list) {
                    out.get(last).items().add(new Item(tok, AGENT_ARGUMENT));
                    continue;
                }
                String lower = tok.toLowerCase(Locale.ROOT);
                if (out.isEmpty() && (lower.endsWith(".yml") || lower.endsWith(".yaml"))) {
                    out.put(Key.CONFIG, new Raw(Key.CONFIG, new ArrayList<>(List.of(new Item(tok, AGENT_ARGUMENT))),
                            AGENT_ARGUMENT));
                    last = Key.CONFIG;
                    continue;
                }
                throw new ConfigException(null, AGENT_ARGUMENT, "the agent argument has '" + safeValue(
                        Redactor.redactUrl(tok)) + "', which is not key=value; write key=value items separated by"
                        + " ',' (e.g. replica=s3://bucket/prefix,include=/data/**.db), or only the path of a"
                        + " .yml file");
            }
            String name = tok.substring(0, eq).trim();
            String value = tok.substring(eq + 1).trim();
            Key k = Key.of(name);
            if (k == null) {
                throw unknown(name, AGENT_ARGUMENT, keys());
            }
            Raw raw = out.get(k);
            if (raw != null && !k.list) {
                throw new ConfigException(k.id, AGENT_ARGUMENT, k.id + " is given more than once in the agent"
                        + " argument; only list keys (replica, include, exclude, durable, watch, watch-include, watch-exclude) may repeat");
            }
            if (raw == null) {
                raw = new Raw(k, new ArrayList<>(), AGENT_ARGUMENT);
                out.put(k, raw);
            }
            if (!k.list || !value.isEmpty()) {
                raw.items().add(new Item(value, AGENT_ARGUMENT));
            }
            last = k;
        }
        return out;
    }

    private static Map<Key, Raw> fromProperties(Map<String, String> props) {
        Map<Key, Raw> out = new EnumMap<>(Key.class);
        for (String n : new java.util.TreeSet<>(props.keySet())) {
            if (!n.startsWith(PROPERTY_PREFIX)) {
                continue;
            }
            String name = n.substring(PROPERTY_PREFIX.length());
            Key k = Key.of(name);
            if (k == null) {
                throw unknown(name, "system property " + PROPERTY_PREFIX + safeName(name), keys());
            }
            out.put(k, raw(k, props.get(n), "system property " + k.property()));
        }
        return out;
    }

    private static Map<Key, Raw> fromEnv(Map<String, String> env) {
        Map<Key, Raw> out = new EnumMap<>(Key.class);
        for (Key k : Key.values()) {
            String v = env.get(k.env());
            if (v != null && !v.isBlank()) {
                out.put(k, raw(k, v, "environment " + k.env()));
            }
        }
        return out;
    }

    private static Raw raw(Key k, String value, String origin) {
        List<Item> items = new ArrayList<>();
        if (!k.list) {
            items.add(new Item(value == null ? "" : value.trim(), origin));
        } else if (value != null) {
            for (String s : splitList(value)) {
                if (!s.isBlank()) {
                    items.add(new Item(s.trim(), origin));
                }
            }
        }
        return new Raw(k, items, origin);
    }

    /** Splits at commas outside {@code {...}} and {@code [...]} (glob syntax). */
    private static List<String> splitList(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && depth > 0) {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    // ---- helpers shared with ReplicaSpecs

    /** {@code ~} or {@code ~/...} at the start means {@code home}. */
    static String expandHome(String s, String home) {
        if (s.equals("~")) {
            return home;
        }
        if (s.startsWith("~/")) {
            return home + s.substring(1);
        }
        return s;
    }

    /** A key name fit to show, or a placeholder if it looks like it could be anything else. */
    static String safeName(String name) {
        return SAFE_NAME.matcher(name).matches() ? name : "(name not shown)";
    }

    /** Control characters out, length capped: values are echoed in messages. */
    static String safeValue(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return s.length() > 200 ? b + "..." : b.toString();
    }

    private static ConfigException unknown(String name, String origin, List<String> known) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("dbs")) {
            return new ConfigException(name, origin, "dbs (" + origin + ") can only be given in the YAML file"
                    + " (config=/path/lifeline.yml)");
        }
        String hint = "";
        String n = squash(name);
        for (String k : known) {
            String s = squash(k);
            if (distance(s, n) <= 2) {
                hint = " (did you mean '" + k + "'?)";
                break;
            }
        }
        return new ConfigException(name, origin, "unknown key '" + safeName(name) + "' (" + origin + ")" + hint
                + "; known keys: " + String.join(", ", known));
    }

    /** Levenshtein distance, for "did you mean". */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String squash(String s) {
        return s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "").replace(".", "");
    }

    private static boolean secretName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("secret") || n.contains("password") || n.contains("token") || n.contains("key")
                || n.contains("credential");
    }

    private static ConfigException bad(Key k, Item it, String problem) {
        String shown = k == Key.REPLICA ? Redactor.redactUrl(it.text()) : it.text();
        String allowed = problem.contains("allowed") ? "" : "; allowed: " + k.allowed;
        return new ConfigException(k.id, it.origin(), k.id + " = '" + safeValue(shown) + "' (" + it.origin() + "): "
                + problem + allowed);
    }

    // ---- merging

    /** One load: the sources, and the "where from" lines collected while converting. */
    private static final class Loading {
        private final String home;
        private final Map<Key, Raw> args;
        private final Map<Key, Raw> props;
        private final Map<Key, Raw> env;
        private Map<Key, Raw> yaml = Map.of();
        private final List<String> source = new ArrayList<>();
        /** Where each dbs entry's path is written. */
        private final Map<Path, String> dbOrigins = new HashMap<>();

        Loading(String home, Map<Key, Raw> args, Map<Key, Raw> props, Map<Key, Raw> env) {
            this.home = home;
            this.args = args;
            this.props = props;
            this.env = env;
        }

        private Raw raw(Key k) {
            for (Map<Key, Raw> m : List.of(args, props, env, yaml)) {
                Raw r = m.get(k);
                if (r != null) {
                    return r;
                }
            }
            return null;
        }

        LifelineConfig load() {
            LifelineConfig d = LifelineConfig.defaults();
            if (!bool(Key.ENABLED, d.enabled())) {
                // enabled=false outside the file works even when the file or another value is broken.
                return new LifelineConfig(false, Path.of(home, ".lifeline"), d.replicas(), d.include(), d.exclude(), d.durable(),
                        d.durableTimeout(), d.durableOnTimeout(), d.convertToWal(), d.pollInterval(),
                        d.minCheckpointFrames(), d.maxCheckpointFrames(), d.snapshotInterval(), d.retention(),
                        d.databases(), source);
            }
            List<DatabaseConfig> dbs = List.of();
            Raw cfg = raw(Key.CONFIG);
            if (cfg != null) {
                Path file = path(Key.CONFIG, cfg.single());
                source.add("config = " + file + " (" + cfg.origin() + ")");
                dbs = readYaml(file, cfg.origin());
            }
            boolean enabled = raw(Key.ENABLED) == null || bool(Key.ENABLED, d.enabled());
            Path stateDir = dir(Key.STATE_DIR, Path.of(home, ".lifeline"));
            List<String> replicas = replicas(raw(Key.REPLICA));
            List<String> include = globs(Key.INCLUDE);
            List<String> exclude = globs(Key.EXCLUDE);
            List<String> durable = globs(Key.DURABLE);
            Duration durableTimeout = duration(Key.DURABLE_TIMEOUT, d.durableTimeout(), null);
            DurableTimeoutAction onTimeout = action(d.durableOnTimeout());
            boolean convert = bool(Key.CONVERT_TO_WAL, d.convertToWal());
            Duration poll = duration(Key.POLL_INTERVAL, d.pollInterval(), null);
            Duration sync = duration(Key.SYNC_INTERVAL, d.syncInterval(), "no batching");
            if (sync.compareTo(Duration.ofSeconds(1)) > 0) {
                Raw r = raw(Key.SYNC_INTERVAL);
                throw bad(Key.SYNC_INTERVAL, r.single(), "longer than 1s");
            }
            Duration snapshots = duration(Key.SNAPSHOT_INTERVAL, d.snapshotInterval(), null);
            Duration retention = duration(Key.RETENTION, d.retention(), "keep everything");
            long min = count(Key.MIN_CHECKPOINT_FRAMES, d.minCheckpointFrames());
            long max = count(Key.MAX_CHECKPOINT_FRAMES, d.maxCheckpointFrames());
            if (max < min) {
                Raw r = raw(Key.MAX_CHECKPOINT_FRAMES) != null ? raw(Key.MAX_CHECKPOINT_FRAMES)
                        : raw(Key.MIN_CHECKPOINT_FRAMES);
                Raw minRaw = raw(Key.MIN_CHECKPOINT_FRAMES);
                Raw maxRaw = raw(Key.MAX_CHECKPOINT_FRAMES);
                throw new ConfigException(r.key().id, r.origin(), "max-checkpoint-frames = " + max + " ("
                        + (maxRaw == null ? "default" : maxRaw.origin()) + ") is below min-checkpoint-frames = " + min
                        + " (" + (minRaw == null ? "default" : minRaw.origin()) + "); allowed: max-checkpoint-frames"
                        + " at least min-checkpoint-frames (a PASSIVE checkpoint runs at min, a RESTART at max)");
            }
            for (DatabaseConfig db : dbs) {
                if (db.path().startsWith(stateDir)) {
                    String at = dbOrigins.get(db.path());
                    throw new ConfigException("dbs", at, "dbs path " + db.path() + " (" + at + ") is inside state-dir "
                            + stateDir + ", which Lifeline never protects; allowed: a database outside state-dir");
                }
            }
            List<Path> watch = watchRoots(stateDir);
            List<String> watchInclude = globs(Key.WATCH_INCLUDE);
            List<String> watchExclude = globs(Key.WATCH_EXCLUDE);
            return new LifelineConfig(enabled, stateDir, replicas, include, exclude, durable, durableTimeout, onTimeout,
                    convert, poll, min, max, snapshots, retention.isZero() ? null : retention, dbs, source, watch,
                    watchInclude, watchExclude, sync);
        }

        private void note(Key k, Raw r, Object value, Object dflt, String shown) {
            if (r != null && !Objects.equals(value, dflt)) {
                source.add(k.id + " = " + shown + " (" + r.origin() + ")");
            }
        }

        private boolean bool(Key k, boolean dflt) {
            Raw r = raw(k);
            if (r == null) {
                return dflt;
            }
            Item it = r.single();
            String v = it.text().trim().toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw bad(k, it, "not a boolean");
            }
            boolean b = v.equals("true");
            note(k, r, b, dflt, v);
            return b;
        }

        private Path path(Key k, Item it) {
            String v = it.text().trim();
            if (v.isEmpty()) {
                throw bad(k, it, "empty");
            }
            try {
                return Path.of(expandHome(v, home)).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                throw bad(k, it, "not a valid path (" + e.getReason() + ")");
            }
        }

        private Path dir(Key k, Path dflt) {
            Raw r = raw(k);
            if (r == null) {
                return dflt;
            }
            Path p = path(k, r.single());
            note(k, r, p, dflt, p.toString());
            return p;
        }

        /** The {@code watch} directories: absolute, normalized, none inside {@code stateDir}. */
        private List<Path> watchRoots(Path stateDir) {
            Raw r = raw(Key.WATCH);
            if (r == null) {
                return List.of();
            }
            List<Path> out = new ArrayList<>();
            for (Item it : r.items()) {
                Path p = path(Key.WATCH, it);
                if (p.startsWith(stateDir)) {
                    throw bad(Key.WATCH, it, "is inside state-dir " + stateDir + ", which Lifeline never watches;"
                            + " allowed: a directory outside state-dir (one that contains it is fine: state-dir"
                            + " itself is left out)");
                }
                if (p.getParent() == null) {
                    throw bad(Key.WATCH, it, "is the root directory; allowed: a directory below it");
                }
                if (!out.contains(p)) {
                    out.add(p);
                }
            }
            note(Key.WATCH, r, out, List.of(), out.isEmpty() ? "(none)" : String.join(", ",
                    out.stream().map(Path::toString).toList()));
            return out;
        }

        /** {@code zeroMeans}: what 0 means where it is allowed (shown in the banner); null: 0 is refused. */
        private Duration duration(Key k, Duration dflt, String zeroMeans) {
            Raw r = raw(k);
            if (r == null) {
                return dflt;
            }
            Item it = r.single();
            Duration d;
            try {
                d = Durations.parse(it.text());
            } catch (IllegalArgumentException e) {
                throw bad(k, it, it.text().isBlank() ? "empty" : "not a duration");
            }
            if (d.isNegative() || d.isZero() && zeroMeans == null) {
                throw bad(k, it, "must be greater than 0");
            }
            note(k, r, d, dflt, it.text().trim() + (d.isZero() ? " (" + zeroMeans + ")" : ""));
            return d;
        }

        private long count(Key k, long dflt) {
            Raw r = raw(k);
            if (r == null) {
                return dflt;
            }
            Item it = r.single();
            String v = it.text().trim();
            long n;
            try {
                n = v.matches("\\d+(_\\d+)*") ? Long.parseLong(v.replace("_", "")) : -1;
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1) {
                throw bad(k, it, "not a whole number of at least 1");
            }
            note(k, r, n, dflt, Long.toString(n));
            return n;
        }

        private DurableTimeoutAction action(DurableTimeoutAction dflt) {
            Raw r = raw(Key.DURABLE_ON_TIMEOUT);
            if (r == null) {
                return dflt;
            }
            Item it = r.single();
            String v = it.text().trim().toLowerCase(Locale.ROOT);
            DurableTimeoutAction a = switch (v) {
                case "fail" -> DurableTimeoutAction.FAIL;
                case "continue" -> DurableTimeoutAction.CONTINUE;
                default -> throw bad(Key.DURABLE_ON_TIMEOUT, it, "not a known action");
            };
            note(Key.DURABLE_ON_TIMEOUT, r, a, dflt, v);
            return a;
        }

        private List<String> globs(Key k) {
            Raw r = raw(k);
            if (r == null) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (Item it : r.items()) {
                String g = expandHomeInGlob(it.text().trim());
                String never = Globs.neverMatches(g);
                if (never != null) {
                    throw bad(k, it, never);
                }
                try {
                    Globs.matcher(g);
                } catch (PatternSyntaxException e) {
                    throw bad(k, it, "not a valid glob (" + e.getDescription() + " at index " + e.getIndex() + ")");
                }
                out.add(g);
            }
            note(k, r, out, List.of(), out.isEmpty() ? "(none)" : String.join(", ", out));
            return out;
        }

        private String expandHomeInGlob(String g) {
            if (!g.equals("~") && !g.startsWith("~/")) {
                return g;
            }
            StringBuilder h = new StringBuilder();
            for (char c : home.toCharArray()) {
                if ("*?[]{}\\".indexOf(c) >= 0) {
                    h.append('\\');
                }
                h.append(c);
            }
            return h + g.substring(1);
        }

        /** Checked replica URLs, {@code ~} expanded in directory paths; records the source line. */
        private List<String> replicas(Raw r) {
            if (r == null) {
                return List.of();
            }
            List<String> out = checkedUrls(r.items());
            note(Key.REPLICA, r, out, List.of(), out.isEmpty() ? "(none: the embedded default)"
                    : String.join(", ", out.stream().map(Redactor::redactUrl).toList()));
            return out;
        }

        private List<String> checkedUrls(List<Item> items) {
            List<String> out = new ArrayList<>();
            for (Item it : items) {
                String u = it.text().trim();
                if (!u.contains("://")) {
                    u = expandHome(u, home);
                }
                try {
                    ReplicaSpecs.check(u);
                } catch (IllegalArgumentException e) {
                    throw bad(Key.REPLICA, it, Redactor.redactUrl(String.valueOf(e.getMessage())));
                }
                out.add(u);
            }
            return out;
        }

        // ---- the YAML file

        /** Reads the file's keys into {@link #yaml}; returns its {@code dbs}. */
        private List<DatabaseConfig> readYaml(Path file, String namedBy) {
            Node root = YamlTree.read(file, namedBy);
            Map<Key, Raw> values = new EnumMap<>(Key.class);
            List<DatabaseConfig> dbs = List.of();
            List<String> yamlKeys = new ArrayList<>();
            for (Key k : Key.values()) {
                if (k != Key.CONFIG) {
                    yamlKeys.add(k.id);
                }
            }
            yamlKeys.add("replicas");
            yamlKeys.add("dbs");
            for (Map.Entry<String, Node> e : root.map().entrySet()) {
                String name = e.getKey();
                Node n = e.getValue();
                String at = file + ":" + n.line();
                switch (name) {
                    case "replica", "replicas" -> {
                        Raw prev = values.get(Key.REPLICA);
                        if (prev != null) {
                            throw new ConfigException("replica", at, "both replica and replicas are given ("
                                    + prev.origin() + " and " + at + "): give one");
                        }
                        values.put(Key.REPLICA, new Raw(Key.REPLICA, replicaItems(n, file, at), at));
                    }
                    case "dbs" -> dbs = databases(n, file, at);
                    case "config" -> throw new ConfigException("config", at, "config (" + at + ") cannot be set"
                            + " inside the config file; name the file with the agent argument config=...,"
                            + " -Dlifeline.config=... or LIFELINE_CONFIG");
                    default -> {
                        Key k = Key.of(name);
                        if (k == null) {
                            if (secretName(name)) {
                                throw new ConfigException(name, at, "'" + safeName(name) + "' (" + at + ") is not"
                                        + " read from the config file (value not shown): " + ReplicaSpecs.CREDENTIALS_HOW);
                            }
                            throw unknown(name, at, yamlKeys);
                        }
                        values.put(k, yamlRaw(k, n, file, at));
                    }
                }
            }
            yaml = values;
            return dbs;
        }

        private Raw yamlRaw(Key k, Node n, Path file, String at) {
            List<Item> items = new ArrayList<>();
            if (n.isScalar()) {
                if (n.text() == null && !k.list) {
                    throw bad(k, new Item("", at), "no value");
                }
                if (n.text() != null) {
                    items.add(new Item(n.text(), at));
                }
            } else if (n.isList() && k.list) {
                for (Node el : n.list()) {
                    String where = file + ":" + el.line();
                    if (!el.isScalar() || el.text() == null) {
                        throw new ConfigException(k.id, where, k.id + " (" + where + "): each entry must be a"
                                + " single value; allowed: " + k.allowed);
                    }
                    items.add(new Item(el.text(), where));
                }
            } else {
                throw new ConfigException(k.id, at, k.id + " (" + at + ") takes " + (k.list ? "a value or a list"
                        : "a single value") + ", not a " + (n.isList() ? "list" : "mapping") + "; allowed: " + k.allowed);
            }
            return new Raw(k, items, at);
        }

        /** A replica URL, a typed replica mapping, or a list of either. */
        private List<Item> replicaItems(Node n, Path file, String at) {
            List<Item> items = new ArrayList<>();
            if (n.isScalar()) {
                if (n.text() != null) {
                    items.add(new Item(n.text(), at));
                }
            } else if (n.isMap()) {
                items.add(new Item(ReplicaSpecs.fromTyped(n.map(), file, n.line(), home), at));
            } else {
                for (Node el : n.list()) {
                    String where = file + ":" + el.line();
                    if (el.isMap()) {
                        items.add(new Item(ReplicaSpecs.fromTyped(el.map(), file, el.line(), home), where));
                    } else if (el.isScalar() && el.text() != null) {
                        items.add(new Item(el.text(), where));
                    } else {
                        throw new ConfigException("replica", where, "replica entry (" + where + ") must be a URL"
                                + " or a mapping such as {type: s3, bucket: b, path: p}; allowed: " + ReplicaSpecs.ALLOWED);
                    }
                }
            }
            return items;
        }

        private List<DatabaseConfig> databases(Node n, Path file, String at) {
            if (!n.isList()) {
                throw new ConfigException("dbs", at, "dbs (" + at + ") must be a list of entries such as"
                        + " '- path: /data/agent.db'");
            }
            List<DatabaseConfig> out = new ArrayList<>();
            for (Node el : n.list()) {
                String where = file + ":" + el.line();
                if (!el.isMap()) {
                    throw new ConfigException("dbs", where, "dbs entry (" + where + ") must be a mapping with path"
                            + " and optionally name, durable and replicas");
                }
                Map<String, Node> f = el.map();
                for (Map.Entry<String, Node> e : f.entrySet()) {
                    if (!DB_FIELDS.contains(e.getKey())) {
                        String w = file + ":" + e.getValue().line();
                        throw new ConfigException("dbs", w, "unknown field '" + safeName(e.getKey()) + "' in a dbs"
                                + " entry (" + w + "); allowed fields: path, name, durable, replicas (or replica)");
                    }
                }
                Node pathNode = f.get("path");
                if (pathNode == null || !pathNode.isScalar() || pathNode.text() == null || pathNode.text().isBlank()) {
                    throw new ConfigException("dbs", where, "dbs entry (" + where + ") needs path: the database file");
                }
                String pAt = file + ":" + pathNode.line();
                Path path;
                try {
                    path = Path.of(expandHome(pathNode.text().trim(), home)).toAbsolutePath().normalize();
                } catch (InvalidPathException e) {
                    throw new ConfigException("dbs", pAt, "dbs path '" + safeValue(pathNode.text()) + "' (" + pAt
                            + ") is not a valid path (" + e.getReason() + ")");
                }
                String before = dbOrigins.put(path, pAt);
                if (before != null) {
                    throw new ConfigException("dbs", pAt, "dbs lists " + path + " twice (" + before + " and " + pAt
                            + "): give each database once");
                }
                String name = null;
                Node nameNode = f.get("name");
                if (nameNode != null) {
                    String nAt = file + ":" + nameNode.line();
                    if (!nameNode.isScalar() || nameNode.text() == null
                            || !DB_NAME.matcher(nameNode.text().trim()).matches()) {
                        throw new ConfigException("dbs", nAt, "dbs name '" + (nameNode.isScalar() && nameNode.text()
                                != null ? safeValue(nameNode.text()) : "") + "' (" + nAt + ") is not valid; allowed: 1"
                                + " to 128 letters, digits, '.', '_' and '-', starting with a letter or digit");
                    }
                    name = nameNode.text().trim();
                }
                Boolean durable = null;
                Node durNode = f.get("durable");
                if (durNode != null) {
                    String dAt = file + ":" + durNode.line();
                    String v = durNode.isScalar() && durNode.text() != null
                            ? durNode.text().trim().toLowerCase(Locale.ROOT) : "";
                    if (!v.equals("true") && !v.equals("false")) {
                        throw new ConfigException("dbs", dAt, "dbs durable = '" + safeValue(v) + "' (" + dAt
                                + ") is not valid; allowed: true or false");
                    }
                    durable = v.equals("true");
                }
                if (f.containsKey("replicas") && f.containsKey("replica")) {
                    throw new ConfigException("dbs", where, "dbs entry (" + where + ") has both replica and"
                            + " replicas: give one");
                }
                Node rNode = f.containsKey("replicas") ? f.get("replicas") : f.get("replica");
                List<String> urls = rNode == null ? List.of()
                        : checkedUrls(replicaItems(rNode, file, file + ":" + rNode.line()));
                out.add(new DatabaseConfig(path, name, urls, durable));
                source.add("dbs: " + path + (name == null ? "" : " name " + name)
                        + (durable == null ? "" : durable ? " durable" : " not durable")
                        + (urls.isEmpty() ? "" : " replicas " + String.join(", ",
                        urls.stream().map(Redactor::redactUrl).toList())) + " (" + where + ")");
            }
            return out;
        }
    }
}
