package dev.lifeline.it.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.it.Proc;
import dev.lifeline.it.RequestCounter;
import dev.lifeline.it.S3Server;
import dev.lifeline.it.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Replication to S3: one S3Proxy in the harness JVM (objects in a directory, every store call and
 * uploaded byte counted by {@link RequestCounter}), the replicators as child processes as in the
 * {@code lag} section. Parts ({@code bench.s3.parts}, default all):
 * <ul>
 *   <li>{@code lag}: commit → segment durable, at {@code bench.s3.rate} (1000) tx/s, for each of
 *       {@code bench.s3.engines} (Lifeline to S3, Lifeline to a directory as the baseline, Litestream
 *       0.3.13 to the same S3Proxy), measured exactly like the {@code lag} section: the watcher
 *       sees a segment once S3Proxy has stored it (its filesystem store moves each object into
 *       place atomically). Also the S3 requests and bytes uploaded in the window, against the WAL
 *       bytes written in it.</li>
 *   <li>{@code idle}: S3 requests per hour of an idle database, counted over
 *       {@code bench.s3.idleSeconds} (60) after {@code bench.s3.idleSettleSeconds} (15) and
 *       extrapolated to an hour.</li>
 *   <li>{@code snapshot}: heap while the first pass snapshots a {@code bench.s3.snapshotMb} (1024)
 *       database of incompressible rows and uploads it, in a child JVM with
 *       {@code bench.s3.snapshotXmx} (128m) ({@link SnapshotUploadProbe}).</li>
 * </ul>
 */
