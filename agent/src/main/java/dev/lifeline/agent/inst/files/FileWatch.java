package dev.lifeline.agent.inst.files;

import dev.lifeline.agent.bridge.LifelineBridge;
import dev.lifeline.runtime.config.LifelineConfig;
import dev.lifeline.runtime.files.ship.JournalShipper;
import dev.lifeline.runtime.files.ship.Lineage;
import dev.lifeline.runtime.journal.MutationJournal;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.ReplicaUrl;
import java.io.PrintStream;
import java.lang.instrument.Instrumentation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.utility.JavaModule;

/**
 * The memory-file journaling of one running agent: the journal, the hooks, the instrumentation of
 * the JDK's file classes. Started by {@code RunningAgent} when {@code watch} names directories.
 *
 * <p>The JDK's file classes are loaded before premain runs, so they are retransformed once the
 * agent is ready: changes the host makes to watched files before that moment (usually the first
 * few hundred milliseconds of the JVM) are not in the journal. {@link LifelineBridge#fileHooksInstalled()}
 * turns true only once the advice is in place and the journal is open.
 */
public final class FileWatch {

    private final Instrumentation inst;
    private final FileJournaler journaler;
    private final FileInstrumentation transformer;
    private final MutationJournal journal;
    private final JournalShipper shipper;
    private final List<ReplicaClient> replicas;

    /** How long a stopping agent waits for the journal to reach the replicas (like the databases' shutdown). */
    static final Duration SHIP_ON_STOP = Duration.ofSeconds(3);

    private FileWatch(Instrumentation inst, FileJournaler journaler, FileInstrumentation transformer,
                      MutationJournal journal, JournalShipper shipper, List<ReplicaClient> replicas) {
        this.inst = inst;
        this.journaler = journaler;
        this.transformer = transformer;
        this.journal = journal;
        this.shipper = shipper;
        this.replicas = replicas;
    }

    /** Starts journaling the watched roots, or returns null when {@code watch} is empty. */
    public static FileWatch start(Instrumentation inst, LifelineConfig cfg, PrintStream err) {
        if (cfg.watch().isEmpty()) {
            return null;
        }
        ClassLoader ours = FileWatch.class.getClassLoader();
        ModuleAccess.grant(inst, ours, LifelineBridge.class.getModule());
        // Chronicle looks up its services (the buffer cleaner, ...) through the context loader.
        Thread me = Thread.currentThread();
        ClassLoader context = me.getContextClassLoader();
        MutationJournal journal;
        JournalShipper shipper = null;
        List<ReplicaClient> replicas = new ArrayList<>();
        me.setContextClassLoader(ours);
        try {
            ModuleAccess.quietChronicle(ours);
            // The lineage first: a journal directory created now starts a new history.
            String lineage = Lineage.loadOrCreate(cfg.journalDir());
            journal = MutationJournal.open(cfg.journalDir());
            try {
                shipper = startShipper(cfg, journal, lineage, replicas, err);
            } catch (RuntimeException | LinkageError e) {
                // The journal still protects the files locally; shipping failing must not stop the host.
                err.println("[lifeline] ERROR: the file journal is kept in " + cfg.journalDir()
                        + " but is NOT shipped to the replicas: " + e);
                closeAll(replicas);
                replicas.clear();
            }
        } finally {
            me.setContextClassLoader(context);
        }
        Fds fds = Fds.find();
        FileJournaler journaler = new FileJournaler(cfg, journal, fds);
        FileInstrumentation t;
        try {
            t = FileInstrumentation.install(inst, new Errors(err));
        } catch (RuntimeException | LinkageError e) {
            if (shipper != null) {
                shipper.close();
            }
            closeAll(replicas);
            journal.close();
            throw e;
        }
        // Only now: the advice is in place everywhere, so "installed" means "journaling".
        LifelineBridge.installFileHooks(journaler);
        err.println("[lifeline] journaling changes to files under " + cfg.watch().stream().map(Object::toString)
                .collect(Collectors.joining(", "))
                + (cfg.watchInclude().isEmpty() ? "" : " (include " + cfg.watchInclude() + ")")
                + (cfg.watchExclude().isEmpty() ? "" : " (exclude " + cfg.watchExclude() + ")")
                + " in " + cfg.journalDir()
                + (fds == null ? " (WARNING: descriptor positions cannot be read on this JDK: stream writes are"
                + " journaled as appends)" : ""));
        return new FileWatch(inst, journaler, t, journal, shipper, replicas);
    }

    /**
     * Ships the journal to the roots of the replicas the databases use ({@code replica=}, not a
     * database's sub-prefix), or to the embedded default replica.
     */
    private static JournalShipper startShipper(LifelineConfig cfg, MutationJournal journal, String lineage,
                                               List<ReplicaClient> replicas, PrintStream err) {
        List<String> urls = cfg.replicas().isEmpty() ? List.of(cfg.defaultReplicaDir().toString()) : cfg.replicas();
        for (String u : urls) {
            replicas.add(ReplicaUrl.open(u));
        }
        JournalShipper s = new JournalShipper(cfg.journalDir(), lineage, replicas,
                msg -> err.println("[lifeline] WARNING: " + msg));
        journal.onAppend(s::wake);
        s.start();
        s.wake(); // records of an earlier run not shipped yet
        return s;
    }

    private static void closeAll(List<ReplicaClient> replicas) {
        for (ReplicaClient r : replicas) {
            try {
                r.close();
            } catch (Exception e) {
                // closing a client that failed: nothing to keep
            }
        }
    }

    /** The journal's shipper (null when shipping did not start): image scheduling feeds its covered index. */
    public JournalShipper shipper() {
        return shipper;
    }

    /** Records journaled so far (a write larger than the journal's chunk counts once). */
    public long recorded() {
        return journaler.recorded();
    }

    /**
     * Stops journaling: hooks removed, operations under way finished (bounded), journal closed;
     * with {@code restoreClasses} (a detach) the JDK classes get their original code back, which a
     * JVM that is shutting down does not need.
     */
    public void stop(boolean restoreClasses) {
        LifelineBridge.uninstallFileHooks();
        transformer.remove(restoreClasses);
        journaler.close(2000);
        if (shipper != null) {
            journal.onAppend(null);
            try {
                if (!shipper.flush(SHIP_ON_STOP)) {
                    System.err.println("[lifeline] WARNING: the file journal was not fully shipped within "
                            + SHIP_ON_STOP.toMillis() + " ms; the rest ships at the next start: " + shipper.status());
                }
            } catch (RuntimeException | LinkageError e) {
                System.err.println("[lifeline] WARNING: shipping the file journal at stop failed: " + e);
            } finally {
                shipper.close();
                closeAll(replicas);
            }
        }
        long failures = journaler.failures();
        long inexact = journaler.inexact();
        if (failures > 0 || inexact > 0) {
            System.err.println("[lifeline] WARNING: file journaling had " + failures + " failure(s) and " + inexact
                    + " change(s) it could not capture exactly; last: " + journaler.lastError());
        }
    }

    /** Reports JDK classes that could not be instrumented: their file changes are not journaled. */
    private static final class Errors extends AgentBuilder.Listener.Adapter {
        private final PrintStream err;

        Errors(PrintStream err) {
            this.err = err;
        }

        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded,
                            Throwable throwable) {
            err.println("[lifeline] WARNING: could not instrument " + typeName + "; file changes made through it"
                    + " are not journaled: " + throwable);
        }
    }
}
