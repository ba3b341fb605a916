package dev.lifeline.shim;

import dev.lifeline.runtime.config.LifelineConfig;
import dev.lifeline.runtime.db.DatabaseFile;
import dev.lifeline.runtime.engine.DurableOutcome;
import dev.lifeline.runtime.engine.Engine;
import dev.lifeline.runtime.engine.ProtectedDatabase;
import java.lang.System.Logger.Level;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What Lifeline does around the host's sqlite-jdbc calls, whoever intercepts them (the agent's
 * advice or the wrapping driver): find the database behind a new connection and protect it, learn
 * of each commit through sqlite-jdbc's own commit listener, and once the JDBC call that committed
 * has returned (the frames are then in the WAL) wake the replicator, or for a durable database
 * wait for the replicas.
 *
 * <p>Nothing here throws into the host except {@link #callReturned()} for a durable commit the
 * replicas did not confirm in time, when the configuration asks for that.
 */
public final class SqliteInterceptor {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.shim");
    /** Marks a DB object we looked at and chose not to protect. */
    private static final Object IGNORED = new Object();

    private final Engine engine;
    /** Host DB objects already seen, weakly: the host decides when a connection dies. */
    private final Map<Object, Object> seen = Collections.synchronizedMap(new WeakHashMap<>());
    /** The database this thread committed to inside the JDBC call that is returning. */
    private final ThreadLocal<ProtectedDatabase> committed = new ThreadLocal<>();
    private final AtomicLong errors = new AtomicLong();
    /** How often a database's switch to WAL mode is tried before giving up on it. */
    private static final int MAX_ATTEMPTS = 1000;
    /** Set while Lifeline opens its own connections through the host's driver. */
    private final ThreadLocal<Boolean> internal = new ThreadLocal<>();
    /** Descriptors of database files, never closed (see {@link HostSqlite}). */
    private final Map<Path, DatabaseFile> files = new java.util.HashMap<>();
    private final Map<ClassLoader, HostSqlite> hostSqlite = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String lastError;

    public SqliteInterceptor(Engine engine) {
        this.engine = engine;
    }

    /** A host connection (a real {@code org.sqlite.SQLiteConnection} of any class loader) was opened. */
    public void connectionOpened(Object sqliteConnection) {
        if (internal.get() != null) {
            return;
        }
        try {
            databaseUsed(SqliteReflection.databaseOf(sqliteConnection));
        } catch (Throwable t) {
            failed("inspecting a new SQLite connection", t);
        }
    }

    /**
     * A host {@code org.sqlite.core.DB} was used. The first time, its database is protected and our
     * commit listener is added; later calls cost one map lookup. This is also how connections opened
     * before a live attach are found: on their next statement.
     */
    public void databaseUsed(Object db) {
        Object known = seen.get(db);
        if (known != null && !(known instanceof Deferred) || internal.get() != null) {
            return;
        }
        synchronized (db) {
            known = seen.get(db);
            if (known != null && !(known instanceof Deferred)) {
                return;
            }
            Object outcome = IGNORED;
            try {
                outcome = adopt(db);
            } catch (NotNow e) {
                Deferred d = known == null ? new Deferred() : (Deferred) known;
                if (++d.attempts < MAX_ATTEMPTS) {
                    seen.put(db, d);
                    return;
                }
                failed("switching " + e.path + " to WAL mode (" + MAX_ATTEMPTS + " attempts); it is not protected",
                        e.getCause());
            } catch (Throwable t) {
                failed("adopting a SQLite connection", t);
            }
            seen.put(db, outcome);
        }
    }

    /**
     * A database whose switch to WAL mode has to wait: it was first seen inside one of its own
     * calls (sqlite-jdbc runs the URL's pragmas from the connection's constructor) or inside a
     * transaction. The next call, at the latest the end of {@code createConnection}, tries again.
     */
    private static final class Deferred {
        int attempts;
    }

    private static final class NotNow extends Exception {
        final Path path;

        NotNow(Path path, Throwable cause) {
            super(cause);
            this.path = path;
        }
    }

    private Object adopt(Object db) throws Throwable {
        SqliteReflection r = SqliteReflection.of(db);
        Optional<Path> file = DatabaseFiles.fileOf(r.fileName(db));
        if (file.isEmpty()) {
            return IGNORED;
        }
        Path path = file.get();
        LifelineConfig cfg = engine.config();
        if (!cfg.isIncluded(path.toAbsolutePath().normalize())) {
            return IGNORED;
        }
        if (cfg.convertToWal()) {
            // A no-op for a database already in WAL mode. A switch fails while a statement of this
            // connection runs or another connection holds the database: tried again later.
            try {
                r.exec(db, "PRAGMA journal_mode=WAL;");
            } catch (Throwable t) {
                throw new NotNow(path, t);
            }
        }
        Optional<ProtectedDatabase> pd = engine.protect(path, hostSqlite(db.getClass().getClassLoader()));
        if (pd.isEmpty()) {
            return IGNORED;
        }
        ProtectedDatabase p = pd.get();
        r.addCommitListener(db, commitListener(r.commitListenerType(), p));
        if (p.ownsCheckpoints()) {
            // The engine checkpoints once frames are in the replicas; the host's own automatic
            // checkpoints would only compete with it for the WAL.
            r.exec(db, "PRAGMA wal_autocheckpoint=0;");
        }
        return p;
    }

    private HostSqlite hostSqlite(ClassLoader loader) {
        return hostSqlite.computeIfAbsent(loader, l -> {
            try {
                return new HostSqlite(l, internal, files);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("the host's sqlite-jdbc has no org.sqlite.JDBC.createConnection: " + e, e);
            }
        });
    }

    /**
     * sqlite-jdbc calls the listener from inside the commit (before its frames are in the WAL), on
     * the committing thread: note it here, act in {@link #callReturned()}.
     */
    private Object commitListener(Class<?> type, ProtectedDatabase pd) {
        InvocationHandler h = (proxy, method, args) -> switch (method.getName()) {
            case "onCommit" -> {
                ProtectedDatabase earlier = committed.get();
                if (earlier != null && earlier != pd) {
                    earlier.commitSeen();
                }
                committed.set(pd);
                yield null;
            }
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "Lifeline commit listener for " + pd.path();
            default -> null;
        };
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
    }

    /**
     * A JDBC call that may have committed returned on this thread. Wakes the replicator; for a
     * durable database, waits for the replicas.
     *
     * @throws SQLException only for a durable commit not confirmed in time with durable-on-timeout=fail
     */
    public void callReturned() throws SQLException {
        ProtectedDatabase pd = committed.get();
        if (pd == null) {
            return;
        }
        committed.remove();
        DurableOutcome outcome;
        try {
            long ticket = pd.commitSeen();
            outcome = pd.awaitDurable(ticket);
        } catch (RuntimeException e) {
            failed("after a commit", e);
            return;
        }
        if (outcome == DurableOutcome.TIMED_OUT || outcome == DurableOutcome.NOT_REPLICATING) {
            LifelineConfig cfg = engine.config();
            String msg = "Lifeline: the transaction is committed in " + pd.path() + " but the replicas did not "
                    + "confirm it within " + cfg.durableTimeout().toMillis() + " ms ("
                    + (outcome == DurableOutcome.TIMED_OUT ? "replication is slow or a replica is down"
                    : "the database is not being replicated: " + pd.status().error()) + ")";
            if (cfg.durableOnTimeout() == LifelineConfig.DurableTimeoutAction.FAIL) {
                throw new SQLException(msg, "08LL1");
            }
            LOG.log(Level.WARNING, msg);
        }
    }

    /** Failures inside Lifeline's interception, counted; none reached the host. */
    public long errors() {
        return errors.get();
    }

    public String lastError() {
        return lastError;
    }

    private void failed(String what, Throwable t) {
        long n = errors.incrementAndGet();
        lastError = what + ": " + t;
        if (n <= 5 || n % 1000 == 0) {
            LOG.log(Level.WARNING, "Lifeline failed " + what + " (" + n + " so far; the application is not "
                    + "affected): " + t, n <= 1 ? t : null);
        }
        if (t instanceof Error e && !(e instanceof LinkageError) && !(e instanceof StackOverflowError)) {
            throw e;
        }
    }

}
