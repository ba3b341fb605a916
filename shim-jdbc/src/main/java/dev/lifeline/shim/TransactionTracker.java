package dev.lifeline.shim;

import dev.lifeline.shim.SqlClassifier.Classified;
import dev.lifeline.shim.SqlClassifier.Kind;
import dev.lifeline.shim.SqlClassifier.TxOp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What one connection's transaction looks like from the JDBC calls made on it: auto-commit on or
 * off, an explicit BEGIN, the savepoint stack, and whether the open transaction wrote. The
 * wrapping driver feeds it; the barrier (a consistent cut across stores) will read it and listen to
 * it: a barrier must not cut through a transaction that wrote.
 *
 * <p>When a transaction starts and ends, as seen here:
 * <ul>
 *   <li>auto-commit on, no BEGIN: a statement that writes is its own transaction, started just
 *       before it runs and ended (committed if it succeeded) once it returns; reads start nothing;</li>
 *   <li>auto-commit off: the first statement after {@code setAutoCommit(false)}, {@code commit()}
 *       or {@code rollback()} starts one (sqlite-jdbc's deferred BEGIN takes no lock before that);
 *       {@code commit()}, {@code rollback()}, {@code setAutoCommit(true)}, a COMMIT or ROLLBACK
 *       statement or closing the connection ends it;</li>
 *   <li>a BEGIN statement, or a SAVEPOINT outside a transaction, starts one; releasing the
 *       outermost savepoint of a transaction a SAVEPOINT started commits it, as in SQLite.</li>
 * </ul>
 * Listeners run on the thread making the call, inside the tracker's lock: keep them short and do
 * not call back into the connection. A statement that fails with an error after which SQLite rolls
 * a transaction back by itself (disk full, I/O error) is not noticed until the next commit or
 * rollback call: the tracker may then say a transaction is open when SQLite has already ended it.
 */
public final class TransactionTracker {

    /** Hears transactions start and end on one connection. */
    public interface Listener {
        default void onTransactionStart(TransactionTracker tracker) {
        }

        /** @param committed true when the transaction committed (its writes, if any, are in the WAL) */
        default void onTransactionEnd(TransactionTracker tracker, boolean committed) {
        }
    }

    /** Why the open transaction exists. */
    private enum Origin {
        /** One auto-commit statement that writes. */
        STATEMENT,
        /** Auto-commit off. */
        MANUAL,
        /** A BEGIN statement. */
        BEGIN,
        /** An outermost SAVEPOINT. */
        SAVEPOINT
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Deque<String> savepoints = new ArrayDeque<>();
    private boolean autoCommit;
    private Origin open;
    private boolean explicitBegin;
    private boolean wrote;
    private boolean closed;
    private long started;
    private long committed;
    private long rolledBack;

    public TransactionTracker(boolean autoCommit) {
        this.autoCommit = autoCommit;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    // ---- what the barrier reads ----

    public synchronized boolean autoCommit() {
        return autoCommit;
    }

    /** Whether a transaction is open on this connection (see the class comment for when). */
    public synchronized boolean inTransaction() {
        return open != null;
    }

    /** Whether the open transaction ran a statement that may write; false outside a transaction. */
    public synchronized boolean wroteInTransaction() {
        return open != null && wrote;
    }

    /** 1 inside a transaction opened by a BEGIN statement, else 0 (SQLite does not nest BEGIN). */
    public synchronized int beginDepth() {
        return explicitBegin ? 1 : 0;
    }

    /** The open savepoints, outermost first. */
    public synchronized List<String> savepoints() {
        List<String> out = new ArrayList<>(savepoints);
        java.util.Collections.reverse(out);
        return out;
    }

    public synchronized boolean closed() {
        return closed;
    }

    /** Transactions started, committed and rolled back so far, for status and tests. */
    public synchronized long[] counts() {
        return new long[] {started, committed, rolledBack};
    }

    @Override
    public synchronized String toString() {
        return "TransactionTracker[autoCommit=" + autoCommit + ", open=" + open + ", wrote=" + wrote
                + ", savepoints=" + savepoints() + (closed ? ", closed" : "") + "]";
    }

    // ---- what the driver reports ----

    /** SQL is about to run (a statement's execute, or one entry of a batch). */
    public synchronized void beforeExecute(List<Classified> statements) {
        if (statements.isEmpty()) {
            return;
        }
        Classified first = statements.get(0);
        if (open == null) {
            Origin o = null;
            if (first.txOp() == TxOp.BEGIN) {
                o = Origin.BEGIN;
            } else if (first.txOp() == TxOp.SAVEPOINT) {
                o = autoCommit ? Origin.SAVEPOINT : Origin.MANUAL;
            } else if (!autoCommit && first.kind() != Kind.TRANSACTION) {
                o = Origin.MANUAL;
            } else if (autoCommit && anyWrites(statements)) {
                o = Origin.STATEMENT;
            }
            if (o != null) {
                start(o);
            }
        }
        if (open != null && anyWrites(statements)) {
            wrote = true;
        }
    }

    /** The SQL reported to {@link #beforeExecute} returned ({@code succeeded}) or threw. */
    public synchronized void afterExecute(List<Classified> statements, boolean succeeded) {
        if (succeeded) {
            for (Classified c : statements) {
                if (c.txOp() != null) {
                    apply(c);
                }
            }
        } else if (open == Origin.BEGIN && !explicitBegin && !statements.isEmpty()
                && statements.get(0).txOp() == TxOp.BEGIN) {
            end(false); // the BEGIN itself failed: nothing was opened
        } else if (open == Origin.SAVEPOINT && savepoints.isEmpty()) {
            end(false); // the outermost SAVEPOINT itself failed
        }
        if (open == Origin.STATEMENT) {
            end(succeeded);
        }
    }

    /** An auto-commit batch ended: {@code anyCommitted} when at least one of its statements ran. */
    public synchronized void afterBatch(List<Classified> statements, boolean succeeded, boolean anyCommitted) {
        afterExecute(statements, succeeded || (open == Origin.STATEMENT && anyCommitted));
    }

    private void apply(Classified c) {
        switch (c.txOp()) {
            case BEGIN -> {
                if (open == null) {
                    start(Origin.BEGIN);
                }
                if (open == Origin.STATEMENT) {
                    open = Origin.BEGIN;
                }
                explicitBegin = true;
            }
            case COMMIT -> end(true);
            case ROLLBACK -> end(false);
            case SAVEPOINT -> {
                if (open == null) {
                    start(autoCommit ? Origin.SAVEPOINT : Origin.MANUAL);
                }
                if (open == Origin.STATEMENT) {
                    open = Origin.SAVEPOINT;
                }
                savepoints.push(name(c.savepoint()));
            }
            case ROLLBACK_TO -> rolledBackTo(c.savepoint());
            case RELEASE -> released(c.savepoint());
            default -> {
            }
        }
    }

    /** {@code setAutoCommit(ac)} returned normally. Turning it on commits an open transaction. */
    public synchronized void autoCommitSet(boolean ac) {
        if (ac == autoCommit) {
            return;
        }
        autoCommit = ac;
        if (ac && open != null) {
            end(true);
        }
    }

    /** The connection's auto-commit was seen to be {@code ac} (sqlite-jdbc turns it off in setSavepoint). */
    public synchronized void autoCommitObserved(boolean ac) {
        autoCommit = ac;
    }

    /** {@code commit()} returned normally. */
    public synchronized void committed() {
        end(true);
    }

    /** {@code rollback()} returned normally. */
    public synchronized void rolledBack() {
        end(false);
    }

    /** {@code setSavepoint(name)} returned normally; {@code name} is the savepoint's name in SQL. */
    public synchronized void savepointSet(String name) {
        if (open == null) {
            start(autoCommit ? Origin.SAVEPOINT : Origin.MANUAL);
        }
        savepoints.push(name(name));
    }

    /** {@code rollback(savepoint)} or ROLLBACK TO returned normally: the savepoint stays, those after it go. */
    public synchronized void rolledBackTo(String name) {
        String n = name(name);
        if (!savepoints.contains(n)) {
            return;
        }
        while (!savepoints.isEmpty() && !savepoints.peek().equals(n)) {
            savepoints.pop();
        }
    }

    /** {@code releaseSavepoint(savepoint)} or RELEASE returned normally. */
    public synchronized void savepointReleased(String name) {
        released(name);
    }

    private void released(String name) {
        String n = name(name);
        if (!savepoints.contains(n)) {
            return;
        }
        while (!savepoints.isEmpty()) {
            if (savepoints.pop().equals(n)) {
                break;
            }
        }
        if (savepoints.isEmpty() && open == Origin.SAVEPOINT) {
            end(true);
        }
    }

    /** The connection was closed: SQLite rolls back whatever was open. */
    public synchronized void connectionClosed() {
        if (closed) {
            return;
        }
        closed = true;
        end(false);
    }

    private void start(Origin o) {
        open = o;
        wrote = false;
        started++;
        for (Listener l : listeners) {
            l.onTransactionStart(this);
        }
    }

    private void end(boolean commit) {
        if (open == null) {
            return;
        }
        open = null;
        explicitBegin = false;
        savepoints.clear();
        if (commit) {
            committed++;
        } else {
            rolledBack++;
        }
        for (Listener l : listeners) {
            l.onTransactionEnd(this, commit);
        }
        wrote = false;
    }

    private static boolean anyWrites(List<Classified> statements) {
        for (Classified c : statements) {
            if (c.writes()) {
                return true;
            }
        }
        return false;
    }

    /** Savepoint names compare case-insensitively in SQLite. */
    private static String name(String n) {
        return n == null ? "" : n.toLowerCase(java.util.Locale.ROOT);
    }
}
