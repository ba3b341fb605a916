package dev.lifeline.agent.cli;

import static dev.lifeline.agent.cli.CliTestSupport.cli;
import static dev.lifeline.agent.cli.CliTestSupport.insert;
import static dev.lifeline.agent.cli.CliTestSupport.rows;
import static dev.lifeline.agent.cli.CliTestSupport.walDb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.agent.cli.CliTestSupport.Run;
import dev.lifeline.runtime.catalog.DatabaseNames;
import dev.lifeline.runtime.replica.FileReplicaClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two databases with the same file name in different directories, replicated into one replica
 * under the names {@link DatabaseNames} gives them: {@code databases} lists both and
 * {@code --db NAME} reads each one.
 */
class DatabasesCliTest {

    @TempDir
    Path dir;

    Path replica;
    Path dbA;
    Path dbB;
    Connection writerA;
    Connection writerB;

    @BeforeEach
    void setUp() throws Exception {
        replica = dir.resolve("replica");
        dbA = dir.resolve("a/app.db");
        dbB = dir.resolve("b/app.db");
        Files.createDirectories(dbA.getParent());
        Files.createDirectories(dbB.getParent());
        writerA = walDb(dbA);
        writerB = walDb(dbB);
        insert(writerA, 1, 5);
        insert(writerB, 100, 103);
    }

    @AfterEach
    void tearDown() throws Exception {
        writerA.close();
        writerB.close();
    }

    /** Names the database in the shared replica, then replicates it under that name. */
    private String replicateShared(Path db, String base) throws Exception {
        String name = DatabaseNames.assign(new FileReplicaClient(replica), base, db);
        cli(0, "replicate", "--db", db, "--replica", replica, "--prefix", base + name + "/", "--once");
        return name;
    }

    private void assertRestores(Path db, Object... selection) throws Exception {
        Path out = dir.resolve("restored-" + System.nanoTime() + ".db");
        Object[] args = new Object[selection.length + 5];
        args[0] = "restore";
        args[1] = "--replica";
        args[2] = replica;
        args[3] = "-o";
        args[4] = out;
        System.arraycopy(selection, 0, args, 5, selection.length);
        cli(0, args);
        assertEquals(rows(db), rows(out));
    }

    @Test
    void twoDatabasesWithTheSameFileNameShareAReplicaAndRestoreApart() throws Exception {
        String nameA = replicateShared(dbA, "");
        String nameB = replicateShared(dbB, "");
        assertEquals("app.db", nameA);
        // The second choice is <directory>-<file name>: here dbB's directory is "b".
        assertEquals(dbB.getParent().getFileName() + "-app.db", nameB);
        insert(writerB, 104, 110);
        assertEquals(nameB, replicateShared(dbB, ""), "the same name on the next run");

        JsonNode list = cli(0, "databases", "--replica", replica, "--json").json();
        assertEquals(2, list.size(), list::toString);
        assertEquals(nameA, list.get(0).get("name").asText());
        assertEquals(nameB, list.get(1).get("name").asText());
        assertEquals(dbA.toRealPath().toString(), list.get(0).get("path").asText());
        assertEquals(dbB.toRealPath().toString(), list.get(1).get("path").asText());
        assertEquals(nameB + "/", list.get(1).get("prefix").asText());
        for (JsonNode d : list) {
            assertTrue(d.get("host").asText().length() > 0, d::toString);
            assertTrue(d.get("created").asText().endsWith("Z"), d::toString);
            assertTrue(d.get("generation").asText().matches("[0-9a-f]{16}"), d::toString);
        }
        // Each database's own generation and txid (a: table + 5 rows; b: table + 11 rows).
        assertNotEquals(list.get(0).get("generation"), list.get(1).get("generation"));
        assertEquals(6, list.get(0).get("lastTxid").asLong());
        assertEquals(12, list.get(1).get("lastTxid").asLong());

        Run table = cli(0, "databases", "--replica", replica);
        String[] lines = table.out().split("\n");
        assertEquals(3, lines.length, table::toString);
        assertTrue(lines[0].matches("NAME\\s+PATH\\s+HOST\\s+CREATED\\s+GENERATION\\s+LAST TXID\\s+UPDATED"),
                lines[0]);
        assertTrue(lines[1].startsWith(nameA + " ") && lines[1].contains(dbA.toRealPath().toString()), lines[1]);
        assertTrue(lines[2].startsWith(nameB + " ") && lines[2].contains(dbB.toRealPath().toString()), lines[2]);

        assertRestores(dbA, "--db", nameA);
        assertRestores(dbB, "--db", nameB);
        assertNotEquals(rows(dbA), rows(dbB));
    }

