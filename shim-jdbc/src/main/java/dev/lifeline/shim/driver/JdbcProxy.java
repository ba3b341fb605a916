package dev.lifeline.shim.driver;

import dev.lifeline.shim.SqlClassifier;
import dev.lifeline.shim.SqlClassifier.Classified;
import dev.lifeline.shim.SqliteInterceptor;
import dev.lifeline.shim.TransactionTracker;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The wrappers the driver hands out: one dynamic proxy per real JDBC object (connection,
 * statement, prepared or callable statement, result set, database metadata), implementing every
 * public interface the real object's class implements. Each call goes to the real object; what it
 * returns is wrapped in turn, so the application never holds a real statement or result set
 * (whose calls we would not see) and {@code getConnection()}/{@code getStatement()} lead back to
 * the wrappers. {@code unwrap} and {@code isWrapperFor} reach the real objects.
 *
 * <p>After every call that may have committed (see {@link #MAY_COMMIT}), also when it threw,
 * {@link SqliteInterceptor#callReturned()} runs on the same thread: it wakes the replicator, and
 * for a durable database waits for the replicas; its SQLException (a durable commit not
 * confirmed) is thrown to the caller, or added as suppressed to the call's own exception.
 */
final class JdbcProxy implements InvocationHandler {

    /**
     * Calls after which SQLite may have committed: statements that run SQL, the connection's
     * transaction calls, and the calls that step or reset a statement lazily (a result set's
     * {@code next} and {@code close} finish an {@code INSERT ... RETURNING}; closing a statement
     * resets it).
     */
    static final Set<String> MAY_COMMIT = Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate",
            "executeBatch", "executeLargeBatch", "commit", "rollback", "setAutoCommit", "setSavepoint",
            "releaseSavepoint", "close", "next", "getMoreResults", "abort");

    private static final ClassValue<Class<?>[]> INTERFACES = new ClassValue<>() {
        @Override
        protected Class<?>[] computeValue(Class<?> type) {
            Set<Class<?>> all = new LinkedHashSet<>();
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                collect(c, all);
            }
            all.removeIf(i -> !Modifier.isPublic(i.getModifiers()));
            return all.toArray(new Class<?>[0]);
        }

        private void collect(Class<?> c, Set<Class<?>> out) {
            for (Class<?> i : c.getInterfaces()) {
                if (out.add(i)) {
                    collect(i, out);
                }
            }
        }
    };

    /** What every wrapper of one connection shares. */
    static final class Conn {
        final Connection real;
        final SqliteInterceptor interceptor;
        final TransactionTracker tracker;
        Connection proxy;

        Conn(Connection real, SqliteInterceptor interceptor, TransactionTracker tracker) {
            this.real = real;
            this.interceptor = interceptor;
            this.tracker = tracker;
        }
    }

    private final Object real;
    private final Conn conn;
    /** For a result set: the wrapper of the statement it came from (null for metadata results). */
    private final Object parent;
    /** For a prepared statement: its SQL, classified once. */
    private final List<Classified> preparedSql;
    /** For a statement: the SQL of addBatch calls since the last executeBatch/clearBatch. */
    private List<Classified> batch;
    private int batchSize;
    /** For a statement: its current result set and that set's wrapper, so both calls return one object. */
    private Object lastResultReal;
    private Object lastResultProxy;
    private Object proxy;

    private JdbcProxy(Object real, Conn conn, Object parent, String preparedSql) {
        this.real = real;
        this.conn = conn;
        this.parent = parent;
        this.preparedSql = preparedSql == null ? null : SqlClassifier.classifyAll(preparedSql);
    }

    /** Wraps a new real connection. */
    static Connection wrapConnection(Connection real, SqliteInterceptor interceptor) throws SQLException {
        Conn c = new Conn(real, interceptor, new TransactionTracker(real.getAutoCommit()));
        c.proxy = (Connection) create(real, new JdbcProxy(real, c, null, null));
        return c.proxy;
    }

    private static Object create(Object real, JdbcProxy handler) {
        Class<?> type = real.getClass();
        ClassLoader loader = type.getClassLoader() != null ? type.getClassLoader() : JdbcProxy.class.getClassLoader();
        Object p = Proxy.newProxyInstance(loader, INTERFACES.get(type), handler);
        handler.proxy = p;
        return p;
    }

    @Override
    public Object invoke(Object self, Method m, Object[] args) throws Throwable {
        String name = m.getName();
        if (m.getDeclaringClass() == Object.class) {
            return switch (name) {
                case "equals" -> self == args[0];
                case "hashCode" -> System.identityHashCode(self);
                default -> "Lifeline(" + real + ")";
            };
        }
        if (name.equals("unwrap") && args != null && args.length == 1 && args[0] instanceof Class<?> c) {
            if (c.isInstance(self)) {
                return self;
            }
            if (c == TransactionTracker.class && real == conn.real) {
                return conn.tracker;
            }
            return call(m, args);
        }
        if (name.equals("isWrapperFor") && args != null && args.length == 1 && args[0] instanceof Class<?> c) {
            return c.isInstance(self) || (c == TransactionTracker.class && real == conn.real) || (boolean) call(m, args);
        }
        if (!MAY_COMMIT.contains(name)) {
            if (real instanceof Statement) {
                noteBatch(name, args);
            }
            return wrap(call(m, args), m, args);
        }
        List<Classified> sql = before(name, args);
        Object result = null;
        Throwable failure = null;
        try {
            result = call(m, args);
        } catch (Throwable t) {
            failure = t;
        }
        failure = afterCall(failure);
        after(name, args, sql, result, failure);
        if (failure != null) {
            throw failure;
        }
        return wrap(result, m, args);
    }

    /** Runs the interception after a call; returns the throwable the caller should get, if any. */
    private Throwable afterCall(Throwable failure) {
        SqliteInterceptor i = conn.interceptor;
        if (i == null) {
            return failure;
        }
        try {
            i.callReturned();
        } catch (SQLException durable) {
            if (failure == null) {
                return durable;
            }
            failure.addSuppressed(durable);
        } catch (RuntimeException e) {
            // callReturned counts its own failures; nothing else of ours reaches the application.
        }
        return failure;
    }

    private Object call(Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(real, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    // ---- transaction tracking ----

    private void noteBatch(String name, Object[] args) {
        switch (name) {
            case "addBatch" -> {
                if (batch == null) {
                    batch = new ArrayList<>();
                }
                if (args != null && args.length == 1 && args[0] instanceof String s) {
                    batch.addAll(SqlClassifier.classifyAll(s));
                } else if (preparedSql != null) {
                    batch.addAll(preparedSql);
                }
                batchSize++;
            }
            case "clearBatch" -> {
                batch = null;
                batchSize = 0;
            }
            default -> {
            }
        }
    }

    /** The SQL a statement call runs, reported to the tracker before it runs; null for other calls. */
    private List<Classified> before(String name, Object[] args) {
        if (!(real instanceof Statement) || !name.startsWith("execute")) {
            return null;
        }
        List<Classified> sql;
        if (name.equals("executeBatch") || name.equals("executeLargeBatch")) {
            sql = batch == null ? List.of() : batch;
        } else if (args != null && args.length >= 1 && args[0] instanceof String s) {
            sql = SqlClassifier.classifyAll(s);
        } else {
            sql = preparedSql == null ? List.of() : preparedSql;
        }
        conn.tracker.beforeExecute(sql);
        return sql;
    }

    private void after(String name, Object[] args, List<Classified> sql, Object result, Throwable failure)
            throws SQLException {
        TransactionTracker t = conn.tracker;
        boolean ok = failure == null;
        if (sql != null) {
            if (name.equals("executeBatch") || name.equals("executeLargeBatch")) {
                // Auto-commit rows before a failing one stay committed. A BatchUpdateException says how
                // many ran; sqlite-jdbc's prepared batches throw a plain SQLException instead, after
                // which some rows may have run: count that as committed (data may have changed).
                boolean any = ok || !(failure instanceof BatchUpdateException b) || b.getUpdateCounts() == null
                        || b.getUpdateCounts().length > 0;
                t.afterBatch(sql, ok, any);
                batch = null;
                batchSize = 0;
            } else {
                t.afterExecute(sql, ok);
            }
            return;
        }
        if (real != conn.real) {
            return;
        }
        switch (name) {
            case "close" -> t.connectionClosed();
            case "abort" -> {
                if (ok) {
                    t.connectionClosed();
                }
            }
            default -> {
                if (!ok) {
                    return;
                }
                switch (name) {
                    case "commit" -> t.committed();
                    case "rollback" -> {
                        if (args == null || args.length == 0) {
                            t.rolledBack();
                        } else if (args[0] instanceof Savepoint sp) {
                            t.rolledBackTo(sp.getSavepointName());
                        }
                    }
                    case "setAutoCommit" -> t.autoCommitSet((Boolean) args[0]);
                    case "setSavepoint" -> {
                        t.savepointSet(((Savepoint) result).getSavepointName());
                        t.autoCommitObserved(conn.real.getAutoCommit());
                    }
                    case "releaseSavepoint" -> t.savepointReleased(((Savepoint) args[0]).getSavepointName());
                    default -> {
                    }
                }
            }
        }
    }

    // ---- wrapping what calls return ----

    private Object wrap(Object result, Method m, Object[] args) {
        if (result == null) {
            return null;
        }
        Class<?> type = m.getReturnType();
        if (result == conn.real && type.isInstance(conn.proxy)) {
            return conn.proxy;
        }
        if (Statement.class.isAssignableFrom(type) && result instanceof Statement s) {
            if (parent != null && result == ((JdbcProxy) Proxy.getInvocationHandler(parent)).real) {
                return parent;
            }
            String sql = m.getName().startsWith("prepare") && args != null && args.length > 0
                    && args[0] instanceof String q ? q : null;
            return create(s, new JdbcProxy(s, conn, null, sql));
        }
        if (type == ResultSet.class && result instanceof ResultSet rs) {
            if (rs == lastResultReal) {
                return lastResultProxy;
            }
            Object p = create(rs, new JdbcProxy(rs, conn, real instanceof Statement ? proxy : null, null));
            if (real instanceof Statement) {
                lastResultReal = rs;
                lastResultProxy = p;
            }
            return p;
        }
        if (type == DatabaseMetaData.class && result instanceof DatabaseMetaData md) {
            return create(md, new JdbcProxy(md, conn, null, null));
        }
        return result;
    }
}
