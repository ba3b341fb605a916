package dev.lifeline.shim;

import dev.lifeline.runtime.db.DatabaseFile;
import dev.lifeline.runtime.replicate.SqliteAccess;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/**
 * The replicator's way to the database inside a host JVM: connections through the host's own
 * sqlite-jdbc (one copy of SQLite per file, so its POSIX-lock bookkeeping stays whole), and one
 * descriptor per database file that is never closed (closing it would drop the host's locks).
 */
final class HostSqlite implements SqliteAccess {

    private final Method createConnection;
    private final ThreadLocal<Boolean> internal;
    private final Map<Path, DatabaseFile> files;

    /**
     * @param internal set while we open our own connections, so the interception ignores them
     * @param files    the process-wide descriptors, shared by every host class loader
     */
    HostSqlite(ClassLoader hostLoader, ThreadLocal<Boolean> internal, Map<Path, DatabaseFile> files)
            throws ReflectiveOperationException {
        Class<?> jdbc = Class.forName("org.sqlite.JDBC", true, hostLoader);
        this.createConnection = jdbc.getMethod("createConnection", String.class, Properties.class);
        this.internal = internal;
        this.files = files;
    }

    @Override
    public Connection connect(Path db) throws SQLException {
        internal.set(Boolean.TRUE);
        try {
            return (Connection) createConnection.invoke(null, "jdbc:sqlite:" + db.toAbsolutePath(), new Properties());
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            throw new SQLException("opening " + db + " through the host's sqlite-jdbc: " + e.getCause(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new SQLException("opening " + db + " through the host's sqlite-jdbc: " + e, e);
        } finally {
            internal.remove();
        }
    }

    @Override
    public DatabaseFile openFile(Path db) throws IOException {
        synchronized (files) {
            DatabaseFile f = files.get(db);
            if (f == null) {
                f = new DatabaseFile(db);
                files.put(db, f);
            }
            return f;
        }
    }

    @Override
    public void release(DatabaseFile file) {
        // Kept open on purpose until the JVM exits: see the class comment.
    }
}
