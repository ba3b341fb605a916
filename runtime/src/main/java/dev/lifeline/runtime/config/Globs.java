package dev.lifeline.runtime.config;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The configuration's globs: java.nio {@code glob:} patterns matched against absolute paths. */
final class Globs {

    private static final Map<String, PathMatcher> CACHE = new ConcurrentHashMap<>();

    private Globs() {
    }

    /**
     * Compiles {@code glob}.
     *
     * @throws java.util.regex.PatternSyntaxException the glob is malformed
     */
    static PathMatcher matcher(String glob) {
        PathMatcher m = CACHE.get(glob);
        if (m == null) {
            m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            CACHE.put(glob, m);
        }
        return m;
    }

    /** Whether any of {@code globs} matches the absolute path {@code p}. */
    static boolean any(List<String> globs, Path p) {
        for (String g : globs) {
            if (matcher(g).matches(p)) {
                return true;
            }
        }
        return false;
    }

    /** Why {@code glob} can never match an absolute path, or null if it can. */
    static String neverMatches(String glob) {
        if (glob.startsWith("/") || glob.startsWith("**") || glob.startsWith("{")) {
            return null;
        }
        return "a glob is matched against a database's absolute path, so it must start with '/' or '**'"
                + " (e.g. /data/*.db, /data/**.db or **/cache.db)";
    }
}
