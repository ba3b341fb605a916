package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.catalog.SnapshotEntry;
import dev.lifeline.runtime.db.DatabaseFile;
import dev.lifeline.runtime.db.DbHeader;
import dev.lifeline.runtime.format.Chain;
import dev.lifeline.runtime.format.CommitRecord;
import dev.lifeline.runtime.format.GenerationMeta;
import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.format.Lz4;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.format.SegmentMeta;
import dev.lifeline.runtime.format.SnapshotMeta;
import dev.lifeline.runtime.lease.ReplicaLease;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.retention.Retention;
import dev.lifeline.runtime.retention.RetentionPolicy;
import dev.lifeline.runtime.ship.PendingObject;
import dev.lifeline.runtime.ship.ReplicaStatus;
import dev.lifeline.runtime.ship.ReplicaTarget;
import dev.lifeline.runtime.ship.SegmentSpool;
import dev.lifeline.runtime.ship.SpoolEntry;
import dev.lifeline.runtime.wal.WalChecksum;
import dev.lifeline.runtime.wal.WalCommit;
import dev.lifeline.runtime.wal.WalFrame;
import dev.lifeline.runtime.wal.WalFrameDecoder;
import dev.lifeline.runtime.wal.WalHeader;
import dev.lifeline.runtime.wal.WalPosition;
import dev.lifeline.runtime.wal.WalReader;
import dev.lifeline.runtime.wal.WalScan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Replicates one SQLite database: ships every committed WAL frame to the replica as
 * Litestream-compatible segments, owns checkpointing, and starts a new generation whenever it
 * cannot prove that the replica's chain continues into the current WAL.
 *
 * <p>All replication state is owned by one thread (the loop started by {@link #start()}, or the
 * caller of {@link #syncOnce()} in tests and one-shot use); other threads only read
 * {@link #status()} and call {@link #wake()}, {@link #commitSeen()}, {@link #awaitDurable} and
 * {@link #stop}.
 *
 * <p><b>Durable commits</b> (group commit): a host thread that has just committed takes a ticket
 * with {@link #commitSeen()} and waits with {@link #awaitDurable}. Each sync pass first reads the
 * newest ticket; every commit that returned before that ticket was taken has its frames in the WAL
 * already, so the pass ships them. When the pass has ended, the ticket is durable as soon as every
 * replica has stored everything handed to it so far: at once when all stores were inline, or when
 * the last spooled entry has been stored by every replica's upload thread. One pass releases every
 * ticket taken before it started, however many threads wait.
 */
public final class Replicator implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.replicate");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ReplicatorConfig cfg;
    private final ReplicaLayout layout;
    private final Path database;
    private final WalReader wal;
    private final String name;

    // ---- state owned by the replicating thread ----
    private ReadLockConnection conn;
    private DatabaseFile dbFile;
    private SegmentSpool spool;
    private List<ReplicaTarget> targets = List.of();
    /** One lease per replica (empty without fencing), and when they were last verified. */
    private List<ReplicaLease> leases = List.of();
    private Instant retentionRanAt = Instant.EPOCH;
    private Object dbFileKey;
    /** Set when the database file was found replaced, until the new file's generation has started. */
    private boolean fileReplaced;
    private String generation;
    private int index;
    /** The WAL lifetime the current index replicates; null until the first header appears. */
    private WalHeader lifetime;
    private WalPosition pos;
    /** Whether the current index's first segment (with the WAL header) is in the replica. */
    private boolean indexStarted;
    private long txid;
    private String chain;
    private long framesAtLastCheckpoint;
    /**
     * Set when our last checkpoint copied exactly the frames we had shipped, all of them: the
     * read lock we took right after then sits at mark 0, so SQLite may restart the WAL once, and
     * that restart cannot drop a frame we have not shipped.
     */
    private boolean restartSafe;
    /** When this generation's newest snapshot was taken, and the indexes that have one. */
    private Instant lastSnapshotAt = Instant.EPOCH;
    private final java.util.Set<Integer> snapshotIndexes = new java.util.HashSet<>();
    /** The buffers of the segment being prepared, borrowed from the engine's pool until it is compressed. */
    private ScratchPool.Scratch scratch;
    private Instant lastCommitSeen = Instant.EPOCH;
    private SegmentUpload pending;
    private int consecutiveFailures;
    /** WAL size and modification time at the last full look, to skip polls that find nothing new. */
    private long lastWalSize = -1;
    private long lastWalModified = -1;
    private long lastFullLookNanos;
    /** When the last sync pass started, for the pacer's interval. */
    private long lastPassNanos;
    /** The newest ticket a finished pass has served (only the replicating thread writes it). */
    private volatile long servedTicket;

    // ---- shared with other threads ----
    private volatile boolean stopping;
    /** Why this replicator was fenced off (another process took its replicas over), or null. */
    private volatile String fenced;
    private volatile Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile ReplicatorStatus status;
    private volatile long segmentsShipped;
    private volatile long bytesShipped;
    private volatile long generationsStarted;
    private volatile long checkpoints;
    private volatile Instant lastShipped;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private final List<ShipListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Segments stored in some replicas but not yet all, by txid, for the ship listeners. */
    private final java.util.concurrent.ConcurrentSkipListMap<Long, SegmentMeta> notYetEverywhere =
            new java.util.concurrent.ConcurrentSkipListMap<>();

    // ---- durable-commit tickets (any thread; see the class comment) ----
    /** The last ticket handed out by {@link #commitSeen()}. */
    private final AtomicLong commitSeq = new AtomicLong();
    /** The newest ticket of a durable commit: while it is not served, passes do not pause. */
    private final AtomicLong urgentTicket = new AtomicLong();
    /** Guards {@link #awaitingStorage} and {@link #durableTicket}; waiters wait on it. */
    private final Object durableLock = new Object();
    /**
     * Tickets served by a finished pass whose objects are not yet in every replica, oldest first,
     * each as {ticket, spool sequence every replica must have stored}.
     */
    private final java.util.ArrayDeque<long[]> awaitingStorage = new java.util.ArrayDeque<>();
    /** Every ticket up to this one is durable. */
    private long durableTicket;
    /** Set once {@link #start()} could not open the database or its replicas. */
    private volatile boolean startFailed;
    private final LongAdder durableWaits = new LongAdder();
    private final LongAdder durableTimeouts = new LongAdder();

    /** Told about each segment once it is durable in every replica (benchmarks, durability waiters). */
    public interface ShipListener {
        void shipped(SegmentMeta segment, Instant durableAt);
    }

    public Replicator(ReplicatorConfig cfg) {
        this.cfg = Objects.requireNonNull(cfg);
        this.layout = new ReplicaLayout(cfg.prefix());
        this.database = cfg.database().toAbsolutePath().normalize();
        this.wal = new WalReader(Path.of(database + "-wal"));
        this.name = database.getFileName().toString();
        publishStatus("created");
    }

    public void addListener(ShipListener l) {
        listeners.add(l);
    }

    /**
     * Checks the database and opens the replicator's connection. Errors here are the operator's
     * to fix (wrong path, not SQLite, rollback-journal mode) and are thrown with that message.
     */
    public void open() throws IOException {
        if (!Files.isRegularFile(database)) {
            throw new IOException("database " + database + " does not exist or is not a file");
        }
        DbHeader header;
        try {
            // Opened before our SQLite connections and closed after them: see DatabaseFile.
            dbFile = cfg.sqlite().openFile(database);
            header = dbFile.readHeader();
            conn = new ReadLockConnection(database, 5000, cfg.sqlite());
            if (!header.walMode() || !"wal".equalsIgnoreCase(conn.journalMode())) {
                if (!cfg.convertToWal()) {
                    String mode = conn.journalMode();
                    throw new IOException("database " + database + " is in '" + mode + "' journal mode, not WAL: "
                            + "Lifeline replicates WAL databases only. Switch it with PRAGMA journal_mode=WAL "
                            + "(or pass --convert-to-wal to let Lifeline do it)");
                }
                conn.setWalMode();
                LOG.log(Level.INFO, "switched {0} to WAL journal mode", database);
            }
            conn.holdRead();
            openReplicas();
        } catch (SQLException | IOException e) {
            closeConnection();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot open " + database + " with SQLite: " + e.getMessage(), e);
        }
        dbFileKey = fileKey();
        // Not "idle since the epoch": the idle checkpoint waits for a real quiet period.
        lastCommitSeen = cfg.clock().instant();
        publishStatus("open");
    }

    /**
     * Opens the spool and one target per replica. A replica that cannot be written now is an
     * error only when it is the only one: with several, the others carry on and it catches up
     * from the spool.
     */
    private void openReplicas() throws IOException {
        List<IOException> failures = new ArrayList<>();
        for (ReplicaClient c : cfg.replicas()) {
            try {
                c.checkWritable();
            } catch (IOException e) {
                failures.add(e);
                if (cfg.replicas().size() > 1) {
                    LOG.log(Level.WARNING, "replica {0} is not writable now; the others carry on and it catches up "
                            + "from the spool: {1}", c.describe(), e.getMessage());
                }
            }
        }
        if (failures.size() == cfg.replicas().size()) {
            throw failures.get(0);
        }
        if (spool == null) {
            // Kept across a reopen: the same directory must not have two instances caching its cursors.
            spool = new SegmentSpool(cfg.effectiveSpoolDir(), cfg.spoolLimitBytes());
        }
        retireTargets();
        acquireLeases();
        List<ReplicaTarget> ts = new ArrayList<>();
        for (int i = 0; i < cfg.replicas().size(); i++) {
            LeaseGuard guard = leases.isEmpty() ? null : new LeaseGuard(leases.get(i));
            String id = "replica-" + (i + 1);
            spool.admit(id);
            ts.add(new ReplicaTarget(id, cfg.replicas().get(i), spool, this::storedIn,
                    guard == null ? () -> { } : guard::check));
        }
        targets = List.copyOf(ts);
        if (Thread.currentThread() == thread) {
            // Reopened by the running loop (the database file was replaced): the new targets need
            // their upload threads as much as the first ones, which start() started.
            for (ReplicaTarget t : targets) {
                t.start(name);
            }
        }
    }

    /**
     * Stops the current targets' upload threads before they are replaced: they hold the leases
     * about to be released, and a thread still draining with a released lease would take it again
     * and then find the replicator's new lease in its way (it would fence this replicator off).
     */
    private void retireTargets() {
        for (ReplicaTarget t : targets) {
            t.stop();
        }
        for (ReplicaTarget t : targets) {
            try {
                if (!t.awaitStopped(Duration.ofSeconds(10))) {
                    LOG.log(Level.WARNING, "{0}: the upload thread of {1} did not stop within 10 s", name,
                            t.client().describe());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Keeps one replica's lease: renewed before a write at most once per renewal interval (never
     * while idle, so an idle database costs no requests). A replica that cannot be reached only
     * falls behind like any failed store; one that another process took over is fenced off.
     */
    private final class LeaseGuard {
        private final ReplicaLease lease;
        private Instant checkedAt;

        LeaseGuard(ReplicaLease lease) {
            this.lease = lease;
            this.checkedAt = cfg.clock().instant();
        }

        synchronized void check() throws IOException {
            Instant now = cfg.clock().instant();
            if (lease.held().isPresent()
                    && Duration.between(checkedAt, now).compareTo(cfg.leaseTtl().dividedBy(3)) < 0) {
                return;
            }
            try {
                if (lease.held().isEmpty()) {
                    lease.acquire(cfg.takeover());
                } else {
                    lease.renew();
                }
            } catch (dev.lifeline.runtime.lease.LeaseHeldException e) {
                fenceOff(e);
            } catch (dev.lifeline.runtime.lease.LeaseLostException e) {
                if (e.takenOver()) {
                    fenceOff(e);
                }
                throw e;
            }
            checkedAt = now;
        }

        private void fenceOff(IOException e) throws ReplicaTarget.Fenced {
            fenced = e.getMessage();
            signalWaiters();
            LOG.log(Level.ERROR, "{0}: another process took over a replica; replication stops: {1}", name,
                    e.getMessage());
            throw new ReplicaTarget.Fenced("fenced: " + e.getMessage(), e);
        }
    }

    /**
     * Fencing: this process must hold the lease of every replica prefix before it writes, so two
     * replicators pointed at the same place refuse rather than interleave generations.
     */
    private void acquireLeases() throws IOException {
        if (cfg.leaseTtl() == null) {
            return;
        }
        List<ReplicaLease> ls = new ArrayList<>();
        try {
            for (ReplicaClient c : cfg.replicas()) {
                ReplicaLease lease = new ReplicaLease(c, layout, name, cfg.clock(), cfg.leaseTtl(),
                        ReplicaLease.DEFAULT_SKEW);
                try {
                    lease.acquire(cfg.takeover());
                } catch (dev.lifeline.runtime.lease.LeaseHeldException e) {
                    throw e;
                } catch (IOException e) {
                    if (cfg.replicas().size() == 1) {
                        throw e;
                    }
                    // Unreachable now: its lease is taken before it is written to again.
                    LOG.log(Level.WARNING, "cannot take the lease of {0} now: {1}", c.describe(), e.getMessage());
                }
                ls.add(lease);
            }
        } catch (IOException e) {
            for (ReplicaLease l : ls) {
                releaseQuietly(l);
            }
            throw e;
        }
        leases = List.copyOf(ls);
    }

    private static void releaseQuietly(ReplicaLease l) {
        try {
            l.release();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "releasing lease: {0}", e.getMessage());
        }
    }

    /** Starts the replication loop on its own daemon thread. */
    public void start() throws IOException {
        if (conn == null) {
            try {
                open();
            } catch (IOException | RuntimeException e) {
                startFailed = true;
                signalWaiters();
                throw e;
            }
        }
        Thread t = new Thread(this::loop, "lifeline-replicator-" + name);
        t.setDaemon(true);
        thread = t;
        for (ReplicaTarget target : targets) {
            target.start(name);
        }
        t.start();
    }

    /** Wakes the loop now (a commit was seen) instead of at its next poll. */
    public void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * A host commit has returned: wakes the loop and returns the commit's ticket. The ticket
     * orders the commit against sync passes: a pass that starts after it was taken ships the
     * commit's frames. Cheap and non-blocking; any thread.
     */
    public long commitSeen() {
        return commitSeen(false);
    }

    /**
     * As {@link #commitSeen()}; {@code urgent} (a durable commit about to wait for its ticket)
     * also cuts short the pacer's pause, so a durable writer is never held back
     * by the batching meant for asynchronous ones.
     */
    public long commitSeen(boolean urgent) {
        long ticket = commitSeq.incrementAndGet();
        if (urgent) {
            urgentTicket.accumulateAndGet(ticket, Math::max);
        }
        wake();
        return ticket;
    }

    /**
     * Blocks until every frame committed before {@link #commitSeen()} returned {@code ticket} is
     * stored in every replica (not merely spooled), or {@code timeout} passes. Returns false at
     * once when the replicator is not running (never started, failed to open, stopped) or was
     * fenced off, and when it stops or is fenced during the wait.
     *
     * @return true if the commit is durable
     */
    public boolean awaitDurable(long ticket, Duration timeout) throws InterruptedException {
        durableWaits.increment();
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (durableLock) {
            while (durableTicket < ticket) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (!canServeTickets()) {
                    return false;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    durableTimeouts.increment();
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(durableLock, left);
            }
            return true;
        }
    }

    /** Whether a ticket not yet durable may still become durable: the loop runs, not fenced. */
    private boolean canServeTickets() {
        return fenced == null && !startFailed && thread != null && stopped.getCount() > 0;
    }

    /**
     * On the replicating thread, right after a successful pass that started when {@code ticket}
     * was the newest ticket: the ticket is durable once every replica has stored what the spool
     * has been given so far (everything handed over before, inline or spooled).
     */
    private void passServed(long ticket) throws IOException {
        if (ticket <= servedTicket) {
            return;
        }
        servedTicket = ticket;
        long needed = spool == null ? 0 : spool.lastSeq();
        synchronized (durableLock) {
            awaitingStorage.addLast(new long[] {ticket, needed});
        }
        releaseDurable();
    }

    /**
     * Releases the tickets whose objects every replica has stored. Called by the replicating
     * thread after a pass and by upload threads after each stored entry; whichever comes second
     * sees both the new ticket and the advanced cursor.
     */
    private void releaseDurable() {
        if (spool == null) {
            return;
        }
        long stored = Long.MAX_VALUE;
        try {
            for (ReplicaTarget t : targets) {
                stored = Math.min(stored, spool.cursor(t.id()));
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "reading spool cursors: {0}", e.getMessage());
            return;
        }
        synchronized (durableLock) {
            long[] head;
            boolean released = false;
            while ((head = awaitingStorage.peekFirst()) != null && head[1] <= stored) {
                awaitingStorage.pollFirst();
                durableTicket = Math.max(durableTicket, head[0]);
                released = true;
            }
            if (released) {
                durableLock.notifyAll();
            }
        }
    }

    /** Wakes every durability waiter to look at the state again (stop, fencing, failed start). */
    private void signalWaiters() {
        synchronized (durableLock) {
            durableLock.notifyAll();
        }
    }

    /**
     * Stops the loop after it has shipped what is committed, waiting at most {@code timeout}.
     * @return true if the loop finished in time
     */
    public boolean stop(Duration timeout) throws InterruptedException {
        stopping = true;
        wake();
        Thread t = thread;
        if (t == null) {
            closeConnection();
            signalWaiters();
            return true;
        }
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws Exception {
        stop(Duration.ofSeconds(30));
    }

    public ReplicatorStatus status() {
        return status.withDurableCounters(durableWaits.sum(), durableTimeouts.sum());
    }

    private void loop() {
        long backoffMs = 0;
        try {
            while (!stopping) {
                try {
                    // A ticket nobody has served yet forces a pass even if the WAL looks unchanged.
                    boolean changed = walMayHaveChanged();
                    if (changed || commitSeq.get() > servedTicket) {
                        lingerBeforePass();
                        lastPassNanos = System.nanoTime();
                        syncOnce();
                    }
                    maybeCheckpoint();
                    maybeEnforceRetention();
                    backoffMs = 0;
                    consecutiveFailures = 0;
                } catch (RetryLater e) {
                    LOG.log(Level.DEBUG, "{0}: {1}", name, e.getMessage());
                    backoffMs = 10;
                } catch (Exception e) {
                    consecutiveFailures++;
                    recordError(e);
                    backoffMs = Math.min(5000, backoffMs == 0 ? 100 : backoffMs * 2);
                }
                long waitNanos = backoffMs > 0 ? TimeUnit.MILLISECONDS.toNanos(backoffMs)
                        : cfg.pollInterval().toNanos();
                // A ticket taken during the pass is served now, not after the wait: its wake-up
                // may be gone, because a permit does not queue and the pass itself can park this
                // thread (the catalog's parallel reads in resume and retention wait on futures).
                if (!stopping && (backoffMs > 0 || commitSeq.get() <= servedTicket)) {
                    LockSupport.parkNanos(this, waitNanos);
                }
            }
            // Ship what is committed before letting go, so a clean stop loses nothing.
            try {
                syncOnce();
                awaitDrained(Duration.ofSeconds(10));
            } catch (Exception e) {
                recordError(e);
                LOG.log(Level.WARNING, "final sync of {0} failed; the replica may lag the database (the spool "
                        + "keeps what it has not stored): {1}", database, e.getMessage());
            }
            for (ReplicaTarget target : targets) {
                target.stop();
            }
        } finally {
            closeConnection();
            cfg.pacer().forget(this);
            publishStatus("stopped");
            stopped.countDown();
            signalWaiters();
        }
    }

    /**
     * Waits out what is left of the pacer's interval since the last pass began, so that under
     * load the commits of that time gather into one segment instead of one segment each. Wakes do
     * not cut it short; a stop or a durable commit does.
     */
    private void lingerBeforePass() {
        long min = cfg.pacer().intervalNanos(this);
        if (min > 0) {
            long until = lastPassNanos + min;
            for (long left = until - System.nanoTime(); left > 0 && !stopping && urgentTicket.get() <= servedTicket;
                    left = until - System.nanoTime()) {
                LockSupport.parkNanos(this, left);
            }
        }
        cfg.pacer().passStarted(this);
    }

    /**
     * A cheap stat of the WAL: unchanged size and time mean nothing new to ship. File times can
     * be coarser than our poll, so a full look still happens at least once a second.
     */
    private boolean walMayHaveChanged() {
        long now = System.nanoTime();
        if (generation == null || pending != null || now - lastFullLookNanos > 1_000_000_000L) {
            lastFullLookNanos = now;
            return true;
        }
        try {
            BasicFileAttributes a = Files.readAttributes(wal.path(), BasicFileAttributes.class);
            long size = a.size();
            long modified = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            if (size == lastWalSize && modified == lastWalModified) {
                return false;
            }
            lastWalSize = size;
            lastWalModified = modified;
        } catch (IOException e) {
            lastWalSize = -1;
        }
        lastFullLookNanos = now;
        return true;
    }

    private void closeConnection() {
        for (ReplicaLease l : leases) {
            if (fenced == null) {
                releaseQuietly(l);
            }
        }
        leases = List.of();
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException e) {
                LOG.log(Level.DEBUG, "closing replicator connection: {0}", e.getMessage());
            }
            conn = null;
        }
        if (dbFile != null) {
            try {
                cfg.sqlite().release(dbFile);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing database file: {0}", e.getMessage());
            }
            dbFile = null;
        }
    }

    private void recordError(Exception e) {
        lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        lastErrorAt = Instant.now();
        if (consecutiveFailures <= 3 || consecutiveFailures % 50 == 0) {
            LOG.log(Level.WARNING, "replicating {0} failed (attempt {1}): {2}", database, consecutiveFailures,
                    lastError);
        }
        publishStatus("retrying");
    }

    /**
     * One pass: establish or check the generation, then ship every whole transaction the WAL has.
     * Safe to call repeatedly; a failed call leaves the state as it was, so the next call retries.
     */
    public void syncOnce() throws IOException {
        // Read before the pass: every commit whose ticket is at most this has its frames in the WAL.
        long serving = commitSeq.get();
        syncPass();
        if (thread == null) {
            // One-shot use has no upload threads: replicas that are behind catch up now, or this fails.
            drainBacklogs();
        }
        passServed(serving);
    }

    private void syncPass() throws IOException {
        if (conn == null) {
            open();
        }
        try {
            conn.holdRead();
        } catch (SQLException e) {
            throw new IOException("cannot hold a read transaction on " + database + ": " + e.getMessage(), e);
        }
        if (pending != null) {
            store(pending);
        }
        if (generation == null) {
            Optional<String> why = resume();
            if (why.isPresent()) {
                startGeneration(why.get());
            }
        } else if (fileReplaced || !Objects.equals(fileKey(), dbFileKey)) {
            // Remembered until the new generation has started: a pass that fails on the way (the
            // file is gone for a moment, a store fails) must not leave the next pass continuing
            // the old generation on the new file.
            fileReplaced = true;
            if (!Objects.equals(fileKey(), dbFileKey)) {
                reopen();
            }
            startGeneration("the database file was replaced");
            fileReplaced = false;
            return;
        }
        Optional<WalHeader> header = wal.readHeader();
        if (lifetime == null) {
            if (header.isEmpty()) {
                publishStatus("idle");
                return;
            }
            bind(header.get());
        } else if (header.isEmpty() || !header.get().sameLifetime(lifetime)) {
            if (!continueAfterRestart(header.orElse(null))) {
                return;
            }
        }
        shipCommitted();
        maybeSnapshot();
        publishStatus("replicating");
    }

    /**
     * Takes a new snapshot inside the generation once the interval has passed, so restores
     * replay short chains and retention can drop old segments. Right after shipping, our read
     * mark is at or before the shipped position, so the database file holds nothing newer.
     */
    private void maybeSnapshot() throws IOException {
        if (cfg.snapshotInterval() == null || lifetime == null || pos == null || !indexStarted
                || snapshotIndexes.contains(index)
                || Duration.between(lastSnapshotAt, cfg.clock().instant()).compareTo(cfg.snapshotInterval()) < 0) {
            return;
        }
        SnapshotImage image = new SnapshotBuilder(dbFile, wal, database.getParent(), cfg.maxSegmentBytes())
                .buildAt(lifetime, pos.offset());
        try {
            Instant now = cfg.clock().instant();
            try {
                uploadSnapshot(generation, index, null, image, now, chain, pos.offset(), txid);
            } catch (ReplicaClient.ObjectExistsException e) {
                LOG.log(Level.DEBUG, "{0}: index {1} already has a snapshot", name, index);
            }
            snapshotIndexes.add(index);
            lastSnapshotAt = now;
            LOG.log(Level.INFO, "{0}: snapshot of generation {1} at index {2}, txid {3}", name, generation, index, txid);
        } finally {
            Files.deleteIfExists(image.file());
        }
    }

    private void bind(WalHeader h) {
        lifetime = h;
        pos = WalPosition.start(h);
        indexStarted = false;
        framesAtLastCheckpoint = 0;
    }

    /** Ships whole transactions from the current position until the WAL has no more. */
    private void shipCommitted() throws IOException {
        while (true) {
            WalScan scan = readSegment(cfg.maxSegmentBytes(), Long.MAX_VALUE);
            if (scan.isEmpty()) {
                return;
            }
            lastCommitSeen = cfg.clock().instant();
            SegmentUpload up = prepareSegment(scan, lastCommitSeen);
            store(up);
            if (!scan.moreAvailable()) {
                return;
            }
        }
    }

    /**
     * Reads the whole transactions after {@link #pos} into {@link #segment}: the raw bytes of the
     * next segment. The first segment of an index carries the WAL header, as Litestream's do.
     */
    private WalScan readSegment(long maxBytes, long endLimit) throws IOException {
        if (scratch == null) {
            scratch = cfg.scratch().take();
        }
        ScratchPool.SegmentBuffer segment = scratch.segment;
        segment.clear();
        if (!indexStarted) {
            segment.write(lifetime.encode());
        }
        WalScan scan = wal.readTransactions(pos, maxBytes, endLimit, segment);
        if (scan.isEmpty()) {
            returnScratch();
        }
        return scan;
    }

    private void returnScratch() {
        if (scratch != null) {
            cfg.scratch().give(scratch);
            scratch = null;
        }
    }

    /** Compresses, hashes and describes the segment just read by {@link #readSegment}. */
    private SegmentUpload prepareSegment(WalScan scan, Instant seen) throws IOException {
        try {
            return describeSegment(scan, seen, scratch.segment.array(), scratch.segment.size());
        } finally {
            returnScratch();
        }
    }

    private SegmentUpload describeSegment(WalScan scan, Instant seen, byte[] raw, int rawLength) throws IOException {
        long offset = indexStarted ? pos.offset() : 0;
        List<CommitRecord> commits = new ArrayList<>();
        long t = txid;
        for (WalCommit c : scan.commits()) {
            commits.add(new CommitRecord(++t, c.endOffset(), c.dbSizePages(), seen));
        }
        String sha = Chain.sha256Hex(raw, 0, rawLength);
        byte[] compressed = scratch.lz4.compress(raw, 0, rawLength);
        String link = Chain.link(chain, generation, index, offset, sha);
        int frameCount = (int) ((scan.end().offset() - scan.start().offset()) / lifetime.frameSize());
        SegmentMeta meta = new SegmentMeta(1, generation, index, offset, scan.end().offset(), lifetime.pageSize(),
                lifetime.saltHex(), scan.start().checksum().hex(), scan.end().checksum().hex(), frameCount,
                txid + 1, t, List.copyOf(commits), sha, compressed.length, chain, link);
        return new SegmentUpload(layout.segmentKey(generation, index, offset), compressed,
                layout.segmentMetaKey(generation, index, offset), Json.write(meta), meta, scan.end(), rawLength);
    }

    /**
     * Stores a segment (data, then metadata) in every replica, or in the spool for the replicas
     * that are behind, and only then advances the position.
     */
    private void store(SegmentUpload up) throws IOException {
        pending = up;
        boolean everywhere = publish(up.meta().generation(), up.meta().lastTxid(), up.metaKey(), List.of(
                PendingObject.ofBytes(up.dataKey(), up.compressed()), PendingObject.ofBytes(up.metaKey(), up.metaJson())));
        pending = null;
        pos = up.end();
        indexStarted = true;
        txid = up.meta().lastTxid();
        chain = up.meta().chain();
        segmentsShipped++;
        bytesShipped += up.compressed().length;
        lastShipped = Instant.now();
        if (everywhere) {
            notifyShipped(up.meta());
        } else {
            notYetEverywhere.put(up.meta().lastTxid(), up.meta());
        }
    }

    /**
     * Hands objects to every replica: directly to those that are up to date, through the spool
     * to those that are behind or fail now. Returns true when every replica has them.
     *
     * @throws IOException when a replica is behind and the spool is full: nothing advances, the
     *                     WAL keeps the frames, and the same objects are offered again later
     */
    private boolean publish(String gen, long txid, String segmentMetaKey, List<PendingObject> objects)
            throws IOException {
        if (fenced != null) {
            stopping = true;
            throw new IOException("fenced: " + fenced);
        }
        List<ReplicaTarget> behind = new ArrayList<>();
        for (ReplicaTarget t : targets) {
            if (t.hasBacklog()) {
                behind.add(t);
                continue;
            }
            try {
                t.storeInline(objects, txid);
            } catch (IOException | RuntimeException e) {
                behind.add(t);
            }
        }
        if (behind.isEmpty()) {
            return true;
        }
        if (spool.full()) {
            throw new IOException("the spool for replicas that are behind is full (" + spool.bytes() + " of "
                    + spool.limitBytes() + " bytes at " + spool.dir() + "): replication pauses and the WAL keeps "
                    + "the frames until " + behind.stream().map(t -> t.client().describe()).toList() + " catch up");
        }
        SpoolEntry e = spool.append(gen, txid, segmentMetaKey, objects);
        for (ReplicaTarget t : targets) {
            if (!behind.contains(t)) {
                t.skip(e.seq());
            }
        }
        behind.forEach(ReplicaTarget::wake);
        return false;
    }

    /**
     * Every few minutes, deletes what the retention window no longer needs from each replica that
     * is up to date (one that is behind keeps everything until it has caught up).
     */
    private void maybeEnforceRetention() throws IOException {
        if (cfg.retention() == null || generation == null) {
            return;
        }
        Instant now = cfg.clock().instant();
        Duration every = cfg.retention().compareTo(Duration.ofMinutes(50)) > 0 ? Duration.ofMinutes(5)
                : cfg.retention().dividedBy(10);
        if (Duration.between(retentionRanAt, now).compareTo(every) < 0) {
            return;
        }
        retentionRanAt = now;
        Retention retention = new Retention(RetentionPolicy.of(cfg.retention()));
        for (int i = 0; i < targets.size(); i++) {
            ReplicaTarget t = targets.get(i);
            if (t.hasBacklog() || t.fenced()) {
                continue;
            }
            if (!leases.isEmpty()) {
                // Deleting is writing: only while this process still holds the replica.
                try {
                    leases.get(i).checkHeld();
                } catch (IOException e) {
                    continue;
                }
            }
            Retention.Result r = retention.enforce(t.client(), layout, now, java.util.Set.of(generation));
            LOG.log(Level.DEBUG, "{0}: retention on {1}: {2}", name, t.client().describe(), r);
        }
    }

    /** Gives the upload threads a bounded time to empty the spool before a stop. */
    private void awaitDrained(Duration max) throws IOException {
        long deadline = System.nanoTime() + max.toNanos();
        for (ReplicaTarget t : targets) {
            t.wake();
        }
        while (System.nanoTime() < deadline) {
            boolean behind = false;
            for (ReplicaTarget t : targets) {
                behind |= t.hasBacklog();
            }
            if (!behind) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        throw new IOException("replicas are still behind after " + max.toSeconds() + " s; their backlog stays in "
                + spool.dir() + " and is sent when replication starts again");
    }

    /** One-shot use (no threads): replicas that are behind catch up now, or this fails. */
    private void drainBacklogs() throws IOException {
        IOException first = null;
        for (ReplicaTarget t : targets) {
            try {
                if (t.hasBacklog()) {
                    t.drainNow();
                }
            } catch (IOException e) {
                if (first == null) {
                    first = new IOException("replica " + t.client().describe() + " is behind and still failing; "
                            + "its backlog is kept in " + spool.dir() + ": " + e.getMessage(), e);
                }
            }
        }
        spool.collect(targets.stream().map(ReplicaTarget::id).toList());
        if (first != null) {
            throw first;
        }
    }

    /** A target stored a spooled entry: segments now in every replica are announced. */
    private void storedIn(ReplicaTarget target, long storedTxid) {
        releaseDurable();
        long min = Long.MAX_VALUE;
        for (ReplicaTarget t : targets) {
            min = Math.min(min, t.status(0).storedTxid());
        }
        while (!notYetEverywhere.isEmpty() && notYetEverywhere.firstKey() <= min) {
            notifyShipped(notYetEverywhere.pollFirstEntry().getValue());
        }
        if (thread != null && target != null) {
            try {
                spool.collect(targets.stream().map(ReplicaTarget::id).toList());
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "spool collection: {0}", e.getMessage());
            }
        }
    }

    private void notifyShipped(SegmentMeta meta) {
        Instant now = Instant.now();
        for (ShipListener l : listeners) {
            try {
                l.shipped(meta, now);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "ship listener failed: {0}", e.toString());
            }
        }
    }

    /**
     * The WAL's header changed: SQLite restarted or truncated it. We continue the generation in a
     * new index only when we can prove the replica holds every frame of the old lifetime;
     * otherwise a new generation starts. Returns false when a new generation was started.
     */
    private boolean continueAfterRestart(WalHeader now) throws IOException {
        // Frames of the old lifetime past our position may still be in the file: ship them first.
        long tailEnd = shipOldTail();
        boolean oneRestart = now == null || now.salt1() == lifetime.salt1() + 1;
        boolean proven;
        String why;
        if (now == null || wal.size() < tailEnd) {
            proven = false;
            why = "the WAL was truncated or deleted by another process before the replicator saw its last frames";
        } else {
            // SQLite rewrites a restarted WAL from its start. If the new lifetime has not yet
            // reached the old tail, the tail we read was intact and complete.
            long written = newLifetimeExtent(now);
            Optional<WalHeader> again = wal.readHeader();
            proven = oneRestart && (restartSafe || again.isPresent() && again.get().sameLifetime(now)
                    && written <= tailEnd);
            why = oneRestart
                    ? "the WAL restarted and overwrote frames the replicator had not shipped"
                    : String.format("the WAL restarted more than once since the replicator last read it "
                            + "(salt-1 %08x, checkpoint %d -> salt-1 %08x, checkpoint %d)", lifetime.salt1(),
                            lifetime.checkpointSeq(), now.salt1(), now.checkpointSeq());
        }
        restartSafe = false;
        if (!proven) {
            startGeneration(why);
            return false;
        }
        index++;
        if (now == null) {
            lifetime = null;
            pos = null;
            indexStarted = false;
        } else {
            bind(now);
        }
        LOG.log(Level.DEBUG, "{0}: WAL restarted, continuing in index {1}", name, index);
        return now != null;
    }

    /** Ships whatever whole transactions of the old lifetime remain after our position. */
    private long shipOldTail() throws IOException {
        while (true) {
            WalScan scan = readSegment(cfg.maxSegmentBytes(), Long.MAX_VALUE);
            if (scan.isEmpty()) {
                return pos.offset();
            }
            store(prepareSegment(scan, cfg.clock().instant()));
        }
    }

    /** Bytes the current WAL lifetime has written: its valid frames, plus one frame being written. */
    private long newLifetimeExtent(WalHeader now) throws IOException {
        WalFrameDecoder d = new WalFrameDecoder(now, WalHeader.SIZE, now.checksum());
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(wal.path()), 1 << 16)) {
            in.skipNBytes(WalHeader.SIZE);
            while (d.next(in) != null) {
                // count valid frames, committed or not
            }
        } catch (NoSuchFileException | java.io.EOFException e) {
            return 0;
        }
        return d.offset() + now.frameSize();
    }

    /**
     * Resumes the newest generation if every replica can continue it (it ends at the same
     * segment, or its backlog is in the spool) and the WAL provably continues it; otherwise says
     * why not, and a new generation starts.
     */
    private Optional<String> resume() throws IOException {
        SegmentMeta head = null;
        Optional<SpoolEntry> spooled = spool.newestSegmentEntry();
        if (spooled.isPresent()) {
            head = Json.read(spool.read(spooled.get(), spooled.get().segmentMetaKey()), SegmentMeta.class);
        }
        java.util.Map<ReplicaTarget, SegmentMeta> lastOf = new java.util.HashMap<>();
        java.util.Map<String, GenerationInfo> infoOf = new java.util.HashMap<>();
        for (ReplicaTarget t : targets) {
            Optional<GenerationInfo> latest;
            try {
                latest = new ReplicaCatalog(t.client(), layout).latest();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "replica {0} cannot be listed now: {1}", t.client().describe(), e.getMessage());
                continue;
            }
            if (latest.isEmpty()) {
                lastOf.put(t, null);
                continue;
            }
            GenerationInfo g = latest.get();
            infoOf.putIfAbsent(g.id(), g);
            SegmentEntry last = g.lastSegment();
            if (g.snapshots().isEmpty() || last == null || last.meta() == null) {
                return Optional.of("generation " + g.id() + " in " + t.client().describe()
                        + " has no snapshot or no segment with Lifeline metadata to continue from");
            }
            lastOf.put(t, last.meta());
            if (head == null || isAfter(last.meta(), head)) {
                head = last.meta();
            }
        }
        if (head == null) {
            return Optional.of("the replica has no generation yet");
        }
        for (ReplicaTarget t : targets) {
            if (!lastOf.containsKey(t)) {
                continue; // unreachable now: it catches up from the spool when it returns
            }
            SegmentMeta m = lastOf.get(t);
            boolean atHead = m != null && m.generation().equals(head.generation()) && m.index() == head.index()
                    && m.offset() == head.offset();
            if (!atHead && !t.hasBacklog()) {
                return Optional.of("replica " + t.client().describe() + " is behind the newest generation ("
                        + head.generation() + ") and the spool does not hold what it misses");
            }
        }
        SegmentMeta m = head;
        Optional<WalHeader> h = wal.readHeader();
        if (h.isEmpty() || !h.get().saltHex().equals(m.salts()) || h.get().pageSize() != m.pageSize()) {
            return Optional.of("the WAL changed since generation " + m.generation() + " was last written");
        }
        WalChecksum end = WalChecksum.parseHex(m.endChecksum());
        if (!lastFrameChecksumIs(h.get(), m.endOffset(), end)) {
            return Optional.of("the WAL no longer holds the last frame generation " + m.generation() + " shipped");
        }
        generation = m.generation();
        index = m.index();
        lifetime = h.get();
        pos = new WalPosition(h.get(), m.endOffset(), end);
        indexStarted = true;
        txid = m.lastTxid();
        chain = m.chain();
        framesAtLastCheckpoint = 0;
        snapshotIndexes.clear();
        GenerationInfo known = infoOf.get(generation);
        if (known != null && !known.snapshots().isEmpty()) {
            known.snapshots().forEach(sn -> snapshotIndexes.add(sn.index()));
            SnapshotEntry newest = known.snapshots().get(known.snapshots().size() - 1);
            lastSnapshotAt = newest.meta() != null ? newest.meta().time() : newest.object().modified();
        } else {
            // Only the spool knows this generation: do not guess which indexes have snapshots.
            snapshotIndexes.add(index);
            lastSnapshotAt = cfg.clock().instant();
        }
        LOG.log(Level.INFO, "{0}: resuming generation {1} at index {2}, offset {3}, txid {4}", name, generation,
                index, pos.offset(), txid);
        return Optional.empty();
    }

    /** Whether segment {@code a} comes after {@code b}: a newer generation, or later in the same one. */
    private static boolean isAfter(SegmentMeta a, SegmentMeta b) {
        if (!a.generation().equals(b.generation())) {
            Instant ta = a.lastCommit().time();
            Instant tb = b.lastCommit().time();
            return ta.isAfter(tb);
        }
        return a.index() > b.index() || a.index() == b.index() && a.offset() > b.offset();
    }

    private boolean lastFrameChecksumIs(WalHeader h, long endOffset, WalChecksum expected) throws IOException {
        if (endOffset <= WalHeader.SIZE) {
            return h.checksum().equals(expected);
        }
        long frameStart = endOffset - h.frameSize();
        try (FileChannel ch = FileChannel.open(wal.path(), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(WalFrame.HEADER_SIZE);
            while (b.hasRemaining()) {
                if (ch.read(b, frameStart + b.position()) < 0) {
                    return false;
                }
            }
            return b.getInt(16) == expected.s1() && b.getInt(20) == expected.s2();
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Starts a new generation: a consistent snapshot first, then the WAL's committed frames as
     * the first segments of index 0. The snapshot is stored before any segment, so a crash in
     * between leaves a generation that restores (to the snapshot) with either tool.
     */
    private void startGeneration(String reason) throws IOException {
        String id = newGenerationId();
        LOG.log(Level.INFO, "{0}: starting generation {1}: {2}", name, id, reason);
        Path tmpDir = database.getParent();
        SnapshotImage image = new SnapshotBuilder(dbFile, wal, tmpDir, cfg.maxSegmentBytes()).build();
        try {
            Instant now = cfg.clock().instant();
            String genesis = Chain.genesis(id);
            WalCommit last = image.lastCommit();
            // The snapshot sits at the end of the chunks that will become the first segments.
            String snapChain = genesis;
            for (SnapshotImage.Chunk c : image.chunks()) {
                long offset = c.scan().start().atStart() ? 0 : c.scan().start().offset();
                snapChain = Chain.link(snapChain, id, 0, offset, c.sha256());
            }
            uploadSnapshot(id, 0, reason, image, now, snapChain, last == null ? 0 : last.endOffset(),
                    image.commitCount());
            snapshotIndexes.clear();
            snapshotIndexes.add(0);
            lastSnapshotAt = now;
            generation = id;
            index = 0;
            txid = 0;
            chain = genesis;
            pending = null;
            generationsStarted++;
            if (image.header() == null) {
                lifetime = null;
                pos = null;
                indexStarted = false;
            } else {
                bind(image.header());
                shipChunks(image, now);
            }
            publishStatus("replicating");
        } finally {
            Files.deleteIfExists(image.file());
        }
    }

    /**
     * Stores a snapshot (and, for a generation's first one, the generation's metadata) in every
     * replica. {@code reason} is null for a snapshot inside a running generation.
     */
    private void uploadSnapshot(String id, int snapIndex, String reason, SnapshotImage image, Instant now,
                                String snapChain, long walOffset, long snapTxid) throws IOException {
        Path compressed = Files.createTempFile(database.getParent(), "lifeline-snapshot-", ".lz4");
        try {
            MessageDigest md = Chain.sha256();
            long size = 0;
            try (InputStream in = Files.newInputStream(image.file());
                 OutputStream out = Lz4.compressingStream(Files.newOutputStream(compressed))) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    out.write(buf, 0, n);
                    size += n;
                }
            }
            SnapshotMeta sm = new SnapshotMeta(1, id, snapIndex, walOffset, snapTxid, now, image.pageSize(),
                    image.dbPages(), size, HexFormat.of().formatHex(md.digest()), Files.size(compressed), snapChain);
            List<PendingObject> objects = new ArrayList<>();
            if (reason != null) {
                GenerationMeta gm = new GenerationMeta(1, id, now, name, hostName(), ProcessHandle.current().pid(),
                        reason, Chain.genesis(id));
                objects.add(PendingObject.ofBytes(layout.generationMetaKey(id), Json.write(gm)));
            }
            objects.add(PendingObject.ofFile(layout.snapshotKey(id, snapIndex), compressed));
            objects.add(PendingObject.ofBytes(layout.snapshotMetaKey(id, snapIndex), Json.write(sm)));
            publish(id, snapTxid, null, objects);
        } finally {
            Files.deleteIfExists(compressed);
        }
    }

    /** Ships the frames the snapshot covers, in exactly the chunks its chain position was computed from. */
    private void shipChunks(SnapshotImage image, Instant seen) throws IOException {
        for (SnapshotImage.Chunk c : image.chunks()) {
            WalScan scan = readSegment(Long.MAX_VALUE, c.scan().end().offset());
            SegmentUpload up = prepareSegment(scan, seen);
            if (!up.meta().sha256().equals(c.sha256()) || scan.end().offset() != c.scan().end().offset()) {
                generation = null;
                throw new IOException("the WAL of " + database + " changed while generation " + up.meta().generation()
                        + " started; starting another");
            }
            store(up);
        }
    }

    /**
     * Checkpoints once enough shipped frames have built up, never past what is shipped: the read
     * transaction is released only after everything committed is in the replica, and a frame
     * written in between stays in the WAL until the next pass ships it.
     */
    private void maybeCheckpoint() throws IOException {
        if (lifetime == null || pos == null || pending != null) {
            return;
        }
        long frames = pos.frameCount();
        long sinceLast = frames - framesAtLastCheckpoint;
        boolean idle = sinceLast > 0 && Duration.between(lastCommitSeen, cfg.clock().instant())
                .compareTo(cfg.idleCheckpoint()) >= 0;
        String mode;
        if (sinceLast <= 0) {
            return; // nothing new since the last checkpoint: running it again would change nothing
        }
        if (frames >= cfg.maxCheckpointFrames()) {
            // RESTART, not TRUNCATE: the old frames stay in the file until the new lifetime
            // overwrites them, which is what lets the next pass prove nothing was lost.
            mode = "RESTART";
        } else if (sinceLast >= cfg.minCheckpointFrames() || idle) {
            mode = "PASSIVE";
        } else {
            return;
        }
        // Only now read the header (an idle loop must cost no file opens): if the WAL restarted
        // since our pass, that pass must account for it first.
        Optional<WalHeader> current = wal.readHeader();
        if (current.isEmpty() || !current.get().sameLifetime(lifetime)) {
            return;
        }
        shipCommitted();
        long shippedFrames = pos.frameCount();
        restartSafe = false;
        CheckpointResult r;
        try {
            if (mode.equals("RESTART")) {
                // RESTART waits for every reader, ours included, and holds back the host's
                // writers while it waits: release our lock and keep the wait short.
                conn.releaseRead();
                try {
                    r = conn.checkpoint(mode, 200);
                } finally {
                    conn.holdRead();
                }
            } else {
                // PASSIVE with our read lock in place copies only frames up to our mark, all
                // shipped. Re-taking the lock then moves our mark to the WAL's end; if everything
                // was copied, SQLite may restart the WAL at the next write, but at most once
                // before our next pass (our fresh lock blocks copying the new lifetime).
                r = conn.checkpoint(mode, 1000);
                conn.releaseRead();
                conn.holdRead();
            }
        } catch (SQLException e) {
            throw new IOException("checkpoint (" + mode + ") of " + database + " failed: " + e.getMessage(), e);
        }
        checkpoints++;
        framesAtLastCheckpoint = frames;
        restartSafe = r.complete() && r.logFrames() == shippedFrames;
        LOG.log(Level.DEBUG, "{0}: checkpoint {1}: busy={2} log={3} checkpointed={4}", name, mode, r.busy(),
                r.logFrames(), r.checkpointedFrames());
    }

    private void reopen() throws IOException {
        retireTargets();
        closeConnection();
        lifetime = null;
        pos = null;
        open();
    }

    private Object fileKey() {
        try {
            BasicFileAttributes a = Files.readAttributes(database, BasicFileAttributes.class);
            return a.fileKey() != null ? a.fileKey() : a.creationTime();
        } catch (IOException e) {
            return null;
        }
    }

    private static String newGenerationId() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void publishStatus(String state) {
        List<ReplicaStatus> replicas = new ArrayList<>();
        for (ReplicaTarget t : targets) {
            replicas.add(t.status(txid));
        }
        String describe = cfg.replicas().stream().map(ReplicaClient::describe)
                .collect(java.util.stream.Collectors.joining(", "));
        status = new ReplicatorStatus(database.toString(), describe, state, generation, index,
                pos == null ? 0 : pos.offset(), txid, segmentsShipped, bytesShipped, generationsStarted, checkpoints,
                lastShipped, lastError, lastErrorAt, List.copyOf(replicas), spool == null ? 0 : spool.bytes(),
                0, 0);
    }
}
