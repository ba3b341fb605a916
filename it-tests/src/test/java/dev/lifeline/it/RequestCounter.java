package dev.lifeline.it;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Counts, on the server side, what an in-process S3Proxy's blob store is asked to do: each call by
 * S3 request class (one store call per S3 request: {@code PUT} for object writes and the steps of a
 * multipart upload, {@code LIST}, {@code GET}, {@code HEAD}, {@code DELETE}) and the bytes of every
 * object body written, by kind of key (WAL segment, snapshot, other). The same numbers for any
 * client, in this JVM or another process, Lifeline or Litestream.
 */
public final class RequestCounter {

    private static final Set<String> PUT = Set.of("putBlob", "initiateMultipartUpload", "uploadMultipartPart",
            "completeMultipartUpload", "copyBlob", "copyMultipartPart");
    private static final Set<String> LIST = Set.of("list", "listV1");
    private static final Set<String> GET = Set.of("getBlob");
    private static final Set<String> HEAD = Set.of("blobMetadata", "blobMetadataIfPresent", "headBucket");
    private static final Set<String> DELETE = Set.of("removeBlob", "removeBlobs");

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    BlobStore wrap(BlobStore store) {
        return (BlobStore) Proxy.newProxyInstance(BlobStore.class.getClassLoader(), new Class<?>[] {BlobStore.class},
                (proxy, method, args) -> {
                    String name = method.getName();
                    String cls = PUT.contains(name) ? "PUT" : LIST.contains(name) && args != null && args.length == 1
                            ? "LIST" : GET.contains(name) ? "GET" : HEAD.contains(name) ? "HEAD"
                            : DELETE.contains(name) ? "DELETE" : null;
                    if (cls != null) {
                        add(cls, 1);
                    }
                    if (args != null) {
                        String key = key(args);
                        for (int i = 0; i < args.length; i++) {
                            if (args[i] instanceof InputStream in) {
                                args[i] = counting(in, "bytes." + kind(key));
                            }
                        }
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static String key(Object[] args) {
        for (Object a : args) {
            if (a instanceof PutObjectRequest p) {
                return p.key();
            }
            if (a instanceof UploadPartRequest u) {
                return u.key();
            }
        }
        return "";
    }

    private static String kind(String key) {
        if (key.endsWith(".wal.lz4")) {
            return "walSegments";
        }
        if (key.endsWith(".snapshot.lz4")) {
            return "snapshots";
        }
        return "other";
    }

    private InputStream counting(InputStream in, String counter) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    add(counter, 1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    add(counter, n);
                }
                return n;
            }
        };
    }

    private void add(String name, long n) {
        counts.computeIfAbsent(name, k -> new LongAdder()).add(n);
    }

    /** Everything counted so far: PUT, LIST, GET, HEAD, DELETE, bytes.walSegments, bytes.snapshots, bytes.other. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        counts.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** {@code after - before}, key by key. */
    public static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> m = new TreeMap<>();
        after.forEach((k, v) -> m.put(k, v - before.getOrDefault(k, 0L)));
        return m;
    }
}
