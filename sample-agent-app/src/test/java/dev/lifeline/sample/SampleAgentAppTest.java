package dev.lifeline.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end on real SQLite files: run a few turns in-process, verify, then break things and verify again. */
class SampleAgentAppTest {

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @TempDir
    Path tmp;

    private static Result cli(Object... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        String[] argv = Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        int code = SampleAgentApp.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path runTurns(String name, int tenants, int turns) throws Exception {
        Path dir = tmp.resolve(name);
        Result r = cli("run", "--data", dir, "--tenants", tenants, "--turns", turns, "--rate", 0, "--threads", 2);
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("DONE turns=" + tenants * turns), r::toString);
        return dir;
    }

    private static Result verify(Path dir, String... extra) throws Exception {
        List<Object> args = new ArrayList<>(List.of("verify", "--data", dir));
        args.addAll(List.of(extra));
        return cli(args.toArray());
    }

    private static void assertViolation(Result r, String check, String fragment) {
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.contains(" " + check + ": ") && l.contains(fragment)),
                () -> "expected a '" + check + "' violation containing '" + fragment + "'\n" + r);
    }

    private static void sql(Path db, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate(statement);
        }
    }

    private static List<String> lines(Path file) throws Exception {
        return Files.readAllLines(file);
    }

    private static void writeLines(Path file, List<String> lines) throws Exception {
        Files.writeString(file, lines.stream().map(l -> l + "\n").collect(Collectors.joining()));
    }

    /** Rewinds the header count by one, as if the process died before the header write of the last append. */
    private static void dropLastVectorRecord(Path idx) throws Exception {
        byte[] bytes = Files.readAllBytes(idx);
        ByteBuffer header = ByteBuffer.wrap(bytes, 0, VectorIndex.HEADER_SIZE);
        header.putInt(12, header.getInt(12) - 1);
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, 16);
        header.putInt(16, (int) crc.getValue());
        Files.write(idx, bytes);
    }

    @Test
    void runThenVerifyPassesAndAcksEveryTurn() throws Exception {
        Path dir = tmp.resolve("data");
        Path ack = tmp.resolve("ack.log");
        Result r = cli("run", "--data", dir, "--tenants", 3, "--turns", 25, "--rate", 0, "--threads", 2, "--durable-ack", ack);
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("DONE turns=75 executed=75"), r::toString);
        assertEquals(75, lines(ack).size());

        Result v = verify(dir);
        assertEquals(0, v.code(), v::toString);
        assertTrue(v.out().startsWith("VERIFY OK mode=full tenants=3 turns=75 tenant-001=25"), v::toString);
        assertEquals(75, lines(dir.resolve("outbox.log")).size());
        assertEquals(25, lines(dir.resolve("tenants/tenant-002/memory/notes.log")).size());

        // Resuming continues to the new per-tenant total and stays consistent.
        Result more = cli("run", "--data", dir, "--tenants", 3, "--turns", 30, "--rate", 0);
        assertTrue(more.out().contains("DONE turns=90 executed=15"), more::toString);
        assertEquals(0, verify(dir).code());
    }

    @Test
    void contentIsDeterministicForASeed() throws Exception {
        Path a = runTurns("a", 2, 20), b = runTurns("b", 2, 20);
        for (String f : List.of("memory/notes.log", "memory/vectors.idx", "memory/state.json")) {
            assertArrayEquals(Files.readAllBytes(a.resolve("tenants/tenant-002").resolve(f)),
                    Files.readAllBytes(b.resolve("tenants/tenant-002").resolve(f)), f);
        }
    }

    @Test
    void deletedMessageIsAHalfTurn() throws Exception {
        Path dir = runTurns("data", 2, 15);
        sql(dir.resolve("tenants/tenant-001/agent.db"), "DELETE FROM messages WHERE turn_no = 7 AND role = 'tool'");
        Result v = verify(dir);
        assertViolation(v, "turns", "turn 7 is half-written: 2 messages (user=1 tool=0 assistant=1)");
        assertTrue(v.out().contains("VERIFY FAILED violations=1 "), v::toString);
        assertViolation(verify(dir, "--db-only"), "turns", "turn 7 is half-written");
    }

    @Test
    void rowsBeyondLastTurnAreReported() throws Exception {
        Path dir = runTurns("data", 1, 10);
        sql(dir.resolve("tenants/tenant-001/agent.db"), "UPDATE tenant_state SET last_turn_no = 9, turns_completed = 9");
        Result v = verify(dir, "--db-only");
        assertViolation(v, "turns", "turn 10 has 3 messages (user=1 tool=1 assistant=1) but last_turn_no is 9");
        assertViolation(v, "counters", "tenant_state.notes_lines is 10 but last_turn_no");
    }

    @Test
    void tornStateJsonIsReported() throws Exception {
        Path dir = runTurns("data", 2, 10);
        Path state = dir.resolve("tenants/tenant-002/memory/state.json");
        byte[] bytes = Files.readAllBytes(state);
        Files.write(state, Arrays.copyOf(bytes, bytes.length / 2));
        assertViolation(verify(dir), "state_json", "state.json is torn or unparseable");
    }

    @Test
    void duplicateOutboxKeyIsReported() throws Exception {
        Path dir = runTurns("data", 2, 10);
        Path outbox = dir.resolve("outbox.log");
        String first = lines(outbox).get(0);
        Files.writeString(outbox, first + "\n", StandardOpenOption.APPEND);
        Result v = verify(dir, "--json");
        assertEquals(1, v.code(), v::toString);
        assertTrue(v.out().contains("\"check\":\"outbox_log\",\"message\":\"duplicate idempotency key " + first.split(" ")[2]), v::toString);
        assertTrue(v.out().startsWith("{\"ok\":false"), v::toString);
    }

    @Test
    void filesOneTurnBehindAreAcceptedAndRecoveredOnRestart() throws Exception {
        Path dir = runTurns("data", 2, 12);
        Path mem = dir.resolve("tenants/tenant-001/memory");
        // Simulate kill -9 right after the DB commit of turn 12: no file step of turn 12 happened.
        new StateFile("tenant-001", 11, 11).writeAtomically(mem.resolve("state.json"));
        List<String> notes = lines(mem.resolve("notes.log"));
        writeLines(mem.resolve("notes.log"), notes.subList(0, 11));
        boolean vectorTurn = new TurnGenerator(42).turn("tenant-001", 12).storesMemory();
        byte[] vectors = Files.readAllBytes(mem.resolve("vectors.idx"));
        if (vectorTurn) {
            dropLastVectorRecord(mem.resolve("vectors.idx"));
        }
        List<String> outbox = lines(dir.resolve("outbox.log"));
        outbox.removeIf(l -> l.startsWith("tenant-001 12 "));
        writeLines(dir.resolve("outbox.log"), outbox);
        Result lagging = verify(dir);
        assertEquals(0, lagging.code(), lagging::toString);

        Result resumed = cli("run", "--data", dir, "--tenants", 2, "--turns", 12);
        assertTrue(resumed.out().contains("RECOVER tenant-001 at turn 12: state.json, notes.log +1, "
                + (vectorTurn ? "vectors.idx +1, " : "") + "outbox +1"), resumed::toString);
        assertEquals(notes, lines(mem.resolve("notes.log")));
        assertArrayEquals(vectors, Files.readAllBytes(mem.resolve("vectors.idx")));
        assertEquals(0, verify(dir).code());
    }

    @Test
    void filesNotFromOneInstantAreReported() throws Exception {
        Path dir = runTurns("data", 1, 8);
        // state.json is written before notes.log, so "state at 7, notes at 8" never existed.
        new StateFile("tenant-001", 7, 7).writeAtomically(dir.resolve("tenants/tenant-001/memory/state.json"));
        assertViolation(verify(dir), "memory_order", "notes.log reflects turn 8 but state.json");
    }

    @Test
    void dbOnlyRestoreIsReportableAndCheckable() throws Exception {
        Path dir = runTurns("data", 2, 6);
        try (Stream<Path> files = Files.walk(dir.resolve("tenants/tenant-001/memory"))) {
            files.sorted((x, y) -> y.compareTo(x)).forEach(p -> p.toFile().delete());
        }
        Files.delete(dir.resolve("outbox.log"));
        Result full = verify(dir);
        assertViolation(full, "state_json", "state.json is missing but database last_turn_no is 6");
        assertViolation(full, "outbox_log", "outbox.log delivers 0 turns but database last_turn_no is 6");
        assertEquals(0, verify(dir, "--db-only").code());

        Files.delete(dir.resolve("tenants/tenant-002/agent.db"));
        assertViolation(verify(dir, "--db-only"), "database", "agent.db is missing");
    }

    @Test
    void badOptionsNameOptionValueAndAllowedRange() throws Exception {
        Result r = cli("run", "--data", tmp, "--tenants", "abc");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("option --tenants: value 'abc' is not an integer (allowed: 1..999)"), r::toString);
        Result unknown = cli("verify", "--data", tmp, "--fast");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown option '--fast' for 'verify'"), unknown::toString);
        assertTrue(cli("--help").out().contains("--durable-ack FILE"));
    }
}
