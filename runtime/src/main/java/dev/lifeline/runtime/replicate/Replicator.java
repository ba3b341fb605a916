package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.catalog.SegmentEntry;
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
import java.util.concurrent.locks.LockSupport;

/**
 * Replicates one SQLite database: ships every committed WAL frame to the replica as
 * Litestream-compatible segments, owns checkpointing, and starts a new generation whenever it
 * cannot prove that the replica's chain continues into the current WAL.
 *
 * <p>All replication state is owned by one thread (the loop started by {@link #start()}, or the
 * caller of {@link #syncOnce()} in tests and one-shot use); other threads only read
 * {@link #status()} and call {@link #wake()} and {@link #stop}.
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
    private Object dbFileKey;
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
    private Instant lastCommitSeen = Instant.EPOCH;
    private SegmentUpload pending;
    private int consecutiveFailures;
    /** WAL size and modification time at the last full look, to skip polls that find nothing new. */
    private long lastWalSize = -1;
    private long lastWalModified = -1;
    private long lastFullLookNanos;

    // ---- shared with other threads ----
    private volatile boolean stopping;
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

    /** Told about each segment once it is durable in the replica (benchmarks, durability waiters). */
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
            dbFile = new DatabaseFile(database);
            header = dbFile.readHeader();
            conn = new ReadLockConnection(database, 5000);
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
            cfg.replica().checkWritable();
        } catch (SQLException | IOException e) {
            closeConnection();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot open " + database + " with SQLite: " + e.getMessage(), e);
        }
        dbFileKey = fileKey();
        publishStatus("open");
    }

    /** Starts the replication loop on its own daemon thread. */
    public void start() throws IOException {
        if (conn == null) {
            open();
        }
        Thread t = new Thread(this::loop, "lifeline-replicator-" + name);
        t.setDaemon(true);
        thread = t;
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
     * Stops the loop after it has shipped what is committed, waiting at most {@code timeout}.
     * @return true if the loop finished in time
     */
    public boolean stop(Duration timeout) throws InterruptedException {
        stopping = true;
        wake();
        Thread t = thread;
        if (t == null) {
            closeConnection();
            return true;
        }
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws Exception {
        stop(Duration.ofSeconds(30));
    }

    public ReplicatorStatus status() {
        return status;
    }

    private void loop() {
        long backoffMs = 0;
        try {
            while (!stopping) {
                try {
                    if (walMayHaveChanged()) {
                        syncOnce();
                    }
                    maybeCheckpoint();
                    backoffMs = 0;
                    consecutiveFailures = 0;
                } catch (Exception e) {
                    consecutiveFailures++;
                    recordError(e);
                    backoffMs = Math.min(5000, backoffMs == 0 ? 100 : backoffMs * 2);
                }
                long waitNanos = backoffMs > 0 ? TimeUnit.MILLISECONDS.toNanos(backoffMs)
                        : cfg.pollInterval().toNanos();
                if (!stopping) {
                    LockSupport.parkNanos(this, waitNanos);
                }
            }
            // Ship what is committed before letting go, so a clean stop loses nothing.
            try {
                syncOnce();
            } catch (Exception e) {
                recordError(e);
                LOG.log(Level.WARNING, "final sync of {0} failed; the replica may lag the database: {1}",
                        database, e.getMessage());
            }
        } finally {
            closeConnection();
            publishStatus("stopped");
            stopped.countDown();
        }
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
                dbFile.close();
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
            LOG.log(Level.WARNING, "replicating {0} to {1} failed (attempt {2}): {3}", database,
                    cfg.replica().describe(), consecutiveFailures, lastError);
        }
        publishStatus("retrying");
    }

    /**
     * One pass: establish or check the generation, then ship every whole transaction the WAL has.
     * Safe to call repeatedly; a failed call leaves the state as it was, so the next call retries.
     */
    public void syncOnce() throws IOException {
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
        } else if (!Objects.equals(fileKey(), dbFileKey)) {
            reopen();
            startGeneration("the database file was replaced");
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
        publishStatus("replicating");
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
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            WalScan scan = wal.readTransactions(pos, cfg.maxSegmentBytes(), frames);
            if (scan.isEmpty()) {
                return;
            }
            lastCommitSeen = cfg.clock().instant();
            SegmentUpload up = prepareSegment(scan, frames.toByteArray(), lastCommitSeen);
            store(up);
            if (!scan.moreAvailable()) {
                return;
            }
        }
    }

    private SegmentUpload prepareSegment(WalScan scan, byte[] frames, Instant seen) throws IOException {
        long offset = indexStarted ? pos.offset() : 0;
        byte[] raw;
        if (indexStarted) {
            raw = frames;
        } else {
            // The first segment of an index carries the WAL header, as Litestream's do.
            raw = new byte[WalHeader.SIZE + frames.length];
            System.arraycopy(lifetime.encode(), 0, raw, 0, WalHeader.SIZE);
            System.arraycopy(frames, 0, raw, WalHeader.SIZE, frames.length);
        }
        List<CommitRecord> commits = new ArrayList<>();
        long t = txid;
        for (WalCommit c : scan.commits()) {
            commits.add(new CommitRecord(++t, c.endOffset(), c.dbSizePages(), seen));
        }
        String sha = Chain.sha256Hex(raw, 0, raw.length);
        byte[] compressed = Lz4.compress(raw, 0, raw.length);
        String link = Chain.link(chain, generation, index, offset, sha);
        int frameCount = (int) ((scan.end().offset() - scan.start().offset()) / lifetime.frameSize());
        SegmentMeta meta = new SegmentMeta(1, generation, index, offset, scan.end().offset(), lifetime.pageSize(),
                lifetime.saltHex(), scan.start().checksum().hex(), scan.end().checksum().hex(), frameCount,
                txid + 1, t, List.copyOf(commits), sha, compressed.length, chain, link);
        return new SegmentUpload(layout.segmentKey(generation, index, offset), compressed,
                layout.segmentMetaKey(generation, index, offset), Json.write(meta), meta, scan.end(), raw.length);
    }

    /** Stores a segment (data, then metadata) and advances the position only when both are durable. */
    private void store(SegmentUpload up) throws IOException {
        pending = up;
        cfg.replica().putIfAbsent(up.dataKey(), up.compressed());
        cfg.replica().putIfAbsent(up.metaKey(), up.metaJson());
        pending = null;
        pos = up.end();
        indexStarted = true;
        txid = up.meta().lastTxid();
        chain = up.meta().chain();
        segmentsShipped++;
        bytesShipped += up.compressed().length;
        Instant now = Instant.now();
        lastShipped = now;
        for (ShipListener l : listeners) {
            try {
                l.shipped(up.meta(), now);
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
            proven = oneRestart && again.isPresent() && again.get().sameLifetime(now)
                    && written <= tailEnd;
            why = oneRestart
                    ? "the WAL restarted and overwrote frames the replicator had not shipped"
                    : String.format("the WAL restarted more than once since the replicator last read it "
                            + "(salt-1 %08x, checkpoint %d -> salt-1 %08x, checkpoint %d)", lifetime.salt1(),
                            lifetime.checkpointSeq(), now.salt1(), now.checkpointSeq());
        }
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
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            WalScan scan = wal.readTransactions(pos, cfg.maxSegmentBytes(), frames);
            if (scan.isEmpty()) {
                return pos.offset();
            }
            store(prepareSegment(scan, frames.toByteArray(), cfg.clock().instant()));
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

    /** Resumes the newest generation if the WAL provably continues it; otherwise says why not. */
    private Optional<String> resume() throws IOException {
        ReplicaCatalog catalog = new ReplicaCatalog(cfg.replica(), layout);
        Optional<GenerationInfo> latest = catalog.latest();
        if (latest.isEmpty()) {
            return Optional.of("the replica has no generation yet");
        }
        GenerationInfo g = latest.get();
        SegmentEntry last = g.lastSegment();
        if (last == null || last.meta() == null) {
            return Optional.of("generation " + g.id() + " has no segment with Lifeline metadata to continue from");
        }
        SegmentMeta m = last.meta();
        Optional<WalHeader> h = wal.readHeader();
        if (h.isEmpty() || !h.get().saltHex().equals(m.salts()) || h.get().pageSize() != m.pageSize()) {
            return Optional.of("the WAL changed since generation " + g.id() + " was last written");
        }
        WalChecksum end = WalChecksum.parseHex(m.endChecksum());
        if (!lastFrameChecksumIs(h.get(), m.endOffset(), end)) {
            return Optional.of("the WAL no longer holds the last frame generation " + g.id() + " shipped");
        }
        generation = g.id();
        index = m.index();
        lifetime = h.get();
        pos = new WalPosition(h.get(), m.endOffset(), end);
        indexStarted = true;
        txid = m.lastTxid();
        chain = m.chain();
        framesAtLastCheckpoint = 0;
        LOG.log(Level.INFO, "{0}: resuming generation {1} at index {2}, offset {3}, txid {4}", name, generation,
                index, pos.offset(), txid);
        return Optional.empty();
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
            uploadSnapshot(id, reason, image, now, genesis, snapChain, last == null ? 0 : last.endOffset());
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

    private void uploadSnapshot(String id, String reason, SnapshotImage image, Instant now, String genesis,
                                String snapChain, long walOffset) throws IOException {
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
            GenerationMeta gm = new GenerationMeta(1, id, now, name, hostName(), ProcessHandle.current().pid(),
                    reason, genesis);
            SnapshotMeta sm = new SnapshotMeta(1, id, 0, walOffset, image.commitCount(), now, image.pageSize(),
                    image.dbPages(), size, HexFormat.of().formatHex(md.digest()), Files.size(compressed), snapChain);
            cfg.replica().putIfAbsent(layout.generationMetaKey(id), Json.write(gm));
            cfg.replica().putIfAbsent(layout.snapshotKey(id, 0), compressed);
            cfg.replica().putIfAbsent(layout.snapshotMetaKey(id, 0), Json.write(sm));
        } finally {
            Files.deleteIfExists(compressed);
        }
    }

    /** Ships the frames the snapshot covers, in exactly the chunks its chain position was computed from. */
    private void shipChunks(SnapshotImage image, Instant seen) throws IOException {
        for (SnapshotImage.Chunk c : image.chunks()) {
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            WalScan scan = wal.readTransactions(pos, Long.MAX_VALUE, c.scan().end().offset(), frames);
            SegmentUpload up = prepareSegment(scan, frames.toByteArray(), seen);
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
        Optional<WalHeader> current = wal.readHeader();
        if (current.isEmpty() || !current.get().sameLifetime(lifetime)) {
            return; // the WAL restarted since our pass: the next pass must account for it first
        }
        long frames = pos.frameCount();
        long sinceLast = frames - framesAtLastCheckpoint;
        boolean idle = sinceLast > 0 && Duration.between(lastCommitSeen, cfg.clock().instant())
                .compareTo(cfg.idleCheckpoint()) >= 0;
        String mode;
        if (frames >= cfg.maxCheckpointFrames()) {
            // RESTART, not TRUNCATE: the old frames stay in the file until the new lifetime
            // overwrites them, which is what lets the next pass prove nothing was lost.
            mode = "RESTART";
        } else if (sinceLast >= cfg.minCheckpointFrames() || idle) {
            mode = "PASSIVE";
        } else {
            return;
        }
        shipCommitted();
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
        LOG.log(Level.DEBUG, "{0}: checkpoint {1}: busy={2} log={3} checkpointed={4}", name, mode, r.busy(),
                r.logFrames(), r.checkpointedFrames());
    }

    private void reopen() throws IOException {
        closeConnection();
        open();
        lifetime = null;
        pos = null;
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
        status = new ReplicatorStatus(database.toString(), cfg.replica().describe(), state, generation, index,
                pos == null ? 0 : pos.offset(), txid, segmentsShipped, bytesShipped, generationsStarted, checkpoints,
                lastShipped, lastError, lastErrorAt);
    }
}
