package dev.lifeline.it.bench;

import dev.lifeline.runtime.files.image.ChunkNaming;
import dev.lifeline.runtime.files.image.ChunkSizes;
import dev.lifeline.runtime.files.image.ChunkStore;
import dev.lifeline.runtime.files.image.ContentChunker;
import dev.lifeline.runtime.files.image.ImageManifest;
import dev.lifeline.runtime.files.image.ImageWriter;
import dev.lifeline.runtime.journal.Mutation;
import dev.lifeline.runtime.journal.MutationJournal;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 5: bytes uploaded by a periodic base image of an unchanged tree (target: under 1% of the
 * tree). A tree of random (incompressible) files, half its bytes in 64 MiB files and half in
 * 512 KiB files, imaged into a directory replica through the runtime's ImageWriter: a first image,
 * a second of the unchanged tree, then a third after 4 KiB were overwritten in the middle of one
 * large file. For each: bytes and requests sent to the replica (counted at the ReplicaClient),
 * chunks uploaded, manifest size, wall time.
 */
final class ImageBench {

    private final Path work;
    private final long seed;

    ImageBench(Path work, long seed) {
        this.work = work;
        this.seed = seed;
    }

    /** Counts what goes to the replica. */
    static final class Counting implements ReplicaClient {
        final ReplicaClient inner;
        final AtomicLong puts = new AtomicLong();
        final AtomicLong putBytes = new AtomicLong();
        final AtomicLong lists = new AtomicLong();
        final AtomicLong gets = new AtomicLong();

        Counting(ReplicaClient inner) {
            this.inner = inner;
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws IOException {
            lists.incrementAndGet();
            return inner.list(prefix);
        }

        @Override
        public void putIfAbsent(String key, byte[] data) throws IOException {
            puts.incrementAndGet();
            putBytes.addAndGet(data.length);
            inner.putIfAbsent(key, data);
        }

        @Override
        public void putIfAbsent(String key, Path source) throws IOException {
            puts.incrementAndGet();
            putBytes.addAndGet(Files.size(source));
            inner.putIfAbsent(key, source);
        }

        @Override
        public InputStream get(String key) throws IOException {
            gets.incrementAndGet();
            return inner.get(key);
        }

        @Override
        public void delete(String key) throws IOException {
            inner.delete(key);
        }

        Map<String, Object> snapshot() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bytesUploaded", putBytes.get());
            m.put("putRequests", puts.get());
            m.put("listRequests", lists.get());
            m.put("getRequests", gets.get());
            return m;
        }
    }

    Map<String, Object> run(long sizeMb) throws IOException {
        Path root = work.resolve("images/memory");
        Path replica = work.resolve("images/replica");
        Path journalDir = work.resolve("images/journal");
        LagBench.deleteTree(work.resolve("images"));
        Files.createDirectories(root);
        long total = sizeMb << 20;
        Random rnd = new Random(seed);
        byte[] buf = new byte[1 << 20];
        long written = 0;
        int large = (int) Math.max(1, (total / 2) / (64L << 20));
        List<Path> bigFiles = new ArrayList<>();
        for (int i = 0; i < large; i++) {
            Path f = root.resolve("index-" + i + ".bin");
            bigFiles.add(f);
            written += writeRandom(f, 64L << 20, rnd, buf);
        }
        int small = 0;
        while (written < total) {
            Path d = root.resolve("notes-" + (small % 32));
            Files.createDirectories(d);
            written += writeRandom(d.resolve("n-" + small + ".bin"), 512 * 1024, rnd, buf);
            small++;
        }
        System.out.printf("    tree: %d MiB, %d files of 64 MiB, %d of 512 KiB%n", written >> 20, large, small);

        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("treeBytes", written);
        params.put("largeFiles64MiB", large);
        params.put("smallFiles512KiB", small);
        params.put("chunkSizes", ChunkSizes.DEFAULT.toString());
        params.put("replica", "directory (FileReplicaClient), not encrypted");
        params.put("seed", seed);
        out.put("parameters", params);
        List<Object> runs = new ArrayList<>();
        try (MutationJournal journal = MutationJournal.open(journalDir)) {
            runs.add(image("first", root, replica, journal, written));
            runs.add(image("second, unchanged", root, replica, journal, written));
            // 4 KiB overwritten in the middle of one large file (journaled, so a new index).
            Path f = bigFiles.get(0);
            byte[] edit = new byte[4096];
            rnd.nextBytes(edit);
            long at = (32L << 20) + 12345;
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(edit), at);
            }
            journal.append(new Mutation.Write(f.toString(), at, edit));
            runs.add(image("third, 4 KiB changed in one 64 MiB file", root, replica, journal, written));
        }
        out.put("runs", runs);
        out.put("loadAverageAfter", loadAverage());
        LagBench.deleteTree(work.resolve("images"));
        return out;
    }

    private Map<String, Object> image(String name, Path root, Path replica, MutationJournal journal, long treeBytes)
            throws IOException {
        Counting client = new Counting(new FileReplicaClient(replica));
        String load = loadAverage();
        long t0 = System.nanoTime();
        ChunkStore store = new ChunkStore(client, ChunkNaming.forWriting(client));
        ImageManifest m = new ImageWriter(store, new ContentChunker(ChunkSizes.DEFAULT), p -> false)
                .take("00000000000000b5", List.of(root), journal);
        boolean stored = ImageWriter.store(client, m);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("image", name);
        r.put("journalIndex", m.journalIndex());
        r.put("manifestStored", stored);
        r.putAll(client.snapshot());
        r.put("chunksUploaded", store.uploadedChunks());
        r.put("chunksReused", store.reusedChunks());
        r.put("percentOfTree", 100.0 * client.putBytes.get() / treeBytes);
        r.put("wallMs", ms);
        r.put("loadAverageBefore", load);
        System.out.printf("    %-42s %,14d B uploaded (%.4f%% of the tree), %d puts, %d lists, %d chunks new, %d reused,"
                        + " %d ms, load before %s%n", name, client.putBytes.get(), r.get("percentOfTree"), client.puts.get(),
                client.lists.get(), store.uploadedChunks(), store.reusedChunks(), ms, load);
        return r;
    }

    private static long writeRandom(Path f, long size, Random rnd, byte[] buf) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long done = 0;
            while (done < size) {
                rnd.nextBytes(buf);
                int n = (int) Math.min(buf.length, size - done);
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    done += ch.write(b);
                }
            }
            return done;
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
