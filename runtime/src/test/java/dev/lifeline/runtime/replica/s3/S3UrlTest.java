package dev.lifeline.runtime.replica.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.ReplicaUrl;
import dev.lifeline.runtime.replica.s3.S3ReplicaConfig.ChecksumMode;
import java.net.URI;
import org.junit.jupiter.api.Test;

class S3UrlTest {

    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    @Test
    void fullUrl() {
        S3ReplicaConfig c = S3Url.parse("s3://my-bucket/backups/app.db?endpoint=http://127.0.0.1:9000"
                + "&region=eu-west-1&force-path-style=true&checksum=WHEN_REQUIRED");
        assertEquals("my-bucket", c.bucket());
        assertEquals("backups/app.db", c.prefix());
        assertEquals(URI.create("http://127.0.0.1:9000"), c.endpoint());
        assertEquals("eu-west-1", c.region());
        assertTrue(c.forcePathStyle());
        assertEquals(ChecksumMode.WHEN_REQUIRED, c.checksum());
        assertEquals("s3://my-bucket/backups/app.db (endpoint http://127.0.0.1:9000)", c.describe());
    }

    @Test
    void awsDefaults() {
        S3ReplicaConfig c = S3Url.parse("s3://bucket/db");
        assertNull(c.endpoint());
        assertNull(c.region());
        assertNull(c.effectiveRegion(), "the SDK's region chain decides");
        assertFalse(c.forcePathStyle());
        assertEquals(ChecksumMode.WHEN_SUPPORTED, c.checksum());
        assertEquals("s3://bucket/db", c.describe());
    }

    @Test
    void endpointDefaultsLikeLitestream() {
        S3ReplicaConfig c = S3Url.parse("s3://bucket/db?endpoint=https://minio.example:9000/");
        assertEquals(URI.create("https://minio.example:9000"), c.endpoint());
        assertTrue(c.forcePathStyle(), "an endpoint turns on path style, as in Litestream");
        assertEquals("us-east-1", c.effectiveRegion());
        assertEquals(ChecksumMode.WHEN_REQUIRED, c.checksum());
        S3ReplicaConfig v = S3Url.parse("s3://bucket/db?endpoint=https://s3.example&force-path-style=FALSE"
                + "&checksum=when_supported");
        assertFalse(v.forcePathStyle());
        assertEquals(ChecksumMode.WHEN_SUPPORTED, v.checksum());
    }

    @Test
    void prefixForms() {
        assertEquals("", S3Url.parse("s3://bucket").prefix());
        assertEquals("", S3Url.parse("s3://bucket/").prefix());
        assertEquals("a/b", S3Url.parse("s3://bucket/a/b/").prefix());
        assertEquals("my db", S3Url.parse("s3://bucket/my%20db").prefix());
        assertEquals("x", S3Url.parse("S3://bucket/x").prefix());
        assertEquals(URI.create("http://127.0.0.1:9000"),
                S3Url.parse("s3://bucket/x?endpoint=http%3A%2F%2F127.0.0.1%3A9000").endpoint());
    }

    private static String fails(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> S3Url.parse(url));
        return e.getMessage();
    }

    @Test
    void badOptionsNameOptionValueAndAllowed() {
        String m = fails("s3://bucket/db?checksum=ALWAYS");
        assertTrue(m.contains("checksum") && m.contains("ALWAYS") && m.contains("WHEN_SUPPORTED")
                && m.contains("WHEN_REQUIRED"), m);
        m = fails("s3://bucket/db?force-path-style=yes");
        assertTrue(m.contains("force-path-style") && m.contains("yes") && m.contains("true or false"), m);
        m = fails("s3://bucket/db?endpoint=ftp://host:21");
        assertTrue(m.contains("endpoint") && m.contains("ftp://host:21") && m.contains("http://"), m);
        m = fails("s3://bucket/db?endpoint=127.0.0.1:9000");
        assertTrue(m.contains("endpoint") && m.contains("127.0.0.1:9000"), m);
        m = fails("s3://bucket/db?endpoint=http://host:9000/sub/path");
        assertTrue(m.contains("endpoint") && m.contains("no path"), m);
        m = fails("s3://bucket/db?region=us east");
        assertTrue(m.contains("region") && m.contains("us east"), m);
        m = fails("s3://bucket/db?sync-interval=1s");
        assertTrue(m.contains("sync-interval") && m.contains("endpoint, region, force-path-style, checksum"), m);
        m = fails("s3://bucket/db?region=a&region=b");
        assertTrue(m.contains("region") && m.contains("more than once"), m);
        m = fails("s3://bucket/db?region");
        assertTrue(m.contains("region") && m.contains("no value"), m);
        m = fails("s3://bucket/db?region=");
        assertTrue(m.contains("region") && m.contains("empty"), m);
    }

    @Test
    void badBucketsAndPaths() {
        assertTrue(fails("s3://").contains("no bucket"));
        assertTrue(fails("s3:///db").contains("no bucket"));
        assertTrue(fails("s3://bucket:9000/db").contains("port"));
        assertTrue(fails("s3://b/db").contains("bucket 'b'"));
        assertTrue(fails("s3://bu$ket/db").contains("bucket"));
        assertTrue(fails("s3://bucket/a//b").contains("prefix"));
        assertTrue(fails("s3://bucket/a/../b").contains("'..'"));
        assertTrue(fails("s3://bucket/db#frag").contains("fragment"));
        assertTrue(fails("s3://bucket/db%zz").contains("percent"));
        assertTrue(fails("file:///x").contains("s3://bucket/prefix"));
    }

    @Test
    void credentialsInTheUrlAreRefusedWithoutEchoingThem() {
        for (String url : new String[] {
                "s3://AKIAEXAMPLE:" + SECRET + "@bucket/db",
                "s3://bucket/db?secret-access-key=" + SECRET,
                "s3://bucket/db?access-key-id=AKIAEXAMPLE&secret-access-key=" + SECRET,
                "s3://bucket/db?aws_secret_access_key=" + SECRET,
                "s3://bucket/db?endpoint=http://AKIAEXAMPLE:" + SECRET + "@127.0.0.1:9000",
        }) {
            String m = fails(url);
            assertFalse(m.contains(SECRET), m);
            assertFalse(m.contains("AKIAEXAMPLE"), m);
            assertTrue(m.contains("credentials"), m);
        }
    }

    @Test
    void replicaUrlDispatchesS3AndKeepsDirectories() throws Exception {
        try (ReplicaClient c = ReplicaUrl.open("s3://bucket/prefix?endpoint=http://127.0.0.1:9&region=us-west-2")) {
            S3ReplicaClient s3 = assertInstanceOf(S3ReplicaClient.class, c);
            assertEquals("s3://bucket/prefix (endpoint http://127.0.0.1:9)", c.describe());
            assertEquals("us-west-2", s3.config().region());
        }
        assertInstanceOf(FileReplicaClient.class, ReplicaUrl.open("/tmp/some/dir"));
        assertInstanceOf(FileReplicaClient.class, ReplicaUrl.open("file:///tmp/some/dir"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaUrl.open("s3://bucket/db?checksum=NEVER"));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReplicaUrl.open("gs://bucket/db"));
        assertTrue(e.getMessage().contains("'gs'"), e.getMessage());
    }
}
