package dev.lifeline.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * File half of {@code verify}: memory files and the outbox against the committed DB position D.
 *
 * <p>Because files are written after the commit of turn D and in a fixed order (state.json, notes.log,
 * vectors.idx, outbox.log), a state the app can actually leave behind — even under kill -9 — has every
 * artifact at turn D ("done") or D-1 ("pending"), and the done ones form a prefix of that order.
 */
final class FileChecks {

    /** An artifact's position relative to D. SAME: D and D-1 look identical (turn D did not touch it). */
    enum Progress { DONE, PENDING, SAME, INVALID }

    static final List<String> WRITE_ORDER = List.of("state.json", "notes.log", "vectors.idx", "outbox.log");

    private FileChecks() {
    }

    /** @return progress of state.json, notes.log and vectors.idx, in write order */
    static List<Progress> memory(DataLayout layout, String tenant, DbChecks.Facts facts, VerifyReport report) throws IOException {
        long d = facts.lastTurnNo();
        return List.of(stateJson(layout.stateJson(tenant), tenant, d, report),
                notesLog(layout.notesLog(tenant), tenant, d, report),
                vectorsIdx(layout.vectorsIdx(tenant), tenant, facts.memoryTurns(), d, report));
    }

    private static Progress stateJson(Path file, String tenant, long d, VerifyReport report) throws IOException {
        long turn = 0;
        if (Files.exists(file)) {
            StateFile state;
            try {
                state = StateFile.parse(Files.readString(file));
            } catch (IllegalArgumentException torn) {
                report.add(tenant, "state_json", "state.json is torn or unparseable: " + torn.getMessage());
                return Progress.INVALID;
            }
            if (!state.tenant().equals(tenant) || state.turnsCompleted() != state.lastTurnNo()) {
                report.add(tenant, "state_json", "state.json names tenant '" + state.tenant() + "' turnsCompleted "
                        + state.turnsCompleted() + " lastTurnNo " + state.lastTurnNo() + " (expected this tenant, equal counts)");
                return Progress.INVALID;
            }
            turn = state.lastTurnNo();
        }
        return relate(tenant, "state_json", Files.exists(file) ? "state.json describes turn " + turn : "state.json is missing", turn, d, report);
    }

    private static Progress notesLog(Path file, String tenant, long d, VerifyReport report) throws IOException {
        NotesLog.Scan scan = NotesLog.scan(file);
        scan.problems().forEach(p -> report.add(tenant, "notes_log", "notes.log " + p));
        if (scan.tornTail()) {
            report.add(tenant, "notes_log", "notes.log ends with a partial line after " + scan.wholeLines() + " whole lines");
        }
        Progress p = relate(tenant, "notes_log", scan.present() ? "notes.log has " + scan.wholeLines() + " lines" : "notes.log is missing",
                scan.wholeLines(), d, report);
        return scan.problems().isEmpty() && !scan.tornTail() ? p : Progress.INVALID;
    }

    /** Records must be exactly the DB's memory_store turns, or all but turn D when turn D stored one. */
    private static Progress vectorsIdx(Path file, String tenant, List<Long> expected, long d, VerifyReport report) throws IOException {
        VectorIndex.Scan scan = VectorIndex.scan(file);
        scan.problems().forEach(p -> report.add(tenant, "vectors_idx", "vectors.idx " + p));
        List<Long> got = scan.turns();
        boolean lastIsD = !expected.isEmpty() && expected.get(expected.size() - 1) == d;
        Progress p;
        if (got.equals(expected)) {
            p = lastIsD ? Progress.DONE : Progress.SAME;
        } else if (lastIsD && got.equals(expected.subList(0, expected.size() - 1))) {
            p = Progress.PENDING;
        } else {
            int i = 0;
            while (i < got.size() && i < expected.size() && got.get(i).equals(expected.get(i))) {
                i++;
            }
            report.add(tenant, "vectors_idx", (scan.present() ? "vectors.idx holds " + got.size() + " records" : "vectors.idx is missing")
                    + " but the database has " + expected.size() + " " + Turn.MEMORY_TOOL + " turns up to turn " + d
                    + (i < got.size() ? "; record " + i + " is turn " + got.get(i) + ", expected "
                        + (i < expected.size() ? "turn " + expected.get(i) : "no record") : "")
                    + " (allowed: all of them, or all but turn " + d + " if turn " + d + " stored one)");
            p = Progress.INVALID;
        }
        return scan.problems().isEmpty() ? p : Progress.INVALID;
    }

