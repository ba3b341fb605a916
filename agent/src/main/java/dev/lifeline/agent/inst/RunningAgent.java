package dev.lifeline.agent.inst;

import dev.lifeline.agent.bridge.DeferredTransformer;
import dev.lifeline.agent.bridge.LifelineBridge;
import dev.lifeline.runtime.config.LifelineConfig;
import dev.lifeline.runtime.engine.DatabaseStatus;
import dev.lifeline.runtime.engine.Engine;
import dev.lifeline.shim.SqliteInterceptor;
import java.lang.System.Logger.Level;
import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.management.ObjectName;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * One running agent in a host JVM: the engine, the JDBC interception, the instrumentation and the
 * MBean. Started by {@link AgentInstaller}; stopped by the JVM's shutdown or a detach.
 */
final class RunningAgent {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.agent");
    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    private final Instrumentation inst;
    private final boolean attached;
    private final Engine engine;
    private final SqliteInterceptor interceptor;
    private DeferredTransformer gate;
    /** Memory-file journaling (null when no directory is watched or it failed to start). */
    private dev.lifeline.agent.inst.files.FileWatch files;
    private ObjectName mbean;
    private Thread shutdownHook;
    private boolean stopped;

    private RunningAgent(Instrumentation inst, boolean attached, Engine engine, SqliteInterceptor interceptor) {
        this.inst = inst;
        this.attached = attached;
        this.engine = engine;
        this.interceptor = interceptor;
    }

    static RunningAgent start(Instrumentation inst, LifelineConfig cfg, boolean attached, DeferredTransformer gate)
            throws Exception {
        Engine engine = new Engine(cfg);
        SqliteInterceptor interceptor = new SqliteInterceptor(engine);
        RunningAgent a = new RunningAgent(inst, attached, engine, interceptor);
        // Hooks first: classes retransformed below call into them at once.
        LifelineBridge.install(new BridgeHooks(interceptor));
        try {
            ClassLoader agentLoader = RunningAgent.class.getClassLoader();
            gate.activate(withoutUnsafe(() -> SqliteInstrumentation.build(agentLoader, new TransformErrors())));
            a.gate = gate;
            a.retransformWatched();
        } catch (RuntimeException | LinkageError e) {
            a.stop(Duration.ofSeconds(1));
            throw e;
        }
        try {
            a.files = dev.lifeline.agent.inst.files.FileWatch.start(inst, cfg, System.err);
        } catch (Exception | LinkageError e) {
            System.err.println("[lifeline] ERROR: memory-file journaling did not start; changes to files under "
                    + cfg.watch() + " are NOT protected (databases are not affected): " + e);
        }
        a.shutdownHook = new Thread(() -> a.stop(SHUTDOWN_TIMEOUT), "lifeline-shutdown");
        Runtime.getRuntime().addShutdownHook(a.shutdownHook);
        LifelineControl control = new LifelineControl(a, engine, interceptor);
        if (attached) {
            a.registerMBean(control);
        } else {
            // The platform MBean server takes a good part of our start-up time to create: off the
            // host's main thread it delays no one.
            Thread t = new Thread(() -> a.registerMBean(control), "lifeline-jmx");
            t.setDaemon(true);
            t.start();
        }
        return a;
    }

    private synchronized void registerMBean(LifelineControl control) {
        if (stopped) {
            return;
        }
        try {
            ObjectName name = new ObjectName(LifelineControl.OBJECT_NAME);
            ManagementFactory.getPlatformMBeanServer().registerMBean(control, name);
            mbean = name;
        } catch (Exception | LinkageError e) {
            LOG.log(Level.WARNING, "the JMX interface is not available (replication is not affected): {0}",
                    e.toString());
        }
    }

    boolean attached() {
        return attached;
    }

    Engine engine() {
        return engine;
    }

    /** Stops everything; what is committed is shipped within {@code timeout}. Idempotent. */
    synchronized boolean stop(Duration timeout) {
        if (stopped) {
            return true;
        }
        stopped = true;
        LifelineBridge.uninstall();
        if (files != null) {
            // A JVM that is shutting down keeps the (inactive) advice; a detach restores the classes.
            files.stop(shutdownHook == null || Thread.currentThread() != shutdownHook);
        }
        if (gate != null) {
            gate.deactivate();
            inst.removeTransformer(gate);
            // Without the gate, a retransformation gives the classes back their original code.
            retransformWatched();
        }
        if (mbean != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(mbean);
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "unregistering the MBean: {0}", e.toString());
            }
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway and finds us stopped
            }
        }
        interceptor.close();
        boolean clean = engine.close(timeout);
        for (DatabaseStatus d : engine.status().databases()) {
            if ("failed".equals(d.state())) {
                System.err.println("[lifeline] WARNING: " + d.path() + " was not replicated (" + d.error()
                        + "); the replica may lack its latest changes");
            }
        }
        if (!clean) {
            System.err.println("[lifeline] WARNING: replication did not finish within " + timeout.toSeconds()
                    + " s; the replicas may lag the databases (the next start resumes from the WAL)");
        }
        return clean;
    }

    /**
     * Runs Byte Buddy's first use with {@code net.bytebuddy.safe=true}, so that its class injector
     * does not touch {@code sun.misc.Unsafe} (on 24+ the JVM prints a deprecation warning on the
     * host's standard error). Byte Buddy reads the property once, when its classes initialize in
     * our loader; it is set only if the host has not set it, and removed again at once so the
     * host's own Byte Buddy, if any, sees the host's setting.
     */
    private static <T> T withoutUnsafe(java.util.function.Supplier<T> work) {
        boolean set = System.getProperty("net.bytebuddy.safe") == null;
        if (set) {
            System.setProperty("net.bytebuddy.safe", "true");
        }
        try {
            return work.get();
        } finally {
            if (set) {
                System.clearProperty("net.bytebuddy.safe");
            }
        }
    }

    /** Retransforms the watched classes already loaded (by the host, never by us): a live attach. */
    private void retransformWatched() {
        ClassLoader ours = RunningAgent.class.getClassLoader();
        java.util.List<Class<?>> loaded = new java.util.ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (c.getClassLoader() != ours && gate.watched().contains(c.getName().replace('.', '/'))
                    && inst.isModifiableClass(c)) {
                loaded.add(c);
            }
        }
        for (Class<?> c : loaded) {
            try {
                inst.retransformClasses(c);
            } catch (Exception | LinkageError e) {
                LOG.log(Level.WARNING, "could not instrument {0} (loaded before the agent); its connections are "
                        + "not protected: {1}", c.getName(), e.toString());
            }
        }
    }

    /** Logs classes that could not be instrumented: the host still runs, unprotected for them. */
    private static final class TransformErrors extends AgentBuilder.Listener.Adapter {
        @Override
        public void onError(String typeName, ClassLoader loader, net.bytebuddy.utility.JavaModule module,
                            boolean loaded, Throwable throwable) {
            LOG.log(Level.WARNING, "could not instrument {0}; its connections are not protected: {1}", typeName,
                    throwable.toString());
        }
    }
}
