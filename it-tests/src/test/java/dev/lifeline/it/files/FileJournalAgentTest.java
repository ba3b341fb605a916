package dev.lifeline.it.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.it.Lifeline;
import dev.lifeline.it.Proc;
import dev.lifeline.it.Tools;
import dev.lifeline.runtime.files.FileTreeReplayer;
import dev.lifeline.runtime.files.ReplayResult;
import dev.lifeline.runtime.journal.JournalReader;
import dev.lifeline.runtime.journal.JournalRecord;
import dev.lifeline.runtime.journal.Mutation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The memory-file journal inside a real host, on JDK 17 and Temurin 25: a child JVM runs
 * {@link FileMutationHost} with {@code -javaagent} and {@code -Dlifeline.watch=<root>} and no other
 * flag; after it exits, the Chronicle journal in its state directory is replayed into fresh
 * directories, to the end (must equal the live tree byte for byte) and to the cut of every step
 * (must equal the copy the host made at that step).
 */
class FileJournalAgentTest {

    static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    /** What Chronicle (or the JVM on its behalf) says when an --add-opens/--add-exports is missing. */
    private static final Pattern MISSING_ACCESS = Pattern.compile(
            "(?i)add-opens|add-exports|illegal reflective|InaccessibleObject|IllegalAccess|net\\.openhft");

    /**
     * Drops the JVM's own once-per-process notice (Java 24+) that some code called a deprecated
     * sun.misc.Unsafe method: Chronicle Queue does, by design; that is not a missing access.
     */
    static String withoutUnsafeNotice(String err) {
        return err.lines().filter(l -> !(l.startsWith("WARNING: ") && (l.contains("sun.misc.Unsafe")
                        || l.contains("Please consider reporting this to the maintainers"))))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    static Stream<Path> javas() {
        List<Path> out = new ArrayList<>(List.of(Tools.java()));
        if (Files.isExecutable(TEMURIN_25)) {
            out.add(TEMURIN_25);
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("javas")
    void replayingTheJournalRebuildsTheTreeAtEveryStep(Path java, @TempDir Path dir) throws Exception {
        Path root = dir.resolve("memory");
        Path snapshots = dir.resolve("snapshots");
        Path state = dir.resolve("state");
        Path outside = dir.resolve("outside.txt");
        Path agent = Tools.agentJar().orElseThrow(() -> new IllegalStateException(Tools.agentJarHint()));
        List<String> cmd = new ArrayList<>(List.of(java.toString()));
        cmd.addAll(Lifeline.jvmArgs());
        cmd.addAll(List.of("-Dlifeline.state-dir=" + state, "-Dlifeline.replica=" + dir.resolve("replica"),
                "-Dlifeline.watch=" + root, "-Dhost.waitForAgent=true",
                "-javaagent:" + agent, "-cp", hostClasspath(), FileMutationHost.class.getName(), root.toString(),
                snapshots.toString(), outside.toString()));
        Proc.Result r = Proc.run(Duration.ofMinutes(3), cmd);
        assertEquals(0, r.exitCode(), r.describe());
        String err = r.stderr();
        assertTrue(err.contains("[lifeline] journaling changes to files under " + root), err);
        assertFalse(err.contains("[lifeline] ERROR"), err);
        assertFalse(err.contains("[lifeline] WARNING"), err);
        assertFalse(MISSING_ACCESS.matcher(withoutUnsafeNotice(err)).find(), "Chronicle complained:\n" + err);

        List<JournalRecord> records = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(state.resolve("journal"))) {
            reader.forEach(Long.MAX_VALUE, records::add);
        }
        assertFalse(records.isEmpty());
        String rootPrefix = root + "/";
        for (JournalRecord rec : records) {
            assertTrue(rec.mutation().path().startsWith(rootPrefix), "only watched paths: " + rec);
            assertFalse(rec.thread().isEmpty());
        }
        Set<String> kinds = records.stream().map(x -> x.mutation().getClass().getSimpleName())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(List.of("Create", "Delete", "Force", "Mkdir", "Rename", "SetLength", "Truncate",
                "Write")), kinds, "every kind of mutation the host made is journaled");
        assertTrue(records.stream().anyMatch(x -> x.thread().startsWith("host-writer-")), "thread names");

        // The whole journal gives the live tree.
        ReplayResult all = replay(state, root, dir.resolve("replayed-all"), Long.MAX_VALUE);
        assertTrue(all.exact(), all.toString());
        assertSameTree(root, dir.resolve("replayed-all"));

        // Each step's cut gives the tree as the host saw it at that step.
        Map<Integer, Long> cuts = cuts(records, root.resolve("markers.log").toString());
        assertEquals(9, cuts.size(), "one marker per step: " + cuts);
        for (Map.Entry<Integer, Long> cut : cuts.entrySet()) {
            Path out = dir.resolve("replayed-step-" + cut.getKey());
            ReplayResult res = replay(state, root, out, cut.getValue());
            assertTrue(res.exact(), res.toString());
            assertSameTree(snapshots.resolve("step-" + cut.getKey()), out);
        }
    }

    private static ReplayResult replay(Path state, Path root, Path out, long toIndex) {
        try (JournalReader reader = JournalReader.open(state.resolve("journal"))) {
            return new FileTreeReplayer(root, out).replay(reader, toIndex);
        }
    }

    /** Step number to the index of the write of its marker line. */
    private static Map<Integer, Long> cuts(List<JournalRecord> records, String markers) {
        Map<Integer, Long> out = new LinkedHashMap<>();
        for (JournalRecord rec : records) {
            if (rec.mutation() instanceof Mutation.Write w && w.path().equals(markers)) {
                String line = new String(w.data(), StandardCharsets.UTF_8).trim();
                out.put(Integer.parseInt(line.substring("step ".length())), rec.index());
            }
        }
        return out;
    }

    private static String hostClasspath() {
        return FileMutationHost.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    }

    static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (!p.equals(root)) {
                    out.put(root.relativize(p).toString(),
                            Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? null : Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    static void assertSameTree(Path expected, Path actual) throws IOException {
        Map<String, byte[]> e = tree(expected);
        Map<String, byte[]> a = tree(actual);
        assertEquals(e.keySet(), a.keySet(), "the same files and directories as " + expected);
        for (String k : e.keySet()) {
            assertArrayEquals(e.get(k), a.get(k), k + " differs from " + expected.resolve(k));
        }
    }
}
