package dev.lifeline.runtime.restore;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.format.Chain;
import dev.lifeline.runtime.format.CommitRecord;
import dev.lifeline.runtime.format.SegmentMeta;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.wal.WalChecksum;
import dev.lifeline.runtime.wal.WalFrame;
import dev.lifeline.runtime.wal.WalFrameDecoder;
import dev.lifeline.runtime.wal.WalHeader;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Walks a generation's WAL segments in order and proves each one before anything of it is used:
 * the object decompresses, its content hash and chain link match its metadata, its frames
 * continue the WAL checksum chain, it starts where the previous one ended and it ends on a commit.
 * Frames are handed to the visitor one transaction at a time, and only once the transaction's
 * commit frame has verified. The walk stops at the first problem and reports it precisely.
 */
public final class ChainWalker {

    /** Receives verified transactions in order. */
    public interface Visitor {
        /**
         * A whole verified transaction.
         *
         * @param frames where its frames are (24-byte header + page each), in WAL order; valid
         *               only during the call
         * @return false to stop the walk (the target was reached)
         */
        boolean transaction(SegmentEntry segment, long txid, Instant time, int dbPages, long endOffset,
                            List<FrameRef> frames) throws IOException;
    }

    /** A verified frame inside a decompressed segment. */
    public record FrameRef(byte[] data, int offset) {
    }

    /** What stopped a walk early: the object, and what is wrong with it. */
    public record Problem(String object, String message) {
        @Override
        public String toString() {
            return object + ": " + message;
        }
    }

    /** How far the walk got. {@code lastTxid} and {@code lastTime} are of the last verified commit. */
    public record Result(long lastTxid, Instant lastTime, int lastIndex, long lastOffset, int segments,
                         Problem problem, boolean stoppedByVisitor) {
    }

    private final ReplicaClient client;

    public ChainWalker(ReplicaClient client) {
        this.client = client;
    }

    /**
     * Walks the segments of {@code g} from the first segment of index {@code fromIndex}.
     *
     * @param startTxid txid of the last commit before that segment (for replicas without Lifeline
     *                  metadata, commits are counted from here)
     * @param startChain the chain value the first segment must link to, or null when unknown
     */
    public Result walk(GenerationInfo g, int fromIndex, long startTxid, String startChain, Visitor visitor)
            throws IOException {
        List<SegmentEntry> segs = new ArrayList<>();
        for (SegmentEntry s : g.segments()) {
            if (s.index() >= fromIndex) {
                segs.add(s);
            }
        }
        try (SegmentPrefetcher prefetch = new SegmentPrefetcher(client, segs, 2, 4)) {
            return walk(segs, prefetch, fromIndex, startTxid, startChain, visitor);
        }
    }

