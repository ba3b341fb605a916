package dev.lifeline.shim.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.shim.TransactionTracker;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;

/** The driver's wrappers, without an engine: what the application sees. */
class LifelineDriverTest {

    @TempDir
    Path dir;

    private final LifelineDriver driver = new LifelineDriver(() -> null);

    private Connection open(String name) throws SQLException {
        return driver.connect(LifelineDriver.PREFIX + dir.resolve(name), new Properties());
    }

    @Test
    void acceptsOnlyItsOwnUrls() throws SQLException {
        assertTrue(driver.acceptsURL("jdbc:lifeline:sqlite:/tmp/x.db"));
        assertTrue(driver.acceptsURL("JDBC:LIFELINE:SQLITE:x.db"));
        assertFalse(driver.acceptsURL("jdbc:sqlite:/tmp/x.db"));
        assertFalse(driver.acceptsURL(null));
        assertNull(driver.connect("jdbc:sqlite:" + dir.resolve("x.db"), new Properties()));
        assertEquals("jdbc:sqlite:file:a.db?mode=ro", LifelineDriver.sqliteUrl("jdbc:lifeline:sqlite:file:a.db?mode=ro"));
    }

    @Test
    void driverManagerFindsItThroughTheServiceFile() throws SQLException {
        Driver d = DriverManager.getDriver("jdbc:lifeline:sqlite:" + dir.resolve("x.db"));
        assertInstanceOf(LifelineDriver.class, d);
        assertTrue(d.getPropertyInfo("jdbc:lifeline:sqlite:x.db", new Properties()).length > 0);
    }

    @Test
    void unwrapReachesTheRealConnectionButACastDoesNot() throws SQLException {
        try (Connection c = open("a.db")) {
            assertFalse(c instanceof SQLiteConnection);
            SQLiteConnection real = c.unwrap(SQLiteConnection.class);
            assertNotNull(real.getDatabase());
            assertTrue(c.isWrapperFor(SQLiteConnection.class));
            assertTrue(c.isWrapperFor(Connection.class));
            assertSame(c, c.unwrap(Connection.class));
            assertFalse(c.isWrapperFor(String.class));
            // sqlite-jdbc's own answer for an interface it does not implement, passed on as it is.
            assertThrows(ClassCastException.class, () -> c.unwrap(String.class));
            assertTrue(c.isWrapperFor(TransactionTracker.class));
            assertNotNull(c.unwrap(TransactionTracker.class));
            assertEquals(c, c);
            assertFalse(c.equals(real));
            assertTrue(c.toString().contains("Lifeline"));
        }
    }

    @Test
    void everythingLeadsBackToTheWrappers() throws SQLException {
        try (Connection c = open("b.db")) {
            try (Statement s = c.createStatement()) {
                assertSame(c, s.getConnection());
                s.executeUpdate("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                try (ResultSet rs = s.executeQuery("SELECT 1")) {
                    assertSame(s, rs.getStatement());
                    assertTrue(rs.next());
                }
                assertTrue(s.execute("SELECT 2"));
                try (ResultSet rs = s.getResultSet()) {
                    assertSame(s, rs.getStatement());
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
                assertSame(c, ps.getConnection());
                ps.setString(1, "x");
                assertEquals(1, ps.executeUpdate());
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    assertTrue(keys.next());
                    assertEquals(1, keys.getLong(1));
                    assertNotNull(keys.getStatement());
                }
            }
            DatabaseMetaData md = c.getMetaData();
            assertSame(c, md.getConnection());
            try (ResultSet tables = md.getTables(null, null, "t", null)) {
                assertTrue(tables.next());
                assertEquals("t", tables.getString("TABLE_NAME"));
            }
        }
    }

    @Test
    void sqlExceptionsReachTheCallerUnwrapped() throws SQLException {
        try (Connection c = open("c.db"); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO nope VALUES (1)"));
            assertTrue(e.getMessage().contains("no such table"), e.getMessage());
            s.executeUpdate("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            s.addBatch("INSERT INTO t VALUES (1)");
            s.addBatch("INSERT INTO t VALUES (1)");
            assertThrows(BatchUpdateException.class, s::executeBatch);
            assertThrows(SQLException.class, c::commit); // auto-commit mode
        }
    }

    @Test
    void theTrackerFollowsTheConnection() throws SQLException {
        try (Connection c = open("d.db"); Statement s = c.createStatement()) {
            TransactionTracker t = c.unwrap(TransactionTracker.class);
            s.executeUpdate("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            assertFalse(t.inTransaction());
            c.setAutoCommit(false);
            s.executeQuery("SELECT * FROM t").close();
            assertTrue(t.inTransaction());
            assertFalse(t.wroteInTransaction());
            s.executeUpdate("INSERT INTO t VALUES (1)");
            assertTrue(t.wroteInTransaction());
            Savepoint sp = c.setSavepoint("sp");
            assertEquals(java.util.List.of("sp"), t.savepoints());
            c.rollback(sp);
            c.releaseSavepoint(sp);
            assertTrue(t.savepoints().isEmpty());
            c.commit();
            assertFalse(t.inTransaction());
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?)")) {
                for (int i = 2; i < 5; i++) {
                    ps.setInt(1, i);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            assertFalse(t.inTransaction());
            assertEquals(3, t.counts()[1]); // CREATE TABLE, commit(), the batch
            c.close();
            assertTrue(t.closed());
        }
    }

    @Test
    void aDirectoryThatDoesNotExistIsSqliteJdbcsOwnError() {
        SQLException e = assertThrows(SQLException.class,
                () -> driver.connect("jdbc:lifeline:sqlite:" + dir.resolve("no/such/dir/x.db"), new Properties()));
        assertTrue(e.getMessage().contains("SQLITE_CANTOPEN"), e.getMessage());
    }

    /** The shim's classes without sqlite-jdbc beside them, as in an application that lacks it. */
    @Test
    void missingSqliteJdbcIsAClearError() throws Exception {
        URL shim = LifelineDriver.class.getProtectionDomain().getCodeSource().getLocation();
        URL runtime = dev.lifeline.runtime.engine.Engine.class.getProtectionDomain().getCodeSource().getLocation();
        Thread th = Thread.currentThread();
        ClassLoader before = th.getContextClassLoader();
        try (URLClassLoader app = new URLClassLoader(new URL[] {shim, runtime}, ClassLoader.getPlatformClassLoader())) {
            th.setContextClassLoader(app);
            Driver d = (Driver) app.loadClass(LifelineDriver.class.getName()).getConstructor().newInstance();
            SQLException e = assertThrows(SQLException.class,
                    () -> d.connect("jdbc:lifeline:sqlite:" + dir.resolve("x.db"), new Properties()));
            assertTrue(e.getMessage().contains("needs xerial sqlite-jdbc"), e.getMessage());
        } finally {
            th.setContextClassLoader(before);
        }
    }
}
