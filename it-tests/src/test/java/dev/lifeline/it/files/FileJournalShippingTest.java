package dev.lifeline.it.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.it.Lifeline;
import dev.lifeline.it.Proc;
import dev.lifeline.it.Tools;
import dev.lifeline.runtime.files.FileTreeReplayer;
import dev.lifeline.runtime.files.ship.JournalLayout;
import dev.lifeline.runtime.files.ship.JournalSegment;
import dev.lifeline.runtime.files.ship.JournalSegmentMeta;
import dev.lifeline.runtime.files.ship.Lineage;
import dev.lifeline.runtime.files.ship.ShippedJournal;
import dev.lifeline.runtime.journal.JournalReader;
import dev.lifeline.runtime.journal.JournalRecord;
import dev.lifeline.runtime.journal.Mutation;
import dev.lifeline.runtime.replica.FileReplicaClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file journal shipped by the agent to a directory replica, read back through the CLI:
 * {@code restore --files} at every step of {@link FileMutationHost} equals the host's own copy
 * byte for byte, the {@code lz4} tool decodes a segment, a damaged segment stops the restore at the
 * last verified record with exit 3, and a host killed with {@code kill -9} and started again on
 * the same state directory leaves a chain with exactly the local journal's records (no gap, no
 * duplicate).
 */
class FileJournalShippingTest {

    private static final Pattern TURN = Pattern.compile("turn (\\d+)");

