package dev.lifeline.runtime.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.format.SegmentMeta;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.s3.S3ProxyServer;
import dev.lifeline.runtime.replica.s3.S3ReplicaClient;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import dev.lifeline.runtime.replicate.ReplicatorStatus;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.RestoreResult;
import dev.lifeline.runtime.restore.Restorer;
import dev.lifeline.runtime.ship.ReplicaStatus;
import dev.lifeline.runtime.verify.Verifier;
import dev.lifeline.runtime.verify.VerifyReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * One fault scenario's moving parts: S3Proxy, the faulty TCP proxy in front of it, a WAL database
 * with a steady writer, and a started replicator shipping to [a directory replica,] the S3 replica
 * through the proxy. {@link #finishAndVerify()} ends the scenario and proves nothing was lost,
 * duplicated or reordered in any replica.
 */
final class FaultRun implements AutoCloseable {

    static final String PREFIX = "agents/app.db";

    final Path dir;
    final Path db;
    final S3ProxyServer s3Server;
    final FaultyTcpProxy proxy;
    final RecordingReplica s3;
    final RecordingReplica local;
    final Replicator replicator;
    final SteadyWriter writer;
    final Monitor monitor;
    /** Index of the S3 replica in {@link ReplicatorStatus#replicas()}. */
    final int s3Index;
    private final long startNanos = System.nanoTime();
    private final StringBuilder log = new StringBuilder();
    private boolean finished;

    private FaultRun(Path dir, S3ProxyServer s3Server, FaultyTcpProxy proxy, RecordingReplica s3, RecordingReplica local,
                     Replicator replicator, SteadyWriter writer) {
        this.dir = dir;
        this.db = dir.resolve("app.db");
        this.s3Server = s3Server;
        this.proxy = proxy;
        this.s3 = s3;
        this.local = local;
        this.replicator = replicator;
        this.writer = writer;
        this.s3Index = local == null ? 0 : 1;
        this.monitor = new Monitor();
    }

    /**
     * Starts everything, the writer first so the replicator meets a database in use.
     *
     * @param withDirectory whether a directory replica comes first in the replica list
     */
    static FaultRun start(Path dir, boolean withDirectory, int txPerSecond, UnaryOperator<ReplicatorConfig> tune)
            throws Exception {
        Path db = dir.resolve("app.db");
        SteadyWriter.createSchema(db);
        S3ProxyServer server = S3ProxyServer.start(dir.resolve("s3-blobs"), "lifeline-faults");
        FaultyTcpProxy proxy = FaultyTcpProxy.start(server.port());
        RecordingReplica s3 = new RecordingReplica(server.clientVia(proxy.port(), PREFIX));
        RecordingReplica local = withDirectory ? new RecordingReplica(new FileReplicaClient(dir.resolve("replica-dir")))
                : null;
        List<ReplicaClient> replicas = local == null ? List.of(s3) : List.of(local, s3);
        ReplicatorConfig cfg = ReplicatorConfig.defaults(db, replicas)
                .withSpool(dir.resolve("spool"), 512L << 20)
                .withCheckpointFrames(200, 1500)
                .withPollInterval(Duration.ofMillis(50));
        cfg = tune.apply(cfg);
        SteadyWriter writer = new SteadyWriter(db, txPerSecond).start();
        Replicator r = new Replicator(cfg);
        FaultRun run = new FaultRun(dir, server, proxy, s3, local, r, writer);
        r.start();
        run.monitor.start();
        run.note("started: %d tx/s, replicas %s", txPerSecond, replicas.stream().map(ReplicaClient::describe).toList());
        return run;
    }

    ReplicatorStatus status() {
        return replicator.status();
    }

    ReplicaStatus s3Status() {
        return status().replicas().get(s3Index);
    }

    ReplicaStatus localStatus() {
        return local == null ? null : status().replicas().get(0);
    }

    /** Logs a line with the time since the start, for the test report. */
    void note(String format, Object... args) {
        String line = String.format("[%6.1f s] ", (System.nanoTime() - startNanos) / 1e9) + String.format(format, args);
        log.append(line).append('\n');
        System.out.println(line);
    }

    String log() {
        return log.toString();
    }

    /** Waits (bounded) for a condition; fails with the replicator's status and the proxy's counters. */
    void waitUntil(Duration max, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + max + ": " + what + "\nstatus: " + status()
                        + "\n" + proxy.stats() + "\nwriter: " + writer.committed() + " commits, " + writer.failures()
                        + " failures\n" + log);
            }
            Thread.sleep(20);
        }
    }

    /** True when every replica has everything the replicator has read and the spool is empty. */
    boolean caughtUp() {
        ReplicatorStatus s = status();
        return s.spoolBytes() == 0 && !s.replicas().isEmpty()
                && s.replicas().stream().allMatch(r -> r.lagTxids() == 0 && r.failingSince() == null);
    }

    /**
     * Clears the faults, stops the writer, waits for the replicas to catch up, stops the
     * replicator, then restores from the S3 replica (straight to the server, no proxy) and from
     * the directory replica, and proves both equal the source row for row with every committed seq
     * exactly once, both verify, their chains are gap-free and identical, and every object was
     * stored in chain order.
     */
    String finishAndVerify() throws Exception {
        finished = true;
        proxy.pass();
        writer.stop();
        List<Long> committed = writer.committedSeqs();
        note("writer stopped: %d commits (%d failed), longest commit %d ms", committed.size(), writer.failures(),
                writer.maxCommit().toMillis());
        assertEquals(0, writer.failures(), "the application's commits never fail because of the replica: "
                + writer.lastFailure());
        long t0 = System.nanoTime();
        // txid n is the app's n-th commit (the schema was checkpointed before replication began).
        waitUntil(Duration.ofSeconds(150), "replicas caught up after the faults",
                () -> caughtUp() && status().txid() == committed.size());
        note("caught up %.1f s after the writer stopped: %s", (System.nanoTime() - t0) / 1e9, brief(status()));
        assertTrue(replicator.stop(Duration.ofSeconds(30)), "the replicator stops cleanly");
        monitor.stop();
        ReplicatorStatus end = status();
        assertEquals("stopped", end.state(), end.toString());
        assertEquals(0, end.spoolBytes(), "nothing is left in the spool: " + end);
        for (ReplicaStatus rs : end.replicas()) {
            assertEquals(0, rs.lagTxids(), "replica is not behind after the stop: " + rs);
        }
        assertEquals(1, end.generationsStarted(), "the faults never forced a new generation (snapshot): " + end);
        // The schema was checkpointed before replication began, so txid n is the app's n-th commit.
        assertEquals(committed.size(), end.txid(), "the chain holds exactly one txid per committed transaction");
        note("stopped: %s", brief(end));
        note("%s", proxy.stats());
        note("monitor: %s", monitor.summary());

        List<String> source = rows(db);
        assertEquals(committed, seqs(db), "the source holds every committed seq exactly once");

        try (S3ReplicaClient direct = s3Server.clientVia(s3Server.port(), PREFIX)) {
            ChainSummary s3Chain = checkReplica("s3", direct, source, committed);
            if (local != null) {
                ChainSummary dirChain = checkReplica("directory", local.delegate(), source, committed);
                assertEquals(dirChain, s3Chain, "both replicas hold the same chain");
                assertSameObjects(local.delegate(), direct);
            }
        }
        int s3Segments = s3.assertStoredInChainOrder("s3");
        note("s3: %d segments stored in chain order; %d puts succeeded, %d failed (faults seen by the client)",
                s3Segments, s3.puts.get(), s3.failedPuts.get());
        if (local != null) {
            int dirSegments = local.assertStoredInChainOrder("directory");
            note("directory: %d segments stored in chain order; %d puts, %d failed", dirSegments, local.puts.get(),
                    local.failedPuts.get());
        }
        return log();
    }

    record ChainSummary(String generation, int segments, long lastTxid, String chain) {
    }

    private ChainSummary checkReplica(String name, ReplicaClient client, List<String> source, List<Long> committed)
            throws Exception {
        ReplicaLayout layout = new ReplicaLayout("");
        Path out = dir.resolve("restored-" + name + ".db");
        long t0 = System.nanoTime();
        RestoreResult rr = new Restorer(client, layout).restore(RestoreOptions.latest(out));
        double took = (System.nanoTime() - t0) / 1e9;
        assertFalse(rr.stoppedEarly(), name + ": restore stopped early: " + rr.problem());
        List<String> restored = rows(out);
        assertEquals(source.size(), restored.size(), name + ": restored row count");
        assertEquals(source, restored, name + ": restored database equals the source row for row");
        List<Long> seqs = seqs(out);
        assertEquals(committed, seqs, name + ": every committed seq is present exactly once, nothing else");

        VerifyReport report = new Verifier(client, layout).verify();
        assertTrue(report.ok(), name + ": verify: " + report);
        assertEquals(1, report.generations().size(), name + ": one generation: " + report);
        VerifyReport.Generation g = report.generations().get(0);
        assertEquals(g.segments(), g.segmentsVerified(), name + ": every segment verified: " + g);

        ChainSummary chain = assertContiguous(name, client, layout);
        assertEquals(rr.txid(), chain.lastTxid(), name + ": the restore reached the last commit of the chain");
        note("%s: restored %d rows (txid %d, %d segments, %.1f s), verify ok (%d segments), chain contiguous",
                name, restored.size(), rr.txid(), rr.segmentsApplied(), took, g.segmentsVerified());
        return chain;
    }

    /**
     * Independent of the Verifier: the segments, in key order, carry txids 1..N with no gap and no
     * repeat, each links to the previous one's chain value, offsets follow one another inside an
     * index and indexes follow one another; and there is no metadata object without its segment.
     */
    private ChainSummary assertContiguous(String name, ReplicaClient client, ReplicaLayout layout) throws IOException {
        ReplicaCatalog catalog = new ReplicaCatalog(client, layout);
        List<GenerationInfo> gens = catalog.generations();
        assertTrue(catalog.problems().isEmpty(), name + ": catalog problems " + catalog.problems());
        assertEquals(1, gens.size(), name + ": generations " + gens.stream().map(GenerationInfo::id).toList());
        GenerationInfo g = gens.get(0);
        assertNotNull(g.meta(), name + ": generation metadata");
        assertEquals(1, g.snapshots().size(), name + ": one snapshot");
        assertFalse(g.segments().isEmpty(), name + ": segments");
        SegmentMeta prev = null;
        for (SegmentEntry e : g.segments()) {
            SegmentMeta m = e.meta();
            assertNotNull(m, name + ": metadata of " + e.name());
            assertEquals(e.index(), m.index(), e.name());
            assertEquals(e.offset(), m.offset(), e.name());
            assertEquals(m.lastTxid() - m.firstTxid() + 1, m.commits().size(), name + ": commits of " + e.name());
            if (prev == null) {
                assertEquals(0, m.index(), name + ": the chain starts at index 0");
                assertEquals(0, m.offset(), name + ": the chain starts at offset 0");
                assertEquals(1, m.firstTxid(), name + ": the chain starts at txid 1");
                assertEquals(g.meta().genesisChain(), m.prevChain(), name + ": the first segment links to genesis");
            } else {
                assertEquals(prev.lastTxid() + 1, m.firstTxid(), name + ": txids continue without gap or repeat at "
                        + e.name());
                assertEquals(prev.chain(), m.prevChain(), name + ": chain link at " + e.name());
                if (m.index() == prev.index()) {
                    assertEquals(prev.endOffset(), m.offset(), name + ": offsets follow one another at " + e.name());
                } else {
                    assertEquals(prev.index() + 1, m.index(), name + ": no index skipped at " + e.name());
                    assertEquals(0, m.offset(), name + ": a new index starts at offset 0: " + e.name());
                }
            }
            prev = m;
        }
        long metas = client.list(layout.metaPrefix() + "generations/" + g.id() + "/wal/").size();
        assertEquals(g.segments().size(), metas, name + ": one metadata object per segment, no orphans");
        return new ChainSummary(g.id(), g.segments().size(), prev.lastTxid(), prev.chain());
    }

    /** The two replicas hold the same objects: same keys, sizes, and byte-identical metadata. */
    private void assertSameObjects(ReplicaClient a, ReplicaClient b) throws IOException {
        Map<String, Long> inA = new TreeMap<>();
        for (ObjectInfo o : a.list("")) {
            inA.put(o.key(), o.size());
        }
        Map<String, Long> inB = new TreeMap<>();
        for (ObjectInfo o : b.list("")) {
            if (!o.key().startsWith("lifeline/v1/lease")) {
                inB.put(o.key(), o.size());
            }
        }
        inA.keySet().removeIf(k -> k.startsWith("lifeline/v1/lease"));
        assertEquals(inA.keySet(), inB.keySet(), "the directory and S3 replicas hold the same keys");
        assertEquals(inA, inB, "the directory and S3 replicas hold objects of the same sizes");
        for (String k : inA.keySet()) {
            if (k.endsWith(".json")) {
                assertArrayEquals(a.getBytes(k), b.getBytes(k), "metadata " + k + " is identical in both replicas");
            }
        }
    }

    static List<String> rows(Path db) throws SQLException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, seq, payload FROM t ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getLong(1) + ":" + rs.getLong(2) + ":" + HexFormat.of().formatHex(sha.digest(rs.getBytes(3))));
            }
        }
        return out;
    }

    static List<Long> seqs(Path db) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT seq FROM t ORDER BY seq, id")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    static String brief(ReplicatorStatus s) {
        StringBuilder b = new StringBuilder();
        b.append("state=").append(s.state()).append(" txid=").append(s.txid()).append(" index=").append(s.index())
                .append(" segments=").append(s.segmentsShipped()).append(" checkpoints=").append(s.checkpoints())
                .append(" generations=").append(s.generationsStarted()).append(" spool=").append(s.spoolBytes());
        for (ReplicaStatus r : s.replicas()) {
            b.append(" [").append(r.id()).append(" stored=").append(r.storedTxid()).append(" lag=")
                    .append(r.lagTxids()).append(r.failingSince() == null ? "" : " failingSince=" + r.failingSince())
                    .append(']');
        }
        return b.toString();
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long walBytes() {
        try {
            return Files.size(Path.of(db + "-wal"));
        } catch (IOException e) {
            return 0;
        }
    }

    /** Samples the status every 50 ms: the worst it got, and every distinct replica error. */
    final class Monitor {
        volatile long maxSpool;
        volatile long maxWal;
        final long[] maxLag = new long[2];
        final boolean[] sawFailing = new boolean[2];
        final Instant[] firstFailingSince = new Instant[2];
        final Set<String> errors = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
        private volatile boolean stop;
        private Thread thread;

        void start() {
            thread = new Thread(this::run, "fault-monitor");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
            while (!stop && System.nanoTime() < deadline) {
                ReplicatorStatus s = replicator.status();
                maxSpool = Math.max(maxSpool, s.spoolBytes());
                maxWal = Math.max(maxWal, walBytes());
                for (int i = 0; i < Math.min(2, s.replicas().size()); i++) {
                    ReplicaStatus r = s.replicas().get(i);
                    maxLag[i] = Math.max(maxLag[i], r.lagTxids());
                    if (r.failingSince() != null) {
                        sawFailing[i] = true;
                        if (firstFailingSince[i] == null) {
                            firstFailingSince[i] = r.failingSince();
                        }
                    }
                    if (r.lastError() != null && errors.size() < 50) {
                        errors.add(r.id() + ": " + abbreviate(r.lastError()));
                    }
                }
                if (s.lastError() != null && errors.size() < 50) {
                    errors.add("replicator: " + abbreviate(s.lastError()));
                }
                sleepQuietly(50);
            }
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.join(5000);
        }

        boolean s3SawFailing() {
            return sawFailing[s3Index];
        }

        long s3MaxLag() {
            return maxLag[s3Index];
        }

        String summary() {
            return "maxSpool=" + maxSpool + " maxWal=" + maxWal + " maxLag=" + java.util.Arrays.toString(maxLag)
                    + " sawFailing=" + java.util.Arrays.toString(sawFailing) + " errors=" + errors;
        }
    }

    private static String abbreviate(String s) {
        // Request ids and object names differ per error: keep the kind of error, not each instance.
        String t = s.replaceAll("generations/[0-9a-f]{16}/\\S*", "generations/…")
                .replaceAll("request id [^)]*", "request id …")
                .replaceAll("attempt \\d+", "attempt …")
                .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:…");
        return t.length() > 220 ? t.substring(0, 220) + "…" : t;
    }

    @Override
    public void close() throws Exception {
        try {
            writer.close();
            if (!finished) {
                replicator.stop(Duration.ofSeconds(15));
            }
            monitor.stop = true;
        } finally {
            try {
                s3.close();
            } finally {
                try {
                    proxy.close();
                } finally {
                    s3Server.close();
                }
            }
        }
    }
}
