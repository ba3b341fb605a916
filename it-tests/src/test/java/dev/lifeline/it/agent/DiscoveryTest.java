package dev.lifeline.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.it.Lifeline;
import dev.lifeline.it.Proc;
import dev.lifeline.it.Sqlite;
import dev.lifeline.it.Tools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero-config discovery: every file-backed database a host opens through sqlite-jdbc, by any path,
 * is found and replicated (a rollback-journal one is switched to WAL), except what an exclude glob
 * names; an in-memory database is ignored. Once the engine replicates a database, the host's
 * connections to it stop checkpointing on their own.
 */
class DiscoveryTest {

    @Test
    void everyOpeningPathIsDiscovered(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path data = dir.resolve("data");
        java.nio.file.Files.createDirectories(data);
        List<String> cmd = new ArrayList<>(List.of(Tools.java().toString(), "-Dlifeline.state-dir=" + state,
                "-javaagent:" + SampleApp.agentJar() + "=exclude=**/skipped-*.db",
                "-cp", Proc.testClasspath(), DiscoveryHost.class.getName(), data.toString()));
        Proc.Result r = Proc.run(Duration.ofMinutes(2), cmd);
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().contains("wal_autocheckpoint 0"), "the host kept its automatic checkpoints:\n"
                + r.describe());

        Map<Path, String> names = SampleApp.databases(state.resolve("replica"));
        TreeSet<String> files = new TreeSet<>();
        names.keySet().forEach(p -> files.add(p.getFileName().toString()));
        assertEquals(new TreeSet<>(List.of("config.db", "data-source.db", "driver-manager.db", "rollback.db",
                "uri.db")), files, r.stderr());
        for (Map.Entry<Path, String> e : names.entrySet()) {
            Path out = dir.resolve("restored-" + e.getValue());
            Proc.Result restore = Proc.run(Duration.ofMinutes(2), Lifeline.cli("restore", "--replica",
                    state.resolve("replica").toString(), "--db", e.getValue(), "-o", out.toString()));
            assertEquals(0, restore.exitCode(), restore.describe() + "\n--- the host's stderr ---\n" + r.stderr());
            assertEquals(Sqlite.dump(e.getKey()), Sqlite.dump(out), e.getKey().toString());
        }
    }
}
