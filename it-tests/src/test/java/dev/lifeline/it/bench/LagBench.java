package dev.lifeline.it.bench;

import dev.lifeline.it.Proc;
import dev.lifeline.it.ReplicaFiles;
import dev.lifeline.it.RequestCounter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Replication lag (commit to segment durable in the replica) and replicator CPU, measured from
 * outside the same way for every engine. One writer commits 1 row (~200 B) per transaction at a
 * fixed rate and records, after each commit, the time and the WAL file size, which with one
 * writer and no checkpoint is that transaction's end offset in the WAL. A {@link SegmentWatcher}
 * records when each segment appears; commit c is durable when a segment of the same WAL index
 * ending at or past c's end offset has appeared. Checkpoints are disabled for the run so the WAL
 * index stays fixed; the end offsets are checked against the WAL file afterwards (each must end
 * a commit frame of the current WAL), and any index or generation change is reported.
 */
final class LagBench {

    private final Path work;
    private final long seed;
    private RequestCounter counter;

    LagBench(Path work, long seed) {
        this.work = work;
        this.seed = seed;
    }

    /** Also record, per lag run, what an in-process S3 server served during the measured window. */
    LagBench countingOn(RequestCounter c) {
        this.counter = c;
        return this;
    }

    /** The writer's side of a run: commit times and WAL end offsets. */
    private static final class Writer implements Runnable {
        final Connection conn;
        final Path wal;
        final double rate;
        final SplittableRandom rnd;
        final long[] committedNanos;
        final long[] walEnd;
        volatile int count;
        volatile boolean stopping;
        volatile Throwable failure;
        volatile long behindMaxNanos;

        Writer(Connection conn, Path wal, double rate, int capacity, long seed) {
            this.conn = conn;
            this.wal = wal;
            this.rate = rate;
            this.rnd = new SplittableRandom(seed);
            this.committedNanos = new long[capacity];
            this.walEnd = new long[capacity];
        }

