package dev.lifeline.it;

import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.RestoreResult;
import dev.lifeline.runtime.restore.RestoreTarget;
import dev.lifeline.runtime.restore.Restorer;
import dev.lifeline.runtime.verify.VerifyReport;
import dev.lifeline.runtime.verify.Verifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Lifeline driven in-process through the runtime API, or as a child process (CLI jar or launcher). */
public final class Lifeline {

    private Lifeline() {
    }

    public static ReplicatorConfig config(Path db, Path replica) {
        return ReplicatorConfig.defaults(db, new FileReplicaClient(replica));
    }

    /** Waits until a started replicator has its generation (snapshot and first segment in the replica). */
    public static void awaitGeneration(Replicator rep, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (rep.status().generation() == null || rep.status().segmentsShipped() == 0
                && rep.status().generationsStarted() == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("replicator started no generation within " + timeout + ": " + rep.status());
            }
            Thread.sleep(10);
        }
    }

    public static RestoreResult restore(Path replica, Path out, RestoreTarget target) throws IOException {
        return restore(replica, new RestoreOptions(out, null, target, false, "full"));
    }

    public static RestoreResult restore(Path replica, RestoreOptions opt) throws IOException {
        return new Restorer(new FileReplicaClient(replica), new ReplicaLayout("")).restore(opt);
    }

    public static VerifyReport verify(Path replica) throws IOException {
        return new Verifier(new FileReplicaClient(replica), new ReplicaLayout("")).verify();
    }

    /** Extra JVM options for Lifeline child processes (-Dlifeline.jvmArgs="-Xmx256m ..."), none by default. */
    public static List<String> jvmArgs() {
        String s = System.getProperty("lifeline.jvmArgs", "").trim();
        return s.isEmpty() ? List.of() : List.of(s.split("\\s+"));
    }

    /** {@code java -jar lifeline-agent.jar ARGS}; the jar must exist. */
    public static List<String> cli(String... args) {
        Path jar = Tools.agentJar().orElseThrow(() -> new IllegalStateException(Tools.agentJarHint()));
        List<String> cmd = new ArrayList<>(List.of(Tools.java().toString()));
        cmd.addAll(jvmArgs());
        cmd.addAll(List.of("-jar", jar.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The runtime in a child JVM through {@link LifelineLauncher} (same flags as the CLI's replicate/restore). */
    public static List<String> launcher(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Tools.java().toString()));
        cmd.addAll(jvmArgs());
        cmd.addAll(List.of("-cp", Proc.testClasspath(), LifelineLauncher.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
