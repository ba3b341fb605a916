package dev.lifeline.it.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.sqlite.SQLiteConnection;

/**
 * A plain JDBC application that exercises sqlite-jdbc's behaviour on real files and prints one
 * line per observation to stdout: a canonical transcript, with no time, path or other varying
 * value in it, so runs with and without Lifeline can be compared line by line.
 *
 * <p>{@code JdbcBehaviourProbe <url-prefix> <work-dir>}, with {@code jdbc:sqlite:} or
 * {@code jdbc:lifeline:sqlite:}. The one line allowed to differ between them is
 * {@code unwrap.castable} (a wrapping driver cannot hand out the real class).
 */
public final class JdbcBehaviourProbe {

    /** The databases the probe creates under its work directory. */
    public static final List<String> DATABASES = List.of("main.db", "busy.db", "pool.db");

    private final String prefix;
    private final Path dir;

    private JdbcBehaviourProbe(String prefix, Path dir) {
        this.prefix = prefix;
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: JdbcBehaviourProbe <jdbc-url-prefix> <work-dir>");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        Files.createDirectories(dir);
        new JdbcBehaviourProbe(args[0], dir).run();
        System.out.flush();
    }

    private String url(String db) {
        return prefix + dir.resolve(db);
    }

    private Connection open(String db) throws SQLException {
        return DriverManager.getConnection(url(db));
    }

    private static void p(String key, Object value) {
        String v = value instanceof int[] a ? Arrays.toString(a) : value instanceof long[] l ? Arrays.toString(l)
                : String.valueOf(value);
        System.out.println(key + ": " + v);
    }

    private static String err(SQLException e) {
        return e.getClass().getSimpleName() + " code=" + e.getErrorCode() + " " + e.getMessage();
    }

    private void run() throws Exception {
        try (Connection c = open("main.db")) {
            section("setup", c, () -> setup(c));
            section("conn", c, () -> connectionBasics(c));
            section("tx", c, () -> transactions(c));
            section("sp", c, () -> savepoints(c));
            section("sqlsp", c, () -> sqlSavepoints(c));
            section("batch", c, () -> batches(c));
            section("keys", c, () -> generatedKeys(c));
            section("unwrap", c, () -> unwrapAndCast(c));
            section("meta", c, () -> metadata(c));
            section("values", c, () -> valueTypes(c));
        }
        section("multi", this::severalConnections);
        section("busy", this::busy);
        section("pool", this::pool);
        p("done", true);
    }

    private interface Step {
        void run() throws Exception;
    }

