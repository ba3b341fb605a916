package dev.lifeline.agent.bridge;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The only Lifeline class the host's own classes see. The agent appends its jar to the bootstrap
 * class path, so advice inlined into any host class (sqlite-jdbc, java.io) can call these static
 * methods; they forward to the agent's implementation, which lives in its own class loader.
 *
 * <p>This is the agent's one place of static mutable state: the hooks of the running agent (null
 * before start and after detach, so advice costs one volatile read and does nothing) and a counter
 * of failures caught on the host's threads. Every method catches everything: advice must never
 * throw into the host, except a failure the hooks deliberately return (a durable commit that the
 * replicas did not confirm, when so configured).
 */
public final class LifelineBridge {

    /** What advice calls into; implemented by the agent inside its isolated class loader. */
    public interface Hooks {
        /** A host connection to SQLite was just created (a real org.sqlite.SQLiteConnection). */
        void connectionOpened(Object sqliteConnection);

        /**
         * A call on a host org.sqlite.core.DB returned. Returns a throwable for the host's call to
         * throw instead of returning, or null.
         */
        Throwable databaseCallReturned(Object db);
    }

    private static volatile Hooks hooks;
    /** The class loader that holds the running agent, kept so a second attach reuses it. */
    private static volatile ClassLoader agentLoader;
    private static final AtomicLong ERRORS = new AtomicLong();
    private static volatile String lastError;

    private LifelineBridge() {
    }

    public static void install(Hooks h) {
        hooks = h;
    }

    public static void uninstall() {
        hooks = null;
    }

    public static boolean installed() {
        return hooks != null;
    }

    public static ClassLoader agentLoader() {
        return agentLoader;
    }

    public static void agentLoader(ClassLoader l) {
        agentLoader = l;
    }

    public static void connectionOpened(Object connection) {
        Hooks h = hooks;
        if (h == null || connection == null) {
            return;
        }
        try {
            h.connectionOpened(connection);
        } catch (Throwable t) {
            failed(t);
        }
    }

    public static Throwable databaseCallReturned(Object db) {
        Hooks h = hooks;
        if (h == null) {
            return null;
        }
        try {
            return h.databaseCallReturned(db);
        } catch (Throwable t) {
            failed(t);
            return null;
        }
    }

    /** Failures caught on host threads since the JVM started. */
    public static long errors() {
        return ERRORS.get();
    }

    public static String lastError() {
        return lastError;
    }

    private static void failed(Throwable t) {
        ERRORS.incrementAndGet();
        lastError = String.valueOf(t);
    }
}
