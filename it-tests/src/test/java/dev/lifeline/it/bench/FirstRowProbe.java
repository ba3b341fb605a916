package dev.lifeline.it.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;

/**
 * A trivial SQLite host for the {@code agent} section: opens the database named by its argument
 * through sqlite-jdbc ({@code DriverManager}), commits one row, and prints when {@code main} began
 * ({@code MAIN_AT_US}) and when the commit returned ({@code COMMITTED_AT_US}), wall clock in
 * microseconds. Run with the test classes and sqlite-jdbc alone on the class path.
 */
public final class FirstRowProbe {

    private FirstRowProbe() {
    }

    public static void main(String[] args) throws Exception {
        Instant main = Instant.now();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + args[0])) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.executeUpdate("CREATE TABLE IF NOT EXISTS probe(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
                s.executeUpdate("INSERT INTO probe(v) VALUES ('first row')");
            }
            c.commit();
            Instant committed = Instant.now();
            System.out.println("MAIN_AT_US=" + StartupProbe.micros(main) + " COMMITTED_AT_US="
                    + StartupProbe.micros(committed));
        }
    }
}
