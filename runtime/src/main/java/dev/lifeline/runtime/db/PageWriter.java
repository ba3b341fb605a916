package dev.lifeline.runtime.db;

import dev.lifeline.runtime.wal.WalFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Writes WAL frames' pages into a database file at their page positions. */
public final class PageWriter {

    private final FileChannel file;
    private final int pageSize;

    public PageWriter(FileChannel file, int pageSize) {
        this.file = file;
        this.pageSize = pageSize;
    }

    /** Writes the page carried by the frame at {@code off} of {@code frames}. */
    public void writeFrame(byte[] frames, int off) throws IOException {
        int pgno = ByteBuffer.wrap(frames, off, 4).getInt();
        ByteBuffer page = ByteBuffer.wrap(frames, off + WalFrame.HEADER_SIZE, pageSize);
        long at = (long) (pgno - 1) * pageSize;
        while (page.hasRemaining()) {
            at += file.write(page, at);
        }
    }

    /** Cuts the file to {@code pages} pages, as a commit frame's database size says. */
    public void truncateTo(int pages) throws IOException {
        file.truncate((long) pages * pageSize);
    }
}
