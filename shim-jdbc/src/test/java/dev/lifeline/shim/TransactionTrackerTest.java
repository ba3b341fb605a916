package dev.lifeline.shim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.shim.SqlClassifier.Classified;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tracker fed as the driver feeds it, with the events its listeners hear. */
class TransactionTrackerTest {

    private final List<String> events = new ArrayList<>();
    private TransactionTracker t;

    @BeforeEach
    void tracker() {
        t = new TransactionTracker(true);
        t.addListener(new TransactionTracker.Listener() {
            @Override
            public void onTransactionStart(TransactionTracker tracker) {
                events.add("start");
            }

            @Override
            public void onTransactionEnd(TransactionTracker tracker, boolean committed) {
                events.add(committed ? "commit" : "rollback");
            }
        });
    }

    private void run(String sql) {
        run(sql, true);
    }

    private void run(String sql, boolean ok) {
        List<Classified> c = SqlClassifier.classifyAll(sql);
        t.beforeExecute(c);
        t.afterExecute(c, ok);
    }

    @Test
    void autoCommitReadsStartNothingWritesAreTheirOwnTransaction() {
        run("SELECT 1");
        assertEquals(List.of(), events);
        List<Classified> insert = SqlClassifier.classifyAll("INSERT INTO t VALUES (1)");
        t.beforeExecute(insert);
        assertTrue(t.inTransaction());
        assertTrue(t.wroteInTransaction());
        t.afterExecute(insert, true);
        assertFalse(t.inTransaction());
        run("DELETE FROM t", false);
        assertEquals(List.of("start", "commit", "start", "rollback"), events);
        assertArrayEquals(new long[] {2, 1, 1}, t.counts());
    }

    @Test
    void manualModeStartsAtTheFirstStatementAndEndsAtCommitOrRollback() {
        t.autoCommitSet(false);
        assertFalse(t.inTransaction());
        run("SELECT * FROM t");
        assertTrue(t.inTransaction());
        assertFalse(t.wroteInTransaction());
        run("UPDATE t SET a = 1");
        assertTrue(t.wroteInTransaction());
        t.committed();
        assertFalse(t.inTransaction());
        assertFalse(t.wroteInTransaction());
        run("INSERT INTO t VALUES (2)");
        t.rolledBack();
        t.rolledBack(); // nothing open: no event
        run("INSERT INTO t VALUES (3)");
        t.autoCommitSet(true); // commits what is open
        assertEquals(List.of("start", "commit", "start", "rollback", "start", "commit"), events);
        assertTrue(t.autoCommit());
    }

    @Test
    void aFailedStatementInManualModeKeepsTheTransactionOpen() {
        t.autoCommitSet(false);
        run("INSERT INTO t VALUES (1)");
        run("INSERT INTO nope VALUES (1)", false);
        assertTrue(t.inTransaction());
        assertTrue(t.wroteInTransaction());
    }

    @Test
    void explicitBeginAndCommitStatements() {
        run("BEGIN IMMEDIATE");
        assertTrue(t.inTransaction());
        assertEquals(1, t.beginDepth());
        assertFalse(t.wroteInTransaction());
        run("SELECT 1");
        run("INSERT INTO t VALUES (1)");
        assertTrue(t.wroteInTransaction());
        run("END");
        assertFalse(t.inTransaction());
        assertEquals(0, t.beginDepth());
        run("BEGIN");
        run("ROLLBACK");
        assertEquals(List.of("start", "commit", "start", "rollback"), events);
    }

    @Test
    void aFailedBeginOpensNothing() {
        run("BEGIN", false);
        assertFalse(t.inTransaction());
        run("SELECT 1");
        assertFalse(t.inTransaction());
    }

    @Test
    void aFailedCommitLeavesTheTransactionOpen() {
        run("BEGIN");
        run("INSERT INTO t VALUES (1)");
        run("COMMIT", false); // SQLITE_BUSY
        assertTrue(t.inTransaction());
        assertTrue(t.wroteInTransaction());
        run("COMMIT");
        assertFalse(t.inTransaction());
    }

    @Test
    void oneStringWithSeveralStatements() {
        run("BEGIN; INSERT INTO t VALUES (1); COMMIT;");
        assertFalse(t.inTransaction());
        assertEquals(List.of("start", "commit"), events);
    }

    @Test
    void savepointStatementsNestAndTheOutermostReleaseCommits() {
        run("SAVEPOINT a");
        assertTrue(t.inTransaction());
        run("SAVEPOINT b");
        run("INSERT INTO t VALUES (1)");
        run("SAVEPOINT c");
        assertEquals(List.of("a", "b", "c"), t.savepoints());
        run("ROLLBACK TO b");
        assertEquals(List.of("a", "b"), t.savepoints());
        assertTrue(t.inTransaction());
        run("RELEASE SAVEPOINT b");
        assertEquals(List.of("a"), t.savepoints());
        assertTrue(t.inTransaction());
        run("RELEASE A"); // names compare case-insensitively
        assertFalse(t.inTransaction());
        assertEquals(List.of("start", "commit"), events);
    }

    @Test
    void releasingInsideBeginDoesNotCommit() {
        run("BEGIN");
        run("SAVEPOINT a");
        run("RELEASE a");
        assertTrue(t.inTransaction());
        assertEquals(List.of(), t.savepoints());
        run("ROLLBACK");
        assertEquals(List.of("start", "rollback"), events);
    }

    @Test
    void releasingAnUnknownSavepointChangesNothing() {
        run("SAVEPOINT a");
        run("RELEASE zz");
        assertEquals(List.of("a"), t.savepoints());
        t.rolledBackTo("zz");
        assertEquals(List.of("a"), t.savepoints());
    }

    @Test
    void jdbcSavepointsAsSqliteJdbcDoesThem() {
        // setSavepoint in auto-commit mode: sqlite-jdbc turns auto-commit off and runs SAVEPOINT.
        t.savepointSet("SQLITE_SAVEPOINT_1");
        t.autoCommitObserved(false);
        assertTrue(t.inTransaction());
        run("INSERT INTO t VALUES (1)");
        t.savepointSet("inner");
        t.rolledBackTo("inner");
        assertEquals(List.of("sqlite_savepoint_1", "inner"), t.savepoints());
        t.savepointReleased("SQLITE_SAVEPOINT_1");
        // The outermost savepoint's release commits in SQLite.
        assertFalse(t.inTransaction());
        assertFalse(t.autoCommit());
        assertEquals(List.of("start", "commit"), events);
    }

    @Test
    void savepointsInManualModeEndOnlyWithCommit() {
        t.autoCommitSet(false);
        t.savepointSet("a");
        t.savepointReleased("a");
        assertTrue(t.inTransaction());
        t.committed();
        assertEquals(List.of("start", "commit"), events);
    }

    @Test
    void batchesInAutoCommitModeCountAsCommittedWhenAnyRowRan() {
        List<Classified> rows = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rows.addAll(SqlClassifier.classifyAll("INSERT INTO t VALUES (?)"));
        }
        t.beforeExecute(rows);
        t.afterBatch(rows, false, true);
        t.beforeExecute(rows);
        t.afterBatch(rows, false, false);
        assertEquals(List.of("start", "commit", "start", "rollback"), events);
    }

    @Test
    void closingRollsBackWhatIsOpen() {
        t.autoCommitSet(false);
        run("INSERT INTO t VALUES (1)");
        t.connectionClosed();
        t.connectionClosed();
        assertTrue(t.closed());
        assertFalse(t.inTransaction());
        assertEquals(List.of("start", "rollback"), events);
    }
}
