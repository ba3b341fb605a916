package dev.lifeline.runtime.catalog;

import dev.lifeline.runtime.format.Chain;
import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Names each database of a shared replica: its sub-prefix {@code <base><name>/}. The name is the
 * database's file name made safe for object keys; when another database (another source path)
 * already holds that name, it is the name of the directory holding the file and the file name
 * ({@code tenant-002-agent.db}: apps often keep one {@code agent.db} per tenant directory), and
 * when that is held too, the file name with the first hex digits of the SHA-256 of the path. The
 * name is recorded in a write-once {@link DatabaseMarker}, so the same database gets the same
 * name on every start.
 */
public final class DatabaseNames {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.catalog");

    private DatabaseNames() {
    }

    /**
     * The sub-prefix name of database {@code db} in the replica (without the trailing '/'),
     * writing its marker if it has none yet.
     *
     * @throws IOException when the replica cannot be read or written, or every candidate name is
     *                     held by another database
     */
    public static String assign(ReplicaClient client, String basePrefix, Path db) throws IOException {
        String path = sourcePath(db);
        List<String> candidates = candidates(db, path);
        // A name this database already holds wins, even if an earlier candidate became free since.
        List<String> free = new ArrayList<>();
        for (String name : candidates) {
            Holder h = holder(client, basePrefix, name, path);
            if (h == Holder.US) {
                return name;
            }
            if (h == Holder.NOBODY) {
                free.add(name);
            }
        }
        for (String name : free) {
            DatabaseMarker mine = new DatabaseMarker(DatabaseMarker.FORMAT, name, path, hostName(), Instant.now());
            try {
                client.putIfAbsent(DatabaseCatalog.markerKey(basePrefix, name), Json.write(mine));
                LOG.log(Level.INFO, "{0} is named {1} in {2}", path, name, client.describe());
                return name;
            } catch (ReplicaClient.ObjectExistsException e) {
                // Another writer took the name meanwhile: it may be this database (another process
                // of ours) or a different one.
                if (holder(client, basePrefix, name, path) == Holder.US) {
                    return name;
                }
            }
        }
        throw new IOException("cannot name " + path + " in " + client.describe() + ": the names " + candidates
                + " are all held by other databases");
    }

    /**
     * The names to try, in order: the safe file name; {@code <directory>-<file name>}, made safe
     * (none for a file at the root); then the safe file name with 8 and 16 hex digits of the hash
     * of {@code path}, the database's identity.
     */
    static List<String> candidates(Path db, String path) {
        String fileName = db.getFileName() == null ? "" : db.getFileName().toString();
        String name = safe(fileName);
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        out.add(name);
        Path parent = db.toAbsolutePath().normalize().getParent();
        if (parent != null && parent.getFileName() != null) {
            out.add(safe(parent.getFileName() + "-" + fileName));
        }
        byte[] utf8 = path.getBytes(StandardCharsets.UTF_8);
        String hash = Chain.sha256Hex(utf8, 0, utf8.length);
        out.add(name + "-" + hash.substring(0, 8));
        out.add(name + "-" + hash.substring(0, 16));
        return List.copyOf(out);
    }

    /** A file name made safe for object keys: [A-Za-z0-9._-], anything else becomes '_'. */
    public static String safe(String fileName) {
        String s = fileName.replaceAll("[^A-Za-z0-9._-]", "_");
        if (s.isEmpty() || s.matches("\\.+")) {
            // "", "." and ".." would make keys that resolve to another directory.
            s = "_" + s;
        }
        return s;
    }

    /** The database's identity: its absolute path, symbolic links resolved when it exists. */
    static String sourcePath(Path db) {
        Path abs = db.toAbsolutePath().normalize();
        try {
            return abs.toRealPath().toString();
        } catch (IOException e) {
            return abs.toString();
        }
    }

    private enum Holder { NOBODY, US, OTHER }

    private static Holder holder(ReplicaClient client, String basePrefix, String name, String path)
            throws IOException {
        byte[] json;
        try {
            json = client.getBytes(DatabaseCatalog.markerKey(basePrefix, name));
        } catch (NoSuchFileException e) {
            return Holder.NOBODY;
        }
        try {
            return DatabaseCatalog.parse(json).path().equals(path) ? Holder.US : Holder.OTHER;
        } catch (IOException | RuntimeException e) {
            // A marker we cannot read is never overwritten (objects are write-once): the name is taken.
            LOG.log(Level.WARNING, "database marker for {0} in {1} is unreadable; the name is treated as taken: {2}",
                    name, client.describe(), e.getMessage());
            return Holder.OTHER;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
