package dev.lifeline.runtime.replica.crypto;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Fixed test keys in every textual form, and a check that a text shows none of them. */
final class TestKeys {

    static final byte[] A = bytes(1);
    static final byte[] B = bytes(2);
    static final byte[] C = bytes(3);

    private TestKeys() {
    }

    static byte[] bytes(long seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        return k;
    }

    static String b64(byte[] k) {
        return Base64.getEncoder().encodeToString(k);
    }

    static String hex(byte[] k) {
        return HexFormat.of().formatHex(k);
    }

    static KeyRing ring(byte[] k) {
        return KeyRing.fromEnvironment(Map.of(KeyRing.ENV_KEY, b64(k))).orElseThrow();
    }

    static KeyRing ring(String id, byte[] k) {
        return KeyRing.fromEnvironment(Map.of(KeyRing.ENV_KEY, id + ":" + b64(k))).orElseThrow();
    }

    /** Fails if {@code text} holds any 12-character piece of any test key's base64, URL-safe base64 or hex. */
    static void assertNoKeyMaterial(String text) {
        for (byte[] k : List.of(A, B, C)) {
            List<String> forms = new ArrayList<>(List.of(b64(k), Base64.getUrlEncoder().encodeToString(k), hex(k),
                    hex(k).toUpperCase()));
            for (String f : forms) {
                for (int i = 0; i + 12 <= f.length(); i++) {
                    String piece = f.substring(i, i + 12);
                    assertFalse(text.contains(piece), "key material (" + i + ") shows in: " + text);
                }
            }
        }
    }

    /** The message of {@code t} and of its causes and suppressed exceptions. */
    static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        collect(t, sb, 0);
        return sb.toString();
    }

    private static void collect(Throwable t, StringBuilder sb, int depth) {
        if (t == null || depth > 10) {
            return;
        }
        sb.append(t).append('\n');
        for (Throwable s : t.getSuppressed()) {
            collect(s, sb, depth + 1);
        }
        collect(t.getCause(), sb, depth + 1);
    }
}
