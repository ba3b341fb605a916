package dev.lifeline.shim.driver;

import dev.lifeline.runtime.config.ConfigLoader;
import dev.lifeline.runtime.config.LifelineConfig;
import dev.lifeline.runtime.engine.Engine;
import dev.lifeline.shim.SqliteInterceptor;
import java.io.PrintStream;
import java.time.Duration;

/**
 * The wrapping driver's one piece of static state: the JVM's {@link Engine} and the interception
 * around it, created at the first {@code jdbc:lifeline:sqlite:} connection and stopped by a
 * shutdown hook.
 *
 * <p>Why static: {@code DriverManager} (and every pool that goes through it) instantiates drivers
 * itself, from {@code META-INF/services} or a {@code Class.forName}, so there is no place to hand a
 * driver an engine; and there must be exactly one engine per JVM, whichever driver instance or
 * class loader a connection comes through, or two replicators would fight over one database's
 * checkpoints and replica lease. The holder idiom makes the JVM's class initialisation do the
 * locking, once.
 */
final class DriverEngine {

    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    private DriverEngine() {
    }

    /** The interception for driver connections, or null when they run unprotected (said once on stderr). */
    static SqliteInterceptor interceptor() {
        return Holder.INTERCEPTOR;
    }

    private static final class Holder {
        static final SqliteInterceptor INTERCEPTOR = start(System.err);
    }

    /** Never throws: a broken configuration leaves connections working, unprotected. */
    static SqliteInterceptor start(PrintStream err) {
        if (agentRunning()) {
            err.println("[lifeline] the Lifeline -javaagent is running in this JVM: it protects jdbc:lifeline:sqlite: "
                    + "connections too; the driver adds nothing");
            return null;
        }
        LifelineConfig cfg;
        try {
            cfg = ConfigLoader.fromEnvironment(null);
        } catch (RuntimeException | LinkageError e) {
            err.println("[lifeline] ERROR: " + e.getMessage());
            err.println("[lifeline] jdbc:lifeline:sqlite: connections run WITHOUT Lifeline protection until the "
                    + "configuration is fixed");
            return null;
        }
        if (!cfg.enabled()) {
            err.println("[lifeline] disabled by configuration (enabled=false): jdbc:lifeline:sqlite: connections "
                    + "are not protected");
            return null;
        }
        try {
            Engine engine = new Engine(cfg);
            Thread hook = new Thread(() -> engine.close(SHUTDOWN_TIMEOUT), "lifeline-driver-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            String replica = cfg.replicas().isEmpty()
                    ? cfg.defaultReplicaDir() + " (the embedded default: on this machine's own disk, it does not "
                            + "survive the loss of the disk; set LIFELINE_REPLICA for off-host protection)"
                    : String.join(" and ", engine.status().replicas());
            err.println("[lifeline] Lifeline driver: protecting the SQLite databases opened through "
                    + "jdbc:lifeline:sqlite:; replica: " + replica);
            return new SqliteInterceptor(engine);
        } catch (RuntimeException | LinkageError e) {
            err.println("[lifeline] ERROR: the Lifeline driver could not start; jdbc:lifeline:sqlite: connections "
                    + "run WITHOUT protection: " + e);
            return null;
        }
    }

    /**
     * Whether the -javaagent runs here: it already intercepts sqlite-jdbc itself, and a second
     * engine would replicate the same databases twice. Its bridge sits on the bootstrap class path.
     */
    private static boolean agentRunning() {
        try {
            Class<?> bridge = Class.forName("dev.lifeline.agent.bridge.LifelineBridge", false, null);
            return (Boolean) bridge.getMethod("installed").invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }
}