        @Override
        public void run() {
            long period = (long) (1e9 / rate);
            byte[] payload = new byte[200];
            try (PreparedStatement ins = conn.prepareStatement("INSERT INTO events(payload) VALUES (?)")) {
                long next = System.nanoTime();
                while (!stopping && count < committedNanos.length) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    } else if (-wait > behindMaxNanos) {
                        behindMaxNanos = -wait;
                    }
                    next += period;
                    for (int i = 0; i < 70; i++) {
                        payload[i] = (byte) rnd.nextInt(256);
                    }
                    for (int i = 70; i < payload.length; i++) {
                        payload[i] = (byte) ('a' + (i + count) % 19);
                    }
                    ins.setBytes(1, payload);
                    ins.executeUpdate(); // autocommit: one transaction per row
                    long t = System.nanoTime();
                    long size = Files.size(wal);
                    committedNanos[count] = t;
                    walEnd[count] = size;
                    count++;
                }
            } catch (Throwable e) {
                failure = e;
            }
        }
    }

    /** Creates the database with an open writer connection (so the WAL exists and persists) and no checkpoints. */
    static Connection setupDb(Path db) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("PRAGMA wal_autocheckpoint=0");
            s.execute("CREATE TABLE events(id INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
            s.execute("INSERT INTO events(payload) VALUES (x'00')");
        }
        return c;
    }

    static void awaitReplica(Path replica, Proc p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ReplicaFiles.snapshots(replica).isEmpty() || ReplicaFiles.segments(replica).isEmpty()) {
            if (!p.alive()) {
                throw new IllegalStateException("replicator exited early:\n" + p.stdout() + "\n" + p.stderr());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replicator made no snapshot and segment within " + timeout + ":\n"
                        + p.stderr());
            }
            Thread.sleep(20);
        }
    }

    /** One lag run: warm-up, then a measured window at {@code rate} tx/s. */
    Map<String, Object> lagRun(Engine engine, int rate, Duration warmup, Duration measure) throws Exception {
        Path dir = work.resolve("lag-" + engine.name() + "-" + rate);
        deleteTree(dir);
        Files.createDirectories(dir);
        Path db = dir.resolve("bench.db");
        Path replica = engine.replicaDir(dir);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("engine", engine.toJson());
        out.put("rateTarget", rate);
        out.put("loadAverageBefore", loadAverage());
        out.put("warmupSeconds", warmup.toMillis() / 1000.0);
        out.put("measureSeconds", measure.toMillis() / 1000.0);
        List<String> anomalies = new ArrayList<>();
        try (Connection conn = setupDb(db); Proc p = engine.start(db, replica, dir, true)) {
            awaitReplica(replica, p, Duration.ofSeconds(60));
            int capacity = (int) (rate * (warmup.toMillis() + measure.toMillis() + 2000) / 1000);
            Writer w = new Writer(conn, Path.of(db + "-wal"), rate, capacity, seed);
            Thread wt = new Thread(w, "paced-writer");
            wt.setPriority(Thread.MAX_PRIORITY);
            wt.start();
            Thread.sleep(Math.max(0, warmup.toMillis() - 500));
            SegmentWatcher started;
            try {
                started = new SegmentWatcher(replica);
            } catch (IOException e) {
                w.stopping = true;
                throw new IllegalStateException(e.getMessage() + "\nreplicator output:\n" + p.stdout() + p.stderr(), e);
            }
            try (SegmentWatcher watcher = started) {
                Thread.sleep(Math.min(500, warmup.toMillis()));
                Map<String, Long> served0 = counter == null ? null : counter.snapshot();
                long measureStart = System.nanoTime();
                int firstIdx = w.count;
                Duration cpu0 = Proc.cpuTime(p.pid());
                Thread.sleep(measure.toMillis());
                long measureEnd = System.nanoTime();
                Duration cpu1 = Proc.cpuTime(p.pid());
                int lastIdx = w.count; // exclusive
                if (counter != null && engine.s3() != null && firstIdx > 0 && lastIdx > firstIdx) {
                    Map<String, Long> served = RequestCounter.delta(served0, counter.snapshot());
                    long walBytes = w.walEnd[lastIdx - 1] - w.walEnd[firstIdx - 1];
                    long uploaded = served.entrySet().stream().filter(e -> e.getKey().startsWith("bytes."))
                            .mapToLong(Map.Entry::getValue).sum();
                    out.put("s3ServedInWindow", served);
                    out.put("walBytesInWindow", walBytes);
                    out.put("uploadedBytesPerWalByte", Stats.round4((double) uploaded / walBytes));
                    out.put("segmentBytesPerWalByte",
                            Stats.round4((double) served.getOrDefault("bytes.walSegments", 0L) / walBytes));
                    out.put("putsPerSecond", Stats.round(served.getOrDefault("PUT", 0L) / ((measureEnd - measureStart) / 1e9)));
                }
                w.stopping = true;
                wt.join(10_000);
                if (w.failure != null) {
                    throw new IllegalStateException("writer failed", w.failure);
                }
                // Wait (bounded) until the measured commits are durable.
                long needEnd = lastIdx > firstIdx ? w.walEnd[lastIdx - 1] : 0;
                long drainDeadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (watcher.coveredEnd() < needEnd && System.nanoTime() < drainDeadline) {
                    Thread.sleep(5);
                }
                watcher.close();
                anomalies.addAll(watcher.anomalies());
                int walIndex = watcher.index();
                List<SegmentWatcher.Seen> seen = watcher.seen();
                long[] lags = new long[lastIdx - firstIdx];
                int si = 0;
                for (int i = firstIdx; i < lastIdx; i++) {
                    while (si < seen.size() && seen.get(si).end() < w.walEnd[i]) {
                        si++;
                    }
                    lags[i - firstIdx] = si < seen.size() ? seen.get(si).appearedNanos() - w.committedNanos[i]
                            : Long.MAX_VALUE;
                }
                if (Boolean.getBoolean("bench.lag.csv")) {
                    // Per-commit series for analysis: ms since the window start, lag ms, WAL end offset.
                    StringBuilder csv = new StringBuilder("t_ms,lag_ms,wal_end\n");
                    for (int i = firstIdx; i < lastIdx; i++) {
                        csv.append(String.format(java.util.Locale.ROOT, "%.3f,%.3f,%d%n",
                                (w.committedNanos[i] - measureStart) / 1e6,
                                lags[i - firstIdx] == Long.MAX_VALUE ? -1.0 : lags[i - firstIdx] / 1e6, w.walEnd[i]));
                    }
                    StringBuilder seg = new StringBuilder("t_ms,offset,end\n");
                    for (SegmentWatcher.Seen sn : seen) {
                        seg.append(String.format(java.util.Locale.ROOT, "%.3f,%d,%d%n",
                                (sn.appearedNanos() - measureStart) / 1e6, sn.offset(), sn.end()));
                    }
                    Path csvDir = Files.createDirectories(work.getParent().resolve("csv"));
                    Files.writeString(csvDir.resolve("lag-" + engine.name() + "-" + rate + ".csv"), csv);
                    Files.writeString(csvDir.resolve("segments-" + engine.name() + "-" + rate + ".csv"), seg);
                }
                int segmentsInWindow = (int) seen.stream().filter(s -> s.appearedNanos() >= measureStart
                        && s.appearedNanos() <= measureEnd).count();
                double seconds = (measureEnd - measureStart) / 1e9;
                Proc.Result stopped = p.terminate(Duration.ofSeconds(60));
                anomalies.addAll(checkWalEnds(Path.of(db + "-wal"), w.walEnd, firstIdx, lastIdx));
                out.put("walIndex", walIndex);
                out.put("generationsBeforeWindow", watcher.generationsAtStart());
                out.put("commitsMeasured", lags.length);
                out.put("rateAchieved", Stats.round(lags.length / seconds));
                out.put("writerMaxBehindMs", Stats.round(w.behindMaxNanos / 1e6));
                out.put("segmentsInWindow", segmentsInWindow);
                out.put("lagMs", Stats.latencyMs(lags));
                // A segment cannot hold a commit before it happened: a negative lag means the writer thread
                // was descheduled between its COMMIT returning and reading the clock (an overloaded machine).
                out.put("negativeLags", java.util.Arrays.stream(lags).filter(v -> v < 0).count());
                long cpuMs = cpu1.toMillis() - cpu0.toMillis();
                out.put("cpuMs", cpuMs);
                out.put("cpuPercentOfOneCore", Stats.round(100.0 * cpuMs / (seconds * 1000)));
                out.put("replicatorExitCode", stopped.exitCode());
            }
        }
        out.put("loadAverageAfter", loadAverage());
        out.put("anomalies", anomalies);
        out.put("valid", anomalies.isEmpty());
        deleteTree(dir);
        deleteTree(replica);
        return out;
    }

    /** CPU used by the replicator while the database is idle. */
    Map<String, Object> idleRun(Engine engine, Duration settle, Duration idle) throws Exception {
        Path dir = work.resolve("idle-" + engine.name());
        deleteTree(dir);
        Files.createDirectories(dir);
        Path db = dir.resolve("bench.db");
        Path replica = engine.replicaDir(dir);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("engine", engine.toJson());
        out.put("settleSeconds", settle.toMillis() / 1000.0);
        out.put("loadAverageBefore", loadAverage());
        out.put("idleSeconds", idle.toMillis() / 1000.0);
        try (Connection conn = setupDb(db); Proc p = engine.start(db, replica, dir, false)) {
            awaitReplica(replica, p, Duration.ofSeconds(60));
            Thread.sleep(settle.toMillis());
            Map<String, Long> served0 = counter == null ? null : counter.snapshot();
            Duration cpu0 = Proc.cpuTime(p.pid());
            long t0 = System.nanoTime();
            Thread.sleep(idle.toMillis());
            Duration cpu1 = Proc.cpuTime(p.pid());
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (counter != null && engine.s3() != null) {
                Map<String, Long> served = RequestCounter.delta(served0, counter.snapshot());
                out.put("s3ServedInWindow", served);
                Map<String, Object> perHour = new LinkedHashMap<>();
                for (String k : List.of("PUT", "LIST", "GET", "HEAD", "DELETE")) {
                    perHour.put(k, Stats.round(served.getOrDefault(k, 0L) * 3600 / seconds));
                }
                out.put("requestsPerHourExtrapolated", perHour);
            }
            long cpuMs = cpu1.toMillis() - cpu0.toMillis();
            out.put("cpuMs", cpuMs);
            out.put("cpuMsPerSecond", Stats.round(cpuMs / seconds));
            out.put("cpuPercentOfOneCore", Stats.round(100.0 * cpuMs / (seconds * 1000)));
            out.put("rssKb", rssKb(p.pid()));
            out.put("loadAverageAfter", loadAverage());
            p.terminate(Duration.ofSeconds(60));
        }
        deleteTree(dir);
        deleteTree(replica);
        return out;
    }

    /** The 1-minute load average: other work on this machine competes for its CPUs and disk. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /**
     * Each recorded WAL end offset must be the end of a commit frame of the WAL as it is now (same
     * salts as its header): otherwise the WAL restarted and the offsets do not mean what we assume.
     */
    static List<String> checkWalEnds(Path wal, long[] ends, int from, int to) throws IOException {
        List<String> problems = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(32);
            ch.read(h, 0);
            int pageSize = h.getInt(8);
            int salt1 = h.getInt(16);
            int salt2 = h.getInt(20);
            int frameSize = 24 + pageSize;
            int bad = 0;
            ByteBuffer f = ByteBuffer.allocate(24);
            for (int i = from; i < to; i++) {
                long at = ends[i] - frameSize;
                f.clear();
                ch.read(f, at);
                if ((ends[i] - 32) % frameSize != 0 || f.getInt(4) == 0 || f.getInt(8) != salt1 || f.getInt(12) != salt2) {
                    bad++;
                }
            }
            if (bad > 0) {
                problems.add(bad + " recorded WAL end offsets are not commit frames of the current WAL");
            }
        }
        return problems;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
