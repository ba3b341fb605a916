package dev.lifeline.shim.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.config.ConfigLoader;
import dev.lifeline.runtime.config.LifelineConfig;
import dev.lifeline.runtime.engine.DatabaseStatus;
import dev.lifeline.runtime.engine.Engine;
import dev.lifeline.runtime.engine.ProtectedDatabase;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.Restorer;
import dev.lifeline.shim.SqliteInterceptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver with a real engine, real SQLite files and a directory replica. The replicator polls
 * only every ten minutes, so what reaches the replica in time was woken by a commit the driver saw.
 */
class LifelineDriverReplicationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Engine engine;
    private SqliteInterceptor interceptor;
    private LifelineDriver driver;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close(Duration.ofSeconds(10));
        }
    }

    private void start(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>();
        props.put("lifeline.state-dir", dir.resolve("state").toString());
        props.put("lifeline.replica", dir.resolve("replica").toString());
        props.put("lifeline.poll-interval", "10m");
        props.putAll(extra);
        LifelineConfig cfg = ConfigLoader.load(null, props, Map.of());
        engine = new Engine(cfg);
        interceptor = new SqliteInterceptor(engine);
        driver = new LifelineDriver(() -> interceptor);
    }

    private Connection open(String name) throws SQLException {
        return driver.connect(LifelineDriver.PREFIX + dir.resolve(name), new Properties());
    }

    private ProtectedDatabase awaitReplicating(String file) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (ProtectedDatabase pd : engine.databases()) {
                if (pd.path().getFileName().toString().equals(file) && "replicating".equals(pd.status().state())) {
                    return pd;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("not replicating within " + WAIT + ": " + engine.status());
    }

    private List<String> restored(ProtectedDatabase pd, Path replica) throws Exception {
        Path out = dir.resolve("restored-" + System.nanoTime() + ".db");
        new Restorer(new FileReplicaClient(replica), new ReplicaLayout(pd.name())).restore(RestoreOptions.latest(out));
        return rows("jdbc:sqlite:" + out);
    }

    private static List<String> rows(String url) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, v FROM t ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getLong(1) + "=" + rs.getString(2));
            }
        }
        return out;
    }

    private static void createTable(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        }
    }

    private static void insert(Connection c, long id, String v) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
            ps.setLong(1, id);
            ps.setString(2, v);
            ps.executeUpdate();
        }
    }

    @Test
    void aCommitThroughTheDriverReachesTheReplicaAtOnce() throws Exception {
        start(Map.of());
        try (Connection c = open("app.db")) {
            createTable(c);
            ProtectedDatabase pd = awaitReplicating("app.db");
            c.setAutoCommit(false);
            insert(c, 1, "one");
            insert(c, 2, "two");
            c.commit();
            c.setAutoCommit(true);
            insert(c, 3, "three"); // an auto-commit statement
            List<String> expected = rows("jdbc:sqlite:" + dir.resolve("app.db"));
            assertEquals(List.of("1=one", "2=two", "3=three"), expected);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            List<String> got = List.of();
            while (System.nanoTime() < deadline) {
                try {
                    got = restored(pd, dir.resolve("replica"));
                } catch (Exception notYet) {
                    got = List.of(notYet.toString());
                }
                if (got.equals(expected)) {
                    break;
                }
                Thread.sleep(50);
            }
            assertEquals(expected, got, "the replica should have every commit well before the 10-minute poll");
            assertTrue(pd.status().commitsSeen() >= 3, pd.status().toString());
            assertEquals(0, interceptor.errors(), interceptor.lastError());
        }
    }

    @Test
    void aDurableCommitReturnsOnlyOnceTheReplicaHasIt() throws Exception {
        start(Map.of("lifeline.durable", "**/durable.db", "lifeline.durable-timeout", "10s"));
        try (Connection c = open("durable.db")) {
            createTable(c);
            ProtectedDatabase pd = awaitReplicating("durable.db");
            assertTrue(pd.durable());
            for (int i = 1; i <= 3; i++) {
                c.setAutoCommit(false);
                insert(c, i, "v" + i);
                c.commit();
                c.setAutoCommit(true);
                // No wait: commit() returned, so the replica must already hold the row.
                List<String> got = restored(pd, dir.resolve("replica"));
                assertEquals(i, got.size(), got.toString());
            }
            insert(c, 10, "auto"); // an auto-commit statement waits too
            assertEquals(4, restored(pd, dir.resolve("replica")).size());
            // RETURNING steps lazily: the commit comes with the result set's last next() or close().
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("INSERT INTO t VALUES (20, 'ret') RETURNING id")) {
                assertTrue(rs.next());
                assertEquals(20, rs.getLong(1));
            }
            assertEquals(5, restored(pd, dir.resolve("replica")).size());
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, 'batch')")) {
                for (int id = 30; id < 33; id++) {
                    ps.setLong(1, id);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            assertEquals(8, restored(pd, dir.resolve("replica")).size());
            DatabaseStatus st = pd.status();
            assertTrue(st.durableWaits() >= 6, st.toString());
            assertEquals(0, st.durableTimeouts(), st.toString());
        }
    }

    /** A replica that cannot be written: its directory would be under a regular file. */
    private Map<String, String> brokenDurable(String onTimeout) throws Exception {
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "x");
        return Map.of("lifeline.replica", blocker.resolve("replica").toString(), "lifeline.durable", "**/*.db",
                "lifeline.durable-timeout", "200ms", "lifeline.durable-on-timeout", onTimeout);
    }

    @Test
    void anUnconfirmedDurableCommitThrowsWithFail() throws Exception {
        start(brokenDurable("fail"));
        try (Connection c = open("fail.db")) {
            // Itself a durable commit: it throws, but the table is committed locally.
            assertDurableFailure(assertThrows(SQLException.class, () -> createTable(c)));
        }
        try (Connection c = open("fail.db")) {
            c.setAutoCommit(false);
            insert(c, 1, "x");
            SQLException e = assertThrows(SQLException.class, c::commit);
            assertDurableFailure(e);
            c.setAutoCommit(true);
            // Committed locally all the same, as the message says.
            assertEquals(List.of("1=x"), rows("jdbc:sqlite:" + dir.resolve("fail.db")));
            SQLException auto = assertThrows(SQLException.class, () -> insert(c, 2, "y"));
            assertDurableFailure(auto);
            assertEquals(0, interceptor.errors(), interceptor.lastError());
        }
    }

    private static void assertDurableFailure(SQLException e) {
        assertEquals("08LL1", e.getSQLState(), e.toString());
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().startsWith("Lifeline: the transaction is committed in "), e.getMessage());
        assertTrue(e.getMessage().contains("but the replicas did not confirm it within 200 ms"), e.getMessage());
    }

    @Test
    void anUnconfirmedDurableCommitReturnsWithContinue() throws Exception {
        start(brokenDurable("continue"));
        try (Connection c = open("continue.db")) {
            createTable(c);
            c.setAutoCommit(false);
            insert(c, 1, "x");
            long t0 = System.nanoTime();
            c.commit();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 150, "the commit should have waited for the replicas (" + ms + " ms)");
            c.setAutoCommit(true);
            assertEquals(List.of("1=x"), rows("jdbc:sqlite:" + dir.resolve("continue.db")));
            DatabaseStatus st = engine.databases().get(0).status();
            assertTrue(st.durableTimeouts() >= 1, st.toString());
        }
    }
}
