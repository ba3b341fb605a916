package dev.lifeline.shim.driver;

import dev.lifeline.shim.SqliteInterceptor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A JDBC driver for applications that cannot take a {@code -javaagent}: URLs
 * {@code jdbc:lifeline:sqlite:<anything sqlite-jdbc accepts after jdbc:sqlite:>} open the database
 * through the application's own sqlite-jdbc and protect it as the agent would (the same
 * {@link SqliteInterceptor}: replication woken by each commit, durable commits).
 *
 * <p>The difference from the agent: connections are wrappers (dynamic proxies implementing every
 * interface of the real connection), not the real {@code org.sqlite.SQLiteConnection}. A direct
 * cast {@code (SQLiteConnection) conn} fails with a ClassCastException; {@code
 * conn.unwrap(SQLiteConnection.class)} returns the real connection and {@code isWrapperFor} says
 * so. Calls made on the unwrapped object are not seen (commits through it are still replicated,
 * found by the replicator's poll instead of woken at once, and a durable database does not wait).
 * The agent keeps the real objects.
 *
 * <p>Registered through {@code META-INF/services/java.sql.Driver} and when this class is loaded.
 * The JVM's one engine starts at the first connection, configured as the agent is (system
 * properties {@code lifeline.*}, environment variables {@code LIFELINE_*}, a YAML file); a bad
 * configuration is reported once and connections still open, unprotected.
 */
public final class LifelineDriver implements Driver {

    public static final String PREFIX = "jdbc:lifeline:sqlite:";
    private static final String SQLITE_PREFIX = "jdbc:sqlite:";

    static {
        try {
            DriverManager.registerDriver(new LifelineDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Where connections get their interception: the JVM's one engine, or a test's own. */
    private final Supplier<SqliteInterceptor> interception;

    /** The driver as DriverManager and pools create it: the JVM's one engine ({@link DriverEngine}). */
    public LifelineDriver() {
        this(DriverEngine::interceptor);
    }

    /** For tests: connections protected by {@code interception} (which may supply null: unprotected). */
    LifelineDriver(Supplier<SqliteInterceptor> interception) {
        this.interception = interception;
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        Connection real = openReal(sqliteUrl(url), info == null ? new Properties() : info);
        SqliteInterceptor interceptor = interception.get();
        if (interceptor != null) {
            interceptor.connectionOpened(real);
        }
        try {
            return JdbcProxy.wrapConnection(real, interceptor);
        } catch (SQLException | RuntimeException e) {
            try {
                real.close();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** {@code jdbc:lifeline:sqlite:X} becomes {@code jdbc:sqlite:X}. */
    static String sqliteUrl(String url) {
        return SQLITE_PREFIX + url.substring(PREFIX.length());
    }

    /** Opens the connection through the application's sqlite-jdbc ({@code org.sqlite.JDBC.createConnection}). */
    private static Connection openReal(String url, Properties info) throws SQLException {
        Method create = createConnection();
        try {
            Connection c = (Connection) create.invoke(null, url, info);
            if (c == null) {
                throw new SQLException("sqlite-jdbc does not accept the URL " + url, "08001");
            }
            return c;
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException s) {
                throw s;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new SQLException("opening " + url + ": " + cause, "08001", cause);
        } catch (IllegalAccessException e) {
            throw new SQLException("opening " + url + ": " + e, "08001", e);
        }
    }

    private static Method createConnection() throws SQLException {
        Throwable failure = null;
        for (ClassLoader l : new ClassLoader[] {LifelineDriver.class.getClassLoader(),
                Thread.currentThread().getContextClassLoader()}) {
            if (l == null) {
                continue;
            }
            try {
                Class<?> jdbc = Class.forName("org.sqlite.JDBC", true, l);
                return jdbc.getMethod("createConnection", String.class, Properties.class);
            } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
                failure = e;
            }
        }
        throw new SQLException("jdbc:lifeline:sqlite: needs xerial sqlite-jdbc (org.xerial:sqlite-jdbc, 3.4x or "
                + "later) on the application's class path: " + failure, "08001", failure);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return new DriverPropertyInfo[0];
        }
        Driver sqlite = DriverManager.getDriver(sqliteUrl(url));
        return sqlite.getPropertyInfo(sqliteUrl(url), info);
    }

    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("the Lifeline driver does not log through java.util.logging");
    }
}
