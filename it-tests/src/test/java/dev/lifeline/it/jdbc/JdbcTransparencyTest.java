package dev.lifeline.it.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import dev.lifeline.it.Proc;
import dev.lifeline.it.ReplicaFiles;
import dev.lifeline.it.Tools;
import dev.lifeline.runtime.engine.Engine;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.Restorer;
import dev.lifeline.shim.driver.LifelineDriver;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transparency: one JDBC behaviour suite ({@link JdbcBehaviourProbe}, in a child JVM) gives the
 * same transcript with plain sqlite-jdbc, with the {@code -javaagent}, and through the wrapping
 * driver ({@code jdbc:lifeline:sqlite:}), where only the direct cast to {@code SQLiteConnection}
 * may differ. With Lifeline, the probe's databases must also be in the replica afterwards, equal
 * to the files the probe left, and the child must not have reported an error.
 *
 * <p>The agent mode runs whenever {@code agent/target/lifeline-agent.jar} exists and fails (not
 * skips) when that agent is broken.
 */
class JdbcTransparencyTest {

    private static final Duration CHILD_TIMEOUT = Duration.ofMinutes(4);
    private static final String CAST_LINE = "unwrap.castable: ";

    @TempDir
    static Path dir;

    private static List<String> plain;

    /** Mode (a): the reference transcript, plain sqlite-jdbc without Lifeline. */
    @BeforeAll
    static void plainTranscript() throws Exception {
        Child c = runProbe("plain", "jdbc:sqlite:", baseClasspath(), List.of());
        plain = c.transcript();
        assertTrue(plain.contains("done: true"), c.result().describe());
        assertTrue(plain.contains(CAST_LINE + "true"), c.result().describe());
        // A section cut short by a surprise covers less: keep the probe in step with sqlite-jdbc.
        assertTrue(plain.stream().noneMatch(l -> l.contains(".unexpected: ") || l.contains(".leftInManualMode: ")),
                c.result().describe());
        assertFalse(c.result().stderr().contains("[lifeline]"), c.result().describe());
    }

    @Test
    void theAgentChangesNothing() throws Exception {
        Optional<Path> agent = Tools.agentJar();
        Assumptions.assumeTrue(agent.isPresent(), Tools.agentJarHint());
        Path state = dir.resolve("agent-state");
        Child c = runProbe("agent", "jdbc:sqlite:", baseClasspath(),
                List.of("-javaagent:" + agent.get(), "-Dlifeline.state-dir=" + state));
        assertEquals(diffable(plain), diffable(c.transcript()), "transcript with the -javaagent differs:\n"
                + diff(plain, c.transcript()) + "\n" + c.result().describe());
        String err = c.result().stderr();
        assertFalse(err.contains("[lifeline] ERROR"), err);
        assertTrue(err.contains("[lifeline] Lifeline"), "the agent printed no banner:\n" + err);
        assertReplicated(c.work(), state.resolve("replica"));
    }

    @Test
    void theDriverChangesOnlyTheCast() throws Exception {
        Path state = dir.resolve("driver-state");
        List<String> cp = new ArrayList<>(baseClasspath());
        cp.addAll(shimClasspath());
        Child c = runProbe("driver", LifelineDriver.PREFIX, cp, List.of("-Dlifeline.state-dir=" + state));
        List<String> expected = new ArrayList<>(plain);
        expected.set(expected.indexOf(CAST_LINE + "true"), CAST_LINE + "false");
        assertEquals(diffable(expected), diffable(c.transcript()), "transcript through jdbc:lifeline:sqlite: differs "
                + "(beyond the cast):\n" + diff(expected, c.transcript()) + "\n" + c.result().describe());
        String err = c.result().stderr();
        assertFalse(err.contains("[lifeline] ERROR"), err);
        assertTrue(err.contains("[lifeline] Lifeline driver"), "the driver printed no banner:\n" + err);
        assertReplicated(c.work(), state.resolve("replica"));
    }

    // ---- the child JVM ----

    private record Child(Path work, Proc.Result result, List<String> transcript) {
    }

