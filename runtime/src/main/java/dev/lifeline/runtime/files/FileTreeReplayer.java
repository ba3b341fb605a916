package dev.lifeline.runtime.files;

import dev.lifeline.runtime.journal.JournalReader;
import dev.lifeline.runtime.journal.JournalRecord;
import dev.lifeline.runtime.journal.Mutation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Rebuilds one watched directory tree from the mutation journal, up to a journal index, into a
 * target directory: each record about a path under {@code sourceRoot} is applied to the same
 * relative path under {@code target}, in journal order.
 *
 * <p>Nothing is ever written outside {@code target}: a record whose path, relative to the root,
 * is absolute or not normalized ({@code ..}, {@code .}), or whose way into the target passes
 * through a symbolic link (the target directory itself excepted), is refused and reported; files
 * are opened with {@link LinkOption#NOFOLLOW_LINKS}. A replay into a fresh directory of the
 * whole journal since the tree was empty reproduces it byte for byte (what the journal cannot
 * know, such as the content of a file moved in from outside the root, is reported).
 *
 * <p>Two modes. Strict (the constructor), for a replay from an empty tree: every record is applied
 * as it is. Tolerant ({@link #tolerant}), for a replay onto a base image taken while the host was
 * writing (ARCHITECTURE.md, "file images"): the records after the image's index are applied onto
 * files that may already show some of them, so only idempotent effects are kept. Writes at an
 * offset, set-length and truncate are idempotent as they are; a write, append, set-length or
 * truncate of a file that does not exist is skipped (the file was deleted or renamed away later,
 * and the image shows that later state; a file created during the replay exists); a rename whose
 * source is missing is skipped (the image already has it under its new name); a delete of a
 * missing path and a mkdir of an existing directory are no-ops in both modes. An append recorded
 * without an offset is not idempotent: it is applied and reported as a problem.
 */
public final class FileTreeReplayer {

    private static final Set<OpenOption> WRITE = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
            LinkOption.NOFOLLOW_LINKS);

    private final String root;
    private final Path target;
    private final List<String> refused = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private long applied;
    private long skipped;
    private long lastIndex = -1;
    private boolean tolerant;
    private long tolerated;

    /**
     * @param sourceRoot the watched root the records were made under (absolute)
     * @param target     the directory to rebuild it in (created if absent)
     */
    public FileTreeReplayer(Path sourceRoot, Path target) {
        if (!sourceRoot.isAbsolute()) {
            throw new IllegalArgumentException("the source root must be absolute: " + sourceRoot);
        }
        this.root = sourceRoot.normalize().toString();
        this.target = target.toAbsolutePath().normalize();
    }

    /** A replayer in tolerant mode: for replaying the records after a base image onto it (see above). */
    public static FileTreeReplayer tolerant(Path sourceRoot, Path target) {
        FileTreeReplayer r = new FileTreeReplayer(sourceRoot, target);
        r.tolerant = true;
        return r;
    }

    /** Records a tolerant replay skipped because they no longer apply (their file is gone, ...). */
    public long tolerated() {
        return tolerated;
    }

    /** Replays the records from {@code reader}'s position up to {@code toIndex} (inclusive). */
    public ReplayResult replay(JournalReader reader, long toIndex) {
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + target, e);
        }
        reader.forEach(toIndex, this::apply);
        return result();
    }

    /** Replays {@code records} in order (those after {@code toIndex} are ignored). */
    public ReplayResult replay(Iterable<JournalRecord> records, long toIndex) {
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + target, e);
        }
        for (JournalRecord r : records) {
            if (r.index() > toIndex) {
                break;
            }
            apply(r);
        }
        return result();
    }

    private ReplayResult result() {
        return new ReplayResult(applied, skipped, lastIndex, refused, problems);
    }

    /** Applies one record. */
    public void apply(JournalRecord r) {
        lastIndex = r.index();
        Mutation m = r.mutation();
        try {
            if (m instanceof Mutation.Rename rn) {
                rename(r, rn);
                return;
            }
            String rel = relative(m.path());
            if (rel == null) {
                skipped++;
                return;
            }
            Path p = inside(r, rel);
            if (p == null) {
                return;
            }
            if (tolerant && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)
                    && (m instanceof Mutation.Write || m instanceof Mutation.Append || m instanceof Mutation.SetLength
                    || m instanceof Mutation.Truncate)) {
                // Deleted or renamed away later: the image shows that later state.
                tolerated++;
                return;
            }
            if (tolerant && m instanceof Mutation.Append) {
                problems.add(describe(r) + ": an append without an offset replayed onto an image may repeat bytes"
                        + " the image already has");
            }
            applyTo(p, m);
            applied++;
        } catch (IOException e) {
            problems.add(describe(r) + ": " + e);
        }
    }

    private void applyTo(Path p, Mutation m) throws IOException {
        if (m instanceof Mutation.Write w) {
            ensureParent(p);
            try (FileChannel ch = FileChannel.open(p, WRITE)) {
                writeFully(ch, ByteBuffer.wrap(w.data()), w.offset());
            }
        } else if (m instanceof Mutation.Append a) {
            ensureParent(p);
            try (FileChannel ch = FileChannel.open(p, WRITE)) {
                writeFully(ch, ByteBuffer.wrap(a.data()), ch.size());
            }
        } else if (m instanceof Mutation.SetLength s) {
            ensureParent(p);
            try (FileChannel ch = FileChannel.open(p, WRITE)) {
                if (ch.size() > s.length()) {
                    ch.truncate(s.length());
                } else if (ch.size() < s.length()) {
                    writeFully(ch, ByteBuffer.wrap(new byte[1]), s.length() - 1);
                }
            }
        } else if (m instanceof Mutation.Truncate t) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    if (ch.size() > t.length()) {
                        ch.truncate(t.length());
                    }
                }
            }
        } else if (m instanceof Mutation.Create c) {
            ensureParent(p);
            try (FileChannel ch = FileChannel.open(p, WRITE)) {
                if (c.truncate()) {
                    ch.truncate(0);
                }
            }
        } else if (m instanceof Mutation.Delete) {
            try {
                Files.deleteIfExists(p);
            } catch (DirectoryNotEmptyException e) {
                throw new IOException("the directory is not empty in the replayed tree", e);
            }
        } else if (m instanceof Mutation.Mkdir) {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(p);
            }
        } else if (m instanceof Mutation.Force) {
            // Durability of the replayed tree is the caller's business; nothing to reproduce.
        } else {
            throw new IOException("unknown mutation " + m);
        }
    }

    private void rename(JournalRecord r, Mutation.Rename rn) throws IOException {
        String fromRel = relative(rn.path());
        String toRel = relative(rn.target());
        if (fromRel == null && toRel == null) {
            skipped++;
            return;
        }
        Path from = fromRel == null ? null : inside(r, fromRel);
        Path to = toRel == null ? null : inside(r, toRel);
        if ((fromRel != null && from == null) || (toRel != null && to == null)) {
            return;
        }
        if (to == null) {
            // Moved out of the tree: gone from it.
            deleteTree(from);
        } else if (from == null) {
            problems.add(describe(r) + ": moved in from outside " + root + "; the journal does not have its content");
            Files.deleteIfExists(to);
        } else if (tolerant && !Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
            // Renamed during the image's walk: the image has it under its new name already.
            tolerated++;
            return;
        } else if (Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
            ensureParent(to);
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        } else {
            problems.add(describe(r) + ": the source does not exist in the replayed tree");
        }
        applied++;
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (var s = Files.list(p)) {
                for (Path c : s.toList()) {
                    deleteTree(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
    }

    private void ensureParent(Path p) throws IOException {
        Path parent = p.getParent();
        if (parent != null && !Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(parent);
        }
    }

    /** {@code path} relative to the root, or null if it is not under it (the root itself included). */
    private String relative(String path) {
        if (path.length() > root.length() + 1 && path.startsWith(root) && path.charAt(root.length()) == '/') {
            return path.substring(root.length() + 1);
        }
        if (root.equals("/") && path.length() > 1 && path.startsWith("/")) {
            return path.substring(1);
        }
        return null;
    }

    /**
     * The target path for {@code rel}, or null (and the record refused) if it would escape the
     * target: absolute, empty or non-normalized segments, or a symbolic link on the way.
     */
    private Path inside(JournalRecord r, String rel) {
        if (rel.startsWith("/") || rel.contains("\0")) {
            return refuse(r, "an absolute path");
        }
        for (String seg : rel.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                return refuse(r, "a path with '" + seg + "' segments");
            }
        }
        Path p = target.resolve(rel).normalize();
        if (!p.startsWith(target) || p.equals(target)) {
            return refuse(r, "a path outside the target");
        }
        for (Path q = p; q != null && !q.equals(target); q = q.getParent()) {
            if (Files.isSymbolicLink(q)) {
                return refuse(r, "a symbolic link on the way (" + q + ")");
            }
        }
        return p;
    }

    private Path refuse(JournalRecord r, String why) {
        refused.add(describe(r) + ": refused, " + why);
        return null;
    }

    private static String describe(JournalRecord r) {
        return "record " + Long.toHexString(r.index()) + " " + r.mutation();
    }
}
