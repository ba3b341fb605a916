package dev.lifeline.runtime.ship;

import dev.lifeline.runtime.format.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A local, durable, bounded queue of what must reach every replica, in order. The replicator
 * appends; each replica's uploader reads from its own cursor. Because an entry is on local disk
 * (fsynced) before the replicator moves on, a replica that is down for a while loses nothing and
 * sees no gap: it drains the backlog in order when it returns. Entries every replica has are
 * deleted.
 *
 * <p>Layout: {@code entries/<16-hex seq>/} holds the objects ({@code 0.obj}, ...) and a
 * {@code manifest.json} (a {@link SpoolEntry}); an entry directory is renamed into place only when
 * complete. {@code cursors/<replica id>} holds the last sequence that replica has stored.
 */
public final class SegmentSpool {

    private final Path dir;
    private final Path entries;
    private final Path cursors;
    private final long limitBytes;
    private long bytes;
    private long lastSeq;
    /** Cursors as last written: read on every store, so kept in memory too. */
    private final java.util.Map<String, Long> cursorCache = new java.util.HashMap<>();

    public SegmentSpool(Path dir, long limitBytes) throws IOException {
        this.dir = dir;
        this.entries = dir.resolve("entries");
        this.cursors = dir.resolve("cursors");
        this.limitBytes = limitBytes;
        Files.createDirectories(entries);
        Files.createDirectories(cursors);
        recover();
    }

