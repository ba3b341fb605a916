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
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
    private final ThreadLocal<LastSeen> lastSeen = ThreadLocal.withInitial(LastSeen::new);
    /** The database this thread committed to inside the JDBC call that is returning. */
    private final ThreadLocal<ProtectedDatabase> committed = new ThreadLocal<>();
    private final AtomicLong errors = new AtomicLong();
    /** How often a live-attached database's switch to WAL mode is tried before giving up on it. */
    private static final int MAX_ATTEMPTS = 1000;
    /** Set while Lifeline opens its own connections through the host's driver. */
    private final ThreadLocal<Boolean> internal = new ThreadLocal<>();
    /** Descriptors of database files, never closed (see {@link HostSqlite}). */
    private final Map<Path, DatabaseFile> files = new java.util.HashMap<>();
    private final Map<ClassLoader, HostSqlite> hostSqlite = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String lastError;
    /** Adopts DBs first seen mid-call and hands their checkpoints over; its own daemon thread. */
    private final ScheduledThreadPoolExecutor adopter;

    public SqliteInterceptor(Engine engine) {
        this.engine = engine;
        this.adopter = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "lifeline-adopter");
            t.setDaemon(true);
            return t;
        });
    }

    /** Stops the adopter thread (a detach). */
    public void close() {
        adopter.shutdown();
    }

    /**
     * A host connection (a real {@code org.sqlite.SQLiteConnection} of any class loader) was just
     * opened: the one safe point to adopt it on the host's thread (its constructor has run, no
     * statement of it is running), so it is protected before its first statement.
     */
    public void connectionOpened(Object sqliteConnection) {
        try {
            Object db = SqliteReflection.databaseOf(sqliteConnection);
            if (internal.get() != null) {
                seen.put(db, IGNORED);
                return;
            }
            synchronized (db) {
                Object known = seen.get(db);
                if (known == null || known instanceof Candidate) {
                    seen.put(db, adoptOrIgnore(db));
                }
            }
        } catch (Throwable t) {
            failed("inspecting a new SQLite connection", t);
        }
    }

    /**
     * A call on a host {@code org.sqlite.core.DB} returned. That is no place to run SQL on it (the
     * call may be nested in another that is about to read the connection's error message), so a
     * DB not seen before (a connection opened before a live attach) is adopted on the adopter
     * thread, and a protected one's automatic checkpoints are turned off there too: both through
     * sqlite-jdbc's own synchronized methods, between the host's calls. Costs one map lookup.
     */
    public void databaseUsed(Object db) {
        Object known = lookup(db);
        if (known instanceof Adopted a) {
            if (!a.handOverQueued && a.pd.ownsCheckpoints()) {
                a.handOverQueued = true;
                adopter.execute(() -> handOverCheckpoints(db));
            }
            return;
        }
        if (known != null || internal.get() != null) {
            return;
        }
        Candidate c = new Candidate();
        if (seen.putIfAbsent(db, c) == null) {
            schedule(db, c, Duration.ofMillis(100));
        }
    }

    /**
     * {@code seen.get(db)}, through a one-entry cache per thread: a host thread mostly uses one
     * connection, and the shared map's lock would otherwise be taken on every statement.
     */
    private Object lookup(Object db) {
        LastSeen l = lastSeen.get();
        if (l.db != null && l.db.get() == db) {
            return l.value;
        }
        Object v = seen.get(db);
        if (v == IGNORED || v instanceof Adopted) {
            // Final states only: a Candidate changes on the adopter thread.
            l.db = new java.lang.ref.WeakReference<>(db);
            l.value = v;
        }
        return v;
    }

    /** The last DB this thread used and what we know of it (weakly: the host owns the connection). */
    private static final class LastSeen {
        java.lang.ref.WeakReference<Object> db;
        Object value;
    }

    private void schedule(Object db, Candidate c, Duration delay) {
        adopter.schedule(() -> adoptLater(db, c), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** On the adopter thread: a DB first seen in one of its calls (live attach, or a direct constructor). */
    private void adoptLater(Object db, Candidate c) {
        synchronized (db) {
            if (seen.get(db) != c) {
                return;
            }
            try {
                seen.put(db, adopt(db));
            } catch (NotNow e) {
                if (++c.attempts < MAX_ATTEMPTS) {
                    schedule(db, c, Duration.ofMillis(Math.min(5000, 100L << Math.min(6, c.attempts))));
                    return;
                }
                seen.put(db, IGNORED);
                failed("switching " + e.path + " to WAL mode (" + MAX_ATTEMPTS + " attempts); it is not protected",
                        e.getCause());
            } catch (Throwable t) {
                seen.put(db, IGNORED);
                failed("adopting a SQLite connection", t);
            }
        }
    }

    private Object adoptOrIgnore(Object db) {
        try {
            return adopt(db);
        } catch (NotNow e) {
            failed("switching " + e.path + " to WAL mode; it is not protected", e.getCause());
        } catch (Throwable t) {
            failed("adopting a SQLite connection", t);
        }
        return IGNORED;
    }

    private void handOverCheckpoints(Object db) {
        try {
            // The engine checkpoints once frames are in the replicas; the host's own automatic
            // checkpoints would only compete with it for the WAL.
            SqliteReflection.of(db).exec(db, "PRAGMA wal_autocheckpoint=0;");
        } catch (Throwable t) {
            failed("turning off a host connection's automatic checkpoints", t);
        }
    }

    /** A DB first seen inside one of its own calls, waiting for the adopter thread. */
    private static final class Candidate {
        int attempts;
    }

    /** The switch to WAL mode failed (a transaction or another connection in the way): try later. */
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
            // A no-op for a database already in WAL mode. A switch fails while a transaction of
            // this connection is open or another connection holds the database.
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
        Adopted a = new Adopted(p);
        if (p.ownsCheckpoints()) {
            a.handOverQueued = true;
            handOverCheckpoints(db);
        }
        return a;
    }

    /** A host DB we protect. */
    private static final class Adopted {
        final ProtectedDatabase pd;
        /** Whether turning off its automatic checkpoints was done or queued (once the engine owns them). */
        volatile boolean handOverQueued;

        Adopted(ProtectedDatabase pd) {
            this.pd = pd;
        }
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
