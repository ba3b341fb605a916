package dev.lifeline.agent.cli;

import static dev.lifeline.agent.cli.CliTestSupport.cli;
import static dev.lifeline.agent.cli.CliTestSupport.flipByte;
import static dev.lifeline.agent.cli.CliTestSupport.insert;
import static dev.lifeline.agent.cli.CliTestSupport.integrity;
import static dev.lifeline.agent.cli.CliTestSupport.key;
import static dev.lifeline.agent.cli.CliTestSupport.leftovers;
import static dev.lifeline.agent.cli.CliTestSupport.rows;
import static dev.lifeline.agent.cli.CliTestSupport.segmentFiles;
import static dev.lifeline.agent.cli.CliTestSupport.walDb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.agent.cli.CliTestSupport.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generations / snapshots / segments / verify, and what damage does to verify and restore. */
class InspectVerifyCliTest {

    @TempDir
    Path dir;

    Path db;
    Path replica;
    Connection writer;
    String gen;

    /** One generation: snapshot 0 (rows 1-3, covering segment 0_0) and a segment with rows 4-8. */
    @BeforeEach
    void setUp() throws Exception {
        db = dir.resolve("app.db");
        replica = dir.resolve("replica");
        writer = walDb(db);
        insert(writer, 1, 3);
        cli(0, "replicate", "--db", db, "--replica", replica, "--once");
        insert(writer, 4, 8);
        cli(0, "replicate", "--db", db, "--replica", replica, "--once");
        JsonNode gens = cli(0, "generations", "--replica", replica, "--json").json();
        assertEquals(1, gens.size(), gens::toString);
        gen = gens.get(0).get("generation").asText();
    }

    @AfterEach
    void tearDown() throws Exception {
        writer.close();
    }

    @Test
    void generationsTableAndJson() throws Exception {
        Run t = cli(0, "generations", "--replica", replica);
        String[] lines = t.out().split("\n");
        assertEquals(2, lines.length, t::toString);
        assertTrue(lines[0].matches("GENERATION\\s+CREATED\\s+UPDATED\\s+SNAPSHOTS\\s+SEGMENTS\\s+LAST TXID\\s+SIZE"),
                lines[0]);
        assertTrue(lines[1].startsWith(gen + "  "), lines[1]);
        assertEquals(lines[0].length(), lines[1].length(), "columns are aligned\n" + t.out());

        JsonNode g = cli(0, "generations", "--replica", replica, "--json").json().get(0);
        assertEquals(1, g.get("snapshots").asInt());
        assertEquals(2, g.get("segments").asInt());
        JsonNode segs = cli(0, "segments", "--replica", replica, "--json").json();
        assertEquals(segs.get(1).get("lastTxid").asLong(), g.get("lastTxid").asLong());
        assertTrue(g.get("bytes").asLong() > 0);
        assertTrue(g.get("lifelineMetadata").asBoolean());
        Instant created = Instant.parse(g.get("created").asText());
        Instant updated = Instant.parse(g.get("updated").asText());
        assertFalse(updated.isBefore(created));
    }

    @Test
    void snapshotsTableAndJson() throws Exception {
        Run t = cli(0, "snapshots", "--replica", replica);
        assertTrue(t.out().lines().findFirst().orElseThrow()
                .matches("GENERATION\\s+INDEX\\s+SIZE\\s+DB SIZE\\s+TXID\\s+TIME"), t::toString);
        assertTrue(t.out().contains(gen), t::toString);

        JsonNode s = cli(0, "snapshots", "--replica", replica, "--json", "--generation", gen).json();
        assertEquals(1, s.size());
        JsonNode s0 = s.get(0);
        assertEquals(gen, s0.get("generation").asText());
        assertEquals(0, s0.get("index").asInt());
        assertEquals("generations/" + gen + "/snapshots/00000000.snapshot.lz4", s0.get("key").asText());
        assertTrue(s0.get("size").asLong() > 0);
        assertEquals(0, s0.get("dbSize").asLong() % 512);
        assertEquals(4, s0.get("txid").asLong(), "CREATE TABLE and three inserts");
        Instant.parse(s0.get("time").asText());
    }

    @Test
    void segmentsTableAndJson() throws Exception {
        Run t = cli(0, "segments", "--replica", replica);
        List<String> lines = t.out().lines().toList();
        assertEquals(3, lines.size(), t::toString);
        assertTrue(lines.get(0).matches("GENERATION\\s+INDEX\\s+OFFSET\\s+SIZE\\s+FRAMES\\s+TXIDS\\s+TIME"),
                lines.get(0));
        assertTrue(lines.get(2).contains(" 5-9 "), t::toString);

        JsonNode segs = cli(0, "segments", "--replica", replica, "--json").json();
        assertEquals(2, segs.size());
        JsonNode first = segs.get(0);
        JsonNode second = segs.get(1);
        assertEquals(0, first.get("offset").asLong());
        assertEquals(1, first.get("firstTxid").asLong());
        assertEquals(4, first.get("lastTxid").asLong());
        assertEquals(first.get("endOffset").asLong(), second.get("offset").asLong());
        assertEquals(5, second.get("firstTxid").asLong());
        assertEquals(9, second.get("lastTxid").asLong());
        assertEquals(5, second.get("commits").asInt());
        assertTrue(second.get("frames").asInt() >= 5);
        assertTrue(second.get("key").asText().endsWith(".wal.lz4"));
        Instant.parse(second.get("time").asText());

        Run unknown = cli(1, "segments", "--replica", replica, "--generation", "ffffffffffffffff");
        assertTrue(unknown.err().contains("generation ffffffffffffffff is not in replica")
                && unknown.err().contains(gen), unknown::toString);
    }

