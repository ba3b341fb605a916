package dev.lifeline.runtime.db;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.io.RandomAccessFile;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * The one read-only handle this process keeps on a database file for the replicator's lifetime.
 *
 * <p>Why not open the file when needed: POSIX advisory locks belong to the process, and closing
 * ANY descriptor of a file drops every lock the process holds on it, including those of SQLite's
 * own connections. Opening and closing the database file around each snapshot silently released
 * SQLite's SHARED lock, and another process then believed it was the last connection, checkpointed
 * and deleted the WAL under us. So the file is opened once, before our SQLite connections, and
 * closed only after them.
 *
 * <p>It reads through a {@link RandomAccessFile}, never a {@code FileChannel}: an NIO channel is
 * closed when a thread using it is interrupted, and inside a host JVM that close would drop the
 * host's own locks on its database.
 */
public final class DatabaseFile implements Closeable {

    private final Path path;
    private final RandomAccessFile file;

    public DatabaseFile(Path path) throws IOException {
        this.path = path;
        this.file = new RandomAccessFile(path.toFile(), "r");
    }

    public Path path() {
        return path;
    }

    public synchronized DbHeader readHeader() throws IOException {
        byte[] b = new byte[DbHeader.SIZE];
        file.seek(0);
        int n = 0;
        while (n < b.length) {
            int r = file.read(b, n, b.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        if (n == 0) {
            throw new DbHeader.NotSqliteException(path + " is empty: not a SQLite database (yet)");
        }
        try {
            return DbHeader.parse(b);
        } catch (DbHeader.NotSqliteException e) {
            throw new DbHeader.NotSqliteException(path + " is not a SQLite database: " + e.getMessage());
        }
    }

    public synchronized long size() throws IOException {
        return file.length();
    }

    /** Copies the whole file as it is now to {@code out}. */
    public synchronized void copyTo(WritableByteChannel out) throws IOException {
        long size = file.length();
        file.seek(0);
        byte[] buf = new byte[128 << 10]; // a snapshot per database at start-up: no 1 MiB of garbage each
        long pos = 0;
        while (pos < size) {
            int r = file.read(buf, 0, (int) Math.min(buf.length, size - pos));
            if (r < 0) {
                break;
            }
            ByteBuffer b = ByteBuffer.wrap(buf, 0, r);
            while (b.hasRemaining()) {
                out.write(b);
            }
            pos += r;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        file.close();
    }
}
