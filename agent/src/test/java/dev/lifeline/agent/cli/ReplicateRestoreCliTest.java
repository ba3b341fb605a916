package dev.lifeline.agent.cli;

import static dev.lifeline.agent.cli.CliTestSupport.cli;
import static dev.lifeline.agent.cli.CliTestSupport.exec;
import static dev.lifeline.agent.cli.CliTestSupport.insert;
import static dev.lifeline.agent.cli.CliTestSupport.integrity;
import static dev.lifeline.agent.cli.CliTestSupport.leftovers;
import static dev.lifeline.agent.cli.CliTestSupport.open;
import static dev.lifeline.agent.cli.CliTestSupport.rows;
import static dev.lifeline.agent.cli.CliTestSupport.walDb;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.agent.cli.CliTestSupport.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * replicate --once and restore, end to end on real SQLite files: latest, by txid, by time, and
 * the ways a restore is refused.
 */
class ReplicateRestoreCliTest {

    @TempDir
    Path dir;

    Path db;
    Path replica;
    Connection writer;

    @BeforeEach
    void setUp() throws Exception {
        db = dir.resolve("app.db");
        replica = dir.resolve("replica");
        writer = walDb(db);
    }

    @AfterEach
    void tearDown() throws Exception {
        writer.close();
    }

    /** Rows 1-3, replicate, rows 4-8, replicate: one generation with a snapshot and two segments. */
    private Instant twoSyncs() throws Exception {
        insert(writer, 1, 3);
        Run first = cli(0, "replicate", "--db", db, "--replica", replica, "--once");
        assertTrue(first.err().contains("replicating " + db), first::toString);
        Thread.sleep(30);
        Instant between = Instant.now();
        Thread.sleep(30);
        insert(writer, 4, 8);
        cli(0, "replicate", "--db", db, "--replica", replica, "--once");
        return between;
    }

    private long snapshotTxid() throws Exception {
        JsonNode snaps = cli(0, "snapshots", "--replica", replica, "--json").json();
        assertEquals(1, snaps.size(), snaps::toString);
        return snaps.get(0).get("txid").asLong();
    }

    @Test
    void replicateOnceThenRestoreLatestMatchesTheDatabase() throws Exception {
        insert(writer, 1, 20);
        Run rep = cli(0, "replicate", "--db", db, "--replica", replica, "--once");
        assertTrue(rep.err().contains("replicating " + db + " to file://" + replica), rep::toString);
        assertTrue(rep.err().contains("same disk") && rep.err().contains("does not survive the loss"), rep::toString);
        assertTrue(rep.err().contains("synced: generation "), rep::toString);

        Path out = dir.resolve("restored.db");
        Run r = cli(0, "restore", "--replica", replica, "-o", out);
        assertEquals(rows(writer), rows(out));
        assertEquals(20, rows(out).size());
        String gen = cli(0, "generations", "--replica", replica, "--json").json().get(0).get("generation").asText();
        for (String s : List.of("restored " + out, "generation  " + gen, "snapshot    00000000", "txid ",
                "time ", "segments ", "frames ", "bytes ", "elapsed ")) {
            assertTrue(r.out().contains(s), () -> "missing '" + s + "' in\n" + r);
        }
        assertEquals("ok", integrity(out));
        assertTrue(leftovers(dir).isEmpty());
    }

    @Test
    void restoreToAnOlderTxidAndToATimestamp() throws Exception {
        Instant between = twoSyncs();
        long snapTxid = snapshotTxid();

        Path latest = dir.resolve("latest.db");
        cli(0, "restore", "--replica", replica, "-o", latest);
        assertEquals(rows(writer), rows(latest));
        assertEquals(8, rows(latest).size());

        Path older = dir.resolve("older.db");
        Run r = cli(0, "restore", "--replica", replica, "-o", older, "--txid", snapTxid + 2);
        assertEquals(rows(writer).subList(0, 5), rows(older));
        assertTrue(r.out().contains("txid        " + (snapTxid + 2)), r::toString);

        Path atTime = dir.resolve("at-time.db");
        cli(0, "restore", "--replica", replica, "-o", atTime, "--timestamp", between.toString(),
                "--integrity-check", "quick");
        assertEquals(rows(writer).subList(0, 3), rows(atTime));

        Run beyond = cli(1, "restore", "--replica", replica, "-o", dir.resolve("beyond.db"),
                "--txid", snapTxid + 100);
        assertTrue(beyond.err().contains("lifeline: error: txid " + (snapTxid + 100)), beyond::toString);
        assertFalse(Files.exists(dir.resolve("beyond.db")));
    }

