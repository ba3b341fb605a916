package dev.lifeline.runtime.replica;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A replica in a local (or mounted) directory. Objects are written to a temporary file, fsynced,
 * then published with a hard link, which fails atomically if the key exists: that is what makes
 * them write-once even with two writers.
 */
public final class FileReplicaClient implements ReplicaClient {

    private static final String TMP_SUFFIX = ".lifeline-tmp";

    private final Path root;
    /** Temporary names: unique per process, client and write, with no random source. */
    private final String tmpTag = ProcessHandle.current().pid() + "-" + Integer.toHexString(System.identityHashCode(this));
    private final java.util.concurrent.atomic.AtomicLong tmpCounter = new java.util.concurrent.atomic.AtomicLong();

    public FileReplicaClient(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public String describe() {
        return "file://" + root;
    }

    private Path resolve(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.contains("\\")) {
            throw new IllegalArgumentException("invalid replica key: " + key);
        }
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("replica key escapes the replica root: " + key);
        }
        return p;
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        // A walk can trip over a temporary file that another writer renames away mid-walk.
        for (int attempt = 1; ; attempt++) {
            try {
                return listOnce(prefix);
            } catch (NoSuchFileException e) {
                if (attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    private List<ObjectInfo> listOnce(String prefix) throws IOException {
        // Walk only the deepest directory the prefix names, not the whole replica.
        int slash = prefix.lastIndexOf('/');
        Path dir = slash < 0 ? root : resolve(prefix.substring(0, slash));
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<ObjectInfo> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.forEach(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (!a.isRegularFile()) {
                        return;
                    }
                    String key = root.relativize(p).toString().replace('\\', '/');
                    if (key.startsWith(prefix) && !key.endsWith(TMP_SUFFIX)) {
                        out.add(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
                    }
                } catch (NoSuchFileException gone) {
                    // Deleted by retention while we walked: it is simply not listed.
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        publish(key, ch -> {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }, target -> Arrays.equals(Files.readAllBytes(target), data));
    }

    @Override
    public void putIfAbsent(String key, Path source) throws IOException {
        publish(key, ch -> {
            try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                long size = in.size();
                long pos = 0;
                while (pos < size) {
                    pos += in.transferTo(pos, size - pos, ch);
                }
            }
        }, target -> Files.mismatch(target, source) == -1L);
    }

    private interface Writer {
        void write(FileChannel ch) throws IOException;
    }

    private interface SameContent {
        boolean test(Path existing) throws IOException;
    }

    private void publish(String key, Writer writer, SameContent same) throws IOException {
        Path target = resolve(key);
        Path dir = target.getParent();
        try {
            // Looked at first: for a directory that exists, createDirectories fails and catches an
            // exception inside, which at every object of every pass was a cost worth skipping.
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new IOException("cannot create directory " + dir + " in replica " + describe() + ": " + e, e);
        }
        Path tmp = dir.resolve(target.getFileName() + "." + tmpTag + "-" + tmpCounter.incrementAndGet() + TMP_SUFFIX);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writer.write(ch);
                ch.force(true);
            }
            try {
                Files.createLink(target, tmp);
            } catch (FileAlreadyExistsException e) {
                if (!same.test(target)) {
                    throw new ObjectExistsException("replica object " + key + " already exists in " + describe()
                            + " with different content; another process may be writing to the same replica");
                }
            } catch (UnsupportedOperationException e) {
                Files.move(tmp, target);
            }
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public void checkWritable() throws IOException {
        try {
            Files.createDirectories(root);
            Path probe = Files.createTempFile(root, ".lifeline-probe-", TMP_SUFFIX);
            Files.delete(probe);
        } catch (IOException e) {
            throw new IOException("replica directory " + root + " is not writable (" + e
                    + "): fix its permissions or choose another replica", e);
        }
    }

    @Override
    public InputStream get(String key) throws IOException {
        return Files.newInputStream(resolve(key));
    }

    @Override
    public void delete(String key) throws IOException {
        Path p = resolve(key);
        Files.deleteIfExists(p);
        // Remove directories left empty, up to the root, so retention leaves no litter.
        Path dir = p.getParent();
        while (dir != null && dir.startsWith(root) && !dir.equals(root)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    break;
                }
            } catch (NoSuchFileException e) {
                dir = dir.getParent();
                continue;
            }
            try {
                Files.deleteIfExists(dir);
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                break;
            }
            dir = dir.getParent();
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems cannot fsync a directory; the object itself is already durable.
        }
    }
}
