package dev.lifeline.agent.cli;

import static dev.lifeline.agent.cli.CliTestSupport.cli;
import static dev.lifeline.agent.cli.CliTestSupport.insert;
import static dev.lifeline.agent.cli.CliTestSupport.rows;
import static dev.lifeline.agent.cli.CliTestSupport.walDb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lifeline.agent.cli.CliTestSupport.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The long-running mode: in-process until asked to stop, and as a real process stopped by SIGTERM. */
class ReplicateSignalCliTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void inProcessRunShipsCommitsAndStopsCleanly() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        try (Connection c = walDb(db)) {
            insert(c, 1, 5);
            ReplicateCommand[] cmd = new ReplicateCommand[1];
            picocli.CommandLine line = new picocli.CommandLine(new LifelineCli(), new picocli.CommandLine.IFactory() {
                @Override
                public <K> K create(Class<K> cls) throws Exception {
                    K k = picocli.CommandLine.defaultFactory().create(cls);
                    if (k instanceof ReplicateCommand r) {
                        cmd[0] = r;
                    }
                    return k;
                }
            });
            java.io.StringWriter err = new java.io.StringWriter();
            line.setErr(new java.io.PrintWriter(err, true));
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> line.execute("replicate",
                    "--db", db.toString(), "--replica", replica.toString(), "--poll-interval", "5ms"));
            waitFor(() -> err.toString().contains("synced:"), exit, err);
            insert(c, 6, 12);
            cmd[0].requestStop();
            assertEquals(0, exit.get(40, TimeUnit.SECONDS), err::toString);
            assertTrue(err.toString().contains("stopped: generation "), err::toString);
            Path out = dir.resolve("out.db");
            cli(0, "restore", "--replica", replica, "-o", out);
            assertEquals(rows(c), rows(out), "every commit before the stop is in the replica");
        }
    }

    @Test
    @Timeout(60)
    @DisabledOnOs(OS.WINDOWS)
    void sigtermShipsWhatIsCommittedAndExitsZero() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        try (Connection c = walDb(db)) {
            insert(c, 1, 5);
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // A long poll interval: the last commits can only reach the replica through the final sync.
            Path errFile = dir.resolve("replicate.err");
            Process p = new ProcessBuilder(java, "-cp", cp, LifelineCli.class.getName(), "replicate",
                    "--db", db.toString(), "--replica", replica.toString(), "--poll-interval", "1h")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(errFile.toFile())
                    .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(errFile).contains("synced:")) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    fail("replicate did not start (classpath " + cp + "):\n" + Files.readString(errFile));
                }
                Thread.sleep(20);
            }
            insert(c, 6, 12);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(40, TimeUnit.SECONDS), "stopped in time");
            String stderr = Files.readString(errFile);
            assertEquals(0, p.exitValue(), stderr);
            assertTrue(stderr.contains("SIGTERM received"), stderr);
            assertTrue(stderr.contains("stopped: generation "), stderr);
            assertFalse(stderr.contains("Exception"), stderr);

            Path out = dir.resolve("out.db");
            Run r = cli(0, "restore", "--replica", replica, "-o", out);
            assertEquals(rows(c), rows(out), "commits made after start reached the replica on SIGTERM\n" + r);
            assertEquals(12, rows(out).size());
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier cond, CompletableFuture<Integer> exit,
                                java.io.StringWriter err) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!cond.getAsBoolean()) {
            if (exit.isDone()) {
                fail("replicate exited " + exit.get() + ": " + err);
            }
            if (System.nanoTime() > deadline) {
                fail("timed out: " + err);
            }
            Thread.sleep(20);
        }
    }
}
