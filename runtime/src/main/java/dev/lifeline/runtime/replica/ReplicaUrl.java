package dev.lifeline.runtime.replica;

import dev.lifeline.runtime.replica.crypto.EncryptingReplicaClient;
import dev.lifeline.runtime.replica.crypto.EncryptionOption;
import dev.lifeline.runtime.replica.crypto.KeyRing;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Parses a replica URL into a client: a directory path, {@code file:///absolute/path}, or
 * {@code s3://bucket/prefix?endpoint=...&region=...&force-path-style=...&checksum=...}
 * (see {@link dev.lifeline.runtime.replica.s3.S3Url}). The URL option {@code encrypt=true}
 * ({@code file:///abs/path?encrypt=true}, {@code s3://bucket/prefix?encrypt=true}) wraps the client in an
 * {@link EncryptingReplicaClient} with the keys of {@link KeyRing#fromEnvironment}.
 */
public final class ReplicaUrl {

    private ReplicaUrl() {
    }

    public static ReplicaClient open(String url) {
        return open(url, System.getenv());
    }

    /** Like {@link #open(String)}, with the encryption key looked up in {@code env}. */
    public static ReplicaClient open(String url, Map<String, String> env) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("replica URL is empty: give a directory path or file:///abs/path");
        }
        EncryptionOption opt = EncryptionOption.parse(url);
        if (!opt.encrypt()) {
            return openPlain(opt.url());
        }
        KeyRing keys = KeyRing.requireFromEnvironment(env);
        return new EncryptingReplicaClient(openPlain(opt.url()), keys);
    }

    private static ReplicaClient openPlain(String url) {
        int colon = url.indexOf("://");
        if (colon < 0) {
            return new FileReplicaClient(Path.of(url));
        }
        String scheme = url.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        if (scheme.equals("s3")) {
            return dev.lifeline.runtime.replica.s3.S3ReplicaClient.open(url);
        }
        if (scheme.equals("file")) {
            try {
                URI uri = new URI(url);
                if (uri.getPath() == null || uri.getPath().isEmpty()) {
                    throw new IllegalArgumentException("replica URL " + url + " has no path: use file:///abs/path");
                }
                return new FileReplicaClient(Path.of(uri.getPath()));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("replica URL " + url + " is not a valid URL: " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("replica URL scheme '" + scheme + "' is not supported in this build: "
                + "use a directory path, file:///abs/path or s3://bucket/prefix");
    }
}
