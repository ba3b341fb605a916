package dev.lifeline.agent.cli;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.restore.RestoreException;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.RestoreResult;
import dev.lifeline.runtime.restore.RestoreTarget;
import dev.lifeline.runtime.restore.Restorer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lifeline restore}: builds a database from a replica, to the latest commit or a point in time. */
@Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Restore a database from a replica: the latest commit, a txid, or a point in time.",
                "The output is written atomically: it is either untouched or a complete, checked database.",
                "Exit 3 when damage in the replica stopped the restore early (the output then holds the "
                        + "last verified point)."
        })
final class RestoreCommand extends BaseCommand {

    enum IntegrityCheck { full, quick, none }

    @Mixin
    DatabaseReplicaOptions replica;

    @Option(names = {"-o", "--output"}, paramLabel = "PATH",
            description = "Where to write the restored database (required unless --files).")
    Path output;

    @Mixin
    FilesRestoreOptions files;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Target target;

    static final class Target {
        @Option(names = "--timestamp", paramLabel = "RFC3339", converter = Converters.InstantConverter.class,
                description = "Restore the state after the last commit at or before this time, "
                        + "e.g. 2025-01-31T12:00:00Z.")
        Instant timestamp;

        @Option(names = "--txid", paramLabel = "N",
                description = "Restore the state right after commit N of the generation.")
        Long txid;
    }

    @Option(names = "--generation", paramLabel = "G",
            description = "Restore from this generation (default: the one with the newest data, or for "
                    + "--timestamp the newest that spans it).")
    String generation;

    @Option(names = "--if-replica-exists",
            description = "Exit 0 without restoring when the replica holds no generation.")
    boolean ifReplicaExists;

    @Option(names = "--if-db-not-exists",
            description = "Exit 0 without restoring when the output already exists (it is not touched).")
    boolean ifDbNotExists;

    @Option(names = "--force", description = "Replace an existing output (and remove its -wal and -shm files).")
    boolean force;

    @Option(names = "--integrity-check", paramLabel = "MODE", defaultValue = "full",
            description = "Check the restored database before it replaces the output: ${COMPLETION-CANDIDATES} "
                    + "(default: ${DEFAULT-VALUE}).")
    IntegrityCheck integrityCheck;

    @Override
    protected int execute() throws Exception {
        if (files.files) {
            if (output != null || (target != null && target.txid != null) || replica.database != null
                    || generation != null) {
                throw usage("--files restores the watched file trees: it takes --to DIR, not -o, --db, --txid or "
                        + "--generation");
            }
            return new FilesRestore(this).run(replica, target == null ? null : target.timestamp, force);
        }
        if (files.to != null || files.journalIndex != null || files.lineage != null || files.root != null) {
            throw usage("--to, --journal-index, --lineage and --root belong to restore --files");
        }
        if (output == null) {
            throw usage("Missing required option: '--output=PATH'");
        }
        if (target != null && target.txid != null && target.txid < 0) {
            throw usage("Invalid value for option '--txid': " + target.txid + " must be 0 or more");
        }
        Path out = output.toAbsolutePath().normalize();
        PrintWriter o = out();
        if (ifDbNotExists && Files.exists(out)) {
            o.println("output " + out + " already exists: nothing restored (--if-db-not-exists)");
            return LifelineCli.OK;
        }
        ReplicaLayout layout = replica.layout();
        ReplicaClient client = newestOf(replica.openAll(), layout, o);
        java.util.Optional<String> missing = replica.missingDatabase(client);
        if (missing.isPresent()) {
            if (ifReplicaExists) {
                o.println(missing.get() + ": nothing restored (--if-replica-exists)");
                return LifelineCli.OK;
            }
            throw new CliException(missing.get());
        }
        if (ifReplicaExists) {
            List<GenerationInfo> gens = ReplicaOptions.exists(client)
                    ? new ReplicaCatalog(client, layout).generations() : List.of();
            if (gens.isEmpty()) {
                o.println("replica " + replica.describe(client) + " holds no generation: nothing restored "
                        + "(--if-replica-exists)");
                return LifelineCli.OK;
            }
        }
        if (!force && !Files.exists(out)) {
            // SQLite would replay a stale WAL lying beside the new file into the restored database.
            for (String suffix : new String[] {"-wal", "-shm", "-journal"}) {
                Path side = Path.of(out + suffix);
                if (Files.exists(side)) {
                    throw new CliException(side + " exists without its database: SQLite would apply it to the "
                            + "restored database. Remove it, or pass --force to have restore remove it");
                }
            }
        }
        RestoreTarget t = target == null ? new RestoreTarget.Latest()
                : target.txid != null ? new RestoreTarget.Txid(target.txid)
                : new RestoreTarget.Timestamp(target.timestamp);
        RestoreOptions opts = new RestoreOptions(out, generation, t, force, integrityCheck.name());
        long start = System.nanoTime();
        RestoreResult r;
        try {
            r = new Restorer(client, layout).restore(opts);
        } catch (RestoreException e) {
            throw new CliException(e.getMessage(), LifelineCli.ERROR, e);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        o.println("restored " + r.output() + " from " + replica.describe(client) + " (" + t + ")");
        o.println("  generation  " + r.generation());
        o.println("  snapshot    " + Format.hex8(r.snapshotIndex()));
        o.println("  txid        " + r.txid());
        o.println("  time        " + Format.time(r.time()));
        o.println("  segments    " + r.segmentsApplied());
        o.println("  frames      " + r.framesApplied());
        o.println("  bytes       " + r.bytes() + " (" + Format.bytes(r.bytes()) + ")");
        o.println("  elapsed     " + Format.elapsed(elapsed));
        o.println("  check       " + integrityCheck.name().toLowerCase(Locale.ROOT));
        o.flush();
        if (r.stoppedEarly()) {
            PrintWriter e = err();
            e.println();
            e.println("WARNING: THE REPLICA IS DAMAGED - THIS RESTORE STOPPED EARLY.");
            e.println("WARNING: problem: " + r.problem());
            e.println("WARNING: " + r.output() + " holds the last verified point: generation " + r.generation()
                    + ", txid " + r.txid() + " at " + Format.time(r.time()) + ", not " + t + ".");
            e.println("WARNING: later commits in the replica could not be verified and are NOT in the output. "
                    + "Run 'lifeline verify' for the full report.");
            e.flush();
            return LifelineCli.DAMAGED;
        }
        return LifelineCli.OK;
    }

    /**
     * With several replicas, the one whose newest generation holds the newest data (a replica
     * that cannot be read is skipped, and said so).
     */
    private ReplicaClient newestOf(List<ReplicaClient> clients, ReplicaLayout layout, PrintWriter o)
            throws java.io.IOException {
        if (clients.size() == 1) {
            return closeLater(clients.get(0));
        }
        ReplicaClient best = null;
        java.time.Instant bestTime = null;
        for (ReplicaClient c : clients) {
            closeLater(c);
            try {
                java.util.Optional<GenerationInfo> g = new ReplicaCatalog(c, layout).latest();
                if (g.isPresent() && (bestTime == null || g.get().updated().isAfter(bestTime))) {
                    best = c;
                    bestTime = g.get().updated();
                }
            } catch (java.io.IOException e) {
                o.println("replica " + replica.describe(c) + " cannot be read, skipped: " + e.getMessage());
            }
        }
        if (best == null) {
            return clients.get(0);
        }
        o.println("reading " + replica.describe(best) + ": it holds the newest data (" + bestTime + ")");
        return best;
    }
}
