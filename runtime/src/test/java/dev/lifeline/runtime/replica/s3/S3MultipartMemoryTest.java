package dev.lifeline.runtime.replica.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A file several times larger than the heap uploads through a client in a JVM limited to
 * {@code -Xmx64m}: the multipart path reads one part at a time. The suite uses 256 MiB; set
 * {@code -Dlifeline.s3.memoryTestBytes=4294967296} for the 4 GiB run.
 */
class S3MultipartMemoryTest {

    @TempDir
    Path dir;

    @Test
    void fileLargerThanTheHeapUploadsInSixtyFourMegabytes() throws Exception {
        long size = Long.getLong("lifeline.s3.memoryTestBytes", 256L << 20);
        Path file = dir.resolve("big.snapshot");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size); // sparse: costs no disk for the source
            f.seek(size / 2);
            f.write("not only zeros".getBytes(StandardCharsets.UTF_8));
        }
        try (S3ProxyServer server = S3ProxyServer.start(dir.resolve("blobs"))) {
            server.createBucket("lifeline-mem");
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m", "-XX:+UseSerialGC",
                    "-Daws.accessKeyId=" + S3ProxyServer.ACCESS_KEY,
                    "-Daws.secretAccessKey=" + S3ProxyServer.SECRET_KEY,
                    "-cp", cp, UploadInBoundedHeap.class.getName(),
                    server.endpoint.toString(), "lifeline-mem", "db", "generations/g/snapshots/00000000.snapshot.lz4",
                    file.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.MINUTES), out);
            System.out.println("[" + (size >> 20) + " MiB] " + out);
            assertEquals(0, p.exitValue(), out);
            HeadObjectResponse h = server.raw.headObject(r -> r.bucket("lifeline-mem")
                    .key("db/generations/g/snapshots/00000000.snapshot.lz4"));
            assertEquals(size, h.contentLength());
            long parts = (size + (8 << 20) - 1) / (8 << 20);
            assertTrue(h.eTag().endsWith("-" + parts + "\""), h.eTag());
        }
    }
}