    @Test
    void readCommandsSelectADatabaseUnderABasePrefixAndRefuseUnknownNames() throws Exception {
        String nameA = replicateShared(dbA, "shared/");
        String nameB = replicateShared(dbB, "shared/");

        JsonNode gens = cli(0, "generations", "--replica", replica, "--prefix", "shared/", "--db", nameB, "--json")
                .json();
        assertEquals(1, gens.size(), gens::toString);
        assertEquals(5, gens.get(0).get("lastTxid").asLong());
        assertEquals(1, cli(0, "snapshots", "--replica", replica, "--prefix", "shared", "--db", nameA, "--json")
                .json().size());
        assertTrue(cli(0, "segments", "--replica", replica, "--prefix", "shared/", "--db", nameA, "--json")
                .json().size() >= 1);
        Run v = cli(0, "verify", "--replica", replica, "--prefix", "shared/", "--db", nameB);
        assertTrue(v.out().contains("shared/" + nameB + "/"), v::toString);
        assertRestores(dbA, "--prefix", "shared/", "--db", nameA);
        assertEquals(List.of(nameA, nameB), names(cli(0, "databases", "--replica", replica, "--prefix", "shared/",
                "--json").json()));

        // An unknown name is an error that says which names exist, for every read command.
        for (String cmd : List.of("generations", "snapshots", "segments", "verify")) {
            Run r = cli(1, cmd, "--replica", replica, "--prefix", "shared/", "--db", "nope.db");
            assertTrue(r.err().contains("no database nope.db in replica") && r.err().contains(nameA + ", " + nameB),
                    r::toString);
        }
        Path out = dir.resolve("never.db");
        Run r = cli(1, "restore", "--replica", replica, "--prefix", "shared/", "--db", "nope.db", "-o", out);
        assertTrue(r.err().contains("it holds " + nameA + ", " + nameB), r::toString);
        cli(1, "restore", "--replica", replica, "--db", "../shared/" + nameA, "-o", out);
        // Without the base prefix, the names are not there.
        Run noBase = cli(1, "restore", "--replica", replica, "--db", nameA, "-o", out);
        assertTrue(noBase.err().contains("it holds no databases"), noBase::toString);
        // A first boot restores only if there is something to restore.
        Run first = cli(0, "restore", "--replica", replica, "--prefix", "shared/", "--db", "new.db", "-o", out,
                "--if-replica-exists");
        assertTrue(first.out().contains("nothing restored"), first::toString);
        assertTrue(Files.notExists(out));

        // replicate's --db is still the database file, and the read commands' --db a name.
        assertTrue(cli(0, "replicate", "--help").out().contains("--db=PATH"));
        assertTrue(cli(0, "restore", "--help").out().contains("--db=NAME"));
    }

    @Test
    void aReplicaWithoutDatabasesSaysSo() throws Exception {
        cli(0, "replicate", "--db", dbA, "--replica", replica, "--once");
        Run r = cli(0, "databases", "--replica", replica);
        assertEquals("", r.out());
        assertTrue(r.err().contains("holds no databases"), r::toString);
        assertEquals(0, cli(0, "databases", "--replica", replica, "--json").json().size());
        cli(1, "databases", "--replica", dir.resolve("missing"));
    }

    private static List<String> names(JsonNode list) {
        List<String> out = new java.util.ArrayList<>();
        list.forEach(d -> out.add(d.get("name").asText()));
        return out;
    }
}
