package dev.lifeline.runtime.replica.s3;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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

/** A real S3 server in this JVM (S3Proxy), with test credentials and a plain SDK client for setup. */
final class S3ProxyServer implements AutoCloseable {

    static final String ACCESS_KEY = "LIFELINETESTACCESSKEY";
    /** Asserted never to appear in messages, descriptions or logs. */
    static final String SECRET_KEY = "TestSecret-never-print-7Q2x9Zk4";

    final S3Proxy proxy;
    final URI endpoint;
    final S3Client raw;

    private S3ProxyServer(S3Proxy proxy) {
        this.proxy = proxy;
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

    /** In memory (dir null) or in a directory. */
    static S3ProxyServer start(Path dir) throws Exception {
        if (dir != null) {
            java.nio.file.Files.createDirectories(dir);
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
        return new S3ProxyServer(proxy);
    }

    static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
    }

    void createBucket(String bucket) {
        raw.createBucket(b -> b.bucket(bucket));
    }

    S3ReplicaConfig config(String bucket, String prefix) {
        return S3ReplicaConfig.of(bucket, prefix, endpoint);
    }

    S3ReplicaClient client(S3ReplicaConfig cfg) {
        return new S3ReplicaClient(cfg, credentials());
    }

    S3ReplicaClient client(String bucket, String prefix) {
        return client(config(bucket, prefix));
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
