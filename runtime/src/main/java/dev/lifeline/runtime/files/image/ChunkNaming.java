package dev.lifeline.runtime.files.image;

import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.crypto.EncryptingReplicaClient;
import dev.lifeline.runtime.replica.crypto.KeyRing;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;

/**
 * How chunks are named: {@code sha256} (SHA-256 of the plaintext, as restic) on a plain replica;
 * on an encrypted one {@code hmac-sha256:<key id>}, an HMAC-SHA256 of the plaintext with a key
 * derived from that encryption key, so that a name does not let anyone holding a guess of the
 * content confirm it. The scheme is written in each image manifest, so a restore checks chunks
 * with the key that named them even after the active key changed (a new active key starts a new
 * set of names: chunks are not shared across keys).
 */
public final class ChunkNaming {

    static final String SHA256 = "sha256";
    static final String HMAC_PREFIX = "hmac-sha256:";
    private static final String LABEL = "lifeline chunk names v1";

    private final String scheme;
    private final Mac mac;

    private ChunkNaming(String scheme, Mac mac) {
        this.scheme = scheme;
        this.mac = mac;
    }

    /** The naming new chunks get on {@code client}. */
    public static ChunkNaming forWriting(ReplicaClient client) {
        if (client instanceof EncryptingReplicaClient e) {
            KeyRing keys = e.keys();
            return new ChunkNaming(HMAC_PREFIX + keys.activeKeyId(), keys.namingMac(keys.activeKeyId(), LABEL));
        }
        return new ChunkNaming(SHA256, null);
    }

    /** The naming {@code scheme} (from a manifest) on {@code client}. */
    public static ChunkNaming forScheme(String scheme, ReplicaClient client) throws IOException {
        if (SHA256.equals(scheme)) {
            return new ChunkNaming(SHA256, null);
        }
        if (scheme != null && scheme.startsWith(HMAC_PREFIX)) {
            if (!(client instanceof EncryptingReplicaClient e)) {
                throw new IOException("the image's chunks are named with an encryption key (" + scheme
                        + ") but the replica is not opened with encryption: set the encryption key");
            }
            String id = scheme.substring(HMAC_PREFIX.length());
            Mac m = e.keys().namingMac(id, LABEL);
            if (m == null) {
                throw new IOException("the image's chunks are named with key id " + id
                        + ", which is not among the configured keys " + e.keys().keyIds());
            }
            return new ChunkNaming(scheme, m);
        }
        throw new IOException("unknown chunk naming scheme '" + scheme + "' in the image manifest");
    }

    public String scheme() {
        return scheme;
    }

    /** The name (64 lowercase hex) of a chunk with this content. */
    public String name(byte[] buf, int off, int len) {
        byte[] d;
        if (mac == null) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update(buf, off, len);
                d = sha.digest();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM lacks SHA-256", e);
            }
        } else {
            synchronized (mac) {
                mac.update(buf, off, len);
                d = mac.doFinal();
            }
        }
        return HexFormat.of().formatHex(d);
    }
}
