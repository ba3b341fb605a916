package dev.lifeline.runtime.replica.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient.ObjectExistsException;
import dev.lifeline.runtime.replica.ReplicaUrl;
import dev.lifeline.runtime.replica.s3.S3ReplicaConfig.ChecksumMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.model.S3Object;

class S3ReplicaClientTest {

    static final String BUCKET = "lifeline-test";
    private static final int MIB = 1 << 20;
    private static final AtomicInteger SEQ = new AtomicInteger();

    static S3ProxyServer server;

    @TempDir
    Path dir;

    /** Every message a test saw, checked for credentials at the end of each test that collects. */
    private final List<String> messages = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        server = S3ProxyServer.start(null);
        server.createBucket(BUCKET);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static String prefix(String name) {
        return "t/" + name + "-" + SEQ.incrementAndGet();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Path randomFile(String name, long size, long seed) throws IOException {
        Path p = dir.resolve(name);
        Random r = new Random(seed);
        byte[] buf = new byte[MIB];
        try (var out = Files.newOutputStream(p)) {
            for (long left = size; left > 0; left -= buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
        return p;
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] b = new byte[64 << 10];
        for (int n; (n = in.read(b)) > 0; ) {
            d.update(b, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private void assertNoSecrets(String... extra) {
        List<String> all = new ArrayList<>(messages);
        all.addAll(List.of(extra));
        for (String m : all) {
            assertFalse(m.contains(S3ProxyServer.SECRET_KEY), "secret key leaked: " + m);
            assertFalse(m.contains("Signature="), "signature leaked: " + m);
        }
    }

    private String messageChain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            b.append(t).append(" | ");
        }
        messages.add(b.toString());
        System.out.println("message: " + b);
        return b.toString();
    }

    private List<String> rawKeys(String prefix) {
        return server.raw.listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key).collect(Collectors.toList());
    }

    @Test
    void putGetListDeleteRoundTrip() throws Exception {
        String prefix = prefix("roundtrip");
        try (S3ReplicaClient c = server.client(BUCKET, prefix)) {
            c.checkWritable();
            c.putIfAbsent("generations/0123456789abcdef/wal/00000000_00000000.wal.lz4", bytes("segment-0"));
            c.putIfAbsent("generations/0123456789abcdef/snapshots/00000000.snapshot.lz4", bytes("snap"));
            c.putIfAbsent("lifeline/v1/generations/0123456789abcdef/generation.json", bytes("{}"));
            c.putIfAbsent("generations/0123456789abcdef/wal/00000000_00001000.wal.lz4", new byte[0]);

            assertArrayEquals(bytes("segment-0"),
                    c.getBytes("generations/0123456789abcdef/wal/00000000_00000000.wal.lz4"));
            assertArrayEquals(new byte[0], c.getBytes("generations/0123456789abcdef/wal/00000000_00001000.wal.lz4"));

            List<ObjectInfo> all = c.list("");
            assertEquals(List.of(
                    "generations/0123456789abcdef/snapshots/00000000.snapshot.lz4",
                    "generations/0123456789abcdef/wal/00000000_00000000.wal.lz4",
                    "generations/0123456789abcdef/wal/00000000_00001000.wal.lz4",
                    "lifeline/v1/generations/0123456789abcdef/generation.json"),
                    all.stream().map(ObjectInfo::key).toList(), "relative to the root, in key order");
            assertEquals(9, all.get(1).size());
            assertTrue(all.get(1).modified() != null);
            assertEquals(2, c.list("generations/0123456789abcdef/wal/").size());
            assertEquals(0, c.list("generations/ffffffffffffffff/").size());

            // Stored exactly where Litestream's `path:` puts them.
            assertTrue(rawKeys(prefix + "/").stream().allMatch(k -> k.startsWith(prefix + "/generations/")
                    || k.startsWith(prefix + "/lifeline/v1/")), rawKeys(prefix + "/").toString());

            c.delete("generations/0123456789abcdef/wal/00000000_00000000.wal.lz4");
            c.delete("generations/0123456789abcdef/wal/00000000_00000000.wal.lz4"); // idempotent
            c.delete("never/existed");
            assertEquals(3, c.list("").size());
            assertThrows(NoSuchFileException.class,
                    () -> c.get("generations/0123456789abcdef/wal/00000000_00000000.wal.lz4"));
        }
    }

    @Test
    void emptyPrefixIsTheBucketRoot() throws Exception {
        server.createBucket("lifeline-root");
        try (S3ReplicaClient c = server.client("lifeline-root", "")) {
            assertEquals("s3://lifeline-root (endpoint " + server.endpoint + ")", c.describe());
            c.putIfAbsent("generations/0000000000000001/wal/00000000_00000000.wal.lz4", bytes("w"));
            c.putIfAbsent("a", bytes("a"));
            assertEquals(List.of("a", "generations/0000000000000001/wal/00000000_00000000.wal.lz4"),
                    c.list("").stream().map(ObjectInfo::key).toList());
            assertEquals(List.of("a", "generations/0000000000000001/wal/00000000_00000000.wal.lz4"),
                    server.raw.listObjectsV2(r -> r.bucket("lifeline-root")).contents().stream()
                            .map(S3Object::key).toList());
        }
    }

    @Test
    void writeOnceSameBytesSucceedDifferentBytesFail() throws Exception {
        try (S3ReplicaClient c = server.client(BUCKET, prefix("write-once"))) {
            c.putIfAbsent("generations/a/wal/1", bytes("one"));
            c.putIfAbsent("generations/a/wal/1", bytes("one")); // a retried write
            ObjectExistsException e = assertThrows(ObjectExistsException.class,
                    () -> c.putIfAbsent("generations/a/wal/1", bytes("two")));
            String m = messageChain(e);
            assertTrue(m.contains("generations/a/wal/1"), m);
            assertArrayEquals(bytes("one"), c.getBytes("generations/a/wal/1"));
            // Same size, different content: the ETag decides without downloading.
            assertThrows(ObjectExistsException.class, () -> c.putIfAbsent("generations/a/wal/1", bytes("owe")));

            Path same = Files.write(dir.resolve("same"), bytes("one"));
            c.putIfAbsent("generations/a/wal/1", same);
            Path other = Files.write(dir.resolve("other"), bytes("uno"));
            assertThrows(ObjectExistsException.class, () -> c.putIfAbsent("generations/a/wal/1", other));
        }
        assertNoSecrets();
    }

    @Test
    void missingKeyIsNoSuchFile() throws Exception {
        try (S3ReplicaClient c = server.client(BUCKET, prefix("missing"))) {
            NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> c.get("generations/x/nope"));
            assertEquals("generations/x/nope", e.getFile());
            messageChain(e);
            assertThrows(NoSuchFileException.class, () -> c.getBytes("nope"));
            assertThrows(IllegalArgumentException.class, () -> c.get("../escape"));
            assertThrows(IllegalArgumentException.class, () -> c.get("/abs"));
        }
        assertNoSecrets();
    }

    @Test
    void multipartRoundTripsByteExactAndIsWriteOnce() throws Exception {
        S3ReplicaConfig cfg = server.config(BUCKET, prefix("multipart")).withMultipart(5 * MIB, 5 * MIB);
        Path file = randomFile("big", 12 * MIB + 123, 1);
        try (S3ReplicaClient c = server.client(cfg)) {
            c.putIfAbsent("generations/g/snapshots/00000000.snapshot.lz4", file);
            String etag = server.raw.headObject(r -> r.bucket(BUCKET)
                    .key(cfg.prefix() + "/generations/g/snapshots/00000000.snapshot.lz4")).eTag();
            assertTrue(etag.endsWith("-3\""), "three parts: " + etag);
            try (InputStream in = c.get("generations/g/snapshots/00000000.snapshot.lz4");
                 InputStream local = Files.newInputStream(file)) {
                assertEquals(sha256(local), sha256(in));
            }
            assertEquals(12 * MIB + 123, c.list("generations/g/").get(0).size());

            // Again with the same file: found by HEAD, recognised by its multipart ETag.
            c.putIfAbsent("generations/g/snapshots/00000000.snapshot.lz4", file);
            // Same size, different bytes.
            Path other = randomFile("other", 12 * MIB + 123, 2);
            ObjectExistsException e = assertThrows(ObjectExistsException.class,
                    () -> c.putIfAbsent("generations/g/snapshots/00000000.snapshot.lz4", other));
            messageChain(e);
            assertTrue(server.raw.listMultipartUploads(r -> r.bucket(BUCKET).prefix(cfg.prefix())).uploads().isEmpty());
        }
        assertNoSecrets();
    }

    @Test
    void keyAppearingDuringMultipartUploadIsDetectedAndUploadAborted() throws Exception {
        S3ReplicaConfig cfg = server.config(BUCKET, prefix("race-mp")).withMultipart(5 * MIB, 5 * MIB);
        Path file = randomFile("big", 11 * MIB, 3);
        Path other = randomFile("other", 11 * MIB, 4);
        try (S3ReplicaClient c = server.client(cfg); S3ReplicaClient rival = server.client(cfg)) {
            // A rival writes different content after our HEAD and before our complete.
            c.beforeCompleteHook = () -> {
                try {
                    rival.putIfAbsent("generations/g/snapshots/00000000.snapshot.lz4", Files.readAllBytes(other));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            };
            assertThrows(ObjectExistsException.class,
                    () -> c.putIfAbsent("generations/g/snapshots/00000000.snapshot.lz4", file));
            try (InputStream in = c.get("generations/g/snapshots/00000000.snapshot.lz4");
                 InputStream local = Files.newInputStream(other)) {
                assertEquals(sha256(local), sha256(in), "the rival's object was not overwritten");
            }
            // The rival wrote the same content: then ours is a success.
            c.beforeCompleteHook = () -> {
                try {
                    rival.putIfAbsent("generations/g/snapshots/00000001.snapshot.lz4", Files.readAllBytes(file));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            };
            c.putIfAbsent("generations/g/snapshots/00000001.snapshot.lz4", file);
            assertTrue(server.raw.listMultipartUploads(r -> r.bucket(BUCKET).prefix(cfg.prefix())).uploads().isEmpty(),
                    "aborted uploads leave no parts behind");
        }
    }

    @Test
    void smallFilesGoThroughSinglePut() throws Exception {
        S3ReplicaConfig cfg = server.config(BUCKET, prefix("small-file"));
        Path file = randomFile("small", 3 * MIB, 5);
        try (S3ReplicaClient c = server.client(cfg)) {
            c.putIfAbsent("generations/g/snapshots/00000000.snapshot.lz4", file);
            String etag = server.raw.headObject(r -> r.bucket(BUCKET)
                    .key(cfg.prefix() + "/generations/g/snapshots/00000000.snapshot.lz4")).eTag();
            assertFalse(etag.contains("-"), etag);
            assertArrayEquals(Files.readAllBytes(file), c.getBytes("generations/g/snapshots/00000000.snapshot.lz4"));
        }
    }

    @Test
    void sdkDefaultChecksumsWork() throws Exception {
        S3ReplicaConfig cfg = server.config(BUCKET, prefix("when-supported"))
                .withChecksum(ChecksumMode.WHEN_SUPPORTED).withMultipart(5 * MIB, 5 * MIB);
        Path file = randomFile("big", 7 * MIB, 6);
        try (S3ReplicaClient c = server.client(cfg)) {
            c.putIfAbsent("k/small", bytes("hello"));
            c.putIfAbsent("k/small", bytes("hello"));
            assertThrows(ObjectExistsException.class, () -> c.putIfAbsent("k/small", bytes("world")));
            c.putIfAbsent("k/big", file);
            assertArrayEquals(bytes("hello"), c.getBytes("k/small"));
            assertArrayEquals(Files.readAllBytes(file), c.getBytes("k/big"));
        }
    }

    @Test
    void concurrentWritersOfOneKeyExactlyOneWins() throws Exception {
        try (S3ReplicaClient a = server.client(BUCKET, prefix("concurrent"));
             S3ReplicaClient b = server.client(a.config())) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (int round = 0; round < 5; round++) {
                    String key = "generations/g/wal/" + round;
                    CountDownLatch go = new CountDownLatch(1);
                    Callable<Boolean> wa = () -> write(go, a, key, bytes("writer-a-" + key));
                    Callable<Boolean> wb = () -> write(go, b, key, bytes("writer-b-" + key));
                    Future<Boolean> fa = pool.submit(wa);
                    Future<Boolean> fb = pool.submit(wb);
                    go.countDown();
                    boolean okA = fa.get(30, TimeUnit.SECONDS);
                    boolean okB = fb.get(30, TimeUnit.SECONDS);
                    assertTrue(okA ^ okB, "exactly one writer wins round " + round + ": " + okA + " " + okB);
                    String stored = new String(a.getBytes(key), StandardCharsets.UTF_8);
                    assertEquals(okA ? "writer-a-" + key : "writer-b-" + key, stored);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static boolean write(CountDownLatch go, ReplicaClient c, String key, byte[] data) throws Exception {
        go.await();
        try {
            c.putIfAbsent(key, data);
            return true;
        } catch (ObjectExistsException e) {
            return false;
        }
    }

    @Test
    void describeAndMessagesNeverContainCredentials() throws Exception {
        S3ReplicaConfig cfg = server.config(BUCKET, prefix("secrets"));
        try (S3ReplicaClient c = server.client(cfg)) {
            assertEquals("s3://" + BUCKET + "/" + cfg.prefix() + " (endpoint " + server.endpoint + ")", c.describe());
            assertFalse(c.describe().contains(S3ProxyServer.ACCESS_KEY));
            assertFalse(c.toString().contains(S3ProxyServer.SECRET_KEY));
            assertFalse(cfg.toString().contains(S3ProxyServer.SECRET_KEY));
            c.putIfAbsent("k", bytes("v"));
            // The credentials the SDK signed with are known to the scrubber without being looked up again.
            assertEquals("x " + Redactor.MASK + " y", c.scrubForTest("x " + S3ProxyServer.SECRET_KEY + " y"));
            assertEquals(Redactor.MASK, c.scrubForTest(S3ProxyServer.ACCESS_KEY));
            messageChain(assertThrows(ObjectExistsException.class, () -> c.putIfAbsent("k", bytes("w"))));
            messageChain(assertThrows(NoSuchFileException.class, () -> c.get("absent")));
        }
        // Wrong secret: the server refuses every request.
        String wrongSecret = "WrongSecret-also-never-printed-3Hq";
        try (S3ReplicaClient bad = new S3ReplicaClient(server.config(BUCKET, prefix("bad")).withMaxAttempts(1),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, wrongSecret)))) {
            // (A PUT may instead see the connection closed while it still sends the body: the JDK's
            // HttpURLConnection buffers bodies and does not wait for 100-continue.)
            IOException e = assertThrows(IOException.class, () -> bad.putIfAbsent("k", bytes("v")));
            String m = messageChain(e);
            assertFalse(m.contains(wrongSecret), m);
            m = messageChain(assertThrows(IOException.class, () -> bad.get("k")));
            assertTrue(m.contains("403"), m);
            assertFalse(m.contains(S3ProxyServer.ACCESS_KEY), "the access key id is scrubbed too: " + m);
            IOException w = assertThrows(IOException.class, bad::checkWritable);
            m = messageChain(w);
            assertTrue(m.contains("denied") && m.contains("credentials"), m);
            assertFalse(m.contains(wrongSecret), m);
            messageChain(assertThrows(IOException.class, () -> bad.list("")));
            for (String s : messages) {
                assertFalse(s.contains(wrongSecret), s);
            }
            // The scrubber also masks anything shaped like a SigV4 header.
            String scrubbed = bad.scrubForTest("Authorization: AWS4-HMAC-SHA256 Credential=" + S3ProxyServer.ACCESS_KEY
                    + "/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0123abcd");
            assertFalse(scrubbed.contains("0123abcd") || scrubbed.contains(S3ProxyServer.ACCESS_KEY), scrubbed);
            assertFalse(bad.scrubForTest("?X-Amz-Credential=AKIAXX%2F2026&X-Amz-Signature=deadbeef").contains("deadbeef"));
        }
        assertNoSecrets();
    }

    @Test
    void checkWritableNamesAMissingBucket() throws Exception {
        try (S3ReplicaClient c = server.client("no-such-bucket-here", "db")) {
            IOException e = assertThrows(IOException.class, c::checkWritable);
            String m = messageChain(e);
            assertTrue(m.contains("no-such-bucket-here") && m.contains("does not exist"), m);
        }
        assertNoSecrets();
    }

    @Test
    void deadEndpointFailsWithinTheTimeouts() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        S3ReplicaConfig cfg = S3ReplicaConfig.of(BUCKET, "db", java.net.URI.create("http://127.0.0.1:" + port))
                .withMaxAttempts(3).withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        try (S3ReplicaClient c = new S3ReplicaClient(cfg, S3ProxyServer.credentials())) {
            IOException e = assertThrows(IOException.class, () -> c.putIfAbsent("k", bytes("v")));
            String m = messageChain(e);
            assertTrue(m.contains("127.0.0.1:" + port), m);
        }
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos(), "retries are bounded");
        assertNoSecrets();
    }

    @Test
    void silentServerTimesOutInsteadOfHanging() throws Exception {
        try (var silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                List<java.net.Socket> held = new ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept()); // accept, never answer
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            S3ReplicaConfig cfg = S3ReplicaConfig.of(BUCKET, "db",
                            java.net.URI.create("http://127.0.0.1:" + silent.getLocalPort()))
                    .withMaxAttempts(2).withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(700));
            long t0 = System.nanoTime();
            try (S3ReplicaClient c = new S3ReplicaClient(cfg, S3ProxyServer.credentials())) {
                IOException e = assertThrows(IOException.class, () -> c.getBytes("k"));
                String m = messageChain(e);
                assertTrue(m.toLowerCase(java.util.Locale.ROOT).contains("timed out"), m);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 15_000, "gave up after " + ms + " ms");
        }
        assertNoSecrets();
    }

    @Test
    void defaultCredentialChainWithSystemProperties() throws Exception {
        String prefix = prefix("default-chain");
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        try (ReplicaClient c = ReplicaUrl.open("s3://" + BUCKET + "/" + prefix + "?endpoint=" + server.endpoint)) {
            c.checkWritable();
            c.putIfAbsent("generations/g/wal/0", bytes("via the default chain"));
            assertArrayEquals(bytes("via the default chain"), c.getBytes("generations/g/wal/0"));
            assertFalse(c.describe().contains(S3ProxyServer.SECRET_KEY));
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
        assertEquals(List.of(prefix + "/generations/g/wal/0"), rawKeys(prefix + "/"));
    }

    @Test
    void retriedWriteWhoseResponseWasLostSucceeds() throws Exception {
        try (FakeS3 fake = new FakeS3();
             S3ReplicaClient c = new S3ReplicaClient(S3ReplicaConfig.of("bucket", "db", fake.endpoint()),
                     S3ProxyServer.credentials())) {
            fake.losePutResponses.set(1);
            c.putIfAbsent("generations/g/wal/0", bytes("payload"));
            assertEquals(2, fake.puts.get(), "the SDK retried after the 500");
            assertArrayEquals(bytes("payload"), fake.objects.get("bucket/db/generations/g/wal/0"));
            // The same through a file, then a conflicting retry.
            fake.losePutResponses.set(1);
            c.putIfAbsent("generations/g/wal/1", Files.write(dir.resolve("f"), bytes("file payload")));
            assertArrayEquals(bytes("file payload"), c.getBytes("generations/g/wal/1"));
            assertThrows(ObjectExistsException.class, () -> c.putIfAbsent("generations/g/wal/1", bytes("other")));
        }
    }

    @Test
    void downloadsCutShortAreResumed() throws Exception {
        byte[] data = new byte[300_000];
        new Random(9).nextBytes(data);
        try (FakeS3 fake = new FakeS3();
             S3ReplicaClient c = new S3ReplicaClient(S3ReplicaConfig.of("bucket", "db", fake.endpoint()),
                     S3ProxyServer.credentials())) {
            c.putIfAbsent("snap", data);
            fake.truncateGets.set(2);
            assertArrayEquals(data, c.getBytes("snap"));
            assertEquals(3, fake.gets.get(), "one GET and two ranged resumes");

            fake.honorRange = false; // a server that answers a Range with the whole object
            fake.truncateGets.set(1);
            assertArrayEquals(data, c.getBytes("snap"));

            fake.truncateGets.set(10); // more breaks than attempts: a clear error, not a short read
            IOException e = assertThrows(IOException.class, () -> c.getBytes("snap"));
            assertTrue(messageChain(e).contains("attempts"), e.getMessage());
        }
        assertNoSecrets();
    }

    @Test
    void serverWithoutConditionalWritesFallsBackToHeadThenPut() throws Exception {
        try (FakeS3 fake = new FakeS3();
             S3ReplicaClient c = new S3ReplicaClient(S3ReplicaConfig.of("bucket", "db", fake.endpoint()),
                     S3ProxyServer.credentials())) {
            fake.conditionalSupported = false;
            c.putIfAbsent("a", bytes("1"));
            c.putIfAbsent("b", bytes("2"));
            c.putIfAbsent("b", bytes("2"));
            assertThrows(ObjectExistsException.class, () -> c.putIfAbsent("b", bytes("3")));
            assertEquals(1, fake.conditionalPuts.get(), "If-None-Match is tried once, then no more");
            assertArrayEquals(bytes("1"), fake.objects.get("bucket/db/a"));
            assertArrayEquals(bytes("2"), fake.objects.get("bucket/db/b"));
        }
    }

    @Test
    void exclusiveWritesSkipTheHeadOnlyWithoutConditionalWrites() throws Exception {
        try (FakeS3 fake = new FakeS3();
             S3ReplicaClient c = new S3ReplicaClient(S3ReplicaConfig.of("bucket", "db", fake.endpoint()),
                     S3ProxyServer.credentials())) {
            // A server with conditional writes keeps checking: it costs nothing there.
            c.putExclusive("a", bytes("1"));
            assertThrows(ObjectExistsException.class, () -> c.putExclusive("a", bytes("other")));
            assertEquals(1, fake.heads.get(), "one HEAD, only to resolve the 412");

            fake.conditionalSupported = false;
            c.putIfAbsent("b", bytes("2")); // learns that the server has no If-None-Match
            int heads = fake.heads.get();
            int puts = fake.puts.get();
            for (int i = 0; i < 5; i++) {
                c.putExclusive("x/" + i, bytes("v" + i));
            }
            c.putExclusive("x/0", bytes("v0")); // our own retry: the same bytes again
            assertEquals(heads, fake.heads.get(), "no HEAD before an exclusive write");
            assertEquals(puts + 6, fake.puts.get(), "one PUT per exclusive write");
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(bytes("v" + i), c.getBytes("x/" + i));
            }
            // The ordinary write still looks first.
            assertThrows(ObjectExistsException.class, () -> c.putIfAbsent("x/1", bytes("different")));
            assertEquals(heads + 1, fake.heads.get());
        }
    }

    @Test
    void awsCliListsWhatWeWrote() throws Exception {
        assumeTrue(onPath("aws"), "the aws CLI is not installed: skipping the cross-client listing check");
        String prefix = prefix("aws-cli");
        List<String> keys = List.of("generations/0011223344556677/snapshots/00000000.snapshot.lz4",
                "generations/0011223344556677/wal/00000000_00000000.wal.lz4");
        try (S3ReplicaClient c = server.client(BUCKET, prefix)) {
            for (String k : keys) {
                c.putIfAbsent(k, bytes("data of " + k));
            }
        }
        ProcessBuilder pb = new ProcessBuilder("aws", "--endpoint-url", server.endpoint.toString(), "s3", "ls",
                "s3://" + BUCKET + "/" + prefix + "/", "--recursive");
        pb.environment().put("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY);
        pb.environment().put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
        pb.environment().put("AWS_DEFAULT_REGION", "us-east-1");
        pb.environment().put("AWS_CONFIG_FILE", dir.resolve("no-config").toString());
        pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-credentials").toString());
        pb.environment().remove("AWS_PROFILE");
        pb.environment().remove("AWS_SESSION_TOKEN");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        for (String k : keys) {
            assertTrue(out.contains(prefix + "/" + k), "aws s3 ls shows " + k + ":\n" + out);
        }
    }

    static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void regionComesFromTheUrlTheEndpointDefaultOrTheSdkChain() {
        try (S3ReplicaClient c = server.client(BUCKET, "db")) {
            assertEquals("us-east-1", c.region(), "an endpoint without a region signs for us-east-1");
        }
        try (S3ReplicaClient c = server.client(server.config(BUCKET, "db").withRegion("eu-west-3"))) {
            assertEquals("eu-west-3", c.region());
        }
        String before = System.getProperty("aws.region");
        System.setProperty("aws.region", "ap-southeast-2"); // the first link of the SDK's region chain
        try (S3ReplicaClient c = new S3ReplicaClient(S3ReplicaConfig.of(BUCKET, "db", null),
                S3ProxyServer.credentials())) {
            assertEquals("ap-southeast-2", c.region());
            assertEquals("s3://" + BUCKET + "/db", c.describe());
        } finally {
            if (before == null) {
                System.clearProperty("aws.region");
            } else {
                System.setProperty("aws.region", before);
            }
        }
    }

    @Test
    void badKeysAreRejectedBeforeAnyRequest() {
        try (S3ReplicaClient c = server.client(BUCKET, prefix("keys"))) {
            assertThrows(IllegalArgumentException.class, () -> c.putIfAbsent("", bytes("x")));
            assertThrows(IllegalArgumentException.class, () -> c.putIfAbsent("a//b", bytes("x")));
            assertThrows(IllegalArgumentException.class, () -> c.putIfAbsent("a\\b", bytes("x")));
            assertThrows(IllegalArgumentException.class, () -> c.list("/x"));
            assertDoesNotThrow(() -> c.list("x"));
        }
    }
}
