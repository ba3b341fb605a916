package dev.lifeline.runtime.replica.s3;

import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.s3.S3ReplicaConfig.ChecksumMode;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * A replica in an S3 bucket (AWS or an S3-compatible server), over the AWS SDK v2 sync client and
 * the JDK's HttpURLConnection.
 *
 * <p>Keys are stored under {@code prefix/}, where Litestream's {@code path:} puts them. Objects are
 * write-once: uploads are conditional ({@code If-None-Match: *}); a 412 is resolved by comparing
 * the stored object with ours (ETag = MD5 for single-part objects, the multipart ETag for ours,
 * else the bytes), so a write retried by the SDK or by the replicator succeeds and a different
 * object under the key is an {@link ObjectExistsException}. Servers that answer 501 to conditional
 * writes get HEAD-then-PUT instead (logged once). Large files go up in parts read one at a time,
 * so memory stays bounded by the part size.
 *
 * <p>Credentials come from the SDK's default chain; they are never logged, never part of
 * {@link #describe()}, and scrubbed from the messages this class builds.
 */
public final class S3ReplicaClient implements ReplicaClient {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.replica.s3");
    private static final String OCTET = "application/octet-stream";
    private static final HexFormat HEX = HexFormat.of();

    private final S3ReplicaConfig cfg;
    private final String bucket;
    /** "" or "prefix/". */
    private final String root;
    private final Redactor redactor = new Redactor();
    private final SdkHttpClient http;
    private final S3Client s3;
    private final AutoCloseable ownedCredentials;
    private final AtomicBoolean conditionalPut = new AtomicBoolean(true);
    private final AtomicBoolean conditionalComplete = new AtomicBoolean(true);
    private final AtomicBoolean loggedNoConditional = new AtomicBoolean();
    /** For tests: runs after the parts are uploaded, before the upload is completed. */
    volatile Runnable beforeCompleteHook;

    /** Opens {@code s3://bucket/prefix?options}; see {@link S3Url}. */
    public static S3ReplicaClient open(String url) {
        return new S3ReplicaClient(S3Url.parse(url));
    }

    /** A client with credentials from the AWS SDK's default chain. */
    public S3ReplicaClient(S3ReplicaConfig cfg) {
        this(cfg, DefaultCredentialsProvider.builder().build(), true);
    }

    /** For tests: explicit credentials (not closed by {@link #close()}). */
    S3ReplicaClient(S3ReplicaConfig cfg, AwsCredentialsProvider credentials) {
        this(cfg, credentials, false);
    }

    private S3ReplicaClient(S3ReplicaConfig cfg, AwsCredentialsProvider credentials, boolean ownsCredentials) {
        this.cfg = cfg;
        this.bucket = cfg.bucket();
        this.root = cfg.prefix().isEmpty() ? "" : cfg.prefix() + "/";
        this.ownedCredentials = ownsCredentials && credentials instanceof AutoCloseable c ? c : null;
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(cfg.connectTimeout())
                .socketTimeout(cfg.socketTimeout())
                .build();
        boolean sdkDefault = cfg.checksum() == ChecksumMode.WHEN_SUPPORTED;
        S3ClientBuilder b = S3Client.builder()
                .httpClient(http)
                .credentialsProvider(redactor.recording(credentials))
                .forcePathStyle(cfg.forcePathStyle())
                .requestChecksumCalculation(sdkDefault ? RequestChecksumCalculation.WHEN_SUPPORTED
                        : RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(sdkDefault ? ResponseChecksumValidation.WHEN_SUPPORTED
                        : ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(cfg.maxAttempts())
                        // Full jitter: a random delay up to min(20 s, 100 ms * 2^attempt).
                        .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(100),
                                Duration.ofSeconds(20)))
                        .build()));
        if (cfg.endpoint() != null) {
            b.endpointOverride(cfg.endpoint());
        }
        String region = cfg.effectiveRegion();
        if (region != null) {
            b.region(Region.of(region));
        } else {
            // No region named: the SDK's chain picks one, and a bucket elsewhere is still reached.
            b.crossRegionAccessEnabled(true);
        }
        try {
            this.s3 = b.build();
        } catch (SdkClientException e) {
            http.close();
            closeQuietly(ownedCredentials);
            throw new IllegalArgumentException("cannot set up the S3 client for " + cfg.describe() + ": "
                    + redactor.scrub(e.getMessage())
                    + (region == null ? " (give the region as ?region=NAME or set AWS_REGION)" : ""));
        }
    }

    public S3ReplicaConfig config() {
        return cfg;
    }

    /** The region requests are signed for (the configured one, or what the SDK's chain found). */
    public String region() {
        Region r = s3.serviceClientConfiguration().region();
        return r == null ? null : r.id();
    }

    @Override
    public String describe() {
        return cfg.describe();
    }

    @Override
    public String toString() {
        return "S3ReplicaClient[" + describe() + "]";
    }

    // ---------------------------------------------------------------- keys

    private String objectKey(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/") || key.contains("\\")) {
            throw new IllegalArgumentException("invalid replica key: " + key);
        }
        for (String seg : key.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("invalid replica key (empty, '.' or '..' segment): " + key);
            }
        }
        return root + key;
    }

    private String where(String objectKey) {
        return "s3://" + bucket + "/" + objectKey + (cfg.endpoint() == null ? "" : " at " + cfg.endpoint());
    }

    // ---------------------------------------------------------------- list / get / delete

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        if (prefix == null || prefix.startsWith("/")) {
            throw new IllegalArgumentException("invalid replica key prefix: " + prefix);
        }
        String full = root + prefix;
        List<ObjectInfo> out = new ArrayList<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(full)).contents()) {
                String k = o.key();
                if (!k.startsWith(root)) {
                    continue;
                }
                String rel = k.substring(root.length());
                if (rel.isEmpty() || rel.endsWith("/")) {
                    continue; // "directory" markers made by consoles and some tools
                }
                out.add(new ObjectInfo(rel, o.size() == null ? 0 : o.size(), o.lastModified()));
            }
        } catch (SdkException e) {
            throw failure("LIST", "s3://" + bucket + "/" + full + "*" + endpointSuffix(), e);
        }
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }

    /**
     * Opens the object as a stream that survives connection failures: a body cut short (an error
     * or an early end before Content-Length) is resumed from the byte it stopped at with a ranged,
     * ETag-pinned GET, up to {@code maxAttempts} times per stream.
     */
    @Override
    public InputStream get(String key) throws IOException {
        String ok = objectKey(key);
        try {
            ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(ok));
            Long length = in.response().contentLength();
            if (length == null || in.response().eTag() == null) {
                return in; // nothing to resume against
            }
            return new ResumingStream(key, ok, in, length, in.response().eTag());
        } catch (NoSuchKeyException e) {
            throw noSuchFile(key);
        } catch (AwsServiceException e) {
            if (e.statusCode() == 404 && !(e instanceof NoSuchBucketException)) {
                throw noSuchFile(key);
            }
            throw failure("GET", where(ok), e);
        } catch (SdkException e) {
            throw failure("GET", where(ok), e);
        }
    }

    /** A GET body that picks up where it broke off. */
    private final class ResumingStream extends InputStream {
        private final String key;
        private final String ok;
        private final long length;
        private final String etag;
        private InputStream in;
        private long pos;
        private int failures;

        ResumingStream(String key, String ok, InputStream first, long length, String etag) {
            this.key = key;
            this.ok = ok;
            this.in = first;
            this.length = length;
            this.etag = etag;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            while (true) {
                if (pos >= length) {
                    return -1;
                }
                try {
                    if (in == null) {
                        in = reopen();
                    }
                    int n = in.read(b, off, (int) Math.min(len, length - pos));
                    if (n > 0) {
                        pos += n;
                        return n;
                    }
                    throw new EOFException("the connection ended at byte " + pos + " of " + length);
                } catch (ObjectChangedException e) {
                    throw e;
                } catch (SdkException e) {
                    // E.g. a response checksum that does not match: the bytes were already handed out.
                    discard();
                    throw failure("GET", where(ok), e);
                } catch (IOException e) {
                    failures++;
                    discard();
                    if (failures >= cfg.maxAttempts()) {
                        throw new IOException("S3 GET " + where(ok) + " failed at byte " + pos + " of " + length
                                + " after " + failures + " attempts: " + redactor.scrub(String.valueOf(e)),
                                redactor.safeCause(e));
                    }
                    LOG.log(Level.DEBUG, () -> "resuming S3 GET " + where(ok) + " at byte " + pos + " after: "
                            + redactor.scrub(String.valueOf(e)));
                    pause(failures);
                }
            }
        }

        private InputStream reopen() throws IOException {
            long from = pos;
            ResponseInputStream<GetObjectResponse> r;
            try {
                r = s3.getObject(g -> g.bucket(bucket).key(ok).range("bytes=" + from + "-").ifMatch(etag));
            } catch (NoSuchKeyException e) {
                throw new ObjectChangedException("replica object " + key + " in " + describe()
                        + " was deleted while being read (at byte " + from + ")");
            } catch (AwsServiceException e) {
                if (e.statusCode() == 412 || e.statusCode() == 404) {
                    throw new ObjectChangedException("replica object " + key + " in " + describe()
                            + " changed or vanished while being read (at byte " + from + ", HTTP " + e.statusCode() + ")");
                }
                throw failure("GET", where(ok), e);
            } catch (SdkException e) {
                throw failure("GET", where(ok), e);
            }
            String range = r.response().contentRange();
            if (range == null || !range.startsWith("bytes " + from + "-")) {
                // The server ignored the Range header and sent the whole object: skip what we have.
                try {
                    r.skipNBytes(from);
                } catch (IOException e) {
                    r.abort();
                    throw e;
                }
            }
            return r;
        }

        private void discard() {
            InputStream i = in;
            in = null;
            if (i instanceof ResponseInputStream<?> r) {
                r.abort(); // do not drain what is left of a large body
            }
            closeQuietly(i);
        }

        @Override
        public void close() {
            if (pos < length) {
                discard();
            } else {
                closeQuietly(in);
                in = null;
            }
        }
    }

    /** Not worth resuming: the object is not the one we started reading. */
    private static final class ObjectChangedException extends IOException {
        ObjectChangedException(String message) {
            super(message);
        }
    }

    private static void pause(int failures) throws java.io.InterruptedIOException {
        long max = Math.min(5_000, 100L << Math.min(failures, 10));
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(max / 2, max + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while resuming an S3 download");
        }
    }

    private NoSuchFileException noSuchFile(String key) {
        return new NoSuchFileException(key, null, "no such object in " + describe());
    }

    @Override
    public void delete(String key) throws IOException {
        String ok = objectKey(key);
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(ok));
        } catch (NoSuchKeyException e) {
            // Already gone.
        } catch (AwsServiceException e) {
            if (e.statusCode() != 404 || e instanceof NoSuchBucketException) {
                throw failure("DELETE", where(ok), e);
            }
        } catch (SdkException e) {
            throw failure("DELETE", where(ok), e);
        }
    }

    @Override
    public void checkWritable() throws IOException {
        try {
            s3.headBucket(r -> r.bucket(bucket));
        } catch (NoSuchBucketException e) {
            throw new IOException("S3 bucket '" + bucket + "' does not exist" + endpointSuffix()
                    + ": create it, or fix the replica URL " + describe());
        } catch (AwsServiceException e) {
            if (e.statusCode() == 404) {
                throw new IOException("S3 bucket '" + bucket + "' does not exist" + endpointSuffix()
                        + ": create it, or fix the replica URL " + describe());
            }
            if (e.statusCode() == 403 || e.statusCode() == 401) {
                throw new IOException("S3 access to bucket '" + bucket + "' denied" + endpointSuffix() + " (HTTP "
                        + e.statusCode() + "): check the credentials of the AWS default chain"
                        + " (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance or container role)"
                        + " and the bucket policy", redactor.safeCause(e));
            }
            throw failure("HEAD bucket", "s3://" + bucket + endpointSuffix(), e);
        } catch (SdkException e) {
            throw failure("HEAD bucket", "s3://" + bucket + endpointSuffix(), e);
        }
    }

    private String endpointSuffix() {
        return cfg.endpoint() == null ? "" : " at " + cfg.endpoint();
    }

    // ---------------------------------------------------------------- single-part put

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        String ok = objectKey(key);
        byte[] md5 = md5(data, 0, data.length);
        putSingle(key, ok, data.length, md5, () -> new ByteArrayInputStream(data),
                h -> h.size() == data.length
                        && (HEX.formatHex(md5).equals(h.etag()) || sameBytes(ok, data)));
    }

    /**
     * Where the server does conditional writes, exactly {@link #putIfAbsent(String, byte[])}: the
     * check costs nothing. Without them, one PUT instead of HEAD then PUT: nobody else can have
     * written this key, and rewriting our own earlier object rewrites the same bytes.
     */
    @Override
    public void putExclusive(String key, byte[] data) throws IOException {
        if (conditionalPut.get()) {
            putIfAbsent(key, data);
            return;
        }
        plainPut(objectKey(key), data.length, Base64.getEncoder().encodeToString(md5(data, 0, data.length)),
                () -> new ByteArrayInputStream(data));
    }

    @Override
    public void putIfAbsent(String key, Path source) throws IOException {
        String ok = objectKey(key);
        long size = Files.size(source);
        if (size > cfg.multipartThreshold()) {
            putMultipart(key, ok, source, size);
            return;
        }
        // At most the threshold (16 MiB by default) in memory, and exactly the bytes that are hashed.
        byte[] data = Files.readAllBytes(source);
        if (data.length != size) {
            throw new IOException("file " + source + " changed size while being uploaded to " + where(ok));
        }
        putIfAbsent(key, data);
    }

    private interface SameCheck {
        boolean same(Head existing) throws IOException;
    }

    private record Head(long size, String etag) {
    }

    private void putSingle(String key, String ok, long length, byte[] md5, ContentStreamProvider body,
                           SameCheck same) throws IOException {
        String md5b64 = Base64.getEncoder().encodeToString(md5);
        for (int round = 0; ; round++) {
            if (conditionalPut.get()) {
                try {
                    s3.putObject(putRequest(ok, length, md5b64).ifNoneMatch("*").build(),
                            RequestBody.fromContentProvider(body, length, OCTET));
                    return;
                } catch (AwsServiceException e) {
                    if (e.statusCode() == 412) {
                        // The key exists: written by someone else, or by our own attempt that the SDK
                        // retried (or a replicator retry after a crash). Same content is success.
                        if (resolveExisting(key, ok, same)) {
                            return;
                        }
                        if (round >= 2) {
                            throw new IOException("S3 PUT " + where(ok) + " failed: the server keeps answering"
                                    + " 412 (exists) but the object cannot be found; is something deleting it?");
                        }
                        continue; // deleted between the 412 and our HEAD: try again
                    }
                    if (e.statusCode() != 501) {
                        throw failure("PUT", where(ok), e);
                    }
                    // 501 NotImplemented: the server may not do If-None-Match; try without it below.
                } catch (SdkException e) {
                    throw failure("PUT", where(ok), e);
                }
            }
            Head h = head(ok);
            if (h != null) {
                if (!same.same(h)) {
                    throw exists(key);
                }
                return;
            }
            plainPut(ok, length, md5b64, body);
            noConditionalWrites(conditionalPut, "PUT");
            return;
        }
    }

    /** A PUT without conditions. */
    private void plainPut(String ok, long length, String md5b64, ContentStreamProvider body) throws IOException {
        try {
            s3.putObject(putRequest(ok, length, md5b64).build(), RequestBody.fromContentProvider(body, length, OCTET));
        } catch (AwsServiceException e) {
            if (e.statusCode() == 501) {
                throw failure("PUT", where(ok), e, "the server rejects the request itself (not only"
                        + " conditional writes); if it is an S3-compatible server, try ?checksum=WHEN_REQUIRED");
            }
            throw failure("PUT", where(ok), e);
        } catch (SdkException e) {
            throw failure("PUT", where(ok), e);
        }
    }

    private PutObjectRequest.Builder putRequest(String ok, long length, String md5b64) {
        return PutObjectRequest.builder().bucket(bucket).key(ok).contentLength(length).contentMD5(md5b64)
                .contentType(OCTET);
    }

    /** True when the existing object has our content; false when it vanished; throws when it differs. */
    private boolean resolveExisting(String key, String ok, SameCheck same) throws IOException {
        Head h = head(ok);
        if (h == null) {
            return false;
        }
        if (!same.same(h)) {
            throw exists(key);
        }
        return true;
    }

    private ObjectExistsException exists(String key) {
        return new ObjectExistsException("replica object " + key + " already exists in " + describe()
                + " with different content; another process may be writing to the same replica");
    }

    private void noConditionalWrites(AtomicBoolean flag, String op) {
        flag.set(false);
        if (loggedNoConditional.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "S3 server of " + describe() + " does not support conditional writes"
                    + " (If-None-Match on " + op + " answered 501 NotImplemented): falling back to HEAD before"
                    + " writing; two writers racing on one key are no longer detected by the server");
        }
    }

    private Head head(String ok) throws IOException {
        try {
            HeadObjectResponse r = s3.headObject(b -> b.bucket(bucket).key(ok));
            return new Head(r.contentLength() == null ? -1 : r.contentLength(), normalizeEtag(r.eTag()));
        } catch (NoSuchKeyException e) {
            return null;
        } catch (AwsServiceException e) {
            if (e.statusCode() == 404 && !(e instanceof NoSuchBucketException)) {
                return null;
            }
            throw failure("HEAD", where(ok), e);
        } catch (SdkException e) {
            throw failure("HEAD", where(ok), e);
        }
    }

    private static String normalizeEtag(String etag) {
        if (etag == null) {
            return "";
        }
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e.toLowerCase(Locale.ROOT);
    }

    private boolean sameBytes(String ok, byte[] data) throws IOException {
        try (InputStream in = getObject(ok)) {
            return in != null && contentEquals(in, new ByteArrayInputStream(data));
        }
    }

    private boolean sameFile(String ok, Path source) throws IOException {
        try (InputStream in = getObject(ok); InputStream local = Files.newInputStream(source)) {
            return in != null && contentEquals(in, local);
        }
    }

    /** The object's stream, or null when it does not exist. */
    private InputStream getObject(String ok) throws IOException {
        try {
            return s3.getObject(r -> r.bucket(bucket).key(ok));
        } catch (NoSuchKeyException e) {
            return null;
        } catch (SdkException e) {
            throw failure("GET", where(ok), e);
        }
    }

    private static boolean contentEquals(InputStream a, InputStream b) throws IOException {
        byte[] ba = new byte[64 << 10];
        byte[] bb = new byte[64 << 10];
        while (true) {
            int na = a.readNBytes(ba, 0, ba.length);
            int nb = b.readNBytes(bb, 0, bb.length);
            if (na != nb || !java.util.Arrays.equals(ba, 0, na, bb, 0, nb)) {
                return false;
            }
            if (na < ba.length) {
                return true;
            }
        }
    }

    // ---------------------------------------------------------------- multipart put

    /** The part size for a file: the configured one, raised so that no more than 10,000 parts are needed. */
    int partSizeFor(long size) {
        long needed = (size + S3ReplicaConfig.MAX_PARTS - 1) / S3ReplicaConfig.MAX_PARTS;
        long mib = 1 << 20;
        needed = (needed + mib - 1) / mib * mib;
        return (int) Math.max(cfg.partSize(), needed);
    }

    private void putMultipart(String key, String ok, Path source, long size) throws IOException {
        int partSize = partSizeFor(size);
        SameCheck same = h -> h.size() == size && (localEtagMatches(source, size, partSize, h.etag())
                || sameFile(ok, source));
        // Look first: a retried snapshot upload finds its object and skips gigabytes of traffic, and a
        // server without conditional completes still refuses to overwrite what it already has.
        Head existing = head(ok);
        if (existing != null) {
            if (!same.same(existing)) {
                throw exists(key);
            }
            return;
        }
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(ok).contentType(OCTET)).uploadId();
        } catch (SdkException e) {
            throw failure("CreateMultipartUpload", where(ok), e);
        }
        boolean done = false;
        try {
            List<CompletedPart> parts = uploadParts(ok, uploadId, source, size, partSize);
            Runnable hook = beforeCompleteHook;
            if (hook != null) {
                hook.run();
            }
            done = complete(key, ok, uploadId, parts, same);
        } finally {
            if (!done) {
                abort(ok, uploadId);
            }
        }
    }

    private List<CompletedPart> uploadParts(String ok, String uploadId, Path source, long size, int partSize)
            throws IOException {
        List<CompletedPart> parts = new ArrayList<>();
        // One buffer, reused for every part: memory stays at one part whatever the file's size.
        byte[] buf = new byte[(int) Math.min(partSize, size)];
        try (FileChannel ch = FileChannel.open(source, StandardOpenOption.READ)) {
            long pos = 0;
            int number = 1;
            while (pos < size) {
                int len = (int) Math.min(partSize, size - pos);
                readFully(ch, buf, len, pos, source);
                String md5b64 = Base64.getEncoder().encodeToString(md5(buf, 0, len));
                int n = number;
                UploadPartResponse r;
                try {
                    r = s3.uploadPart(u -> u.bucket(bucket).key(ok).uploadId(uploadId).partNumber(n)
                                    .contentLength((long) len).contentMD5(md5b64),
                            RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buf, 0, len), len, OCTET));
                } catch (SdkException e) {
                    throw failure("UploadPart " + n, where(ok), e);
                }
                parts.add(CompletedPart.builder().partNumber(n).eTag(r.eTag()).build());
                pos += len;
                number++;
            }
            if (ch.size() != size) {
                throw new IOException("file " + source + " changed size while being uploaded to " + where(ok));
            }
        }
        return parts;
    }

    /** True when the object is in place with our content (then there is nothing to abort). */
    private boolean complete(String key, String ok, String uploadId, List<CompletedPart> parts, SameCheck same)
            throws IOException {
        CompletedMultipartUpload body = CompletedMultipartUpload.builder().parts(parts).build();
        for (int round = 0; round < 2; round++) {
            boolean conditional = conditionalComplete.get();
            CompleteMultipartUploadRequest.Builder req = CompleteMultipartUploadRequest.builder()
                    .bucket(bucket).key(ok).uploadId(uploadId).multipartUpload(body);
            if (conditional) {
                req.ifNoneMatch("*");
            }
            try {
                s3.completeMultipartUpload(req.build());
                if (!conditional && round > 0) {
                    noConditionalWrites(conditionalComplete, "CompleteMultipartUpload");
                }
                return true;
            } catch (AwsServiceException e) {
                if (e.statusCode() == 412 || (e.statusCode() == 404 && isNoSuchUpload(e))) {
                    // 412: the key appeared while we uploaded. NoSuchUpload: the SDK retried a
                    // complete that had already succeeded. Either way, same content is success.
                    Head h = head(ok);
                    if (h != null && same.same(h)) {
                        return e.statusCode() != 412; // after a 412 our upload is still open: abort it
                    }
                    if (h != null) {
                        throw exists(key);
                    }
                    throw failure("CompleteMultipartUpload", where(ok), e);
                }
                if (e.statusCode() == 501 && conditional) {
                    // No conditional complete here: we looked before starting; look again and complete.
                    conditionalComplete.set(false);
                    Head h = head(ok);
                    if (h != null) {
                        if (!same.same(h)) {
                            throw exists(key);
                        }
                        return false;
                    }
                    continue;
                }
                throw failure("CompleteMultipartUpload", where(ok), e);
            } catch (SdkException e) {
                throw failure("CompleteMultipartUpload", where(ok), e);
            }
        }
        throw new IOException("CompleteMultipartUpload of " + where(ok) + " did not succeed");
    }

    private static boolean isNoSuchUpload(AwsServiceException e) {
        return e.awsErrorDetails() != null && "NoSuchUpload".equals(e.awsErrorDetails().errorCode());
    }

    private void abort(String ok, String uploadId) {
        try {
            s3.abortMultipartUpload(r -> r.bucket(bucket).key(ok).uploadId(uploadId));
        } catch (SdkException e) {
            LOG.log(Level.WARNING, "could not abort multipart upload of " + where(ok) + " (" + redactor.scrub(
                    e.getMessage()) + "): a lifecycle rule for incomplete uploads will remove its parts");
        }
    }

    /** Whether {@code etag} is the ETag S3 gives our file: plain MD5, or MD5 of part MD5s + "-N". */
    private static boolean localEtagMatches(Path source, long size, int partSize, String etag) throws IOException {
        if (etag == null || etag.isEmpty()) {
            return false;
        }
        int dash = etag.indexOf('-');
        if (dash < 0) {
            if (etag.length() != 32) {
                return false;
            }
            MessageDigest d = md5();
            digestRange(source, 0, size, d, null);
            return HEX.formatHex(d.digest()).equals(etag);
        }
        int n;
        try {
            n = Integer.parseInt(etag.substring(dash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        if (n != (size + partSize - 1) / partSize) {
            return false; // written with another part size: only the bytes can tell
        }
        MessageDigest outer = md5();
        digestRange(source, 0, size, null, new PartDigests(partSize, outer));
        return (HEX.formatHex(outer.digest()) + "-" + n).equals(etag);
    }

    private record PartDigests(int partSize, MessageDigest outer) {
    }

    private static void digestRange(Path source, long from, long size, MessageDigest whole, PartDigests parts)
            throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        MessageDigest part = parts == null ? null : md5();
        long inPart = 0;
        try (FileChannel ch = FileChannel.open(source, StandardOpenOption.READ)) {
            long pos = from;
            while (pos < size) {
                b.clear();
                if (parts != null) {
                    b.limit((int) Math.min(b.capacity(), parts.partSize() - inPart));
                }
                int n = ch.read(b, pos);
                if (n < 0) {
                    throw new EOFException("file " + source + " ended at " + pos + " of " + size);
                }
                b.flip();
                if (whole != null) {
                    whole.update(b.duplicate());
                }
                if (part != null) {
                    part.update(b);
                    inPart += n;
                    if (inPart == parts.partSize()) {
                        parts.outer().update(part.digest());
                        inPart = 0;
                    }
                }
                pos += n;
            }
        }
        if (part != null && inPart > 0) {
            parts.outer().update(part.digest());
        }
    }

    private static void readFully(FileChannel ch, byte[] buf, int len, long pos, Path source) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new EOFException("file " + source + " shrank while being uploaded (ended at "
                        + (pos + b.position()) + ")");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available in this JVM", e);
        }
    }

    private static byte[] md5(byte[] data, int off, int len) {
        MessageDigest d = md5();
        d.update(data, off, len);
        return d.digest();
    }

    private IOException failure(String op, String what, SdkException e) {
        return failure(op, what, e, null);
    }

    /** An IOException naming the operation, the object and the server's answer; never credentials. */
    private IOException failure(String op, String what, SdkException e, String hint) {
        StringBuilder m = new StringBuilder("S3 ").append(op).append(' ').append(what).append(" failed: ");
        if (e instanceof AwsServiceException a) {
            m.append("HTTP ").append(a.statusCode());
            if (a.awsErrorDetails() != null) {
                if (a.awsErrorDetails().errorCode() != null) {
                    m.append(' ').append(a.awsErrorDetails().errorCode());
                }
                if (a.awsErrorDetails().errorMessage() != null) {
                    m.append(": ").append(a.awsErrorDetails().errorMessage());
                }
            }
            if (a.requestId() != null) {
                m.append(" (request id ").append(a.requestId()).append(')');
            }
            if (a.statusCode() == 403) {
                m.append("; check the credentials of the AWS default chain and the bucket policy");
            }
        } else {
            m.append(e.getMessage());
            if (e instanceof SdkClientException && e.getMessage() != null
                    && e.getMessage().contains("Unable to load credentials")) {
                m.append("; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an instance"
                        + " or container role");
            }
        }
        if (hint != null) {
            m.append("; ").append(hint);
        }
        return new IOException(redactor.scrub(m.toString()), redactor.safeCause(e));
    }

    /** For tests: what the redactor would make of a message. */
    String scrubForTest(String s) {
        return redactor.scrub(s);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // nothing useful to do
        }
    }

    @Override
    public void close() {
        s3.close();
        http.close();
        closeQuietly(ownedCredentials);
    }
}
