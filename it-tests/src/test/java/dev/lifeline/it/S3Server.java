package dev.lifeline.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The integration tests' real S3 server, S3Proxy with its objects in a directory (so
 * {@code blobs/<bucket>/<key>} is each object's bytes on disk) and fixed credentials
 * (AWS v2-or-v4 signatures), either in this JVM ({@link #inProcess}, every call counted by a
 * {@link RequestCounter}) or as a standalone child JVM ({@link #standalone}: S3Proxy's own
 * {@code org.gaul.s3proxy.Main --properties FILE}, from the s3proxy jar on this module's test
 * classpath). Clients get the credentials the way an operator gives them: the AWS SDK's default
 * chain ({@link #env()} for child processes, {@link #useCredentialsInThisJvm()} in this JVM) or a
 * Litestream config.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "LIFELINEITACCESSKEY";
    public static final String SECRET_KEY = "ItSecret-s3proxy-4f9c2e";
    public static final String REGION = "us-east-1";

    private final Path blobs;
    private final int port;
    private final S3Proxy inProcess;
    private final RequestCounter counter;
    private final Proc process;

    private S3Server(Path blobs, int port, S3Proxy inProcess, RequestCounter counter, Proc process) {
        this.blobs = blobs;
        this.port = port;
        this.inProcess = inProcess;
        this.counter = counter;
        this.process = process;
    }

    /** S3Proxy in this JVM on 127.0.0.1 (a free port), objects under {@code blobs}, every store call counted. */
    public static S3Server inProcess(Path blobs) throws Exception {
        Files.createDirectories(blobs);
        int port = freePort();
        RequestCounter counter = new RequestCounter();
        S3Proxy proxy = S3Proxy.Builder.fromProperties(properties(port, blobs))
                .blobStore(counter.wrap(new FilesystemNio2BlobStore(blobs.toString())))
                .build();
        proxy.start();
        awaitListening(port, () -> !"FAILED".equals(proxy.getState()), () -> "S3Proxy state " + proxy.getState());
        return new S3Server(blobs, port, proxy, counter, null);
    }

    /**
     * S3Proxy as its own process: {@code java -cp <s3proxy and its dependencies>
     * org.gaul.s3proxy.Main --properties s3proxy.properties}, with the filesystem provider.
     */
    public static S3Server standalone(Path dir) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs"));
        int port = freePort();
        Path props = dir.resolve("s3proxy.properties");
        try (java.io.Writer w = Files.newBufferedWriter(props)) {
            properties(port, blobs).store(w, "standalone S3Proxy for the Lifeline integration tests");
        }
        Proc p = Proc.start(List.of(Tools.java().toString(), "-Xmx256m", "-cp", Proc.testClasspath(),
                "org.gaul.s3proxy.Main", "--properties", props.toString()));
        try {
            awaitListening(port, p::alive, () -> p.stdout() + "\n" + p.stderr());
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        return new S3Server(blobs, port, null, null, p);
    }

    /** The server's configuration, in S3Proxy's properties (the standalone server's file). */
    private static Properties properties(int port, Path blobs) {
        Properties p = new Properties();
        p.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + port);
        p.setProperty("s3proxy.authorization", "aws-v2-or-v4");
        p.setProperty("s3proxy.identity", ACCESS_KEY);
        p.setProperty("s3proxy.credential", SECRET_KEY);
        p.setProperty("jclouds.provider", "filesystem");
        p.setProperty("jclouds.identity", "unused");
        p.setProperty("jclouds.credential", "unused");
        p.setProperty("jclouds.filesystem.basedir", blobs.toString());
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits (60 s at most) until the server accepts connections on {@code port}. */
    private static void awaitListening(int port, BooleanSupplier alive, Supplier<String> why) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            if (!alive.getAsBoolean()) {
                throw new IllegalStateException("S3Proxy did not start: " + why.get());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not listen on " + port + " within 60 s: " + why.get());
                }
                sleep(50);
            }
        }
    }

    public int port() {
        return port;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Where S3Proxy keeps {@code bucket}'s objects: {@code <dir>/<key>} is an object's bytes. */
    public Path bucketDir(String bucket) {
        return blobs.resolve(bucket);
    }

    /** Every call the in-process server's store served (null for a standalone server). */
    public RequestCounter counter() {
        return counter;
    }

    /** The standalone server's process (null in-process). */
    public Proc process() {
        return process;
    }

    /** The replica URL an operator writes for this server: {@code s3://bucket/prefix?endpoint=…&force-path-style=true}. */
    public String url(String bucket, String prefix) {
        return "s3://" + bucket + "/" + prefix + "?endpoint=" + endpoint() + "&force-path-style=true";
    }

    /** Credentials and region for a child process (the AWS SDK's and Litestream's environment variables). */
    public Map<String, String> env() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_REGION", REGION,
                "AWS_DEFAULT_REGION", REGION);
    }

    /** Gives S3 replica clients opened in this JVM the credentials (system properties, the SDK's default chain). */
    public void useCredentialsInThisJvm() {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        System.setProperty("aws.region", REGION);
    }

    public void createBucket(String bucket) {
        try (S3Client raw = rawClient()) {
            raw.createBucket(b -> b.bucket(bucket));
        }
    }

    /** A plain SDK client for setup and inspection (close it). */
    public S3Client rawClient() {
        return S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().build())
                .endpointOverride(URI.create(endpoint()))
                .region(Region.of(REGION))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    /**
     * The YAML of one Litestream 0.3.13 replica entry for {@code bucket/prefix} here, indented for
     * {@link Litestream#config(Path, Path, Map, String, Map)}.
     */
    public String litestreamReplica(String bucket, String prefix) {
        String indent = "      ";
        return indent + "- type: s3\n"
                + indent + "  bucket: " + bucket + "\n"
                + indent + "  path: " + prefix + "\n"
                + indent + "  endpoint: " + endpoint() + "\n"
                + indent + "  region: " + REGION + "\n"
                + indent + "  force-path-style: true\n"
                + indent + "  skip-verify: true\n"
                + indent + "  access-key-id: " + ACCESS_KEY + "\n"
                + indent + "  secret-access-key: " + SECRET_KEY + "\n";
    }

    @Override
    public void close() {
        if (inProcess != null) {
            try {
                inProcess.stop();
            } catch (Exception e) {
                throw new IllegalStateException("S3Proxy did not stop", e);
            }
        }
        if (process != null) {
            process.close();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted"));
        }
    }
}