    @Test
    void timestampBeforeTheFirstSnapshotIsAnError() throws Exception {
        twoSyncs();
        Path out = dir.resolve("old.db");
        Run r = cli(1, "restore", "--replica", replica, "-o", out, "--timestamp", "2001-01-01T00:00:00Z");
        assertTrue(r.err().startsWith("lifeline: error: "), r::toString);
        assertTrue(r.err().contains("before the first snapshot"), r::toString);
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
        assertFalse(Files.exists(out));
    }

    @Test
    void unknownGenerationListsTheGenerations() throws Exception {
        twoSyncs();
        String gen = cli(0, "generations", "--replica", replica, "--json").json().get(0).get("generation").asText();
        Run r = cli(1, "restore", "--replica", replica, "-o", dir.resolve("x.db"), "--generation", "0123456789abcdef");
        assertTrue(r.err().contains("generation 0123456789abcdef is not in replica"), r::toString);
        assertTrue(r.err().contains(gen), r::toString);

        cli(0, "restore", "--replica", replica, "-o", dir.resolve("y.db"), "--generation", gen);
        assertEquals(8, rows(dir.resolve("y.db")).size());
    }

    @Test
    void existingOutputIsNotTouchedWithoutForce() throws Exception {
        twoSyncs();
        Path out = dir.resolve("exists.db");
        byte[] before = "precious, not a database".getBytes(StandardCharsets.UTF_8);
        Files.write(out, before);
        Run r = cli(1, "restore", "--replica", replica, "-o", out);
        assertTrue(r.err().contains("already exists") && r.err().contains("--force"), r::toString);
        assertArrayEquals(before, Files.readAllBytes(out));

        Run skip = cli(0, "restore", "--replica", replica, "-o", out, "--if-db-not-exists");
        assertTrue(skip.out().contains("already exists") && skip.out().contains("nothing restored"), skip::toString);
        assertArrayEquals(before, Files.readAllBytes(out));

        cli(0, "restore", "--replica", replica, "-o", out, "--force");
        assertEquals(8, rows(out).size());
    }

    @Test
    void staleWalBesideAMissingOutputIsRefused() throws Exception {
        twoSyncs();
        Path out = dir.resolve("new.db");
        Files.write(Path.of(out + "-wal"), new byte[] {1, 2, 3});
        Run r = cli(1, "restore", "--replica", replica, "-o", out);
        assertTrue(r.err().contains(out + "-wal exists without its database"), r::toString);
        assertFalse(Files.exists(out));
        cli(0, "restore", "--replica", replica, "-o", out, "--force");
        assertFalse(Files.exists(Path.of(out + "-wal")));
        assertEquals(8, rows(out).size());
    }

    @Test
    void ifReplicaExistsOnAnEmptyOrMissingReplicaExitsZero() throws Exception {
        Path out = dir.resolve("none.db");
        Files.createDirectories(replica);
        Run r = cli(0, "restore", "--replica", replica, "-o", out, "--if-replica-exists");
        assertTrue(r.out().contains("holds no generation") && r.out().contains("nothing restored"), r::toString);
        cli(0, "restore", "--replica", dir.resolve("missing"), "-o", out, "--if-replica-exists");
        assertFalse(Files.exists(out));

        Run noFlag = cli(1, "restore", "--replica", replica, "-o", out);
        assertTrue(noFlag.err().contains("holds no generations"), noFlag::toString);
        assertFalse(Files.exists(out));
    }

