package dev.lifeline.agent.cli;

import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import dev.lifeline.runtime.replicate.ReplicatorStatus;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lifeline replicate}: runs the replicator for one database until SIGTERM/SIGINT, then
 * ships what is committed and exits 0. {@code --once} ships what is committed now and exits.
 */
@Command(name = "replicate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Replicate a SQLite database (WAL mode) to a replica until stopped.",
                "SIGTERM or SIGINT stops it after shipping everything committed (at most 30 s), exit 0."
        })
final class ReplicateCommand extends BaseCommand {

    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    static final Duration STATUS_EVERY = Duration.ofSeconds(10);

    @Option(names = "--db", required = true, paramLabel = "PATH", description = "The SQLite database file.")
    Path db;

    @Mixin
    ReplicaOptions replica;

    @Option(names = "--poll-interval", paramLabel = "DURATION", defaultValue = "10ms",
            converter = Converters.DurationConverter.class,
            description = "How often the WAL is checked for new commits, e.g. 10ms, 1s (default: ${DEFAULT-VALUE}).")
    Duration pollInterval;

    @Option(names = "--min-checkpoint-frames", paramLabel = "N", defaultValue = "1000",
            description = "Shipped WAL frames after which a PASSIVE checkpoint runs (default: ${DEFAULT-VALUE}).")
    long minCheckpointFrames;

    @Option(names = "--max-checkpoint-frames", paramLabel = "N", defaultValue = "10000",
            description = "WAL frames after which a RESTART checkpoint restarts the WAL (default: ${DEFAULT-VALUE}).")
    long maxCheckpointFrames;

    @Option(names = "--convert-to-wal",
            description = "Switch a database in rollback-journal mode to WAL mode (otherwise that is an error).")
    boolean convertToWal;

    @Option(names = "--once", description = "Ship what is committed now, then stop and exit (for scripts and tests).")
    boolean once;

