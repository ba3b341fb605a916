package dev.lifeline.it.files;

import java.io.DataOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.FileWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A plain JDK program (no Lifeline class) that changes files under a directory in every way the
 * journal must capture: directories made and removed, JSON files written to a temporary file and
 * renamed over the old one, an append-only log through several APIs, a binary file updated in
 * place through positional and gathering FileChannel writes, RandomAccessFile writes and length
 * changes, truncations, deletions, a directory moved, several threads at once.
 *
 * <p>After each step it appends {@code step N} to {@code markers.log} under the root (the test
 * finds that write in the journal: the step's cut) and copies the whole tree to
 * {@code <snapshots>/step-N}, outside the root, for the test to compare with a replay up to the cut.
 *
 * <p>Usage: {@code FileMutationHost ROOT SNAPSHOTS OUTSIDE}. With {@code -Dhost.waitForAgent=true}
 * it first waits (at most 60 s) until the agent says its file journaling is active: the JDK's
 * file classes are instrumented only once the agent has started, after premain.
 */
public final class FileMutationHost {

    private final Path root;
    private final Path snapshots;
    private int step;

    private FileMutationHost(Path root, Path snapshots) {
        this.root = root;
        this.snapshots = snapshots;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path snapshots = Path.of(args[1]);
        Path outside = Path.of(args[2]);
        if (Boolean.getBoolean("host.waitForAgent")) {
            waitForAgent();
        }
        Files.createDirectories(root);
        Files.createDirectories(snapshots);
        new FileMutationHost(root, snapshots).run(outside);
        System.out.println("host done: " + 9 + " steps");
    }

    static void waitForAgent() throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                Class<?> bridge = Class.forName("dev.lifeline.agent.bridge.LifelineBridge", false, null);
                if ((Boolean) bridge.getMethod("fileHooksInstalled").invoke(null)) {
                    return;
                }
            } catch (ClassNotFoundException notYet) {
                // the agent has not appended its bridge yet
            }
            Thread.sleep(20);
        }
        System.err.println("host: the agent's file journaling did not become active within 60 s");
        System.exit(3);
    }

    private void run(Path outside) throws Exception {
        // 1. Directories, through java.io and java.nio.
        new File(root.toFile(), "notes").mkdir();
        Files.createDirectory(root.resolve("index"));
        new File(root.toFile(), "deep/a/b").mkdirs();
        Files.createDirectories(root.resolve("nio/x/y"));
        Files.writeString(outside, "not watched");
        System.out.println("stdout is a FileOutputStream without a path");
        mark();

        // 2. JSON state: write a temporary file, then rename it over the old one (both APIs).
        writeJsonNio("state.json", "{\"turn\":1,\"goal\":\"plan\"}");
        writeJsonIo("profile.json", "{\"name\":\"agent-7\",\"tools\":[\"search\"]}");
        writeJsonNio("state.json", "{\"turn\":2,\"goal\":\"plan\",\"done\":[\"a\",\"b\"]}");
        writeJsonIo("profile.json", "{\"name\":\"agent-7\"}");
        mark();

        // 3. An append-only log, through every stream API.
        Path log = root.resolve("notes/log.txt");
        try (FileOutputStream out = new FileOutputStream(log.toFile(), true)) {
            out.write("first line\n".getBytes(StandardCharsets.UTF_8));
            out.write('#');
            byte[] b = "xx second line\nyy".getBytes(StandardCharsets.UTF_8);
            out.write(b, 2, b.length - 4);
        }
        Files.write(log, "third line\n".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (Writer w = new FileWriter(log.toFile(), StandardCharsets.UTF_8, true)) {
            w.write("fourth line é\n");
        }
        try (PrintStream ps = new PrintStream(new FileOutputStream(log.toFile(), true), true, StandardCharsets.UTF_8)) {
            ps.println("fifth line");
        }
        try (OutputStream o = Files.newOutputStream(log, StandardOpenOption.APPEND)) {
            o.write("sixth line\n".getBytes(StandardCharsets.UTF_8));
        }
        mark();

        // 4. A binary index updated in place through FileChannel.
        Path bin = root.resolve("index/vectors.bin");
        try (FileChannel ch = FileChannel.open(bin, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(pattern(4096, 1)), 0);
            ch.write(ByteBuffer.wrap(pattern(100, 2)), 10_000);
            ByteBuffer direct = ByteBuffer.allocateDirect(512);
            direct.put(pattern(512, 3)).flip();
            ch.write(direct, 1000);
            ch.position(50);
            ByteBuffer part = ByteBuffer.wrap(pattern(300, 4));
            part.position(100);
            ch.write(part);
            ch.write(new ByteBuffer[] {ByteBuffer.wrap(pattern(10, 5)), ByteBuffer.wrap(new byte[0]),
                    ByteBuffer.wrap(pattern(20, 6))});
            ch.force(true);
            ch.truncate(9000);
            ch.force(false);
        }
        try (FileChannel ch = FileChannel.open(bin, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(pattern(33, 7)));
        }
        try (FileOutputStream fos = new FileOutputStream(root.resolve("index/via-stream-channel.bin").toFile())) {
            FileChannel ch = fos.getChannel();
            fos.write(pattern(64, 8));
            ch.position(16);
            fos.write(pattern(8, 9));
            ch.write(ByteBuffer.wrap(pattern(4, 10)), 200);
        }
        mark();

        // 5. RandomAccessFile: DataOutput methods, seeks, length changes (native on 17).
        File raf = root.resolve("index/records.dat").toFile();
        try (RandomAccessFile f = new RandomAccessFile(raf, "rw")) {
            f.write(pattern(256, 11));
            f.seek(10);
            f.write(0x7f);
            f.writeInt(123_456);
            f.writeLong(-5L);
            f.writeDouble(3.25);
            f.writeShort(7);
            f.writeChar('λ');
            f.writeBoolean(true);
            f.writeByte(200);
            f.writeFloat(1.5f);
            f.writeUTF("héllo");
            f.writeBytes("ascii");
            f.writeChars("chars");
            f.write(pattern(50, 12), 5, 20);
            f.setLength(40);
            f.seek(100);
            f.write(pattern(8, 13));
            f.setLength(5000);
        }
        try (RandomAccessFile f = new RandomAccessFile(raf, "rw")) {
            f.setLength(3000);
            f.seek(2990);
            f.write(pattern(30, 14));
        }
        mark();

        // 6. Truncation: re-open without append, Files.newOutputStream, write() default options.
        try (FileOutputStream out = new FileOutputStream(root.resolve("notes/log.txt").toFile())) {
            out.write("log rotated\n".getBytes(StandardCharsets.UTF_8));
        }
        try (OutputStream out = Files.newOutputStream(root.resolve("profile.json"))) {
            out.write("{}".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(root.resolve("index/vectors.bin"), pattern(10, 15));
        Files.writeString(root.resolve("empty.txt"), "");
        mark();

        // 7. Deletions, a moved directory, a created file.
        Files.writeString(root.resolve("notes/scratch.txt"), "scratch");
        new File(root.toFile(), "notes/scratch.txt").delete();
        Files.writeString(root.resolve("deep/a/b/leaf.md"), "# leaf\n");
        Files.delete(root.resolve("nio/x/y"));
        Files.deleteIfExists(root.resolve("nio/x/nothing-here"));
        Files.move(root.resolve("deep"), root.resolve("moved-deep"));
        new File(root.toFile(), "marker.flag").createNewFile();
        new File(root.toFile(), "nio/x").delete();
        mark();

        // 8. Several threads at once: one file each, and positional writes into one shared file.
        Path shared = root.resolve("index/shared.bin");
        List<Thread> threads = new ArrayList<>();
        try (FileChannel sharedCh = FileChannel.open(shared, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileOutputStream sharedLog = new FileOutputStream(root.resolve("notes/shared.log").toFile(), true)) {
            for (int t = 0; t < 4; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    try (FileOutputStream own = new FileOutputStream(root.resolve("notes/thread-" + id + ".log").toFile());
                         DataOutputStream d = new DataOutputStream(own)) {
                        for (int i = 0; i < 300; i++) {
                            d.writeInt(i);
                            sharedCh.write(ByteBuffer.wrap(pattern(16, id * 1000 + i)), (long) (i * 4 + id) * 16);
                            sharedLog.write(("t" + id + " " + i + "\n").getBytes(StandardCharsets.UTF_8));
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, "host-writer-" + t);
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
        }
        mark();

        // 9. The JSON file once more, then the last state is the live tree.
        writeJsonNio("state.json", "{\"turn\":3}");
        mark();
    }

    private void writeJsonNio(String name, String json) throws IOException {
        Path tmp = root.resolve(name + ".tmp");
        Files.writeString(tmp, json);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, root.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void writeJsonIo(String name, String json) throws IOException {
        File tmp = new File(root.toFile(), name + ".tmp");
        try (FileOutputStream out = new FileOutputStream(tmp)) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
            out.getFD().sync();
        }
        if (!tmp.renameTo(new File(root.toFile(), name))) {
            throw new IOException("rename failed");
        }
    }

    /** Ends a step: its marker line, then a copy of the tree outside the root. */
    private void mark() throws IOException {
        step++;
        try (FileOutputStream m = new FileOutputStream(root.resolve("markers.log").toFile(), true)) {
            m.write(("step " + step + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Path dest = snapshots.resolve("step-" + step);
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                Path d = dest.resolve(root.relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(d);
                } else {
                    Files.copy(p, d, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >> 3));
        }
        return b;
    }
}