    @Test
    void listingAMissingReplicaIsAnError() {
        Run r = cli(1, "generations", "--replica", dir.resolve("no-such-replica"));
        assertTrue(r.err().contains("does not exist"), r::toString);
        cli(1, "verify", "--replica", dir.resolve("no-such-replica"));
        Run verbose = cli(1, "-v", "snapshots", "--replica", dir.resolve("no-such-replica"));
        assertTrue(verbose.err().contains("lifeline: error: replica file://"), verbose::toString);
    }

    @Test
    void emptyReplicaListsNothing() throws Exception {
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        Run r = cli(0, "generations", "--replica", empty);
        assertTrue(r.err().contains("holds no generations"), r::toString);
        assertEquals(0, cli(0, "segments", "--replica", empty, "--json").json().size());
    }

    @Test
    void verifyOk() throws Exception {
        Run r = cli(0, "verify", "--replica", replica);
        assertTrue(r.out().contains("generation " + gen + ": OK"), r::toString);
        assertTrue(r.out().contains("segments   2/2 verified"), r::toString);
        assertTrue(r.out().contains("last good restorable point: generation " + gen + ", txid 9"), r::toString);
        assertTrue(r.out().contains("verify: OK"), r::toString);

        JsonNode j = cli(0, "verify", "--replica", replica, "--json").json();
        assertTrue(j.get("ok").asBoolean());
        assertEquals(9, j.get("lastGood").get("txid").asLong());
        assertEquals(0, j.get("generations").get(0).get("problems").size());
    }

    @Test
    void damageAfterTheSnapshotStopsRestoreEarlyWithExit3() throws Exception {
        Path second = segmentFiles(replica).get(1);
        flipByte(second);
        String k = key(replica, second);

        Run v = cli(3, "verify", "--replica", replica);
        assertTrue(v.out().contains("PROBLEM    " + k + ": "), v::toString);
        assertTrue(v.out().contains("last good restorable point: generation " + gen + ", txid 4"), v::toString);
        assertTrue(v.out().contains("1 problem found"), v::toString);
        JsonNode j = cli(3, "verify", "--replica", replica, "--json").json();
        assertFalse(j.get("ok").asBoolean());
        assertEquals(k, j.get("generations").get(0).get("problems").get(0).get("object").asText());

        Path out = dir.resolve("partial.db");
        Run r = cli(3, "restore", "--replica", replica, "-o", out);
        assertTrue(r.err().contains("WARNING: THE REPLICA IS DAMAGED"), r::toString);
        assertTrue(r.err().contains(k), r::toString);
        assertTrue(r.err().contains("txid 4"), r::toString);
        assertEquals("ok", integrity(out));
        assertEquals(rows(writer).subList(0, 3), rows(out));
        assertTrue(leftovers(dir).isEmpty());
    }

    @Test
    void damageBeforeTheSnapshotPositionFailsRestoreWithoutOutput() throws Exception {
        Path first = segmentFiles(replica).get(0);
        flipByte(first);
        String k = key(replica, first);

        Run v = cli(3, "verify", "--replica", replica);
        assertTrue(v.out().contains(k), v::toString);

        Path out = dir.resolve("none.db");
        Run r = cli(1, "restore", "--replica", replica, "-o", out);
        assertTrue(r.err().contains("lifeline: error: ") && r.err().contains(k), r::toString);
        assertFalse(Files.exists(out), "no output is left behind");
        assertTrue(leftovers(dir).isEmpty());
    }

    @Test
    void corruptSnapshotIsReported() throws Exception {
        Path snap = replica.resolve("generations/" + gen + "/snapshots/00000000.snapshot.lz4");
        flipByte(snap);
        Run v = cli(3, "verify", "--replica", replica);
        assertTrue(v.out().contains("PROBLEM    generations/" + gen + "/snapshots/00000000.snapshot.lz4"), v::toString);
        assertTrue(v.out().contains("last good restorable point: none"), v::toString);
        Path out = dir.resolve("snap.db");
        Run r = cli(1, "restore", "--replica", replica, "-o", out);
        assertTrue(r.err().contains("snapshot"), r::toString);
        assertFalse(Files.exists(out));
    }
}
