package dev.lifeline.runtime.replicate;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The replicator's own connection to the database. Between checkpoints it holds a read
 * transaction: SQLite cannot restart the WAL while a reader uses it, and cannot copy frames past
 * the reader's mark into the database, so nothing unshipped is overwritten. It never writes.
 */
final class ReadLockConnection implements AutoCloseable {

    private final Connection conn;
    private boolean reading;

    ReadLockConnection(Path db, int busyTimeoutMs) throws SQLException {
        this.conn = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath(), new Properties());
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + busyTimeoutMs);
            // Our connection must never checkpoint on its own: the engine decides when.
            s.execute("PRAGMA wal_autocheckpoint = 0");
        }
    }

    String journalMode() throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            return rs.next() ? rs.getString(1) : "";
        }
    }

    void setWalMode() throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
            String mode = rs.next() ? rs.getString(1) : "";
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new SQLException("could not switch the database to WAL mode (it reports '" + mode + "')");
            }
        }
    }

    /** Starts (if needed) a read transaction and makes it take a snapshot of the WAL. */
    void holdRead() throws SQLException {
        if (reading) {
            return;
        }
        try (Statement s = conn.createStatement()) {
            s.execute("BEGIN DEFERRED");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
                rs.next();
            }
            reading = true;
        } catch (SQLException e) {
            rollbackQuietly();
            throw e;
        }
    }

    void releaseRead() throws SQLException {
        if (!reading) {
            return;
        }
        reading = false;
        try (Statement s = conn.createStatement()) {
            s.execute("ROLLBACK");
        }
    }

    boolean holdingRead() {
        return reading;
    }

    void busyTimeout(int ms) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + ms);
        }
    }

    /** Runs a checkpoint; the read transaction must be released first or it pins the WAL. */
    CheckpointResult checkpoint(String mode) throws SQLException {
        if (reading) {
            throw new IllegalStateException("release the read transaction before checkpointing");
        }
        try (Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            rs.next();
            return new CheckpointResult(mode, rs.getInt(1) != 0, rs.getLong(2), rs.getLong(3));
        }
    }

    private void rollbackQuietly() {
        try (Statement s = conn.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // No transaction was open.
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            releaseRead();
        } finally {
            conn.close();
        }
    }
}
