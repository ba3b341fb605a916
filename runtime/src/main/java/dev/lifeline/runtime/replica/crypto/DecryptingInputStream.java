package dev.lifeline.runtime.replica.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Decrypts an {@link Envelope} object chunk by chunk. A chunk's plaintext is released only after
 * its tag verified, with the object key, the chunk's index and whether it is the last chunk bound
 * in, so a reader never sees unauthenticated bytes, and reordered, truncated or extended objects
 * fail. Memory: one chunk of ciphertext and one of plaintext.
 */
final class DecryptingInputStream extends InputStream {

    private final InputStream in;
    private final String objectKey;
    private final String what;
    private final byte[] okey;
    private final byte[] header;
    private final KeyRing.Key key;
    private final byte[] baseNonce;
    private final int chunkSize;
    private final Cipher cipher = Envelope.cipher();
    private final byte[] ct;
    private final byte[] pt;
    private int ptLen;
    private int ptPos;
    private long index;
    private boolean last;
    /** A byte read ahead to learn whether the chunk before it was the last; -1 if none. */
    private int pending = -1;
    private boolean closed;

    private DecryptingInputStream(InputStream in, String objectKey, String what, byte[] header, KeyRing.Key key,
                                  byte[] baseNonce, int chunkSize) {
        this.in = in;
        this.objectKey = objectKey;
        this.what = what;
        this.okey = objectKey.getBytes(StandardCharsets.UTF_8);
        this.header = header;
        this.key = key;
        this.baseNonce = baseNonce;
        this.chunkSize = chunkSize;
        this.ct = new byte[chunkSize + Envelope.TAG_LEN];
        this.pt = new byte[chunkSize];
    }

