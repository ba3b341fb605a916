package dev.lifeline.it.bench;

import dev.lifeline.it.Lifeline;
import dev.lifeline.it.Litestream;
import dev.lifeline.it.Proc;
import dev.lifeline.it.S3Server;
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
record Engine(String name, String kind, String syncInterval, String monitorInterval, String pollInterval, S3Server s3) {

    static final String HUGE = "1000000000";
    /** The bucket of S3 runs; each run replicates to its own prefix in it. */
    static final String BUCKET = "bench";

    static Engine lifeline() {
        return new Engine("lifeline", "lifeline", null, null, "10ms", null);
    }

    static Engine litestream(String syncInterval, String monitorInterval) {
        String name = "litestream-sync" + syncInterval + (monitorInterval == null ? "" : "-monitor" + monitorInterval);
        return new Engine(name, "litestream", syncInterval, monitorInterval, null, null);
    }

    /** The same replicator replicating to {@link #BUCKET} on {@code server} instead of a directory. */
    Engine onS3(S3Server server) {
        return new Engine(name + "-s3", kind, syncInterval, monitorInterval, pollInterval, server);
    }

    /**
     * Where a run in {@code runDir} finds its replica's files: a directory, or for S3 the prefix's
     * objects as S3Proxy keeps them on disk ({@code <bucket dir>/bench/<run>}), watched the same way.
     */
    Path replicaDir(Path runDir) {
        return s3 == null ? runDir.resolve("replica") : s3.bucketDir(BUCKET).resolve("bench").resolve(runDir.getFileName());
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
        String to = s3 == null ? "" : " to S3 (S3Proxy in the harness JVM, `s3://" + BUCKET
                + "/bench/<run>?endpoint=…&force-path-style=true`)";
        if (kind.equals("lifeline")) {
            return "Lifeline `replicate --poll-interval " + pollInterval + "`" + to + " as a child process ("
                    + (lifelineMode().equals("cli") ? "CLI jar agent/target/lifeline-agent.jar"
                    : "runtime API in a child JVM via dev.lifeline.it.LifelineLauncher: the CLI jar is not built, or -Dbench.lifeline=launcher") + ")";
        }
        return "Litestream 0.3.13 sidecar, " + (s3 == null ? "file replica" : "`type: s3` replica" + to) + ", sync-interval "
                + syncInterval + ", monitor-interval " + (monitorInterval == null ? "1s (default)" : monitorInterval);
    }

    /** The replica as the replicator is told it: the directory, or the S3 URL of its prefix. */
    private String target(Path replica) {
        return s3 == null ? replica.toString() : s3.url(BUCKET, prefix(replica));
    }

    private String prefix(Path replica) {
        return s3.bucketDir(BUCKET).relativize(replica).toString();
    }

    /**
     * Starts replicating {@code db} to the directory {@code replica}.
     *
     * @param noCheckpoints keep the WAL index fixed for the run (no checkpoint by the replicator)
     */
    Proc start(Path db, Path replica, Path work, boolean noCheckpoints) throws IOException {
        if (kind.equals("lifeline")) {
            List<String> args = new ArrayList<>(List.of("replicate", "--db", db.toString(), "--replica",
                    target(replica), "--poll-interval", pollInterval));
            if (noCheckpoints) {
                args.addAll(List.of("--min-checkpoint-frames", HUGE, "--max-checkpoint-frames", HUGE));
            }
            String[] a = args.toArray(String[]::new);
            return Proc.start(null, s3 == null ? Map.of() : s3.env(),
                    lifelineMode().equals("cli") ? Lifeline.cli(a) : Lifeline.launcher(a));
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
        Map<String, String> replicaSettings = Litestream.settings("sync-interval", syncInterval);
        if (s3 == null) {
            return Litestream.replicate(Litestream.config(work, db, replica, dbSettings, replicaSettings));
        }
        return Litestream.replicate(Litestream.config(work, db, dbSettings, s3.litestreamReplica(BUCKET, prefix(replica)),
                replicaSettings), s3.env());
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("kind", kind);
        m.put("description", describe());
        m.put("replica", s3 == null ? "directory" : "s3");
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
