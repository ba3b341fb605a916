package dev.lifeline.runtime.replica.s3;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny S3 look-alike (PUT, HEAD, GET on path-style keys, no auth) for behaviours a real server
 * will not show on demand: no support for If-None-Match (501), and a PUT whose success response
 * is lost so that the SDK retries it.
 */
final class FakeS3 implements AutoCloseable {

    final HttpServer server;
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    /** false: answer 501 NotImplemented to any If-None-Match. */
    volatile boolean conditionalSupported = true;
    /** Store the next N PUTs, then answer 500 as if the response had been lost. */
    final AtomicInteger losePutResponses = new AtomicInteger();
    final AtomicInteger puts = new AtomicInteger();
    final AtomicInteger conditionalPuts = new AtomicInteger();
    final AtomicInteger heads = new AtomicInteger();
    final AtomicInteger gets = new AtomicInteger();
    /** Cut the body of the next N GETs in half. */
    final AtomicInteger truncateGets = new AtomicInteger();
    /** false: ignore Range headers and send the whole object, as some servers do. */
    volatile boolean honorRange = true;

    FakeS3() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            String key = path.substring(1); // "bucket/key"
            byte[] body = readBody(ex);
            switch (ex.getRequestMethod()) {
                case "PUT" -> put(ex, key, body);
                case "HEAD" -> {
                    heads.incrementAndGet();
                    byte[] o = objects.get(key);
                    if (o == null) {
                        ex.sendResponseHeaders(404, -1);
                    } else {
                        ex.getResponseHeaders().set("ETag", "\"" + md5(o) + "\"");
                        ex.getResponseHeaders().set("Content-Length", Long.toString(o.length));
                        ex.sendResponseHeaders(200, -1);
                    }
                }
                case "GET" -> get(ex, key);
                default -> error(ex, 405, "MethodNotAllowed", "not in this fake");
            }
        }
    }

    private void get(HttpExchange ex, String key) throws IOException {
        gets.incrementAndGet();
        byte[] o = objects.get(key);
        if (o == null) {
            error(ex, 404, "NoSuchKey", "The specified key does not exist.");
            return;
        }
        String etag = "\"" + md5(o) + "\"";
        String ifMatch = ex.getRequestHeaders().getFirst("If-Match");
        if (ifMatch != null && !ifMatch.equals(etag)) {
            error(ex, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
            return;
        }
        int from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        int status = 200;
        if (range != null && honorRange && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            status = 206;
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (o.length - 1) + "/" + o.length);
        }
        ex.getResponseHeaders().set("ETag", etag);
        int len = o.length - from;
        if (truncateGets.getAndUpdate(n -> Math.max(0, n - 1)) > 0 && len > 1) {
            // Promise the whole body, send half, drop the connection.
            ex.sendResponseHeaders(status, len);
            OutputStream out = ex.getResponseBody();
            out.write(o, from, len / 2);
            out.flush();
            throw new IOException("fake connection drop");
        }
        byte[] body = java.util.Arrays.copyOfRange(o, from, o.length);
        send(ex, status, body);
    }

    private void put(HttpExchange ex, String key, byte[] body) throws IOException {
        puts.incrementAndGet();
        String inm = ex.getRequestHeaders().getFirst("If-None-Match");
        if (inm != null) {
            conditionalPuts.incrementAndGet();
            if (!conditionalSupported) {
                error(ex, 501, "NotImplemented", "A header you provided implies functionality that is not implemented");
                return;
            }
            if (objects.containsKey(key)) {
                error(ex, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
                return;
            }
        }
        objects.put(key, body);
        if (losePutResponses.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            error(ex, 500, "InternalError", "We encountered an internal error. Please try again.");
            return;
        }
        ex.getResponseHeaders().set("ETag", "\"" + md5(body) + "\"");
        send(ex, 200, new byte[0]);
    }

    private static byte[] readBody(HttpExchange ex) throws IOException {
        byte[] raw;
        try (InputStream in = ex.getRequestBody()) {
            raw = in.readAllBytes();
        }
        String sha = ex.getRequestHeaders().getFirst("x-amz-content-sha256");
        String enc = ex.getRequestHeaders().getFirst("Content-Encoding");
        boolean chunked = (sha != null && sha.startsWith("STREAMING-")) || (enc != null && enc.contains("aws-chunked"));
        return chunked ? decodeAwsChunked(raw) : raw;
    }

    /** aws-chunked: "hex[;chunk-signature=...]\r\n" data "\r\n" ... "0...\r\n" [trailers] "\r\n". */
    static byte[] decodeAwsChunked(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < raw.length) {
            int eol = indexOfCrlf(raw, i);
            String header = new String(raw, i, eol - i, StandardCharsets.US_ASCII);
            int semi = header.indexOf(';');
            int size = Integer.parseInt((semi < 0 ? header : header.substring(0, semi)).trim(), 16);
            i = eol + 2;
            if (size == 0) {
                break;
            }
            out.write(raw, i, size);
            i += size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOfCrlf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        throw new IllegalArgumentException("bad aws-chunked body");
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>fake-1</RequestId></Error>";
        ex.getResponseHeaders().set("Content-Type", "application/xml");
        send(ex, status, xml.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
