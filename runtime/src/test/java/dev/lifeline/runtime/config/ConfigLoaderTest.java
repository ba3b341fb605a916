package dev.lifeline.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.config.LifelineConfig.DatabaseConfig;
import dev.lifeline.runtime.config.LifelineConfig.DurableTimeoutAction;
import dev.lifeline.runtime.replica.s3.Redactor;
import dev.lifeline.runtime.replica.s3.S3ReplicaConfig;
import dev.lifeline.runtime.replica.s3.S3Url;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

    @TempDir
    Path tmp;

    private Map<String, String> props() {
        Map<String, String> p = new HashMap<>();
        p.put("user.home", tmp.resolve("home").toString());
        return p;
    }

    private Path yaml(String text) throws IOException {
        Path f = tmp.resolve("lifeline-" + System.nanoTime() + ".yml");
        Files.writeString(f, text);
        return f;
    }

    private LifelineConfig load(String args, Map<String, String> props, Map<String, String> env) {
        return ConfigLoader.load(args, props, env);
    }

    private ConfigException fails(String args, Map<String, String> props, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(args, props, env));
    }

    private static void assertHas(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "expected '" + p + "' in: " + message);
        }
    }

    // ---- defaults and precedence

    @Test
    void nothingSetGivesTheDefaults() {
        LifelineConfig c = load(null, props(), Map.of());
        LifelineConfig d = LifelineConfig.defaults();
        assertTrue(c.enabled());
        assertEquals(tmp.resolve("home").resolve(".lifeline"), c.stateDir(), "~ is the given user.home");
        assertEquals(List.of(), c.replicas());
        assertEquals(Duration.ofSeconds(1), c.pollInterval());
        assertEquals(Duration.ofMillis(25), c.syncInterval());
        assertEquals(Duration.ofSeconds(5), c.durableTimeout());
        assertEquals(DurableTimeoutAction.FAIL, c.durableOnTimeout());
        assertEquals(Duration.ofHours(24), c.retention());
        assertEquals(1000, c.minCheckpointFrames());
        assertEquals(10_000, c.maxCheckpointFrames());
        assertEquals(List.of(), c.source());
        assertEquals(c, load("", props(), Map.of()));
    }

    @Test
    void theAgentArgumentBeatsSystemPropertiesBeatEnvironmentBeatsTheFile() throws IOException {
        Path f = yaml("poll-interval: 40ms\nsnapshot-interval: 4h\nretention: 4d\nmin-checkpoint-frames: 4\n");
        Map<String, String> p = props();
        p.put("lifeline.poll-interval", "20ms");
        p.put("lifeline.snapshot-interval", "2h");
        Map<String, String> env = Map.of("LIFELINE_POLL_INTERVAL", "30ms", "LIFELINE_SNAPSHOT_INTERVAL", "3h",
                "LIFELINE_RETENTION", "3d", "LIFELINE_CONFIG", f.toString());

        LifelineConfig c = load("poll-interval=10ms", p, env);
        assertEquals(Duration.ofMillis(10), c.pollInterval());
        assertEquals(Duration.ofHours(2), c.snapshotInterval());
        assertEquals(Duration.ofDays(3), c.retention());
        assertEquals(4, c.minCheckpointFrames());
        assertTrue(c.source().contains("poll-interval = 10ms (agent argument)"), c.source()::toString);
        assertTrue(c.source().contains("snapshot-interval = 2h (system property lifeline.snapshot-interval)"));
        assertTrue(c.source().contains("retention = 3d (environment LIFELINE_RETENTION)"));
        assertTrue(c.source().contains("min-checkpoint-frames = 4 (" + f + ":4)"), c.source()::toString);
        assertTrue(c.source().contains("config = " + f + " (environment LIFELINE_CONFIG)"));

        assertEquals(Duration.ofMillis(20), load(null, p, env).pollInterval());
        assertEquals(Duration.ofMillis(30), load(null, props(), env).pollInterval());
        assertEquals(Duration.ofMillis(40), load(null, props(), Map.of("LIFELINE_CONFIG", f.toString())).pollInterval());
    }

    @Test
    void theFileIsNamedByAnySourceAndTheHighestWins() throws IOException {
        Path a = yaml("poll-interval: 1ms\n");
        Path b = yaml("poll-interval: 2ms\n");
        Path c = yaml("poll-interval: 3ms\n");
        Map<String, String> p = props();
        p.put("lifeline.config", b.toString());
        Map<String, String> env = Map.of("LIFELINE_CONFIG", c.toString());
        assertEquals(Duration.ofMillis(1), load("config=" + a, p, env).pollInterval());
        assertEquals(Duration.ofMillis(1), load(a.toString(), p, env).pollInterval());
        assertEquals(Duration.ofMillis(2), load(null, p, env).pollInterval());
        assertEquals(Duration.ofMillis(3), load(null, props(), env).pollInterval());
    }

    @Test
    void everyKeyFromTheEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("LIFELINE_STATE_DIR", tmp.resolve("state").toString());
        env.put("LIFELINE_REPLICA", "s3://bucket/x?region=us-east-1," + tmp.resolve("r2"));
        env.put("LIFELINE_INCLUDE", "/data/**.db");
        env.put("LIFELINE_EXCLUDE", "**/cache.db");
        env.put("LIFELINE_DURABLE", "/data/ledger.db");
        env.put("LIFELINE_DURABLE_TIMEOUT", "2s");
        env.put("LIFELINE_DURABLE_ON_TIMEOUT", "continue");
        env.put("LIFELINE_CONVERT_TO_WAL", "false");
        env.put("LIFELINE_POLL_INTERVAL", "10ms");
        env.put("LIFELINE_SYNC_INTERVAL", "0");
        env.put("LIFELINE_SNAPSHOT_INTERVAL", "1h");
        env.put("LIFELINE_RETENTION", "0");
        env.put("LIFELINE_MIN_CHECKPOINT_FRAMES", "10");
        env.put("LIFELINE_MAX_CHECKPOINT_FRAMES", "10_000_000");
        env.put("LIFELINE_ENABLED", "true");
        LifelineConfig c = load(null, props(), env);
        assertEquals(tmp.resolve("state"), c.stateDir());
        assertEquals(List.of("s3://bucket/x?region=us-east-1", tmp.resolve("r2").toString()), c.replicas());
        assertEquals(List.of("/data/**.db"), c.include());
        assertEquals(List.of("**/cache.db"), c.exclude());
        assertEquals(List.of("/data/ledger.db"), c.durable());
        assertEquals(Duration.ofSeconds(2), c.durableTimeout());
        assertEquals(DurableTimeoutAction.CONTINUE, c.durableOnTimeout());
        assertFalse(c.convertToWal());
        assertEquals(Duration.ofMillis(10), c.pollInterval());
        assertEquals(Duration.ZERO, c.syncInterval());
        assertTrue(c.source().contains("sync-interval = 0 (no batching) (environment LIFELINE_SYNC_INTERVAL)"),
                c.source()::toString);
        assertEquals(Duration.ofHours(1), c.snapshotInterval());
        assertNull(c.retention(), "0 keeps everything");
        assertEquals(10, c.minCheckpointFrames());
        assertEquals(10_000_000, c.maxCheckpointFrames());
        assertTrue(c.source().contains("retention = 0 (keep everything) (environment LIFELINE_RETENTION)"));
        assertFalse(c.source().stream().anyMatch(s -> s.startsWith("enabled")), "default values are not listed");
    }

    @Test
    void otherLifelineVariablesAreNeverRead() {
        Map<String, String> env = Map.of("LIFELINE_ENCRYPTION_KEY", "not-a-key-" + SECRET,
                "LIFELINE_ENCRYPTION_KEY_FILE", "/nope", "LIFELINE_SOMETHING_ELSE", "x", "LIFELINE_POLL_INTERVAL", " ");
        LifelineConfig c = load(null, props(), env);
        assertEquals(Duration.ofSeconds(1), c.pollInterval(), "a blank variable counts as unset");
        assertFalse(c.source().toString().contains(SECRET));
    }

    // ---- lists

    @Test
    void listKeysRepeatInTheAgentArgumentAndAreCommaSeparatedElsewhere() {
        LifelineConfig c = load("replica=/r/a,replica=s3://bucket/b?region=eu-west-1&force-path-style=true,"
                + "include=/data/*.db,/srv/*.db,enabled=true", props(), Map.of());
        assertEquals(List.of("/r/a", "s3://bucket/b?region=eu-west-1&force-path-style=true"), c.replicas());
        assertEquals(List.of("/data/*.db", "/srv/*.db"), c.include(), "an item without = continues a list key");

        Map<String, String> p = props();
        p.put("lifeline.replica", "/r/x, /r/y");
        p.put("lifeline.include", "/data/{a,b}.db,/other/[xy,].db");
        LifelineConfig d = load(null, p, Map.of("LIFELINE_REPLICA", "/r/env"));
        assertEquals(List.of("/r/x", "/r/y"), d.replicas(), "the highest source replaces the whole list");
        assertEquals(List.of("/data/{a,b}.db", "/other/[xy,].db"), d.include(), "commas inside {} and [] do not split");

        Map<String, String> q = props();
        q.put("lifeline.replica", "");
        assertEquals(List.of(), load(null, q, Map.of("LIFELINE_REPLICA", "/r/env")).replicas(),
                "an empty system property sets an empty list");
        assertEquals(List.of(), load("replica=", props(), Map.of("LIFELINE_REPLICA", "/r/env")).replicas());
    }

    // ---- the YAML file

    @Test
    void theLitestreamShapedFile() throws IOException {
        Path f = yaml("""
                state-dir: ~/lifeline-state
                replica: s3://bucket/agents/agent-1?endpoint=http://localhost:9000
                include: ["/data/**.db"]
                exclude: ["**/cache.db"]
                durable: ["/data/ledger.db"]
                durable-timeout: 5s
                durable-on-timeout: continue
                convert-to-wal: true
                poll-interval: 1s
                snapshot-interval: 6h
                retention: 1d
                min-checkpoint-frames: 1000
                max-checkpoint-frames: 20_000
                dbs:
                  - path: /data/agent.db
                    name: agent
                    durable: true
                    replicas:
                      - url: s3://bucket/agent-db
                      - type: s3
                        bucket: mybucket
                        path: agent-db
                        endpoint: http://localhost:9000
                        region: us-east-1
                        force-path-style: true
                      - type: file
                        path: /backups/agent-db
                      - /backups/plain
                  - path: ~/other.db
                """);
        LifelineConfig c = load("config=" + f, props(), Map.of());
        Path home = tmp.resolve("home");
        assertEquals(home.resolve("lifeline-state"), c.stateDir());
        assertEquals(List.of("s3://bucket/agents/agent-1?endpoint=http://localhost:9000"), c.replicas());
        assertEquals(List.of("/data/**.db"), c.include());
        assertEquals(List.of("**/cache.db"), c.exclude());
        assertEquals(List.of("/data/ledger.db"), c.durable());
        assertEquals(DurableTimeoutAction.CONTINUE, c.durableOnTimeout());
        assertEquals(Duration.ofDays(1), c.retention());
        assertEquals(20_000, c.maxCheckpointFrames());
        assertEquals(2, c.databases().size());
        DatabaseConfig agent = c.databases().get(0);
        assertEquals(Path.of("/data/agent.db"), agent.path());
        assertEquals("agent", agent.name());
        assertEquals(Boolean.TRUE, agent.durable());
        assertEquals(List.of("s3://bucket/agent-db",
                "s3://mybucket/agent-db?endpoint=http://localhost:9000&region=us-east-1&force-path-style=true",
                "/backups/agent-db", "/backups/plain"), agent.replicas());
        S3ReplicaConfig s3 = S3Url.parse(agent.replicas().get(1));
        assertEquals("mybucket", s3.bucket());
        assertEquals("agent-db", s3.prefix());
        assertEquals(URI.create("http://localhost:9000"), s3.endpoint());
        assertEquals("us-east-1", s3.region());
        assertTrue(s3.forcePathStyle());
        DatabaseConfig other = c.databases().get(1);
        assertEquals(home.resolve("other.db"), other.path());
        assertNull(other.name());
        assertNull(other.durable());
        assertEquals(List.of(), other.replicas());
        assertTrue(c.source().stream().anyMatch(s -> s.startsWith("dbs: /data/agent.db name agent durable replicas ")
                && s.endsWith("(" + f + ":15)")), c.source()::toString);
        assertTrue(c.source().contains("state-dir = " + home.resolve("lifeline-state") + " (" + f + ":1)"));
    }

    @Test
    void replicasListAndTypedFormsAtTheTopLevel() throws IOException {
        Path f = yaml("""
                replicas:
                  - s3://bucket/a
                  - type: s3
                    bucket: other.bucket
                    path: /deep/prefix with space/
                    checksum: WHEN_REQUIRED
                    encrypt: true
                  - type: file
                    path: /backups/enc
                    encrypt: true
                  - bucket: implied-s3
                """);
        LifelineConfig c = load(f.toString(), props(), Map.of());
        assertEquals(List.of("s3://bucket/a",
                "s3://other.bucket/deep/prefix%20with%20space/?checksum=WHEN_REQUIRED&encrypt=true",
                "file:///backups/enc?encrypt=true", "s3://implied-s3"), c.replicas());
        S3ReplicaConfig s3 = S3Url.parse("s3://other.bucket/deep/prefix%20with%20space/?checksum=WHEN_REQUIRED");
        assertEquals("deep/prefix with space", s3.prefix());

        Path single = yaml("replica:\n  type: file\n  path: ~/bk\n");
        assertEquals(List.of(tmp.resolve("home").resolve("bk").toString()),
                load(single.toString(), props(), Map.of()).replicas());
    }

    @Test
    void anEmptyFileChangesNothing() throws IOException {
        Path f = yaml("");
        LifelineConfig c = load("config=" + f, props(), Map.of());
        assertEquals(LifelineConfig.defaults().pollInterval(), c.pollInterval());
        assertEquals(List.of("config = " + f + " (agent argument)"), c.source());
    }

    // ---- durations

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(10), Durations.parse("10ms"));
        assertEquals(Duration.ofSeconds(5), Durations.parse("5s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofHours(6), Durations.parse("6h"));
        assertEquals(Duration.ofDays(1), Durations.parse("1d"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("1m30s"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
        assertEquals(Duration.ofSeconds(5), Durations.parse("PT5S"));
        assertEquals(Duration.ZERO, Durations.parse("0"));
        for (String bad : List.of("", "5", "5x", "s", "1h-", "-5s", "PTx")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad));
            assertHas(e.getMessage(), "'" + bad + "' is not a duration", "10ms");
        }
        assertHas(assertThrows(IllegalArgumentException.class, () -> Durations.parse("99999999999999d")).getMessage(),
                "too long");
    }

    // ---- errors

    @Test
    void unknownKeysAreErrorsListingTheKnownOnes() throws IOException {
        ConfigException a = fails("replcia=/x", props(), Map.of());
        assertEquals("replcia", a.key());
        assertEquals("agent argument", a.origin());
        assertHas(a.getMessage(), "unknown key 'replcia' (agent argument) (did you mean 'replica'?)",
                "known keys: enabled, config, state-dir,"
                + " replica, include, exclude, durable, durable-timeout, durable-on-timeout, convert-to-wal,"
                + " poll-interval, sync-interval, snapshot-interval, retention, min-checkpoint-frames, max-checkpoint-frames");

        Map<String, String> p = props();
        p.put("lifeline.replicas", "/x");
        ConfigException b = fails(null, p, Map.of());
        assertHas(b.getMessage(), "unknown key 'replicas' (system property lifeline.replicas)",
                "did you mean 'replica'?", "known keys: enabled,");

        Path f = yaml("poll-interval: 1s\nmonitor-interval: 1s\n");
        ConfigException c = fails("config=" + f, props(), Map.of());
        assertEquals(f + ":2", c.origin());
        assertHas(c.getMessage(), "unknown key 'monitor-interval' (" + f + ":2)", "replicas, dbs");
        assertFalse(c.getMessage().contains("did you mean"), "no suggestion when nothing is close");
        assertHas(fails("poll_intervall=1s", props(), Map.of()).getMessage(), "did you mean 'poll-interval'?");

        assertHas(fails("dbs=/x", props(), Map.of()).getMessage(), "can only be given in the YAML file");
        assertHas(fails("s3://AKIA:" + SECRET + "@bucket/x?a=b", props(), Map.of()).getMessage(), "(name not shown)");
    }

    @Test
    void badValuesNameTheKeyTheSourceTheValueAndWhatIsAllowed() throws IOException {
        ConfigException e = fails("poll-interval=5x", props(), Map.of());
        assertEquals("poll-interval", e.key());
        assertEquals("poll-interval = '5x' (agent argument): not a duration; allowed: " + Durations.ALLOWED,
                e.getMessage());

        Map<String, String> p = props();
        p.put("lifeline.enabled", "yes");
        assertHas(fails(null, p, Map.of()).getMessage(), "enabled = 'yes' (system property lifeline.enabled): not a"
                + " boolean; allowed: true or false");

        assertHas(fails(null, props(), Map.of("LIFELINE_DURABLE_ON_TIMEOUT", "retry")).getMessage(),
                "durable-on-timeout = 'retry' (environment LIFELINE_DURABLE_ON_TIMEOUT)", "allowed: fail or continue");
        assertHas(fails("poll-interval=0", props(), Map.of()).getMessage(), "'0'", "must be greater than 0");
        assertEquals("sync-interval = '2s' (agent argument): longer than 1s; allowed: a duration from 0 to 1s, such as"
                + " 25ms or 100ms (0 ships every commit at once)", fails("sync-interval=2s", props(), Map.of())
                .getMessage());
        assertHas(fails("sync-interval=-5ms", props(), Map.of()).getMessage(), "sync-interval = '-5ms'");
        assertEquals(Duration.ofSeconds(1), load("sync-interval=1s", props(), Map.of()).syncInterval());
        assertHas(fails("durable-timeout=PT-5S", props(), Map.of()).getMessage(), "must be greater than 0");
        assertHas(fails("retention=-1s", props(), Map.of()).getMessage(), "retention = '-1s'", "not a duration");
        assertHas(fails("min-checkpoint-frames=0", props(), Map.of()).getMessage(),
                "min-checkpoint-frames = '0' (agent argument)", "a whole number of at least 1");
        assertHas(fails("max-checkpoint-frames=1e4", props(), Map.of()).getMessage(), "'1e4'");
        assertHas(fails("min-checkpoint-frames=500,max-checkpoint-frames=100", props(), Map.of()).getMessage(),
                "max-checkpoint-frames = 100 (agent argument) is below min-checkpoint-frames = 500 (agent argument)");
        assertHas(fails("state-dir=", props(), Map.of()).getMessage(), "state-dir = '' (agent argument): empty");
        assertHas(fails("state-dir=/a\0b", props(), Map.of()).getMessage(), "state-dir = '/a?b'", "not a valid path");
        assertHas(fails("enabled=true,enabled=true", props(), Map.of()).getMessage(), "more than once");
        assertHas(fails("just-a-word", props(), Map.of()).getMessage(), "'just-a-word', which is not key=value");

        Path f = yaml("poll-interval: [1s, 2s]\n");
        assertHas(fails(f.toString(), props(), Map.of()).getMessage(), "poll-interval (" + f + ":1) takes a single"
                + " value, not a list");
        Path g = yaml("retention:\n");
        assertHas(fails(g.toString(), props(), Map.of()).getMessage(), "retention = '' (" + g + ":1): no value");
        Path h = yaml("durable-timeout: 5s\nconvert-to-wal: maybe\n");
        ConfigException he = fails(h.toString(), props(), Map.of());
        assertEquals(h + ":2", he.origin());
        assertHas(he.getMessage(), "convert-to-wal = 'maybe' (" + h + ":2): not a boolean; allowed: true or false");
    }

    @Test
    void badGlobs() {
        assertHas(fails("include=/data/[ab.db", props(), Map.of()).getMessage(),
                "include = '/data/[ab.db' (agent argument): not a valid glob", "allowed: java.nio glob");
        assertHas(fails(null, props(), Map.of("LIFELINE_EXCLUDE", "*.db")).getMessage(),
                "exclude = '*.db' (environment LIFELINE_EXCLUDE)", "must start with '/' or '**'");
        assertHas(fails("durable=data/x.db", props(), Map.of()).getMessage(), "durable = 'data/x.db'");
    }

    @Test
    void badReplicaUrlsAreRedacted() throws IOException {
        ConfigException a = fails("replica=s3://AKIAEXAMPLE:" + SECRET + "@bucket/x", props(), Map.of());
        assertEquals("replica", a.key());
        assertHas(a.getMessage(), "replica = 's3://[REDACTED]@bucket/x' (agent argument)", "credentials",
                "allowed: a directory path");
        assertFalse(a.getMessage().contains(SECRET), a.getMessage());
        assertFalse(a.getMessage().contains("AKIAEXAMPLE"), a.getMessage());

        Map<String, String> p = props();
        p.put("lifeline.replica", "s3://bucket/x?region=us-east-1&secret-access-key=" + SECRET);
        ConfigException b = fails(null, p, Map.of());
        assertHas(b.getMessage(), "secret-access-key=[REDACTED]", "(system property lifeline.replica)");
        assertFalse(b.getMessage().contains(SECRET), b.getMessage());

        ConfigException c = fails(null, props(), Map.of("LIFELINE_REPLICA",
                "s3://bucket/x?endpoint=http://user:" + SECRET + "@minio:9000"));
        assertFalse(c.getMessage().contains(SECRET), c.getMessage());
        assertHas(c.getMessage(), "(environment LIFELINE_REPLICA)");

        ConfigException d = fails("replica=gs://bucket/x?token=" + SECRET, props(), Map.of());
        assertHas(d.getMessage(), "scheme 'gs' is not supported", "token=[REDACTED]");
        assertFalse(d.getMessage().contains(SECRET));

        assertHas(fails("replica=file://relative/dir", props(), Map.of()).getMessage(), "three slashes");
        assertHas(fails("replica=s3://bucket/x?regoin=eu", props(), Map.of()).getMessage(), "unknown option 'regoin'",
                "allowed options are endpoint, region");
        assertHas(fails("replica=file:///x?encrpyt=true", props(), Map.of()).getMessage(), "unknown option");

        Path f = yaml("replica: s3://bucket/x?key=" + SECRET + "\n");
        ConfigException e = fails(f.toString(), props(), Map.of());
        assertEquals(f + ":1", e.origin());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }

    @Test
    void typedReplicaErrors() throws IOException {
        Path cred = yaml("""
                replicas:
                  - type: s3
                    bucket: b
                    access-key-id: AKIAEXAMPLE
                    secret-access-key: %s
                """.formatted(SECRET));
        ConfigException a = fails(cred.toString(), props(), Map.of());
        assertEquals(cred + ":4", a.origin());
        assertHas(a.getMessage(), "replica field 'access-key-id' (" + cred + ":4) is not accepted (value not shown)",
                "AWS default chain");
        assertFalse(a.getMessage().contains(SECRET) || a.getMessage().contains("AKIAEXAMPLE"));

        Path top = yaml("secret-access-key: " + SECRET + "\n");
        ConfigException t = fails(top.toString(), props(), Map.of());
        assertHas(t.getMessage(), "'secret-access-key' (" + top + ":1) is not read from the config file (value not shown)");
        assertFalse(t.getMessage().contains(SECRET));

        assertHas(fails(yaml("replicas:\n  - type: gcs\n    bucket: b\n").toString(), props(), Map.of()).getMessage(),
                "replica type 'gcs'", "allowed: s3, file");
        assertHas(fails(yaml("replicas:\n  - type: s3\n    path: p\n").toString(), props(), Map.of()).getMessage(),
                "needs bucket");
        assertHas(fails(yaml("replicas:\n  - type: s3\n    bucket: b\n    sync-interval: 1s\n").toString(), props(),
                Map.of()).getMessage(), "unknown field 'sync-interval' in a replica of type s3", "allowed fields:");
        assertHas(fails(yaml("replicas:\n  - type: file\n").toString(), props(), Map.of()).getMessage(), "needs path");
        assertHas(fails(yaml("replicas:\n  - url: s3://b/x\n    region: r\n").toString(), props(), Map.of())
                .getMessage(), "url and other fields (region)");
        assertHas(fails(yaml("replicas:\n  - type: s3\n    bucket: bbb\n    force-path-style: sure\n").toString(),
                props(), Map.of()).getMessage(), "force-path-style = 'sure'", "true or false");
        assertHas(fails(yaml("replica: /a\nreplicas: [/b]\n").toString(), props(), Map.of()).getMessage(),
                "both replica and replicas");
        assertHas(fails(yaml("replicas:\n  - type: s3\n    bucket: bbb\n    region: 'bad region'\n").toString(),
                props(), Map.of()).getMessage(), "option region='bad region' is not valid");
    }

    @Test
    void fileErrors() throws IOException {
        Path missing = tmp.resolve("nope.yml");
        ConfigException a = fails(null, props(), Map.of("LIFELINE_CONFIG", missing.toString()));
        assertEquals("config", a.key());
        assertHas(a.getMessage(), "config = '" + missing + "' (environment LIFELINE_CONFIG): no such file");

        Path broken = yaml("poll-interval: 1s\nreplica: [s3://b/x?secret=" + SECRET + "\n  bad: : :\n");
        ConfigException b = fails("config=" + broken, props(), Map.of());
        assertHas(b.getMessage(), "config file " + broken + ":", "is not valid YAML", "(named by agent argument)");
        assertFalse(b.getMessage().contains(SECRET), b.getMessage());

        Path list = yaml("- a\n- b\n");
        assertHas(fails(list.toString(), props(), Map.of()).getMessage(), "must be a YAML mapping");
        Path dup = yaml("poll-interval: 1s\npoll-interval: 2s\n");
        ConfigException d = fails(dup.toString(), props(), Map.of());
        assertHas(d.getMessage(), "key 'poll-interval' appears twice", "(lines 1 and 2)");
        assertHas(fails(yaml("config: /other.yml\n").toString(), props(), Map.of()).getMessage(),
                "cannot be set inside the config file");
    }

    @Test
    void dbsErrors() throws IOException {
        assertHas(fails(yaml("dbs:\n  - path: /a.db\n    monitor-interval: 1s\n").toString(), props(), Map.of())
                .getMessage(), "unknown field 'monitor-interval' in a dbs entry", ":3)");
        assertHas(fails(yaml("dbs:\n  - name: x\n").toString(), props(), Map.of()).getMessage(), "needs path");
        assertHas(fails(yaml("dbs:\n  - path: /a.db\n  - path: /b/../a.db\n").toString(), props(), Map.of())
                .getMessage(), "dbs lists /a.db twice");
        assertHas(fails(yaml("dbs:\n  - path: /a.db\n    name: a/b\n").toString(), props(), Map.of()).getMessage(),
                "dbs name 'a/b'");
        assertHas(fails(yaml("dbs:\n  - path: /a.db\n    durable: often\n").toString(), props(), Map.of())
                .getMessage(), "dbs durable = 'often'");
        assertHas(fails(yaml("dbs:\n  - path: /a.db\n    replicas: [ 'ftp://x' ]\n").toString(), props(), Map.of())
                .getMessage(), "replica = 'ftp://x'", ":3)");
        assertHas(fails(yaml("state-dir: /st\ndbs:\n  - path: /st/x.db\n").toString(), props(), Map.of())
                .getMessage(), "is inside state-dir");
        assertHas(fails(yaml("dbs: /a.db\n").toString(), props(), Map.of()).getMessage(), "must be a list");
    }

    @Test
    void enabledFalseOutsideTheFileSkipsEverythingElse() throws IOException {
        LifelineConfig c = load("enabled=false,config=" + tmp.resolve("missing.yml"), props(), Map.of());
        assertFalse(c.enabled());
        assertEquals(List.of("enabled = false (agent argument)"), c.source());
        assertFalse(load(null, props(), Map.of("LIFELINE_ENABLED", "FALSE", "LIFELINE_POLL_INTERVAL", "bad")).enabled());
        Path f = yaml("enabled: false\n");
        assertFalse(load(f.toString(), props(), Map.of()).enabled());
        assertTrue(load("enabled=true," + "config=" + f, props(), Map.of()).enabled());
    }

    // ---- which databases

    @Test
    void includeExcludeAndTheStateDir() {
        LifelineConfig all = load("state-dir=" + tmp.resolve("state"), props(), Map.of());
        assertTrue(all.isIncluded(Path.of("/anywhere/x.db")));
        assertFalse(all.isIncluded(tmp.resolve("state/replica/x.db")), "the state dir is never included");
        assertFalse(all.isIncluded(tmp.resolve("state")));

        LifelineConfig c = load("include=/data/**.db,include=/srv/{a,b}.sqlite,exclude=**/cache.db", props(), Map.of());
        assertTrue(c.isIncluded(Path.of("/data/agent.db")));
        assertTrue(c.isIncluded(Path.of("/data/t/1/agent.db")));
        assertTrue(c.isIncluded(Path.of("/srv/b.sqlite")));
        assertTrue(c.isIncluded(Path.of("/data/x/../agent.db")), "paths are normalized");
        assertFalse(c.isIncluded(Path.of("/srv/c.sqlite")));
        assertFalse(c.isIncluded(Path.of("/other/agent.db")));
        assertFalse(c.isIncluded(Path.of("/data/cache.db")));
        assertFalse(c.isIncluded(Path.of("/data/t/cache.db")));

        LifelineConfig home = load("include=~/dbs/*.db", props(), Map.of());
        assertTrue(home.isIncluded(tmp.resolve("home/dbs/a.db")));
    }

    @Test
    void explicitDatabasesWinOverGlobs() throws IOException {
        Path real = tmp.resolve("data/ledger.db");
        Files.createDirectories(real.getParent());
        Files.writeString(real, "");
        Path link = tmp.resolve("link");
        Files.createSymbolicLink(link, real.getParent());
        Path f = yaml("""
                include: ["/nowhere/**"]
                exclude: ["**/ledger.db", "**/cache.db"]
                durable: ["**/cache.db", "**/ledger.db"]
                dbs:
                  - path: %s
                    durable: false
                  - path: /x/cache.db
                """.formatted(real));
        LifelineConfig c = load(f.toString(), props(), Map.of());
        assertTrue(c.isIncluded(real), "named in dbs: included despite include and exclude");
        assertTrue(c.isIncluded(link.resolve("ledger.db")), "the same file through a link");
        assertFalse(c.isDurable(real), "dbs durable: false beats the durable glob");
        assertTrue(c.isIncluded(Path.of("/x/cache.db")));
        assertTrue(c.isDurable(Path.of("/x/cache.db")), "no durable in the entry: the globs decide");
        assertFalse(c.isIncluded(Path.of("/y/cache.db")));
        assertTrue(c.isDurable(Path.of("/y/cache.db")));
        assertFalse(c.isDurable(Path.of("/y/other.db")));
    }

    // ---- redaction

    @Test
    void sourceLinesAndRedaction() {
        Map<String, String> p = props();
        p.put("lifeline.replica", "s3://bucket/x");
        LifelineConfig c = load(null, p, Map.of());
        assertEquals(List.of("replica = s3://bucket/x (system property lifeline.replica)"), c.source());

        assertEquals("s3://[REDACTED]@bucket/p?region=r&aws-secret-key=[REDACTED]&Token=[REDACTED]",
                Redactor.redactUrl("s3://AK:se/cr@t@bucket/p?region=r&aws-secret-key=abc&Token=t0k"));
        assertEquals("s3://b/p?endpoint=http://[REDACTED]@h:9000&password=[REDACTED]",
                Redactor.redactUrl("s3://b/p?endpoint=http://u:pw@h:9000&password=x"));
        assertEquals("/plain/dir", Redactor.redactUrl("/plain/dir"));
    }
}
