package dev.lifeline.sample;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Database half of {@code verify}. Opens the database read-only (verifying a restore must not change it)
 * and runs every query inside one read transaction, so a live database is judged on one snapshot.
 */
final class DbChecks {

    /** What the file checks need to know about the committed state. */
    record Facts(long lastTurnNo, List<Long> memoryTurns, Map<Long, String> outboxKeys) {
    }

    @FunctionalInterface
    private interface Row {
        void accept(ResultSet rs) throws SQLException;
    }

    private final Connection conn;
    private final String tenant;
    private final VerifyReport report;

    private DbChecks(Connection conn, String tenant, VerifyReport report) {
        this.conn = conn;
        this.tenant = tenant;
        this.report = report;
    }

    /** @return the facts, or {@code null} if the database could not be read at all (already reported). */
    static Facts check(Path dbFile, String tenant, VerifyReport report) {
        Properties props = new Properties();
        props.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY
        try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + dbFile.toAbsolutePath(), props)) {
            conn.setAutoCommit(false);
            Facts facts = new DbChecks(conn, tenant, report).run();
            conn.rollback();
            return facts;
        } catch (SQLException e) {
            report.add(tenant, "database", "cannot read " + dbFile + ": " + e.getMessage());
            return null;
        }
    }

    private Facts run() throws SQLException {
        List<String> integrity = new ArrayList<>();
        each("PRAGMA integrity_check", rs -> integrity.add(rs.getString(1)));
        if (!integrity.equals(List.of("ok"))) {
            integrity.forEach(line -> report.add(tenant, "integrity", "integrity_check: " + line));
        }
        if (scalar("SELECT count(*) FROM tenant_state") != 1) {
            report.add(tenant, "tenant_state", "expected exactly one tenant_state row, found " + scalar("SELECT count(*) FROM tenant_state"));
            return null;
        }
        long[] c = new long[7];
        String[] owner = new String[1];
        each("SELECT tenant, turns_completed, last_turn_no, notes_lines, vector_updates, outbox_seq, tasks_enqueued, tasks_completed FROM tenant_state",
                rs -> {
                    owner[0] = rs.getString(1);
                    for (int i = 0; i < c.length; i++) {
                        c[i] = rs.getLong(i + 2);
                    }
                });
        long d = c[1];
        report.tenant(tenant, d);
        if (!tenant.equals(owner[0])) {
            report.add(tenant, "tenant_state", "database belongs to tenant '" + owner[0] + "'");
        }
        checkTurns(d);
        checkConversations(d);
        checkTasks(d);
        Map<Long, String> outbox = new TreeMap<>();
        each("SELECT turn_no, idem_key FROM outbox ORDER BY turn_no", rs -> outbox.put(rs.getLong(1), rs.getString(2)));
        for (long k = 1; k <= d; k++) {
            String key = outbox.get(k);
            if (key == null) {
                report.add(tenant, "outbox_table", "turn " + k + " has no outbox row");
            } else if (!key.matches("[0-9a-f]{32}")) {
                report.add(tenant, "outbox_table", "turn " + k + " has malformed idempotency key '" + key + "'");
            }
        }
        outbox.keySet().stream().filter(k -> k < 1 || k > d)
                .forEach(k -> report.add(tenant, "outbox_table", "outbox row for turn " + k + " beyond last_turn_no " + d));
        List<Long> memory = new ArrayList<>();
        each("SELECT turn_no FROM tool_calls WHERE name = '" + Turn.MEMORY_TOOL + "' AND turn_no BETWEEN 1 AND " + d
                + " ORDER BY turn_no", rs -> memory.add(rs.getLong(1)));

        counter("turns_completed", c[0], "last_turn_no (turns are numbered 1..n without gaps)", d);
        counter("notes_lines", c[2], "last_turn_no (one note per turn)", d);
        counter("vector_updates", c[3], Turn.MEMORY_TOOL + " tool calls", memory.size());
        counter("outbox_seq", c[4], "outbox rows", outbox.size());
        counter("tasks_enqueued", c[5], "scheduled_tasks rows", scalar("SELECT count(*) FROM scheduled_tasks"));
        counter("tasks_completed", c[6], "done scheduled_tasks", scalar("SELECT count(*) FROM scheduled_tasks WHERE status = 'done'"));
        return new Facts(d, memory, outbox);
    }

    /** Every turn 1..d complete (user, tool, assistant message + one tool call), nothing beyond d. */
    private void checkTurns(long d) throws SQLException {
        Set<Long> seen = new HashSet<>();
        each("""
                SELECT turn_no, count(*), sum(role = 'user' AND seq = 0), sum(role = 'tool' AND seq = 1),
                       sum(role = 'assistant' AND seq = 2)
                FROM messages GROUP BY turn_no ORDER BY turn_no""", rs -> {
            long turn = rs.getLong(1);
            seen.add(turn);
            String shape = rs.getLong(2) + " messages (user=" + rs.getLong(3) + " tool=" + rs.getLong(4) + " assistant=" + rs.getLong(5) + ")";
            if (turn < 1 || turn > d) {
                report.add(tenant, "turns", "turn " + turn + " has " + shape + " but last_turn_no is " + d);
            } else if (rs.getLong(2) != 3 || rs.getLong(3) != 1 || rs.getLong(4) != 1 || rs.getLong(5) != 1) {
                report.add(tenant, "turns", "turn " + turn + " is half-written: " + shape
                        + ", expected exactly user(seq 0), tool(seq 1), assistant(seq 2)");
            }
        });
        for (long k = 1; k <= d; k++) {
            if (!seen.contains(k)) {
                report.add(tenant, "turns", "turn " + k + " has no messages but last_turn_no is " + d);
            }
        }
        Set<Long> calls = new HashSet<>();
        each("SELECT turn_no, count(*) FROM tool_calls GROUP BY turn_no", rs -> {
            long turn = rs.getLong(1);
            calls.add(turn);
            if (turn < 1 || turn > d || rs.getLong(2) != 1) {
                report.add(tenant, "tool_calls", "turn " + turn + " has " + rs.getLong(2) + " tool calls (expected 1"
                        + (turn < 1 || turn > d ? " only for turns 1.." + d : "") + ")");
            }
        });
        for (long k = 1; k <= d; k++) {
            if (!calls.contains(k)) {
                report.add(tenant, "tool_calls", "turn " + k + " has no tool call but last_turn_no is " + d);
            }
        }
        each("""
                SELECT t.turn_no FROM tool_calls t JOIN messages m ON m.turn_no = t.turn_no AND m.role = 'tool'
                WHERE m.content <> t.result ORDER BY t.turn_no""",
                rs -> report.add(tenant, "tool_calls", "turn " + rs.getLong(1) + ": tool message differs from tool_calls.result"));
        each("SELECT id, turn_no, role, content, content_crc FROM messages", rs -> {
            if (AgentDatabase.crc(rs.getString(4)) != rs.getLong(5)) {
                report.add(tenant, "messages", "message id " + rs.getLong(1) + " (turn " + rs.getLong(2) + ", " + rs.getString(3)
                        + ") content does not match its content_crc");
            }
        });
    }

    private void checkConversations(long d) throws SQLException {
        each("SELECT count(*) FROM messages WHERE conversation_id NOT IN (SELECT id FROM conversations)", rs -> {
            if (rs.getLong(1) > 0) {
                report.add(tenant, "conversations", rs.getLong(1) + " messages reference a missing conversation");
            }
        });
        each("""
                SELECT c.id, c.started_turn, min(m.turn_no) FROM conversations c
                LEFT JOIN messages m ON m.conversation_id = c.id GROUP BY c.id ORDER BY c.id""", rs -> {
            long first = rs.getLong(3);
            boolean empty = rs.wasNull();
            if (empty || rs.getLong(2) != first || first > d) {
                report.add(tenant, "conversations", "conversation " + rs.getLong(1) + " started in turn " + rs.getLong(2)
                        + " but its first message is " + (empty ? "missing" : "in turn " + first) + " (last_turn_no " + d + ")");
            }
        });
    }

    /** Queue life cycle: pending -> claimed (turn c >= due) -> done (turn > c); one task in flight at most. */
    private void checkTasks(long d) throws SQLException {
        each("SELECT id, status, enqueued_turn, due_turn, claimed_turn, completed_turn FROM scheduled_tasks ORDER BY id", rs -> {
            long id = rs.getLong(1), enq = rs.getLong(3), due = rs.getLong(4);
            String status = rs.getString(2);
            Long claimed = rs.getObject(5) == null ? null : rs.getLong(5);
            Long completed = rs.getObject(6) == null ? null : rs.getLong(6);
            String problem = null;
            if (enq < 1 || enq > d || due <= enq) {
                problem = "enqueued in turn " + enq + " due " + due;
            } else if (status.equals("pending") && (claimed != null || completed != null)) {
                problem = "pending but has claimed/completed turns";
            } else if (status.equals("claimed") && (claimed == null || completed != null || claimed < due || claimed > d)) {
                problem = "claimed in turn " + claimed + " (due " + due + ", completed " + completed + ")";
            } else if (status.equals("done") && (claimed == null || completed == null || completed <= claimed || completed > d)) {
                problem = "done with claimed turn " + claimed + " and completed turn " + completed;
            }
            if (problem != null) {
                report.add(tenant, "tasks", "task " + id + " (" + status + ") is inconsistent: " + problem + " (last_turn_no " + d + ")");
            }
        });
        long inFlight = scalar("SELECT count(*) FROM scheduled_tasks WHERE status = 'claimed'");
        if (inFlight > 1) {
            report.add(tenant, "tasks", inFlight + " tasks are claimed at once (at most 1 allowed)");
        }
        each("SELECT claimed_turn, count(*) FROM scheduled_tasks WHERE claimed_turn IS NOT NULL GROUP BY 1 HAVING count(*) > 1",
                rs -> report.add(tenant, "tasks", rs.getLong(2) + " tasks claimed in the same turn " + rs.getLong(1)));
    }

    private void counter(String name, long value, String meaning, long actual) {
        if (value != actual) {
            report.add(tenant, "counters", "tenant_state." + name + " is " + value + " but " + meaning + " = " + actual);
        }
    }

    private long scalar(String sql) throws SQLException {
        long[] v = new long[1];
        each(sql, rs -> v[0] = rs.getLong(1));
        return v[0];
    }

    private void each(String sql, Row row) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                row.accept(rs);
            }
        }
    }
}
