package dev.lifeline.runtime.db;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one read-only handle this process keeps on a database file for the replicator's lifetime.
 *
 * <p>Why not open the file when needed: POSIX advisory locks belong to the process, and closing
 * ANY descriptor of a file drops every lock the process holds on it, including those of SQLite's
 * own connections. Opening and closing the database file around each snapshot silently released
 * SQLite's SHARED lock, and another process then believed it was the last connection, checkpointed
 * and deleted the WAL under us. So the file is opened once, before our SQLite connections, and
 * closed only after them.
 */
public final class DatabaseFile implements Closeable {

    private final Path path;
    private final FileChannel channel;

    public DatabaseFile(Path path) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
    }

    public Path path() {
        return path;
    }

    public DbHeader readHeader() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(DbHeader.SIZE);
        while (b.hasRemaining()) {
            if (channel.read(b, b.position()) < 0) {
                break;
            }
        }
        if (b.position() == 0) {
            throw new DbHeader.NotSqliteException(path + " is empty: not a SQLite database (yet)");
        }
        try {
            return DbHeader.parse(b.array());
        } catch (DbHeader.NotSqliteException e) {
            throw new DbHeader.NotSqliteException(path + " is not a SQLite database: " + e.getMessage());
        }
    }

    public long size() throws IOException {
        return channel.size();
    }

    /** Copies the whole file as it is now to {@code out}. */
    public void copyTo(WritableByteChannel out) throws IOException {
        long size = channel.size();
        long pos = 0;
        while (pos < size) {
            long n = channel.transferTo(pos, size - pos, out);
            if (n <= 0) {
                break;
            }
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
