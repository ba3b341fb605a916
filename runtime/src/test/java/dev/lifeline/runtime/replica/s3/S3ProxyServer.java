package dev.lifeline.runtime.replica.s3;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The runtime tests' one real S3 server: S3Proxy in this JVM on 127.0.0.1 (blobs in memory or in a
 * directory), with fixed test credentials, a plain SDK client for setup and inspection, and S3
 * replica clients with explicit credentials (through {@link S3ReplicaClient}'s test constructor).
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = "LIFELINETESTACCESSKEY";
    /** Asserted never to appear in messages, descriptions or logs. */
    public static final String SECRET_KEY = "TestSecret-never-print-7Q2x9Zk4";
    private static final AtomicInteger SEQ = new AtomicInteger();

    final S3Proxy proxy;
    final URI endpoint;
    final S3Client raw;
    /** The bucket {@link #start(Path, String)} created, for the one-bucket helpers; null otherwise. */
    private final String bucket;

    private S3ProxyServer(S3Proxy proxy, String bucket) {
        this.proxy = proxy;
        this.bucket = bucket;
        this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        this.raw = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().build())
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(credentials())
                .build();
    }

    /** In memory (dir null) or in a directory; no bucket yet. */
    public static S3ProxyServer start(Path dir) throws Exception {
        return start(dir, null);
    }

    /** In memory (dir null) or in a directory, with {@code bucket} created (unless null). */
    public static S3ProxyServer start(Path dir, String bucket) throws Exception {
        if (dir != null) {
            Files.createDirectories(dir);
        }
        BlobStore store = dir == null ? new TransientNio2BlobStore() : new FilesystemNio2BlobStore(dir.toString());
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        S3ProxyServer s = new S3ProxyServer(proxy, bucket);
        if (bucket != null) {
            s.createBucket(bucket);
        }
        return s;
    }

    public static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
    }

    public int port() {
        return endpoint.getPort();
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The plain SDK client straight to the server (closed with the server). */
    public S3Client raw() {
        return raw;
    }

    public void createBucket(String name) {
        raw.createBucket(b -> b.bucket(name));
    }

    /** A fresh prefix nobody else uses in this JVM. */
    public String freshPrefix(String name) {
        return "t/" + name + "-" + SEQ.incrementAndGet();
    }

    /**
     * The replica URL an operator would write for {@code prefix} in the started bucket, pointing at
     * {@code port} on 127.0.0.1: this server's own {@link #port()} or a proxy in front of it.
     */
    public String url(String prefix, int port) {
        return "s3://" + bucket() + "/" + prefix + "?" + S3Url.ENDPOINT + "=http://127.0.0.1:" + port + "&"
                + S3Url.FORCE_PATH_STYLE + "=true";
    }

    public S3ReplicaConfig config(String bucket, String prefix) {
        return S3ReplicaConfig.of(bucket, prefix, endpoint);
    }

    /** A client with the test credentials (each call a separate client, like a separate process). */
    public S3ReplicaClient client(S3ReplicaConfig cfg) {
        return new S3ReplicaClient(cfg, credentials());
    }

    public S3ReplicaClient client(String bucket, String prefix) {
        return client(config(bucket, prefix));
    }

    /** A client on {@code prefix} in the started bucket, straight to this server. */
    public S3ReplicaClient client(String prefix) {
        return client(bucket(), prefix);
    }

    /** A client parsed from {@link #url(String, int)}: the same path the CLI takes. */
    public S3ReplicaClient clientVia(int port, String prefix) {
        return client(S3Url.parse(url(prefix, port)));
    }

    private String bucket() {
        if (bucket == null) {
            throw new IllegalStateException("no bucket: start the server with start(dir, bucket)");
        }
        return bucket;
    }

    @Override
    public void close() {
        raw.close();
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop", e);
        }
    }
}
