package dev.lifeline.runtime.restore;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.catalog.SnapshotEntry;
import dev.lifeline.runtime.db.DbHeader;
import dev.lifeline.runtime.db.PageWriter;
import dev.lifeline.runtime.format.Lz4;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.format.SegmentMeta;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Restores a database from a replica: the newest snapshot at or before the target, then the
 * verified WAL pages after it written straight into the file (the last version of each page
 * wins), whole transactions only, up to the target commit. The result is built in a temporary
 * file beside the output, checked by SQLite, fsynced and renamed into place, so the output is
 * either absent, untouched, or a complete database.
 */
public final class Restorer {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.restore");

    private final ReplicaClient client;
    private final ReplicaLayout layout;

    public Restorer(ReplicaClient client, ReplicaLayout layout) {
        this.client = client;
        this.layout = layout;
    }

    public RestoreResult restore(RestoreOptions opt) throws IOException {
        Path out = opt.output().toAbsolutePath().normalize();
        if (Files.exists(out) && !opt.force()) {
            throw new RestoreException("output " + out + " already exists: choose another path, or pass --force "
                    + "to replace it");
        }
        if (Files.isDirectory(out)) {
            throw new RestoreException("output " + out + " is a directory: give a file path");
        }
        Path dir = out.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new RestoreException("the directory of output " + out + " does not exist: create it first");
        }
        for (String suffix : new String[] {"-wal", "-shm", "-journal"}) {
            Path side = Path.of(out + suffix);
            if (Files.exists(side) && !opt.force()) {
                throw new RestoreException(side + " exists beside the output: SQLite would replay it into the restored "
                        + "database. Remove it, choose another path, or pass --force to delete it");
            }
        }
        long t0 = System.nanoTime();
        GenerationInfo g = chooseGeneration(opt);
        Plan plan = plan(g, opt.target());
        long t1 = System.nanoTime();
        Path tmp = dir.resolve("." + out.getFileName() + ".lifeline-restore-" + UUID.randomUUID() + ".tmp");
        try {
            RestoreResult r = apply(g, plan, tmp, out);
            long t2 = System.nanoTime();
            checkWhileSyncing(tmp, opt.integrityCheck());
            fsync(tmp);
            LOG.log(Level.DEBUG, "restore timings: catalog {0} ms, apply {1} ms, check+fsync {2} ms",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
            if (opt.force()) {
                // A stale WAL beside the replaced database would be replayed into the restored one.
                Files.deleteIfExists(Path.of(out + "-wal"));
                Files.deleteIfExists(Path.of(out + "-shm"));
                Files.deleteIfExists(Path.of(out + "-journal"));
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsync(dir);
            return r;
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(Path.of(tmp + "-wal"));
            Files.deleteIfExists(Path.of(tmp + "-shm"));
            Files.deleteIfExists(Path.of(tmp + "-journal"));
        }
    }

    private GenerationInfo chooseGeneration(RestoreOptions opt) throws IOException {
        ReplicaCatalog catalog = new ReplicaCatalog(client, layout);
        List<GenerationInfo> all = catalog.generations();
        for (String p : catalog.problems()) {
            LOG.log(Level.WARNING, p);
        }
        if (all.isEmpty()) {
            throw new RestoreException("replica " + client.describe() + (layout.prefix().isEmpty() ? ""
                    : " (prefix " + layout.prefix() + ")") + " holds no generations: nothing to restore");
        }
        if (opt.generation() != null) {
            return all.stream().filter(g -> g.id().equals(opt.generation())).findFirst()
                    .orElseThrow(() -> new RestoreException("generation " + opt.generation() + " is not in replica "
                            + client.describe() + "; it holds " + all.stream().map(GenerationInfo::id).toList()));
        }
        List<GenerationInfo> usable = all.stream().filter(g -> !g.snapshots().isEmpty()).toList();
        if (usable.isEmpty()) {
            throw new RestoreException("replica " + client.describe() + " has no generation with a snapshot");
        }
        if (opt.target() instanceof RestoreTarget.Timestamp ts) {
            // The newest generation whose span contains the time.
            for (int i = usable.size() - 1; i >= 0; i--) {
                GenerationInfo g = usable.get(i);
                if (!earliest(g).isAfter(ts.time())) {
                    return g;
                }
            }
            throw new RestoreException("time " + ts.time() + " is before the first snapshot in the replica ("
                    + earliest(usable.get(0)) + "): nothing that old can be restored");
        }
        return usable.get(usable.size() - 1);
    }

    private static Instant earliest(GenerationInfo g) {
        SnapshotEntry s = g.snapshots().get(0);
        return s.meta() != null ? s.meta().time() : s.object().modified();
    }

    /** The snapshot to start from and where to stop. */
    private record Plan(SnapshotEntry snapshot, long stopTxid, java.time.Instant stopTime, long startTxid,
                        String startChain) {
    }

    private Plan plan(GenerationInfo g, RestoreTarget target) throws IOException {
        if (g.snapshots().isEmpty()) {
            throw new RestoreException("generation " + g.id() + " has no snapshot to start from");
        }
        long stopTxid = Long.MAX_VALUE;
        Instant stopTime = null;
        if (target instanceof RestoreTarget.Txid t) {
            stopTxid = t.txid();
        } else if (target instanceof RestoreTarget.Timestamp ts) {
            stopTime = ts.time();
        }
        // Newest snapshot at or before the target.
        SnapshotEntry chosen = null;
        for (SnapshotEntry s : g.snapshots()) {
            boolean ok;
            if (s.meta() != null) {
                ok = s.meta().txid() <= stopTxid && (stopTime == null || !s.meta().time().isAfter(stopTime));
            } else {
                ok = stopTime == null || !s.object().modified().isAfter(stopTime);
            }
            if (ok) {
                chosen = s;
            }
        }
        if (target instanceof RestoreTarget.Txid && chosen != null && chosen.meta() == null) {
            // Without Lifeline metadata only a walk knows which commit a txid is: start from the
            // generation's first snapshot (counting the commits of any index before it).
            chosen = g.snapshots().get(0);
        }
        if (chosen == null) {
            SnapshotEntry first = g.snapshots().get(0);
            throw new RestoreException(target + " is before the first snapshot of generation " + g.id()
                    + (first.meta() != null ? " (txid " + first.meta().txid() + ", " + first.meta().time() + ")"
                    : " (" + first.object().modified() + ")") + ": it cannot be restored");
        }
        long startTxid = 0;
        String startChain = null;
        int snapIndex = chosen.index();
        SnapshotEntry base = chosen;
        Optional<SegmentEntry> first = g.segments().stream()
                .filter(s -> s.index() == snapIndex && s.offset() == 0).findFirst();
        if (first.isPresent() && first.get().meta() != null) {
            SegmentMeta m = first.get().meta();
            startTxid = m.firstTxid() - 1;
            startChain = m.prevChain();
        } else if (base.meta() == null) {
            startTxid = commitsBefore(g, snapIndex);
        }
        if (target instanceof RestoreTarget.Txid t && chosen.meta() != null) {
            long newest = Math.max(chosen.meta().txid(), g.lastTxid());
            if (t.txid() > newest) {
                throw new RestoreException("txid " + t.txid() + " is beyond the newest commit in generation " + g.id()
                        + " (txid " + newest + ")");
            }
        }
        return new Plan(base, stopTxid, stopTime, startTxid, startChain);
    }

    /**
     * For replicas without Lifeline metadata (Litestream's), txids count commits from the first
     * WAL index of the generation, as verify counts them: the commits in the indexes before
     * {@code index} are counted from their frame headers (no page is applied).
     */
    private long commitsBefore(GenerationInfo g, int index) throws IOException {
        long commits = 0;
        int frameSize = 0;
        for (SegmentEntry s : g.segments()) {
            if (s.index() >= index) {
                break;
            }
            byte[] raw;
            try (InputStream in = Lz4.decompressingStream(client.get(s.object().key()))) {
                raw = in.readAllBytes();
            }
            int off = 0;
            if (s.offset() == 0) {
                if (raw.length < dev.lifeline.runtime.wal.WalHeader.SIZE) {
                    throw new RestoreException("segment " + s.object().key() + " is too short for a WAL header");
                }
                frameSize = dev.lifeline.runtime.wal.WalFrame.HEADER_SIZE
                        + java.nio.ByteBuffer.wrap(raw, 8, 4).getInt();
                off = dev.lifeline.runtime.wal.WalHeader.SIZE;
            }
            if (frameSize <= dev.lifeline.runtime.wal.WalFrame.HEADER_SIZE) {
                throw new RestoreException("segment " + s.object().key() + " has no WAL header before it");
            }
            for (int f = off; f + frameSize <= raw.length; f += frameSize) {
                if (java.nio.ByteBuffer.wrap(raw, f + 4, 4).getInt() != 0) {
                    commits++;
                }
            }
        }
        return commits;
    }

    private RestoreResult apply(GenerationInfo g, Plan plan, Path tmp, Path out) throws IOException {
        SnapshotEntry snap = plan.snapshot();
        long ts = System.nanoTime();
        int pageSize = restoreSnapshot(snap, tmp);
        LOG.log(Level.DEBUG, "snapshot {0} restored in {1} ms", snap.object().key(), (System.nanoTime() - ts) / 1_000_000);
        // Frames up to the snapshot's own position are already in the image: they are verified
        // but not written again (a partial re-application could move pages back in time).
        int snapIndex = snap.index();
        long snapOffset = snap.meta() != null ? snap.meta().walOffset() : 0;
        long snapTxid = snap.meta() != null ? snap.meta().txid() : 0;
        Instant snapTime = snap.meta() != null ? snap.meta().time() : snap.object().modified();
        long[] applied = {0, 0};
        long[] lastTx = {snapTxid};
        Instant[] lastTime = {snapTime};
        int[] dbPages = {-1};
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            PageWriter writer = new PageWriter(ch, pageSize);
            ChainWalker.Result r = new ChainWalker(client).walk(g, snapIndex, plan.startTxid(), plan.startChain(),
                    (seg, txid, time, pages, endOffset, frames) -> {
                        if (txid > plan.stopTxid() || plan.stopTime() != null && time.isAfter(plan.stopTime())) {
                            return false;
                        }
                        boolean covered = seg.index() == snapIndex && endOffset <= snapOffset;
                        if (!covered) {
                            for (ChainWalker.FrameRef f : frames) {
                                writer.writeFrame(f.data(), f.offset());
                            }
                            applied[0] += frames.size();
                            dbPages[0] = pages;
                            lastTx[0] = txid;
                            lastTime[0] = time;
                        }
                        return true;
                    });
            if (dbPages[0] > 0) {
                writer.truncateTo(dbPages[0]);
            }
            boolean reachedSnapshot = r.lastIndex() > snapIndex || r.lastIndex() == snapIndex && r.lastOffset() >= snapOffset
                    || snapOffset == 0;
            String problem = r.problem() == null ? null : r.problem().toString();
            if (r.problem() != null && !reachedSnapshot) {
                throw new RestoreException("the replica is damaged before the snapshot's own position, so no verified "
                        + "state can be built from it: " + problem + ". Run 'lifeline verify' for the full report, "
                        + "or restore an earlier generation with --generation");
            }
            if (plan.stopTxid() != Long.MAX_VALUE && r.problem() == null
                    && lastTx[0] < plan.stopTxid() && !r.stoppedByVisitor()) {
                throw new RestoreException("txid " + plan.stopTxid() + " is not in generation " + g.id()
                        + " (its newest verified commit is txid " + lastTx[0] + ")");
            }
            boolean early = r.problem() != null;
            if (early) {
                LOG.log(Level.WARNING, "replica damaged: {0}; restored to the last verified point, txid {1} at {2}",
                        problem, lastTx[0], lastTime[0]);
            }
            return new RestoreResult(out, g.id(), snapIndex, lastTx[0], lastTime[0], r.segments(), applied[0],
                    ch.size(), early, problem);
        }
    }

