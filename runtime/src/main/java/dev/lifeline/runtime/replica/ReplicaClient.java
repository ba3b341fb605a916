package dev.lifeline.runtime.replica;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Storage for one replica: a flat key space of write-once objects. Keys use '/' separators and
 * are relative to the replica's root (a directory, or a bucket prefix). Implementations must be
 * safe for use from several threads.
 */
public interface ReplicaClient extends Closeable {

    /** A description safe for logs and status: never contains credentials. */
    String describe();

    /** Every object whose key starts with {@code prefix}, in key order. */
    List<ObjectInfo> list(String prefix) throws IOException;

    /**
     * Stores {@code data} under {@code key} unless the key exists. Storing the same bytes again is
     * a success (a retried write); different bytes under an existing key throw
     * {@link ObjectExistsException}, because replica objects are never overwritten.
     */
    void putIfAbsent(String key, byte[] data) throws IOException;

    /**
     * Stores {@code data} under a key that no other writer can have used (one inside a generation
     * this process started: its id is random). The rule is that of {@link #putIfAbsent(String,
     * byte[])}, but a store that can only enforce it with a separate look before the write (an S3
     * server without conditional writes) may write at once: the only earlier object such a key can
     * hold is this writer's own, with the same bytes. Stores that check as part of the write keep
     * checking.
     */
    default void putExclusive(String key, byte[] data) throws IOException {
        putIfAbsent(key, data);
    }

    /**
     * Stores the content of a file (large objects: snapshots) with the same write-once rule,
     * without holding it in memory.
     */
    void putIfAbsent(String key, java.nio.file.Path source) throws IOException;

    /** Opens an object for reading; throws {@link java.nio.file.NoSuchFileException} when absent. */
    InputStream get(String key) throws IOException;

    /** Whole content of a small object. */
    default byte[] getBytes(String key) throws IOException {
        try (InputStream in = get(key)) {
            return in.readAllBytes();
        }
    }

    /**
     * Fails early, with a message naming the replica and the reason, when objects cannot be
     * written (a read-only directory, a missing bucket). The default assumes it can.
     */
    default void checkWritable() throws IOException {
    }

    /** Deletes an object; deleting an absent object is not an error. */
    void delete(String key) throws IOException;

    @Override
    default void close() throws IOException {
    }

    /** A write-once key already holds different content. */
    final class ObjectExistsException extends IOException {
        public ObjectExistsException(String message) {
            super(message);
        }
    }
}