    /**
     * Reads the header and decrypts the first chunk, so a wrong key, a foreign object or a
     * tampered small object fails here rather than on the first read. Closes {@code in} on failure.
     *
     * @param where the replica, for messages
     */
    static DecryptingInputStream open(InputStream in, String objectKey, String where, KeyRing keys)
            throws IOException {
        String what = "replica object " + objectKey + " in " + where;
        try {
            byte[] fixed = in.readNBytes(Envelope.FIXED_HEAD);
            if (fixed.length < Envelope.MAGIC.length
                    || !Arrays.equals(fixed, 0, Envelope.MAGIC.length, Envelope.MAGIC, 0, Envelope.MAGIC.length)) {
                if (fixed.length == 0) {
                    throw new DecryptionException(objectKey, what + " is empty: an encrypted object holds at least"
                            + " its encryption header and one authentication tag");
                }
                if (fixed.length < Envelope.MAGIC.length && isPrefixOfMagic(fixed)) {
                    throw new DecryptionException(objectKey, what + " is truncated: it ends inside its encryption"
                            + " header (" + fixed.length + " bytes)");
                }
                throw new DecryptionException(objectKey, what + " is not encrypted (it does not start with the"
                        + " LLE1 header): the replica holds unencrypted objects, which a replica opened with"
                        + " encrypt=true does not accept. Open it without encrypt=true, or replicate to a new replica");
            }
            if (fixed.length < Envelope.FIXED_HEAD) {
                throw new DecryptionException(objectKey, what + " is truncated: it ends inside its encryption header ("
                        + fixed.length + " bytes)");
            }
            ByteBuffer b = ByteBuffer.wrap(fixed);
            int version = b.get(4) & 0xff;
            if (version != Envelope.VERSION) {
                throw new DecryptionException(objectKey, what + " uses encryption format version " + version
                        + ", which this Lifeline does not read (it reads version " + Envelope.VERSION
                        + "): upgrade Lifeline, or the object is corrupt");
            }
            int chunkSize = b.getInt(5);
            if (chunkSize < Envelope.MIN_CHUNK || chunkSize > Envelope.MAX_CHUNK) {
                throw new DecryptionException(objectKey, what + " has a corrupt encryption header: chunk size "
                        + Integer.toUnsignedString(chunkSize) + " is outside " + Envelope.MIN_CHUNK + ".."
                        + Envelope.MAX_CHUNK);
            }
            int idLen = b.get(9) & 0xff;
            if (idLen < 1 || idLen > Envelope.MAX_KEY_ID) {
                throw new DecryptionException(objectKey, what + " has a corrupt encryption header: key id length "
                        + idLen + " is outside 1.." + Envelope.MAX_KEY_ID);
            }
            byte[] rest = in.readNBytes(idLen + Envelope.NONCE_LEN);
            if (rest.length < idLen + Envelope.NONCE_LEN) {
                throw new DecryptionException(objectKey, what + " is truncated: it ends inside its encryption header ("
                        + (fixed.length + rest.length) + " bytes)");
            }
            String keyId = new String(rest, 0, idLen, StandardCharsets.US_ASCII);
            if (!Envelope.KEY_ID.matcher(keyId).matches()) {
                throw new DecryptionException(objectKey, what + " has a corrupt encryption header: the key id is not"
                        + " valid");
            }
            KeyRing.Key key = keys.find(keyId);
            if (key == null) {
                throw new DecryptionException(objectKey, what + " was encrypted with key id " + keyId
                        + ", which is not among the configured keys (" + String.join(", ", keys.keyIds())
                        + " from " + keys.source() + "): add the key with that id to the key file"
                        + " (as a line " + keyId + ":KEY) to read it");
            }
            byte[] header = new byte[fixed.length + rest.length];
            System.arraycopy(fixed, 0, header, 0, fixed.length);
            System.arraycopy(rest, 0, header, fixed.length, rest.length);
            byte[] nonce = Arrays.copyOfRange(rest, idLen, idLen + Envelope.NONCE_LEN);
            DecryptingInputStream s = new DecryptingInputStream(in, objectKey, what, header, key, nonce, chunkSize);
            s.nextChunk();
            return s;
        } catch (IOException | RuntimeException e) {
            try {
                in.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static boolean isPrefixOfMagic(byte[] b) {
        return Arrays.equals(b, 0, b.length, Envelope.MAGIC, 0, b.length);
    }

    private void nextChunk() throws IOException {
        int n = 0;
        if (pending >= 0) {
            ct[0] = (byte) pending;
            pending = -1;
            n = 1;
        }
        n += in.readNBytes(ct, n, ct.length - n);
        boolean end;
        if (n == ct.length) {
            int b = in.read();
            end = b < 0;
            pending = b;
        } else {
            end = true;
        }
        if (n < Envelope.TAG_LEN) {
            throw new DecryptionException(objectKey, what + " is truncated: "
                    + (index == 0 && n == 0 ? "nothing follows its encryption header"
                    : "chunk " + index + " is " + n + " bytes, shorter than its authentication tag"));
        }
        if (!tryDecrypt(n, end)) {
            // Tell truncation and appended data from other damage when the other flag verifies.
            if (n == ct.length && end && tryDecrypt(n, false)) {
                throw new DecryptionException(objectKey, what + " is truncated: it ends after chunk " + index
                        + ", which is not its last chunk");
            }
            if (!end && tryDecrypt(n, true)) {
                throw new DecryptionException(objectKey, what + " has data after its last chunk (chunk " + index
                        + "): it was appended to or tampered with");
            }
            throw new DecryptionException(objectKey, what + " fails authentication"
                    + (index == 0 ? "" : " at chunk " + index) + ": wrong key or tampered object (key id "
                    + key.id() + "; a truncated object, or one copied from another key, fails the same way)");
        }
        last = end;
        ptPos = 0;
        index++;
    }

    private boolean tryDecrypt(int n, boolean end) throws DecryptionException {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key.encKey(),
                    new GCMParameterSpec(Envelope.TAG_LEN * 8, Envelope.chunkNonce(baseNonce, index)));
            cipher.updateAAD(Envelope.aad(header, okey, index, end));
            ptLen = cipher.doFinal(ct, 0, n, pt, 0);
            return true;
        } catch (javax.crypto.AEADBadTagException e) {
            ptLen = 0;
            return false;
        } catch (GeneralSecurityException e) {
            ptLen = 0;
            throw new DecryptionException(objectKey, what + " cannot be decrypted: " + e.getClass().getSimpleName());
        }
    }

    /** True when the current chunk is used up; reads the next one if there is one. */
    private boolean exhausted() throws IOException {
        while (ptPos >= ptLen) {
            if (last) {
                return true;
            }
            nextChunk();
        }
        return false;
    }

    @Override
    public int read() throws IOException {
        ensureOpen();
        if (exhausted()) {
            return -1;
        }
        return pt[ptPos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (exhausted()) {
            return -1;
        }
        int k = Math.min(len, ptLen - ptPos);
        System.arraycopy(pt, ptPos, b, off, k);
        ptPos += k;
        return k;
    }

    @Override
    public int available() throws IOException {
        return closed ? 0 : ptLen - ptPos;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            Arrays.fill(pt, (byte) 0);
            in.close();
        }
    }
}
