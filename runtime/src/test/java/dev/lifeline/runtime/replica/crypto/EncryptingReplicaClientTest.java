package dev.lifeline.runtime.replica.crypto;

import static dev.lifeline.runtime.replica.crypto.TestKeys.A;
import static dev.lifeline.runtime.replica.crypto.TestKeys.B;
import static dev.lifeline.runtime.replica.crypto.TestKeys.assertNoKeyMaterial;
import static dev.lifeline.runtime.replica.crypto.TestKeys.b64;
import static dev.lifeline.runtime.replica.crypto.TestKeys.ring;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptingReplicaClientTest {

    private static final String SNAP = "generations/0123456789abcdef/snapshots/00000000.snapshot.lz4";
    private static final String SEG = "generations/0123456789abcdef/wal/00000000_00000000.wal.lz4";
    private static final String MARKER = "LIFELINE-PLAINTEXT-MARKER-7f3a";
    private static final int SMALL_CHUNK = 4096;

    @TempDir
    Path dir;

    private final List<String> seenMessages = new ArrayList<>();

    private FileReplicaClient files() {
        return new FileReplicaClient(dir.resolve("replica"));
    }

    private EncryptingReplicaClient enc(KeyRing keys) {
        return new EncryptingReplicaClient(files(), keys);
    }

    private EncryptingReplicaClient small(KeyRing keys) {
        return new EncryptingReplicaClient(files(), keys, SMALL_CHUNK);
    }

    private Path stored(String key) {
        return dir.resolve("replica").resolve(key);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A 4 KiB SQLite-looking page: the file header, then rows of text with the marker. */
    private static byte[] sqlitePage() {
        byte[] page = new byte[4096];
        byte[] head = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, page, 0, head.length);
        byte[] row = ("row: " + MARKER + " customer=alice@example.com;").getBytes(StandardCharsets.US_ASCII);
        for (int off = 100; off + row.length < page.length; off += row.length + 7) {
            System.arraycopy(row, 0, page, off, row.length);
        }
        return page;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Reads a whole object, expecting it to be refused; returns the message (after the usual checks). */
    private String refused(ReplicaClient c, String key) {
        DecryptionException e = assertThrows(DecryptionException.class, () -> {
            try (InputStream in = c.get(key)) {
                in.readAllBytes();
            }
        });
        assertEquals(key, e.objectKey());
        assertTrue(e.getMessage().contains("replica object " + key), e.getMessage());
        seenMessages.add(TestKeys.messages(e));
        assertNoKeyMaterial(TestKeys.messages(e));
        return e.getMessage();
    }

    private void assertRefused(ReplicaClient c, String key, String expected) {
        String m = refused(c, key);
        assertTrue(m.contains(expected), "expected '" + expected + "' in: " + m);
    }

    // ---------------------------------------------------------------- round trips

    @Test
    void smallAndEmptyObjectsRoundTrip() throws Exception {
        EncryptingReplicaClient c = enc(ring(A));
        byte[] meta = "{\"format\":1}".getBytes(StandardCharsets.UTF_8);
        c.putIfAbsent("lifeline/v1/generations/0123456789abcdef/generation.json", meta);
        c.putIfAbsent("empty", new byte[0]);
        assertArrayEquals(meta, c.getBytes("lifeline/v1/generations/0123456789abcdef/generation.json"));
        assertArrayEquals(new byte[0], c.getBytes("empty"));
        // header (4+1+4+1+8+12) + one tag: the ciphertext size is listed, keys are unchanged
        List<ObjectInfo> all = c.list("");
        assertEquals(List.of("empty", "lifeline/v1/generations/0123456789abcdef/generation.json"),
                all.stream().map(ObjectInfo::key).toList());
        assertEquals(30 + 16, all.get(0).size());
        assertEquals(30 + 16 + meta.length, all.get(1).size());
        assertThrows(NoSuchFileException.class, () -> c.get("absent"));
        assertTrue(c.describe().endsWith(" (encrypted)"), c.describe());
        assertTrue(c.describe().startsWith(files().describe()), c.describe());
    }

    @Test
    void largeObjectsRoundTripInChunksAndBytesAndFileGiveIdenticalObjects() throws Exception {
        byte[] data = random(5 * 1024 * 1024 + 123, 5);
        Path src = dir.resolve("snapshot.lz4");
        Files.write(src, data);
        EncryptingReplicaClient c = enc(ring(A));
        c.putIfAbsent(SNAP, src);
        c.putIfAbsent("copy-from-bytes", data);
        try (InputStream in = c.get(SNAP)) {
            assertArrayEquals(data, in.readAllBytes());
        }
        assertArrayEquals(data, c.getBytes("copy-from-bytes"));
        // 6 chunks of 1 MiB (the last partial): 6 tags
        assertEquals(30 + data.length + 6 * 16, Files.size(stored(SNAP)));

        // Same key, same content, through the other entry point: byte-identical.
        EncryptingReplicaClient other = new EncryptingReplicaClient(
                new FileReplicaClient(dir.resolve("replica2")), ring(A));
        other.putIfAbsent(SNAP, data);
        assertEquals(-1L, Files.mismatch(stored(SNAP), dir.resolve("replica2").resolve(SNAP)));
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().endsWith(".lle-tmp")),
                "no temporary file is left beside the source");
    }

    @Test
    void exactMultiplesOfTheChunkSizeRoundTrip() throws Exception {
        EncryptingReplicaClient c = small(ring(A));
        EncryptingReplicaClient twin = new EncryptingReplicaClient(new FileReplicaClient(dir.resolve("twin")), ring(A),
                SMALL_CHUNK);
        for (int n : new int[] {1, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 3 * SMALL_CHUNK}) {
            byte[] data = random(n, n);
            Path src = dir.resolve("src-" + n);
            Files.write(src, data);
            c.putIfAbsent("obj-" + n, data);
            twin.putIfAbsent("obj-" + n, src);
            assertArrayEquals(data, c.getBytes("obj-" + n));
            assertEquals(-1L, Files.mismatch(stored("obj-" + n), dir.resolve("twin").resolve("obj-" + n)), "n=" + n);
            // one byte at a time too
            try (InputStream in = twin.get("obj-" + n)) {
                for (int i = 0; i < n; i++) {
                    assertEquals(data[i] & 0xff, in.read());
                }
                assertEquals(-1, in.read());
            }
        }
    }

    // ---------------------------------------------------------------- write-once

    @Test
    void aRetriedWriteSucceedsAndDifferentContentIsRefused() throws Exception {
        EncryptingReplicaClient c = enc(ring(A));
        byte[] seg = random(10_000, 1);
        c.putIfAbsent(SEG, seg);
        byte[] first = Files.readAllBytes(stored(SEG));
        c.putIfAbsent(SEG, seg.clone());
        Path src = dir.resolve("seg");
        Files.write(src, seg);
        c.putIfAbsent(SEG, src);
        assertArrayEquals(first, Files.readAllBytes(stored(SEG)));
        // Deterministic: the same content encrypts to the same bytes (what makes a retry a success).
        new EncryptingReplicaClient(new FileReplicaClient(dir.resolve("twin")), ring(A)).putIfAbsent(SEG, src);
        assertArrayEquals(first, Files.readAllBytes(dir.resolve("twin").resolve(SEG)));

        byte[] other = seg.clone();
        other[5000] ^= 1;
        assertThrows(ReplicaClient.ObjectExistsException.class, () -> c.putIfAbsent(SEG, other));
        Files.write(src, other);
        assertThrows(ReplicaClient.ObjectExistsException.class, () -> c.putIfAbsent(SEG, src));
        assertArrayEquals(seg, c.getBytes(SEG));
    }

    @Test
    void sameContentUnderAnotherObjectKeyOrKeyEncryptsDifferently() throws Exception {
        byte[] page = sqlitePage();
        enc(ring(A)).putIfAbsent("a", page);
        enc(ring(A)).putIfAbsent("b", page);
        new EncryptingReplicaClient(new FileReplicaClient(dir.resolve("other")), ring(B)).putIfAbsent("a", page);
        byte[] a = Files.readAllBytes(stored("a"));
        byte[] b = Files.readAllBytes(stored("b"));
        byte[] a2 = Files.readAllBytes(dir.resolve("other").resolve("a"));
        assertFalse(Arrays.equals(Arrays.copyOfRange(a, 18, a.length), Arrays.copyOfRange(b, 18, b.length)));
        assertFalse(Arrays.equals(Arrays.copyOfRange(a, 18, a.length), Arrays.copyOfRange(a2, 18, a2.length)));
    }

    // ---------------------------------------------------------------- confidentiality

    @Test
    void storedObjectsHoldNoPlaintext() throws Exception {
        byte[] page = sqlitePage();
        byte[] db = new byte[64 * 4096];
        for (int p = 0; p < 64; p++) {
            System.arraycopy(page, 0, db, p * 4096, 4096);
        }
        Path src = dir.resolve("image.db");
        Files.write(src, db);
        EncryptingReplicaClient c = small(ring(A));
        c.putIfAbsent(SEG, page);
        c.putIfAbsent(SNAP, src);
        byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
        byte[] sqlite = "SQLite format 3".getBytes(StandardCharsets.US_ASCII);
        byte[] email = "alice@example.com".getBytes(StandardCharsets.US_ASCII);
        // the control: the plaintext does hold them
        assertTrue(contains(page, marker) && contains(page, sqlite) && contains(page, email));
        for (String key : List.of(SEG, SNAP)) {
            byte[] s = Files.readAllBytes(stored(key));
            assertFalse(contains(s, marker), key);
            assertFalse(contains(s, sqlite), key);
            assertFalse(contains(s, email), key);
            // the 64 identical pages do not show as repeating ciphertext either
            byte[] first = Arrays.copyOfRange(s, 100, 132);
            assertFalse(contains(Arrays.copyOfRange(s, 132, s.length), first), key);
        }
        assertArrayEquals(db, c.getBytes(SNAP));
    }

    // ---------------------------------------------------------------- integrity

    @Test
    void everyFlippedBitOfASmallObjectIsRejected() throws Exception {
        EncryptingReplicaClient c = enc(ring(A));
        byte[] plain = random(100, 3);
        c.putIfAbsent(SEG, plain);
        Path f = stored(SEG);
        byte[] good = Files.readAllBytes(f);
        int header = 30;
        for (int i = 0; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                Files.write(f, bad);
                String m = refused(c, SEG);
                if (i >= header) {
                    assertTrue(m.contains("fails authentication: wrong key or tampered object"), m);
                }
            }
        }
        Files.write(f, good);
        assertArrayEquals(plain, c.getBytes(SEG));
    }

    @Test
    void headerDamageIsNamed() throws Exception {
        EncryptingReplicaClient c = enc(ring(A));
        c.putIfAbsent(SEG, random(100, 3));
        Path f = stored(SEG);
        byte[] good = Files.readAllBytes(f);
        byte[] bad = good.clone();
        bad[4] = 2; // version
        Files.write(f, bad);
        assertRefused(c, SEG, "encryption format version 2");
        bad = good.clone();
        bad[5] = 0x7f; // chunk size
        Files.write(f, bad);
        assertRefused(c, SEG, "corrupt encryption header");
        bad = good.clone();
        bad[20] ^= 1; // nonce
        Files.write(f, bad);
        assertRefused(c, SEG, "fails authentication");
        bad = good.clone();
        bad[7] ^= 0x10; // chunk size still in range: the header is authenticated
        Files.write(f, bad);
        assertRefused(c, SEG, "fails authentication");
        Files.write(f, Arrays.copyOf(good, 20));
        assertRefused(c, SEG, "is truncated: it ends inside its encryption header");
        Files.write(f, Arrays.copyOf(good, 30));
        assertRefused(c, SEG, "is truncated: nothing follows its encryption header");
        Files.write(f, Arrays.copyOf(good, 40));
        assertRefused(c, SEG, "is truncated");
        Files.write(f, new byte[0]);
        assertRefused(c, SEG, "is empty");
        // An unencrypted object in an encrypted replica.
        Files.write(f, new byte[] {0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, (byte) 0xa7});
        String m = refused(c, SEG);
        assertTrue(m.contains("is not encrypted") && m.contains("encrypt=true"), m);
    }

    @Test
    void truncationReorderingAndAppendingOfChunksAreRejected() throws Exception {
        EncryptingReplicaClient c = small(ring(A));
        byte[] plain = random(3 * SMALL_CHUNK + 500, 9);
        c.putIfAbsent(SNAP, plain);
        Path f = stored(SNAP);
        byte[] good = Files.readAllBytes(f);
        int h = 30;
        int sealed = SMALL_CHUNK + 16;

        // Truncated at a chunk boundary (after chunks 0 and 1): the last chunk left is not final.
        Files.write(f, Arrays.copyOf(good, h + 2 * sealed));
        String m = refused(c, SNAP);
        assertTrue(m.contains("is truncated: it ends after chunk 1, which is not its last chunk"), m);
        // get() itself succeeds (the first chunk verifies); the damage shows before any byte of it is released
        try (InputStream in = c.get(SNAP)) {
            assertArrayEquals(Arrays.copyOf(plain, SMALL_CHUNK), in.readNBytes(SMALL_CHUNK));
            assertThrows(DecryptionException.class, () -> in.readNBytes(1));
        }
        // Truncated inside a chunk.
        Files.write(f, Arrays.copyOf(good, good.length - 1));
        assertRefused(c, SNAP, "fails authentication at chunk 3");
        // Truncated to the first chunk only.
        Files.write(f, Arrays.copyOf(good, h + sealed));
        assertRefused(c, SNAP, "is truncated");

        // Chunks 0 and 1 swapped.
        byte[] swapped = good.clone();
        System.arraycopy(good, h, swapped, h + sealed, sealed);
        System.arraycopy(good, h + sealed, swapped, h, sealed);
        Files.write(f, swapped);
        assertRefused(c, SNAP, "fails authentication: wrong key or tampered object");
        // Chunks 1 and 2 swapped: detected at chunk 1.
        swapped = good.clone();
        System.arraycopy(good, h + sealed, swapped, h + 2 * sealed, sealed);
        System.arraycopy(good, h + 2 * sealed, swapped, h + sealed, sealed);
        Files.write(f, swapped);
        assertRefused(c, SNAP, "fails authentication at chunk 1");
        // A chunk duplicated in place of another.
        byte[] dup = good.clone();
        System.arraycopy(good, h, dup, h + sealed, sealed);
        Files.write(f, dup);
        assertRefused(c, SNAP, "fails authentication at chunk 1");

        // Flips in a middle chunk's ciphertext and in the last chunk's tag.
        byte[] flip = good.clone();
        flip[h + sealed + 100] ^= 0x40;
        Files.write(f, flip);
        assertRefused(c, SNAP, "fails authentication at chunk 1");
        flip = good.clone();
        flip[good.length - 3] ^= 1;
        Files.write(f, flip);
        assertRefused(c, SNAP, "fails authentication at chunk 3");

        // Data appended after the last chunk.
        byte[] longer = Arrays.copyOf(good, good.length + 16);
        Files.write(f, longer);
        refused(c, SNAP);
        // A whole-chunk-sized object with one more chunk appended: named as such.
        c.putIfAbsent("exact", random(SMALL_CHUNK, 10));
        byte[] exact = Files.readAllBytes(stored("exact"));
        byte[] extended = Arrays.copyOf(exact, exact.length + 100);
        Files.write(stored("exact"), extended);
        assertRefused(c, "exact", "has data after its last chunk");

        Files.write(f, good);
        assertArrayEquals(plain, c.getBytes(SNAP));
    }

    @Test
    void anObjectCopiedToAnotherKeyIsRejected() throws Exception {
        EncryptingReplicaClient c = enc(ring(A));
        String seg1 = "generations/0123456789abcdef/wal/00000000_00001000.wal.lz4";
        c.putIfAbsent(SEG, random(2000, 1));
        Files.createDirectories(stored(seg1).getParent());
        Files.copy(stored(SEG), stored(seg1));
        String m = refused(c, seg1);
        assertTrue(m.contains("replica object " + seg1) && m.contains("fails authentication"), m);
        // The same for a multi-chunk object.
        EncryptingReplicaClient s = small(ring(A));
        s.putIfAbsent("big-a", random(3 * SMALL_CHUNK, 2));
        Files.copy(stored("big-a"), stored("big-b"));
        assertRefused(s, "big-b", "fails authentication");
    }

    // ---------------------------------------------------------------- keys

    @Test
    void aWrongKeyOrAnUnknownKeyIdIsNamedAndNoKeyMaterialIsShown() throws Exception {
        enc(ring("prod", A)).putIfAbsent(SEG, random(500, 1));

        // Another key under the same id: authentication fails.
        String m = refused(enc(ring("prod", B)), SEG);
        assertTrue(m.contains("fails authentication: wrong key or tampered object"), m);

        // A key with another id: the object's key id is not configured.
        KeyRing other = ring(B);
        m = refused(enc(other), SEG);
        assertTrue(m.contains("was encrypted with key id prod, which is not among the configured keys ("
                + other.activeKeyId()), m);

        EncryptingReplicaClient c = enc(ring("prod", A));
        for (String s : List.of(c.toString(), c.describe(), c.keys().toString(), ring(A).toString(),
                ring(B).toString(), String.valueOf(c.keys().keyIds()))) {
            assertNoKeyMaterial(s);
        }
        assertNoKeyMaterial(String.join("\n", seenMessages));
        // The check itself works.
        assertThrows(AssertionError.class, () -> assertNoKeyMaterial("x" + b64(A).substring(3, 20)));
    }

    @Test
    void afterRotationOldObjectsStayReadableAndRetriesOfThemStillSucceed() throws Exception {
        Path keyFile = dir.resolve("keys");
        Files.writeString(keyFile, "key-a:" + b64(A) + "\n");
        EncryptingReplicaClient before = enc(KeyRing.fromFile(keyFile));
        byte[] old = random(3000, 1);
        before.putIfAbsent(SEG, old);

        Files.writeString(keyFile, "key-b:" + b64(B) + "\nkey-a:" + b64(A) + "\n");
        EncryptingReplicaClient after = enc(KeyRing.fromEnvironment(
                Map.of(KeyRing.ENV_KEY_FILE, keyFile.toString())).orElseThrow());
        assertArrayEquals(old, after.getBytes(SEG));
        byte[] fresh = random(3000, 2);
        after.putIfAbsent("new", fresh);
        assertTrue(new String(Files.readAllBytes(stored("new")), StandardCharsets.ISO_8859_1).startsWith(
                "LLE1\u0001\u0000\u0010\u0000\u0000\u0005key-b"));
        assertArrayEquals(fresh, after.getBytes("new"));

        // A write retried across the rotation: same content, now under key B, is still a success...
        after.putIfAbsent(SEG, old);
        // ...while different content is refused, and the stored object is untouched.
        byte[] changed = old.clone();
        changed[0] ^= 1;
        assertThrows(ReplicaClient.ObjectExistsException.class, () -> after.putIfAbsent(SEG, changed));
        assertArrayEquals(old, after.getBytes(SEG));

        // Key A dropped from the file: its objects name the missing key.
        Files.writeString(keyFile, "key-b:" + b64(B) + "\n");
        String m = refused(enc(KeyRing.fromFile(keyFile)), SEG);
        assertTrue(m.contains("key id key-a, which is not among the configured keys (key-b from key file "), m);
    }

    @Test
    void aSourceThatChangesWhileEncryptedIsNotStored() throws Exception {
        // A source stream whose content differs between the hashing and the encrypting pass.
        byte[] a = random(5000, 1);
        byte[] b = a.clone();
        b[4000] ^= 1;
        KeyRing.Key k = ring(A).active();
        byte[] shaA = Envelope.sha256().digest(a);
        byte[] read = Envelope.seal(new java.io.ByteArrayInputStream(b), java.io.OutputStream.nullOutputStream(), k,
                "x", shaA, SMALL_CHUNK);
        assertFalse(Arrays.equals(shaA, read), "seal reports what it read, so the caller can refuse it");
    }

    @Test
    void chunkSizesOutsideTheBoundsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new EncryptingReplicaClient(files(), ring(A), 512));
        assertThrows(IllegalArgumentException.class,
                () -> new EncryptingReplicaClient(files(), ring(A), 32 << 20));
        assertInstanceOf(EncryptingReplicaClient.class, new EncryptingReplicaClient(files(), ring(A), 1024));
    }

    @Test
    void readsAreIndependentAcrossThreads() throws Exception {
        EncryptingReplicaClient c = small(ring(A));
        List<byte[]> data = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            data.add(random(20_000 + i, i));
        }
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            int n = i;
            Thread t = new Thread(() -> {
                try {
                    for (int r = 0; r < 5; r++) {
                        c.putIfAbsent("obj-" + n, data.get(n));
                        assertArrayEquals(data.get(n), c.getBytes("obj-" + n));
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), errors);
    }

    @Test
    void deleteListAndWritabilityPassThrough() throws IOException {
        EncryptingReplicaClient c = enc(ring(A));
        c.checkWritable();
        c.putIfAbsent("d/x", new byte[10]);
        assertEquals(1, c.list("d/").size());
        c.delete("d/x");
        assertEquals(0, c.list("d/").size());
        c.close();
    }
}
