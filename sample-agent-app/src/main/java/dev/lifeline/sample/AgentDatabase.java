package dev.lifeline.sample;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.zip.CRC32;

/**
 * One tenant's SQLite database, reached through plain {@link DriverManager} JDBC exactly as a typical
 * agent framework would do it (so anything that hooks JDBC sees ordinary traffic). A turn is one JDBC
 * transaction: {@link #commitTurn} either lands every row and counter of the turn or none of them.
 */
final class AgentDatabase implements AutoCloseable {

    /** Committed position of a tenant, as read back from tenant_state. */
    record State(String tenant, long seed, long lastTurnNo, long vectorUpdates) {
    }

    private static final String[] SCHEMA = {
        """
        CREATE TABLE IF NOT EXISTS tenant_state (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          tenant TEXT NOT NULL, seed INTEGER NOT NULL,
          turns_completed INTEGER NOT NULL, last_turn_no INTEGER NOT NULL,
          notes_lines INTEGER NOT NULL, vector_updates INTEGER NOT NULL, outbox_seq INTEGER NOT NULL,
          tasks_enqueued INTEGER NOT NULL, tasks_completed INTEGER NOT NULL)""",
        "CREATE TABLE IF NOT EXISTS conversations (id INTEGER PRIMARY KEY, started_turn INTEGER NOT NULL, title TEXT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS messages (
          id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL REFERENCES conversations(id),
          turn_no INTEGER NOT NULL, seq INTEGER NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('user', 'tool', 'assistant')),
          content TEXT NOT NULL, content_crc INTEGER NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS messages_turn ON messages(turn_no)",
        """
        CREATE TABLE IF NOT EXISTS tool_calls (
          id INTEGER PRIMARY KEY, turn_no INTEGER NOT NULL, name TEXT NOT NULL, args_json TEXT NOT NULL,
          result TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('ok', 'error')))""",
        "CREATE INDEX IF NOT EXISTS tool_calls_turn ON tool_calls(turn_no)",
        """
        CREATE TABLE IF NOT EXISTS scheduled_tasks (
          id INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL,
          enqueued_turn INTEGER NOT NULL, due_turn INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending', 'claimed', 'done')),
          claimed_turn INTEGER, completed_turn INTEGER, result TEXT)""",
        "CREATE INDEX IF NOT EXISTS scheduled_tasks_due ON scheduled_tasks(status, due_turn)",
        // Transactional outbox: the idempotency key is committed with the turn, delivered afterwards.
        "CREATE TABLE IF NOT EXISTS outbox (turn_no INTEGER PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE)",
    };

    private final Connection conn;
    private long conversationId;

    private AgentDatabase(Connection conn) {
        this.conn = conn;
    }

    /** Opens (creating if needed) the database, applies the app's own pragmas and schema. */
    static AgentDatabase open(Path file, String tenant, long seed) throws SQLException {
        Connection conn = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        AgentDatabase db = new AgentDatabase(conn);
        try {
            try (Statement st = conn.createStatement()) {
                try (ResultSet rs = st.executeQuery("PRAGMA journal_mode=WAL")) {
                    String mode = rs.next() ? rs.getString(1) : "?";
                    if (!"wal".equalsIgnoreCase(mode)) {
                        throw new SQLException(file + ": could not enable WAL, journal_mode is " + mode);
                    }
                }
                // NORMAL is the usual WAL pairing: commits are durable against process death, not power loss.
                st.execute("PRAGMA synchronous=NORMAL");
                st.execute("PRAGMA busy_timeout=5000");
                st.execute("PRAGMA foreign_keys=ON");
            }
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                for (String ddl : SCHEMA) {
                    st.execute(ddl);
                }
                st.executeUpdate("INSERT OR IGNORE INTO tenant_state VALUES (1, '" + tenant.replace("'", "''") + "', "
                        + seed + ", 0, 0, 0, 0, 0, 0, 0)");
                try (ResultSet rs = st.executeQuery("SELECT coalesce(max(id), 0) FROM conversations")) {
                    db.conversationId = rs.next() ? rs.getLong(1) : 0;
                }
            }
            conn.commit();
            return db;
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    State state() throws SQLException {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT tenant, seed, last_turn_no, vector_updates FROM tenant_state WHERE id = 1")) {
            if (!rs.next()) {
                throw new SQLException("tenant_state row is missing");
            }
            State s = new State(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
            conn.commit(); // end the read transaction so checkpoints are not held back
            return s;
        }
    }

    String outboxKey(long turnNo) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT idem_key FROM outbox WHERE turn_no = ?")) {
            ps.setLong(1, turnNo);
            try (ResultSet rs = ps.executeQuery()) {
                String key = rs.next() ? rs.getString(1) : null;
                conn.commit();
                return key;
            }
        }
    }

    /** The whole turn as one transaction; the guard on last_turn_no makes a skipped or replayed turn fail loudly. */
    void commitTurn(Turn t) throws SQLException {
        long k = t.turnNo();
        long conv = t.startsConversation() ? conversationId + 1 : conversationId;
        try {
            if (t.startsConversation()) {
                exec("INSERT INTO conversations(id, started_turn, title) VALUES (?, ?, ?)", conv, k, t.conversationTitle());
            }
            String insertMessage = "INSERT INTO messages(conversation_id, turn_no, seq, role, content, content_crc) VALUES (?, ?, ?, ?, ?, ?)";
            exec(insertMessage, conv, k, 0, "user", t.userText(), crc(t.userText()));
            exec("INSERT INTO tool_calls(turn_no, name, args_json, result, status) VALUES (?, ?, ?, ?, ?)",
                    k, t.toolName(), t.toolArgsJson(), t.toolResult(), t.toolStatus());
            exec(insertMessage, conv, k, 1, "tool", t.toolResult(), crc(t.toolResult()));
            exec(insertMessage, conv, k, 2, "assistant", t.assistantText(), crc(t.assistantText()));
            int completed = advanceTaskQueue(k);
            if (t.newTask() != null) {
                exec("INSERT INTO scheduled_tasks(kind, payload, enqueued_turn, due_turn, status) VALUES (?, ?, ?, ?, 'pending')",
                        t.newTask().kind(), t.newTask().payloadJson(), k, t.newTask().dueTurn());
            }
            exec("INSERT INTO outbox(turn_no, idem_key) VALUES (?, ?)", k, t.idempotencyKey());
            int updated = exec("""
                    UPDATE tenant_state SET turns_completed = turns_completed + 1, last_turn_no = ?,
                      notes_lines = notes_lines + 1, vector_updates = vector_updates + ?, outbox_seq = outbox_seq + 1,
                      tasks_enqueued = tasks_enqueued + ?, tasks_completed = tasks_completed + ?
                    WHERE id = 1 AND last_turn_no = ?""",
                    k, t.storesMemory() ? 1 : 0, t.newTask() != null ? 1 : 0, completed, k - 1);
            if (updated != 1) {
                throw new SQLException("tenant_state is not at turn " + (k - 1) + "; refusing to commit turn " + k);
            }
            conn.commit();
            conversationId = conv;
        } catch (SQLException | RuntimeException e) {
            conn.rollback();
            throw e;
        }
    }

    /**
     * The agent works one background task at a time: a claimed task is completed on the next turn,
     * otherwise the oldest due pending task is claimed. Returns how many tasks completed (0 or 1).
     */
    private int advanceTaskQueue(long k) throws SQLException {
        if (exec("UPDATE scheduled_tasks SET status = 'done', completed_turn = ?, result = ? WHERE status = 'claimed'",
                k, "completed in turn " + k) > 0) {
            return 1;
        }
        exec("""
                UPDATE scheduled_tasks SET status = 'claimed', claimed_turn = ?
                WHERE id = (SELECT id FROM scheduled_tasks WHERE status = 'pending' AND due_turn <= ? ORDER BY due_turn, id LIMIT 1)""",
                k, k);
        return 0;
    }

    private int exec(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    static long crc(String content) {
        CRC32 crc = new CRC32();
        crc.update(content.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