final class S3Bench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path work;
    private final long seed;

    S3Bench(Path work, long seed) {
        this.work = work;
        this.seed = seed;
    }

    Map<String, Object> run(Duration warmup, Duration measure) throws Exception {
        Set<String> parts = Set.of(System.getProperty("bench.s3.parts", "lag,idle,snapshot").split("\\s*,\\s*"));
        int rate = Integer.getInteger("bench.s3.rate", 1000);
        Duration idle = Duration.ofSeconds(Long.getLong("bench.s3.idleSeconds", 60));
        Duration settle = Duration.ofSeconds(Long.getLong("bench.s3.idleSettleSeconds", 15));
        long snapshotMb = Long.getLong("bench.s3.snapshotMb", 1024);
        String xmx = System.getProperty("bench.s3.snapshotXmx", "128m");
        Map<String, Object> doc = new LinkedHashMap<>();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("parts", parts);
        params.put("server", "S3Proxy 4.1.0 in the harness JVM (FilesystemNio2BlobStore under the bench work "
                + "directory, AWS v2/v4 authentication, 127.0.0.1); replicators are child processes with credentials "
                + "in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (Lifeline) or the config (Litestream)");
        params.put("counting", "server side: each blob-store call S3Proxy makes for a request, by S3 request class "
                + "(PUT = PUT object and the steps of a multipart upload), and every object body byte written");
        params.put("rate", rate);
        params.put("warmupSeconds", warmup.toSeconds());
        params.put("measureSeconds", measure.toSeconds());
        params.put("idleSeconds", idle.toSeconds());
        params.put("idleSettleSeconds", settle.toSeconds());
        params.put("snapshotMb", snapshotMb);
        params.put("snapshotXmx", xmx);
        params.put("seed", seed);
        doc.put("parameters", params);
        Path blobs = work.resolve("s3-blobs");
        LagBench.deleteTree(blobs);
        try (S3Server s3 = S3Server.inProcess(blobs)) {
            s3.createBucket(Engine.BUCKET);
            LagBench lag = new LagBench(work, seed).countingOn(s3.counter());
            if (parts.contains("lag")) {
                List<Object> runs = new ArrayList<>();
                for (Engine e : engines("bench.s3.engines", "lifeline-s3,lifeline,litestream-1s-s3,litestream-100ms-s3",
                        s3)) {
                    System.out.printf("  s3 lag %-40s %5d tx/s ...%n", e.name(), rate);
                    Map<String, Object> r = lag.lagRun(e, rate, warmup, measure);
                    System.out.println("    " + r.get("lagMs") + " valid " + r.get("valid") + " " + r.get("anomalies")
                            + (r.containsKey("uploadedBytesPerWalByte") ? " uploaded/WAL " + r.get("uploadedBytesPerWalByte")
                            + " served " + r.get("s3ServedInWindow") : ""));
                    runs.add(r);
                }
                doc.put("lag", runs);
            }
            if (parts.contains("idle")) {
                List<Object> runs = new ArrayList<>();
                for (Engine e : engines("bench.s3.idleEngines", "lifeline-s3,litestream-1s-s3", s3)) {
                    System.out.printf("  s3 idle %-40s %d s ...%n", e.name(), idle.toSeconds());
                    Map<String, Object> r = lag.idleRun(e, settle, idle);
                    System.out.println("    per hour " + r.get("requestsPerHourExtrapolated") + " served "
                            + r.get("s3ServedInWindow"));
                    runs.add(r);
                }
                doc.put("idle", runs);
            }
            if (parts.contains("snapshot")) {
                doc.put("snapshot", snapshotHeap(s3, snapshotMb, xmx));
            }
        }
        LagBench.deleteTree(blobs);
        return doc;
    }

    /** Engines by name; names ending in -s3 replicate to {@code s3}. */
    private static List<Engine> engines(String property, String defaults, S3Server s3) {
        List<Engine> out = new ArrayList<>();
        for (String n : System.getProperty(property, defaults).split("\\s*,\\s*")) {
            boolean onS3 = n.endsWith("-s3");
            String base = onS3 ? n.substring(0, n.length() - 3) : n;
            Engine e = switch (base) {
                case "lifeline" -> Engine.lifeline();
                case "litestream-1s" -> Engine.litestream("1s", null);
                case "litestream-100ms" -> Engine.litestream("100ms", null);
                default -> throw new IllegalArgumentException("unknown engine " + n + " in " + property);
            };
            out.add(onS3 ? e.onS3(s3) : e);
        }
        return out;
    }

    /** The first pass over a large database (snapshot + upload) in a child JVM with a small heap. */
    private Map<String, Object> snapshotHeap(S3Server s3, long sizeMb, String xmx) throws Exception {
        Path dir = work.resolve("s3-snapshot");
        LagBench.deleteTree(dir);
        Files.createDirectories(dir);
        Path db = dir.resolve("big.db");
        System.out.printf("  s3 snapshot: building a %d MB database ...%n", sizeMb);
        long t0 = System.nanoTime();
        long rows = build(db, sizeMb);
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        long dbBytes = Files.size(db);
        Map<String, Long> served0 = s3.counter().snapshot();
        String url = s3.url(Engine.BUCKET, "bench/snapshot");
        List<String> cmd = List.of(Tools.java().toString(), "-Xmx" + xmx, "-cp", Proc.testClasspath(),
                SnapshotUploadProbe.class.getName(), db.toString(), url);
        System.out.printf("  s3 snapshot: %d MB database, first pass in a child JVM with -Xmx%s ...%n",
                dbBytes >> 20, xmx);
        Proc.Result r = Proc.run(Duration.ofMinutes(30), null, s3.env(), cmd);
        Map<String, Long> served = RequestCounter.delta(served0, s3.counter().snapshot());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("databaseBytes", dbBytes);
        out.put("rows", rows);
        out.put("buildSeconds", Stats.round(buildSeconds));
        out.put("jvm", "-Xmx" + xmx);
        out.put("exitCode", r.exitCode());
        out.put("s3Served", served);
        String last = r.stdout().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
        if (last != null) {
            out.put("probe", JSON.readValue(last, Map.class));
        }
        if (!r.ok()) {
            out.put("error", r.describe());
        }
        System.out.println("    " + out);
        LagBench.deleteTree(dir);
        LagBench.deleteTree(s3.bucketDir(Engine.BUCKET).resolve("bench/snapshot"));
        return out;
    }

    /**
     * A WAL-mode database of about {@code sizeMb} MB of random 4000-byte rows, one per 4 KiB page,
     * so the snapshot hardly compresses and about that many bytes are uploaded.
     */
    private long build(Path db, long sizeMb) throws Exception {
        long rows = sizeMb * 1024 * 1024 / 4096;
        SplittableRandom rnd = new SplittableRandom(seed);
        RestoreBench.bulkLoad(db, "CREATE TABLE blobs(id INTEGER PRIMARY KEY, val BLOB NOT NULL)",
                "INSERT INTO blobs(id, val) VALUES (?, ?)", rows, 4000, (v, id) -> rnd.nextBytes(v));
        return rows;
    }
}
