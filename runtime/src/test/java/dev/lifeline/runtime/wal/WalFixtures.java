package dev.lifeline.runtime.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real SQLite WAL fixtures for the wal tests, plus an oracle that is independent of the code under
 * test: which transactions SQLite committed (and how many frames each wrote) is measured from the
 * WAL file itself, byte-diffing the file before and after every transaction, and checksums are
 * recomputed here with {@link ByteBuffer} rather than {@link WalChecksum}.
 */
final class WalFixtures {

    static final int HDR = 32;
    static final int FHDR = 24;
    static final Path SQLITE3 = Path.of("/usr/bin/sqlite3");

    private WalFixtures() {
    }

    // ------------------------------------------------------------------------------------------
    // Model
    // ------------------------------------------------------------------------------------------

    /** One transaction SQLite committed: where its commit frame ends, its frame count, db size after it. */
    record Tx(long endOffset, int frames, int dbSizePages) {
    }

    /** The transactions committed during one lifetime (one set of salts) of a WAL. */
    record Lifetime(WalHeader header, List<Tx> commits) {
        long end() {
            return commits.isEmpty() ? HDR : commits.get(commits.size() - 1).endOffset();
        }
    }

    /**
     * A WAL captured while its connection was still open (so SQLite had not checkpointed or deleted
     * it), the database file as it was at that moment (nothing checkpointed into it yet), the
     * committed transactions, and a digest of the table contents SQLite saw.
     */
    record Fixture(int pageSize, byte[] wal, byte[] db, List<Tx> commits, String digest) {
        int frameSize() {
            return FHDR + pageSize;
        }

        WalHeader header() {
            return WalHeader.parse(wal, 0).orElseThrow();
        }

        long committedEnd() {
            return commits.isEmpty() ? HDR : commits.get(commits.size() - 1).endOffset();
        }

        int totalFrames() {
            return commits.stream().mapToInt(Tx::frames).sum();
        }

        /** The reader position right after commit {@code i} (0-based), built from SQLite's own bytes. */
        WalPosition positionAfter(int i) {
            return position(header(), wal, commits.get(i).endOffset());
        }
    }

    /** A position at a frame boundary whose running checksum is read from the stored frame bytes. */
    static WalPosition position(WalHeader header, byte[] wal, long offset) {
        if (offset == HDR) {
            return WalPosition.start(header);
        }
        return new WalPosition(header, offset, storedChecksumBefore(wal, offset));
    }

    /** The cumulative checksum SQLite stored in the header of the frame that ends at {@code end}. */
    static WalChecksum storedChecksumBefore(byte[] wal, long end) {
        int frameStart = (int) end - (FHDR + beInt(wal, 8));
        return new WalChecksum(beInt(wal, frameStart + 16), beInt(wal, frameStart + 20));
    }

    // ------------------------------------------------------------------------------------------
    // Cached fixtures (created once per JVM; callers must not mutate the arrays)
    // ------------------------------------------------------------------------------------------

    private static final Map<String, Fixture> CACHE = new HashMap<>();
    private static Path root;

