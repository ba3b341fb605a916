package dev.lifeline.runtime.replica.crypto;

import static dev.lifeline.runtime.replica.crypto.TestKeys.A;
import static dev.lifeline.runtime.replica.crypto.TestKeys.assertNoKeyMaterial;
import static dev.lifeline.runtime.replica.crypto.TestKeys.b64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.ReplicaUrl;
import dev.lifeline.runtime.replica.s3.S3ReplicaClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptedReplicaUrlTest {

    @TempDir
    Path dir;

    private final Map<String, String> env = Map.of(KeyRing.ENV_KEY, b64(A));

    @Test
    void fileUrlWithEncryptWrapsTheDirectoryClient() throws Exception {
        ReplicaClient c = ReplicaUrl.open("file://" + dir + "?encrypt=true", env);
        EncryptingReplicaClient e = assertInstanceOf(EncryptingReplicaClient.class, c);
        FileReplicaClient f = assertInstanceOf(FileReplicaClient.class, e.inner());
        assertEquals(dir.toAbsolutePath().normalize(), f.root());
        assertEquals(TestKeys.ring(A).activeKeyId(), e.keys().activeKeyId());
        c.putIfAbsent("x", new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, c.getBytes("x"));
        assertTrue(new String(Files.readAllBytes(dir.resolve("x")), java.nio.charset.StandardCharsets.ISO_8859_1)
                .startsWith("LLE1"));
        assertNoKeyMaterial(c.toString() + c.describe());

        assertInstanceOf(FileReplicaClient.class, ReplicaUrl.open("file://" + dir + "?encrypt=false", env));
        assertInstanceOf(FileReplicaClient.class, ReplicaUrl.open("file://" + dir + "?ENCRYPT=False", env));
        assertInstanceOf(FileReplicaClient.class, ReplicaUrl.open("file://" + dir, env));
        assertInstanceOf(FileReplicaClient.class, ReplicaUrl.open(dir.toString(), env));
        assertInstanceOf(EncryptingReplicaClient.class, ReplicaUrl.open("file://" + dir + "?encrypt=TRUE", env));
    }

    @Test
    void s3UrlWithEncryptWrapsTheS3ClientAndKeepsItsOptions() throws Exception {
        try (ReplicaClient c = ReplicaUrl.open(
                "s3://bucket/prefix?endpoint=http://127.0.0.1:9&encrypt=true&region=us-west-2", env)) {
            EncryptingReplicaClient e = assertInstanceOf(EncryptingReplicaClient.class, c);
            S3ReplicaClient s3 = assertInstanceOf(S3ReplicaClient.class, e.inner());
            assertEquals("bucket", s3.config().bucket());
            assertEquals("prefix", s3.config().prefix());
            assertEquals("us-west-2", s3.region());
            assertTrue(c.describe().endsWith("(encrypted)"), c.describe());
        }
        try (ReplicaClient c = ReplicaUrl.open("s3://bucket/prefix?encrypt=true&region=us-west-2", env)) {
            assertInstanceOf(EncryptingReplicaClient.class, c);
        }
    }

    @Test
    void encryptionWithoutAKeySaysWhichVariablesToSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaUrl.open("file://" + dir + "?encrypt=true", Map.of()));
        assertTrue(e.getMessage().contains("no key is configured"), e.getMessage());
        assertTrue(e.getMessage().contains(KeyRing.ENV_KEY) && e.getMessage().contains(KeyRing.ENV_KEY_FILE),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaUrl.open("s3://bucket/p?region=us-east-1&encrypt=true", Map.of()));
        assertTrue(e.getMessage().contains(KeyRing.ENV_KEY), e.getMessage());
    }

    @Test
    void badEncryptOptionsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaUrl.open(dir + "?encrypt=true", env));
        assertTrue(e.getMessage().contains("file:///absolute/path?encrypt=true"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> ReplicaUrl.open("file://" + dir + "?encrypt=yes", env));
        assertTrue(e.getMessage().contains("encrypt must be true or false"), e.getMessage());
        // A key in the URL is refused and not echoed.
        e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaUrl.open("file://" + dir + "?encrypt=" + b64(A), env));
        assertNoKeyMaterial(e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaUrl.open("file://" + dir + "?key=" + b64(A) + "&encrypt=true", env));
        assertNoKeyMaterial(e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaUrl.open("file://" + dir + "?encrpyt=true", env));
        assertTrue(e.getMessage().contains("unknown option 'encrpyt'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaUrl.open("file://" + dir + "?encrypt=true&encrypt=false", env));
        assertTrue(e.getMessage().contains("more than once"), e.getMessage());
        // S3's own options are still checked by the S3 parser.
        e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaUrl.open("s3://bucket/p?encrypt=true&colour=blue", env));
        assertTrue(e.getMessage().contains("unknown option 'colour'"), e.getMessage());
    }

    @Test
    void encryptionOptionParsing() {
        assertEquals(new EncryptionOption("s3://b/p?region=x", true),
                EncryptionOption.parse("s3://b/p?encrypt=true&region=x"));
        assertEquals(new EncryptionOption("s3://b/p?region=x&checksum=WHEN_REQUIRED", false),
                EncryptionOption.parse("s3://b/p?region=x&encrypt=false&checksum=WHEN_REQUIRED"));
        assertEquals(new EncryptionOption("s3://b/p", true), EncryptionOption.parse("s3://b/p?encrypt=true"));
        assertEquals(new EncryptionOption("file:///r", true), EncryptionOption.parse("file:///r?encrypt=true"));
        assertEquals(new EncryptionOption("/plain/dir", false), EncryptionOption.parse("/plain/dir"));
        assertEquals(new EncryptionOption("s3://b/p?region=x", false), EncryptionOption.parse("s3://b/p?region=x"));
    }
}
