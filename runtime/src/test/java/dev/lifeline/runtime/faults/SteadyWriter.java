package dev.lifeline.runtime.faults;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The application: one connection committing one row per transaction at a steady rate, each row
 * with the next {@code seq}. A seq is recorded as committed only once its commit returned, so after
 * a restore every recorded seq must be there exactly once (a failed commit's seq must not).
 */
final class SteadyWriter implements AutoCloseable {

    /** Safety net: the writer stops by itself after this long, whatever the test does. */
    private static final Duration MAX_RUN = Duration.ofMinutes(6);

    private final Path db;
    private final int perSecond;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Long> committed = new ArrayList<>();
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong maxCommitNanos = new AtomicLong();
    private volatile String lastFailure;
    private volatile Throwable died;
    private Thread thread;

    SteadyWriter(Path db, int perSecond) {
        this.db = db;
        this.perSecond = perSecond;
    }

    /** Creates the schema (WAL mode) so the replicator has a database to open. */
    static void createSchema(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, payload BLOB)");
        }
    }

    SteadyWriter start() {
        Thread t = new Thread(this::run, "app-writer");
        t.setDaemon(true);
        thread = t;
        t.start();
        return this;
    }

    private void run() {
        Random random = new Random(42);
        long period = TimeUnit.SECONDS.toNanos(1) / perSecond;
        long begin = System.nanoTime();
        long hardStop = begin + MAX_RUN.toNanos();
        long seq = 0;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (seq, payload) VALUES (?, ?)")) {
                long next = begin;
                while (!stop.get() && System.nanoTime() < hardStop) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    next += period;
                    seq++;
                    byte[] payload = new byte[100 + random.nextInt(1400)];
                    random.nextBytes(payload);
                    ps.setLong(1, seq);
                    ps.setBytes(2, payload);
                    long t0 = System.nanoTime();
                    try {
                        ps.executeUpdate(); // autocommit: returns once committed
                    } catch (SQLException e) {
                        failures.incrementAndGet();
                        lastFailure = e.toString();
                        continue; // not committed: this seq must not appear anywhere
                    }
                    long took = System.nanoTime() - t0;
                    maxCommitNanos.accumulateAndGet(took, Math::max);
                    synchronized (committed) {
                        committed.add(seq);
                    }
                    count.incrementAndGet();
                }
            }
        } catch (Throwable e) {
            died = e;
        }
    }

    /** Transactions committed so far. */
    long committed() {
        return count.get();
    }

    List<Long> committedSeqs() {
        synchronized (committed) {
            return List.copyOf(committed);
        }
    }

    long failures() {
        return failures.get();
    }

    String lastFailure() {
        return lastFailure;
    }

    Duration maxCommit() {
        return Duration.ofNanos(maxCommitNanos.get());
    }

    int perSecond() {
        return perSecond;
    }

    /** Stops and waits for the last commit; throws if the writer thread died. */
    void stop() throws InterruptedException {
        stop.set(true);
        Thread t = thread;
        if (t != null) {
            t.join(30_000);
            if (t.isAlive()) {
                throw new AssertionError("the writer did not stop within 30 s");
            }
        }
        if (died != null) {
            throw new AssertionError("the writer died", died);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        Thread t = thread;
        if (t != null) {
            t.join(30_000);
        }
    }
}
