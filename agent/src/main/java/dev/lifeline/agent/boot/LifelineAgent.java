package dev.lifeline.agent.boot;

import java.io.File;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.util.Enumeration;
import java.util.jar.JarFile;

/**
 * The agent jar's entry points: {@code premain} ({@code -javaagent}), {@code agentmain} (live
 * attach) and {@code main} (the CLI). This class and the bridge are the only ones the host's class
 * loader can see; they use nothing but the JDK. Everything else is loaded by an
 * {@link AgentClassLoader}, in the manner of the OpenTelemetry Java agent.
 */
public final class LifelineAgent {

    private static final String BRIDGE = "dev.lifeline.agent.bridge.LifelineBridge";
    private static final String INSTALLER = "dev.lifeline.agent.inst.AgentInstaller";
    private static final String CLI = "dev.lifeline.agent.cli.LifelineCli";
    private static final String INSTALLER_DATA = "inst/dev/lifeline/agent/inst/AgentInstaller.classdata";
    private static final String GATE = "dev.lifeline.agent.bridge.DeferredTransformer";
    /** The classes the agent instruments (internal names): loading one waits until the agent is ready. */
    private static final java.util.Set<String> WATCHED = java.util.Set.of("org/sqlite/JDBC", "org/sqlite/core/DB");

    private LifelineAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    public static void main(String[] args) throws Throwable {
        ClassLoader loader = new AgentClassLoader(agentJar(), ClassLoader.getPlatformClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
        Method main = Class.forName(CLI, true, loader).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * Never throws and never stops the host: whatever goes wrong here, the application starts
     * (unprotected), and standard error says why. With {@code -javaagent} the agent starts on a
     * background thread (premain returns in a few milliseconds); a {@code DeferredTransformer}
     * holds back the classes it instruments until it is ready, so none is missed.
     */
    private static void start(String args, Instrumentation inst, boolean attached) {
        long t0 = System.nanoTime();
        ClassFileTransformer gate = null;
        try {
            File jar = agentJar();
            ClassLoader loader = bootstrapBridge(jar, inst);
            gate = (ClassFileTransformer) Class.forName(GATE, true, null)
                    .getConstructor(java.util.Set.class, ClassLoader.class).newInstance(WATCHED, loader);
            inst.addTransformer(gate, true);
            ClassFileTransformer g = gate;
            Runnable install = () -> install(loader, inst, args, attached, jar, t0, g);
            if (attached) {
                install.run();
            } else {
                Thread t = new Thread(install, "lifeline-start");
                t.setDaemon(true);
                t.start();
            }
        } catch (Throwable t) {
            release(gate);
            report(t);
        }
    }

    private static void install(ClassLoader loader, Instrumentation inst, String args, boolean attached, File jar,
                                long t0, ClassFileTransformer gate) {
        try {
            Class<?> installer = Class.forName(INSTALLER, true, loader);
            installer.getMethod("install", Instrumentation.class, String.class, boolean.class, File.class, long.class,
                    ClassFileTransformer.class).invoke(null, inst, args, attached, jar, t0, gate);
        } catch (InvocationTargetException e) {
            release(gate);
            report(e.getCause());
        } catch (Throwable t) {
            release(gate);
            report(t);
        }
    }

    /** Lets host threads waiting at the gate go on, untransformed. */
    private static void release(ClassFileTransformer gate) {
        if (gate == null) {
            return;
        }
        try {
            gate.getClass().getMethod("deactivate").invoke(gate);
        } catch (ReflectiveOperationException | RuntimeException ignored) {
            // nothing more can be done; the gate's own timeout still applies
        }
    }

    /**
     * Puts the agent jar on the bootstrap class path (once per JVM) so that advice inlined into
     * host classes can reach the bridge, and returns the agent's class loader (reused by a later
     * attach after a detach).
     */
    private static ClassLoader bootstrapBridge(File jar, Instrumentation inst) throws Exception {
        Class<?> bridge;
        try {
            bridge = Class.forName(BRIDGE, false, null);
        } catch (ClassNotFoundException notYet) {
            inst.appendToBootstrapClassLoaderSearch(new JarFile(jar, false));
            bridge = Class.forName(BRIDGE, true, null);
        }
        ClassLoader loader = (ClassLoader) bridge.getMethod("agentLoader").invoke(null);
        if (loader == null) {
            loader = new AgentClassLoader(jar, ClassLoader.getPlatformClassLoader());
            bridge.getMethod("agentLoader", ClassLoader.class).invoke(null, loader);
        }
        return loader;
    }

    private static void report(Throwable t) {
        System.err.println("[lifeline] ERROR: the agent did not start; the application runs WITHOUT Lifeline "
                + "protection: " + t);
    }

    /**
     * The agent jar. Usually where this class came from; but when the host's own class path also
     * holds Lifeline's classes (ahead of the jar the JVM appended for {@code -javaagent}), this
     * class was loaded from there, so the jar is looked up among the system class path's copies.
     */
    private static File agentJar() throws Exception {
        File own = new File(LifelineAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (isAgentJar(own)) {
            return own;
        }
        String self = LifelineAgent.class.getName().replace('.', '/') + ".class";
        for (Enumeration<URL> urls = ClassLoader.getSystemClassLoader().getResources(self); urls.hasMoreElements(); ) {
            URL u = urls.nextElement();
            String path = u.getPath();
            int bang = path.indexOf("!/");
            if ("jar".equals(u.getProtocol()) && bang > 0) {
                File f = new File(new URI(path.substring(0, bang)));
                if (isAgentJar(f)) {
                    return f;
                }
            }
        }
        throw new IllegalStateException("cannot find lifeline-agent.jar: this class came from " + own
                + ", which is not the agent jar, and the system class path has no agent jar");
    }

    private static boolean isAgentJar(File f) {
        if (!f.isFile()) {
            return false;
        }
        try (JarFile j = new JarFile(f, false)) {
            return j.getEntry(INSTALLER_DATA) != null;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
