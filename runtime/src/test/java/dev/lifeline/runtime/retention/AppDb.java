package dev.lifeline.runtime.retention;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;

/** A WAL-mode SQLite database written one row per transaction, as an agent would. */
final class AppDb implements AutoCloseable {

    final Path path;
    private final Connection conn;
    private final Random random = new Random(11);

    AppDb(Path path) throws SQLException {
        this.path = path;
        this.conn = DriverManager.getConnection("jdbc:sqlite:" + path);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=NORMAL");
        exec("PRAGMA busy_timeout=5000");
        exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, payload BLOB)");
    }

    /** Inserts {@code rows} rows, one transaction each. */
    void insert(int rows) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO t (payload) VALUES (?)")) {
            for (int i = 0; i < rows; i++) {
                byte[] payload = new byte[100 + random.nextInt(2500)];
                random.nextBytes(payload);
                ps.setBytes(1, payload);
                ps.executeUpdate();
            }
        }
    }

    void exec(String sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        }
    }

    long count() throws SQLException {
        return count(conn);
    }

    static long count(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            return count(c);
        }
    }

    private static long count(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
