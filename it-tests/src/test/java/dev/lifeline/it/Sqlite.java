package dev.lifeline.it;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reading and checking real SQLite files, through sqlite-jdbc and through the sqlite3 CLI. */
public final class Sqlite {

    private Sqlite() {
    }

    /** A committed state of a {@link Workload} database: rows 1..rows, proven consistent. */
    public record State(long rows, long txs) {
    }

    public static Connection open(Path db) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
    }

    /** PRAGMA integrity_check through sqlite-jdbc: "ok" or the problems. */
    public static String integrityCheck(Path db) throws SQLException {
        try (Connection c = open(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            List<String> lines = new ArrayList<>();
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
            return String.join("\n", lines);
        }
    }

    /** PRAGMA integrity_check through the sqlite3 CLI (another SQLite build than the JDBC one). */
    public static String integrityCheckCli(Path db) {
        return Proc.run(Duration.ofMinutes(5), Tools.sqlite3().toString(), db.toString(), "PRAGMA integrity_check;")
                .requireOk().stdout().trim();
    }

    /** {@code sqlite3 DB .dump}: the whole logical content, schema and rows, as SQL text. */
    public static String dump(Path db) {
        return Proc.run(Duration.ofMinutes(5), Tools.sqlite3().toString(), db.toString(), ".dump").requireOk().stdout();
    }

    /** {@code .dump} of some tables only. */
    public static String dump(Path db, String... tables) {
        List<String> cmd = new ArrayList<>(List.of(Tools.sqlite3().toString(), db.toString()));
        for (String t : tables) {
            cmd.add(".dump " + t);
        }
        return Proc.run(Duration.ofMinutes(5), cmd).requireOk().stdout();
    }

    public static long queryLong(Path db, String sql) throws SQLException {
        try (Connection c = open(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static void exec(Path db, String... sql) throws SQLException {
        try (Connection c = open(db); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 30000");
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    /**
     * Proves {@code db} is a state a {@link Workload} database passed through: integrity_check is
     * ok, rows are exactly 1..k with intact payloads, and the counters agree with the rows.
     */
    public static State checkState(Path db) throws SQLException {
        String ic = integrityCheck(db);
        if (!"ok".equals(ic)) {
            throw new AssertionError(db + " fails PRAGMA integrity_check: " + ic);
        }
        try (Connection c = open(db); Statement s = c.createStatement()) {
            long count;
            long min;
            long max;
            try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM rows")) {
                rs.next();
                count = rs.getLong(1);
                min = rs.getLong(2);
                max = rs.getLong(3);
            }
            if (count != max || count > 0 && min != 1) {
                throw new AssertionError(db + ": rows are not 1..k without gaps: count " + count + ", min " + min
                        + ", max " + max);
            }
            try (ResultSet rs = s.executeQuery("SELECT seq, payload, crc FROM rows ORDER BY seq")) {
                while (rs.next()) {
                    byte[] p = rs.getBytes(2);
                    if (Workload.crc(p) != rs.getLong(3)) {
                        throw new AssertionError(db + ": row " + rs.getLong(1) + " has a payload that does not match "
                                + "its CRC");
                    }
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT c.writer, c.n, c.last_seq, "
                    + "(SELECT count(*) FROM rows r WHERE r.writer = c.writer), "
                    + "(SELECT coalesce(max(seq), 0) FROM rows r WHERE r.writer = c.writer) FROM counters c")) {
                while (rs.next()) {
                    if (rs.getLong(2) != rs.getLong(4) || rs.getLong(3) != rs.getLong(5)) {
                        throw new AssertionError(db + ": counters of writer " + rs.getInt(1) + " say " + rs.getLong(2)
                                + " rows up to " + rs.getLong(3) + " but the table has " + rs.getLong(4)
                                + " up to " + rs.getLong(5) + ": pages from different commits were mixed");
                    }
                }
            }
            long txs;
            try (ResultSet rs = s.executeQuery("SELECT seq, txs FROM head WHERE id = 1")) {
                if (!rs.next()) {
                    throw new AssertionError(db + ": head row missing");
                }
                if (rs.getLong(1) != max) {
                    throw new AssertionError(db + ": head says the last seq is " + rs.getLong(1) + " but rows go to "
                            + max + ": pages from different commits were mixed");
                }
                txs = rs.getLong(2);
            }
            return new State(max, txs);
        }
    }

    /** Asserts rows 1..k of both databases are identical (seq, writer, payload). */
    public static void assertSameRows(Path expected, Path actual, long k) throws SQLException {
        try (Connection a = open(expected); Connection b = open(actual);
             PreparedStatement qa = a.prepareStatement("SELECT seq, writer, payload FROM rows WHERE seq <= ? ORDER BY seq");
             PreparedStatement qb = b.prepareStatement("SELECT seq, writer, payload FROM rows WHERE seq <= ? ORDER BY seq")) {
            qa.setLong(1, k);
            qb.setLong(1, k);
            try (ResultSet ra = qa.executeQuery(); ResultSet rb = qb.executeQuery()) {
                long n = 0;
                while (true) {
                    boolean ha = ra.next();
                    boolean hb = rb.next();
                    if (ha != hb) {
                        throw new AssertionError("row count differs up to seq " + k + ": " + expected + " has "
                                + (ha ? "more" : "fewer") + " rows than " + actual + " after " + n);
                    }
                    if (!ha) {
                        break;
                    }
                    n++;
                    if (ra.getLong(1) != rb.getLong(1) || ra.getInt(2) != rb.getInt(2)
                            || !Arrays.equals(ra.getBytes(3), rb.getBytes(3))) {
                        throw new AssertionError("row " + ra.getLong(1) + " differs between " + expected + " and "
                                + actual);
                    }
                }
                if (n != k) {
                    throw new AssertionError("expected " + k + " rows, compared " + n);
                }
            }
        }
    }

    /** PRAGMA wal_checkpoint(TRUNCATE): the database file alone then holds everything. */
    public static void checkpointTruncate(Path db) throws SQLException {
        try (Connection c = open(db); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 30000");
            try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                rs.next();
                if (rs.getInt(1) != 0) {
                    throw new SQLException("checkpoint of " + db + " was blocked");
                }
            }
        }
    }
}
