package dev.lifeline.runtime.replicate;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The replicator's own connections to the database. One holds a read transaction almost all the
 * time: while a reader with a mark in the WAL exists, SQLite cannot restart the WAL, and no
 * checkpoint can copy frames past that mark into the database, so nothing unshipped is
 * overwritten. The other runs PASSIVE checkpoints while that read lock stays in place. Neither
 * ever writes.
 */
final class ReadLockConnection implements AutoCloseable {

    private final Connection conn;
    private final Connection checkpointer;
    private boolean reading;

    ReadLockConnection(Path db, int busyTimeoutMs, SqliteAccess access) throws SQLException {
        this.conn = open(db, busyTimeoutMs, access);
        try {
            this.checkpointer = open(db, busyTimeoutMs, access);
        } catch (SQLException e) {
            conn.close();
            throw e;
        }
    }

    private static Connection open(Path db, int busyTimeoutMs, SqliteAccess access) throws SQLException {
        Connection c = access.connect(db);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + busyTimeoutMs);
            // Our connections must never checkpoint on their own: the engine decides when.
            s.execute("PRAGMA wal_autocheckpoint = 0");
            // They hold a read mark and checkpoint, reading almost no pages: a small page cache
            // (64 KiB, not SQLite's 2 MiB) keeps them from growing the host's memory per database.
            s.execute("PRAGMA cache_size = -64");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
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

    /**
     * Runs a checkpoint from the second connection, waiting at most {@code busyTimeoutMs} for
     * locks. A PASSIVE one may run while the read lock is held (it then stops at our mark); a
     * RESTART needs the read lock released, or it waits for us.
     */
    CheckpointResult checkpoint(String mode, int busyTimeoutMs) throws SQLException {
        try (Statement s = checkpointer.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + busyTimeoutMs);
            try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
                rs.next();
                return new CheckpointResult(mode, rs.getInt(1) != 0, rs.getLong(2), rs.getLong(3));
            }
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
            try {
                checkpointer.close();
            } finally {
                conn.close();
            }
        }
    }
}
