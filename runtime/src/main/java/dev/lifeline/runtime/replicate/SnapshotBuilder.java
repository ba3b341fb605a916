package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.db.DatabaseFile;
import dev.lifeline.runtime.db.DbHeader;
import dev.lifeline.runtime.db.PageWriter;
import dev.lifeline.runtime.format.Chain;
import dev.lifeline.runtime.wal.WalHeader;
import dev.lifeline.runtime.wal.WalPosition;
import dev.lifeline.runtime.wal.WalReader;
import dev.lifeline.runtime.wal.WalScan;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Builds a consistent database image without stopping writers. The caller holds a read
 * transaction, so no frame past its mark can be copied into the database file while we read it;
 * frames up to the mark may be, but they are all in the WAL prefix we apply on top, which heals
 * any page the checkpointer was writing. If the WAL restarts while we copy, we start again.
 * The WAL is streamed, never held whole in memory.
 */
final class SnapshotBuilder {

    private static final int ATTEMPTS = 5;

    private final DatabaseFile database;
    private final WalReader wal;
    private final Path tempDir;
    private final long maxSegmentBytes;

    SnapshotBuilder(DatabaseFile database, WalReader wal, Path tempDir, long maxSegmentBytes) {
        this.database = database;
        this.wal = wal;
        this.tempDir = tempDir;
        this.maxSegmentBytes = maxSegmentBytes;
    }

    SnapshotImage build() throws IOException {
        return build(null, Long.MAX_VALUE);
    }

    /**
     * An image exactly at {@code endLimit} of lifetime {@code expected} (a snapshot inside a
     * generation, at the position already shipped); fails if the WAL is no longer that lifetime.
     */
    SnapshotImage buildAt(WalHeader expected, long endLimit) throws IOException {
        return build(expected, endLimit);
    }

    private SnapshotImage build(WalHeader expected, long endLimit) throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<WalHeader> before = wal.readHeader();
            if (expected != null && (before.isEmpty() || !before.get().sameLifetime(expected))) {
                throw new RetryLater("the WAL restarted before the snapshot could be taken; it is taken later");
            }
            Path image = Files.createTempFile(tempDir, "lifeline-snapshot-", ".db");
            try {
                DbHeader dbh = copyDatabase(image);
                int pageSize = dbh.pageSize();
                int dbPages = (int) (Files.size(image) / pageSize);
                List<SnapshotImage.Chunk> chunks = new ArrayList<>();
                if (before.isPresent()) {
                    WalHeader h = before.get();
                    if (h.pageSize() != pageSize) {
                        throw new IOException("WAL page size " + h.pageSize() + " differs from the database's " + pageSize);
                    }
                    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
                        PageWriter pages = new PageWriter(ch, pageSize);
                        WalPosition pos = WalPosition.start(h);
                        while (true) {
                            MessageDigest md = Chain.sha256();
                            if (chunks.isEmpty()) {
                                md.update(h.encode());
                            }
                            if (pos.offset() >= endLimit) {
                                break;
                            }
                            WalScan scan = wal.readTransactions(pos, maxSegmentBytes, endLimit, new ApplyingSink(md, pages,
                                    h.frameSize()));
                            if (scan.isEmpty()) {
                                break;
                            }
                            chunks.add(new SnapshotImage.Chunk(scan, HexFormat.of().formatHex(md.digest())));
                            pos = scan.end();
                            if (!scan.moreAvailable()) {
                                break;
                            }
                        }
                        if (!chunks.isEmpty()) {
                            List<dev.lifeline.runtime.wal.WalCommit> c = chunks.get(chunks.size() - 1).scan().commits();
                            dbPages = c.get(c.size() - 1).dbSizePages();
                            pages.truncateTo(dbPages);
                        }
                    }
                }
                Optional<WalHeader> after = wal.readHeader();
                // With no WAL at the start nothing could be checkpointed into the file under our read
                // lock, so the copy is stable whatever appeared since; otherwise the lifetime we
                // applied must still be the current one.
                boolean stable = before.isEmpty() || after.isPresent() && after.get().sameLifetime(before.get());
                if (stable) {
                    return new SnapshotImage(image, pageSize, dbPages, before.orElse(null), List.copyOf(chunks));
                }
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(image);
                throw e;
            }
            Files.deleteIfExists(image);
        }
        throw new IOException("the WAL of " + database.path() + " kept restarting while a snapshot was taken ("
                + ATTEMPTS + " attempts)");
    }

    private DbHeader copyDatabase(Path image) throws IOException {
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.WRITE)) {
            DbHeader h = database.readHeader();
            database.copyTo(out);
            return h;
        }
    }

    /**
     * Receives whole verified transactions from the WAL reader: hashes their bytes and writes
     * their pages into the image in WAL order, so the last version of each page wins.
     */
    private static final class ApplyingSink extends OutputStream {
        private final MessageDigest md;
        private final PageWriter pages;
        private final int frameSize;

        ApplyingSink(MessageDigest md, PageWriter pages, int frameSize) {
            this.md = md;
            this.pages = pages;
            this.frameSize = frameSize;
        }

        @Override
        public void write(int b) {
            throw new UnsupportedOperationException("the WAL reader writes whole frames");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            md.update(b, off, len);
            for (int f = off; f + frameSize <= off + len; f += frameSize) {
                pages.writeFrame(b, f);
            }
            if (len % frameSize != 0) {
                throw new IOException("partial frame handed to the snapshot (" + len + " bytes)");
            }
        }
    }
}
