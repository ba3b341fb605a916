package dev.lifeline.runtime.verify;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.catalog.SnapshotEntry;
import dev.lifeline.runtime.db.DbHeader;
import dev.lifeline.runtime.format.Chain;
import dev.lifeline.runtime.format.Lz4;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.restore.ChainWalker;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Proves a replica restorable: every snapshot decompresses and matches its hash, every segment
 * chain is unbroken from its first index to its last, and every frame checksum holds. It reads
 * every object; nothing is written.
 */
public final class Verifier {

    private final ReplicaClient client;
    private final ReplicaLayout layout;

    public Verifier(ReplicaClient client, ReplicaLayout layout) {
        this.client = client;
        this.layout = layout;
    }

    public VerifyReport verify() throws IOException {
        ReplicaCatalog catalog = new ReplicaCatalog(client, layout);
        List<GenerationInfo> gens = catalog.generations();
        List<VerifyReport.Generation> out = new ArrayList<>();
        for (GenerationInfo g : gens) {
            out.add(verify(g));
        }
        List<String> problems = new ArrayList<>(catalog.problems());
        if (gens.isEmpty()) {
            problems.add("the replica holds no generations");
        }
        return new VerifyReport(client.describe() + (layout.prefix().isEmpty() ? "" : " prefix " + layout.prefix()),
                out, problems);
    }

    private VerifyReport.Generation verify(GenerationInfo g) throws IOException {
        List<VerifyReport.Problem> problems = new ArrayList<>();
        int snapsOk = 0;
        for (SnapshotEntry s : g.snapshots()) {
            String p = checkSnapshot(s);
            if (p == null) {
                snapsOk++;
            } else {
                problems.add(new VerifyReport.Problem(s.object().key(), p));
            }
        }
        if (g.snapshots().isEmpty()) {
            problems.add(new VerifyReport.Problem(layout.generationPrefix(g.id()), "generation has no snapshot"));
        }
        int firstIndex = g.segments().isEmpty() ? 0 : g.segments().get(0).index();
        String startChain = null;
        long startTxid = 0;
        if (!g.segments().isEmpty() && g.segments().get(0).meta() != null) {
            startChain = g.segments().get(0).meta().prevChain();
            startTxid = g.segments().get(0).meta().firstTxid() - 1;
            if (firstIndex == 0 && g.meta() != null && !g.meta().genesisChain().equals(startChain)) {
                problems.add(new VerifyReport.Problem(g.segments().get(0).object().key(),
                        "does not link to the generation's genesis: the start of the chain is missing or swapped"));
            }
        }
        // Chain value at the end of every segment, to check that snapshots sit on the chain.
        Map<String, String> chainAt = new HashMap<>();
        ChainWalker.Result r = new ChainWalker(client).walk(g, firstIndex, startTxid, startChain,
                (seg, txid, time, pages, endOffset, frames) -> {
                    if (seg.meta() != null) {
                        chainAt.put(seg.index() + ":" + seg.meta().endOffset(), seg.meta().chain());
                    }
                    return true;
                });
        if (r.problem() != null) {
            problems.add(new VerifyReport.Problem(r.problem().object(), r.problem().message()));
        }
        for (SnapshotEntry s : g.snapshots()) {
            if (s.meta() == null || s.meta().walOffset() == 0) {
                continue;
            }
            String expected = chainAt.get(s.index() + ":" + s.meta().walOffset());
            if (expected != null && !expected.equals(s.meta().chain())) {
                problems.add(new VerifyReport.Problem(s.object().key(),
                        "snapshot metadata does not sit on the segment chain at its position"));
            }
        }
        String position = String.format("%s/%08x:%d", g.id(), r.lastIndex(), r.lastOffset());
        return new VerifyReport.Generation(g.id(), g.snapshots().size(), snapsOk, g.segments().size(), r.segments(),
                r.lastTxid(), r.lastTime() == null ? lastSnapshotTime(g) : r.lastTime(), position, problems);
    }

    private static Instant lastSnapshotTime(GenerationInfo g) {
        if (g.snapshots().isEmpty()) {
            return null;
        }
        SnapshotEntry s = g.snapshots().get(g.snapshots().size() - 1);
        return s.meta() != null ? s.meta().time() : s.object().modified();
    }

    /** Returns null when the snapshot is sound, else what is wrong with it. */
    private String checkSnapshot(SnapshotEntry s) {
        MessageDigest md = Chain.sha256();
        byte[] head = new byte[DbHeader.SIZE];
        long size = 0;
        try (InputStream in = Lz4.decompressingStream(client.get(s.object().key()))) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (size < DbHeader.SIZE) {
                    System.arraycopy(buf, 0, head, (int) size, (int) Math.min(n, DbHeader.SIZE - size));
                }
                md.update(buf, 0, n);
                size += n;
            }
        } catch (IOException e) {
            return "cannot be read or decompressed: " + e.getMessage();
        }
        DbHeader h;
        try {
            h = DbHeader.parse(head);
        } catch (IOException e) {
            return "is not a SQLite database image: " + e.getMessage();
        }
        if (size % h.pageSize() != 0) {
            return "size " + size + " is not a whole number of " + h.pageSize() + "-byte pages";
        }
        if (s.meta() != null) {
            String sha = HexFormat.of().formatHex(md.digest());
            if (!sha.equals(s.meta().sha256())) {
                return "content hash does not match its metadata: the object is corrupt or was replaced";
            }
            if (size != s.meta().size()) {
                return "size " + size + " differs from the recorded " + s.meta().size();
            }
        }
        return null;
    }
}
