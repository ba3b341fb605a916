package dev.lifeline.it.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.it.Lifeline;
import dev.lifeline.it.Proc;
import dev.lifeline.it.Tools;
import dev.lifeline.runtime.files.FileTreeReplayer;
import dev.lifeline.runtime.files.ReplayResult;
import dev.lifeline.runtime.journal.JournalReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The journal survives {@code kill -9} of its host: a child JVM ({@link FileCrashHost}) renames
 * fresh JSON state over its old file and appends to a log, turn after turn, until it is killed;
 * the journal replayed from its state directory gives a {@code state.json} that is exactly one
 * turn's content (never torn) and no older than the last turn the host reported done, and a log
 * of whole, consecutive lines. JDK 17 and Temurin 25.
 */
class FileJournalCrashTest {

    private static final Pattern TURN = Pattern.compile("turn (\\d+)");

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lifeline.it.files.FileJournalAgentTest#javas")
    void aKilledHostsJournalReplaysToAWholeRecentState(Path java, @TempDir Path dir) throws Exception {
        Path root = dir.resolve("memory");
        Path state = dir.resolve("state");
        Path agent = Tools.agentJar().orElseThrow(() -> new IllegalStateException(Tools.agentJarHint()));
        List<String> cmd = new ArrayList<>(List.of(java.toString()));
        cmd.addAll(Lifeline.jvmArgs());
        cmd.addAll(List.of("-Dlifeline.state-dir=" + state, "-Dlifeline.replica=" + dir.resolve("replica"),
                "-Dlifeline.watch=" + root, "-javaagent:" + agent, "-cp",
                FileCrashHost.class.getProtectionDomain().getCodeSource().getLocation().getPath(),
                FileCrashHost.class.getName(), root.toString()));
        int reported;
        try (Proc p = Proc.start(cmd)) {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (lastTurn(p.stdout()) < 300) {
                assertTrue(p.alive(), "the host died:\n" + p.stderr());
                assertTrue(System.nanoTime() < deadline, "the host did not reach turn 300:\n" + p.stderr());
                Thread.sleep(20);
            }
            Proc.Result r = p.kill();
            reported = lastTurn(r.stdout());
            assertFalse(r.stderr().contains("[lifeline] ERROR"), r.stderr());
        }

        Path out = dir.resolve("replayed");
        ReplayResult res;
        try (JournalReader reader = JournalReader.open(state.resolve("journal"))) {
            res = new FileTreeReplayer(root, out).replay(reader, Long.MAX_VALUE);
        }
        assertTrue(res.exact(), res.toString());
        String json = Files.readString(out.resolve("state.json"));
        Matcher m = Pattern.compile("\\{\"turn\":(\\d+),").matcher(json);
        assertTrue(m.lookingAt(), "not a state: " + json);
        int turn = Integer.parseInt(m.group(1));
        assertEquals(FileCrashHost.state(turn), json, "state.json is one turn's whole content");
        assertTrue(turn >= reported, "turn " + reported + " was reported done, the journal has only " + turn);
        List<String> lines = Files.readAllLines(out.resolve("turns.log"));
        assertTrue(lines.size() >= reported && lines.size() >= turn - 1, lines.size() + " log lines");
        for (int i = 0; i < lines.size(); i++) {
            assertEquals("turn " + (i + 1), lines.get(i));
        }
        assertTrue(Files.readString(out.resolve("turns.log")).endsWith("\n"), "no torn line");
    }

    private static int lastTurn(String stdout) {
        int last = 0;
        Matcher m = TURN.matcher(stdout);
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }
}
