package dev.lifeline.runtime.replica.crypto;

import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;

/**
 * Client-side encryption for any replica: every object is stored as AES-256-GCM ciphertext in the
 * chunked "LLE1" envelope (docs/FORMAT.md, "Encryption (format 1, optional)"), with its key bound
 * in, so a tampered, truncated, reordered or moved object is refused on read with an
 * {@link DecryptionException} naming it. Keys and listings are unchanged; listed sizes are the
 * sizes of the stored (encrypted) objects.
 *
 * <p>Nonces are derived from the plaintext, the object key and the key, so storing the same
 * content again produces the same bytes: a retried write stays a success under the write-once
 * rule. Different content under an existing key is still an {@link ObjectExistsException}. When the
 * stored object was written with another (older) key, a write of the same content is recognised
 * by decrypting the stored object, so retries survive key rotation.
 *
 * <p>Safe for use from several threads (no shared mutable state).
 */
public final class EncryptingReplicaClient implements ReplicaClient {

    private final ReplicaClient inner;
    private final KeyRing keys;
    private final int chunkSize;

    public EncryptingReplicaClient(ReplicaClient inner, KeyRing keys) {
        this(inner, keys, Envelope.DEFAULT_CHUNK);
    }

    /** With another plaintext chunk size (1 KiB to 16 MiB); readers take it from each object's header. */
    public EncryptingReplicaClient(ReplicaClient inner, KeyRing keys, int chunkSize) {
        if (chunkSize < Envelope.MIN_CHUNK || chunkSize > Envelope.MAX_CHUNK) {
            throw new IllegalArgumentException("chunk size " + chunkSize + " is outside " + Envelope.MIN_CHUNK + ".."
                    + Envelope.MAX_CHUNK);
        }
        this.inner = java.util.Objects.requireNonNull(inner, "inner");
        this.keys = java.util.Objects.requireNonNull(keys, "keys");
        this.chunkSize = chunkSize;
    }

    /** The client that stores the encrypted objects. */
    public ReplicaClient inner() {
        return inner;
    }

    public KeyRing keys() {
        return keys;
    }

    @Override
    public String describe() {
        return inner.describe() + " (encrypted)";
    }

    @Override
    public String toString() {
        return "EncryptingReplicaClient[" + inner.describe() + ", active key id " + keys.activeKeyId() + "]";
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return inner.list(prefix);
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        byte[] sha = Envelope.sha256().digest(data);
        byte[] sealed = seal(key, data, sha);
        store(key, sha, () -> inner.putIfAbsent(key, sealed));
    }

    @Override
    public void putExclusive(String key, byte[] data) throws IOException {
        byte[] sha = Envelope.sha256().digest(data);
        byte[] sealed = seal(key, data, sha);
        store(key, sha, () -> inner.putExclusive(key, sealed));
    }

    private byte[] seal(String key, byte[] data, byte[] sha) throws IOException {
        KeyRing.Key k = keys.active();
        ByteArrayOutputStream out = new ByteArrayOutputStream(Envelope.sealedSize(data.length, chunkSize,
                k.id().length()));
        Envelope.seal(new ByteArrayInputStream(data), out, k, key, sha, chunkSize);
        return out.toByteArray();
    }

    @Override
    public void putIfAbsent(String key, Path source) throws IOException {
        KeyRing.Key k = keys.active();
        byte[] sha = hash(source);
        Path tmp = tempFile(source);
        try {
            byte[] read;
            try (InputStream in = Files.newInputStream(source);
                 OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                read = Envelope.seal(in, out, k, key, sha, chunkSize);
            }
            if (!MessageDigest.isEqual(sha, read)) {
                // The nonce belongs to the content hashed first: never store it with other content.
                throw new IOException("file " + source + " changed while it was being encrypted for replica object "
                        + key + "; nothing was stored");
            }
            store(key, sha, () -> inner.putIfAbsent(key, tmp));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private interface Put {
        void run() throws IOException;
    }

    private void store(String key, byte[] sha, Put put) throws IOException {
        try {
            put.run();
        } catch (ObjectExistsException e) {
            // Written before with another key (rotation): the same content is still a retried write.
            try {
                if (MessageDigest.isEqual(sha, plaintextHash(key))) {
                    return;
                }
            } catch (IOException unreadable) {
                e.addSuppressed(unreadable);
            }
            throw e;
        }
    }

    private byte[] plaintextHash(String key) throws IOException {
        try (InputStream in = get(key)) {
            return digest(in);
        }
    }

    private static byte[] hash(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return digest(in);
        }
    }

    private static byte[] digest(InputStream in) throws IOException {
        MessageDigest md = Envelope.sha256();
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            md.update(buf, 0, n);
        }
        return md.digest();
    }

    /** Beside the source (the spool, on the same disk), else in the default temporary directory. */
    private static Path tempFile(Path source) throws IOException {
        Path dir = source.toAbsolutePath().getParent();
        if (dir != null) {
            try {
                return Files.createTempFile(dir, "." + source.getFileName() + ".", ".lle-tmp");
            } catch (IOException e) {
                // Read-only directory: fall through.
            }
        }
        return Files.createTempFile("lifeline-", ".lle-tmp");
    }

    @Override
    public InputStream get(String key) throws IOException {
        return DecryptingInputStream.open(inner.get(key), key, inner.describe(), keys);
    }

    @Override
    public void checkWritable() throws IOException {
        inner.checkWritable();
    }

    @Override
    public void delete(String key) throws IOException {
        inner.delete(key);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
