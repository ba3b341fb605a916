package dev.lifeline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.restore.RestoreTarget;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent's typical write pattern: a few commits, a quiet spell, then a burst. The replicator
 * checkpoints when the database goes idle (and, because its "last commit seen" starts at the
 * epoch, right after it starts a generation); the app's next write restarts the WAL; a burst of
 * commits that outruns the old WAL's small tail before the next poll must not be mistaken for
 * lost frames. Everything of the old WAL was shipped before the checkpoint, so the generation
 * should continue in the next WAL index instead of starting a new generation with a full
 * snapshot (for a large database, a full copy on every quiet-then-busy cycle).
 *
 * <p>Regression test: this failed (a second generation at start-up) until runtime commit a3e9e9d
 * let a checkpoint that copied exactly what was shipped prove the next WAL restart.
 */
class BurstAfterIdleCheckpointTest {

    @Test
    void aBurstAfterAnIdleCheckpointContinuesTheGeneration(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("agent.db");
        Path replica = dir.resolve("replica");
        Workload.createSchema(db);
        String generations;
        String status;
        try (Connection app = Sqlite.open(db); Statement s = app.createStatement()) {
            s.execute("PRAGMA wal_autocheckpoint = 0");
            s.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
            Replicator rep = new Replicator(Lifeline.config(db, replica).withPollInterval(Duration.ofMillis(10))
                    .withIdleCheckpoint(Duration.ofMillis(300)));
            rep.start();
            try (PreparedStatement ins = app.prepareStatement("INSERT INTO notes(body) VALUES (?)")) {
                Lifeline.awaitGeneration(rep, Duration.ofSeconds(30));
                Thread.sleep(200);
                burst(ins, 200, "startup");
                Thread.sleep(500);
                long afterStartup = rep.status().generationsStarted();

                // Quiet long enough for the idle checkpoint, then a burst.
                burst(ins, 3, "before-idle");
                Thread.sleep(1500);
                burst(ins, 200, "after-idle");
                Thread.sleep(500);
                long afterIdle = rep.status().generationsStarted() - afterStartup;
                generations = afterStartup + " generation(s) at start-up, " + afterIdle + " more after the idle burst";
                status = rep.status().toString();
            } finally {
                rep.stop(Duration.ofSeconds(30));
            }
        }
        // Whatever the generations, nothing is lost.
        Path out = dir.resolve("restored.db");
        Lifeline.restore(replica, out, new RestoreTarget.Latest());
        assertEquals(Sqlite.dump(db), Sqlite.dump(out));
        assertEquals("1 generation(s) at start-up, 0 more after the idle burst", generations,
                "a burst of commits after the replicator's own checkpoint began a new generation (full snapshot) "
                        + "although every frame of the old WAL had been shipped: " + status);
    }

    private static void burst(PreparedStatement ins, int n, String tag) throws Exception {
        for (int i = 0; i < n; i++) {
            ins.setString(1, tag + " note " + i + " " + "x".repeat(300));
            ins.executeUpdate();
        }
    }
}
