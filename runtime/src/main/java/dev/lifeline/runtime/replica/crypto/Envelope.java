package dev.lifeline.runtime.replica.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The encrypted object format ("LLE1", format 1), documented byte by byte in docs/FORMAT.md under
 * "Encryption (format 1, optional)":
 *
 * <pre>
 * header  = "LLE1" | version u8 (=1) | chunkSize u32be | keyIdLen u8 | keyId | baseNonce[12]
 * chunk i = AES-256-GCM(encKey, nonce_i, aad_i, plaintext[i*chunkSize .. +chunkSize]) | tag[16]
 * nonce_i = baseNonce with bytes 4..11 (u64be) XOR i
 * aad_i   = header | u32be len(objectKey) | objectKey (UTF-8) | u64be i | final u8 (1 on the last chunk)
 * baseNonce = HMAC-SHA256(nonceKey, objectKey | 0x00 | SHA-256(plaintext) | u32be chunkSize)[0..12]
 * </pre>
 *
 * Every chunk but the last holds exactly {@code chunkSize} plaintext bytes; the last holds 1 to
 * {@code chunkSize} (0 only for an empty object, which is one empty final chunk).
 */
final class Envelope {

    static final byte[] MAGIC = {'L', 'L', 'E', '1'};
    static final int VERSION = 1;
    static final int NONCE_LEN = 12;
    static final int TAG_LEN = 16;
    /** Bytes before the key id: magic, version, chunk size, key id length. */
    static final int FIXED_HEAD = 4 + 1 + 4 + 1;
    static final int DEFAULT_CHUNK = 1 << 20;
    static final int MIN_CHUNK = 1 << 10;
    static final int MAX_CHUNK = 16 << 20;
    static final int MAX_KEY_ID = 64;
    static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_KEY_ID + "}");
    static final String CIPHER = "AES/GCM/NoPadding";

    private Envelope() {
    }

    static byte[] header(String keyId, int chunkSize, byte[] baseNonce) {
        byte[] id = keyId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(FIXED_HEAD + id.length + NONCE_LEN);
        b.put(MAGIC).put((byte) VERSION).putInt(chunkSize).put((byte) id.length).put(id).put(baseNonce);
        return b.array();
    }

    static byte[] aad(byte[] header, byte[] objectKey, long index, boolean last) {
        return ByteBuffer.allocate(header.length + 4 + objectKey.length + 8 + 1)
                .put(header).putInt(objectKey.length).put(objectKey).putLong(index).put((byte) (last ? 1 : 0))
                .array();
    }

    static byte[] chunkNonce(byte[] baseNonce, long index) {
        ByteBuffer b = ByteBuffer.wrap(baseNonce.clone());
        b.putLong(4, b.getLong(4) ^ index);
        return b.array();
    }

    static byte[] baseNonce(KeyRing.Key key, String objectKey, byte[] plaintextSha256, int chunkSize) {
        Mac mac = key.nonceMac();
        mac.update(objectKey.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        mac.update(plaintextSha256);
        mac.update(ByteBuffer.allocate(4).putInt(chunkSize).array());
        byte[] full = mac.doFinal();
        byte[] n = new byte[NONCE_LEN];
        System.arraycopy(full, 0, n, 0, NONCE_LEN);
        return n;
    }

    static int sealedSize(long plaintext, int chunkSize, int keyIdLen) {
        long chunks = Math.max(1, (plaintext + chunkSize - 1) / chunkSize);
        long n = FIXED_HEAD + keyIdLen + NONCE_LEN + plaintext + chunks * TAG_LEN;
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("object too large to encrypt in memory: " + plaintext + " bytes");
        }
        return (int) n;
    }

    /**
     * Encrypts {@code plain} to {@code out}. {@code plaintextSha256} is the hash the nonce is
     * derived from; the hash of what was actually read is returned so the caller can refuse the
     * result when the input changed in between (which would otherwise pair a nonce with other
     * plaintext).
     */
    static byte[] seal(InputStream plain, OutputStream out, KeyRing.Key key, String objectKey,
                       byte[] plaintextSha256, int chunkSize) throws IOException {
        byte[] base = baseNonce(key, objectKey, plaintextSha256, chunkSize);
        byte[] header = header(key.id(), chunkSize, base);
        byte[] okey = objectKey.getBytes(StandardCharsets.UTF_8);
        out.write(header);
        MessageDigest md = sha256();
        Cipher c = cipher();
        byte[] cur = new byte[chunkSize];
        byte[] next = new byte[chunkSize];
        byte[] ct = new byte[chunkSize + TAG_LEN];
        int n = plain.readNBytes(cur, 0, chunkSize);
        long index = 0;
        while (true) {
            md.update(cur, 0, n);
            int m = n == chunkSize ? plain.readNBytes(next, 0, chunkSize) : 0;
            boolean last = m == 0;
            try {
                c.init(Cipher.ENCRYPT_MODE, key.encKey(), new GCMParameterSpec(TAG_LEN * 8, chunkNonce(base, index)));
                c.updateAAD(aad(header, okey, index, last));
                int k = c.doFinal(cur, 0, n, ct, 0);
                out.write(ct, 0, k);
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot encrypt replica object " + objectKey + ": " + e.getClass().getSimpleName(),
                        e);
            }
            if (last) {
                break;
            }
            byte[] t = cur;
            cur = next;
            next = t;
            n = m;
            index++;
        }
        return md.digest();
    }

    static Cipher cipher() {
        try {
            return Cipher.getInstance(CIPHER);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM lacks " + CIPHER, e);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