    /** Decompresses the snapshot into {@code tmp}, verifying its hash; returns the page size. */
    private int restoreSnapshot(SnapshotEntry snap, Path tmp) throws IOException {
        String sha;
        try (InputStream raw = client.get(snap.object().key());
             InputStream in = Lz4.decompressingStream(raw);
             OutputStream o = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             BackgroundSha256 hash = new BackgroundSha256(64 << 10, 8)) {
            // 64 KiB writes, one LZ4 block each: transferTo's 8 KiB writes took twice the time
            // for 1 GiB here, and 1 MiB writes more than doubled the restore's system time.
            while (true) {
                byte[] buf = hash.buffer();
                int n = in.readNBytes(buf, 0, buf.length);
                if (n == 0) {
                    hash.giveBack(buf);
                    break;
                }
                o.write(buf, 0, n);
                hash.hash(buf, n);
            }
            sha = hash.finish();
        } catch (IOException e) {
            throw new RestoreException("snapshot " + snap.object().key() + " cannot be read or decompressed: "
                    + e.getMessage());
        }
        if (snap.meta() != null) {
            if (!sha.equals(snap.meta().sha256())) {
                throw new RestoreException("snapshot " + snap.object().key() + " does not match its recorded hash: "
                        + "the object is corrupt or was replaced. Run 'lifeline verify', or restore another "
                        + "generation with --generation");
            }
        }
        try {
            return DbHeader.read(tmp).pageSize();
        } catch (IOException e) {
            throw new RestoreException("snapshot " + snap.object().key() + " is not a SQLite database: " + e.getMessage());
        }
    }