    @Test
    void notASqliteFileIsAnError() throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "these are not the pages you are looking for\n".repeat(10));
        Run r = cli(1, "replicate", "--db", text, "--replica", replica, "--once");
        assertTrue(r.err().contains("lifeline: error: ") && r.err().contains("not a SQLite database"), r::toString);
        assertFalse(Files.exists(replica.resolve("generations")), "nothing is replicated");

        Run missing = cli(1, "replicate", "--db", dir.resolve("nope.db"), "--replica", replica, "--once");
        assertTrue(missing.err().contains("does not exist"), missing::toString);
    }

    @Test
    void rollbackJournalDatabaseNeedsConvertToWal() throws Exception {
        Path journal = dir.resolve("journal.db");
        try (Connection c = open(journal)) {
            exec(c, "PRAGMA journal_mode=DELETE");
            exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            insert(c, 1, 5);
        }
        Run r = cli(1, "replicate", "--db", journal, "--replica", replica, "--once");
        assertTrue(r.err().contains("journal mode") && r.err().contains("--convert-to-wal"), r::toString);
        assertFalse(Files.exists(replica.resolve("generations")), "nothing is replicated");

        Run ok = cli(0, "replicate", "--db", journal, "--replica", replica, "--once", "--convert-to-wal");
        assertTrue(ok.err().contains("switched") || ok.err().contains("synced"), ok::toString);
        Path out = dir.resolve("journal-restored.db");
        cli(0, "restore", "--replica", replica, "-o", out);
        assertEquals(rows(journal), rows(out));
    }

    @Test
    void unwritableReplicaIsAnError() throws Exception {
        insert(writer, 1, 3);
        Path target;
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            // chmod does not stop root: a regular file where a directory must be does.
            Path file = dir.resolve("a-file");
            Files.writeString(file, "x");
            target = file.resolve("replica");
        } else {
            Path ro = dir.resolve("read-only");
            Files.createDirectories(ro);
            Files.setPosixFilePermissions(ro, java.nio.file.attribute.PosixFilePermissions.fromString("r-x------"));
            target = ro.resolve("replica");
        }
        Run r = cli(1, "replicate", "--db", db, "--replica", target, "--once");
        assertTrue(r.err().startsWith("lifeline: error: "), r::toString);
        assertTrue(r.err().contains(target.toString()) && r.err().contains("not writable"), r::toString);
        assertFalse(r.err().contains("\tat "), r::toString);

        Run verbose = cli(1, "replicate", "--db", db, "--replica", target, "--once", "-v");
        assertTrue(verbose.err().contains("\tat "), "--verbose shows the stack trace\n" + verbose);
    }

    @Test
    void unknownReplicaSchemeIsAnError() {
        Run r = cli(1, "replicate", "--db", db, "--replica", "ftp://host/db", "--once");
        assertTrue(r.err().startsWith("lifeline: error: replica URL scheme 'ftp' is not supported"), r::toString);
        Run g = cli(1, "generations", "--replica", "gopher://host/x");
        assertTrue(g.err().contains("scheme 'gopher'"), g::toString);
    }

    @Test
    void usageErrorsNameTheOptionAndWhatIsAllowed() {
        Run poll = cli(2, "replicate", "--db", db, "--replica", replica, "--poll-interval", "soon");
        assertTrue(poll.err().contains("--poll-interval") && poll.err().contains("'soon'")
                && poll.err().contains("10ms"), poll::toString);
        Run zero = cli(2, "replicate", "--db", db, "--replica", replica, "--poll-interval", "0s");
        assertTrue(zero.err().contains("greater than zero"), zero::toString);
        Run frames = cli(2, "replicate", "--db", db, "--replica", replica, "--min-checkpoint-frames", "50",
                "--max-checkpoint-frames", "10");
        assertTrue(frames.err().contains("--max-checkpoint-frames"), frames::toString);
        Run ts = cli(2, "restore", "--replica", replica, "-o", dir.resolve("o.db"), "--timestamp", "yesterday");
        assertTrue(ts.err().contains("--timestamp") && ts.err().contains("'yesterday'")
                && ts.err().contains("RFC 3339"), ts::toString);
        Run both = cli(2, "restore", "--replica", replica, "-o", dir.resolve("o.db"), "--txid", "3",
                "--timestamp", "2025-01-01T00:00:00Z");
        assertTrue(both.err().contains("mutually exclusive"), both::toString);
        Run check = cli(2, "restore", "--replica", replica, "-o", dir.resolve("o.db"), "--integrity-check", "deep");
        assertTrue(check.err().contains("--integrity-check") && check.err().contains("full, quick, none"),
                check::toString);
        Run missing = cli(2, "restore", "--replica", replica);
        assertTrue(missing.err().contains("--output"), missing::toString);
        cli(2, "frobnicate");
        cli(2);
    }

    @Test
    void durationsParseLikeLitestreams() {
        assertEquals(java.time.Duration.ofMillis(10), Converters.DurationConverter.parse("10ms"));
        assertEquals(java.time.Duration.ofSeconds(2), Converters.DurationConverter.parse("2s"));
        assertEquals(java.time.Duration.ofSeconds(90), Converters.DurationConverter.parse("1m30s"));
        assertEquals(java.time.Duration.ofMillis(1500), Converters.DurationConverter.parse("1.5s"));
        assertEquals(java.time.Duration.ofSeconds(5), Converters.DurationConverter.parse("PT5S"));
    }

    @Test
    void helpAndVersion() {
        Run v = cli(0, "--version");
        assertTrue(v.out().startsWith("lifeline "), v::toString);
        Run h = cli(0, "--help");
        for (String c : List.of("replicate", "restore", "generations", "snapshots", "segments", "verify",
                "Exit codes")) {
            assertTrue(h.out().contains(c), () -> "help lacks " + c + "\n" + h);
        }
        Run rh = cli(0, "restore", "--help");
        assertTrue(rh.out().contains("--if-db-not-exists") && rh.out().contains("--integrity-check"), rh::toString);
    }
}