    private Result walk(List<SegmentEntry> segs, SegmentPrefetcher prefetch, int fromIndex, long startTxid,
                        String startChain, Visitor visitor) throws IOException {
        long txid = startTxid;
        Instant lastTime = null;
        int lastIndex = fromIndex;
        long lastOffset = 0;
        int count = 0;
        String chain = startChain;
        WalHeader header = null;
        WalChecksum checksum = null;
        long expectedOffset = 0;
        int currentIndex = fromIndex - 1;
        for (SegmentEntry seg : segs) {
            String obj = seg.object().key();
            SegmentMeta meta = seg.meta();
            if (seg.index() != currentIndex) {
                if (seg.index() != currentIndex + 1) {
                    return new Result(txid, lastTime, lastIndex, lastOffset, count, new Problem(obj,
                            String.format("WAL index %08x is missing (the chain jumps to %08x)", currentIndex + 1,
                                    seg.index())), false);
                }
                if (seg.offset() != 0) {
                    return new Result(txid, lastTime, lastIndex, lastOffset, count, new Problem(obj,
                            "the first segment of WAL index " + String.format("%08x", seg.index())
                                    + " is missing (this one starts at offset " + seg.offset() + ")"), false);
                }
                currentIndex = seg.index();
                header = null;
                expectedOffset = 0;
            }
            if (seg.offset() != expectedOffset) {
                return new Result(txid, lastTime, lastIndex, lastOffset, count, new Problem(obj,
                        "gap in the WAL: expected a segment at offset " + expectedOffset + ", found " + seg.offset()),
                        false);
            }
            SegmentPrefetcher.Fetched fetched = prefetch.take();
            if (fetched.error() != null) {
                return new Result(txid, lastTime, lastIndex, lastOffset, count,
                        new Problem(obj, "cannot be read or decompressed: " + fetched.error().getMessage()), false);
            }
            byte[] raw = fetched.raw();
            if (meta != null) {
                Optional<String> bad = checkMeta(seg, meta, fetched.sha256(), chain, txid);
                if (bad.isPresent()) {
                    return new Result(txid, lastTime, lastIndex, lastOffset, count, new Problem(obj, bad.get()), false);
                }
                chain = meta.chain();
            }
            int off = 0;
            if (seg.offset() == 0) {
                Optional<WalHeader> h = WalHeader.parse(raw, 0);
                if (h.isEmpty()) {
                    return new Result(txid, lastTime, lastIndex, lastOffset, count,
                            new Problem(obj, "does not start with a valid WAL header"), false);
                }
                header = h.get();
                checksum = header.checksum();
                off = WalHeader.SIZE;
            }
            if (header == null) {
                return new Result(txid, lastTime, lastIndex, lastOffset, count,
                        new Problem(obj, "no WAL header for this index"), false);
            }
            long walOffset = seg.offset() == 0 ? WalHeader.SIZE : seg.offset();
            WalFrameDecoder dec = new WalFrameDecoder(header, walOffset, checksum);
            List<FrameRef> tx = new ArrayList<>();
            int commitNo = 0;
            int at = off;
            WalFrame f;
            while ((f = dec.next(raw, at, raw.length)) != null) {
                tx.add(new FrameRef(raw, at));
                at += header.frameSize();
                if (f.isCommit()) {
                    txid++;
                    Instant time = seg.object().modified();
                    if (meta != null) {
                        CommitRecord c = meta.commits().get(commitNo);
                        if (c.endOffset() != dec.offset() || c.txid() != txid) {
                            return new Result(txid - 1, lastTime, lastIndex, lastOffset, count, new Problem(obj,
                                    "metadata lists commit txid " + c.txid() + " ending at " + c.endOffset()
                                            + " but the frames have txid " + txid + " ending at " + dec.offset()),
                                    false);
                        }
                        time = c.time();
                    }
                    commitNo++;
                    boolean go = visitor.transaction(seg, txid, time, f.commitDbSize(), dec.offset(), tx);
                    lastTime = time;
                    lastIndex = seg.index();
                    lastOffset = dec.offset();
                    tx = new ArrayList<>();
                    if (!go) {
                        return new Result(txid, lastTime, lastIndex, lastOffset, count + 1, null, true);
                    }
                }
            }
            if (dec.stop() != WalFrameDecoder.Stop.END_OF_INPUT) {
                return new Result(txid, lastTime, lastIndex, lastOffset, count, new Problem(obj,
                        "frame at WAL offset " + dec.offset() + " is invalid (" + dec.stop()
                                + "): the segment is corrupt"), false);
            }
            if (!tx.isEmpty()) {
                return new Result(txid, lastTime, lastIndex, lastOffset, count, new Problem(obj,
                        "ends with " + tx.size() + " frame(s) of a transaction that never commits"), false);
            }
            if (meta != null && (!meta.endChecksum().equals(dec.checksum().hex())
                    || meta.endOffset() != dec.offset() || commitNo != meta.commits().size())) {
                return new Result(txid, lastTime, lastIndex, lastOffset, count, new Problem(obj,
                        "frames do not match the metadata (end offset, checksum or commit count)"), false);
            }
            checksum = dec.checksum();
            expectedOffset = dec.offset();
            count++;
        }
        return new Result(txid, lastTime, lastIndex, lastOffset, count, null, false);
    }

    private static Optional<String> checkMeta(SegmentEntry seg, SegmentMeta meta, String sha, String chain,
                                              long txid) {
        if (!sha.equals(meta.sha256())) {
            return Optional.of("content hash " + sha.substring(0, 16) + "… does not match its metadata ("
                    + meta.sha256().substring(0, 16) + "…): the object was altered or swapped");
        }
        if (meta.index() != seg.index() || meta.offset() != seg.offset() || !meta.generation().equals(seg.generation())) {
            return Optional.of("metadata describes another segment");
        }
        if (chain != null && !chain.equals(meta.prevChain())) {
            return Optional.of("chain broken: its predecessor hash does not match the previous segment's");
        }
        if (!Chain.link(meta.prevChain(), meta.generation(), meta.index(), meta.offset(), meta.sha256())
                .equals(meta.chain())) {
            return Optional.of("chain hash in its metadata is wrong");
        }
        if (chain != null && meta.firstTxid() != txid + 1) {
            return Optional.of("txids jump from " + txid + " to " + meta.firstTxid());
        }
        return Optional.empty();
    }
}
