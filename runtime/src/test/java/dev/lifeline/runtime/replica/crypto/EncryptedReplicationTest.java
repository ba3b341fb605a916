package dev.lifeline.runtime.replica.crypto;

import static dev.lifeline.runtime.replica.crypto.TestKeys.A;
import static dev.lifeline.runtime.replica.crypto.TestKeys.B;
import static dev.lifeline.runtime.replica.crypto.TestKeys.assertNoKeyMaterial;
import static dev.lifeline.runtime.replica.crypto.TestKeys.ring;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.Restorer;
import dev.lifeline.runtime.verify.Verifier;
import dev.lifeline.runtime.verify.VerifyReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole engine over an encrypted directory replica: replicate, verify, restore. */
class EncryptedReplicationTest {

    private static final String MARKER = "SECRET-AGENT-MEMORY-c0ffee";

    @TempDir
    Path dir;

    private EncryptingReplicaClient replica(KeyRing keys) {
        return new EncryptingReplicaClient(new FileReplicaClient(dir.resolve("replica")), keys);
    }

    private static Connection open(Path db) throws Exception {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("CREATE TABLE IF NOT EXISTS memory (id INTEGER PRIMARY KEY, note TEXT NOT NULL)");
        }
        return c;
    }

    private static void insert(Connection c, int from, int n) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO memory (id, note) VALUES (?, ?)")) {
            for (int i = from; i < from + n; i++) {
                ps.setInt(1, i);
                ps.setString(2, "note " + i + " " + MARKER + " " + "x".repeat(i % 300));
                ps.executeUpdate();
            }
        }
    }

    private static List<String> rows(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, note FROM memory ORDER BY id")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getInt(1) + ":" + rs.getString(2));
            }
            return out;
        }
    }

    @Test
    void replicateVerifyAndRestoreThroughAnEncryptedReplica() throws Exception {
        Path db = dir.resolve("agent.db");
        List<String> expected;
        try (Connection c = open(db)) {
            insert(c, 1, 50);
            Replicator r = new Replicator(ReplicatorConfig.defaults(db, replica(ring(A))));
            r.open();
            r.syncOnce();
            insert(c, 51, 40);
            r.syncOnce();
            try (Statement s = c.createStatement()) {
                s.execute("UPDATE memory SET note = note || ' edited' WHERE id % 7 = 0");
            }
            r.syncOnce();
            assertTrue(r.status().txid() > 0, r.status().toString());
            r.stop(Duration.ofSeconds(5));
            expected = rows(db);
        }
        assertEquals(90, expected.size());

        // Nothing readable in the replica: no marker, no SQLite header, every object is LLE1.
        byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
        byte[] sqlite = "SQLite format 3".getBytes(StandardCharsets.US_ASCII);
        int objects = 0;
        try (Stream<Path> s = Files.walk(dir.resolve("replica"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                byte[] b = Files.readAllBytes(p);
                assertTrue(new String(b, 0, 4, StandardCharsets.ISO_8859_1).equals("LLE1"), p.toString());
                assertFalse(indexOf(b, marker), p + " holds the marker in plaintext");
                assertFalse(indexOf(b, sqlite), p + " holds a SQLite header in plaintext");
                assertFalse(indexOf(b, "\"generation\"".getBytes(StandardCharsets.US_ASCII)), p + " metadata");
                objects++;
            }
        }
        assertTrue(objects >= 6, "snapshot, segments and their metadata: " + objects);

        VerifyReport v = new Verifier(replica(ring(A)), new ReplicaLayout("")).verify();
        assertTrue(v.ok(), v.toString());
        assertTrue(v.generations().get(0).snapshotsVerified() >= 1, v.toString());

        Path out = dir.resolve("restored.db");
        new Restorer(replica(ring(A)), new ReplicaLayout("")).restore(RestoreOptions.latest(out));
        assertEquals(expected, rows(out));

        // After rotation to key B (A still listed) the replica still restores.
        Path keys = dir.resolve("keys");
        Files.writeString(keys, "b:" + TestKeys.b64(B) + "\n" + TestKeys.b64(A) + "\n");
        Path out2 = dir.resolve("restored-after-rotation.db");
        new Restorer(replica(KeyRing.fromFile(keys)), new ReplicaLayout("")).restore(RestoreOptions.latest(out2));
        assertEquals(expected, rows(out2));

        // The wrong key: the restore fails, says why, and writes nothing.
        Path out3 = dir.resolve("wrong-key.db");
        IOException e = assertThrows(IOException.class,
                () -> new Restorer(replica(ring(B)), new ReplicaLayout("")).restore(RestoreOptions.latest(out3)));
        String all = TestKeys.messages(e);
        assertTrue(all.contains("which is not among the configured keys"), all);
        assertNoKeyMaterial(all);
        assertFalse(Files.exists(out3));

        // The same id with other key bytes: authentication fails.
        Path out4 = dir.resolve("wrong-bytes.db");
        String id = ring(A).activeKeyId();
        e = assertThrows(IOException.class, () -> new Restorer(replica(ring(id, B)), new ReplicaLayout(""))
                .restore(RestoreOptions.latest(out4)));
        all = TestKeys.messages(e);
        assertTrue(all.contains("fails authentication: wrong key or tampered object"), all);
        assertNoKeyMaterial(all);
        assertFalse(Files.exists(out4));

        VerifyReport bad = new Verifier(replica(ring(B)), new ReplicaLayout("")).verify();
        assertFalse(bad.ok());
        assertTrue(bad.toString().contains("not among the configured keys"), bad.toString());
    }

    private static boolean indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
