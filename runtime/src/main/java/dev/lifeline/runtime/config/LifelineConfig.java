package dev.lifeline.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything the in-process engine (the {@code -javaagent} or the {@code jdbc:lifeline:} driver)
 * is told, after merging its sources. {@code ConfigLoader} builds it from the agent argument,
 * {@code lifeline.*} system properties, {@code LIFELINE_*} environment variables and a YAML file,
 * in that order of precedence; see docs/CONFIGURATION.md.
 *
 * @param enabled             false turns the agent into a no-op (it logs that it is disabled)
 * @param stateDir            the agent's own state: spools, the embedded default replica, the journal
 * @param replicas            replica URLs for every discovered database (each database under its own
 *                            sub-prefix); empty means the embedded default, {@code <stateDir>/replica}
 * @param include             globs on a database's absolute path; empty means every database
 * @param exclude             globs on a database's absolute path; an excluded database is not touched
 * @param durable             globs naming the databases whose commits wait for every replica
 * @param durableTimeout      how long a durable commit waits for the replicas
 * @param durableOnTimeout    what a durable commit does when the wait times out
 * @param convertToWal        whether a database in rollback-journal mode may be switched to WAL
 * @param pollInterval        the fallback look at the WAL when no commit was seen (commits wake it at once)
 * @param minCheckpointFrames shipped frames after which a PASSIVE checkpoint runs
 * @param maxCheckpointFrames WAL frames after which a RESTART checkpoint restarts the WAL
 * @param snapshotInterval    age of the newest snapshot after which a new one is taken
 * @param retention           how far back every point stays restorable (null keeps everything)
 * @param databases           databases named explicitly (YAML {@code dbs:}), with their own settings
 * @param source              where each value came from, for the start-up banner (never holds secrets)
 * @param watch               memory-file roots: directories whose files' mutations are journaled (absolute,
 *                            normalized); empty means no file is watched
 * @param watchInclude        globs on a file's absolute path; when given, only matching files under
 *                            {@link #watch} are journaled
 * @param watchExclude        globs on a file's absolute path; a matching file is not journaled
 * @param syncInterval        the least time between two shipping passes of a database busy alone; busy
 *                            databases share one budget (N busy: N × this each, at most 1 s); zero
 *                            ships every commit at once
 */
public record LifelineConfig(boolean enabled, Path stateDir, List<String> replicas, List<String> include,
                             List<String> exclude, List<String> durable, Duration durableTimeout,
                             DurableTimeoutAction durableOnTimeout, boolean convertToWal, Duration pollInterval,
                             long minCheckpointFrames, long maxCheckpointFrames, Duration snapshotInterval,
                             Duration retention, List<DatabaseConfig> databases, List<String> source,
                             List<Path> watch, List<String> watchInclude, List<String> watchExclude,
                             Duration syncInterval) {

    /** The default {@link #syncInterval}. */
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofMillis(25);

    public LifelineConfig {
        replicas = List.copyOf(replicas);
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
        durable = List.copyOf(durable);
        databases = List.copyOf(databases);
        source = List.copyOf(source);
        watch = List.copyOf(watch);
        watchInclude = List.copyOf(watchInclude);
        watchExclude = List.copyOf(watchExclude);
    }

    /** Without memory-file settings: no file is watched. */
    public LifelineConfig(boolean enabled, Path stateDir, List<String> replicas, List<String> include,
                          List<String> exclude, List<String> durable, Duration durableTimeout,
                          DurableTimeoutAction durableOnTimeout, boolean convertToWal, Duration pollInterval,
                          long minCheckpointFrames, long maxCheckpointFrames, Duration snapshotInterval,
                          Duration retention, List<DatabaseConfig> databases, List<String> source) {
        this(enabled, stateDir, replicas, include, exclude, durable, durableTimeout, durableOnTimeout, convertToWal,
                pollInterval, minCheckpointFrames, maxCheckpointFrames, snapshotInterval, retention, databases, source,
                List.of(), List.of(), List.of(), DEFAULT_SYNC_INTERVAL);
    }

    /** What a durable commit does when the replicas do not confirm it in time. */
    public enum DurableTimeoutAction {
        /** The commit call throws an SQLException saying the data is committed locally but not replicated. */
        FAIL,
        /** The commit returns normally; the timeout is logged and counted in the status. */
        CONTINUE
    }

    /**
     * One database named in the YAML file.
     *
     * @param path     the database file
     * @param name     its sub-prefix in a shared replica (null: derived from the file name)
     * @param replicas replica URLs for this database alone (empty: the global ones)
     * @param durable  whether its commits wait for every replica (null: the global globs decide)
     */
    public record DatabaseConfig(Path path, String name, List<String> replicas, Boolean durable) {
        public DatabaseConfig {
            replicas = List.copyOf(replicas);
        }
    }

    /** The defaults: every database, the embedded replica under {@code ~/.lifeline}. */
    public static LifelineConfig defaults() {
        return new LifelineConfig(true, Path.of(System.getProperty("user.home"), ".lifeline"), List.of(), List.of(),
                List.of(), List.of(), Duration.ofSeconds(5), DurableTimeoutAction.FAIL, true, Duration.ofSeconds(1),
                1000, 10_000, Duration.ofHours(6), Duration.ofHours(24), List.of(), List.of());
    }

    /** The mutation journal of the watched files: {@code <stateDir>/journal}. */
    public Path journalDir() {
        return stateDir.resolve("journal");
    }

    /**
     * Whether mutations of the file at {@code file} are journaled: it is under one of the
     * {@link #watch} roots (the root itself excluded), not inside {@link #stateDir}, no
     * {@link #watchExclude} glob matches its absolute path, and {@link #watchInclude} is empty or
     * one of its globs matches. {@code file} is taken as given (made absolute and normalized, links
     * not followed): a file reached through a symbolic link from outside a root is not watched.
     */
    public boolean isWatched(Path file) {
        Path p = file.toAbsolutePath().normalize();
        boolean under = false;
        for (Path root : watch) {
            if (p.startsWith(root) && !p.equals(root)) {
                under = true;
                break;
            }
        }
        if (!under || p.startsWith(stateDir.toAbsolutePath().normalize())) {
            return false;
        }
        if (Globs.any(watchExclude, p)) {
            return false;
        }
        return watchInclude.isEmpty() || Globs.any(watchInclude, p);
    }

    /** The embedded default replica used when none is configured. */
    public Path defaultReplicaDir() {
        return stateDir.resolve("replica");
    }

    /**
     * Whether the database at {@code db} is protected: never inside {@link #stateDir}; always when
     * named in {@link #databases}; otherwise when no {@link #exclude} glob matches its absolute path
     * and {@link #include} is empty or one of its globs matches.
     */
    public boolean isIncluded(Path db) {
        Path p = db.toAbsolutePath().normalize();
        if (insideStateDir(p)) {
            return false;
        }
        if (database(p) != null) {
            return true;
        }
        if (Globs.any(exclude, p)) {
            return false;
        }
        return include.isEmpty() || Globs.any(include, p);
    }

    /**
     * Whether commits to {@code db} wait for every replica: its {@link #databases} entry's
     * {@code durable} when it sets one, otherwise whether a {@link #durable} glob matches its absolute path.
     */
    public boolean isDurable(Path db) {
        Path p = db.toAbsolutePath().normalize();
        DatabaseConfig d = database(p);
        if (d != null && d.durable() != null) {
            return d.durable();
        }
        return Globs.any(durable, p);
    }

    /** The {@link #databases} entry for the absolute path {@code p} (same file, also through links), or null. */
    private DatabaseConfig database(Path p) {
        for (DatabaseConfig d : databases) {
            if (d.path().equals(p)) {
                return d;
            }
        }
        Path real = real(p);
        for (DatabaseConfig d : databases) {
            if (real(d.path()).equals(real)) {
                return d;
            }
        }
        return null;
    }

    private boolean insideStateDir(Path p) {
        Path dir = stateDir.toAbsolutePath().normalize();
        return p.startsWith(dir) || real(p).startsWith(real(dir));
    }

    /** The real path when the file exists, else the normalized absolute path. */
    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (java.io.IOException | SecurityException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
