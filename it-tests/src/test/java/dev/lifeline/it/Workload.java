package dev.lifeline.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

/**
 * Writes to a WAL-mode SQLite database the way an agent does, from N threads, each with its own
 * sqlite-jdbc connection. Every transaction ({@code BEGIN IMMEDIATE}) appends 1..batch rows to
 * {@code rows} and bumps two counters. Sequence numbers are taken inside the write transaction,
 * so every committed state of the database is "rows 1..k, no gap" and self-describing:
 * {@link Sqlite#checkState} proves a restored database is such a state, and the commit log here
 * ({@link #commits()}: after each commit, the writer's last seq, i.e. the row count) says which
 * states actually happened and when.
 *
 * <p>Payloads are deterministic (seeded per writer), vary in size, and sometimes overflow a page.
 */
public final class Workload implements AutoCloseable {

    /** How to write. {@code txPerSecond} paces each writer (0: as fast as it can). */
    public record Options(int threads, int maxBatch, int minPayload, int maxPayload, int overflowEvery, long seed,
                          double txPerSecond, boolean recordWalSize, String synchronous, int walAutocheckpoint,
                          int busyTimeoutMs) {

        public static Options defaults() {
            return new Options(1, 1, 40, 1200, 0, 42, 0, false, "NORMAL", -1, 30_000);
        }

        public Options threads(int n) {
            return new Options(n, maxBatch, minPayload, maxPayload, overflowEvery, seed, txPerSecond, recordWalSize,
                    synchronous, walAutocheckpoint, busyTimeoutMs);
        }

        public Options maxBatch(int n) {
            return new Options(threads, n, minPayload, maxPayload, overflowEvery, seed, txPerSecond, recordWalSize,
                    synchronous, walAutocheckpoint, busyTimeoutMs);
        }

        public Options payload(int min, int max) {
            return new Options(threads, maxBatch, min, max, overflowEvery, seed, txPerSecond, recordWalSize,
                    synchronous, walAutocheckpoint, busyTimeoutMs);
        }

        /** Every n-th row of a writer gets a payload larger than a page (overflow pages). */
        public Options overflowEvery(int n) {
            return new Options(threads, maxBatch, minPayload, maxPayload, n, seed, txPerSecond, recordWalSize,
                    synchronous, walAutocheckpoint, busyTimeoutMs);
        }

        public Options seed(long s) {
            return new Options(threads, maxBatch, minPayload, maxPayload, overflowEvery, s, txPerSecond, recordWalSize,
                    synchronous, walAutocheckpoint, busyTimeoutMs);
        }

        public Options rate(double txPerSecondPerWriter) {
            return new Options(threads, maxBatch, minPayload, maxPayload, overflowEvery, seed, txPerSecondPerWriter,
                    recordWalSize, synchronous, walAutocheckpoint, busyTimeoutMs);
        }

        /** Record the WAL file size right after each commit (with one writer: the commit's WAL end offset). */
        public Options recordWalSize(boolean b) {
            return new Options(threads, maxBatch, minPayload, maxPayload, overflowEvery, seed, txPerSecond, b,
                    synchronous, walAutocheckpoint, busyTimeoutMs);
        }

        /** PRAGMA wal_autocheckpoint for the writers' connections (-1: SQLite's default, 1000). */
        public Options walAutocheckpoint(int pages) {
            return new Options(threads, maxBatch, minPayload, maxPayload, overflowEvery, seed, txPerSecond,
                    recordWalSize, synchronous, pages, busyTimeoutMs);
        }

        public Options synchronous(String s) {
            return new Options(threads, maxBatch, minPayload, maxPayload, overflowEvery, seed, txPerSecond,
                    recordWalSize, s, walAutocheckpoint, busyTimeoutMs);
        }
    }

    /**
     * One committed transaction: rows {@code firstSeq..lastSeq}; after it the database had
     * exactly {@code lastSeq} rows. Times are taken just before COMMIT and just after it returned.
     */
    public record Commit(int writer, long firstSeq, long lastSeq, long beforeCommitNanos, long committedNanos,
                         Instant beforeCommitAt, Instant committedAt, long walSize) {
    }

    private final Path db;
    private final Options opt;
    private final List<Thread> threads = new ArrayList<>();
    private final List<List<Commit>> logs = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong txCount = new AtomicLong();
    private volatile boolean stopping;
    private volatile long txLimit = Long.MAX_VALUE;

    public Workload(Path db, Options opt) {
        this.db = db;
        this.opt = opt;
    }

