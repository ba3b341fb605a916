package dev.lifeline.runtime.lease;

import dev.lifeline.runtime.replica.s3.S3ReplicaClient;
import dev.lifeline.runtime.replica.s3.S3ReplicaConfig;
import java.lang.reflect.Constructor;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server (S3Proxy, in memory) in this JVM, for tests outside the s3 package: clients
 * get explicit test credentials through S3ReplicaClient's test constructor.
 */
public final class S3TestServer implements AutoCloseable {

    private static final String ACCESS_KEY = "LIFELINELEASETESTKEY";
    private static final String SECRET_KEY = "LeaseTestSecret-3b8f1c";
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final S3Proxy proxy;
    private final URI endpoint;
    private final String bucket;

    private S3TestServer(S3Proxy proxy, String bucket) {
        this.proxy = proxy;
        this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        this.bucket = bucket;
    }

    public static S3TestServer start(String bucket) throws Exception {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
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
        S3TestServer s = new S3TestServer(proxy, bucket);
        try (S3Client raw = S3Client.builder().httpClient(UrlConnectionHttpClient.builder().build())
                .endpointOverride(s.endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(credentials()).build()) {
            raw.createBucket(b -> b.bucket(bucket));
        }
        return s;
    }

    private static AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
    }

    /** A fresh prefix nobody else uses. */
    public String freshPrefix(String name) {
        return "t/" + name + "-" + SEQ.incrementAndGet();
    }

    /** A client on {@code prefix} (each call a separate client, like a separate process). */
    public S3ReplicaClient client(String prefix) {
        S3ReplicaConfig cfg = S3ReplicaConfig.of(bucket, prefix, endpoint);
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
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop", e);
        }
    }
}
