package dev.lifeline.runtime.engine;

import dev.lifeline.runtime.config.LifelineConfig;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.ReplicaUrl;
import dev.lifeline.runtime.replicate.SqliteAccess;
import dev.lifeline.runtime.replicate.ScratchPool;
import dev.lifeline.runtime.replicate.SyncPacer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Everything Lifeline protects inside one host JVM: one {@link ProtectedDatabase} (and its
 * replicator) per database the host opens. Host threads only call {@link #protect} (when a
 * connection opens) and the {@link ProtectedDatabase} methods (when a commit returns); both are
 * cheap and never throw into the host. Opening replicas and starting replicators happens on the
 * engine's own daemon thread, so a slow or broken replica never delays a host's getConnection.
 */
public final class Engine implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.engine");

    private final LifelineConfig cfg;
    private final Map<Path, ProtectedDatabase> databases = new ConcurrentHashMap<>();
    /** Replica clients shared by every database, opened once, by URL. */
    private final Map<String, ReplicaClient> clients = new ConcurrentHashMap<>();
    /** The starter thread: opens replicas and starts replicators, retrying those that fail. */
    private final ExecutorService starter;
    private final Instant startedAt = Instant.now();
    /** However many databases are busy, none waits longer than this between passes. */
    private static final Duration MAX_SYNC_INTERVAL = Duration.ofSeconds(1);
    private volatile boolean closed;
    /** One budget of shipping passes for every database this engine protects. */
    private final SyncPacer pacer;
    /** The segment buffers every database's passes borrow, so memory kept does not grow with databases. */
    private final ScratchPool scratch = ScratchPool.forEngine();

    public Engine(LifelineConfig cfg) {
        this.cfg = cfg;
        this.pacer = new SyncPacer(cfg.syncInterval(), MAX_SYNC_INTERVAL.compareTo(cfg.syncInterval()) < 0
                ? cfg.syncInterval() : MAX_SYNC_INTERVAL);
        ThreadPoolExecutor ex = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(10_000), r -> {
                    Thread t = new Thread(r, "lifeline-engine");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.DiscardPolicy());
        this.starter = ex;
    }

    public LifelineConfig config() {
        return cfg;
    }

    SyncPacer pacer() {
        return pacer;
    }

    ScratchPool scratch() {
        return scratch;
    }

    /**
     * Starts protecting the database at {@code file} if the configuration includes it; idempotent.
     * Returns empty for an excluded database.
     *
     * @param sqlite how the replicator reaches this database (inside a host: the host's own SQLite)
     */
    public Optional<ProtectedDatabase> protect(Path file, SqliteAccess sqlite) {
        if (closed || file == null) {
            return Optional.empty();
        }
        Path canonical = canonical(file);
        ProtectedDatabase known = databases.get(canonical);
        if (known != null) {
            return Optional.of(known);
        }
        if (!cfg.isIncluded(canonical)) {
            LOG.log(Level.DEBUG, "not protecting {0}: excluded by configuration", canonical);
            return Optional.empty();
        }
        ProtectedDatabase pd = databases.computeIfAbsent(canonical,
                p -> new ProtectedDatabase(p, cfg.isDurable(p), sqlite, this));
        if (pd.claimStart()) {
            starter.execute(() -> startNow(pd));
        }
        return Optional.of(pd);
    }

    public List<ProtectedDatabase> databases() {
        return List.copyOf(databases.values());
    }

    public EngineStatus status() {
        List<DatabaseStatus> dbs = new ArrayList<>();
        for (ProtectedDatabase pd : databases.values()) {
            dbs.add(pd.status());
        }
        dbs.sort(java.util.Comparator.comparing(DatabaseStatus::path));
        return new EngineStatus(startedAt, closed ? "stopped" : "running", replicaDescriptions(), dbs);
    }

    /** Replica URLs as configured, redacted for display. */
    List<String> replicaDescriptions() {
        if (cfg.replicas().isEmpty()) {
            return List.of(cfg.defaultReplicaDir().toUri().toString());
        }
        List<String> out = new ArrayList<>();
        for (String u : cfg.replicas()) {
            out.add(dev.lifeline.runtime.replica.s3.Redactor.redactUrl(u));
        }
        return out;
    }

    private void startNow(ProtectedDatabase pd) {
        if (closed) {
            return;
        }
        try {
            pd.start(replicasFor(pd.path()), false);
        } catch (Exception | LinkageError e) {
            pd.failed(e);
            scheduleRetry(pd);
        }
    }

    private void scheduleRetry(ProtectedDatabase pd) {
        Duration wait = pd.nextRetryDelay();
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(wait.toMillis());
                if (!closed) {
                    starter.execute(() -> startNow(pd));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lifeline-engine-retry");
        t.setDaemon(true);
        t.start();
    }

    /** The replica clients for one database: its own from the YAML file, else the global ones. */
    List<ReplicaClient> replicasFor(Path db) throws IOException {
        List<String> urls = cfg.databases().stream().filter(d -> canonical(d.path()).equals(db))
                .findFirst().map(LifelineConfig.DatabaseConfig::replicas).filter(l -> !l.isEmpty())
                .orElse(cfg.replicas());
        if (urls.isEmpty()) {
            Path dir = cfg.defaultReplicaDir();
            Files.createDirectories(dir);
            urls = List.of(dir.toString());
        }
        List<ReplicaClient> out = new ArrayList<>();
        for (String u : urls) {
            out.add(clients.computeIfAbsent(u, ReplicaUrl::open));
        }
        return out;
    }

    /** Stops every replicator after it has shipped what is committed, within {@code timeout} overall. */
    public boolean close(Duration timeout) {
        if (closed) {
            return true;
        }
        closed = true;
        // Not shutdownNow(): an interrupt would close the NIO channels a starting replicator uses.
        starter.shutdown();
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Thread> stoppers = new ArrayList<>();
        boolean[] clean = {true};
        for (ProtectedDatabase pd : databases.values()) {
            Thread t = new Thread(() -> {
                if (pd.notStarted()) {
                    // A short-lived host may exit before the replicator started: start it now, so
                    // that stopping it ships what the host committed.
                    try {
                        pd.start(replicasFor(pd.path()), true);
                    } catch (Exception | LinkageError e) {
                        pd.failed(e);
                    }
                }
                long left = Math.max(0, deadline - System.nanoTime());
                if (!pd.stop(Duration.ofNanos(left))) {
                    clean[0] = false;
                }
            }, "lifeline-stop-" + pd.path().getFileName());
            t.setDaemon(true);
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            clean[0] &= !t.isAlive();
        }
        for (ReplicaClient c : clients.values()) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "closing replica {0}: {1}", c.describe(), e.getMessage());
            }
        }
        return clean[0];
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            return abs;
        }
    }
}
