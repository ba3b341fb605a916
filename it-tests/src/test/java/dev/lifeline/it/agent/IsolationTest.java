package dev.lifeline.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.it.Lifeline;
import dev.lifeline.it.Proc;
import dev.lifeline.it.Sqlite;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A host with its own, different versions of the agent's dependencies on its class path (an older
 * sqlite-jdbc, Byte Buddy, Jackson, SLF4J 2 with its simple binding, LZ4, picocli) runs exactly as
 * without the agent, and its database, opened through its own older sqlite-jdbc, is replicated.
 */
class IsolationTest {

    static Stream<Path> javas() {
        return SampleApp.javas();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("javas")
    void hostKeepsItsOwnLibrariesAndIsProtected(Path java, @TempDir Path dir) throws Exception {
        Proc.Result plain = run(java, dir.resolve("plain.db"), null);
        Path state = dir.resolve("state");
        Proc.Result agent = run(java, dir.resolve("agent.db"), state);
        assertEquals(0, plain.exitCode(), plain.describe());
        assertEquals(0, agent.exitCode(), agent.describe());
        assertTrue(plain.stdout().contains("sqlite-jdbc 3.46.1.0") && plain.stdout().contains("jackson 2.17.2"),
                "the host did not get its own libraries:\n" + plain.stdout());
        assertEquals(plain.stdout(), agent.stdout(), "the host saw something else with the agent");
        assertTrue(agent.stderr().contains("[lifeline] Lifeline"), agent.stderr());
        assertFalse(agent.stderr().contains("[lifeline] ERROR"), agent.stderr());

        Path out = dir.resolve("restored.db");
        Proc.run(Duration.ofMinutes(2), Lifeline.cli("restore", "--replica", state.resolve("replica").toString(),
                "--db", "agent.db", "-o", out.toString())).requireOk();
        assertEquals(Sqlite.dump(dir.resolve("agent.db")), Sqlite.dump(out));
    }

    private static Proc.Result run(Path java, Path db, Path state) throws Exception {
        Path libs = Path.of("target/host-libs").toAbsolutePath();
        if (!Files.isDirectory(libs)) {
            libs = Path.of("it-tests/target/host-libs").toAbsolutePath();
        }
        List<String> cp = new ArrayList<>();
        cp.add(IsolationHost.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        try (Stream<Path> jars = Files.list(libs)) {
            jars.map(Path::toString).sorted().forEach(cp::add);
        }
        List<String> cmd = new ArrayList<>(List.of(java.toString()));
        if (state != null) {
            cmd.add("-Dlifeline.state-dir=" + state);
            cmd.add("-javaagent:" + SampleApp.agentJar());
        }
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, cp), IsolationHost.class.getName(),
                db.toString(), "200"));
        return Proc.run(Duration.ofMinutes(2), cmd);
    }
}