    @Option(names = "--snapshot-interval", paramLabel = "DURATION", defaultValue = "6h",
            converter = Converters.DurationConverter.class,
            description = "Take a new snapshot once the newest is this old, so restores replay short chains "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration snapshotInterval;

    @Option(names = "--retention", paramLabel = "DURATION", defaultValue = "24h",
            converter = Converters.DurationConverter.class,
            description = "Keep every point of the last DURATION restorable and delete what is older "
                    + "(default: ${DEFAULT-VALUE}; 0 keeps everything).")
    Duration retention;

    @Option(names = "--takeover",
            description = "Take the replicas over even if another Lifeline process holds their lease "
                    + "(after that process crashed; a live one stops when it notices).")
    boolean takeover;

    private final CountDownLatch stopRequested = new CountDownLatch(1);

    @Override
    protected int execute() throws Exception {
        validate();
        java.util.List<ReplicaClient> clients = new java.util.ArrayList<>();
        for (ReplicaClient c : replica.openAll()) {
            clients.add(closeLater(c));
        }
        ReplicaClient client = clients.get(0);
        ReplicatorConfig cfg = ReplicatorConfig.defaults(db, clients)
                .withPrefix(replica.layout().prefix())
                .withPollInterval(pollInterval)
                .withCheckpointFrames(minCheckpointFrames, maxCheckpointFrames)
                .withConvertToWal(convertToWal)
                .withSnapshotInterval(snapshotInterval)
                .withRetention(retention.isZero() ? null : retention)
                .withLease(dev.lifeline.runtime.lease.ReplicaLease.DEFAULT_TTL, takeover);
        Replicator r = new Replicator(cfg);
        try {
            try {
                r.open();
            } catch (IOException e) {
                throw new CliException(Errors.describe(e), LifelineCli.ERROR, e);
            }
            note("replicating " + db.toAbsolutePath().normalize() + " to " + clients.stream()
                            .map(replica::describe).collect(java.util.stream.Collectors.joining(" and "))
                    + (once ? " (once)" : ", polling every " + pollInterval.toMillis() + " ms"));
            if (clients.size() == 1) {
                warnIfLocal(client);
            }
            return once ? runOnce(r) : runUntilStopped(r);
        } finally {
            // Idempotent: closes the replicator's connection (also after a failed open) and
            // stops the loop if it still runs.
            r.stop(STOP_TIMEOUT);
        }
    }

    private void validate() {
        if (pollInterval.isZero() || pollInterval.isNegative()) {
            throw usage("Invalid value for option '--poll-interval': '" + pollInterval
                    + "' must be greater than zero, e.g. 10ms or 1s");
        }
        if (minCheckpointFrames < 1) {
            throw usage("Invalid value for option '--min-checkpoint-frames': " + minCheckpointFrames
                    + " must be at least 1");
        }
        if (maxCheckpointFrames < minCheckpointFrames) {
            throw usage("Invalid value for option '--max-checkpoint-frames': " + maxCheckpointFrames
                    + " must be at least --min-checkpoint-frames (" + minCheckpointFrames + ")");
        }
    }

    private int runOnce(Replicator r) throws CliException {
        try {
            r.syncOnce();
        } catch (IOException | RuntimeException e) {
            throw new CliException("replicating " + db + " to " + r.status().replica() + " failed: "
                    + Errors.describe(e), LifelineCli.ERROR, e);
        }
        note("synced: " + summary(r.status()));
        return LifelineCli.OK;
    }

    private int runUntilStopped(Replicator r) throws Exception {
        Thread hook = new Thread(() -> {
            // JVM shutdown by any other path (SIGHUP, System.exit elsewhere): still ship what is committed.
            stopRequested.countDown();
            try {
                if (!r.stop(STOP_TIMEOUT)) {
                    System.err.println("lifeline: warning: the replicator did not stop within "
                            + STOP_TIMEOUT.toSeconds() + " s; the replica may lag the database");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lifeline-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Map<Object, Object> previousHandlers = installSignalHandlers();
        try {
            // The first pass runs here so that a replica that cannot be written (permissions, a
            // full disk, a file in the way) is reported at once instead of being retried forever.
            try {
                r.syncOnce();
            } catch (IOException | RuntimeException e) {
                throw new CliException("replicating " + db + " to " + r.status().replica() + " failed: "
                        + Errors.describe(e), LifelineCli.ERROR, e);
            }
            r.start();
            note("synced: " + summary(r.status()) + "; running until SIGTERM or SIGINT");
            ReplicatorStatus shown = r.status();
            while (!stopRequested.await(STATUS_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
                ReplicatorStatus s = r.status();
                if (!Objects.equals(s.generation(), shown.generation()) || s.txid() != shown.txid()) {
                    note("status: " + summary(s));
                    shown = s;
                }
            }
            Instant stopAt = Instant.now();
            note("stopping: shipping what is committed (at most " + STOP_TIMEOUT.toSeconds() + " s)");
            boolean clean = r.stop(STOP_TIMEOUT);
            ReplicatorStatus s = r.status();
            if (!clean) {
                throw new CliException("the replicator did not stop within " + STOP_TIMEOUT.toSeconds()
                        + " s; the replica may lag the database (" + summary(s) + ")");
            }
            if (s.lastErrorAt() != null && !s.lastErrorAt().isBefore(stopAt)) {
                throw new CliException("the final sync failed, the replica may lag the database: " + s.lastError());
            }
            note("stopped: " + summary(s));
            return LifelineCli.OK;
        } finally {
            restoreSignalHandlers(previousHandlers);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or will run; it finds the replicator stopped.
            }
        }
    }

    /** For tests: what SIGTERM does. */
    void requestStop() {
        stopRequested.countDown();
    }

    /**
     * SIGTERM/SIGINT end the wait on the main thread, which stops the replicator and returns
     * exit code 0 (a shutdown hook alone would leave the JVM's signal exit status, 143/130).
     * A second signal while stopping exits at once.
     */
    private Map<Object, Object> installSignalHandlers() {
        Map<Object, Object> previous = new LinkedHashMap<>();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal sig = new sun.misc.Signal(name);
                previous.put(sig, sun.misc.Signal.handle(sig, s -> onSignal(s.getName(), s.getNumber())));
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                // No such signal here, or the JVM reserves it (-Xrs): the shutdown hook still stops cleanly.
            }
        }
        return previous;
    }

    private static void restoreSignalHandlers(Map<Object, Object> previous) {
        for (Map.Entry<Object, Object> e : previous.entrySet()) {
            try {
                sun.misc.Signal.handle((sun.misc.Signal) e.getKey(), (sun.misc.SignalHandler) e.getValue());
            } catch (IllegalArgumentException | UnsupportedOperationException ignored) {
                // Leave ours in place.
            }
        }
    }

    private void onSignal(String name, int number) {
        if (stopRequested.getCount() == 0) {
            System.err.println("lifeline: SIG" + name + " again: exiting now without waiting for the replicator");
            System.err.flush();
            Runtime.getRuntime().halt(128 + number);
        }
        note("SIG" + name + " received");
        stopRequested.countDown();
    }

    private static String summary(ReplicatorStatus s) {
        StringBuilder b = new StringBuilder();
        b.append("generation ").append(s.generation() == null ? "-" : s.generation())
                .append(", index ").append(s.index())
                .append(", txid ").append(s.txid())
                .append(", ").append(s.segmentsShipped()).append(s.segmentsShipped() == 1 ? " segment" : " segments")
                .append(" (").append(Format.bytes(s.bytesShipped())).append(") shipped");
        if (s.checkpoints() > 0) {
            b.append(", ").append(s.checkpoints()).append(" checkpoints");
        }
        return b.toString();
    }

    /** A directory replica is a copy, not disaster recovery, unless it is on another disk. */
    private void warnIfLocal(ReplicaClient client) {
        if (!(client instanceof FileReplicaClient f)) {
            return;
        }
        Path root = f.root();
        boolean sameStore = true;
        try {
            Path existing = root;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing != null) {
                FileStore dbStore = Files.getFileStore(db.toAbsolutePath());
                sameStore = dbStore.equals(Files.getFileStore(existing));
            }
        } catch (IOException | RuntimeException e) {
            sameStore = true;
        }
        if (sameStore) {
            warn("replica " + root + " is a directory on the same disk as the database: it does not survive the "
                    + "loss of that disk; replicate to another disk or host for disaster recovery");
        } else {
            warn("replica " + root + " is a local directory: it survives the loss of the database's disk only if "
                    + "it is on another physical disk, and not the loss of this machine");
        }
    }
}