    static synchronized Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("lifeline-wal-fixtures");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path r = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(r)));
        }
        return root;
    }

    /** A WAL written by sqlite-jdbc at {@code pageSize} with a seeded, mixed workload ending in a VACUUM. */
    static synchronized Fixture jdbc(int pageSize) {
        return CACHE.computeIfAbsent("jdbc-" + pageSize, k -> {
            try {
                Path dir = Files.createDirectories(root().resolve(k));
                try (Recorder r = new Recorder(dir.resolve("app.db"), pageSize)) {
                    randomWorkload(r, new Random(pageSize * 31L + 7), 24, true);
                    assertEquals(1, r.lifetimes().size(), "fixture WAL must not restart");
                    return r.snapshot();
                }
            } catch (IOException | SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    // ------------------------------------------------------------------------------------------
    // Recorder: drives sqlite-jdbc and measures each commit from the WAL bytes
    // ------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface SqlWork {
        void run(Connection c) throws SQLException;
    }

    /**
     * A sqlite-jdbc connection in WAL mode with auto-checkpoints off. Every transaction run through
     * {@link #tx} or {@link #exec} is measured: the WAL is read right before and right after it, and
     * the last frame whose bytes changed is the transaction's commit frame (every frame SQLite writes
     * either extends the file or overwrites a frame of another lifetime, whose salts differ, or an
     * uncommitted leftover, whose commit field differs), so this works across WAL restarts too.
     */
    static final class Recorder implements AutoCloseable {
        final Path db;
        final Path wal;
        final int pageSize;
        final Connection conn;
        private final List<Lifetime> lifetimes = new ArrayList<>();
        private byte[] before = new byte[0];

        Recorder(Path db, int pageSize) throws SQLException {
            this.db = db;
            this.wal = walOf(db);
            this.pageSize = pageSize;
            this.conn = DriverManager.getConnection("jdbc:sqlite:" + db);
            try (Statement st = conn.createStatement()) {
                st.execute("PRAGMA page_size=" + pageSize);
                try (ResultSet rs = st.executeQuery("PRAGMA journal_mode=WAL")) {
                    rs.next();
                    assertEquals("wal", rs.getString(1));
                }
                st.execute("PRAGMA wal_autocheckpoint=0");
            }
        }

        int frameSize() {
            return FHDR + pageSize;
        }

        List<Lifetime> lifetimes() {
            return lifetimes;
        }

        Lifetime current() {
            return lifetimes.get(lifetimes.size() - 1);
        }

        /** Runs one statement in autocommit mode (its own transaction) and records the commit. */
        Tx exec(String sql) throws SQLException {
            before = readWal(wal);
            try (Statement st = conn.createStatement()) {
                st.execute(sql);
            }
            return record();
        }

        /** Runs {@code work} as one transaction and records the commit it produced. */
        Tx tx(SqlWork work) throws SQLException {
            before = readWal(wal);
            conn.setAutoCommit(false);
            try {
                work.run(conn);
                conn.commit();
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
            return record();
        }

        /** Runs a statement that is not recorded (a setting, or one that must not write the WAL). */
        void run(String sql) throws SQLException {
            try (Statement st = conn.createStatement()) {
                st.execute(sql);
            }
        }

        /** Runs an autocommit statement that must not write the WAL (e.g. a checkpoint) and returns its first row. */
        long[] pragmaRow(String sql) throws SQLException {
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                assertTrue(rs.next(), sql);
                int n = rs.getMetaData().getColumnCount();
                long[] row = new long[n];
                for (int i = 0; i < n; i++) {
                    row[i] = rs.getLong(i + 1);
                }
                return row;
            }
        }

        int pageCount() throws SQLException {
            return (int) pragmaRow("PRAGMA page_count")[0];
        }

        private Tx record() throws SQLException {
            byte[] after = readWal(wal);
            WalHeader h = WalHeader.parse(after, 0)
                    .orElseThrow(() -> new AssertionError("no valid WAL header after a commit"));
            assertEquals(pageSize, h.pageSize());
            int fs = frameSize();
            assertEquals(0, (after.length - HDR) % fs, "WAL length is not frame aligned");
            if (lifetimes.isEmpty() || !current().header().sameLifetime(h)) {
                lifetimes.add(new Lifetime(h, new ArrayList<>()));
            }
            long lastChanged = -1;
            for (long off = HDR; off + fs <= after.length; off += fs) {
                if (off + fs > before.length
                        || !Arrays.equals(after, (int) off, (int) off + fs, before, (int) off, (int) off + fs)) {
                    lastChanged = off + fs;
                }
            }
            if (lastChanged < 0) {
                throw new AssertionError("transaction wrote no WAL frame");
            }
            long prevEnd = current().end();
            assertTrue(lastChanged > prevEnd, "commit frame before the previous commit");
            Tx tx = new Tx(lastChanged, (int) ((lastChanged - prevEnd) / fs), pageCount());
            assertEquals(tx.dbSizePages(), beInt(after, (int) lastChanged - fs + 4),
                    "commit frame db size vs PRAGMA page_count");
            current().commits().add(tx);
            before = after;
            return tx;
        }

        byte[] walBytes() {
            return readWal(wal);
        }

        /** The WAL and database as they are now (connection still open), with the current lifetime's commits. */
        Fixture snapshot() throws IOException, SQLException {
            byte[] w = readWal(wal);
            byte[] d = Files.readAllBytes(db);
            return new Fixture(pageSize, w, d, List.copyOf(current().commits()), digest(conn));
        }

        @Override
        public void close() throws SQLException {
            conn.close();
        }
    }

    /**
     * A seeded mix of transactions: single-row inserts, multi-row batches with overflow pages,
     * updates, deletes, an index, and (optionally) a VACUUM that shrinks the database.
     */
    static void randomWorkload(Recorder r, Random rnd, int ops, boolean vacuum) throws SQLException {
        int maxBlob = 3 * Math.min(r.pageSize, 4096);
        r.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
        r.exec("CREATE INDEX t_len ON t(length(v))");
        List<Long> keys = new ArrayList<>();
        long[] next = {1};
        for (int i = 0; i < ops; i++) {
            int op = keys.size() < 4 ? 1 : rnd.nextInt(5);
            switch (op) {
                case 0 -> r.tx(c -> insert(c, keys, next, blob(rnd, 1 + rnd.nextInt(100))));
                case 1 -> r.tx(c -> {
                    int n = 1 + rnd.nextInt(8);
                    for (int j = 0; j < n; j++) {
                        insert(c, keys, next, blob(rnd, 1 + rnd.nextInt(maxBlob)));
                    }
                });
                case 2 -> r.tx(c -> {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE t SET v=? WHERE k=?")) {
                        ps.setBytes(1, blob(rnd, 1 + rnd.nextInt(maxBlob)));
                        ps.setLong(2, keys.get(rnd.nextInt(keys.size())));
                        assertEquals(1, ps.executeUpdate());
                    }
                });
                case 3 -> r.tx(c -> {
                    int n = 1 + rnd.nextInt(3);
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM t WHERE k=?")) {
                        for (int j = 0; j < n; j++) {
                            ps.setLong(1, keys.remove(rnd.nextInt(keys.size())));
                            assertEquals(1, ps.executeUpdate());
                        }
                    }
                });
                default -> r.tx(c -> {
                    insert(c, keys, next, blob(rnd, 2 * maxBlob));
                    try (PreparedStatement ps = c.prepareStatement("UPDATE t SET v=? WHERE k=?")) {
                        ps.setBytes(1, blob(rnd, 10));
                        ps.setLong(2, keys.get(0));
                        assertEquals(1, ps.executeUpdate());
                    }
                });
            }
        }
        if (vacuum) {
            r.tx(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM t WHERE k % 2 = 0")) {
                    ps.executeUpdate();
                }
            });
            r.exec("VACUUM");
        }
    }

    static void insert(Connection c, List<Long> keys, long[] next, byte[] v) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t(k, v) VALUES (?, ?)")) {
            ps.setLong(1, next[0]);
            ps.setBytes(2, v);
            assertEquals(1, ps.executeUpdate());
        }
        keys.add(next[0]++);
    }

    /** Inserts a row into t with a key SQLite picks. */
    static void insertAuto(Connection c, byte[] v) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t(v) VALUES (?)")) {
            ps.setBytes(1, v);
            assertEquals(1, ps.executeUpdate());
        }
    }

    static byte[] blob(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** SHA-256 over every row of table t, in key order, as SQLite returns them. */
    static String digest(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT k, v FROM t ORDER BY k")) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            int rows = 0;
            while (rs.next()) {
                md.update(Long.toString(rs.getLong(1)).getBytes(StandardCharsets.UTF_8));
                md.update(rs.getBytes(2));
                rows++;
            }
            return rows + ":" + HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens a copy of {@code db} + {@code wal} with SQLite (which recovers the WAL) and digests table t. */
    static String digestWithSqlite(Path dir, byte[] db, byte[] wal) throws IOException, SQLException {
        Files.createDirectories(dir);
        Path d = dir.resolve("copy.db");
        Files.write(d, db);
        Files.write(walOf(d), wal);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + d)) {
            return digest(c);
        }
    }

    // ------------------------------------------------------------------------------------------
    // sqlite3 CLI
    // ------------------------------------------------------------------------------------------

    /** Runs /usr/bin/sqlite3 on {@code db} with {@code script} on stdin; returns stdout. */
    static String cli(Path db, String script) throws IOException, InterruptedException {
        Path in = db.resolveSibling(db.getFileName() + ".script-" + System.nanoTime() + ".sql");
        Files.writeString(in, script);
        Process p = new ProcessBuilder(SQLITE3.toString(), "-bail", db.toString())
                .directory(db.getParent().toFile())
                .redirectInput(in.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sqlite3 did not finish");
        }
        assertEquals(0, p.exitValue(), () -> "sqlite3 failed:\n" + out);
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Checksums and header/frame rewriting, independent of WalChecksum
    // ------------------------------------------------------------------------------------------

    /** SQLite's walChecksumBytes, written with ByteBuffer so it shares no code with WalChecksum. */
    static int[] sqliteChecksum(boolean bigEndian, byte[] data, int off, int len, int s1, int s2) {
        ByteBuffer bb = ByteBuffer.wrap(data, off, len).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        while (bb.hasRemaining()) {
            s1 += bb.getInt() + s2;
            s2 += bb.getInt() + s1;
        }
        return new int[] {s1, s2};
    }

    /** A 32-byte WAL header with a correct checksum for the byte order its magic declares. */
    static byte[] header(int magic, int version, int pageSize, int ckptSeq, int salt1, int salt2) {
        ByteBuffer bb = ByteBuffer.allocate(HDR).order(ByteOrder.BIG_ENDIAN);
        bb.putInt(magic).putInt(version).putInt(pageSize).putInt(ckptSeq).putInt(salt1).putInt(salt2);
        int[] c = sqliteChecksum((magic & 1) == 1, bb.array(), 0, 24, 0, 0);
        bb.putInt(c[0]).putInt(c[1]);
        return bb.array();
    }

    /**
     * Rewrites a WAL for another checksum byte order: sets {@code magic}, then recomputes the header
     * checksum and the cumulative checksum of the first {@code frames} frames with 32-bit words read
     * in the order {@code magic} declares. Everything else (page data, salts, commit fields) is kept.
     */
    static byte[] rechecksum(byte[] wal, int magic, int frames) {
        byte[] out = wal.clone();
        boolean be = (magic & 1) == 1;
        putBeInt(out, 0, magic);
        int[] c = sqliteChecksum(be, out, 0, 24, 0, 0);
        putBeInt(out, 24, c[0]);
        putBeInt(out, 28, c[1]);
        int pageSize = beInt(out, 8);
        int fs = FHDR + pageSize;
        for (int i = 0; i < frames; i++) {
            int off = HDR + i * fs;
            c = sqliteChecksum(be, out, off, 8, c[0], c[1]);
            c = sqliteChecksum(be, out, off + FHDR, pageSize, c[0], c[1]);
            putBeInt(out, off + 16, c[0]);
            putBeInt(out, off + 20, c[1]);
        }
        return out;
    }

    /** Only replaces the header (magic and header checksum), leaving every frame as it was. */
    static byte[] withHeaderMagic(byte[] wal, int magic) {
        return rechecksum(wal, magic, 0);
    }

    static int beInt(byte[] b, int off) {
        return ByteBuffer.wrap(b, off, 4).order(ByteOrder.BIG_ENDIAN).getInt();
    }

    static void putBeInt(byte[] b, int off, int v) {
        ByteBuffer.wrap(b, off, 4).order(ByteOrder.BIG_ENDIAN).putInt(v);
    }

    // ------------------------------------------------------------------------------------------
    // Running the reader and checking its results
    // ------------------------------------------------------------------------------------------

    /** A scan and exactly the bytes it wrote to its sink. */
    record Result(WalScan scan, byte[] bytes) {
        List<WalCommit> commits() {
            return scan.commits();
        }
    }

    static Result scan(Path wal, WalPosition from, long maxBytes) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        WalScan s = new WalReader(wal).readTransactions(from, maxBytes, sink);
        byte[] bytes = sink.toByteArray();
        assertEquals(s.end().offset() - s.start().offset(), bytes.length, "sink length vs scan range");
        assertEquals(s.bytes(), bytes.length);
        assertEquals(from, s.start());
        return new Result(s, bytes);
    }

    static Result scanAll(Path wal, WalPosition from) throws IOException {
        return scan(wal, from, Long.MAX_VALUE);
    }

    /** The expected transactions whose commit frame ends at or before {@code limit}. */
    static List<Tx> upTo(List<Tx> commits, long limit) {
        return commits.stream().filter(t -> t.endOffset() <= limit).toList();
    }

    /** The expected transactions that end after {@code from} and at or before {@code limit}. */
    static List<Tx> between(List<Tx> commits, long from, long limit) {
        return commits.stream().filter(t -> t.endOffset() > from && t.endOffset() <= limit).toList();
    }

    /**
     * Asserts the scan returned exactly {@code expected} (offsets, frame counts, db sizes), that each
     * commit's checksum is the one SQLite stored in the commit frame, that the end position sits on
     * the last of them, and that the sink got exactly the original bytes of those transactions.
     */
    static void assertScan(List<Tx> expected, Result r, byte[] wal) {
        List<WalCommit> got = r.commits();
        assertEquals(expected.size(), got.size(), () -> "commit count; expected " + expected + " got " + got);
        for (int i = 0; i < expected.size(); i++) {
            Tx e = expected.get(i);
            WalCommit g = got.get(i);
            int idx = i;
            assertEquals(e.endOffset(), g.endOffset(), () -> "commit " + idx + " end offset");
            assertEquals(e.frames(), g.frameCount(), () -> "commit " + idx + " frame count");
            assertEquals(e.dbSizePages(), g.dbSizePages(), () -> "commit " + idx + " db size");
            assertEquals(storedChecksumBefore(wal, e.endOffset()), g.checksum(),
                    () -> "commit " + idx + " checksum");
        }
        long start = r.scan().start().offset();
        long end = expected.isEmpty() ? start : expected.get(expected.size() - 1).endOffset();
        assertEquals(end, r.scan().end().offset(), "scan end offset");
        if (!expected.isEmpty()) {
            assertEquals(storedChecksumBefore(wal, end), r.scan().end().checksum(),
                    "end position checksum");
        } else {
            assertEquals(r.scan().start(), r.scan().end(), "empty scan must not move");
        }
        assertArrayEquals(Arrays.copyOfRange(wal, (int) start, (int) end), r.bytes(), "sink bytes");
    }

    // ------------------------------------------------------------------------------------------
    // Files
    // ------------------------------------------------------------------------------------------

    static Path walOf(Path db) {
        return db.resolveSibling(db.getFileName() + "-wal");
    }

    static byte[] readWal(Path wal) {
        try {
            return Files.readAllBytes(wal);
        } catch (NoSuchFileException e) {
            return new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        return file;
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
