package dev.lifeline.agent.inst;

import dev.lifeline.agent.bridge.DeferredTransformer;
import dev.lifeline.agent.bridge.LifelineBridge;
import dev.lifeline.runtime.config.ConfigException;
import dev.lifeline.runtime.config.ConfigLoader;
import dev.lifeline.runtime.config.LifelineConfig;
import java.io.File;
import java.io.PrintStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

/** Starts the agent inside the host, called reflectively from the bootstrap entry point. */
public final class AgentInstaller {

    private AgentInstaller() {
    }

    /**
     * @param gate the {@link DeferredTransformer} premain registered: activated once the
     *             instrumentation is ready, released on every path that does not get there
     */
    public static void install(Instrumentation inst, String args, boolean attached, File jar, long startNanos,
                               ClassFileTransformer gate) {
        DeferredTransformer g = (DeferredTransformer) gate;
        try {
            start(inst, args, attached, jar, startNanos, g);
        } finally {
            // A gate that was not activated must not hold any class back.
            if (!g.active()) {
                g.deactivate();
                inst.removeTransformer(g);
            }
        }
    }

    private static void start(Instrumentation inst, String args, boolean attached, File jar, long startNanos,
                              DeferredTransformer gate) {
        PrintStream err = System.err;
        if (LifelineBridge.installed()) {
            err.println("[lifeline] already running in this JVM; nothing to do (detach first to restart it)");
            return;
        }
        LifelineConfig cfg;
        try {
            cfg = ConfigLoader.fromEnvironment(args);
        } catch (ConfigException e) {
            err.println("[lifeline] ERROR: " + e.getMessage());
            err.println("[lifeline] the application runs WITHOUT Lifeline protection until the configuration is fixed");
            return;
        }
        if (!cfg.enabled()) {
            err.println("[lifeline] disabled by configuration (enabled=false)");
            return;
        }
        RunningAgent agent;
        try {
            agent = RunningAgent.start(inst, cfg, attached, gate);
        } catch (Exception | LinkageError e) {
            err.println("[lifeline] ERROR: the agent did not start; the application runs WITHOUT Lifeline "
                    + "protection: " + e);
            return;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        banner(err, cfg, agent.engine().status().replicas(), attached, version(jar), ms, jar);
    }

    private static void banner(PrintStream err, LifelineConfig cfg, java.util.List<String> replicas,
                               boolean attached, String version, long ms, File jar) {
        err.println("[lifeline] Lifeline " + version + " " + (attached ? "attached" : "ready") + " " + ms
                + " ms after " + (attached ? "the attach" : "premain (which returned at once)") + ": protecting the SQLite databases this JVM opens"
                + (cfg.include().isEmpty() ? "" : " (include " + cfg.include() + ")")
                + (cfg.exclude().isEmpty() ? "" : " (exclude " + cfg.exclude() + ")"));
        String replica;
        if (cfg.replicas().isEmpty()) {
            replica = cfg.defaultReplicaDir().toString();
            err.println("[lifeline] replica: " + replica + " (the embedded default)");
            err.println("[lifeline] WARNING: this replica is on this machine's own disk: it does not survive the "
                    + "loss of the disk or the machine. Set LIFELINE_REPLICA=s3://bucket/prefix (or "
                    + "-Dlifeline.replica=...) for off-host protection.");
        } else {
            replica = String.join(" and ", replicas);
            err.println("[lifeline] replica: " + replica);
        }
        if (!cfg.durable().isEmpty()) {
            err.println("[lifeline] durable commits (wait for every replica, at most "
                    + cfg.durableTimeout().toMillis() + " ms) for " + cfg.durable());
        }
        String cli = "java -jar " + jar.getAbsolutePath();
        String r = cfg.replicas().isEmpty() ? replica : "<replica URL>";
        err.println("[lifeline] to list what is protected: " + cli + " databases --replica " + r);
        err.println("[lifeline] to restore a database:     " + cli + " restore --replica " + r
                + " --db <NAME> -o <PATH>");
    }

    private static String version(File jar) {
        try (JarFile j = new JarFile(jar, false)) {
            String v = j.getManifest() == null ? null
                    : j.getManifest().getMainAttributes().getValue("Implementation-Version");
            return v == null ? "dev" : v;
        } catch (Exception e) {
            return "dev";
        }
    }
}