    /** Whole lines, unique idempotency keys, per-tenant consecutive deliveries matching the DB's keys. */
    static Map<String, Progress> outbox(Path file, Map<String, DbChecks.Facts> facts, Set<String> tenants, VerifyReport report)
            throws IOException {
        Outbox.Scan scan = Outbox.scan(file);
        scan.malformed().forEach(m -> report.add("-", "outbox_log", "outbox.log " + m));
        if (scan.tornTail()) {
            report.add("-", "outbox_log", "outbox.log ends with a partial line after " + scan.lines().size() + " whole lines");
        }
        Map<String, Outbox.Line> byKey = new HashMap<>();
        Map<String, List<Outbox.Line>> byTenant = new LinkedHashMap<>();
        for (Outbox.Line line : scan.lines()) {
            Outbox.Line first = byKey.putIfAbsent(line.key(), line);
            if (first != null) {
                report.add(line.tenant(), "outbox_log", "duplicate idempotency key " + line.key() + ": line " + first.lineNo()
                        + " (" + first.tenant() + " turn " + first.turnNo() + ") and line " + line.lineNo()
                        + " (" + line.tenant() + " turn " + line.turnNo() + ")");
            }
            if (!tenants.contains(line.tenant())) {
                report.add("-", "outbox_log", "outbox.log line " + line.lineNo() + " is for unknown tenant '" + line.tenant() + "'");
            }
            byTenant.computeIfAbsent(line.tenant(), t -> new ArrayList<>()).add(line);
        }
        Map<String, Progress> progress = new HashMap<>();
        for (Map.Entry<String, DbChecks.Facts> e : facts.entrySet()) {
            String tenant = e.getKey();
            long d = e.getValue().lastTurnNo();
            boolean ok = true;
            long next = 1;
            for (Outbox.Line line : byTenant.getOrDefault(tenant, List.of())) {
                String dbKey = e.getValue().outboxKeys().get(line.turnNo());
                if (line.turnNo() != next) {
                    report.add(tenant, "outbox_log", "outbox.log line " + line.lineNo() + " delivers turn " + line.turnNo()
                            + ", expected turn " + next + " (deliveries are consecutive from turn 1)");
                    ok = false;
                }
                if (line.turnNo() > d) {
                    report.add(tenant, "outbox_log", "outbox.log line " + line.lineNo() + " delivers turn " + line.turnNo()
                            + " which the database has not committed (last_turn_no " + d + ")");
                    ok = false;
                } else if (!line.key().equals(dbKey)) {
                    report.add(tenant, "outbox_log", "outbox.log line " + line.lineNo() + ": key " + line.key() + " for turn "
                            + line.turnNo() + " differs from the database's idempotency key " + dbKey);
                    ok = false;
                }
                next = Math.max(next, line.turnNo() + 1);
            }
            Progress p = relate(tenant, "outbox_log", "outbox.log delivers " + (next - 1) + " turns", next - 1, d, report);
            progress.put(tenant, ok ? p : Progress.INVALID);
        }
        return progress;
    }

    /** A PENDING artifact followed by a DONE one is a state the app could never have been in. */
    static void order(String tenant, List<Progress> inWriteOrder, long d, VerifyReport report) {
        String pending = null;
        for (int i = 0; i < inWriteOrder.size(); i++) {
            Progress p = inWriteOrder.get(i);
            if (p == Progress.PENDING && pending == null) {
                pending = WRITE_ORDER.get(i);
            } else if (p == Progress.DONE && pending != null) {
                report.add(tenant, "memory_order", WRITE_ORDER.get(i) + " reflects turn " + d + " but " + pending
                        + ", which the app writes before it, still reflects turn " + (d - 1) + " (not a state of a single instant)");
            }
        }
    }

    private static Progress relate(String tenant, String check, String what, long turn, long d, VerifyReport report) {
        if (turn == d) {
            return Progress.DONE;
        }
        if (turn == d - 1) {
            return Progress.PENDING;
        }
        report.add(tenant, check, what + " but database last_turn_no is " + d
                + " (allowed: " + (d == 0 ? "turn 0" : "turn " + d + " or " + (d - 1)) + ")");
        return Progress.INVALID;
    }
}
