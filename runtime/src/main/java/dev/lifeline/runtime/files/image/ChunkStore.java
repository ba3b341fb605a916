package dev.lifeline.runtime.files.image;

import dev.lifeline.runtime.format.Lz4;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * Content-addressed chunks on one replica, shared by every lineage: each chunk is one LZ4 frame of
 * its plaintext under {@link ImageLayout#chunkKey}, written once (through the replica's client, so
 * an encrypting client seals it). The replica's chunk names are listed once, at the first store,
 * and kept: a chunk already there is never uploaded again. Reads check the content against the
 * name, so a damaged or swapped chunk is an error, never restored.
 */
public final class ChunkStore {

    private final ReplicaClient client;
    private final ChunkNaming naming;
    private Set<String> known;
    private long uploadedChunks;
    private long uploadedBytes;
    private long reusedChunks;

    public ChunkStore(ReplicaClient client, ChunkNaming naming) {
        this.client = client;
        this.naming = naming;
    }

    public ChunkNaming naming() {
        return naming;
    }

    /** Stores a chunk unless the replica holds it; returns its name. */
    public synchronized String put(byte[] buf, int off, int len) throws IOException {
        String name = naming.name(buf, off, len);
        if (known == null) {
            known = new HashSet<>();
            for (ObjectInfo o : client.list(ImageLayout.CHUNKS)) {
                String n = ImageLayout.nameOf(o.key());
                if (n != null) {
                    known.add(n);
                }
            }
        }
        if (known.contains(name)) {
            reusedChunks++;
            return name;
        }
        byte[] frame = Lz4.compress(buf, off, len);
        client.putIfAbsent(ImageLayout.chunkKey(name), frame);
        known.add(name);
        uploadedChunks++;
        uploadedBytes += frame.length;
        return name;
    }

    /** The plaintext of chunk {@code name}, checked against its name. */
    public byte[] get(String name) throws IOException {
        byte[] frame = client.getBytes(ImageLayout.chunkKey(name));
        byte[] data;
        try {
            data = Lz4.decompress(frame);
        } catch (IOException | RuntimeException e) {
            throw new IOException("chunk " + name + " is damaged (not a valid LZ4 frame): " + e.getMessage(), e);
        }
        String actual = naming.name(data, 0, data.length);
        if (!actual.equals(name)) {
            throw new IOException("chunk " + name + " is damaged: its content hashes to " + actual);
        }
        return data;
    }

    /** Chunks uploaded by this store (after {@code put}). */
    public synchronized long uploadedChunks() {
        return uploadedChunks;
    }

    /** Bytes uploaded by this store (LZ4 frames, before any encryption envelope). */
    public synchronized long uploadedBytes() {
        return uploadedBytes;
    }

    /** Chunks {@code put} found already stored. */
    public synchronized long reusedChunks() {
        return reusedChunks;
    }
}
