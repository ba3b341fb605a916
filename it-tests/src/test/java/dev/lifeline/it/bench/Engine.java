package dev.lifeline.it.bench;

import dev.lifeline.it.Lifeline;
import dev.lifeline.it.Litestream;
import dev.lifeline.it.Proc;
import dev.lifeline.it.Tools;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A replicator under test, always run as a child process beside the writing app: Lifeline (the
 * CLI jar, or the runtime through the test launcher when the jar is not built) or the real
 * Litestream 0.3.13 as a sidecar.
 */
record Engine(String name, String kind, String syncInterval, String monitorInterval, String pollInterval) {

    static final String HUGE = "1000000000";

    static Engine lifeline() {
        return new Engine("lifeline", "lifeline", null, null, "10ms");
    }

    static Engine litestream(String syncInterval, String monitorInterval) {
        String name = "litestream-sync" + syncInterval + (monitorInterval == null ? "" : "-monitor" + monitorInterval);
        return new Engine(name, "litestream", syncInterval, monitorInterval, null);
    }

    /** How the Lifeline engine is run: "cli" (agent jar) or "launcher" (runtime API in a child JVM). */
    static String lifelineMode() {
        String m = System.getProperty("bench.lifeline", "auto");
        if (m.equals("auto")) {
            return Tools.agentJar().isPresent() ? "cli" : "launcher";
        }
        return m;
    }

    String describe() {
        if (kind.equals("lifeline")) {
            return "Lifeline `replicate --poll-interval " + pollInterval + "` as a child process ("
                    + (lifelineMode().equals("cli") ? "CLI jar agent/target/lifeline-agent.jar"
                    : "runtime API in a child JVM via dev.lifeline.it.LifelineLauncher: the CLI jar is not built, or -Dbench.lifeline=launcher") + ")";
        }
        return "Litestream 0.3.13 sidecar, file replica, sync-interval " + syncInterval + ", monitor-interval "
                + (monitorInterval == null ? "1s (default)" : monitorInterval);
    }

    /**
     * Starts replicating {@code db} to the directory {@code replica}.
     *
     * @param noCheckpoints keep the WAL index fixed for the run (no checkpoint by the replicator)
     */
    Proc start(Path db, Path replica, Path work, boolean noCheckpoints) throws IOException {
        if (kind.equals("lifeline")) {
            List<String> args = new ArrayList<>(List.of("replicate", "--db", db.toString(), "--replica",
                    replica.toString(), "--poll-interval", pollInterval));
            if (noCheckpoints) {
                args.addAll(List.of("--min-checkpoint-frames", HUGE, "--max-checkpoint-frames", HUGE));
            }
            String[] a = args.toArray(String[]::new);
            return Proc.start(lifelineMode().equals("cli") ? Lifeline.cli(a) : Lifeline.launcher(a));
        }
        Map<String, String> dbSettings = new LinkedHashMap<>();
        if (monitorInterval != null) {
            dbSettings.put("monitor-interval", monitorInterval);
        }
        if (noCheckpoints) {
            dbSettings.put("checkpoint-interval", "1h");
            dbSettings.put("min-checkpoint-page-count", HUGE);
            dbSettings.put("max-checkpoint-page-count", HUGE);
        }
        Path cfg = Litestream.config(work, db, replica, dbSettings, Litestream.settings("sync-interval", syncInterval));
        return Litestream.replicate(cfg);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("kind", kind);
        m.put("description", describe());
        if (kind.equals("lifeline")) {
            m.put("mode", lifelineMode());
            m.put("pollInterval", pollInterval);
        } else {
            m.put("syncInterval", syncInterval);
            m.put("monitorInterval", monitorInterval == null ? "1s (default)" : monitorInterval);
        }
        return m;
    }
}
