package dev.lifeline.runtime.replica.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.Restorer;
import dev.lifeline.runtime.verify.Verifier;
import dev.lifeline.runtime.verify.VerifyReport;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine against a real S3 server: replicate a WAL-mode database, restore it, verify the replica. */
class S3ReplicationEndToEndTest {

    @TempDir
    Path dir;

    @Test
    void replicateRestoreAndVerifyThroughS3() throws Exception {
        try (S3ProxyServer server = S3ProxyServer.start(dir.resolve("blobs"))) {
            server.createBucket("lifeline-e2e");
            Path db = dir.resolve("app.db");
            try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + db);
                 S3ReplicaClient s3 = server.client("lifeline-e2e", "agents/app.db")) {
                try (Statement s = conn.createStatement()) {
                    s.execute("PRAGMA journal_mode=WAL");
                    s.execute("PRAGMA synchronous=NORMAL");
                    s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, payload BLOB)");
                }
                insert(conn, 0, 40);

                Replicator r = new Replicator(ReplicatorConfig.defaults(db, s3));
                r.open();
                r.syncOnce();
                insert(conn, 40, 60); // a second round: segments after the snapshot
                r.syncOnce();
                assertTrue(r.stop(Duration.ofSeconds(10)), "replicator stopped");

                List<String> keys = s3.list("").stream().map(ObjectInfo::key).toList();
                assertTrue(keys.stream().anyMatch(k -> k.matches("generations/[0-9a-f]{16}/snapshots/00000000\\.snapshot\\.lz4")),
                        keys.toString());
                assertTrue(keys.stream().anyMatch(k -> k.matches("generations/[0-9a-f]{16}/wal/[0-9a-f]{8}_[0-9a-f]{8}\\.wal\\.lz4")),
                        keys.toString());
                // Stored where Litestream's `path: agents/app.db` puts them.
                assertTrue(server.raw.listObjectsV2(b -> b.bucket("lifeline-e2e")).contents().stream()
                        .allMatch(o -> o.key().startsWith("agents/app.db/")));

                Path out = dir.resolve("restored.db");
                new Restorer(s3, new ReplicaLayout("")).restore(RestoreOptions.latest(out));
                assertEquals(rows(db), rows(out));
                assertEquals(100, rows(out).size());

                VerifyReport report = new Verifier(s3, new ReplicaLayout("")).verify();
                assertTrue(report.ok(), report.toString());
                assertFalse(report.generations().isEmpty());
            }
        }
    }

    private static void insert(Connection conn, int from, int count) throws SQLException {
        Random random = new Random(from);
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO t (seq, payload) VALUES (?, ?)")) {
            for (int i = 0; i < count; i++) {
                byte[] payload = new byte[50 + random.nextInt(3000)];
                random.nextBytes(payload);
                ps.setLong(1, from + i + 1);
                ps.setBytes(2, payload);
                ps.executeUpdate();
            }
        }
    }

    private static List<String> rows(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, seq, length(payload), hex(payload) FROM t ORDER BY id")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getLong(1) + ":" + rs.getLong(2) + ":" + rs.getLong(3) + ":" + rs.getString(4).hashCode());
            }
            return out;
        }
    }
}