    /** A section on the shared connection, which is left in auto-commit mode for the next one. */
    private static void section(String name, Connection c, Step step) {
        section(name, step);
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
                p(name + ".leftInManualMode", true);
            }
        } catch (SQLException e) {
            p(name + ".reset", err(e));
        }
    }

    /** Runs one section; an unexpected exception is an observation too, and the next section still runs. */
    private static void section(String name, Step step) {
        try {
            step.run();
        } catch (SQLException e) {
            p(name + ".unexpected", err(e));
        } catch (Exception e) {
            p(name + ".unexpected", e.getClass().getSimpleName() + " " + e.getMessage());
        }
    }

    /** Runs a call whose outcome (success or the error) is the observation. */
    private static void attempt(String key, Step step) {
        try {
            step.run();
            p(key, "ok");
        } catch (SQLException e) {
            p(key, err(e));
        } catch (Exception e) {
            p(key, e.getClass().getSimpleName() + " " + e.getMessage());
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    if (i > 1) {
                        b.append('|');
                    }
                    b.append(rs.getString(i));
                }
                rows.add(b.toString());
            }
            return rows.toString();
        }
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void setup(Connection c) throws SQLException {
        p("setup.journal_mode.set", query(c, "PRAGMA journal_mode=WAL"));
        p("setup.journal_mode", query(c, "PRAGMA journal_mode"));
        try (Statement s = c.createStatement()) {
            p("setup.create.accounts", s.executeUpdate(
                    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance INTEGER NOT NULL)"));
            p("setup.create.items", s.executeUpdate(
                    "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, qty INTEGER)"));
            p("setup.create.blobs", s.executeUpdate(
                    "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB, note TEXT, score REAL)"));
            p("setup.create.index", s.executeUpdate("CREATE INDEX items_qty ON items (qty)"));
            p("setup.execute.select.isResultSet", s.execute("SELECT 1"));
            p("setup.execute.insert.isResultSet", s.execute("INSERT INTO accounts VALUES (1, 'ann', 100)"));
            p("setup.execute.insert.updateCount", s.getUpdateCount());
            p("setup.getMoreResults", s.getMoreResults());
        }
    }

    private void connectionBasics(Connection c) throws SQLException {
        p("conn.autoCommit", c.getAutoCommit());
        p("conn.isolation", c.getTransactionIsolation());
        p("conn.holdability", c.getHoldability());
        p("conn.readOnly", c.isReadOnly());
        p("conn.closed", c.isClosed());
        p("conn.valid", c.isValid(5));
        p("conn.catalog", c.getCatalog());
        p("conn.nativeSQL", c.nativeSQL("SELECT {fn now()}"));
        try (Statement s = c.createStatement()) {
            p("statement.connectionIsTheConnection", s.getConnection() == c);
            try (ResultSet rs = s.executeQuery("SELECT 42 AS answer")) {
                p("resultset.statementIsTheStatement", rs.getStatement() == s);
                p("resultset.next", rs.next());
                p("resultset.answer", rs.getInt("answer"));
                p("resultset.meta.columns", rs.getMetaData().getColumnCount() + " " + rs.getMetaData().getColumnName(1));
                p("resultset.next.end", rs.next());
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT ? + 1")) {
            p("prepared.connectionIsTheConnection", ps.getConnection() == c);
            p("prepared.parameterCount", ps.getParameterMetaData().getParameterCount());
        }
        try {
            c.commit();
            p("conn.commitInAutoCommit", "no error");
        } catch (SQLException e) {
            p("conn.commitInAutoCommit", err(e));
        }
    }

    private void transactions(Connection c) throws SQLException {
        try (Connection other = open("main.db")) {
            c.setAutoCommit(false);
            p("tx.autoCommit.off", c.getAutoCommit());
            exec(c, "INSERT INTO accounts VALUES (2, 'bob', 50)");
            p("tx.uncommitted.self", count(c, "accounts"));
            p("tx.uncommitted.other", count(other, "accounts"));
            c.rollback();
            p("tx.rolledBack.self", count(c, "accounts"));
            exec(c, "INSERT INTO accounts VALUES (2, 'bob', 50)");
            exec(c, "UPDATE accounts SET balance = balance - 10 WHERE id = 1");
            c.commit();
            p("tx.committed.other", query(other, "SELECT id, owner, balance FROM accounts ORDER BY id"));
            exec(c, "INSERT INTO accounts VALUES (3, 'cy', 7)");
            c.setAutoCommit(true); // commits what is pending
            p("tx.autoCommit.on.commitsPending.other", count(other, "accounts"));
            c.setAutoCommit(true); // no change
            c.setAutoCommit(false);
            c.setAutoCommit(false);
            exec(c, "DELETE FROM accounts WHERE id = 3");
            c.rollback();
            c.setAutoCommit(true);
            p("tx.rollbackThenAutoCommit", count(other, "accounts"));
            try {
                c.rollback();
                p("tx.rollbackInAutoCommit", "no error");
            } catch (SQLException e) {
                p("tx.rollbackInAutoCommit", err(e));
            }
            // Explicit statements in auto-commit mode.
            exec(c, "BEGIN IMMEDIATE");
            exec(c, "INSERT INTO accounts VALUES (4, 'dee', 1)");
            p("tx.explicitBegin.other.before", count(other, "accounts"));
            exec(c, "COMMIT");
            p("tx.explicitBegin.other.after", count(other, "accounts"));
            exec(c, "BEGIN");
            exec(c, "DELETE FROM accounts WHERE id = 4");
            exec(c, "ROLLBACK");
            p("tx.explicitRollback", count(other, "accounts"));
            try {
                exec(c, "COMMIT");
                p("tx.commitWithoutBegin", "no error");
            } catch (SQLException e) {
                p("tx.commitWithoutBegin", err(e));
            }
        }
    }

    private void savepoints(Connection c) throws SQLException {
        c.setAutoCommit(false);
        exec(c, "INSERT INTO items (name, qty) VALUES ('a', 1)");
        Savepoint sp1 = c.setSavepoint();
        p("sp.unnamed.id", sp1.getSavepointId());
        exec(c, "INSERT INTO items (name, qty) VALUES ('b', 2)");
        Savepoint sp2 = c.setSavepoint("second");
        p("sp.named.name", sp2.getSavepointName());
        try {
            sp2.getSavepointId();
            p("sp.named.id", "no error");
        } catch (SQLException e) {
            p("sp.named.id", err(e));
        }
        exec(c, "INSERT INTO items (name, qty) VALUES ('c', 3)");
        Savepoint sp3 = c.setSavepoint("third");
        exec(c, "INSERT INTO items (name, qty) VALUES ('d', 4)");
        c.rollback(sp3);
        p("sp.rollbackToThird", query(c, "SELECT name FROM items ORDER BY id"));
        c.rollback(sp2);
        p("sp.rollbackToSecond", query(c, "SELECT name FROM items ORDER BY id"));
        exec(c, "INSERT INTO items (name, qty) VALUES ('e', 5)");
        c.releaseSavepoint(sp2);
        try {
            c.rollback(sp2);
            p("sp.rollbackToReleased", "no error");
        } catch (SQLException e) {
            p("sp.rollbackToReleased", err(e));
        }
        c.rollback(sp1);
        p("sp.rollbackToFirst", query(c, "SELECT name FROM items ORDER BY id"));
        c.releaseSavepoint(sp1);
        c.commit();
        c.setAutoCommit(true);
        p("sp.committed", query(c, "SELECT name, qty FROM items ORDER BY id"));

        // A savepoint in auto-commit mode (sqlite-jdbc turns auto-commit off for it).
        Savepoint outer = c.setSavepoint("outer");
        p("sp.autoCommitAfterSetSavepoint", c.getAutoCommit());
        exec(c, "INSERT INTO items (name, qty) VALUES ('f', 6)");
        Savepoint inner = c.setSavepoint("inner");
        exec(c, "INSERT INTO items (name, qty) VALUES ('g', 7)");
        c.rollback(inner);
        c.releaseSavepoint(outer);
        p("sp.outerReleased.autoCommit", c.getAutoCommit());
        try (Connection other = open("main.db")) {
            p("sp.outerReleased.other", query(other, "SELECT name FROM items ORDER BY id"));
        }
        attempt("sp.commitAfterOuterRelease", c::commit);
        attempt("sp.autoCommitOnAfterOuterRelease", () -> c.setAutoCommit(true));
        p("sp.autoCommit.end", c.getAutoCommit());
        try {
            c.releaseSavepoint(outer);
            p("sp.releaseInAutoCommit", "no error");
        } catch (SQLException e) {
            p("sp.releaseInAutoCommit", err(e));
        }
    }

    private void sqlSavepoints(Connection c) throws SQLException {
        try (Connection other = open("main.db")) {
            exec(c, "SAVEPOINT a");
            exec(c, "UPDATE items SET qty = qty + 100 WHERE name = 'a'");
            exec(c, "SAVEPOINT b");
            exec(c, "UPDATE items SET qty = qty + 1000 WHERE name = 'a'");
            exec(c, "ROLLBACK TO b");
            exec(c, "RELEASE b");
            p("sqlsp.beforeRelease.other", query(other, "SELECT qty FROM items WHERE name = 'a'"));
            exec(c, "RELEASE SAVEPOINT a");
            p("sqlsp.afterRelease.other", query(other, "SELECT qty FROM items WHERE name = 'a'"));
            p("sqlsp.autoCommit", c.getAutoCommit());
        }
    }

    private void batches(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.addBatch("INSERT INTO accounts VALUES (10, 'b1', 1)");
            s.addBatch("INSERT INTO accounts VALUES (11, 'b2', 2)");
            s.addBatch("UPDATE accounts SET balance = balance + 1 WHERE id >= 10");
            p("batch.statement", s.executeBatch());
            s.addBatch("INSERT INTO accounts VALUES (12, 'b3', 3)");
            s.addBatch("INSERT INTO accounts VALUES (10, 'dup', 0)");
            s.addBatch("INSERT INTO accounts VALUES (13, 'b4', 4)");
            try {
                s.executeBatch();
                p("batch.statement.failing", "no error");
            } catch (BatchUpdateException e) {
                p("batch.statement.failing", err(e));
                p("batch.statement.failing.counts", e.getUpdateCounts());
            }
            p("batch.statement.failing.rows", query(c, "SELECT id FROM accounts WHERE id >= 10 ORDER BY id"));
            p("batch.statement.empty", s.executeBatch());
            s.addBatch("DELETE FROM accounts WHERE id = 13");
            s.clearBatch();
            p("batch.statement.cleared", s.executeBatch());
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts VALUES (?, ?, ?)")) {
            for (int i = 20; i < 25; i++) {
                ps.setInt(1, i);
                ps.setString(2, "p" + i);
                ps.setInt(3, i * 10);
                ps.addBatch();
            }
            p("batch.prepared", ps.executeBatch());
            p("batch.prepared.large", ps.executeLargeBatch());
            ps.setInt(1, 30);
            ps.setString(2, "p30");
            ps.setInt(3, 1);
            ps.addBatch();
            ps.setInt(1, 20);
            ps.setString(2, "dup");
            ps.setInt(3, 1);
            ps.addBatch();
            ps.setInt(1, 31);
            ps.setString(2, "p31");
            ps.setInt(3, 1);
            ps.addBatch();
            try {
                ps.executeBatch();
                p("batch.prepared.failing", "no error");
            } catch (SQLException e) { // sqlite-jdbc throws a plain SQLiteException here, not a BatchUpdateException
                p("batch.prepared.failing", err(e));
                if (e instanceof BatchUpdateException b) {
                    p("batch.prepared.failing.counts", b.getUpdateCounts());
                }
            }
            p("batch.prepared.failing.rows", query(c, "SELECT id FROM accounts WHERE id >= 20 ORDER BY id"));
        }
        // In a transaction: a failing batch, then rollback.
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET balance = ? WHERE id = ?")) {
            ps.setInt(1, 999);
            ps.setInt(2, 20);
            ps.addBatch();
            ps.setInt(1, 999);
            ps.setInt(2, 21);
            ps.addBatch();
            p("batch.tx", ps.executeBatch());
        }
        c.rollback();
        c.setAutoCommit(true);
        p("batch.tx.rolledBack", query(c, "SELECT balance FROM accounts WHERE id IN (20, 21) ORDER BY id"));
    }

    private void generatedKeys(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            p("keys.statement.update", s.executeUpdate("INSERT INTO items (name, qty) VALUES ('k1', 1)",
                    Statement.RETURN_GENERATED_KEYS));
            try (ResultSet k = s.getGeneratedKeys()) {
                p("keys.statement.next", k.next());
                p("keys.statement.key", k.getLong(1));
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO items (name, qty) VALUES (?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, "k2");
            ps.setInt(2, 2);
            p("keys.prepared.update", ps.executeUpdate());
            try (ResultSet k = ps.getGeneratedKeys()) {
                p("keys.prepared.next", k.next());
                p("keys.prepared.key", k.getLong(1));
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO items (name, qty) VALUES (?, ?)",
                new String[] {"id"})) {
            ps.setString(1, "k3");
            ps.setInt(2, 3);
            ps.executeUpdate();
            try (ResultSet k = ps.getGeneratedKeys()) {
                p("keys.byName.key", k.next() ? k.getLong(1) : -1);
            }
        }
        try (Connection other = open("main.db")) {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("INSERT INTO items (name, qty) VALUES ('r1', 10), ('r2', 20) "
                         + "RETURNING id, name, qty * 2")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getInt(3));
                }
                p("keys.returning.rows", rows);
            }
            p("keys.returning.other", query(other, "SELECT name FROM items WHERE name LIKE 'r%' ORDER BY id"));
            try (PreparedStatement ps = c.prepareStatement("UPDATE items SET qty = qty + ? WHERE name = ? RETURNING qty")) {
                ps.setInt(1, 5);
                ps.setString(2, "r1");
                try (ResultSet rs = ps.executeQuery()) {
                    p("keys.returning.update", rs.next() ? rs.getInt(1) : -1);
                }
            }
            try (Statement s = c.createStatement()) {
                p("keys.returning.execute.isResultSet", s.execute("DELETE FROM items WHERE name = 'r2' RETURNING id"));
                try (ResultSet rs = s.getResultSet()) {
                    p("keys.returning.execute.next", rs.next());
                }
            }
            p("keys.returning.after", query(other, "SELECT name, qty FROM items WHERE name LIKE 'r%' ORDER BY id"));
        }
    }

    private void unwrapAndCast(Connection c) throws SQLException {
        SQLiteConnection real = c.unwrap(SQLiteConnection.class);
        p("unwrap.class", real.getClass().getName());
        p("unwrap.isWrapperFor.SQLiteConnection", c.isWrapperFor(SQLiteConnection.class));
        p("unwrap.isWrapperFor.Connection", c.isWrapperFor(Connection.class));
        p("unwrap.isWrapperFor.String", c.isWrapperFor(String.class));
        p("unwrap.getDatabase.nonNull", real.getDatabase() != null);
        p("unwrap.busyTimeout", real.getBusyTimeout());
        p("unwrap.sameObjectTwice", c.unwrap(SQLiteConnection.class) == real);
        p("unwrap.castable", c instanceof SQLiteConnection);
        if (c instanceof SQLiteConnection cast) {
            p("cast.getDatabase.nonNull", cast.getDatabase() != null);
        } else {
            p("cast.getDatabase.nonNull", real.getDatabase() != null);
        }
        try (Statement s = c.createStatement()) {
            p("unwrap.statement.isWrapperFor.Statement", s.isWrapperFor(Statement.class));
            p("unwrap.statement.class", s.unwrap(org.sqlite.jdbc3.JDBC3Statement.class).getClass().getName());
        }
    }

    private void metadata(Connection c) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        p("meta.connectionIsTheConnection", md.getConnection() == c);
        p("meta.driver", md.getDriverName() + " " + md.getDriverVersion());
        p("meta.driver.version", md.getDriverMajorVersion() + "." + md.getDriverMinorVersion());
        p("meta.product", md.getDatabaseProductName() + " " + md.getDatabaseProductVersion());
        p("meta.jdbc", md.getJDBCMajorVersion() + "." + md.getJDBCMinorVersion());
        p("meta.supportsSavepoints", md.supportsSavepoints());
        p("meta.supportsBatchUpdates", md.supportsBatchUpdates());
        p("meta.supportsGetGeneratedKeys", md.supportsGetGeneratedKeys());
        p("meta.supportsTransactions", md.supportsTransactions());
        try (ResultSet rs = md.getTables(null, null, "%", new String[] {"TABLE"})) {
            List<String> t = new ArrayList<>();
            while (rs.next()) {
                t.add(rs.getString("TABLE_NAME"));
            }
            p("meta.tables", t);
        }
        try (ResultSet rs = md.getColumns(null, null, "accounts", "%")) {
            List<String> cols = new ArrayList<>();
            while (rs.next()) {
                cols.add(rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME") + " " + rs.getInt("DATA_TYPE")
                        + " nullable=" + rs.getInt("NULLABLE") + " pos=" + rs.getInt("ORDINAL_POSITION"));
            }
            p("meta.columns.accounts", cols);
        }
        try (ResultSet rs = md.getPrimaryKeys(null, null, "items")) {
            List<String> pk = new ArrayList<>();
            while (rs.next()) {
                pk.add(rs.getString("COLUMN_NAME") + " seq=" + rs.getInt("KEY_SEQ"));
            }
            p("meta.primaryKeys.items", pk);
        }
        try (ResultSet rs = md.getIndexInfo(null, null, "items", false, false)) {
            List<String> ix = new ArrayList<>();
            while (rs.next()) {
                ix.add(rs.getString("INDEX_NAME") + " " + rs.getString("COLUMN_NAME") + " unique="
                        + !rs.getBoolean("NON_UNIQUE"));
            }
            ix.sort(null);
            p("meta.indexes.items", ix);
        }
    }

    private void valueTypes(Connection c) throws Exception {
        Random r = new Random(42);
        byte[] blob = new byte[200_000];
        r.nextBytes(blob);
        StringBuilder text = new StringBuilder();
        while (text.length() < 1_000_000) {
            text.append("line ").append(r.nextInt(1_000_000)).append(" é ✓ 𝄞\n");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO blobs VALUES (?, ?, ?, ?)")) {
            ps.setInt(1, 1);
            ps.setBytes(2, blob);
            ps.setString(3, text.toString());
            ps.setDouble(4, 0.125);
            ps.executeUpdate();
            ps.setInt(1, 2);
            ps.setNull(2, Types.BLOB);
            ps.setNull(3, Types.VARCHAR);
            ps.setObject(4, null);
            ps.executeUpdate();
            ps.setInt(1, 3);
            ps.setBytes(2, new byte[0]);
            ps.setString(3, "");
            ps.setDouble(4, -0.0);
            ps.executeUpdate();
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM blobs ORDER BY id")) {
            while (rs.next()) {
                int id = rs.getInt(1);
                byte[] b = rs.getBytes(2);
                boolean bNull = rs.wasNull();
                String t = rs.getString(3);
                boolean tNull = rs.wasNull();
                Object score = rs.getObject(4);
                p("values." + id + ".blob", b == null ? "null" : b.length + " bytes sha256=" + sha256(b));
                p("values." + id + ".blob.wasNull", bNull);
                p("values." + id + ".text", t == null ? "null" : t.length() + " chars sha256="
                        + sha256(t.getBytes(StandardCharsets.UTF_8)));
                p("values." + id + ".text.wasNull", tNull);
                p("values." + id + ".score", score == null ? "null" : score.getClass().getSimpleName() + " " + score);
            }
        }
        p("values.blob.equal", Arrays.equals(blob, readBlob(c)));
        p("values.typeof", query(c, "SELECT typeof(data), typeof(note), typeof(score) FROM blobs ORDER BY id"));
    }

    private static byte[] readBlob(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT data FROM blobs WHERE id = 1")) {
            rs.next();
            return rs.getBytes(1);
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 16);
    }

    private void severalConnections() throws SQLException {
        try (Connection a = open("main.db"); Connection b = open("main.db"); Connection c = open("main.db")) {
            exec(a, "CREATE TABLE shared (k TEXT PRIMARY KEY, v INTEGER)");
            exec(a, "INSERT INTO shared VALUES ('x', 1)");
            p("multi.b.seesA", query(b, "SELECT k, v FROM shared"));
            b.setAutoCommit(false);
            p("multi.b.snapshot.before", query(b, "SELECT v FROM shared"));
            exec(a, "UPDATE shared SET v = 2");
            p("multi.b.snapshot.during", query(b, "SELECT v FROM shared"));
            p("multi.c.seesUpdate", query(c, "SELECT v FROM shared"));
            b.commit();
            p("multi.b.snapshot.afterCommit", query(b, "SELECT v FROM shared"));
            b.setAutoCommit(true);
            c.setAutoCommit(false);
            exec(c, "INSERT INTO shared VALUES ('y', 3)");
            p("multi.a.beforeCommitOfC", query(a, "SELECT k FROM shared ORDER BY k"));
            c.commit();
            c.setAutoCommit(true);
            p("multi.a.afterCommitOfC", query(a, "SELECT k FROM shared ORDER BY k"));
        }
    }

    private void busy() throws Exception {
        try (Connection a = open("busy.db"); Connection b = open("busy.db")) {
            p("busy.journal_mode", query(a, "PRAGMA journal_mode=WAL"));
            exec(a, "CREATE TABLE q (id INTEGER PRIMARY KEY, v TEXT)");
            p("busy.timeout.set", query(b, "PRAGMA busy_timeout=300"));
            p("busy.timeout", query(b, "PRAGMA busy_timeout"));
            a.setAutoCommit(false);
            exec(a, "INSERT INTO q VALUES (1, 'a')"); // a holds the write lock
            long t0 = System.nanoTime();
            try {
                exec(b, "INSERT INTO q VALUES (2, 'b')");
                p("busy.write", "no error");
            } catch (SQLException e) {
                p("busy.write", err(e));
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            p("busy.waitedForTheTimeout", ms >= 250);
            p("busy.b.readsWhileLocked", query(b, "SELECT count(*) FROM q"));
            // b waits for a in another thread: a's commit releases it.
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                exec(b, "PRAGMA busy_timeout=20000");
                Future<String> f = ex.submit(() -> {
                    exec(b, "INSERT INTO q VALUES (3, 'b')");
                    return "ok";
                });
                Thread.sleep(200);
                p("busy.b.stillWaiting", !f.isDone());
                a.commit();
                a.setAutoCommit(true);
                p("busy.b.afterCommit", f.get(30, TimeUnit.SECONDS));
            } finally {
                ex.shutdownNow();
            }
            p("busy.rows", query(a, "SELECT id, v FROM q ORDER BY id"));
        }
    }

    private void pool() throws Exception {
        try (Connection init = open("pool.db")) {
            p("pool.journal_mode", query(init, "PRAGMA journal_mode=WAL"));
            exec(init, "CREATE TABLE events (id INTEGER PRIMARY KEY, worker INTEGER, n INTEGER)");
            exec(init, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)");
            exec(init, "INSERT INTO counter VALUES (1, 0)");
        }
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url("pool.db"));
        cfg.setMaximumPoolSize(4);
        cfg.setMinimumIdle(4);
        cfg.setAutoCommit(false);
        cfg.setPoolName("probe");
        cfg.addDataSourceProperty("busy_timeout", "30000");
        int threads = 8;
        int txPerThread = 40;
        AtomicInteger failures = new AtomicInteger();
        List<String> errors = new ArrayList<>();
        try (HikariDataSource ds = new HikariDataSource(cfg)) {
            ExecutorService ex = Executors.newFixedThreadPool(threads);
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                int worker = w;
                fs.add(ex.submit(() -> {
                    for (int i = 0; i < txPerThread; i++) {
                        try (Connection c = ds.getConnection()) {
                            try (PreparedStatement up = c.prepareStatement("UPDATE counter SET n = n + 1 WHERE id = 1");
                                 PreparedStatement ins = c.prepareStatement(
                                         "INSERT INTO events (worker, n) VALUES (?, (SELECT n FROM counter WHERE id = 1))")) {
                                up.executeUpdate();
                                ins.setInt(1, worker);
                                ins.executeUpdate();
                                if (i % 10 == 9) {
                                    c.rollback(); // every tenth transaction is rolled back
                                } else {
                                    c.commit();
                                }
                            } catch (SQLException e) {
                                c.rollback();
                                throw e;
                            }
                        } catch (SQLException e) {
                            failures.incrementAndGet();
                            synchronized (errors) {
                                errors.add(err(e));
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(5, TimeUnit.MINUTES);
            }
            ex.shutdown();
            try (Connection c = ds.getConnection()) {
                p("pool.connection.autoCommit", c.getAutoCommit());
                p("pool.unwrap.isWrapperFor.SQLiteConnection", c.isWrapperFor(SQLiteConnection.class));
                p("pool.unwrap.class", c.unwrap(SQLiteConnection.class).getClass().getName());
                p("pool.events", query(c, "SELECT count(*), count(DISTINCT n), min(n), max(n) FROM events"));
                p("pool.perWorker", query(c, "SELECT worker, count(*) FROM events GROUP BY worker ORDER BY worker"));
                p("pool.counter", query(c, "SELECT n FROM counter"));
                c.commit();
            }
        }
        p("pool.failures", failures.get() + (errors.isEmpty() ? "" : " " + errors.get(0)));
    }
}
