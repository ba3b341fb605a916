package dev.lifeline.it.bench;

import dev.lifeline.it.Lifeline;
import dev.lifeline.it.Litestream;
import dev.lifeline.it.Proc;
import dev.lifeline.it.ReplicaFiles;
import dev.lifeline.runtime.replicate.Replicator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Restore of a large database with many transactions after its snapshot. The database is built
 * quickly (rows of ~1 KB in one transaction, synchronous=OFF, no journal), switched to WAL, then
 * Lifeline starts replicating (its snapshot is the big image) while {@code txs} small update
 * transactions touch random rows all over the file. The same replica (Lifeline's, in Litestream
 * 0.3's layout) is then restored by Lifeline (as a process: the CLI, or the launcher when the
 * jar is not built), with each integrity-check mode, and by {@code litestream restore}; {@code cp}
 * of the final database file (checkpointed) is the floor. Every output is checked against the
 * source. Page cache is warm for all of them (they read the same replica files).
 */
final class RestoreBench {

    private final Path work;
    private final long seed;

    RestoreBench(Path work, long seed) {
        this.work = work;
        this.seed = seed;
    }

    Map<String, Object> run(long sizeMb, int txs, int reps) throws Exception {
        Path dir = work.resolve("restore");
        LagBench.deleteTree(dir);
        Files.createDirectories(dir);
        Path db = dir.resolve("big.db");
        Path replica = dir.resolve("replica");
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("targetSizeMb", sizeMb);
        params.put("transactionsAfterSnapshot", txs);
        params.put("repetitions", reps);
        params.put("seed", seed);
        params.put("rowBytes", 1000);
        params.put("lifelineMode", Engine.lifelineMode());
        out.put("parameters", params);

        long t0 = System.nanoTime();
        long rows = build(db, sizeMb);
        Map<String, Object> build = new LinkedHashMap<>();
        build.put("rows", rows);
        build.put("dbBytes", Files.size(db));
        build.put("buildSeconds", Stats.round((System.nanoTime() - t0) / 1e9));

        // Replicate (in-process: replication is not what is measured here): snapshot, then the updates.
        long t1 = System.nanoTime();
        Replicator rep = new Replicator(Lifeline.config(db, replica));
        rep.start();
        Lifeline.awaitGeneration(rep, Duration.ofMinutes(10));
        build.put("snapshotSeconds", Stats.round((System.nanoTime() - t1) / 1e9));
        long t2 = System.nanoTime();
        update(db, rows, txs);
        build.put("updateSeconds", Stats.round((System.nanoTime() - t2) / 1e9));
        if (!rep.stop(Duration.ofMinutes(10))) {
            throw new IllegalStateException("replicator did not stop");
        }
        build.put("replicator", rep.status().toString());
        Checksum expected = checksum(db);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        build.put("finalDbBytes", Files.size(db));
        List<ReplicaFiles.Segment> segs = ReplicaFiles.segments(replica);
        // What the restore has to replay: the newest generation, its newest snapshot, the commits after it.
        var gens = new dev.lifeline.runtime.catalog.ReplicaCatalog(new dev.lifeline.runtime.replica.FileReplicaClient(replica),
                new dev.lifeline.runtime.format.ReplicaLayout("")).generations();
        var g = gens.get(gens.size() - 1);
        var snap = g.snapshots().get(g.snapshots().size() - 1);
        build.put("generations", gens.size());
        build.put("snapshotsInNewestGeneration", g.snapshots().size());
        build.put("newestSnapshotTxid", snap.meta() == null ? null : snap.meta().txid());
        build.put("lastTxid", g.lastTxid());
        long after = g.lastTxid() - (snap.meta() == null ? 0 : snap.meta().txid());
        build.put("transactionsAfterNewestSnapshot", after);
        if (gens.size() > 1 || after < txs) {
            System.out.println("  NOTE: the replica holds " + gens.size() + " generation(s); the restore replays " + after
                    + " transactions after its newest snapshot, not " + txs);
        }
        build.put("walSegments", segs.size());
        build.put("walIndexes", segs.stream().mapToInt(ReplicaFiles.Segment::index).distinct().count());
        long replicaBytes = 0;
        for (Path p : ReplicaFiles.lz4Objects(replica)) {
            replicaBytes += Files.size(p);
        }
        build.put("replicaLz4Bytes", replicaBytes);
        build.put("expected", expected.toString());
        out.put("build", build);

        Path restored = dir.resolve("restored.db");
        Map<String, List<Double>> times = new LinkedHashMap<>();
        for (int rep0 = 0; rep0 < reps; rep0++) {
            time(times, "cp", restored, expected, false,
                    List.of("cp", db.toString(), restored.toString()));
            for (String mode : List.of("full", "quick", "none")) {
                String[] a = {"restore", "--replica", replica.toString(), "-o", restored.toString(),
                        "--integrity-check", mode};
                time(times, "lifeline-" + mode, restored, expected, true,
                        Engine.lifelineMode().equals("cli") ? Lifeline.cli(a) : Lifeline.launcher(a));
            }
            List<String> ls = new ArrayList<>(List.of(dev.lifeline.it.Tools.litestream().toString(), "restore", "-o",
                    restored.toString(), "file://" + replica.toAbsolutePath()));
            time(times, "litestream", restored, expected, true, ls);
        }
        Map<String, Object> results = new LinkedHashMap<>();
        for (Map.Entry<String, List<Double>> e : times.entrySet()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("seconds", e.getValue());
            r.put("best", e.getValue().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN));
            results.put(e.getKey(), r);
        }
        out.put("results", results);
        double ls = best(results, "litestream");
        double cp = best(results, "cp");
        Map<String, Object> ratios = new LinkedHashMap<>();
        for (String mode : List.of("full", "quick", "none")) {
            double l = best(results, "lifeline-" + mode);
            ratios.put("lifeline-" + mode + "/litestream", Stats.round(l / ls));
            ratios.put("lifeline-" + mode + "/cp", Stats.round(l / cp));
        }
        ratios.put("litestream/cp", Stats.round(ls / cp));
        out.put("ratios", ratios);
        if (!Boolean.getBoolean("bench.keepWork")) {
            LagBench.deleteTree(dir);
        }
        return out;
    }

    private static double best(Map<String, Object> results, String key) {
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) results.get(key);
        return (Double) r.get("best");
    }

    private static void time(Map<String, List<Double>> times, String name, Path restored, Checksum expected,
                             boolean check, List<String> cmd) throws Exception {
        deleteDb(restored);
        long t = System.nanoTime();
        Proc.Result r = Proc.run(Duration.ofMinutes(60), cmd);
        double secs = Stats.round((System.nanoTime() - t) / 1e9);
        if (!r.ok()) {
            throw new IllegalStateException(name + " failed: " + r.describe());
        }
        Checksum got = checksum(restored);
        if (!got.equals(expected)) {
            throw new IllegalStateException(name + " restored a different database: " + got + " vs " + expected);
        }
        times.computeIfAbsent(name, k -> new ArrayList<>()).add(secs);
        System.out.printf("  restore %-16s %8.2f s%n", name, secs);
        deleteDb(restored);
    }

    private static void deleteDb(Path p) throws java.io.IOException {
        Files.deleteIfExists(p);
        Files.deleteIfExists(Path.of(p + "-wal"));
        Files.deleteIfExists(Path.of(p + "-shm"));
    }

    private long build(Path db, long sizeMb) throws SQLException {
        long rows = sizeMb * 1024 * 1024 / 1030; // 4 rows of ~1 KB per 4 KiB page
        SplittableRandom rnd = new SplittableRandom(seed);
        bulkLoad(db, "CREATE TABLE kv(id INTEGER PRIMARY KEY, ver INTEGER NOT NULL, val BLOB NOT NULL)",
                "INSERT INTO kv(id, ver, val) VALUES (?, 0, ?)", rows, 1000, (v, id) -> fill(v, rnd, id));
        return rows;
    }

    /**
     * Creates {@code db} with one table and {@code rows} rows inserted in one transaction, fast (no
     * journal, no sync), then switches it to WAL mode. {@code insert} takes (id, value); {@code fill}
     * writes row {@code id}'s value into the buffer.
     */
    static void bulkLoad(Path db, String create, String insert, long rows, int valueBytes,
                         java.util.function.ObjLongConsumer<byte[]> fill) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=OFF");
            s.execute("PRAGMA synchronous=OFF");
            s.execute(create);
            c.setAutoCommit(false);
            try (PreparedStatement ins = c.prepareStatement(insert)) {
                byte[] v = new byte[valueBytes];
                for (long id = 1; id <= rows; id++) {
                    fill.accept(v, id);
                    ins.setLong(1, id);
                    ins.setBytes(2, v);
                    ins.executeUpdate();
                }
            }
            c.commit();
            c.setAutoCommit(true);
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
                rs.next();
            }
        }
    }

    private void update(Path db, long rows, int txs) throws SQLException {
        SplittableRandom rnd = new SplittableRandom(seed + 1);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("PRAGMA busy_timeout=60000");
            // The replicator owns checkpoints (as the agent does); the app's own autocheckpoint racing it
            // under an unpaced writer can restart the WAL twice between passes and force a new generation.
            s.execute("PRAGMA wal_autocheckpoint=0");
            try (PreparedStatement up = c.prepareStatement("UPDATE kv SET ver = ver + 1, val = ? WHERE id = ?")) {
                byte[] v = new byte[1000];
                for (int i = 0; i < txs; i++) {
                    long id = 1 + rnd.nextLong(rows);
                    fill(v, rnd, id + i);
                    up.setBytes(1, v);
                    up.setLong(2, id);
                    up.executeUpdate(); // autocommit: one transaction each
                }
            }
        }
    }

    private static void fill(byte[] v, SplittableRandom rnd, long salt) {
        for (int i = 0; i < 330; i++) {
            v[i] = (byte) rnd.nextInt(256);
        }
        for (int i = 330; i < v.length; i++) {
            v[i] = (byte) ('A' + (i + salt) % 26);
        }
    }

    /** A content digest of the kv table, cheap enough for 1 GiB. */
    record Checksum(long rows, long verSum, long digest) {
    }

    private static Checksum checksum(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, ver, val FROM kv ORDER BY id")) {
            long n = 0;
            long vs = 0;
            long h = 1125899906842597L;
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            while (rs.next()) {
                n++;
                long ver = rs.getLong(2);
                vs += ver;
                crc.reset();
                crc.update(rs.getBytes(3));
                h = 31 * h + rs.getLong(1) * 1_000_003L + ver * 7919 + crc.getValue();
            }
            return new Checksum(n, vs, h);
        }
    }
}
