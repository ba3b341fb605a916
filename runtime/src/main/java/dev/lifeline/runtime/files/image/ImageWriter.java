package dev.lifeline.runtime.files.image;

import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.journal.JournalReader;
import dev.lifeline.runtime.journal.JournalRecord;
import dev.lifeline.runtime.journal.Mutation;
import dev.lifeline.runtime.journal.MutationJournal;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Takes a base image of watched trees while the host keeps writing: a fuzzy copy that the journal
 * makes consistent (ARCHITECTURE.md, "file images").
 *
 * <p>The journal's last index I0 is read before the walk. The journal records a change after the
 * host's system call returned, so every change at or below I0 was on disk before the walk began:
 * each byte the walk reads is at least as new as I0. Files are read while the host may change them;
 * replaying every record after I0 onto the image (tolerant mode of FileTreeReplayer) brings each
 * file to its exact state. The one thing a walk can miss entirely is a file renamed during it from
 * a directory not yet walked into one already walked, or a temporary file renamed over a file
 * the walk had already read: so, after the walk, the target of every rename journaled after I0
 * (and before the walk ended) is imaged again as it is now.
 *
 * <p>The walk never follows symbolic links (links are not imaged) and skips what {@code skip}
 * names (the agent's own state directory, excluded paths). Files are opened without following
 * links.
 */
public final class ImageWriter {

    private final ChunkStore store;
    private final ContentChunker chunker;
    private final Predicate<Path> skip;

    public ImageWriter(ChunkStore store, ContentChunker chunker, Predicate<Path> skip) {
        this.store = store;
        this.chunker = chunker;
        this.skip = skip;
    }

    /** Images {@code roots}; {@code journal} gives I0 and the renames made during the walk. */
    public ImageManifest take(String lineage, List<Path> roots, MutationJournal journal) throws IOException {
        long i0 = journal.lastIndex();
        Instant time = Instant.now();
        List<TreeMap<String, ImageManifest.Entry>> walked = new ArrayList<>();
        for (Path root : roots) {
            TreeMap<String, ImageManifest.Entry> entries = new TreeMap<>();
            walk(root, root, entries);
            walked.add(entries);
        }
        long i1 = journal.lastIndex();
        if (i1 > i0) {
            try (JournalReader reader = journal.reader()) {
                reader.from(i0 + 1).forEach(i1, r -> renamedDuringWalk(r, roots, walked));
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
        }
        List<ImageManifest.Root> out = new ArrayList<>();
        for (int i = 0; i < roots.size(); i++) {
            out.add(new ImageManifest.Root(roots.get(i).toAbsolutePath().normalize().toString(),
                    new ArrayList<>(walked.get(i).values())));
        }
        return new ImageManifest(ImageManifest.FORMAT, lineage, i0, time, store.naming().scheme(), out);
    }

    private void renamedDuringWalk(JournalRecord r, List<Path> roots, List<TreeMap<String, ImageManifest.Entry>> walked) {
        if (!(r.mutation() instanceof Mutation.Rename rn)) {
            return;
        }
        for (int i = 0; i < roots.size(); i++) {
            Path root = roots.get(i).toAbsolutePath().normalize();
            Path to = Path.of(rn.target()).normalize();
            // Imaged again even when the walk saw it: the walk may have read the old file there
            // before the rename while missing the source (read after it was gone).
            if (!to.startsWith(root) || to.equals(root)) {
                continue;
            }
            try {
                for (Path q = to.getParent(); q != null && !q.equals(root); q = q.getParent()) {
                    if (Files.isSymbolicLink(q)) {
                        return;
                    }
                }
                walk(root, to, walked.get(i));
                for (Path q = to.getParent(); q != null && !q.equals(root); q = q.getParent()) {
                    walked.get(i).putIfAbsent(rel(root, q), new ImageManifest.Entry(rel(root, q),
                            ImageManifest.Entry.DIR, 0, List.of()));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static String rel(Path root, Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    private void walk(Path root, Path start, TreeMap<String, ImageManifest.Entry> entries) throws IOException {
        if (!Files.exists(start, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(start, Set.of(), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (skip.test(dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!dir.equals(root)) {
                    String r = rel(root, dir);
                    entries.put(r, new ImageManifest.Entry(r, ImageManifest.Entry.DIR, 0, List.of()));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile() && !skip.test(file)) {
                    ImageManifest.Entry e = file(root, file);
                    if (e != null) {
                        entries.put(e.path(), e);
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE; // deleted during the walk: the journal has the delete
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) {
                    throw exc;
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** The entry of one file, or null if it vanished before it could be opened. */
    private ImageManifest.Entry file(Path root, Path file) throws IOException {
        List<String> chunks = new ArrayList<>();
        long size;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             InputStream in = Channels.newInputStream(ch)) {
            size = chunker.split(in, (b, off, len) -> chunks.add(store.put(b, off, len)));
        } catch (NoSuchFileException e) {
            return null;
        }
        String r = rel(root, file);
        return new ImageManifest.Entry(r, ImageManifest.Entry.FILE, size, chunks);
    }

    /**
     * Stores the manifest (after its chunks, which {@link #take} stored). False when an image
     * with this journal index is already there: nothing was journaled since it.
     */
    public static boolean store(ReplicaClient client, ImageManifest m) throws IOException {
        try {
            client.putIfAbsent(ImageLayout.imageKey(m.lineage(), m.journalIndex()), Json.write(m));
            return true;
        } catch (ReplicaClient.ObjectExistsException e) {
            return false;
        }
    }
}
