package dev.lifeline.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Drives the real Litestream 0.3.13 binary: a sidecar replicating to a directory, and restores. */
public final class Litestream {

    private Litestream() {
    }

    /**
     * Writes a config replicating {@code db} to the directory {@code replica}.
     *
     * @param dbSettings      extra keys of the db entry (e.g. checkpoint-interval)
     * @param replicaSettings extra keys of the replica entry (e.g. sync-interval)
     */
    public static Path config(Path dir, Path db, Path replica, Map<String, String> dbSettings,
                              Map<String, String> replicaSettings) throws IOException {
        return config(dir, db, dbSettings, "      - type: file\n        path: " + replica.toAbsolutePath() + "\n",
                replicaSettings);
    }

    /**
     * Writes a config replicating {@code db} to one replica.
     *
     * @param replicaEntry    the replica's YAML list entry, indented under {@code replicas:} (6 spaces)
     * @param replicaSettings extra keys of that entry
     */
    public static Path config(Path dir, Path db, Map<String, String> dbSettings, String replicaEntry,
                              Map<String, String> replicaSettings) throws IOException {
        StringBuilder y = new StringBuilder();
        y.append("dbs:\n");
        y.append("  - path: ").append(db.toAbsolutePath()).append('\n');
        for (Map.Entry<String, String> e : dbSettings.entrySet()) {
            y.append("    ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        y.append("    replicas:\n");
        y.append(replicaEntry);
        for (Map.Entry<String, String> e : replicaSettings.entrySet()) {
            y.append("        ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        Path cfg = dir.resolve("litestream-" + System.nanoTime() + ".yml");
        Files.writeString(cfg, y);
        return cfg;
    }

    /** Starts {@code litestream replicate -config CFG} as a child process with extra environment. */
    public static Proc replicate(Path config, Map<String, String> env) {
        return Proc.start(null, env, List.of(Tools.litestream().toString(), "replicate", "-config", config.toString()));
    }

    public static Map<String, String> settings(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Starts {@code litestream replicate -config CFG} as a child process. */
    public static Proc replicate(Path config) {
        return replicate(config, Map.of());
    }

    /** {@code litestream restore -o OUT [args] file:///replica}. */
    public static Proc.Result restore(Path replica, Path out, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Tools.litestream().toString(), "restore", "-o", out.toString()));
        cmd.addAll(List.of(args));
        cmd.add("file://" + replica.toAbsolutePath());
        return Proc.run(Duration.ofMinutes(30), cmd);
    }
}