    /**
     * Drops half-written entries, measures what is queued and finds the high-water mark.
     *
     * <p>Sequence numbers are never reused, across reopens too: the cursors outlive the entries
     * they point at ({@link #collect} deletes what every replica has stored, the cursors stay).
     * Were numbering to restart after the spool had been emptied, new entries would sit at or
     * below the cursors: a replica that falls behind would never be sent them ({@link #after}
     * skips them), would not count as behind, {@link #collect} would delete them at once, and a
     * durable commit would count them as stored. Every number ever used is either still an entry
     * or at most every cursor of the time it was collected, so the mark is the largest of both.
     */
    private void recover() throws IOException {
        try (Stream<Path> s = Files.list(entries)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(".tmp-")) {
                    deleteTree(p);
                } else {
                    lastSeq = Math.max(lastSeq, Long.parseUnsignedLong(n, 16));
                    bytes += treeSize(p);
                }
            }
        }
        try (Stream<Path> s = Files.list(cursors)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.endsWith(".tmp")) {
                    lastSeq = Math.max(lastSeq, cursor(n));
                }
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public synchronized long bytes() {
        return bytes;
    }

    public long limitBytes() {
        return limitBytes;
    }

    /** Whether the backlog has reached its limit: the replicator then stops taking new work. */
    public synchronized boolean full() {
        return bytes >= limitBytes;
    }

    public synchronized long lastSeq() {
        return lastSeq;
    }

    /** Appends an entry durably; large objects given as files are moved in, not copied. */
    public SpoolEntry append(String generation, long txid, String segmentMetaKey, List<PendingObject> objects)
            throws IOException {
        long seq;
        synchronized (this) {
            seq = lastSeq + 1;
        }
        String name = String.format("%016x", seq);
        Path tmp = entries.resolve(".tmp-" + name);
        deleteTree(tmp);
        Files.createDirectories(tmp);
        List<SpoolObject> listed = new ArrayList<>();
        long size = 0;
        try {
            for (int i = 0; i < objects.size(); i++) {
                PendingObject o = objects.get(i);
                String file = i + ".obj";
                Path target = tmp.resolve(file);
                if (o.file() != null) {
                    move(o.file(), target);
                } else {
                    write(target, o.bytes());
                }
                fsync(target);
                long n = Files.size(target);
                size += n;
                listed.add(new SpoolObject(o.key(), file, n));
            }
            SpoolEntry entry = new SpoolEntry(1, seq, generation, txid, segmentMetaKey, List.copyOf(listed));
            byte[] manifest = Json.write(entry);
            write(tmp.resolve("manifest.json"), manifest);
            fsync(tmp.resolve("manifest.json"));
            size += manifest.length;
            fsync(tmp);
            move(tmp, entries.resolve(name));
            fsync(entries);
            synchronized (this) {
                lastSeq = seq;
                bytes += size;
            }
            return entry;
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /** Up to {@code max} complete entries after {@code seq}, in order. */
    public List<SpoolEntry> after(long seq, int max) throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(entries)) {
            dirs = s.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> Long.parseUnsignedLong(p.getFileName().toString(), 16) > seq)
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .limit(max)
                    .toList();
        }
        List<SpoolEntry> out = new ArrayList<>();
        for (Path d : dirs) {
            out.add(Json.read(Files.readAllBytes(d.resolve("manifest.json")), SpoolEntry.class));
        }
        return out;
    }

    /** The newest entry that carries a segment, if the spool holds any. */
    public Optional<SpoolEntry> newestSegmentEntry() throws IOException {
        List<SpoolEntry> all = after(0, Integer.MAX_VALUE);
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).segmentMetaKey() != null) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    private Path entryDir(long seq) {
        return entries.resolve(String.format("%016x", seq));
    }

    public Path file(SpoolEntry e, SpoolObject o) {
        return entryDir(e.seq()).resolve(o.file());
    }

    public byte[] read(SpoolEntry e, String key) throws IOException {
        for (SpoolObject o : e.objects()) {
            if (o.key().equals(key)) {
                return Files.readAllBytes(file(e, o));
            }
        }
        throw new NoSuchFileException(key + " in spool entry " + e.seq());
    }

    /**
     * Makes {@code id} one of the replicas this spool serves (call once per replica before it is
     * used). A replica can be served from the spool only if the spool still holds every entry
     * after its cursor. One without a cursor (added to the configuration) or with an old one
     * (configured again after the others' entries were collected) may find some gone: then nothing
     * here can bring it up to date, so its cursor moves to the high-water mark. It then counts as
     * up to date as far as the spool knows, and the replicator judges it by what the replica
     * itself holds (a new generation when it misses part of the current one) instead of draining
     * it entries that would leave a gap.
     */
    public synchronized void admit(String id) throws IOException {
        long c = cursor(id);
        // The entries held are one run ending at the mark (appended in order, collected from the
        // oldest), so holding the one right after the cursor means holding all it misses.
        if (c < lastSeq && !Files.isDirectory(entryDir(c + 1))) {
            advance(id, lastSeq);
        }
    }

    /** The last sequence replica {@code id} has stored (0: none yet). */
    public synchronized long cursor(String id) throws IOException {
        Long cached = cursorCache.get(id);
        if (cached != null) {
            return cached;
        }
        long c;
        try {
            c = Long.parseLong(Files.readString(cursors.resolve(id)).trim());
        } catch (NoSuchFileException e) {
            c = 0;
        }
        cursorCache.put(id, c);
        return c;
    }

    /** Moves a replica's cursor forward (never back: an inline store and a drain may race). */
    public synchronized void advance(String id, long seq) throws IOException {
        if (seq <= cursor(id)) {
            return;
        }
        Path tmp = cursors.resolve(id + ".tmp");
        write(tmp, Long.toString(seq).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        fsync(tmp);
        move(tmp, cursors.resolve(id));
        cursorCache.put(id, seq);
    }

    /** Deletes every entry all of {@code ids} have stored. */
    public synchronized void collect(Collection<String> ids) throws IOException {
        long min = Long.MAX_VALUE;
        for (String id : ids) {
            min = Math.min(min, cursor(id));
        }
        if (min == Long.MAX_VALUE || min == 0) {
            return;
        }
        try (Stream<Path> s = Files.list(entries)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && Long.parseUnsignedLong(n, 16) <= min) {
                    bytes -= treeSize(p);
                    deleteTree(p);
                }
            }
        }
    }

    private static void write(Path p, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void fsync(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Directories cannot be fsynced on every file system; the files themselves are.
        }
    }

    private static long treeSize(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
