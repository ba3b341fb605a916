package dev.lifeline.shim;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Reaches into the host's sqlite-jdbc through reflection, because its classes come from the host's
 * class loader (any version from 3.4x on), never from ours: casting to our own copy of
 * {@code org.sqlite.SQLiteConnection} would fail. One instance per host {@code DB} class.
 */
final class SqliteReflection {

    private static final ClassValue<SqliteReflection> BY_DB_CLASS = new ClassValue<>() {
        @Override
        protected SqliteReflection computeValue(Class<?> dbClass) {
            return new SqliteReflection(dbClass);
        }
    };

    private final Class<?> commitListenerType;
    private final MethodHandle fileName;
    private final MethodHandle exec;
    private final MethodHandle addCommitListener;

    private SqliteReflection(Class<?> dbClass) {
        try {
            Class<?> base = findDbBase(dbClass);
            ClassLoader loader = base.getClassLoader();
            commitListenerType = Class.forName("org.sqlite.SQLiteCommitListener", false, loader);
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            Field f = base.getDeclaredField("fileName");
            f.setAccessible(true);
            fileName = lookup.unreflectGetter(f);
            Method m = base.getMethod("_exec", String.class);
            exec = lookup.unreflect(m);
            addCommitListener = lookup.unreflect(base.getMethod("addCommitListener", commitListenerType));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("unsupported sqlite-jdbc version (" + dbClass.getName() + " from "
                    + dbClass.getProtectionDomain().getCodeSource() + "): " + e, e);
        }
    }

    private static Class<?> findDbBase(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (k.getName().equals("org.sqlite.core.DB")) {
                return k;
            }
        }
        throw new IllegalArgumentException(c.getName() + " is not an org.sqlite.core.DB");
    }

    static SqliteReflection of(Object db) {
        return BY_DB_CLASS.get(db.getClass());
    }

    /** The host connection's {@code DB} (its native handle's owner). */
    static Object databaseOf(Object sqliteConnection) throws ReflectiveOperationException {
        return sqliteConnection.getClass().getMethod("getDatabase").invoke(sqliteConnection);
    }

    String fileName(Object db) throws Throwable {
        return (String) fileName.invoke(db);
    }

    /** Runs SQL through sqlite3_exec directly: no implicit BEGIN even when the host turned autocommit off. */
    int exec(Object db, String sql) throws Throwable {
        return (int) exec.invoke(db, sql);
    }

    Class<?> commitListenerType() {
        return commitListenerType;
    }

    void addCommitListener(Object db, Object listener) throws Throwable {
        addCommitListener.invoke(db, listener);
    }
}
