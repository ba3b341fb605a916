package dev.lifeline.shim;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/** What sqlite-jdbc's file name says about the database behind a connection. */
final class DatabaseFiles {
    private DatabaseFiles() {
    }

    /**
     * The file behind sqlite-jdbc's {@code fileName} ("x.db", "/abs/x.db", "file:x.db?mode=rw"),
     * or empty for in-memory and temporary databases, which have nothing to replicate.
     */
    static Optional<Path> fileOf(String fileName) {
        if (fileName == null) {
            return Optional.empty();
        }
        String f = fileName.strip();
        if (f.isEmpty() || f.equals(":memory:") || f.contains("mode=memory") || f.startsWith(":resource:")) {
            return Optional.empty();
        }
        if (f.startsWith("file:")) {
            int q = f.indexOf('?');
            String path = q < 0 ? f.substring(5) : f.substring(5, q);
            if (path.startsWith("//")) {
                path = URI.create("file:" + path).getPath();
            }
            f = java.net.URLDecoder.decode(path, java.nio.charset.StandardCharsets.UTF_8);
            if (f.isEmpty() || f.equals(":memory:")) {
                return Optional.empty();
            }
        }
        return Optional.of(Path.of(f).toAbsolutePath().normalize());
    }
}
