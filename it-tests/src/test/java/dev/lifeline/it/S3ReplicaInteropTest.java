package dev.lifeline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.catalog.SnapshotEntry;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.ReplicaUrl;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.RestoreResult;
import dev.lifeline.runtime.restore.RestoreTarget;
import dev.lifeline.runtime.restore.Restorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Lifeline's S3 replica read by other tools, against a real S3 server (S3Proxy): the real
 * {@code litestream restore} 0.3.13 ({@code type: s3}) restores a replica Lifeline wrote across
 * WAL restarts and snapshots to the same bytes Lifeline's own restore gives; and the CLI jar
 * replicates to and restores from a standalone S3Proxy process, whose objects the {@code aws} CLI
 * lists under Litestream's keys.
 */
class S3ReplicaInteropTest {

    private static final String BUCKET = "lifeline-it";
    private static final Pattern KEY = Pattern.compile("(?:lifeline/v1/)?generations/([0-9a-f]{16})/"
            + "(?:generation\\.json|snapshots/[0-9a-f]{8}\\.(?:snapshot\\.lz4|json)|wal/[0-9a-f]{8}_[0-9a-f]{8}\\.(?:wal\\.lz4|json))");

    @Test
    void litestreamRestoresALifelineS3ReplicaToTheBytesOfLifelinesRestore(@TempDir Path dir) throws Exception {
        try (S3Server s3 = S3Server.inProcess(dir.resolve("blobs"))) {
            s3.createBucket(BUCKET);
            s3.useCredentialsInThisJvm();
            String prefix = "agents/agent.db";
            String url = s3.url(BUCKET, prefix);
            Path db = dir.resolve("agent.db");
            Workload.createSchema(db);
            ReplicaClient replica = ReplicaUrl.open(url);
            Replicator rep = new Replicator(ReplicatorConfig.defaults(db, replica).withPollInterval(Duration.ofMillis(10))
                    .withCheckpointFrames(50, 200).withSnapshotInterval(Duration.ofSeconds(2)));
            rep.start();
            Workload w;
            try {
                Lifeline.awaitGeneration(rep, Duration.ofSeconds(30));
                w = new Workload(db, Workload.Options.defaults().threads(2).maxBatch(3).overflowEvery(30).rate(60))
                        .start();
                try {
                    w.awaitTransactions(700, Duration.ofSeconds(90));
                } finally {
                    w.stop();
                }
            } finally {
                assertTrue(rep.stop(Duration.ofSeconds(60)), "replicator did not stop in time");
            }
            assertEquals(null, rep.status().lastError(), "replicator reported an error");

            // What the bucket holds: one generation, several WAL indexes, a snapshot after the first.
            List<GenerationInfo> gens = new ReplicaCatalog(replica, new ReplicaLayout("")).generations();
            assertEquals(1, gens.size(), "one generation expected: " + gens);
            GenerationInfo g = gens.get(0);
            TreeSet<Integer> indexes = new TreeSet<>(g.segments().stream().map(SegmentEntry::index).toList());
            TreeSet<Integer> snapshots = new TreeSet<>(g.snapshots().stream().map(SnapshotEntry::index).toList());
            assertTrue(indexes.size() >= 3, "the workload should have restarted the WAL, indexes " + indexes);
            assertTrue(snapshots.size() >= 2 && snapshots.last() > 0, "a second snapshot at a later index expected, "
                    + "snapshots at indexes " + snapshots + " (WAL indexes " + indexes + ")");
            assertKeysInS3(s3, prefix, List.of(g.id()), true);

            // Lifeline's own restore from S3.
            Path ours = dir.resolve("lifeline-restored.db");
            RestoreResult res = new Restorer(replica, new ReplicaLayout(""))
                    .restore(new RestoreOptions(ours, null, new RestoreTarget.Latest(), false, "full"));
            assertEquals(g.lastTxid(), res.txid());
            replica.close();

            // The real Litestream 0.3.13 from the same bucket, with an S3 replica in its config.
            Path cfg = Litestream.config(dir, db, Map.of(), s3.litestreamReplica(BUCKET, prefix), Map.of());
            Path theirs = dir.resolve("litestream-restored.db");
            Proc.Result r = Proc.run(Duration.ofMinutes(5), null, Map.of(), List.of(Tools.litestream().toString(),
                    "restore", "-config", cfg.toString(), "-o", theirs.toString(), db.toAbsolutePath().toString()));
            r.requireOk();

            assertEquals(-1L, Files.mismatch(ours, theirs), "litestream's restore from S3 and Lifeline's are not "
                    + "byte-identical (" + Files.size(ours) + " vs " + Files.size(theirs) + " bytes)");
            assertEquals("ok", Sqlite.integrityCheckCli(theirs));
            assertEquals(w.lastSeq(), Sqlite.checkState(theirs).rows());
            Sqlite.assertSameRows(db, theirs, w.lastSeq());
            assertEquals(Sqlite.dump(db), Sqlite.dump(theirs), "the restored database differs from the source");
            System.out.printf("S3 replica: WAL indexes %s, snapshots at %s, %d rows; litestream restore %d ms%n",
                    indexes, snapshots, w.lastSeq(), r.elapsed().toMillis());
        }
    }