    private static Child runProbe(String mode, String prefix, List<String> classpath, List<String> jvmArgs) {
        Path work = dir.resolve(mode + "-work");
        List<String> cmd = new ArrayList<>();
        cmd.add(Tools.java().toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classpath));
        cmd.add(JdbcBehaviourProbe.class.getName());
        cmd.add(prefix);
        cmd.add(work.toString());
        Proc.Result r = Proc.run(CHILD_TIMEOUT, cmd);
        assertEquals(0, r.exitCode(), "the probe failed in mode " + mode + ":\n" + r.describe());
        return new Child(work, r, r.stdout().lines().toList());
    }

    /** What a plain JDBC application has: the probe, sqlite-jdbc, HikariCP and its SLF4J API. */
    private static List<String> baseClasspath() throws URISyntaxException {
        Set<String> cp = new LinkedHashSet<>();
        cp.add(location(JdbcBehaviourProbe.class));
        cp.add(location(org.sqlite.JDBC.class));
        cp.add(location(HikariConfig.class));
        cp.add(location(org.slf4j.Logger.class));
        return new ArrayList<>(cp);
    }

    /**
     * The shim (the driver) and what it needs: the runtime and the runtime's libraries, taken from
     * this test's class path. No logging back end: the child logs as a plain application would.
     */
    private static List<String> shimClasspath() throws URISyntaxException {
        Set<String> cp = new LinkedHashSet<>();
        cp.add(location(LifelineDriver.class));
        cp.add(location(Engine.class));
        for (String e : Proc.testClasspath().split(File.pathSeparator)) {
            String p = e.replace(File.separatorChar, '/');
            if (p.contains("/at/yawk/lz4/") || p.contains("/com/fasterxml/jackson/") || p.contains("/org/yaml/snakeyaml/")
                    || p.contains("/software/amazon/") || p.contains("/org/reactivestreams/")) {
                cp.add(e);
            }
        }
        return new ArrayList<>(cp);
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    // ---- replication ----

    /** Every probe database has a generation in the replica, and the replica restores to the file. */
    private void assertReplicated(Path work, Path replica) throws Exception {
        for (String db : JdbcBehaviourProbe.DATABASES) {
            Path sub = replica.resolve(db);
            assertFalse(ReplicaFiles.generations(sub).isEmpty(), "no generation for " + db + " under " + sub
                    + " (replica holds " + list(replica) + ")");
            Path out = dir.resolve("restored-" + System.nanoTime() + "-" + db);
            new Restorer(new FileReplicaClient(replica), new ReplicaLayout(db)).restore(RestoreOptions.latest(out));
            assertEquals(dump(work.resolve(db)), dump(out), db + ": the replica differs from the probe's file");
        }
    }

    private static List<String> list(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of("(nothing: " + dir + " does not exist)");
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Every table's rows, in rowid order. */
    private static List<String> dump(Path db) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + t + "\" ORDER BY rowid")) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        StringBuilder b = new StringBuilder(t);
                        for (int i = 1; i <= n; i++) {
                            Object v = rs.getObject(i);
                            b.append('|').append(v instanceof byte[] bytes ? "blob:" + java.util.Arrays.hashCode(bytes)
                                    : String.valueOf(v));
                        }
                        out.add(b.toString());
                    }
                }
            }
        }
        return out;
    }

    // ---- transcripts ----

    private static String diffable(List<String> lines) {
        return String.join("\n", lines);
    }

    /** The lines that differ, side by side (the transcripts are short and line-aligned). */
    private static String diff(List<String> expected, List<String> actual) {
        StringBuilder b = new StringBuilder();
        int n = Math.max(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            String e = i < expected.size() ? expected.get(i) : "(none)";
            String a = i < actual.size() ? actual.get(i) : "(none)";
            if (!e.equals(a)) {
                b.append("line ").append(i + 1).append(":\n  expected ").append(e).append("\n  actual   ").append(a)
                        .append('\n');
            }
        }
        return b.toString();
    }
}
