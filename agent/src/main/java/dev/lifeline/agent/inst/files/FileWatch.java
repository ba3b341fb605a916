package dev.lifeline.agent.inst.files;

import dev.lifeline.agent.bridge.LifelineBridge;
import dev.lifeline.runtime.config.LifelineConfig;
import dev.lifeline.runtime.journal.MutationJournal;
import java.io.PrintStream;
import java.lang.instrument.Instrumentation;
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

    private FileWatch(Instrumentation inst, FileJournaler journaler, FileInstrumentation transformer) {
        this.inst = inst;
        this.journaler = journaler;
        this.transformer = transformer;
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
        me.setContextClassLoader(ours);
        try {
            ModuleAccess.quietChronicle(ours);
            journal = MutationJournal.open(cfg.journalDir());
        } finally {
            me.setContextClassLoader(context);
        }
        Fds fds = Fds.find();
        FileJournaler journaler = new FileJournaler(cfg, journal, fds);
        FileInstrumentation t;
        try {
            t = FileInstrumentation.install(inst, new Errors(err));
        } catch (RuntimeException | LinkageError e) {
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
        return new FileWatch(inst, journaler, t);
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
