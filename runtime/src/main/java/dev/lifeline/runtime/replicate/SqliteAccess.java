package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.db.DatabaseFile;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * How the replicator reaches a database file, which depends on the process it runs in.
 *
 * <p>POSIX drops every lock a process holds on a file as soon as the process closes <em>any</em>
 * descriptor of it. SQLite's own VFS works around this within one copy of the library, but two
 * copies in one process (the host's sqlite-jdbc and ours) do not know about each other. So inside
 * a host JVM the replicator opens its connections through the host's own SQLite library and never
 * closes a descriptor of the database file while the host may hold locks on it.
 */
public interface SqliteAccess {

    /** Opens a connection to {@code db}. */
    Connection connect(Path db) throws SQLException;

    /** Opens a descriptor for reading pages of {@code db}. */
    DatabaseFile openFile(Path db) throws IOException;

    /** Gives back a descriptor from {@link #openFile}. */
    void release(DatabaseFile file) throws IOException;

    /** A process of our own (the CLI): our sqlite-jdbc, descriptors closed when done. */
    SqliteAccess STANDALONE = new SqliteAccess() {
        @Override
        public Connection connect(Path db) throws SQLException {
            return DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath(), new Properties());
        }

        @Override
        public DatabaseFile openFile(Path db) throws IOException {
            return new DatabaseFile(db);
        }

        @Override
        public void release(DatabaseFile file) throws IOException {
            file.close();
        }
    };
}
