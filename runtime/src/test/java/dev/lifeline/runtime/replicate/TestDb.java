package dev.lifeline.runtime.replicate;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A real WAL-mode SQLite database written the way an app would, for replication tests. */
final class TestDb implements AutoCloseable {

    final Path path;
    final Connection conn;
    private final Random random = new Random(7);

    TestDb(Path path) throws SQLException {
        this.path = path;
        this.conn = DriverManager.getConnection("jdbc:sqlite:" + path);
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, payload BLOB)");
        }
    }

    /** Inserts one row per transaction; returns the last seq written. */
    long insert(int rows) throws SQLException {
        long last = 0;
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO t (seq, payload) VALUES (?, ?)")) {
            for (int i = 0; i < rows; i++) {
                last = count() + 1;
                byte[] payload = new byte[50 + random.nextInt(3000)];
                random.nextBytes(payload);
                ps.setLong(1, last);
                ps.setBytes(2, payload);
                ps.executeUpdate();
            }
        }
        return last;
    }

    void exec(String sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        }
    }

    long count() throws SQLException {
        return count(conn);
    }

    static long count(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Every row as "id:seq:hash" so two databases can be compared exactly. */
    static List<String> rows(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, seq, hex(sha3(payload)) FROM t ORDER BY id")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getLong(1) + ":" + rs.getLong(2) + ":" + rs.getString(3));
            }
            return out;
        } catch (SQLException e) {
            // sha3() needs the shathree extension; fall back to the raw length + hex prefix.
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id, seq, length(payload), hex(payload) FROM t ORDER BY id")) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getLong(1) + ":" + rs.getLong(2) + ":" + rs.getLong(3) + ":" + rs.getString(4).hashCode());
                }
                return out;
            }
        }
    }

    static String integrity(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
