package dev.lifeline.runtime.faults;

import dev.lifeline.runtime.replica.s3.S3ReplicaClient;
import dev.lifeline.runtime.replica.s3.S3ReplicaConfig;
import dev.lifeline.runtime.replica.s3.S3Url;
import java.lang.reflect.Constructor;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server (S3Proxy, blobs in a directory) in this JVM on 127.0.0.1, and S3 replica clients
 * with explicit test credentials: either through a {@link FaultyTcpProxy} (what the replicator
 * uses) or straight to the server (what the restore after a test uses).
 */
final class S3Fixture implements AutoCloseable {

    static final String ACCESS_KEY = "LIFELINEFAULTSTESTKEY";
    static final String SECRET_KEY = "FaultsTestSecret-5d1e7a";

    final S3Proxy server;
    final int port;
    final String bucket;

    private S3Fixture(S3Proxy server, String bucket) {
        this.server = server;
        this.port = server.getPort();
        this.bucket = bucket;
    }

    static S3Fixture start(Path blobs, String bucket) throws Exception {
        Files.createDirectories(blobs);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(blobs.toString()))
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
        S3Fixture f = new S3Fixture(proxy, bucket);
        try (S3Client raw = f.rawClient()) {
            raw.createBucket(b -> b.bucket(bucket));
        }
        return f;
    }

    static AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
    }

    URI directEndpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** A plain SDK client straight to the server, for setup and inspection. */
    S3Client rawClient() {
        return S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().build())
                .endpointOverride(directEndpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(credentials())
                .build();
    }

    /** The replica URL an operator would write, pointing at the proxy. */
    String urlThrough(FaultyTcpProxy proxy, String prefix) {
        return "s3://" + bucket + "/" + prefix + "?endpoint=http://127.0.0.1:" + proxy.port()
                + "&force-path-style=true";
    }

    /** The replica client the replicator uses: parsed from a URL through the proxy. */
    S3ReplicaClient clientThrough(FaultyTcpProxy proxy, String prefix) {
        return client(S3Url.parse(urlThrough(proxy, prefix)));
    }

    /** A client straight to the server (no proxy, no faults), for restore and verify. */
    S3ReplicaClient directClient(String prefix) {
        return client(S3Url.parse("s3://" + bucket + "/" + prefix + "?endpoint=" + directEndpoint()
                + "&force-path-style=true"));
    }

    /** S3ReplicaClient's package-private test constructor takes explicit credentials. */
    static S3ReplicaClient client(S3ReplicaConfig cfg) {
        try {
            Constructor<S3ReplicaClient> c = S3ReplicaClient.class.getDeclaredConstructor(S3ReplicaConfig.class,
                    AwsCredentialsProvider.class);
            c.setAccessible(true);
            return c.newInstance(cfg, credentials());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("S3ReplicaClient's test constructor is not reachable", e);
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
