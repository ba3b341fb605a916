package dev.lifeline.runtime.faults;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real TCP proxy on 127.0.0.1 in front of one upstream server (S3Proxy), with faults that can
 * be switched while traffic flows:
 *
 * <ul>
 *   <li>{@link #pass()}: forward everything (and listen again if refusing);</li>
 *   <li>{@link #resetNewConnections()} / {@link #closeNewConnections()}: accept, then drop each new
 *       connection with a TCP reset (SO_LINGER 0) or a plain close (FIN, "end of file");</li>
 *   <li>{@link #killLiveConnections()}: reset every open connection, wherever its request is;</li>
 *   <li>{@link #latency(Duration)}: every forwarded chunk, in both directions, is delivered that
 *       much later (a delay line, so latency is added without capping bandwidth);</li>
 *   <li>{@link #refuse()}: stop listening (connection refused) and reset live connections: an
 *       outage of the store; {@link #pass()} listens again on the same port;</li>
 *   <li>{@link #failNextRequests(int, HttpError)}: HTTP-aware: the next N requests, on new or
 *       kept-alive connections, are answered by the proxy itself with an S3 error (a valid S3 XML
 *       body, {@code Connection: close}) instead of reaching the server.</li>
 * </ul>
 *
 * <p>The client-to-server direction is parsed as HTTP/1.1 requests (head, then a body framed by
 * Content-Length or chunked encoding), so errors are injected exactly at request boundaries; the
 * server-to-client direction is copied as bytes. Only loopback addresses are used, every socket
 * has a read timeout, and every wait is bounded.
 */
public final class FaultyTcpProxy implements AutoCloseable {

    /** An error the proxy answers a request with. */
    public enum HttpError {
        SLOW_DOWN(503, "Slow Down", "SlowDown", "Please reduce your request rate."),
        INTERNAL_ERROR(500, "Internal Server Error", "InternalError",
                "We encountered an internal error. Please try again.");

        final int status;
        final String reason;
        final String code;
        final String message;

        HttpError(int status, String reason, String code, String message) {
            this.status = status;
            this.reason = reason;
            this.code = code;
            this.message = message;
        }
    }

    private enum AcceptMode { PASS, RESET, CLOSE }

    private static final int SOCKET_TIMEOUT_MS = 120_000;
    private static final int MAX_HEAD_BYTES = 64 << 10;
    private static final int CHUNK = 64 << 10;

    private final InetSocketAddress upstream;
    private final int port;
    private final Object listenLock = new Object();
    private volatile ServerSocket server;
    private volatile boolean closed;
    private volatile AcceptMode acceptMode = AcceptMode.PASS;
    private volatile long latencyNanos;
    private final ConcurrentLinkedQueue<HttpError> pendingErrors = new ConcurrentLinkedQueue<>();
    private final Set<Link> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger linkIds = new AtomicInteger();

    // ---- counters, for tests to prove the faults happened ----
    public final AtomicLong accepted = new AtomicLong();
    public final AtomicLong resetOnAccept = new AtomicLong();
    public final AtomicLong closedOnAccept = new AtomicLong();
    public final AtomicLong killed = new AtomicLong();
    public final AtomicLong requestsForwarded = new AtomicLong();
    public final AtomicLong errorsServed = new AtomicLong();
    public final AtomicLong bytesUp = new AtomicLong();
    public final AtomicLong bytesDown = new AtomicLong();
    public final AtomicLong refusals = new AtomicLong();
    /** Requests by method ("PUT", "HEAD", ...) that were answered with an injected error. */
    public final ConcurrentHashMap<String, AtomicLong> errorsByMethod = new ConcurrentHashMap<>();

    private FaultyTcpProxy(InetSocketAddress upstream, ServerSocket server) {
        this.upstream = upstream;
        this.server = server;
        this.port = server.getLocalPort();
        startAcceptor(server);
    }

    /** A proxy on 127.0.0.1 (a free port) forwarding to 127.0.0.1:{@code upstreamPort}. */
    public static FaultyTcpProxy start(int upstreamPort) throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(lo, 0), 64);
        return new FaultyTcpProxy(new InetSocketAddress(lo, upstreamPort), s);
    }

    public int port() {
        return port;
    }

    // ------------------------------------------------------------------ switches

    /** Every fault off: forward everything, listening if we were refusing. */
    public void pass() throws IOException {
        acceptMode = AcceptMode.PASS;
        latencyNanos = 0;
        pendingErrors.clear();
        listen();
    }

    public void resetNewConnections() {
        acceptMode = AcceptMode.RESET;
    }

    public void closeNewConnections() {
        acceptMode = AcceptMode.CLOSE;
    }

    /** Accept and forward new connections again (latency and pending errors are left as they are). */
    public void acceptNewConnections() {
        acceptMode = AcceptMode.PASS;
    }

    /** Resets every open connection; returns how many there were. */
    public int killLiveConnections() {
        int n = 0;
        for (Link l : live) {
            if (l.kill()) {
                n++;
            }
        }
        killed.addAndGet(n);
        return n;
    }

    public void latency(Duration d) {
        latencyNanos = d.toNanos();
    }

    /** The next {@code n} requests are answered with {@code error} by the proxy. */
    public void failNextRequests(int n, HttpError error) {
        for (int i = 0; i < n; i++) {
            pendingErrors.add(error);
        }
    }

    public int pendingErrors() {
        return pendingErrors.size();
    }

    /** An outage: stop listening (new connections are refused) and reset every live connection. */
    public void refuse() throws IOException {
        synchronized (listenLock) {
            ServerSocket s = server;
            server = null;
            if (s != null) {
                s.close();
                refusals.incrementAndGet();
            }
        }
        killLiveConnections();
    }

    /** Listens again on the same port (after {@link #refuse()}); bounded retry if the port lingers. */
    public void listen() throws IOException {
        synchronized (listenLock) {
            if (server != null || closed) {
                return;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                ServerSocket s = new ServerSocket();
                try {
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
                    server = s;
                    startAcceptor(s);
                    return;
                } catch (IOException e) {
                    s.close();
                    if (System.nanoTime() > deadline) {
                        throw new IOException("cannot listen on 127.0.0.1:" + port + " again: " + e.getMessage(), e);
                    }
                    sleep(50);
                }
            }
        }
    }

    public boolean listening() {
        return server != null;
    }

    public String stats() {
        return "proxy[accepted=" + accepted + ", live=" + live.size() + ", resetOnAccept=" + resetOnAccept
                + ", closedOnAccept=" + closedOnAccept + ", killed=" + killed + ", refusals=" + refusals
                + ", requestsForwarded=" + requestsForwarded + ", errorsServed=" + errorsServed + " "
                + errorsByMethod + ", bytesUp=" + bytesUp + ", bytesDown=" + bytesDown + "]";
    }

    @Override
    public void close() throws IOException {
        closed = true;
        synchronized (listenLock) {
            ServerSocket s = server;
            server = null;
            if (s != null) {
                s.close();
            }
        }
        for (Link l : live) {
            l.kill();
        }
    }

    // ------------------------------------------------------------------ accepting

    private void startAcceptor(ServerSocket s) {
        Thread t = new Thread(() -> acceptLoop(s), "faulty-proxy-accept-" + port);
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket c;
            try {
                c = s.accept();
            } catch (IOException e) {
                return; // closed: refusing or shutting down
            }
            accepted.incrementAndGet();
            try {
                switch (acceptMode) {
                    case RESET -> {
                        c.setSoLinger(true, 0);
                        c.close();
                        resetOnAccept.incrementAndGet();
                    }
                    case CLOSE -> {
                        c.close();
                        closedOnAccept.incrementAndGet();
                    }
                    case PASS -> connect(c);
                }
            } catch (IOException e) {
                closeQuietly(c);
            }
        }
    }

    private void connect(Socket c) throws IOException {
        Socket up = new Socket();
        try {
            up.connect(upstream, 5000);
            for (Socket x : new Socket[] {c, up}) {
                x.setTcpNoDelay(true);
                x.setSoTimeout(SOCKET_TIMEOUT_MS);
            }
        } catch (IOException e) {
            closeQuietly(up);
            throw e;
        }
        Link l = new Link(linkIds.incrementAndGet(), c, up);
        live.add(l);
        l.start();
    }

    // ------------------------------------------------------------------ one proxied connection

    private final class Link {
        final int id;
        final Socket client;
        final Socket up;
        final DelayLine toUp;
        final DelayLine toClient;
        final AtomicInteger linesDone = new AtomicInteger();
        volatile boolean dead;

        Link(int id, Socket client, Socket up) throws IOException {
            this.id = id;
            this.client = client;
            this.up = up;
            this.toUp = new DelayLine(this, up, bytesUp);
            this.toClient = new DelayLine(this, client, bytesDown);
        }

        void start() {
            thread(this::pumpRequests, "up-read");
            thread(this::pumpResponses, "down-read");
            thread(toUp::run, "up-write");
            thread(toClient::run, "down-write");
        }

        private void thread(Runnable r, String what) {
            Thread t = new Thread(r, "faulty-proxy-" + port + "-" + id + "-" + what);
            t.setDaemon(true);
            t.start();
        }

        /** Resets both sides; true if it was still open. */
        boolean kill() {
            if (dead) {
                return false;
            }
            dead = true;
            try {
                client.setSoLinger(true, 0);
            } catch (SocketException e) {
                // already closed
            }
            try {
                up.setSoLinger(true, 0);
            } catch (SocketException e) {
                // already closed
            }
            closeAll();
            return true;
        }

        void closeAll() {
            dead = true;
            closeQuietly(client);
            closeQuietly(up);
            live.remove(this);
            toUp.wakeUp();
            toClient.wakeUp();
        }

        /** A delay line finished cleanly (its side shut down); the link closes when both have. */
        void lineDone() {
            if (linesDone.incrementAndGet() == 2) {
                closeAll();
            }
        }

        /** Client to server: HTTP requests, one at a time, each either forwarded or answered with an error. */
        private void pumpRequests() {
            try {
                InputStream in = new BufferedInputStream(client.getInputStream(), CHUNK);
                while (!dead) {
                    byte[] head = readHead(in);
                    if (head == null) {
                        toUp.finish();
                        return;
                    }
                    Request req = Request.parse(head);
                    if (req == null) {
                        // Not HTTP as we know it: copy the rest as bytes.
                        toUp.send(head, head.length);
                        copyRaw(in, toUp);
                        toUp.finish();
                        return;
                    }
                    HttpError err = pendingErrors.poll();
                    if (err != null) {
                        answerWithError(req, in, err);
                        return;
                    }
                    requestsForwarded.incrementAndGet();
                    toUp.send(head, head.length);
                    forwardBody(req, in, toUp);
                }
            } catch (IOException | RuntimeException e) {
                kill();
            }
        }

        /** Server to client: bytes as they come. */
        private void pumpResponses() {
            try {
                copyRaw(up.getInputStream(), toClient);
                toClient.finish();
            } catch (IOException | RuntimeException e) {
                kill();
            }
        }

        private void answerWithError(Request req, InputStream in, HttpError err) throws IOException {
            OutputStream out = client.getOutputStream();
            if (req.expectContinue && req.hasBody()) {
                // Let the client send its body, so the error is read as the answer to the whole request.
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            try {
                forwardBody(req, in, null); // read and discard
            } catch (IOException | RuntimeException e) {
                // The client gave up before hearing the error: it is still owed to a later request.
                pendingErrors.add(err);
                throw e;
            }
            String requestId = String.format("FAULTY%010d", errorsServed.incrementAndGet());
            errorsByMethod.computeIfAbsent(req.method, m -> new AtomicLong()).incrementAndGet();
            String resource = req.target.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + err.code + "</Code><Message>"
                    + err.message + "</Message><Resource>" + resource + "</Resource><RequestId>" + requestId
                    + "</RequestId><HostId>faulty-tcp-proxy</HostId></Error>").getBytes(StandardCharsets.UTF_8);
            boolean head = req.method.equals("HEAD");
            String response = "HTTP/1.1 " + err.status + " " + err.reason + "\r\n"
                    + "Content-Type: application/xml\r\n"
                    + "Content-Length: " + (head ? 0 : body.length) + "\r\n"
                    + "x-amz-request-id: " + requestId + "\r\n"
                    + "Server: FaultyTcpProxy\r\n"
                    + "Connection: close\r\n\r\n";
            out.write(response.getBytes(StandardCharsets.US_ASCII));
            if (!head) {
                out.write(body);
            }
            out.flush();
            dead = true;
            closeQuietly(up);
            // Half-close, give the client a moment to read the answer and close its side, then go.
            try {
                client.shutdownOutput();
                client.setSoTimeout(2000);
                byte[] sink = new byte[4096];
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() < deadline && in.read(sink) >= 0) {
                    // discard until the client closes
                }
            } catch (IOException e) {
                // the client went first
            } finally {
                closeAll();
            }
        }
    }

    /** One direction's writer: chunks are written in order, each no earlier than its due time. */
    private final class DelayLine {
        private record Chunk(byte[] data, long due) {
        }

        private static final Chunk FINISH = new Chunk(new byte[0], 0);

        private final Link link;
        private final Socket socket;
        private final AtomicLong counter;
        private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();

        DelayLine(Link link, Socket socket, AtomicLong counter) {
            this.link = link;
            this.socket = socket;
            this.counter = counter;
        }

        void send(byte[] b, int len) {
            byte[] copy = java.util.Arrays.copyOf(b, len);
            queue.add(new Chunk(copy, System.nanoTime() + latencyNanos));
        }

        void finish() {
            queue.add(FINISH);
        }

        void wakeUp() {
            queue.add(new Chunk(null, 0));
        }

        void run() {
            try {
                OutputStream out = socket.getOutputStream();
                while (!link.dead) {
                    Chunk c = queue.poll(1, TimeUnit.SECONDS);
                    if (c == null || c.data == null) {
                        continue;
                    }
                    if (c == FINISH) {
                        socket.shutdownOutput();
                        link.lineDone();
                        return;
                    }
                    long wait;
                    while (!link.dead && (wait = c.due - System.nanoTime()) > 0) {
                        TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(50)));
                    }
                    if (link.dead) {
                        return;
                    }
                    out.write(c.data);
                    out.flush();
                    counter.addAndGet(c.data.length);
                }
            } catch (IOException | RuntimeException e) {
                link.kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                link.kill();
            }
        }
    }

    // ------------------------------------------------------------------ HTTP framing

    /** The parts of a request head that frame it. */
    private record Request(String method, String target, long contentLength, boolean chunked,
                           boolean expectContinue) {

        boolean hasBody() {
            return chunked || contentLength > 0;
        }

        static Request parse(byte[] head) {
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r\n");
            String[] first = lines[0].split(" ");
            if (first.length != 3 || !first[2].startsWith("HTTP/1.")) {
                return null;
            }
            long length = 0;
            boolean chunked = false;
            boolean expect = false;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "expect" -> expect = value.equalsIgnoreCase("100-continue");
                    default -> {
                    }
                }
            }
            return new Request(first[0], first[1], chunked ? -1 : length, chunked, expect);
        }
    }

    /** The request head up to and including the blank line; null at a clean end before any byte. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(1024);
        int state = 0; // how much of \r\n\r\n has been seen
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (b.size() == 0) {
                    return null;
                }
                throw new EOFException("connection ended inside a request head");
            }
            b.write(c);
            if (b.size() > MAX_HEAD_BYTES) {
                throw new IOException("request head too large");
            }
            state = switch (state) {
                case 0, 2 -> c == '\r' ? state + 1 : 0;
                case 1, 3 -> c == '\n' ? state + 1 : (c == '\r' ? 1 : 0);
                default -> 0;
            };
            if (state == 4) {
                return b.toByteArray();
            }
        }
    }

    /** Forwards (or, with a null line, discards) exactly the request's body. */
    private static void forwardBody(Request req, InputStream in, DelayLine out) throws IOException {
        if (req.chunked) {
            while (true) {
                byte[] sizeLine = readLine(in);
                emit(out, sizeLine, sizeLine.length);
                String s = new String(sizeLine, StandardCharsets.US_ASCII).trim();
                int semi = s.indexOf(';');
                long size = Long.parseLong(semi >= 0 ? s.substring(0, semi).trim() : s, 16);
                if (size == 0) {
                    // Trailers, then the blank line.
                    while (true) {
                        byte[] t = readLine(in);
                        emit(out, t, t.length);
                        if (t.length == 2) {
                            return;
                        }
                    }
                }
                copyExactly(in, size + 2, out); // data and its CRLF
            }
        }
        copyExactly(in, req.contentLength, out);
    }

    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(32);
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection ended inside a chunked body");
            }
            b.write(c);
            if (prev == '\r' && c == '\n') {
                return b.toByteArray();
            }
            if (b.size() > 8192) {
                throw new IOException("chunk line too long");
            }
            prev = c;
        }
    }

    private static void copyExactly(InputStream in, long n, DelayLine out) throws IOException {
        byte[] buf = new byte[CHUNK];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new EOFException("connection ended inside a request body");
            }
            emit(out, buf, r);
            left -= r;
        }
    }

    private static void copyRaw(InputStream in, DelayLine out) throws IOException {
        byte[] buf = new byte[CHUNK];
        int r;
        while ((r = in.read(buf)) >= 0) {
            if (r > 0) {
                out.send(buf, r);
            }
        }
    }

    private static void emit(DelayLine out, byte[] b, int len) {
        if (out != null && len > 0) {
            out.send(b, len);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
