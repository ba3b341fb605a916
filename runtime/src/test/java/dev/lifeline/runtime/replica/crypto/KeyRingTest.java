package dev.lifeline.runtime.replica.crypto;

import static dev.lifeline.runtime.replica.crypto.TestKeys.A;
import static dev.lifeline.runtime.replica.crypto.TestKeys.B;
import static dev.lifeline.runtime.replica.crypto.TestKeys.C;
import static dev.lifeline.runtime.replica.crypto.TestKeys.assertNoKeyMaterial;
import static dev.lifeline.runtime.replica.crypto.TestKeys.b64;
import static dev.lifeline.runtime.replica.crypto.TestKeys.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyRingTest {

    @TempDir
    Path dir;

    private static String derivedId(byte[] k) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(k)).substring(0, 8);
    }

    @Test
    void aKeyInBase64OrHexGetsTheSameDerivedId() throws Exception {
        KeyRing fromB64 = KeyRing.fromEnvironment(Map.of(KeyRing.ENV_KEY, b64(A))).orElseThrow();
        KeyRing fromHex = KeyRing.fromEnvironment(Map.of(KeyRing.ENV_KEY, hex(A).toUpperCase())).orElseThrow();
        KeyRing fromUrlSafe = KeyRing.fromEnvironment(Map.of(KeyRing.ENV_KEY,
                Base64.getUrlEncoder().withoutPadding().encodeToString(A) + "\n")).orElseThrow();
        assertEquals(derivedId(A), fromB64.activeKeyId());
        assertEquals(derivedId(A), fromHex.activeKeyId());
        assertEquals(derivedId(A), fromUrlSafe.activeKeyId());
        assertEquals(List.of(derivedId(A)), fromB64.keyIds());
        assertEquals(KeyRing.ENV_KEY, fromB64.source());
    }

    @Test
    void nothingConfiguredIsEmptyAndRequiredSaysWhatToSet() {
        assertEquals(Optional.empty(), KeyRing.fromEnvironment(Map.of()));
        assertEquals(Optional.empty(), KeyRing.fromEnvironment(Map.of(KeyRing.ENV_KEY, "  ")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeyRing.requireFromEnvironment(Map.of("HOME", "/root")));
        assertTrue(e.getMessage().contains("LIFELINE_ENCRYPTION_KEY ") && e.getMessage().contains(
                "LIFELINE_ENCRYPTION_KEY_FILE"), e.getMessage());
    }

    @Test
    void aKeyFileListsKeysForRotationWithTheFirstActive() throws Exception {
        Path f = dir.resolve("keys");
        Files.writeString(f, "\uFEFF# rotated 2024-06\n\nnew-2:" + b64(B) + "\r\nold-1 : " + hex(A) + "\n" + b64(C) + "\n");
        KeyRing r = KeyRing.fromFile(f);
        assertEquals("new-2", r.activeKeyId());
        assertEquals(List.of("new-2", "old-1", derivedId(C)), r.keyIds());
        KeyRing viaEnv = KeyRing.fromEnvironment(Map.of(KeyRing.ENV_KEY_FILE, f.toString())).orElseThrow();
        assertEquals(r.keyIds(), viaEnv.keyIds());
        assertTrue(viaEnv.source().contains(f.toString()));
        assertNoKeyMaterial(r.toString());
        assertTrue(r.toString().contains("new-2"), r.toString());
    }

    @Test
    void malformedKeysAreRefusedWithoutShowingThem() throws Exception {
        String almost = b64(A).substring(0, 40);
        String[] bad = {
            almost,                                   // too short
            hex(A) + "ab",                            // too long
            b64(A) + ":prod",                         // the wrong way round: the key in the id's place
            hex(A) + ":" + b64(B),                    // a key as the id
            "id with spaces:" + b64(A),
            "x".repeat(65) + ":" + b64(A),
            "ok:" + b64(A) + "!",
        };
        for (String line : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KeyRing.fromEnvironment(Map.of(KeyRing.ENV_KEY, line)), line);
            assertTrue(e.getMessage().contains(KeyRing.ENV_KEY), e.getMessage());
            assertNoKeyMaterial(TestKeys.messages(e));
        }
        Path f = dir.resolve("bad-keys");
        Files.writeString(f, "a:" + b64(A) + "\nb:" + almost + "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyRing.fromFile(f));
        assertTrue(e.getMessage().contains("line 2 of key file " + f), e.getMessage());
        assertNoKeyMaterial(TestKeys.messages(e));
    }

    @Test
    void duplicateIdsBothVariablesEmptyFilesAndMissingFilesAreRefused() throws Exception {
        Path dup = dir.resolve("dup");
        Files.writeString(dup, "k:" + b64(A) + "\nk:" + b64(B) + "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyRing.fromFile(dup));
        assertTrue(e.getMessage().contains("key id k is already used on line 1"), e.getMessage());
        assertNoKeyMaterial(e.getMessage());

        Path sameKeyTwice = dir.resolve("same");
        Files.writeString(sameKeyTwice, b64(A) + "\n" + hex(A) + "\n");
        assertThrows(IllegalArgumentException.class, () -> KeyRing.fromFile(sameKeyTwice));

        e = assertThrows(IllegalArgumentException.class, () -> KeyRing.fromEnvironment(
                Map.of(KeyRing.ENV_KEY, b64(A), KeyRing.ENV_KEY_FILE, dup.toString())));
        assertTrue(e.getMessage().contains("set only one"), e.getMessage());
        assertNoKeyMaterial(e.getMessage());

        Path empty = dir.resolve("empty");
        Files.writeString(empty, "# nothing yet\n");
        e = assertThrows(IllegalArgumentException.class, () -> KeyRing.fromFile(empty));
        assertTrue(e.getMessage().contains("holds no key"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> KeyRing.fromEnvironment(
                Map.of(KeyRing.ENV_KEY_FILE, dir.resolve("missing").toString())));
        assertTrue(e.getMessage().contains("cannot read the key file " + dir.resolve("missing")), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> KeyRing.fromEnvironment(
                Map.of(KeyRing.ENV_KEY, b64(A) + "\n" + b64(B))));
        assertTrue(e.getMessage().contains("more than one key"), e.getMessage());
        assertNoKeyMaterial(e.getMessage());
    }
}
