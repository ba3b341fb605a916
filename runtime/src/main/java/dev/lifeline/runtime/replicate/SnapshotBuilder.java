package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.db.DbHeader;
import dev.lifeline.runtime.db.PageWriter;
import dev.lifeline.runtime.wal.WalCommit;
import dev.lifeline.runtime.wal.WalFrame;
import dev.lifeline.runtime.wal.WalHeader;
import dev.lifeline.runtime.wal.WalPosition;
import dev.lifeline.runtime.wal.WalReader;
import dev.lifeline.runtime.wal.WalScan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Builds a consistent database image without stopping writers. The caller holds a read
 * transaction, so no frame past its mark can be copied into the database file while we read it;
 * frames up to the mark may be, but they are all in the WAL prefix we apply on top, which heals
 * any page the checkpointer was writing. If the WAL restarts while we copy, we start again.
 */
final class SnapshotBuilder {

    private static final int ATTEMPTS = 5;

    private final Path database;
    private final WalReader wal;
    private final Path tempDir;

    SnapshotBuilder(Path database, WalReader wal, Path tempDir) {
        this.database = database;
        this.wal = wal;
        this.tempDir = tempDir;
    }

    SnapshotImage build() throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<WalHeader> before = wal.readHeader();
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            WalScan scan = null;
            if (before.isPresent()) {
                scan = wal.readTransactions(WalPosition.start(before.get()), Long.MAX_VALUE, frames);
            }
            Path image = Files.createTempFile(tempDir, "lifeline-snapshot-", ".db");
            try {
                DbHeader dbh = copyDatabase(image);
                byte[] walBytes = frames.toByteArray();
                int pageSize = dbh.pageSize();
                int dbPages = (int) (Files.size(image) / pageSize);
                if (scan != null && !scan.commits().isEmpty()) {
                    if (before.get().pageSize() != pageSize) {
                        throw new IOException("WAL page size " + before.get().pageSize()
                                + " differs from the database's " + pageSize);
                    }
                    WalCommit last = scan.commits().get(scan.commits().size() - 1);
                    applyFrames(image, walBytes, pageSize, last.dbSizePages());
                    dbPages = last.dbSizePages();
                }
                Optional<WalHeader> after = wal.readHeader();
                // With no WAL at the start nothing could be checkpointed into the file under our read
                // lock, so the copy is stable whatever appeared since; otherwise the lifetime we
                // applied must still be the current one.
                boolean stable = before.isEmpty() || after.isPresent() && after.get().sameLifetime(before.get());
                if (stable) {
                    return new SnapshotImage(image, pageSize, dbPages, before.orElse(null), scan, walBytes);
                }
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(image);
                throw e;
            }
            Files.deleteIfExists(image);
        }
        throw new IOException("the WAL of " + database + " kept restarting while a snapshot was taken ("
                + ATTEMPTS + " attempts)");
    }

    private DbHeader copyDatabase(Path image) throws IOException {
        try (FileChannel in = FileChannel.open(database, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ByteBuffer hb = ByteBuffer.allocate(DbHeader.SIZE);
            in.read(hb, 0);
            DbHeader h = DbHeader.parse(hb.array());
            long size = in.size();
            long pos = 0;
            while (pos < size) {
                pos += in.transferTo(pos, size - pos, out);
            }
            return h;
        }
    }

    /** Writes every frame's page in WAL order, so the last version of each page wins. */
    static void applyFrames(Path image, byte[] frames, int pageSize, int dbPages) throws IOException {
        int frameSize = WalFrame.HEADER_SIZE + pageSize;
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.WRITE)) {
            PageWriter pages = new PageWriter(out, pageSize);
            for (int off = 0; off + frameSize <= frames.length; off += frameSize) {
                pages.writeFrame(frames, off);
            }
            pages.truncateTo(dbPages);
        }
    }
}
