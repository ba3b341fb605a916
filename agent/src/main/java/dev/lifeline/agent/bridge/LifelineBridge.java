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

    /**
     * What file-mutation advice (java.io, sun.nio) calls into; implemented by the agent's
     * memory-file journaling ({@code dev.lifeline.agent.inst.files}), installed separately from
     * {@link Hooks} so that either can run without the other.
     */
    public interface FileHooks {
        /**
         * A file operation is starting on the host's thread. Returns the token to hand to
         * {@link LifelineBridge#fileExit} when it ends, or null when the operation is not journaled
         * (not under a watched root, or nested inside one that is).
         *
         * @param op     which operation (codes defined by the agent's advice)
         * @param target the object operated on (a stream, channel, File, file system provider)
         * @param path   the path as the JDK object holds it (String, File or Path)
         * @param other  a second operand: a rename's target, a descriptor, open options, ...
         * @param args   the method's arguments, or null
         */
        Exit fileEnter(int op, Object target, Object path, Object other, Object[] args);
    }

    /** A file operation under way, as {@link FileHooks#fileEnter} returned it. */
    public interface Exit {
        /** The operation has ended: it returned {@code returned} (null for void), or threw {@code thrown}. */
        void fileExit(Object[] args, Object returned, Throwable thrown);
    }

    private static volatile Hooks hooks;
    private static volatile FileHooks fileHooks;
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

    public static void installFileHooks(FileHooks h) {
        fileHooks = h;
    }

    public static void uninstallFileHooks() {
        fileHooks = null;
    }

    public static boolean fileHooksInstalled() {
        return fileHooks != null;
    }

    /** See {@link FileHooks#fileEnter}; null when no file hooks are installed. */
    public static Object fileEnter(int op, Object target, Object path, Object other, Object[] args) {
        FileHooks h = fileHooks;
        if (h == null) {
            return null;
        }
        try {
            return h.fileEnter(op, target, path, other, args);
        } catch (Throwable t) {
            failed(t);
            return null;
        }
    }

    /**
     * Ends the operation {@code token} (from {@link #fileEnter}) stands for; goes to the token even
     * if the hooks were uninstalled since, so that it releases what {@code fileEnter} took.
     */
    public static void fileExit(Object token, Object[] args, Object returned, Throwable thrown) {
        if (token == null) {
            return;
        }
        try {
            ((Exit) token).fileExit(args, returned, thrown);
        } catch (Throwable t) {
            failed(t);
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
