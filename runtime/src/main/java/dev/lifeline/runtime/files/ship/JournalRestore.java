package dev.lifeline.runtime.files.ship;

import dev.lifeline.runtime.files.FileTreeReplayer;
import dev.lifeline.runtime.files.ReplayResult;
import dev.lifeline.runtime.journal.JournalRecord;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * Rebuilds watched trees from the journal shipped to a replica, as of a journal index or a time.
 * With no root, every watched root is rebuilt under the target at its absolute path without the
 * leading '/'; with a root, that root's content is rebuilt directly in the target. Records are
 * applied only once their segment is verified (see {@link ShippedJournal}); nothing is written
 * outside the target ({@link FileTreeReplayer} refuses escaping paths).
 */
public final class JournalRestore {

    /**
     * What a restore did.
     *
     * @param lineage   the lineage restored
     * @param lastIndex the last record applied (-1: none)
     * @param lastTime  its time (null: none)
     * @param damage    why reading stopped before the requested point (null: it was reached)
     */
    public record Result(String lineage, long records, long lastIndex, Instant lastTime, String damage,
                         ReplayResult replay, List<String> undecoded) {
    }

    private final ReplicaClient replica;

    public JournalRestore(ReplicaClient replica) {
        this.replica = replica;
    }

    /** The lineage to restore: {@code wanted}, or the only one, or the one with the newest record. */
    public String chooseLineage(String wanted) throws IOException {
        ShippedJournal j = new ShippedJournal(replica);
        List<String> all = j.lineages();
        if (wanted != null) {
            Lineage.check(wanted);
            if (!all.contains(wanted)) {
                throw new IOException("the replica " + replica.describe() + " holds no journal of lineage " + wanted
                        + (all.isEmpty() ? " (it holds none)" : "; it holds " + all));
            }
            return wanted;
        }
        if (all.isEmpty()) {
            throw new IOException("the replica " + replica.describe() + " holds no shipped file journal "
                    + "(nothing under " + JournalLayout.FILES + ")");
        }
        String best = null;
        Instant bestTime = null;
        for (String l : all) {
            List<JournalSegmentMeta> metas = j.metas(l);
            if (metas.isEmpty()) {
                continue;
            }
            Instant t = metas.get(metas.size() - 1).lastTime();
            if (best == null || t != null && (bestTime == null || t.isAfter(bestTime))) {
                best = l;
                bestTime = t;
            }
        }
        if (best == null) {
            throw new IOException("the replica " + replica.describe() + " holds no journal segment metadata");
        }
        return best;
    }

    /**
     * Restores into {@code target}, which must be absent or empty unless {@code force}.
     *
     * @param toIndex last journal index to apply (Long.MAX_VALUE: all)
     * @param toTime  last record time to apply (null: no limit)
     * @param root    the watched root to restore alone, or null for every root
     */
    public Result restore(String lineage, long toIndex, Instant toTime, Path root, Path target, boolean force)
            throws IOException {
        Path t = target.toAbsolutePath().normalize();
        if (Files.exists(t) && !force) {
            if (!Files.isDirectory(t)) {
                throw new IOException(t + " exists and is not a directory; give an empty or absent directory");
            }
            try (Stream<Path> s = Files.list(t)) {
                if (s.findAny().isPresent()) {
                    throw new IOException(t + " is not empty; give an empty or absent directory, or --force to "
                            + "restore over its content");
                }
            }
        }
        if (root != null && !root.isAbsolute()) {
            throw new IllegalArgumentException("the root must be the absolute path of a watched directory: " + root);
        }
        FileTreeReplayer replayer = new FileTreeReplayer(root == null ? Path.of("/") : root, t);
        Files.createDirectories(t);
        long[] count = {0};
        long[] last = {-1};
        Instant[] lastTime = {null};
        boolean[] past = {false};
        ShippedJournal.Result r = new ShippedJournal(replica).read(lineage, toIndex, (JournalRecord rec) -> {
            if (past[0] || toTime != null && rec.time().isAfter(toTime)) {
                past[0] = true;
                return;
            }
            replayer.apply(rec);
            count[0]++;
            last[0] = rec.index();
            lastTime[0] = rec.time();
        });
        ReplayResult rr = replayer.replay(List.of(), Long.MAX_VALUE);
        // Damage beyond the requested time does not matter: the point was reached before it.
        return new Result(lineage, count[0], last[0], lastTime[0], past[0] ? null : r.damage(), rr,
                r.undecoded());
    }
}
