package dev.lifeline.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.it.Lifeline;
import dev.lifeline.it.Proc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Live attach: the sample app runs without Lifeline; {@code lifeline attach PID} starts protecting
 * the databases it already has open (their connections were opened before the attach), without a
 * restart. Then: status through JMX, detach (the app keeps running), attach again, SIGKILL, restore,
 * and the app's own verify on the restored state.
 */
class LiveAttachTest {

    static Stream<Path> javas() {
        return SampleApp.javas();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("javas")
    void attachDetachAttachKillRestore(Path java, @TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path data = dir.resolve("data");
        Path ack = dir.resolve("ack.log");
        String err;
        Proc app = Proc.start(SampleApp.command(java, Optional.empty(), List.of(), "run", "--data", data.toString(),
                "--tenants", "2", "--turns", "0", "--rate", "20", "--threads", "2", "--seed", "11",
                "--durable-ack", ack.toString()));
        try {
            awaitAcks(app, ack, 30);
            String pid = Long.toString(app.pid());

            Proc.Result attach = Proc.run(Duration.ofMinutes(1),
                    Lifeline.cli("attach", pid, "state-dir=" + state));
            assertEquals(0, attach.exitCode(), attach.describe());
            JsonNode status = awaitReplicating(pid, 2);
            assertEquals("attached", status.get("mode").asText(), status.toString());

            Proc.Result detach = Proc.run(Duration.ofMinutes(1), Lifeline.cli("detach", pid));
            assertEquals(0, detach.exitCode(), detach.describe());
            long before = SampleApp.acked(ack).values().stream().mapToLong(Integer::longValue).sum();
            awaitAcks(app, ack, SampleApp.lines(ack) + 20);
            assertTrue(app.alive(), "the app stopped after the detach:\n" + app.stderr());
            Proc.Result gone = Proc.run(Duration.ofMinutes(1), Lifeline.cli("status", "--pid", pid));
            assertEquals(1, gone.exitCode(), "status after detach: " + gone.describe());
            assertTrue(SampleApp.acked(ack).values().stream().mapToLong(Integer::longValue).sum() > before);

            Proc.Result again = Proc.run(Duration.ofMinutes(1), Lifeline.cli("attach", pid, "state-dir=" + state));
            assertEquals(0, again.exitCode(), again.describe());
            awaitReplicating(pid, 2);
            awaitAcks(app, ack, SampleApp.lines(ack) + 40);
            app.kill();
        } finally {
            err = app.stderr();
            app.close();
        }
        assertFalse(err.contains("[lifeline] ERROR"), err);
        assertTrue(err.contains("[lifeline] Lifeline"), "no banner in the app's stderr:\n" + err);

        Path restored = dir.resolve("restored");
        SampleApp.restoreTenants(data, state.resolve("replica"), restored);
        Map<String, Integer> turns = SampleApp.verifiedTurns(restored);
        for (Map.Entry<String, Integer> a : SampleApp.acked(ack).entrySet()) {
            int got = turns.getOrDefault(a.getKey(), 0);
            assertTrue(got >= a.getValue() - 22, a.getKey() + ": restored up to turn " + got + " but turn "
                    + a.getValue() + " was acknowledged");
        }
    }

    /** Polls {@code lifeline status --pid --json} until {@code n} databases replicate. */
    private static JsonNode awaitReplicating(String pid, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Proc.Result r = Proc.run(Duration.ofMinutes(1), Lifeline.cli("status", "--pid", pid, "--json"));
            last = r.describe();
            if (r.exitCode() == 0) {
                JsonNode s = new ObjectMapper().readTree(r.stdout());
                long replicating = 0;
                for (JsonNode d : s.get("engine").get("databases")) {
                    if ("replicating".equals(d.get("state").asText())) {
                        replicating++;
                    }
                }
                if (replicating >= n) {
                    return s;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError(n + " databases did not start replicating within 60 s; last status: " + last);
    }

    private static void awaitAcks(Proc app, Path ack, long n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (SampleApp.lines(ack) < n && System.nanoTime() < deadline && app.alive()) {
            Thread.sleep(100);
        }
        assertTrue(app.alive(), "the app died:\n" + app.stderr());
        long acks = SampleApp.lines(ack);
        assertTrue(acks >= n, "only " + acks + " acks, expected " + n + ":\n" + app.stderr());
    }
}
