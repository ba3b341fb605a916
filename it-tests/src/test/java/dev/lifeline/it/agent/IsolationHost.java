package dev.lifeline.it.agent;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

/**
 * A host that brings its own versions of the libraries the agent also uses (sqlite-jdbc, Byte
 * Buddy, Jackson, SLF4J, LZ4, picocli) and prints what it sees of them, one line each, so that a
 * run with the agent can be compared with a run without it. Run in a child JVM by
 * {@link IsolationTest} with {@code target/host-libs} on its class path.
 */
public final class IsolationHost {

    private IsolationHost() {
    }

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        int rows = Integer.parseInt(args[1]);

        Map<String, Object> m = new TreeMap<>(Map.of("b", 2, "a", 1));
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        System.out.println("jackson " + com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION + " "
                + mapper.writeValueAsString(m) + " from " + jar(com.fasterxml.jackson.databind.ObjectMapper.class));

        Class<?> made = new net.bytebuddy.ByteBuddy().subclass(Object.class).name("host.Made").make()
                .load(IsolationHost.class.getClassLoader()).getLoaded();
        System.out.println("bytebuddy " + jar(net.bytebuddy.ByteBuddy.class) + " made " + made.getName());

        System.out.println("slf4j " + org.slf4j.LoggerFactory.getILoggerFactory().getClass().getName() + " from "
                + jar(org.slf4j.LoggerFactory.class));

        byte[] text = "hello hello hello hello".getBytes(StandardCharsets.UTF_8);
        var lz4 = net.jpountz.lz4.LZ4Factory.safeInstance();
        byte[] packed = lz4.fastCompressor().compress(text);
        byte[] back = lz4.safeDecompressor().decompress(packed, text.length);
        System.out.println("lz4 " + jar(net.jpountz.lz4.LZ4Factory.class) + " roundtrip "
                + new String(back, StandardCharsets.UTF_8).equals("hello hello hello hello"));

        System.out.println("picocli " + picocli.CommandLine.VERSION);

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            System.out.println("sqlite-jdbc " + c.getMetaData().getDriverVersion() + " from "
                    + jar(org.sqlite.JDBC.class) + " castable " + (c instanceof org.sqlite.SQLiteConnection));
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("CREATE TABLE IF NOT EXISTS notes(id INTEGER PRIMARY KEY, body TEXT)");
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO notes(body) VALUES (?)")) {
                for (int i = 0; i < rows; i++) {
                    p.setString(1, "note " + i);
                    p.executeUpdate();
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM notes")) {
                rs.next();
                System.out.println("rows " + rs.getInt(1));
            }
        }
    }

    private static String jar(Class<?> c) {
        String loc = String.valueOf(c.getProtectionDomain().getCodeSource().getLocation());
        return loc.substring(loc.lastIndexOf('/') + 1);
    }
}
