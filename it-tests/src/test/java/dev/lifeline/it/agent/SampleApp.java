package dev.lifeline.it.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.it.Lifeline;
import dev.lifeline.it.Proc;
import dev.lifeline.it.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The sample AI-agent app as a child JVM, with or without the Lifeline agent, and its restore. */
final class SampleApp {

    static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    private SampleApp() {
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("lifeline.sampleAppJar",
                moduleDir().resolve("../sample-agent-app/target/sample-agent-app.jar").toString()))
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the sample app jar is not built at " + jar
                    + ": run 'mvn -pl sample-agent-app package'");
        }
        return jar;
    }

    static Path agentJar() {
        return Tools.agentJar().orElseThrow(() -> new IllegalStateException(Tools.agentJarHint()));
    }

    /** The java launchers to prove the agent on: this JVM (17) and Temurin 25 when installed. */
    static Stream<Path> javas() {
        List<Path> out = new ArrayList<>(List.of(Tools.java()));
        if (Files.isExecutable(TEMURIN_25)) {
            out.add(TEMURIN_25);
        }
        return out.stream();
    }

    /** {@code java [-javaagent...] -jar sample-agent-app.jar ARGS}. */
    static List<String> command(Path java, Optional<Path> stateDir, List<String> agentSettings, String... args) {
        List<String> cmd = new ArrayList<>(List.of(java.toString()));
        cmd.addAll(Lifeline.jvmArgs());
        stateDir.ifPresent(s -> {
            String opts = agentSettings.isEmpty() ? "" : "=" + String.join(",", agentSettings);
            cmd.add("-Dlifeline.state-dir=" + s);
            cmd.add("-javaagent:" + agentJar() + opts);
        });
        cmd.addAll(List.of("-jar", jar().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The databases a shared replica holds, by source path, from their markers. */
    static Map<Path, String> databases(Path replica) throws IOException {
        Map<Path, String> out = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> dirs = Files.list(replica)) {
            for (Path d : dirs.toList()) {
                Path marker = d.resolve("lifeline/v1/database.json");
                if (Files.isRegularFile(marker)) {
                    JsonNode n = json.readTree(marker.toFile());
                    out.put(Path.of(n.get("path").asText()), d.getFileName().toString());
                }
            }
        }
        return out;
    }

    /**
     * Restores every tenant database of {@code data} from {@code replica} into the same layout under
     * {@code target}, with the CLI's {@code restore --db NAME}.
     */
    static void restoreTenants(Path data, Path replica, Path target) throws IOException {
        Map<Path, String> names = databases(replica);
        Path tenants = data.resolve("tenants");
        try (Stream<Path> ts = Files.list(tenants)) {
            for (Path t : ts.toList()) {
                Path db = t.resolve("agent.db").toRealPath();
                String name = names.get(db);
                if (name == null) {
                    throw new AssertionError("the replica " + replica + " has no database for " + db + "; it has "
                            + names);
                }
                Path out = target.resolve("tenants").resolve(t.getFileName()).resolve("agent.db");
                Files.createDirectories(out.getParent());
                Proc.run(Duration.ofMinutes(2), Lifeline.cli("restore", "--replica", replica.toString(), "--db", name,
                        "-o", out.toString())).requireOk();
            }
        }
    }

    /** How many lines a file has (0 before it exists): the app's acknowledgements so far. */
    static long lines(Path p) throws IOException {
        if (!Files.exists(p)) {
            return 0;
        }
        try (Stream<String> s = Files.lines(p)) {
            return s.count();
        }
    }

    /** The last acknowledged turn of each tenant in a --durable-ack file. */
    static Map<String, Integer> acked(Path ackFile) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        if (!Files.exists(ackFile)) {
            return out;
        }
        for (String line : Files.readAllLines(ackFile)) {
            String[] p = line.trim().split("\\s+");
            if (p.length == 2) {
                out.merge(p[0], Integer.parseInt(p[1]), Math::max);
            }
        }
        return out;
    }

    /** The last turn of each tenant in a restored tree, from {@code verify --db-only --json}. */
    static Map<String, Integer> verifiedTurns(Path data) throws IOException {
        Proc.Result r = Proc.run(Duration.ofMinutes(2), List.of(Tools.java().toString(), "-jar", jar().toString(),
                "verify", "--data", data.toString(), "--db-only", "--json"));
        if (r.exitCode() != 0) {
            throw new AssertionError("verify failed on the restored state: " + r.describe());
        }
        JsonNode n = new ObjectMapper().readTree(r.stdout());
        Map<String, Integer> out = new HashMap<>();
        for (JsonNode t : n.get("tenants")) {
            out.put(t.get("tenant").asText(), t.get("lastTurnNo").asInt());
        }
        return out;
    }

    private static Path moduleDir() {
        Path cwd = Path.of("").toAbsolutePath();
        return Files.isDirectory(cwd.resolve("src/test/scripts")) ? cwd : cwd.resolve("it-tests");
    }
}
