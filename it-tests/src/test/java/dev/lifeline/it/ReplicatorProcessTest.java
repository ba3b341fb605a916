package dev.lifeline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.runtime.restore.RestoreTarget;
import dev.lifeline.runtime.verify.VerifyReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicator as a real child process, as an operator runs it: {@code replicate} runs beside
 * a writing app; SIGTERM makes it ship what is committed and exit 0; SIGKILL mid-stream loses
 * nothing once it is restarted (it resumes the generation or starts a new one); the restored
 * database equals the source. The restart after the SIGKILL passes {@code --takeover} (the dead
 * process's fencing lease would keep it out for its TTL); the plain restart is the known-bug test
 * below. Runs against the Lifeline CLI jar when it is built, and always
 * against the runtime in a plain child JVM ({@link LifelineLauncher}) so the engine's crash
 * behaviour is covered either way.
 */
class ReplicatorProcessTest {

    @Test
    void cliReplicateSurvivesSigtermAndSigkill(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Tools.agentJar().isPresent(), Tools.agentJarHint());
        Path replica = dir.resolve("replica");
        Path db = scenario(dir, replica, Lifeline::cli, true);
        // The CLI's own read side agrees: restore, verify, generations.
        Path out = dir.resolve("cli-restored.db");
        Proc.run(Duration.ofMinutes(2), Lifeline.cli("restore", "--replica", "file://" + replica, "-o", out.toString()))
                .requireOk();
        assertEquals(Sqlite.dump(db), Sqlite.dump(out));
        Proc.Result v = Proc.run(Duration.ofMinutes(2), Lifeline.cli("verify", "--replica", replica.toString(), "--json"));
        assertEquals(0, v.exitCode(), v.describe());
        JsonNode gens = new ObjectMapper().readTree(Proc.run(Duration.ofMinutes(2), Lifeline.cli("generations",
                "--replica", replica.toString(), "--json")).requireOk().stdout());
        assertTrue(gens.toString().contains(ReplicaFiles.generations(replica).get(0)), gens.toString());
    }

    @Test
    void runtimeInAChildJvmSurvivesSigtermAndSigkill(@TempDir Path dir) throws Exception {
        scenario(dir, dir.resolve("replica"), Lifeline::launcher, true);
    }

    /**
     * The restart right after a SIGKILL without {@code --takeover}, as a supervisor (systemd
     * Restart=always, Kubernetes) does it: the dead process's fencing lease (same host, its pid
     * gone) must not keep the new one out.
     *
     * <p>Regression: the restart used to be refused with LeaseHeldException until the dead
     * holder's lease expired (30 s).
     */
    @Test
    void restartRightAfterSigkillNeedsNoTakeover(@TempDir Path dir) throws Exception {
        scenario(dir, dir.resolve("replica"), Tools.agentJar().isPresent() ? Lifeline::cli : Lifeline::launcher, false);
    }

    /**
     * @param takeoverAfterKill pass {@code --takeover} to the restart after the SIGKILL (the dead
     *                          process's lease would otherwise keep it out; see the known-bug test)
     */
    private static Path scenario(Path dir, Path replica, Function<String[], List<String>> engine,
                                 boolean takeoverAfterKill) throws Exception {
        StringBuilder log = new StringBuilder();
        Path db = dir.resolve("agent.db");
        Workload.createSchema(db);
        String[] args = {"replicate", "--db", db.toString(), "--replica", replica.toString(), "--poll-interval", "10ms"};
        Workload.Options opt = Workload.Options.defaults().threads(2).maxBatch(3).overflowEvery(25).rate(100);

        // 1. Replicate while writing; SIGTERM: exit 0, and the replica has every commit.
        try (Proc p = Proc.start(engine.apply(args))) {
            awaitReplica(replica, p);
            awaitRunning(p);
            Workload w = new Workload(db, opt).start();
            try {
                w.awaitTransactions(400, Duration.ofSeconds(60));
            } finally {
                w.stop();
            }
            Proc.Result r = p.terminate(Duration.ofSeconds(60));
            log.append("--- run 1 (SIGTERM) ---\n").append(r.stderr());
            assertEquals(0, r.exitCode(), "replicate must exit 0 on SIGTERM\n" + r.describe());
            assertRestoresToSource(db, replica, dir.resolve("after-sigterm.db"), log);
        }

        // 2. Restart it, SIGKILL it while the app keeps writing, restart it again: nothing is lost.
        Workload w = new Workload(db, opt.seed(7)).start();
        try {
            try (Proc p = Proc.start(engine.apply(args))) {
                w.awaitTransactions(300, Duration.ofSeconds(60));
                Proc.Result killed = p.kill();
                log.append("--- run 2 (SIGKILL after ").append(w.transactions()).append(" tx) ---\n")
                        .append(killed.stderr());
                assertTrue(killed.exitCode() != 0, "SIGKILL");
            }
            w.awaitTransactions(600, Duration.ofSeconds(60));
            String[] restart = args;
            if (takeoverAfterKill) {
                restart = java.util.Arrays.copyOf(args, args.length + 1);
                restart[args.length] = "--takeover";
            }
            try (Proc p = Proc.start(engine.apply(restart))) {
                awaitRunning(p);
                w.awaitTransactions(900, Duration.ofSeconds(60));
                assertTrue(p.alive(), "replicate, restarted right after a SIGKILL, must keep running (a crashed "
                        + "replicator's supervisor restarts it at once):\n" + p.stdout() + p.stderr());
                w.stop();
                Proc.Result r = p.terminate(Duration.ofSeconds(60));
                log.append("--- run 3 (SIGTERM) ---\n").append(r.stderr());
                assertEquals(0, r.exitCode(), r.describe());
            }
        } finally {
            w.close();
        }
        assertRestoresToSource(db, replica, dir.resolve("after-sigkill.db"), log);
        VerifyReport report = Lifeline.verify(replica);
        assertTrue(report.ok(), report.toString());
        // Three starts: each resumes the generation or begins a new one (the WAL may have been deleted by
        // the app's last close, or checkpointed by the app while no replicator held it); never more.
        assertTrue(report.generations().size() <= 3, "at most one generation per start: " + report);
        System.out.println("generations after three starts: " + report.generations().size());
        return db;
    }

    private static void assertRestoresToSource(Path db, Path replica, Path out, StringBuilder log) throws Exception {
        dev.lifeline.runtime.restore.RestoreResult r = Lifeline.restore(replica, out, new RestoreTarget.Latest());
        long restored = Sqlite.checkState(out).rows();
        long source = Sqlite.checkState(db).rows();
        if (restored != source || !Sqlite.dump(db).equals(Sqlite.dump(out))) {
            throw new AssertionError("the replica lost commits the source has: source " + source + " rows, restored "
                    + restored + " (" + r + "); generations " + ReplicaFiles.generations(replica) + "\n"
                    + Lifeline.verify(replica) + "\nreplicator logs:\n" + log);
        }
    }

    /**
     * Until the process says it is running: only from then on does SIGTERM mean "ship and exit 0"
     * (before, the JVM's default, 143). On a loaded machine a JVM can take longer to get there
     * than the workload takes to reach its next count.
     */
    private static void awaitRunning(Proc p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        // The CLI says so on stderr once its handlers are in; the launcher on stdout after its hook.
        while (!p.stderr().contains("running until SIGTERM") && !p.stdout().contains("replicating ")) {
            if (!p.alive()) {
                throw new AssertionError("replicate exited early: " + p.stdout() + p.stderr());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("replicate did not start within 60 s: " + p.stdout() + p.stderr());
            }
            Thread.sleep(20);
        }
    }

    private static void awaitReplica(Path replica, Proc p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ReplicaFiles.snapshots(replica).isEmpty()) {
            if (!p.alive()) {
                throw new AssertionError("replicate exited early: " + p.stdout() + p.stderr());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("replicate made no generation in 60 s: " + p.stderr());
            }
            Thread.sleep(20);
        }
    }
}
