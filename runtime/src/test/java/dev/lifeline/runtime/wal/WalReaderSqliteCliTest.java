package dev.lifeline.runtime.wal;

import static dev.lifeline.runtime.wal.WalFixtures.HDR;
import static dev.lifeline.runtime.wal.WalFixtures.assertScan;
import static dev.lifeline.runtime.wal.WalFixtures.scanAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.wal.WalFixtures.Result;
import dev.lifeline.runtime.wal.WalFixtures.Tx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WalReader on WAL files written by the sqlite3 command-line shell (a different SQLite build from
 * the one inside sqlite-jdbc). The shell would checkpoint and delete the WAL when it exits as the
 * last connection, so a sqlite-jdbc connection holds the database open meanwhile; the shell also
 * copies the WAL after every statement ({@code .shell cp}), which gives the per-commit oracle.
 */
class WalReaderSqliteCliTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void cliPresent() {
        assertTrue(Files.isExecutable(WalFixtures.SQLITE3), "these tests need " + WalFixtures.SQLITE3);
    }

    private static final String[] STATEMENTS = {
        "INSERT INTO t(v) VALUES (randomblob(10))",
        "INSERT INTO t(v) VALUES (randomblob(5000))",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 150) "
                + "INSERT INTO t(v) SELECT randomblob(300 + x) FROM c",
        "CREATE INDEX t_len ON t(length(v))",
        "BEGIN; INSERT INTO t(v) VALUES (zeroblob(20000)); UPDATE t SET v = randomblob(50) WHERE k = 1; COMMIT",
        "UPDATE t SET v = randomblob(700) WHERE k % 3 = 0",
        "DELETE FROM t WHERE k % 5 = 0",
        "CREATE TABLE u(a TEXT, b INTEGER)",
        "INSERT INTO u VALUES ('x', 1), ('y', 2)",
        "DROP INDEX t_len",
    };

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {1024, 4096, 65536})
    void readsWalWrittenByTheSqlite3Shell(int pageSize) throws Exception {
        Path db = tmp.resolve("cli.db");
        Path wal = WalFixtures.walOf(db);
        int fs = 24 + pageSize;

        // phase 1: create the database in WAL mode; the shell exits as the last connection
        WalFixtures.cli(db, "PRAGMA page_size=" + pageSize + ";\nPRAGMA journal_mode=WAL;\n"
                + "CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB);\n");

        try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            // opening the WAL keeps a shared lock on the database: the shell is no longer the last connection
            try (Statement st = holder.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM t")) {
                rs.next();
            }

            // phase 2: the shell writes, snapshotting the WAL and printing page_count after every statement
            StringBuilder script = new StringBuilder("PRAGMA wal_autocheckpoint=0;\n");
            for (int i = 0; i < STATEMENTS.length; i++) {
                script.append(STATEMENTS[i]).append(";\n");
                script.append(".shell cp '").append(wal).append("' '").append(tmp.resolve("snap-" + i)).append("'\n");
                script.append("SELECT 'pc', ").append(i).append(", page_count FROM pragma_page_count;\n");
            }
            String out = WalFixtures.cli(db, script.toString());
            int[] pageCounts = new int[STATEMENTS.length];
            Matcher m = Pattern.compile("(?m)^pc\\|(\\d+)\\|(\\d+)$").matcher(out);
            int seen = 0;
            while (m.find()) {
                pageCounts[Integer.parseInt(m.group(1))] = Integer.parseInt(m.group(2));
                seen++;
            }
            assertEquals(STATEMENTS.length, seen, out);

            // oracle: each statement appended frames to a fresh WAL, ending in its commit frame
            List<Tx> expected = new ArrayList<>();
            long prev = HDR;
            List<byte[]> snaps = new ArrayList<>();
            for (int i = 0; i < STATEMENTS.length; i++) {
                byte[] s = Files.readAllBytes(tmp.resolve("snap-" + i));
                snaps.add(s);
                assertEquals(0, (s.length - HDR) % fs);
                assertTrue(s.length > prev, "statement " + i + " wrote no frame");
                expected.add(new Tx(s.length, (int) ((s.length - prev) / fs), pageCounts[i]));
                prev = s.length;
            }

            // the live WAL survived the shell's exit and is exactly the last snapshot
            byte[] live = Files.readAllBytes(wal);
            assertArrayEquals(snaps.get(snaps.size() - 1), live);

            WalReader reader = new WalReader(wal);
            WalHeader h = reader.readHeader().orElseThrow();
            assertEquals(pageSize, h.pageSize());
            assertEquals(WalHeader.MAGIC_LE, h.magic());
            assertEquals(WalFixtures.beInt(live, 16), h.salt1());
            assertEquals(WalFixtures.beInt(live, 20), h.salt2());

            Result r = scanAll(wal, WalPosition.start(h));
            assertScan(expected, r, live);
            assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, r.scan().stop());
            assertEquals((live.length - HDR) / fs, r.scan().end().frameCount());
            assertTrue(expected.stream().anyMatch(t -> t.frames() > 1));

            // the last commit's db size is what the database reports now
            try (Statement st = holder.createStatement(); ResultSet rs = st.executeQuery("PRAGMA page_count")) {
                rs.next();
                assertEquals(rs.getInt(1), r.commits().get(r.commits().size() - 1).dbSizePages());
            }

            // every intermediate snapshot reads as exactly the commits made so far
            for (int i = 0; i < snaps.size(); i++) {
                Path f = WalFixtures.write(tmp.resolve("read-" + i + "-wal"), snaps.get(i));
                Result ri = scanAll(f, WalPosition.start(h));
                assertScan(expected.subList(0, i + 1), ri, snaps.get(i));
            }
        }
    }
}
