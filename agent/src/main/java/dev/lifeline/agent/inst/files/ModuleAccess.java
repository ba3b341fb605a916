package dev.lifeline.agent.inst.files;

import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Grants, through {@link Instrumentation#redefineModule}, what the memory-file journaling needs
 * from {@code java.base} without any flag on the host's command line:
 * <ul>
 *   <li>Chronicle Queue, in the agent's class loader: {@code java.lang.reflect} and
 *       {@code sun.nio.ch} opened, {@code jdk.internal.ref} exported (the equivalent of
 *       {@code --add-opens}/{@code --add-exports ...=ALL-UNNAMED}, but only for our loader);</li>
 *   <li>{@link Fds}: {@code sun.nio.ch} opened, to read a descriptor's position without a channel;</li>
 *   <li>advice inlined into {@code java.base} classes calls the bootstrap bridge, in the boot
 *       loader's unnamed module: {@code java.base} is made to read it.</li>
 * </ul>
 * Also sets Chronicle's quiet properties and initializes Chronicle's {@code Jvm} class with
 * {@code system.properties} pointed at an empty file, so that a {@code system.properties} file in
 * the host's working directory is not loaded into the host's system properties.
 */
final class ModuleAccess {

    /** Held so that the levels set on them are not lost to garbage collection. */
    private static final Logger CHRONICLE_LOG = Logger.getLogger("net.openhft");
    private static final Logger AFFINITY_LOG = Logger.getLogger("net.openhft.affinity");

    private ModuleAccess() {
    }

    static void grant(Instrumentation inst, ClassLoader agentLoader, Module bridgeModule) {
        Module base = Object.class.getModule();
        Module ours = agentLoader.getUnnamedModule();
        inst.redefineModule(base, Set.of(bridgeModule),
                Map.of("sun.nio.ch", Set.of(ours), "jdk.internal.ref", Set.of(ours)),
                Map.of("java.lang.reflect", Set.of(ours), "sun.nio.ch", Set.of(ours)),
                Set.of(), Map.of());
    }

    /**
     * Before the first Chronicle class is used, with the agent's loader as the thread's context
     * loader (Chronicle finds its services through it).
     */
    static void quietChronicle(ClassLoader agentLoader) {
        dev.lifeline.runtime.journal.MutationJournal.quietChronicle();
        if (System.getProperty("chronicle.disk.monitor.disable") == null) {
            System.setProperty("chronicle.disk.monitor.disable", "true");
        }
        // Chronicle logs its timings at INFO; through the agent's SLF4J-to-JUL binding they would
        // land on the host's standard error. Warnings still show.
        CHRONICLE_LOG.setLevel(Level.WARNING);
        // Thread affinity is not used; without JNA (left out of the agent) it says so at WARNING.
        AFFINITY_LOG.setLevel(Level.SEVERE);
        String before = System.getProperty("system.properties");
        try {
            System.setProperty("system.properties", "/dev/null");
            Class.forName("net.openhft.chronicle.core.Jvm", true, agentLoader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Chronicle is not in the agent jar", e);
        } finally {
            if (before == null) {
                System.clearProperty("system.properties");
            } else {
                System.setProperty("system.properties", before);
            }
        }
    }
}
