package dev.lifeline.shim;

import static dev.lifeline.shim.SqlClassifier.Kind.OTHER;
import static dev.lifeline.shim.SqlClassifier.Kind.READ;
import static dev.lifeline.shim.SqlClassifier.Kind.TRANSACTION;
import static dev.lifeline.shim.SqlClassifier.Kind.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.shim.SqlClassifier.Classified;
import dev.lifeline.shim.SqlClassifier.Kind;
import dev.lifeline.shim.SqlClassifier.TxOp;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SqlClassifierTest {

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            SELECT * FROM t                                                  | READ
            select 1                                                         | READ
            sElEcT 'INSERT INTO t VALUES (1)'                                 | READ
            ~  \\t\\n SELECT 1~                                                 | READ
            -- INSERT INTO t\\nSELECT 1                                        | READ
            /* DELETE FROM t */ SELECT 1                                      | READ
            /* a */ -- b\\n /* c */ select 1                                   | READ
            VALUES (1), (2)                                                   | READ
            EXPLAIN DELETE FROM t                                             | READ
            EXPLAIN QUERY PLAN SELECT * FROM t                                | READ
            PRAGMA journal_mode                                               | READ
            PRAGMA main.journal_mode                                          | READ
            pragma user_version;                                              | READ
            PRAGMA table_info(t)                                              | READ
            PRAGMA main.index_list('t')                                       | READ
            PRAGMA integrity_check                                            | READ
            PRAGMA journal_mode=WAL                                           | WRITE
            PRAGMA journal_mode = WAL                                         | WRITE
            PRAGMA main.user_version=7                                        | WRITE
            PRAGMA cache_size(100)                                            | WRITE
            PRAGMA optimize                                                   | WRITE
            PRAGMA incremental_vacuum                                         | WRITE
            PRAGMA wal_checkpoint(TRUNCATE)                                   | OTHER
            PRAGMA wal_checkpoint                                             | OTHER
            INSERT INTO t VALUES (1)                                          | WRITE
            insert or replace into t values (1)                               | WRITE
            INSERT INTO t VALUES ('SELECT') RETURNING id                      | WRITE
            UPDATE t SET a = 'DELETE' WHERE b = 'SELECT'                      | WRITE
            DELETE FROM t RETURNING *                                         | WRITE
            REPLACE INTO t VALUES (1)                                         | WRITE
            UPSERT                                                            | WRITE
            CREATE TABLE t (a INTEGER PRIMARY KEY)                            | WRITE
            CREATE TEMP TABLE x (a)                                           | WRITE
            DROP TABLE IF EXISTS t                                            | WRITE
            ALTER TABLE t ADD COLUMN b                                        | WRITE
            VACUUM                                                            | WRITE
            REINDEX                                                           | WRITE
            ANALYZE                                                           | WRITE
            WITH x AS (SELECT 1) SELECT * FROM x                              | READ
            WITH x(a) AS (SELECT 1) INSERT INTO t SELECT a FROM x             | WRITE
            WITH x AS (SELECT 1), y AS (SELECT 2) UPDATE t SET a = (SELECT * FROM y) | WRITE
            WITH x AS MATERIALIZED (SELECT 1) DELETE FROM t WHERE a IN x      | WRITE
            WITH x AS NOT MATERIALIZED (SELECT 1) REPLACE INTO t SELECT * FROM x | WRITE
            WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 9) SELECT n FROM c | READ
            WITH RECURSIVE c(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM c LIMIT 5) INSERT INTO t SELECT n FROM c | WRITE
            WITH "update" AS (SELECT 'delete' AS x) SELECT * FROM "update"    | READ
            WITH x AS (SELECT ')' AS p) DELETE FROM t WHERE a = (SELECT p FROM x) | WRITE
            WITH x AS (SELECT 1 /* INSERT ) */) SELECT * FROM x               | READ
            BEGIN                                                             | TRANSACTION
            BEGIN IMMEDIATE TRANSACTION                                       | TRANSACTION
            COMMIT                                                            | TRANSACTION
            END TRANSACTION                                                   | TRANSACTION
            ROLLBACK                                                          | TRANSACTION
            ROLLBACK TO SAVEPOINT a                                           | TRANSACTION
            SAVEPOINT a                                                       | TRANSACTION
            RELEASE a                                                         | TRANSACTION
            ATTACH DATABASE 'x.db' AS x                                       | OTHER
            DETACH x                                                          | OTHER
            ~~                                                                | OTHER
            ~   ~                                                             | OTHER
            -- only a comment                                                 | OTHER
            /* unterminated comment                                           | OTHER
            (SELECT 1)                                                        | OTHER
            """)
    void classifies(String sql, Kind expected) {
        assertEquals(expected, SqlClassifier.classify(sql.replace("\\n", "\n").replace("\\t", "\t")), sql);
    }

    @Test
    void nullIsOther() {
        assertEquals(OTHER, SqlClassifier.classify(null));
        assertTrue(SqlClassifier.classifyAll(null).isEmpty());
    }

    @Test
    void verbOfWithIsTheStatementItServes() {
        assertEquals("DELETE", SqlClassifier.classifyFirst("with x as (select 1) delete from t").verb());
        assertEquals("SELECT", SqlClassifier.classifyFirst("  /*x*/ select 1").verb());
    }

    @Test
    void transactionOperationsAndSavepointNames() {
        assertTx("BEGIN DEFERRED", TxOp.BEGIN, null);
        assertTx("commit transaction", TxOp.COMMIT, null);
        assertTx("END", TxOp.COMMIT, null);
        assertTx("ROLLBACK TRANSACTION", TxOp.ROLLBACK, null);
        assertTx("ROLLBACK TO sp1", TxOp.ROLLBACK_TO, "sp1");
        assertTx("rollback transaction to savepoint \"my sp\"", TxOp.ROLLBACK_TO, "my sp");
        assertTx("SAVEPOINT [a b]", TxOp.SAVEPOINT, "a b");
        assertTx("SAVEPOINT \"SAVEPOINT\"", TxOp.SAVEPOINT, "SAVEPOINT");
        assertTx("RELEASE SAVEPOINT x", TxOp.RELEASE, "x");
        assertTx("RELEASE \"savepoint\"", TxOp.RELEASE, "savepoint");
        assertTx("RELEASE `q``uote`", TxOp.RELEASE, "q`uote");
        assertNull(SqlClassifier.classifyFirst("SELECT 1").txOp());
    }

    private static void assertTx(String sql, TxOp op, String name) {
        Classified c = SqlClassifier.classifyFirst(sql);
        assertEquals(TRANSACTION, c.kind(), sql);
        assertEquals(op, c.txOp(), sql);
        assertEquals(name, c.savepoint(), sql);
    }

    @Test
    void splitsStatementsOutsideLiteralsCommentsAndParentheses() {
        List<Classified> all = SqlClassifier.classifyAll(
                "BEGIN; INSERT INTO t VALUES ('a;b'); /* ; */ SELECT \";\" -- ;\n; ; COMMIT;");
        assertEquals(List.of("BEGIN", "INSERT", "SELECT", "COMMIT"), all.stream().map(Classified::verb).toList());
        assertEquals(List.of(TRANSACTION, WRITE, READ, TRANSACTION), all.stream().map(Classified::kind).toList());
    }

    @Test
    void keepsATriggerBodyWhole() {
        List<Classified> all = SqlClassifier.classifyAll("""
                CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN
                  UPDATE c SET n = CASE WHEN n IS NULL THEN 1 ELSE n + 1 END;
                  DELETE FROM q;
                END;
                SELECT 1""");
        assertEquals(List.of("CREATE", "SELECT"), all.stream().map(Classified::verb).toList());
    }

    @Test
    void anyWritesLooksAtEveryStatement() {
        assertTrue(SqlClassifier.anyWrites("SELECT 1; DELETE FROM t"));
        assertFalse(SqlClassifier.anyWrites("SELECT 'DELETE FROM t'; -- DELETE FROM t"));
    }

    @Test
    void unterminatedLiteralDoesNotLoop() {
        assertEquals(READ, SqlClassifier.classify("SELECT 'unterminated"));
        assertEquals(1, SqlClassifier.classifyAll("SELECT 'x; INSERT").size());
        assertEquals(OTHER, SqlClassifier.classify("WITH x AS (SELECT '"));
    }
}
