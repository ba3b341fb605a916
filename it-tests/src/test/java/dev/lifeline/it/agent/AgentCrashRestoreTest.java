package dev.lifeline.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.it.Proc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The product's front door, end to end: the unmodified sample AI-agent app started with
 * {@code -javaagent} and no other configuration (the embedded default replica), killed with
 * SIGKILL at a random point, every tenant database restored with the CLI, and the app's own
 * {@code verify} run on the restored state. In durable mode no acknowledged turn may be missing;
 * in asynchronous mode at most the turns of about one second of lag. On JDK 17 and Temurin 25.
 */
class AgentCrashRestoreTest {

    static final int TENANTS = 3;
    static final int RATE = 20;

    static Stream<Arguments> cases() {
        return SampleApp.javas().flatMap(j -> Stream.of(Arguments.of(j, false), Arguments.of(j, true)));
    }

    @ParameterizedTest(name = "{0} durable={1}")
    @MethodSource("cases")
    void killedAppRestoresToAConsistentState(Path java, boolean durable, @TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path data = dir.resolve("data");
        Path ack = dir.resolve("ack.log");
        List<String> settings = durable ? List.of("durable=**") : List.of();
        Random random = new Random(java.hashCode() * 31L + (durable ? 1 : 0));
        String err;
        Proc app = Proc.start(SampleApp.command(java, Optional.of(state), settings, "run", "--data", data.toString(),
                "--tenants", Integer.toString(TENANTS), "--turns", "0", "--rate", Integer.toString(RATE),
                "--threads", "2", "--seed", "7", "--durable-ack", ack.toString()));
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (SampleApp.lines(ack) < 40 * TENANTS && System.nanoTime() < deadline && app.alive()) {
                Thread.sleep(100);
            }
            assertTrue(app.alive(), "the app died on its own:\n" + app.stderr());
            assertTrue(SampleApp.lines(ack) >= 40 * TENANTS, "the app acknowledged only " + SampleApp.lines(ack) + " turns in 60 s:\n"
                    + app.stderr());
            Thread.sleep(random.nextInt(2000));
            app.kill();
        } finally {
            err = app.stderr();
            app.close();
        }
        assertTrue(err.contains("[lifeline] Lifeline"), "no start-up banner:\n" + err);
        assertFalse(err.contains("[lifeline] ERROR"), err);

        Path restored = dir.resolve("restored");
        SampleApp.restoreTenants(data, state.resolve("replica"), restored);
        Map<String, Integer> turns = SampleApp.verifiedTurns(restored);
        Map<String, Integer> acked = SampleApp.acked(ack);
        assertEquals(TENANTS, acked.size(), "acks: " + acked);
        for (Map.Entry<String, Integer> a : acked.entrySet()) {
            int got = turns.getOrDefault(a.getKey(), 0);
            if (durable) {
                assertTrue(got >= a.getValue(), a.getKey() + ": acknowledged turn " + a.getValue()
                        + " is missing from the restore (last restored turn " + got + ")");
            } else {
                // At most about one second of turns inside the replication lag, plus the two in flight.
                assertTrue(got >= a.getValue() - RATE - 2, a.getKey() + ": restored only up to turn " + got
                        + " but turn " + a.getValue() + " was acknowledged");
            }
        }
    }
}
