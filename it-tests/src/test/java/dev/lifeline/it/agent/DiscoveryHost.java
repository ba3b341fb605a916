package dev.lifeline.it.agent;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Properties;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Opens databases by every path sqlite-jdbc offers (DriverManager, SQLiteDataSource,
 * SQLiteConfig.createConnection, a file: URI, a rollback-journal database, an in-memory one) and
 * writes one row to each. Run by {@link DiscoveryTest} with the agent attached.
 */
public final class DiscoveryHost {

    private DiscoveryHost() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        write(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("driver-manager.db")));
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + dir.resolve("data-source.db"));
        write(ds.getConnection());
        write(new SQLiteConfig().createConnection("jdbc:sqlite:" + dir.resolve("config.db")));
        write(DriverManager.getConnection("jdbc:sqlite:file:" + dir.resolve("uri.db") + "?cache=private"));
        Properties p = new Properties();
        p.setProperty("journal_mode", "DELETE");
        write(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("rollback.db"), p));
        write(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("skipped-cache.db")));
        write(DriverManager.getConnection("jdbc:sqlite::memory:"));
        // The engine takes checkpoints over once it replicates: this connection's own automatic
        // checkpoints are turned off then (shortly after, between its calls).
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("driver-manager.db"));
             Statement s = c.createStatement()) {
            long deadline = System.nanoTime() + 20_000_000_000L;
            int autocheckpoint = -1;
            while (System.nanoTime() < deadline) {
                s.execute("INSERT INTO t VALUES ('tick')");
                try (var rs = s.executeQuery("PRAGMA wal_autocheckpoint")) {
                    rs.next();
                    autocheckpoint = rs.getInt(1);
                }
                if (autocheckpoint == 0) {
                    break;
                }
                Thread.sleep(50);
            }
            System.out.println("wal_autocheckpoint " + autocheckpoint);
        }
        System.out.println("OK");
    }

    private static void write(Connection c) throws Exception {
        try (c; Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(v TEXT)");
            s.execute("INSERT INTO t VALUES ('one row')");
        }
    }
}
