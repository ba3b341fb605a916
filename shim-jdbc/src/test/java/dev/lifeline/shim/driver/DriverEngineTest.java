package dev.lifeline.shim.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The driver's JVM-wide engine, configured from system properties. The one test that connects
 * through DriverManager starts the real holder for the rest of this JVM, so it points it at a
 * directory of its own that is never deleted while the JVM runs.
 */
class DriverEngineTest {

    @Test
    void aBadConfigurationIsReportedAndLeavesConnectionsUnprotected() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String before = System.getProperty("lifeline.poll-interval");
        System.setProperty("lifeline.poll-interval", "soon");
        try {
            assertNull(DriverEngine.start(new PrintStream(err, true, StandardCharsets.UTF_8)));
        } finally {
            if (before == null) {
                System.clearProperty("lifeline.poll-interval");
            } else {
                System.setProperty("lifeline.poll-interval", before);
            }
        }
        String out = err.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("[lifeline] ERROR: "), out);
        assertTrue(out.contains("poll-interval"), out);
        assertTrue(out.contains("WITHOUT Lifeline protection"), out);
    }

    @Test
    void disabledByConfiguration() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setProperty("lifeline.enabled", "false");
        try {
            assertNull(DriverEngine.start(new PrintStream(err, true, StandardCharsets.UTF_8)));
        } finally {
            System.clearProperty("lifeline.enabled");
        }
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("disabled by configuration"));
    }

    @Test
    void driverManagerConnectionsAreReplicatedByTheJvmsEngine() throws Exception {
        Path base = Files.createTempDirectory("lifeline-driver-engine-");
        Path replica = base.resolve("replica");
        System.setProperty("lifeline.state-dir", base.resolve("state").toString());
        System.setProperty("lifeline.replica", replica.toString());
        try (Connection c = DriverManager.getConnection("jdbc:lifeline:sqlite:" + base.resolve("app.db"));
             Statement s = c.createStatement()) {
            assertNotNull(DriverEngine.interceptor());
            s.executeUpdate("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            s.executeUpdate("INSERT INTO t VALUES (1)");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
                rs.next();
                assertEquals(1, rs.getInt(1));
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            Path generations = replica.resolve("app.db").resolve("generations");
            while (System.nanoTime() < deadline && !hasEntries(generations)) {
                Thread.sleep(50);
            }
            assertTrue(hasEntries(generations), "no generation under " + generations);
            assertEquals(0, DriverEngine.interceptor().errors(), DriverEngine.interceptor().lastError());
        } finally {
            System.clearProperty("lifeline.state-dir");
            System.clearProperty("lifeline.replica");
        }
    }

    private static boolean hasEntries(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }
}
