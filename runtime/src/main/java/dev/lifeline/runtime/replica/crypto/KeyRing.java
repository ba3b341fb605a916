package dev.lifeline.runtime.replica.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The replica encryption keys: one active key that new objects are written with, and every
 * configured key accepted for reading, by key id.
 *
 * <p>Keys come from the environment or a file, never from a URL or a command-line value:
 * {@value #ENV_KEY} holds one key; {@value #ENV_KEY_FILE} names a file with one key per line.
 * A key is 32 bytes written in base64 (44 characters, padding optional, URL-safe alphabet
 * accepted) or hex (64 characters), optionally preceded by {@code keyid:}. A key without an id
 * gets the first 8 hex digits of its SHA-256 as its id. In a file, blank lines and lines starting
 * with {@code #} are ignored and the first key is the active one, so rotating means adding the new
 * key as the first line and keeping the old ones below it for as long as objects written with
 * them are in the replica.
 *
 * <p>Key material is never kept beyond deriving the working keys from it, and never appears in
 * any message or {@link #toString()}; only key ids do.
 */
public final class KeyRing {

    public static final String ENV_KEY = "LIFELINE_ENCRYPTION_KEY";
    public static final String ENV_KEY_FILE = "LIFELINE_ENCRYPTION_KEY_FILE";

    /** How to configure a key, for error messages. */
    static final String HOW = "set " + ENV_KEY + " to a 32-byte key in base64 or hex (for example the output of"
            + " `openssl rand -base64 32`), or " + ENV_KEY_FILE + " to the path of a file holding it"
            + " (one key per line, optionally as keyid:key; the first line is the active key)";

    private static final int MAX_FILE = 1 << 20;
    private static final byte[] ENC_LABEL = "lifeline enc v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE_LABEL = "lifeline nonce v1".getBytes(StandardCharsets.US_ASCII);

    /** One key, as the working keys derived from it. Holds no master key bytes. */
    static final class Key {
        private final String id;
        private final SecretKeySpec encKey;
        private final SecretKeySpec nonceKey;

        private Key(String id, SecretKeySpec encKey, SecretKeySpec nonceKey) {
            this.id = id;
            this.encKey = encKey;
            this.nonceKey = nonceKey;
        }

        String id() {
            return id;
        }

        SecretKeySpec encKey() {
            return encKey;
        }

        Mac nonceMac() {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(nonceKey);
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JVM lacks HmacSHA256", e);
            }
        }

        @Override
        public String toString() {
            return "Key[" + id + "]";
        }
    }

    private final List<Key> keys;
    private final Map<String, Key> byId;
    private final String source;

    private KeyRing(List<Key> keys, String source) {
        this.keys = List.copyOf(keys);
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : keys) {
            m.put(k.id(), k);
        }
        this.byId = m;
        this.source = source;
    }

    /**
     * The keys configured in {@code env} ({@value #ENV_KEY} or {@value #ENV_KEY_FILE}), or empty
     * when neither is set (blank counts as unset).
     *
     * @throws IllegalArgumentException both are set, the key is malformed, or the file is
     *                                  unreadable or malformed (the message never shows key material)
     */
    public static Optional<KeyRing> fromEnvironment(Map<String, String> env) {
        String key = env.get(ENV_KEY);
        String file = env.get(ENV_KEY_FILE);
        boolean hasKey = key != null && !key.isBlank();
        boolean hasFile = file != null && !file.isBlank();
        if (hasKey && hasFile) {
            throw new IllegalArgumentException("both " + ENV_KEY + " and " + ENV_KEY_FILE
                    + " are set: set only one (the file can hold several keys)");
        }
        if (hasKey) {
            return Optional.of(parse(key, ENV_KEY, true));
        }
        if (hasFile) {
            try {
                return Optional.of(fromFile(Path.of(file.strip())));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the key file " + file.strip() + " named by "
                        + ENV_KEY_FILE + ": " + e.getClass().getSimpleName(), e);
            }
        }
        return Optional.empty();
    }

    /**
     * Like {@link #fromEnvironment}, for when encryption is on: no key configured is an
     * {@link IllegalArgumentException} saying which variables to set.
     */
    public static KeyRing requireFromEnvironment(Map<String, String> env) {
        return fromEnvironment(env).orElseThrow(() -> new IllegalArgumentException(
                "replica encryption is on (encrypt=true) but no key is configured: " + HOW));
    }

    /** The keys in a key file; the first is the active one. */
    public static KeyRing fromFile(Path file) throws IOException {
        byte[] raw;
        try (InputStream in = Files.newInputStream(file)) {
            raw = in.readNBytes(MAX_FILE + 1);
        }
        if (raw.length > MAX_FILE) {
            throw new IllegalArgumentException("key file " + file + " is larger than 1 MiB: it is not a key file");
        }
        try {
            return parse(new String(raw, StandardCharsets.UTF_8), "key file " + file, false);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static KeyRing parse(String content, String source, boolean single) {
        List<Key> keys = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        // A byte-order mark some editors put first is not part of the key.
        String[] lines = (content.startsWith("\uFEFF") ? content.substring(1) : content).split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = single ? source : "line " + (i + 1) + " of " + source;
            if (single && !keys.isEmpty()) {
                throw new IllegalArgumentException(source + " holds more than one key: use " + ENV_KEY_FILE
                        + " for several keys");
            }
            Key k = parseLine(line, where);
            Integer prev = seen.put(k.id(), i + 1);
            if (prev != null) {
                throw new IllegalArgumentException(where + ": key id " + k.id() + " is already used on line " + prev
                        + ": every key needs its own id");
            }
            keys.add(k);
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no key: " + HOW);
        }
        return new KeyRing(keys, source);
    }

    private static Key parseLine(String line, String where) {
        String id = null;
        String material = line;
        int colon = line.indexOf(':');
        if (colon >= 0) {
            id = line.substring(0, colon).strip();
            material = line.substring(colon + 1).strip();
            if (!Envelope.KEY_ID.matcher(id).matches() || looksLikeKey(id)) {
                // The id is not shown: a line written the wrong way round would put the key here.
                throw new IllegalArgumentException(where + ": the key id before ':' (not shown) is invalid: use 1 to "
                        + Envelope.MAX_KEY_ID + " letters, digits, '.', '_' or '-', then ':' and the key");
            }
        }
        byte[] master = decode(material);
        if (master == null) {
            throw new IllegalArgumentException(where + ": the key (not shown) is not 32 bytes in base64 (44 characters)"
                    + " or hex (64 characters)" + (colon >= 0 ? "" : "; to name it, write keyid:key"));
        }
        try {
            if (id == null) {
                id = HexFormat.of().formatHex(Envelope.sha256().digest(master)).substring(0, 8);
            }
            return new Key(id, new SecretKeySpec(hmac(master, ENC_LABEL), "AES"),
                    new SecretKeySpec(hmac(master, NONCE_LABEL), "HmacSHA256"));
        } finally {
            Arrays.fill(master, (byte) 0);
        }
    }

    private static boolean looksLikeKey(String s) {
        return s.length() == 64 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    /** 32 bytes from hex or base64, or null. */
    private static byte[] decode(String s) {
        if (s.length() == 64 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return HexFormat.of().parseHex(s);
        }
        byte[] b;
        try {
            b = (s.indexOf('-') >= 0 || s.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (b.length != 32) {
            Arrays.fill(b, (byte) 0);
            return null;
        }
        return b;
    }

    private static byte[] hmac(byte[] key, byte[] label) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m.doFinal(label);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM lacks HmacSHA256", e);
        }
    }

    /** The key new objects are written with. */
    Key active() {
        return keys.get(0);
    }

    /** The key with this id, or null. */
    Key find(String id) {
        return byId.get(id);
    }

    public String activeKeyId() {
        return active().id();
    }

    /**
     * An HMAC-SHA256 keyed for naming content with key {@code id} (chunk names of file images),
     * derived from that key's encryption key and {@code label}, so that names computed with it
     * reveal nothing about the content without the key. Null when the ring has no such key.
     */
    public javax.crypto.Mac namingMac(String id, String label) {
        Key k = find(id);
        if (k == null) {
            return null;
        }
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(hmac(k.encKey().getEncoded(), label.getBytes(StandardCharsets.US_ASCII)),
                    "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM lacks HmacSHA256", e);
        }
    }

    /** Every key id, the active one first. */
    public List<String> keyIds() {
        return List.copyOf(byId.keySet());
    }

    /** Where the keys came from ({@value #ENV_KEY}, or "key file PATH"), for messages. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "KeyRing[active=" + activeKeyId() + ", ids=" + keyIds() + ", from " + source + "]";
    }
}
