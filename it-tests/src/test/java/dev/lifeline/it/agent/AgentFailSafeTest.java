package dev.lifeline.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.it.Proc;
import dev.lifeline.it.Tools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent never harms the host: with a replica that cannot be reached, or a bad setting, the app
 * runs and finishes as without the agent, and standard error says why it is unprotected. Only a
 * durable database with durable-on-timeout=fail turns an unconfirmed commit into the host's error.
 */
class AgentFailSafeTest {

    /** Nothing listens on port 1: every request to this replica is refused at once. */
    static final String DEAD_S3 = "replica=s3://bucket/agents?endpoint=http://127.0.0.1:1&region=us-east-1"
            + "&force-path-style=true";

    @Test
    void unreachableReplicaLeavesTheAppRunning(@TempDir Path dir) throws Exception {
        Proc.Result r = runApp(dir, List.of(DEAD_S3));
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().contains("DONE turns=90"), r.stdout());
        assertTrue(r.stderr().contains("cannot replicate") || r.stderr().contains("was not replicated"),
                "no warning that the database is unprotected:\n"
                + r.stderr());
        assertTrue(r.elapsed().compareTo(Duration.ofSeconds(60)) < 0, "took " + r.elapsed());
        verifyLive(dir);
    }

    @Test
    void badSettingIsReportedAndTheAppRunsUnprotected(@TempDir Path dir) throws Exception {
        Proc.Result r = runApp(dir, List.of("replica=ftp://example.com/x", "snapshot-interval=soon"));
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("[lifeline] ERROR"), r.stderr());
        assertTrue(r.stderr().contains("replica") || r.stderr().contains("snapshot-interval"), r.stderr());
        assertTrue(r.stderr().contains("WITHOUT Lifeline protection"), r.stderr());
        verifyLive(dir);
    }

    @Test
    void durableCommitWithUnreachableReplicaContinuesWhenToldTo(@TempDir Path dir) throws Exception {
        Proc.Result r = runApp(dir, List.of(DEAD_S3, "durable=**", "durable-timeout=200ms",
                "durable-on-timeout=continue"));
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("did not confirm"), r.stderr());
        verifyLive(dir);
    }

    @Test
    void durableCommitWithUnreachableReplicaFailsTheCommitByDefault(@TempDir Path dir) throws Exception {
        Proc.Result r = runApp(dir, List.of(DEAD_S3, "durable=**", "durable-timeout=200ms"));
        assertFalse(r.ok(), "a durable commit that no replica confirmed must fail:\n" + r.describe());
        assertTrue(r.stderr().contains("committed") && r.stderr().contains("did not confirm"), r.stderr());
    }

    private static Proc.Result runApp(Path dir, List<String> settings) {
        return Proc.run(Duration.ofMinutes(3), SampleApp.command(Tools.java(), Optional.of(dir.resolve("state")),
                settings, "run", "--data", dir.resolve("data").toString(), "--tenants", "3", "--turns", "30",
                "--rate", "0", "--threads", "2"));
    }

    private static void verifyLive(Path dir) {
        Proc.Result v = Proc.run(Duration.ofMinutes(2), List.of(Tools.java().toString(), "-jar",
                SampleApp.jar().toString(), "verify", "--data", dir.resolve("data").toString()));
        assertEquals(0, v.exitCode(), v.describe());
    }
}
