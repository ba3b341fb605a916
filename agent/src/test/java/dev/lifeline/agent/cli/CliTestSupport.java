package dev.lifeline.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.runtime.format.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/** Runs the CLI in-process and makes SQLite databases for the tests. */
final class CliTestSupport {

    private CliTestSupport() {
    }

    /** Exit code and what the command printed. */
    record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }

        JsonNode json() throws IOException {
            return Json.mapper().readTree(out);
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Run run(Object... args) {
        String[] a = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            a[i] = String.valueOf(args[i]);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new LifelineCli());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(a);
        return new Run(code, out.toString(), err.toString());
    }

    /** Runs and asserts the exit code, showing all output when it differs. */
    static Run cli(int expectedCode, Object... args) {
        Run r = run(args);
        assertEquals(expectedCode, r.code(), () -> "unexpected exit code for " + List.of(args) + "\n" + r);
        return r;
    }

    static Connection open(Path db) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db);
    }

    /** A WAL-mode database with table t(id, v); the connection is left open (so the WAL stays). */
    static Connection walDb(Path db) throws SQLException {
        Connection c = open(db);
        exec(c, "PRAGMA journal_mode=WAL");
        exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
        return c;
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Inserts rows from..to (inclusive), one transaction each. */
    static void insert(Connection c, int from, int to) throws SQLException {
        for (int i = from; i <= to; i++) {
            exec(c, "INSERT INTO t(id, v) VALUES (" + i + ", 'row " + i + " " + "x".repeat(i % 50) + "')");
        }
    }

    static List<String> rows(Path db) throws SQLException {
        try (Connection c = open(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, v FROM t ORDER BY id")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getInt(1) + "|" + rs.getString(2));
            }
            return out;
        }
    }

    static List<String> rows(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, v FROM t ORDER BY id")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getInt(1) + "|" + rs.getString(2));
            }
            return out;
        }
    }

    static String integrity(Path db) throws SQLException {
        try (Connection c = open(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The segment objects under generations/<gen>/wal/, in key order. */
    static List<Path> segmentFiles(Path replica) throws IOException {
        try (Stream<Path> s = Files.walk(replica.resolve("generations"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".wal.lz4")).sorted().toList();
        }
    }

    /** Flips one byte in the middle of a file. */
    static void flipByte(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int at = b.length / 2;
        b[at] ^= 0x5a;
        Files.write(file, b);
    }

    static String key(Path replica, Path object) {
        return replica.relativize(object).toString().replace('\\', '/');
    }

    /** Files whose names show a restore's temporary file was left behind. */
    static List<Path> leftovers(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains("lifeline-restore")).toList();
        }
    }
}
