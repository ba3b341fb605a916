package dev.lifeline.runtime.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.replica.s3.S3ProxyServer;
import dev.lifeline.runtime.replica.s3.S3ReplicaClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The fault injector itself, against the real S3 server: each fault does what it says, and only that. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultyTcpProxyTest {

    @TempDir
    static Path dir;

    private static S3ProxyServer server;
    private FaultyTcpProxy proxy;
    private S3Client noRetry;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start(dir.resolve("blobs"), "proxy-test");
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        proxy = FaultyTcpProxy.start(server.port());
        noRetry = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(20)).build())
                .endpointOverride(java.net.URI.create("http://127.0.0.1:" + proxy.port()))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(S3ProxyServer.credentials())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @AfterEach
    void tearDown() throws Exception {
        noRetry.close();
        proxy.close();
    }

    private void put(String key, String body) {
        noRetry.putObject(b -> b.bucket("proxy-test").key(key), RequestBody.fromString(body));
    }

    private String get(String key) {
        return noRetry.getObjectAsBytes(b -> b.bucket("proxy-test").key(key)).asUtf8String();
    }

    @Test
    void passForwardsRealS3TrafficBothWays() throws Exception {
        byte[] big = new byte[3 << 20];
        new java.util.Random(1).nextBytes(big);
        try (S3ReplicaClient c = server.clientVia(proxy.port(), "pass")) {
            c.checkWritable();
            c.putIfAbsent("a/b", big);
            c.putIfAbsent("a/b", big); // write-once: the same bytes again is a success
            assertArrayEquals(big, c.getBytes("a/b"));
            assertEquals(1, c.list("a/").size());
        }
        assertTrue(proxy.requestsForwarded.get() >= 4, proxy.stats());
        assertTrue(proxy.bytesUp.get() > big.length && proxy.bytesDown.get() > big.length, proxy.stats());
        assertEquals(0, proxy.errorsServed.get());
    }

    @Test
    void answersTheNextRequestsWithS3ErrorsOnKeptAliveConnectionsThenPassesAgain() {
        put("k", "v1");
        long accepted = proxy.accepted.get();
        proxy.failNextRequests(1, FaultyTcpProxy.HttpError.SLOW_DOWN);
        proxy.failNextRequests(1, FaultyTcpProxy.HttpError.INTERNAL_ERROR);
        S3Exception slow = assertThrows(S3Exception.class, () -> get("k"));
        assertEquals(503, slow.statusCode());
        assertEquals("SlowDown", slow.awsErrorDetails().errorCode(), slow.toString());
        S3Exception internal = assertThrows(S3Exception.class, () -> put("k2", "v2"));
        assertEquals(500, internal.statusCode());
        assertEquals("InternalError", internal.awsErrorDetails().errorCode(), internal.toString());
        assertEquals("v1", get("k"), "traffic passes again once the errors are served");
        assertEquals(2, proxy.errorsServed.get());
        assertTrue(proxy.accepted.get() > accepted, "Connection: close made the client reconnect");
        // The first error hit a connection that was kept alive from the put above.
        assertEquals(1, accepted, proxy.stats());
    }

    @Test
    void theReplicaClientRetriesAShortBurstAndReportsALongOne() throws Exception {
        try (S3ReplicaClient c = server.clientVia(proxy.port(), "bursts")) {
            c.checkWritable();
            proxy.failNextRequests(3, FaultyTcpProxy.HttpError.SLOW_DOWN);
            c.putIfAbsent("short", "x".getBytes(StandardCharsets.UTF_8));
            assertEquals(3, proxy.errorsServed.get(), "the SDK's retries absorbed the burst");
            proxy.failNextRequests(50, FaultyTcpProxy.HttpError.INTERNAL_ERROR);
            IOException e = assertThrows(IOException.class, () -> c.putIfAbsent("long", new byte[10]));
            assertTrue(e.getMessage().contains("HTTP 500") && e.getMessage().contains("InternalError"), e.getMessage());
            assertTrue(proxy.errorsByMethod.get("PUT").get() >= 4, proxy.stats());
            proxy.pass();
            c.putIfAbsent("long", new byte[10]);
            assertArrayEquals(new byte[10], c.getBytes("long"));
        }
    }

    @Test
    void dropsNewConnectionsWithAResetOrAClose() throws Exception {
        proxy.resetNewConnections();
        assertThrows(SdkClientException.class, () -> get("nothing"));
        proxy.closeNewConnections();
        assertThrows(SdkClientException.class, () -> get("nothing"));
        // HttpURLConnection itself tries a failed GET twice, each time on a new connection.
        assertTrue(proxy.resetOnAccept.get() >= 1, proxy.stats());
        assertTrue(proxy.closedOnAccept.get() >= 1, proxy.stats());
        assertEquals(0, proxy.requestsForwarded.get(), proxy.stats());
        proxy.acceptNewConnections();
        put("k", "v");
        assertEquals("v", get("k"));
    }

    @Test
    void killsALiveConnectionInTheMiddleOfARequest() throws Exception {
        put("k", "v");
        proxy.latency(Duration.ofSeconds(3));
        Thread killer = new Thread(() -> {
            FaultRun.sleepQuietly(500);
            proxy.killLiveConnections();
        });
        killer.start();
        long t0 = System.nanoTime();
        // A PUT (a streamed body): HttpURLConnection does not quietly resend it on a new connection.
        assertThrows(SdkClientException.class, () -> put("k2", "v2"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        killer.join();
        assertTrue(ms < 2500, "the request failed when its connection was killed, not at the end: " + ms + " ms");
        assertTrue(proxy.killed.get() >= 1, proxy.stats());
        proxy.pass();
        assertEquals("v", get("k"));
    }

    @Test
    void addsLatencyToEveryChunk() {
        put("k", "v");
        get("k");
        long t0 = System.nanoTime();
        get("k");
        long fast = (System.nanoTime() - t0) / 1_000_000;
        proxy.latency(Duration.ofMillis(500));
        t0 = System.nanoTime();
        assertEquals("v", get("k"));
        long slow = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(slow >= 950 && slow < 5000, "a request and its response are each 500 ms late: " + slow + " ms");
        proxy.latency(Duration.ZERO);
        t0 = System.nanoTime();
        get("k");
        long again = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(again < 500, "no latency once switched off: " + again + " ms (before: " + fast + " ms)");
    }

    @Test
    void refusesConnectionsDuringAnOutageThenListensOnTheSamePort() throws Exception {
        put("k", "v");
        int port = proxy.port();
        proxy.refuse();
        // The listening socket closes on the proxy's own thread: allow it a moment.
        boolean refused = false;
        for (int i = 0; i < 100 && !refused; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                Thread.sleep(20);
            } catch (ConnectException expected) {
                refused = true;
            }
        }
        assertTrue(refused, "connections to port " + port + " are refused during the outage");
        SdkClientException e = assertThrows(SdkClientException.class, () -> get("k"));
        assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("refused"), e.getMessage());
        proxy.pass();
        assertTrue(proxy.listening());
        assertEquals("v", get("k"));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write("GET /proxy-test/k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            String answer = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 "), answer); // S3Proxy answers (403: unsigned)
        }
    }
}