    private static List<JournalRecord> local(Path state) {
        List<JournalRecord> records = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(state.resolve("journal"))) {
            reader.forEach(Long.MAX_VALUE, records::add);
        }
        return records;
    }

    private static Proc.Result cli(String... args) {
        return Proc.run(Duration.ofMinutes(2), Lifeline.cli(args));
    }

    @Test
    void restoreFilesRebuildsEveryStepFromTheReplica(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("memory");
        Path snapshots = dir.resolve("snapshots");
        Path state = dir.resolve("state");
        Path replica = dir.resolve("replica");
        Path agent = Tools.agentJar().orElseThrow(() -> new IllegalStateException(Tools.agentJarHint()));
        List<String> cmd = new ArrayList<>(List.of(Tools.java().toString()));
        cmd.addAll(Lifeline.jvmArgs());
        cmd.addAll(List.of("-Dlifeline.state-dir=" + state, "-Dlifeline.replica=" + replica,
                "-Dlifeline.watch=" + root, "-Dhost.waitForAgent=true", "-javaagent:" + agent, "-cp",
                FileMutationHost.class.getProtectionDomain().getCodeSource().getLocation().getPath(),
                FileMutationHost.class.getName(), root.toString(), snapshots.toString(),
                dir.resolve("outside.txt").toString()));
        Proc.Result r = Proc.run(Duration.ofMinutes(3), cmd);
        assertEquals(0, r.exitCode(), r.describe());
        assertFalse(r.stderr().contains("[lifeline] WARNING"), r.stderr());
        assertFalse(r.stderr().contains("[lifeline] ERROR"), r.stderr());

        List<JournalRecord> records = local(state);
        String lineage = Lineage.loadOrCreate(state.resolve("journal"));
        // Everything journaled was shipped at shutdown, each record once.
        List<Long> shipped = new ArrayList<>();
        ShippedJournal.Result sr = new ShippedJournal(new FileReplicaClient(replica))
                .read(lineage, Long.MAX_VALUE, x -> shipped.add(x.index()));
        assertNull(sr.damage());
        assertEquals(records.stream().map(JournalRecord::index).toList(), shipped);

        // Every step, restored through the CLI, is the host's own copy.
        String markers = root.resolve("markers.log").toString();
        Map<Integer, Long> cuts = new LinkedHashMap<>();
        for (JournalRecord rec : records) {
            if (rec.mutation() instanceof Mutation.Write w && w.path().equals(markers)) {
                String line = new String(w.data(), StandardCharsets.UTF_8).trim();
                cuts.put(Integer.parseInt(line.substring("step ".length())), rec.index());
            }
        }
        assertEquals(9, cuts.size(), cuts.toString());
        for (Map.Entry<Integer, Long> cut : cuts.entrySet()) {
            Path out = dir.resolve("restored-step-" + cut.getKey());
            Proc.Result res = cli("restore", "--files", "--replica", replica.toString(), "--to", out.toString(),
                    "--root", root.toString(), "--journal-index", Long.toString(cut.getValue()));
            assertEquals(0, res.exitCode(), res.describe());
            FileJournalAgentTest.assertSameTree(snapshots.resolve("step-" + cut.getKey()), out);
        }
        // All roots: each under DIR at its absolute path without the leading '/'.
        Path all = dir.resolve("restored-all");
        Proc.Result res = cli("restore", "--files", "--replica", replica.toString(), "--to", all.toString());
        assertEquals(0, res.exitCode(), res.describe());
        FileJournalAgentTest.assertSameTree(root, all.resolve(root.toString().substring(1)));
        // A non-empty target is refused without --force.
        Proc.Result again = cli("restore", "--files", "--replica", replica.toString(), "--to", all.toString());
        assertEquals(1, again.exitCode(), again.describe());
        assertTrue(again.stderr().contains("is not empty"), again.stderr());

        // The journal command: one JSON object per record.
        Proc.Result j = cli("journal", "--replica", replica.toString(), "--json");
        assertEquals(0, j.exitCode(), j.describe());
        assertEquals(records.size(), j.stdout().lines().count());
        Proc.Result g = cli("journal", "--replica", replica.toString(), "--grep", "markers.log");
        assertEquals(0, g.exitCode(), g.describe());
        assertEquals(cuts.size(), g.stdout().lines()
                .filter(l -> l.contains("  write  ") && l.contains("markers.log")).count(), g.stdout());

        // The lz4 tool decodes a segment to the content JournalSegment reads.
        FileReplicaClient client = new FileReplicaClient(replica);
        List<JournalSegmentMeta> metas = new ShippedJournal(client).metas(lineage);
        JournalSegmentMeta m0 = metas.get(0);
        Path seg = replica.resolve(JournalLayout.segmentKey(lineage, m0.firstIndex(), m0.lastIndex()));
        Path raw = dir.resolve("segment.raw");
        Proc.run(Duration.ofMinutes(1), Tools.lz4().toString(), "-d", "-f", seg.toString(), raw.toString())
                .requireOk();
        assertEquals(m0.size(), Files.size(raw));
        List<JournalSegment.Entry> entries = JournalSegment.decode(Files.readAllBytes(seg));
        assertEquals(m0.records(), entries.size());
        assertEquals(records.get(0).index(), entries.get(0).index());

        if (metas.size() >= 2) {
            // Damage the second segment: the restore stops at the first segment's last record.
            JournalSegmentMeta m1 = metas.get(1);
            Path seg1 = replica.resolve(JournalLayout.segmentKey(lineage, m1.firstIndex(), m1.lastIndex()));
            byte[] d = Files.readAllBytes(seg1);
            d[d.length / 2] ^= 0x10;
            seg1.toFile().setWritable(true);
            Files.write(seg1, d);
            Path out = dir.resolve("restored-damaged");
            Proc.Result dr = cli("restore", "--files", "--replica", replica.toString(), "--to", out.toString(),
                    "--root", root.toString());
            assertEquals(3, dr.exitCode(), dr.describe());
            assertTrue(dr.stderr().contains("damaged") && dr.stderr().contains("hashes to"), dr.stderr());
            assertTrue(dr.stdout().contains("last index  " + m0.lastIndex()), dr.stdout());
            Path expected = dir.resolve("replayed-to-first-segment");
            try (JournalReader reader = JournalReader.open(state.resolve("journal"))) {
                new FileTreeReplayer(root, expected).replay(reader, m0.lastIndex());
            }
            FileJournalAgentTest.assertSameTree(expected, out);
        }
    }

    @Test
    void killedAndRestartedHostShipsEveryRecordOnce(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("memory");
        Path state = dir.resolve("state");
        Path replica = dir.resolve("replica");
        Path agent = Tools.agentJar().orElseThrow(() -> new IllegalStateException(Tools.agentJarHint()));
        List<String> cmd = new ArrayList<>(List.of(Tools.java().toString()));
        cmd.addAll(Lifeline.jvmArgs());
        cmd.addAll(List.of("-Dlifeline.state-dir=" + state, "-Dlifeline.replica=" + replica,
                "-Dlifeline.watch=" + root, "-javaagent:" + agent, "-cp",
                FileCrashHost.class.getProtectionDomain().getCodeSource().getLocation().getPath(),
                FileCrashHost.class.getName(), root.toString()));
        runUntil(cmd, 400, true);
        String lineage = Lineage.loadOrCreate(state.resolve("journal"));
        List<Long> afterKill = new ArrayList<>();
        assertNull(new ShippedJournal(new FileReplicaClient(replica)).read(lineage, Long.MAX_VALUE,
                x -> afterKill.add(x.index())).damage());
        assertFalse(afterKill.isEmpty(), "records were shipped before the kill");
        // Started again on the same state directory, then stopped normally: everything ships, once.
        runUntil(cmd, 300, false);
        assertEquals(lineage, Lineage.loadOrCreate(state.resolve("journal")), "the same lineage");
        List<JournalRecord> records = local(state);
        List<Long> shipped = new ArrayList<>();
        ShippedJournal.Result sr = new ShippedJournal(new FileReplicaClient(replica))
                .read(lineage, Long.MAX_VALUE, x -> shipped.add(x.index()));
        assertNull(sr.damage(), sr.damage());
        assertEquals(records.stream().map(JournalRecord::index).toList(), shipped, "no gap, no duplicate");
        assertTrue(shipped.size() > afterKill.size());

        Path out = dir.resolve("restored");
        Proc.Result res = cli("restore", "--files", "--replica", replica.toString(), "--to", out.toString(),
                "--root", root.toString());
        assertEquals(0, res.exitCode(), res.describe());
        Path expected = dir.resolve("replayed");
        try (JournalReader reader = JournalReader.open(state.resolve("journal"))) {
            new FileTreeReplayer(root, expected).replay(reader, Long.MAX_VALUE);
        }
        FileJournalAgentTest.assertSameTree(expected, out);
        assertArrayEquals(Files.readAllBytes(expected.resolve("state.json")), Files.readAllBytes(out.resolve("state.json")));
    }

    /** Runs the crash host until it reports {@code turns} more turns, then kills it (-9) or stops it (SIGTERM). */
    private static void runUntil(List<String> cmd, int turns, boolean kill) throws Exception {
        try (Proc p = Proc.start(cmd)) {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (count(p.stdout()) < turns) {
                assertTrue(p.alive(), "the host died:\n" + p.stderr());
                assertTrue(System.nanoTime() < deadline, "the host did not reach " + turns + " turns:\n" + p.stderr());
                Thread.sleep(20);
            }
            Proc.Result r = kill ? p.kill() : p.terminate(Duration.ofSeconds(30));
            assertFalse(r.stderr().contains("[lifeline] ERROR"), r.stderr());
            assertFalse(r.stderr().contains("[lifeline] WARNING"), r.stderr());
        }
    }

    private static int count(String out) {
        int n = 0;
        Matcher m = TURN.matcher(out);
        while (m.find()) {
            n++;
        }
        return n;
    }
}
