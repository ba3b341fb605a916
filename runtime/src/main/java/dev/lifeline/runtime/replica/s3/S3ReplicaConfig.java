package dev.lifeline.runtime.replica.s3;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how an S3 replica is reached. Holds no credentials: those always come from the AWS SDK's
 * default chain (environment, system properties, profile, container or instance role).
 *
 * @param bucket             the bucket
 * @param prefix             the replica root inside the bucket, without leading or trailing '/'
 *                           ("" for the bucket root); objects live under {@code prefix/} exactly
 *                           where Litestream's {@code path:} puts them
 * @param endpoint           an S3-compatible server (MinIO, Ceph, R2, S3Proxy...), or null for AWS
 * @param region             the signing region, or null for the SDK's default region chain
 * @param forcePathStyle     {@code http://host/bucket/key} instead of {@code http://bucket.host/key}
 * @param checksum           when the SDK adds its own request checksums and validates response ones
 *                           (Content-MD5 is always sent by this client on uploads)
 * @param multipartThreshold files larger than this are uploaded in parts
 * @param partSize           the size of one part (at least 5 MiB; raised for files over 10,000 parts)
 * @param maxAttempts        attempts per request, first one included, of the SDK's standard retry
 *                           strategy (exponential backoff with full jitter)
 * @param connectTimeout     TCP connect timeout
 * @param socketTimeout      longest wait for bytes on an open connection
 */
public record S3ReplicaConfig(String bucket, String prefix, URI endpoint, String region, boolean forcePathStyle,
                              ChecksumMode checksum, long multipartThreshold, int partSize, int maxAttempts,
                              Duration connectTimeout, Duration socketTimeout) {

    /** S3's smallest part (all parts but the last). */
    public static final int MIN_PART_SIZE = 5 << 20;
    /** S3's largest part number. */
    public static final int MAX_PARTS = 10_000;
    public static final long DEFAULT_MULTIPART_THRESHOLD = 16L << 20;
    public static final int DEFAULT_PART_SIZE = 8 << 20;
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(60);

    /** The SDK's {@code requestChecksumCalculation} / {@code responseChecksumValidation}. */
    public enum ChecksumMode {
        /** The SDK's default: CRC32 trailers on uploads; rejected by some S3-compatible servers. */
        WHEN_SUPPORTED,
        /** Only where the operation requires one; what MinIO, Ceph, R2 and GCS accept. */
        WHEN_REQUIRED
    }

    public S3ReplicaConfig {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(socketTimeout, "socketTimeout");
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("bucket is empty");
        }
        if (prefix.startsWith("/") || prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix '" + prefix + "' must not start or end with '/'");
        }
        if (endpoint != null && endpoint.getUserInfo() != null) {
            throw new IllegalArgumentException("endpoint must not contain user info (credentials): "
                    + "credentials come from the AWS default chain");
        }
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("partSize " + partSize + " is below S3's minimum of " + MIN_PART_SIZE);
        }
        if (multipartThreshold < 1) {
            throw new IllegalArgumentException("multipartThreshold must be positive: " + multipartThreshold);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
        }
    }

    /**
     * Defaults for a bucket: with an endpoint (an S3-compatible server), path-style addressing and
     * checksums only when required, as those servers expect; for AWS, the SDK's defaults.
     */
    public static S3ReplicaConfig of(String bucket, String prefix, URI endpoint) {
        return new S3ReplicaConfig(bucket, prefix, endpoint, null, endpoint != null,
                endpoint != null ? ChecksumMode.WHEN_REQUIRED : ChecksumMode.WHEN_SUPPORTED,
                DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE, DEFAULT_MAX_ATTEMPTS,
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT);
    }

    /** The region the client signs for: the configured one, us-east-1 for an endpoint, else null (SDK chain). */
    public String effectiveRegion() {
        if (region != null) {
            return region;
        }
        return endpoint != null ? "us-east-1" : null;
    }

    /** {@code s3://bucket/prefix (endpoint http://...)}: never contains credentials. */
    public String describe() {
        String s = "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
        return endpoint == null ? s : s + " (endpoint " + endpoint + ")";
    }

    public S3ReplicaConfig withRegion(String r) {
        return new S3ReplicaConfig(bucket, prefix, endpoint, r, forcePathStyle, checksum, multipartThreshold,
                partSize, maxAttempts, connectTimeout, socketTimeout);
    }

    public S3ReplicaConfig withForcePathStyle(boolean b) {
        return new S3ReplicaConfig(bucket, prefix, endpoint, region, b, checksum, multipartThreshold,
                partSize, maxAttempts, connectTimeout, socketTimeout);
    }

    public S3ReplicaConfig withChecksum(ChecksumMode c) {
        return new S3ReplicaConfig(bucket, prefix, endpoint, region, forcePathStyle, c, multipartThreshold,
                partSize, maxAttempts, connectTimeout, socketTimeout);
    }

    public S3ReplicaConfig withMultipart(long threshold, int part) {
        return new S3ReplicaConfig(bucket, prefix, endpoint, region, forcePathStyle, checksum, threshold,
                part, maxAttempts, connectTimeout, socketTimeout);
    }

    public S3ReplicaConfig withMaxAttempts(int n) {
        return new S3ReplicaConfig(bucket, prefix, endpoint, region, forcePathStyle, checksum, multipartThreshold,
                partSize, n, connectTimeout, socketTimeout);
    }

    public S3ReplicaConfig withTimeouts(Duration connect, Duration socket) {
        return new S3ReplicaConfig(bucket, prefix, endpoint, region, forcePathStyle, checksum, multipartThreshold,
                partSize, maxAttempts, connect, socket);
    }

    @Override
    public String toString() {
        return "S3ReplicaConfig[" + describe() + ", region=" + region + ", forcePathStyle=" + forcePathStyle
                + ", checksum=" + checksum + ", multipartThreshold=" + multipartThreshold + ", partSize=" + partSize
                + ", maxAttempts=" + maxAttempts + "]";
    }
}