    /**
     * Flushes the restored file to disk while SQLite checks it: the write-back is the disk's work,
     * the check the CPU's, and both must be done before the file may replace the output.
     */
    private static void checkWhileSyncing(Path db, String mode) throws IOException {
        FutureTask<Void> sync = new FutureTask<>(() -> {
            try (FileChannel ch = FileChannel.open(db, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            return null;
        });
        Thread t = new Thread(sync, "lifeline-restore-fsync");
        t.setDaemon(true);
        t.start();
        try {
            check(db, mode);
        } finally {
            try {
                sync.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while flushing " + db + " to disk", e);
            } catch (ExecutionException e) {
                throw new RestoreException("cannot flush the restored database " + db + " to disk: "
                        + e.getCause().getMessage() + ". Nothing was written to the output");
            }
        }
    }

    private static void check(Path db, String mode) throws IOException {
        if ("none".equals(mode)) {
            return;
        }
        String pragma = "quick".equals(mode) ? "quick_check" : "integrity_check";
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement()) {
            // Through a memory map instead of a read() per page into a 2 MB page cache: the check
            // reads every page of the file, and most of its system time went to those reads.
            s.execute("PRAGMA mmap_size=" + Long.MAX_VALUE);
            check(s, pragma);
        } catch (SQLException e) {
            throw new RestoreException("the restored database cannot be opened by SQLite: " + e.getMessage());
        }
    }

    private static void check(Statement s, String pragma) throws SQLException, RestoreException {
        try (ResultSet rs = s.executeQuery("PRAGMA " + pragma)) {
            List<String> lines = new ArrayList<>();
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
            if (!(lines.size() == 1 && "ok".equals(lines.get(0)))) {
                throw new RestoreException("the restored database fails PRAGMA " + pragma + ": "
                        + String.join("; ", lines.subList(0, Math.min(5, lines.size())))
                        + ". Nothing was written to the output. Run 'lifeline verify' on the replica");
            }
        }
    }

    private static void fsync(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "fsync {0}: {1}", p, e.getMessage());
        }
    }
}