    /** Creates the schema in WAL mode (idempotent). */
    public static void createSchema(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
                rs.next();
                if (!"wal".equalsIgnoreCase(rs.getString(1))) {
                    throw new SQLException("could not switch " + db + " to WAL");
                }
            }
            s.execute("CREATE TABLE IF NOT EXISTS rows(seq INTEGER PRIMARY KEY, writer INTEGER NOT NULL, "
                    + "payload BLOB NOT NULL, crc INTEGER NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS counters(writer INTEGER PRIMARY KEY, n INTEGER NOT NULL, "
                    + "last_seq INTEGER NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS head(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, "
                    + "txs INTEGER NOT NULL)");
            s.execute("INSERT OR IGNORE INTO head(id, seq, txs) VALUES (1, 0, 0)");
        }
    }

    /** Starts the writers; they run until {@link #stop()} or the transaction limit. */
    public Workload start() {
        for (int w = 0; w < opt.threads(); w++) {
            List<Commit> log = new ArrayList<>();
            logs.add(log);
            int id = w;
            Thread t = new Thread(() -> runWriter(id, log), "workload-writer-" + w);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        return this;
    }

    /** Makes the writers stop after {@code n} transactions in total (counted from the start). */
    public Workload limitTransactions(long n) {
        txLimit = n;
        return this;
    }

    /** Transactions committed so far. */
    public long transactions() {
        return txCount.get();
    }

    /** Waits until {@code n} transactions have committed (or a writer failed). */
    public void awaitTransactions(long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (txCount.get() < n) {
            checkFailure();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("workload reached " + txCount.get() + " of " + n + " transactions in "
                        + timeout);
            }
            Thread.sleep(5);
        }
    }

    /** Stops the writers, waits for them, and fails if any of them failed. */
    public void stop() throws InterruptedException {
        stopping = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            if (t.isAlive()) {
                throw new AssertionError("writer " + t.getName() + " did not stop");
            }
        }
        checkFailure();
    }

    /** Waits for a transaction-limited run to end. */
    public void join(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                stopping = true;
                throw new AssertionError("workload did not finish within " + timeout);
            }
        }
        checkFailure();
    }

    private void checkFailure() {
        Throwable f = failure.get();
        if (f != null) {
            throw new AssertionError("a workload writer failed: " + f, f);
        }
    }

    /** Every commit, in commit order (rows are numbered in commit order). */
    public List<Commit> commits() {
        List<Commit> all = new ArrayList<>();
        for (List<Commit> l : logs) {
            synchronized (l) {
                all.addAll(l);
            }
        }
        all.sort(Comparator.comparingLong(Commit::lastSeq));
        return all;
    }

    /** The row count after the last commit. */
    public long lastSeq() {
        List<Commit> c = commits();
        return c.isEmpty() ? 0 : c.get(c.size() - 1).lastSeq();
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

    /** The payload of a writer's n-th row (0-based), the same for every run with the same seed. */
    static byte[] payload(SplittableRandom rnd, Options opt, long n) {
        int size;
        if (opt.overflowEvery() > 0 && n % opt.overflowEvery() == opt.overflowEvery() - 1) {
            size = 5000 + rnd.nextInt(4000);
        } else {
            size = opt.minPayload() + (opt.maxPayload() > opt.minPayload()
                    ? rnd.nextInt(opt.maxPayload() - opt.minPayload() + 1) : 0);
        }
        byte[] b = new byte[size];
        // Partly random, partly repetitive: compresses like real agent state, not like noise or zeros.
        int random = size / 3;
        for (int i = 0; i < random; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        for (int i = random; i < size; i++) {
            b[i] = (byte) ('a' + (i + n) % 23);
        }
        return b;
    }

    public static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    private void runWriter(int id, List<Commit> log) {
        SplittableRandom rnd = new SplittableRandom(opt.seed() * 1_000_003L + id);
        Path wal = Path.of(db + "-wal");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + opt.busyTimeoutMs());
            s.execute("PRAGMA synchronous = " + opt.synchronous());
            if (opt.walAutocheckpoint() >= 0) {
                s.execute("PRAGMA wal_autocheckpoint = " + opt.walAutocheckpoint());
            }
            s.execute("INSERT OR IGNORE INTO counters(writer, n, last_seq) VALUES (" + id + ", 0, 0)");
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO rows(seq, writer, payload, crc) VALUES "
                    + "((SELECT coalesce(max(seq), 0) + 1 FROM rows), ?, ?, ?) RETURNING seq");
                 PreparedStatement cnt = c.prepareStatement(
                         "UPDATE counters SET n = n + ?, last_seq = ? WHERE writer = ?");
                 PreparedStatement head = c.prepareStatement("UPDATE head SET seq = ?, txs = txs + 1 WHERE id = 1")) {
                long rowNo = 0;
                long periodNanos = opt.txPerSecond() > 0 ? (long) (1e9 / opt.txPerSecond()) : 0;
                long next = System.nanoTime();
                while (!stopping) {
                    if (txCount.get() >= txLimit) {
                        break;
                    }
                    if (periodNanos > 0) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        next += periodNanos;
                    }
                    int batch = opt.maxBatch() <= 1 ? 1 : 1 + rnd.nextInt(opt.maxBatch());
                    s.execute("BEGIN IMMEDIATE");
                    long first = -1;
                    long last = -1;
                    try {
                        for (int i = 0; i < batch; i++) {
                            byte[] p = payload(rnd, opt, rowNo++);
                            ins.setInt(1, id);
                            ins.setBytes(2, p);
                            ins.setLong(3, crc(p));
                            try (ResultSet rs = ins.executeQuery()) {
                                rs.next();
                                last = rs.getLong(1);
                            }
                            if (first < 0) {
                                first = last;
                            }
                        }
                        cnt.setInt(1, batch);
                        cnt.setLong(2, last);
                        cnt.setInt(3, id);
                        cnt.executeUpdate();
                        head.setLong(1, last);
                        head.executeUpdate();
                    } catch (SQLException e) {
                        s.execute("ROLLBACK");
                        throw e;
                    }
                    Instant beginAt = Instant.now();
                    long before = System.nanoTime();
                    s.execute("COMMIT");
                    long after = System.nanoTime();
                    long walSize = opt.recordWalSize() ? Files.size(wal) : -1;
                    Commit commit = new Commit(id, first, last, before, after, beginAt, Instant.now(), walSize);
                    synchronized (log) {
                        log.add(commit);
                    }
                    txCount.incrementAndGet();
                }
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }
}