    @Test
    void cliReplicatesToAStandaloneS3ProxyAndTheAwsCliListsLitestreamKeys(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Tools.agentJar().isPresent(), Tools.agentJarHint());
        try (S3Server s3 = S3Server.standalone(dir.resolve("s3"))) {
            s3.createBucket(BUCKET);
            String prefix = "fleet/app.db";
            String url = s3.url(BUCKET, prefix);
            Path db = dir.resolve("app.db");
            Workload.createSchema(db);
            // The app keeps a connection open (so closing its writers does not checkpoint the WAL away)
            // and never checkpoints itself: each pass ships WAL frames and the second continues the
            // first's generation.
            try (java.sql.Connection app = Sqlite.open(db); java.sql.Statement st = app.createStatement()) {
                st.executeQuery("SELECT count(*) FROM rows").close(); // opens the WAL index
                Workload.Options opt = Workload.Options.defaults().threads(1).maxBatch(4).walAutocheckpoint(0);
                new Workload(db, opt).limitTransactions(300).start().join(Duration.ofSeconds(60));
                cli(s3, "replicate", "--db", db.toString(), "--replica", url, "--once");
                new Workload(db, opt.seed(7)).limitTransactions(200).start().join(Duration.ofSeconds(60));
                cli(s3, "replicate", "--db", db.toString(), "--replica", url, "--once");
            }

            Path out = dir.resolve("restored.db");
            cli(s3, "restore", "--replica", url, "-o", out.toString());
            assertEquals("ok", Sqlite.integrityCheckCli(out));
            long rows = Sqlite.checkState(db).rows();
            assertEquals(rows, Sqlite.checkState(out).rows());
            Sqlite.assertSameRows(db, out, rows);
            assertEquals(Sqlite.dump(db), Sqlite.dump(out), "the CLI's restore from S3 differs from the source");

            // Objects the CLI wrote are where the server keeps the bucket, under Litestream's keys.
            List<String> gens = ReplicaFiles.generations(s3.bucketDir(BUCKET).resolve(prefix));
            assertEquals(1, gens.size(), "one generation expected: " + gens);
            List<String> sdkKeys = assertKeysInS3(s3, prefix, gens, false);

            Path aws = Tools.aws().orElse(null);
            Assumptions.assumeTrue(aws != null, Tools.awsHint());
            Path awsConfig = dir.resolve("aws-config");
            Files.writeString(awsConfig, "[default]\nregion = " + S3Server.REGION + "\ns3 =\n    addressing_style = path\n");
            Map<String, String> env = new HashMap<>(s3.env());
            env.put("AWS_CONFIG_FILE", awsConfig.toString());
            env.put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-credentials-file").toString());
            Proc.Result ls = Proc.run(Duration.ofMinutes(2), null, env, List.of(aws.toString(), "--endpoint-url",
                    s3.endpoint(), "s3", "ls", "--recursive", "s3://" + BUCKET + "/" + prefix + "/")).requireOk();
            System.out.println("aws CLI " + aws + ": " + Proc.run(Duration.ofMinutes(1), aws.toString(), "--version")
                    .stdout().trim() + " listed " + ls.stdout().lines().count() + " objects");
            List<String> awsKeys = new ArrayList<>();
            for (String line : ls.stdout().split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 4) {
                    awsKeys.add(f[3]);
                }
            }
            assertEquals(sdkKeys, awsKeys.stream().sorted().toList(), "aws s3 ls lists other keys than the S3 API:\n"
                    + ls.stdout());
            for (String g : gens) {
                for (String k : List.of("generations/" + g + "/snapshots/00000000.snapshot.lz4",
                        "generations/" + g + "/wal/00000000_00000000.wal.lz4",
                        "lifeline/v1/generations/" + g + "/generation.json")) {
                    assertTrue(awsKeys.contains(prefix + "/" + k), "aws s3 ls does not list " + prefix + "/" + k
                            + ":\n" + ls.stdout());
                }
            }
        }
    }

    private static void cli(S3Server s3, String... args) {
        Proc.run(Duration.ofMinutes(3), null, s3.env(), Lifeline.cli(args)).requireOk();
    }

    /**
     * Lists the prefix through the S3 API: every key is one of the replica format's (database
     * objects at Litestream's keys, Lifeline's metadata under lifeline/v1/, the lease), of one of
     * {@code gens}, each with its first snapshot; returns the sorted keys.
     */
    private static List<String> assertKeysInS3(S3Server s3, String prefix, List<String> gens, boolean manySegments) {
        List<String> keys = new ArrayList<>();
        try (S3Client raw = s3.rawClient()) {
            for (S3Object o : raw.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix + "/")).contents()) {
                keys.add(o.key());
            }
        }
        int segments = 0;
        for (String k : keys) {
            String rel = k.substring(prefix.length() + 1);
            if (rel.startsWith("lifeline/v1/lease/")) {
                continue;
            }
            Matcher m = KEY.matcher(rel);
            assertTrue(m.matches(), "unexpected key " + k + " in " + keys);
            assertTrue(gens.contains(m.group(1)), k + " is not in generations " + gens);
            if (rel.endsWith(".wal.lz4")) {
                segments++;
            }
        }
        for (String gen : gens) {
            assertTrue(keys.contains(prefix + "/generations/" + gen + "/snapshots/00000000.snapshot.lz4"),
                    keys.toString());
        }
        assertTrue(segments >= (manySegments ? 10 : 2), segments + " WAL segments in " + keys);
        return keys.stream().sorted().toList();
    }
}
