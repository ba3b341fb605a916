package dev.lifeline.runtime.lease;

import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient.ObjectExistsException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fencing lease on one replica prefix, so that two processes pointed at the same prefix do not
 * interleave generations. It is built from write-once objects only, so it works on directories
 * and on any S3 store without conditional overwrites: every acquisition, renewal, takeover and
 * release writes a new object {@code lifeline/v1/lease/<16 hex seq>.json} with the next sequence
 * number, and only the newest object counts. Two contenders for one sequence number both call
 * {@link ReplicaClient#putIfAbsent}; exactly one succeeds (their bytes differ: each carries its own
 * random holder id), the other re-reads and finds the lease held.
 *
 * <p>The caller schedules renewals ({@link #renewDue}, every third of the TTL) and calls
 * {@link #checkHeld()} before writing. The lease is advisory against processes that do not
 * take it (Litestream, older Lifeline versions) and relies on clocks agreeing within
 * {@code skew}: the holder stops considering itself the holder at {@code expiresAt} by its own
 * clock, others take an unrenewed lease only after {@code expiresAt + skew} by theirs.
 *
 * <p>Thread-safe: every operation is serialised on this object.
 */
public final class ReplicaLease implements AutoCloseable {

    public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_SKEW = Duration.ofSeconds(5);
    /** Lease objects kept behind the newest one; older ones are deleted by the holder. */
    public static final int KEEP = 3;

    private static final System.Logger LOG = System.getLogger("dev.lifeline.lease");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern KEY = Pattern.compile("([0-9a-f]{16})\\.json");
    private static final int MAX_ATTEMPTS = 20;

    private final ReplicaClient client;
    private final String prefix;
    private final String database;
    private final Clock clock;
    private final Duration ttl;
    private final Duration skew;
    private final String holderId;
    private final String host;
    private final long pid;

    /** The newest lease object we wrote while we hold the lease; null otherwise. */
    private LeaseRecord held;
    /** Why we stopped holding it (taken over), for later calls. */
    private LeaseLostException lost;
    private boolean released;

    /** A lease with the default TTL (30 s) and clock-skew allowance (5 s), on the system clock. */
    public ReplicaLease(ReplicaClient client, ReplicaLayout layout, String database) {
        this(client, layout, database, Clock.systemUTC(), DEFAULT_TTL, DEFAULT_SKEW);
    }

    /**
     * @param database what this process replicates (named to other processes that find the lease held)
     * @param ttl      how long a lease object is valid without renewal
     * @param skew     how much later than {@code expiresAt} another process may take an unrenewed lease
     */
    public ReplicaLease(ReplicaClient client, ReplicaLayout layout, String database, Clock clock, Duration ttl,
                        Duration skew) {
        this.client = Objects.requireNonNull(client);
        this.prefix = layout.metaPrefix() + "lease/";
        this.database = Objects.requireNonNull(database);
        this.clock = Objects.requireNonNull(clock);
        if (ttl.isNegative() || ttl.isZero() || skew.isNegative()) {
            throw new IllegalArgumentException("lease TTL must be positive and skew not negative: " + ttl + ", " + skew);
        }
        this.ttl = ttl;
        this.skew = skew;
        byte[] id = new byte[8];
        RANDOM.nextBytes(id);
        this.holderId = HexFormat.of().formatHex(id);
        this.host = Host.NAME;
        this.pid = ProcessHandle.current().pid();
    }

    public String holderId() {
        return holderId;
    }

    public Duration ttl() {
        return ttl;
    }

    /** A third of the TTL: a renewal may fail twice before the lease expires. */
    public Duration renewInterval() {
        return ttl.dividedBy(3);
    }

    /** {@code <prefix>lifeline/v1/lease/}. */
    public String leasePrefix() {
        return prefix;
    }

    public String keyOf(long seq) {
        return prefix + String.format("%016x.json", seq);
    }

    /** The lease object we wrote last, while we hold the lease. */
    public synchronized Optional<LeaseRecord> held() {
        return Optional.ofNullable(held);
    }

    /** Whether a renewal is due at {@code now}: a third of the TTL after the last one. */
    public synchronized boolean renewDue(Instant now) {
        return held != null && !now.isBefore(held.renewedAt().plus(renewInterval()));
    }

    /**
     * Takes the lease: when no lease object exists, the newest is released or expired (by more than
     * the skew allowance), it is already ours, or {@code takeover} is set. Otherwise throws
     * {@link LeaseHeldException} naming the holder.
     */
    public synchronized LeaseRecord acquire(boolean takeover) throws IOException {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Newest n = readNewest();
            Instant now = clock.instant();
            boolean ours = n != null && n.record != null && holderId.equals(n.record.holderId());
            if (n != null && !ours) {
                refuseUnlessFree(n, now, takeover);
            }
            long next = n == null ? 1 : n.seq + 1;
            Instant since = ours && !n.record.released() ? n.record.since() : now;
            LeaseRecord rec = new LeaseRecord(LeaseRecord.FORMAT, holderId, host, pid, database, since, now,
                    now.plus(ttl), next);
            try {
                client.putIfAbsent(keyOf(next), Json.write(rec));
            } catch (ObjectExistsException e) {
                continue; // another contender won this sequence number: look again
            }
            // A sequence number reused after pruning is not the newest: someone is ahead of us.
            if (maxSeq() != next) {
                continue;
            }
            if (n != null && !ours && n.record != null && !n.record.freeAt(now, skew)) {
                LOG.log(Level.WARNING, "took over the lease of {0} from {1}", client.describe() + " " + prefix,
                        n.record.describeHolder());
            }
            held = rec;
            lost = null;
            released = false;
            prune(next);
            return rec;
        }
        throw new IOException("cannot acquire the lease on " + where() + ": " + MAX_ATTEMPTS
                + " attempts lost a race with other processes; try again");
    }

    /**
     * The holder ran on this host (same host name) and no live process has its pid. (A holder
     * with our own pid may be another lease in this very process, so that is never assumed dead.)
     */
    private boolean holderDiedHere(LeaseRecord r) {
        return host.equals(r.host()) && r.pid() != pid
                && ProcessHandle.of(r.pid()).map(p -> !p.isAlive()).orElse(true);
    }

    private void refuseUnlessFree(Newest n, Instant now, boolean takeover) throws LeaseHeldException {
        if (takeover) {
            return;
        }
        String advice = " Wait for the lease to expire, or pass --takeover to take it over (the other process"
                + " then stops replicating to this prefix).";
        if (n.record == null) {
            Instant until = n.info.modified().plus(ttl).plus(skew);
            if (!until.isBefore(now)) {
                throw new LeaseHeldException("replica " + where() + " has a lease object " + n.info.key()
                        + " that cannot be read (" + n.error + "), written at " + n.info.modified()
                        + "; it is treated as held until " + until + "." + advice, null);
            }
            return;
        }
        if (n.record.format() != LeaseRecord.FORMAT) {
            throw new LeaseHeldException("replica " + where() + " is leased in format " + n.record.format()
                    + " (lease object " + n.info.key() + "), which this version of Lifeline does not know: a newer"
                    + " Lifeline may be using it (" + n.record.describeHolder() + ")." + advice, n.record);
        }
        if (!n.record.freeAt(now, skew) && holderDiedHere(n.record)) {
            // A supervisor restarting us right after a crash should not wait out the TTL: the
            // holder ran on this host and its process is gone, so nobody can still be writing.
            return;
        }
        if (!n.record.freeAt(now, skew)) {
            long secs = Math.max(0, Duration.between(now, n.record.expiresAt().plus(skew)).toSeconds());
            throw new LeaseHeldException("replica " + where() + " is in use by another Lifeline process: "
                    + n.record.describeHolder() + " (free in about " + secs + " s if it stops renewing)." + advice,
                    n.record);
        }
    }

    /**
     * Extends the lease: verifies that the newest lease object is still ours, then writes the next
     * one with a new expiry, and deletes lease objects older than the newest {@value #KEEP}.
     * Renewing a lease that expired without anyone taking it over restores it.
     *
     * @throws LeaseLostException another process took the lease over
     */
    public synchronized LeaseRecord renew() throws IOException {
        requireAcquired();
        LeaseLostException gone = verifyOurs();
        if (gone != null && gone.takenOver()) {
            throw gone;
        }
        // (When the lease objects were removed, writing the next one re-establishes the lease.)
        Instant now = clock.instant();
        LeaseRecord rec = new LeaseRecord(LeaseRecord.FORMAT, holderId, host, pid, database, held.since(), now,
                now.plus(ttl), held.seq() + 1);
        try {
            client.putIfAbsent(keyOf(rec.seq()), Json.write(rec));
        } catch (ObjectExistsException e) {
            gone = verifyOurs();
            throw gone != null ? gone : new LeaseLostException("lease sequence " + rec.seq() + " on " + where()
                    + " was written concurrently; retry", null, false);
        }
        held = rec;
        gone = verifyOurs();
        if (gone != null) {
            throw gone;
        }
        prune(rec.seq());
        return rec;
    }

    /**
     * Cheap check before writing to the replica (one listing of the lease prefix): the newest lease
     * object is ours and has not expired.
     *
     * @throws LeaseLostException another process took the lease over ({@link LeaseLostException#takenOver()}),
     *                            or ours expired because renewals failed (then {@link #renew()} may win it back)
     */
    public synchronized void checkHeld() throws IOException {
        requireAcquired();
        LeaseLostException gone = verifyOurs();
        if (gone != null) {
            throw gone;
        }
        Instant now = clock.instant();
        if (now.isAfter(held.expiresAt())) {
            throw new LeaseLostException("the lease on " + where() + " expired at " + held.expiresAt()
                    + " because it was not renewed in time (now " + now + "); no other process has taken it yet,"
                    + " a successful renewal restores it", null, false);
        }
    }

    /**
     * Gives the lease up: writes a last object whose expiry is its own time, so the next process
     * acquires at once. Does nothing when we do not hold it.
     */
    public synchronized void release() throws IOException {
        if (held == null) {
            return;
        }
        LeaseLostException gone = verifyOurs();
        LeaseRecord mine = held;
        held = null;
        released = true;
        if (mine == null || gone != null && gone.takenOver()) {
            return; // someone else holds it now
        }
        Instant now = clock.instant();
        LeaseRecord rec = new LeaseRecord(LeaseRecord.FORMAT, holderId, host, pid, database, mine.since(), now, now,
                mine.seq() + 1);
        try {
            client.putIfAbsent(keyOf(rec.seq()), Json.write(rec));
        } catch (ObjectExistsException e) {
            return; // someone else took it meanwhile
        }
        prune(rec.seq());
    }

    @Override
    public void close() throws IOException {
        release();
    }

    /** The newest lease object of a replica prefix, for status commands; empty when there is none. */
    public static Optional<LeaseRecord> newest(ReplicaClient client, ReplicaLayout layout) throws IOException {
        ReplicaLease probe = new ReplicaLease(client, layout, "-");
        Newest n = probe.readNewest();
        return n == null || n.record == null ? Optional.empty() : Optional.of(n.record);
    }

    // ------------------------------------------------------------------ internals

    private void requireAcquired() throws LeaseLostException {
        if (held != null) {
            return;
        }
        if (lost != null) {
            throw new LeaseLostException(lost.getMessage(), lost.newer(), lost.takenOver());
        }
        if (released) {
            throw new LeaseLostException("the lease on " + where() + " was released", null, false);
        }
        throw new IllegalStateException("the lease on " + where() + " was never acquired");
    }

    /**
     * Lists the lease objects and checks that the newest one is ours. Returns null when it is (a
     * newer object of ours, from a write whose success we did not see, is adopted), else the
     * exception to throw; when another process holds the lease, we forget ours.
     */
    private LeaseLostException verifyOurs() throws IOException {
        long max = maxSeq();
        if (max == held.seq()) {
            return null;
        }
        if (max < 0) {
            return new LeaseLostException("the lease objects under " + where() + " were removed; this process"
                    + " cannot prove it holds the lease until it renews it", null, false);
        }
        Newest n = readNewest();
        LeaseRecord other = n == null ? null : n.record;
        if (other != null && holderId.equals(other.holderId()) && !other.released()
                && Long.compareUnsigned(other.seq(), held.seq()) > 0) {
            held = other;
            return null;
        }
        LeaseLostException e = new LeaseLostException("another process took over the lease on " + where()
                + (other != null ? ": " + other.describeHolder() : " (its lease object cannot be read)")
                + ". This process must stop writing to the replica prefix.", other, true);
        held = null;
        lost = e;
        return e;
    }

    private String where() {
        return client.describe() + (prefix.equals("lifeline/v1/lease/") ? "" : " (" + prefix + ")");
    }

    private record Entry(long seq, ObjectInfo info) {
    }

    private record Newest(long seq, ObjectInfo info, LeaseRecord record, String error) {
    }

    private List<Entry> entries() throws IOException {
        List<Entry> out = new ArrayList<>();
        for (ObjectInfo o : listRetrying(client, prefix)) {
            Matcher m = KEY.matcher(o.key().substring(prefix.length()));
            if (m.matches()) {
                out.add(new Entry(Long.parseUnsignedLong(m.group(1), 16), o));
            }
        }
        out.sort((a, b) -> Long.compareUnsigned(a.seq, b.seq));
        return out;
    }

    /**
     * Lists a prefix, retrying when an object vanished during the listing: a directory listing
     * can fail that way while another process publishes (its temporary file is renamed away) or
     * prunes lease objects.
     */
    static List<ObjectInfo> listRetrying(ReplicaClient client, String prefix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return client.list(prefix);
            } catch (NoSuchFileException e) {
                if (attempt >= 10) {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }

    /** The highest sequence number present, or -1. */
    private long maxSeq() throws IOException {
        List<Entry> e = entries();
        return e.isEmpty() ? -1 : e.get(e.size() - 1).seq;
    }

    private Newest readNewest() throws IOException {
        for (int attempt = 0; ; attempt++) {
            List<Entry> all = entries();
            if (all.isEmpty()) {
                return null;
            }
            Entry last = all.get(all.size() - 1);
            byte[] bytes;
            try {
                bytes = client.getBytes(last.info.key());
            } catch (NoSuchFileException e) {
                if (attempt < 5) {
                    continue; // pruned between the listing and the read: list again
                }
                throw e;
            }
            try {
                LeaseRecord r = Json.read(bytes, LeaseRecord.class);
                if (r.seq() != last.seq || r.holderId() == null || r.expiresAt() == null || r.renewedAt() == null) {
                    return new Newest(last.seq, last.info, null, "its content does not match its key");
                }
                return new Newest(last.seq, last.info, r, null);
            } catch (IOException | RuntimeException e) {
                return new Newest(last.seq, last.info, null, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    /** Deletes lease objects older than the newest {@link #KEEP}; failures only delay the cleanup. */
    private void prune(long newest) {
        try {
            for (Entry e : entries()) {
                if (Long.compareUnsigned(e.seq, newest - KEEP) <= 0 && newest >= KEEP) {
                    client.delete(e.info.key());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "pruning old lease objects of {0}: {1}", where(), e.toString());
        }
    }

    /** The host name, looked up once (it can be slow). */
    private static final class Host {
        static final String NAME = lookup();

        private static String lookup() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                String env = System.getenv("HOSTNAME");
                return env != null && !env.isBlank() ? env : "unknown";
            }
        }
    }
}
