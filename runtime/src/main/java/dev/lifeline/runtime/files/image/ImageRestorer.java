package dev.lifeline.runtime.files.image;

import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Writes one root of an image into a target directory. Never outside it: an entry whose path is
 * absolute, empty, has {@code .} or {@code ..} segments, or whose way passes through a symbolic
 * link inside the target is refused, and the restore fails before that entry is written. Each
 * file is written to a temporary name beside it and renamed into place once whole; every chunk is
 * checked against its name ({@link ChunkStore#get}) before a byte of it is written.
 */
public final class ImageRestorer {

    private final ReplicaClient client;

    public ImageRestorer(ReplicaClient client) {
        this.client = client;
    }

    /** The newest image of {@code lineage} whose journal index is at most {@code atMostIndex}. */
    public Optional<ImageManifest> newestAtOrBefore(String lineage, long atMostIndex) throws IOException {
        Long best = null;
        for (ObjectInfo o : client.list(ImageLayout.imagesPrefix(lineage))) {
            Long i = ImageLayout.indexOf(lineage, o.key());
            if (i != null && i <= atMostIndex && (best == null || i > best)) {
                best = i;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        return Optional.of(read(lineage, best));
    }

    public ImageManifest read(String lineage, long index) throws IOException {
        String key = ImageLayout.imageKey(lineage, index);
        ImageManifest m = Json.read(client.getBytes(key), ImageManifest.class);
        if (m.format() != ImageManifest.FORMAT) {
            throw new IOException(key + " has image format " + m.format() + "; this version reads format "
                    + ImageManifest.FORMAT + ": use a newer lifeline");
        }
        return m;
    }

    /** Writes {@code root} (one of the manifest's roots) into {@code target}; returns the files written. */
    public long restore(ImageManifest m, ImageManifest.Root root, Path target) throws IOException {
        ChunkStore chunks = new ChunkStore(client, ChunkNaming.forScheme(m.chunkNaming(), client));
        Path t = target.toAbsolutePath().normalize();
        Files.createDirectories(t);
        long files = 0;
        for (ImageManifest.Entry e : root.entries()) {
            Path p = inside(t, e.path());
            if (ImageManifest.Entry.DIR.equals(e.type())) {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(p);
                }
            } else if (ImageManifest.Entry.FILE.equals(e.type())) {
                writeFile(chunks, e, p);
                files++;
            } else {
                throw new IOException("image entry " + e.path() + " has unknown type '" + e.type() + "'");
            }
        }
        return files;
    }

    private static void writeFile(ChunkStore chunks, ImageManifest.Entry e, Path p) throws IOException {
        Path parent = p.getParent();
        if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(parent);
        }
        Path tmp = parent.resolve("." + p.getFileName() + ".lifeline-restore");
        long written = 0;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
            for (String name : e.chunks()) {
                ByteBuffer b = ByteBuffer.wrap(chunks.get(name));
                while (b.hasRemaining()) {
                    written += ch.write(b);
                }
            }
            if (written != e.size()) {
                throw new IOException("image entry " + e.path() + " records " + e.size() + " bytes but its chunks hold "
                        + written);
            }
        } catch (IOException | RuntimeException x) {
            Files.deleteIfExists(tmp);
            throw x;
        }
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code rel} under {@code target}, or an error naming why it would escape. */
    static Path inside(Path target, String rel) throws IOException {
        if (rel == null || rel.isEmpty() || rel.startsWith("/") || rel.indexOf('\0') >= 0 || rel.indexOf('\\') >= 0) {
            throw new IOException("image entry '" + rel + "' is refused: not a relative path; the manifest is damaged"
                    + " or forged, nothing outside the target is written");
        }
        for (String seg : rel.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IOException("image entry '" + rel + "' is refused: it has a '" + seg + "' segment");
            }
        }
        Path p = target.resolve(rel).normalize();
        if (!p.startsWith(target) || p.equals(target)) {
            throw new IOException("image entry '" + rel + "' is refused: it resolves outside " + target);
        }
        for (Path q = p; q != null && !q.equals(target); q = q.getParent()) {
            if (Files.isSymbolicLink(q)) {
                throw new IOException("image entry '" + rel + "' is refused: a symbolic link on the way (" + q + ")");
            }
        }
        return p;
    }
}
