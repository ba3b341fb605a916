package dev.lifeline.runtime.ship;

import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One replica of a database. While it keeps up, the replicator stores objects in it directly;
 * once a store fails, everything for it goes through the spool, and this target's own thread
 * drains the spool in order (retrying with exponential backoff and jitter) until it has caught up.
 */
public final class ReplicaTarget {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.ship");
    private static final long MAX_BACKOFF_MS = 30_000;

    /** Told each time this target has stored everything up to a spool entry. */
    public interface Listener {
        void stored(ReplicaTarget target, long txid);
    }

    /**
     * Verifies, before a write, that this process may still write to the replica (the fencing
     * lease). A plain IOException means "not reachable now" and is handled like a failed store;
     * {@link Fenced} means another process took the replica over.
     */
    public interface WriteGuard {
        void check() throws IOException;
    }

    /** Another process owns the replica now: this target stops writing for good. */
    public static final class Fenced extends IOException {
        public Fenced(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String id;
    private final ReplicaClient client;
    private final SegmentSpool spool;
    private final Listener listener;
    private final WriteGuard guard;
    private volatile Thread thread;
    private volatile boolean stopping;
    private volatile long storedTxid;
    private volatile Instant lastStored;
    private volatile String lastError;
    private volatile Instant failingSince;
    private volatile long failures;
    private volatile boolean fenced;
    private final OwnGenerations own = new OwnGenerations();
    /** Spool entries after this one were made by this process (the spool outlives a run). */
    private final long lastSeqOfEarlierRuns;

    public ReplicaTarget(String id, ReplicaClient client, SegmentSpool spool, Listener listener) {
        this(id, client, spool, listener, () -> { });
    }

    public ReplicaTarget(String id, ReplicaClient client, SegmentSpool spool, Listener listener, WriteGuard guard) {
        this.id = id;
        this.client = client;
        this.spool = spool;
        this.listener = listener;
        this.guard = guard;
        this.lastSeqOfEarlierRuns = spool.lastSeq();
    }

    public String id() {
        return id;
    }

    public ReplicaClient client() {
        return client;
    }

    /** True once another process took this replica over: nothing more is written to it. */
    public boolean fenced() {
        return fenced;
    }

    /** True while this replica has spooled entries it has not stored yet. */
    public boolean hasBacklog() throws IOException {
        return spool.cursor(id) < spool.lastSeq();
    }

    /** Stores an entry's objects right now (the caller's thread). */
    public void storeInline(List<PendingObject> objects, long txid) throws IOException {
        try {
            guard.check();
            for (PendingObject o : objects) {
                if (o.file() != null) {
                    client.putIfAbsent(o.key(), o.file());
                } else {
                    put(o.key(), o.bytes());
                }
            }
        } catch (IOException | RuntimeException e) {
            recordFailure(e);
            throw e;
        }
        own.stored(objects.stream().map(PendingObject::key).toList());
        recordSuccess(txid);
    }

    /** Marks an entry as stored by the inline path, so the spool never sends it again. */
    public void skip(long seq) throws IOException {
        spool.advance(id, seq);
    }

    public void start(String dbName) {
        Thread t = new Thread(this::drainLoop, "lifeline-upload-" + dbName + "-" + id);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    public void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    public void stop() {
        stopping = true;
        wake();
    }

    /**
     * Waits at most {@code max} for this target's thread to end after {@link #stop()} (at once if
     * it never started).
     *
     * @return true if it has ended
     */
    public boolean awaitStopped(java.time.Duration max) throws InterruptedException {
        Thread t = thread;
        if (t == null) {
            return true;
        }
        t.join(Math.max(1, max.toMillis()));
        return !t.isAlive();
    }

    /** Drains the backlog on the caller's thread (one-shot use without a running thread). */
    public void drainNow() throws IOException {
        while (true) {
            List<SpoolEntry> batch = spool.after(spool.cursor(id), 64);
            if (batch.isEmpty()) {
                return;
            }
            for (SpoolEntry e : batch) {
                storeEntry(e);
            }
        }
    }

    private void drainLoop() {
        long backoff = 0;
        while (!stopping) {
            if (fenced) {
                return;
            }
            try {
                List<SpoolEntry> batch = spool.after(spool.cursor(id), 64);
                if (batch.isEmpty()) {
                    LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(1));
                    continue;
                }
                for (SpoolEntry e : batch) {
                    if (stopping) {
                        return;
                    }
                    storeEntry(e);
                }
                backoff = 0;
            } catch (IOException | RuntimeException e) {
                backoff = backoff == 0 ? 100 : Math.min(MAX_BACKOFF_MS, backoff * 2);
                long sleep = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
                // The replicator wakes us for every entry it spools: that must not cut the backoff
                // short, or a store answering "slow down" would be retried once per segment.
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(sleep);
                long left;
                while (!stopping && (left = until - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(this, left);
                }
            }
        }
    }

    private void storeEntry(SpoolEntry e) throws IOException {
        try {
            guard.check();
            for (SpoolObject o : e.objects()) {
                Path f = spool.file(e, o);
                if (o.size() > (1 << 20)) {
                    client.putIfAbsent(o.key(), f);
                } else {
                    put(o.key(), java.nio.file.Files.readAllBytes(f));
                }
            }
        } catch (IOException | RuntimeException ex) {
            recordFailure(ex);
            throw ex;
        }
        if (e.seq() > lastSeqOfEarlierRuns) {
            own.stored(e.objects().stream().map(SpoolObject::key).toList());
        }
        spool.advance(id, e.seq());
        recordSuccess(e.txid());
    }

    /**
     * A small object: inside a generation this target started, no look for an existing object
     * first (on an S3 server without conditional writes that look is a round trip per object).
     */
    private void put(String key, byte[] bytes) throws IOException {
        if (own.owns(key)) {
            client.putExclusive(key, bytes);
        } else {
            client.putIfAbsent(key, bytes);
        }
    }

    private void recordSuccess(long txid) {
        if (failingSince != null) {
            LOG.log(Level.INFO, "replica {0} ({1}) is reachable again after {2} failures", id, client.describe(),
                    failures);
        }
        failingSince = null;
        failures = 0;
        storedTxid = txid;
        lastStored = Instant.now();
        listener.stored(this, txid);
    }

    private void recordFailure(Exception e) {
        if (e instanceof Fenced) {
            fenced = true;
        }
        failures++;
        lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (failingSince == null) {
            failingSince = Instant.now();
        }
        if (failures <= 3 || failures % 50 == 0) {
            LOG.log(Level.WARNING, "replica {0} ({1}) failed (attempt {2}); its backlog stays in the spool: {3}", id,
                    client.describe(), failures, lastError);
        }
    }

    public ReplicaStatus status(long headTxid) {
        return new ReplicaStatus(id, client.describe(), storedTxid, Math.max(0, headTxid - storedTxid), lastStored,
                failingSince, lastError);
    }
}
