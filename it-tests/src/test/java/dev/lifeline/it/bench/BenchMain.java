package dev.lifeline.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lifeline.it.Proc;
import dev.lifeline.it.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark harness (not part of {@code mvn verify}). Run it with
 *
 * <pre>
 *   mvn -B -o -pl it-tests test-compile exec:java@bench [-Dbench.args="lag cpu restore"]
 * </pre>
 *
 * Sections (arguments; default all): {@code lag} (replication lag at each rate, with the CPU the
 * replicator used while writing), {@code cpu} (replicator CPU while the database is idle),
 * {@code restore} (large-database restore: Lifeline vs Litestream vs cp), {@code s3} (replication to an
 * in-process S3Proxy: lag at 1000 tx/s against a directory replica and Litestream, idle requests per
 * hour, bytes uploaded per WAL byte, heap during a large snapshot upload; see {@link S3Bench}),
 * {@code agent} (the -javaagent on the sample app: throughput with/without, durable/asynchronous,
 * a Litestream sidecar, start-up, resident memory; see {@link AgentBench}), {@code images} (file
 * base images: bytes and requests uploaded by a first and an unchanged second image of a
 * bench.images.sizeMb=1024 tree, and after one small change; see {@link ImageBench}; not in the default set),
 * {@code report} (only rebuild
 * REPORT.md from the JSON files present). Each section writes
 * {@code <bench.outDir>/<section>.json}; {@code REPORT.md} is rebuilt from every section JSON
 * present. Parameters (system properties, all recorded in the JSON):
 * bench.lag.rates=500,2000 · bench.lag.reps=1 · bench.lag.seconds=12 · bench.lag.warmupSeconds=3 ·
 * bench.engines=lifeline,litestream-1s,litestream-100ms,litestream-100ms-monitor-100ms ·
 * bench.idle.seconds=20 · bench.restore.sizeMb=1024 · bench.restore.txs=100000 ·
 * bench.restore.reps=1 · bench.s3.parts=lag,idle,snapshot · bench.s3.rate=1000 ·
 * bench.s3.engines=lifeline-s3,lifeline,litestream-1s-s3,litestream-100ms-s3 ·
 * bench.s3.idleEngines=lifeline-s3,litestream-1s-s3 · bench.s3.idleSeconds=60 ·
 * bench.s3.idleSettleSeconds=15 · bench.s3.snapshotMb=1024 · bench.s3.snapshotXmx=128m ·
 * bench.agent.parts=throughput,litestream,durable,startup,memory · bench.agent.quick=false ·
 * bench.agent.tenants=4 · bench.agent.threads=2 · bench.agent.turns=5000 · bench.agent.runs=5 ·
 * bench.agent.durable.threads=8 · bench.agent.durable.turns=1000 · bench.agent.startup.runs=15 ·
 * bench.agent.memory.tenants=10 · bench.agent.memory.rate=20 · bench.agent.memory.seconds=20 ·
 * bench.agent.memory.runs=2 ·
 * bench.seed=42 · bench.lifeline=auto|cli|launcher ·
 * bench.outDir=it-tests/target/bench.
 */
public final class BenchMain {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> sections = new ArrayList<>();
        for (String a : args) {
            for (String s : a.trim().split("[\\s,]+")) {
                if (!s.isBlank()) {
                    sections.add(s);
                }
            }
        }
        if (sections.isEmpty()) {
            sections = List.of("lag", "cpu", "restore", "s3", "agent");
        }
        Path outDir = Path.of(System.getProperty("bench.outDir", "it-tests/target/bench")).toAbsolutePath();
        Files.createDirectories(outDir);
        Path work = Files.createDirectories(outDir.resolve("work"));
        long seed = Long.getLong("bench.seed", 42);
        Tools.litestream(); // fail early, with the install hint, if it is missing
        Map<String, Object> env = environment();
        System.out.println("Lifeline bench: sections " + sections + ", output " + outDir);
        System.out.println("  Lifeline engine: " + Engine.lifeline().describe());

        if (sections.contains("lag")) {
            int[] rates = Arrays.stream(System.getProperty("bench.lag.rates", "500,2000").split(","))
                    .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            Duration measure = Duration.ofSeconds(Long.getLong("bench.lag.seconds", 12));
            Duration warmup = Duration.ofSeconds(Long.getLong("bench.lag.warmupSeconds", 3));
            LagBench lag = new LagBench(work, seed);
            int reps = Integer.getInteger("bench.lag.reps", 1);
            List<Object> runs = new ArrayList<>();
            for (int rep = 1; rep <= reps; rep++) {
            for (int rate : rates) {
                for (Engine e : engines()) {
                    System.out.printf("  lag %-40s %5d tx/s (run %d/%d) ...%n", e.name(), rate, rep, reps);
                    Map<String, Object> r = lag.lagRun(e, rate, warmup, measure);
                    r.put("rep", rep);
                    System.out.println("    " + r.get("lagMs") + " cpu " + r.get("cpuPercentOfOneCore") + "% valid "
                            + r.get("valid") + " " + r.get("anomalies"));
                    runs.add(r);
                }
            }
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", "lag");
            doc.put("environment", env);
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("rates", rates);
            params.put("repetitions", reps);
            params.put("measureSeconds", measure.toSeconds());
            params.put("warmupSeconds", warmup.toSeconds());
            params.put("payloadBytes", 200);
            params.put("rowsPerTx", 1);
            params.put("writers", 1);
            params.put("synchronous", "NORMAL");
            params.put("checkpoints", "disabled for the run (Lifeline --min/--max-checkpoint-frames 1e9; Litestream "
                    + "checkpoint-interval 1h, min/max-checkpoint-page-count 1e9; writer wal_autocheckpoint=0)");
            params.put("watcherPollMs", 1);
            params.put("seed", seed);
            doc.put("parameters", params);
            doc.put("runs", runs);
            write(outDir.resolve("lag.json"), doc);
        }
        if (sections.contains("cpu")) {
            Duration idle = Duration.ofSeconds(Long.getLong("bench.idle.seconds", 20));
            Duration settle = Duration.ofSeconds(Long.getLong("bench.idle.settleSeconds", 5));
            LagBench lag = new LagBench(work, seed);
            List<Object> runs = new ArrayList<>();
            for (Engine e : engines()) {
                System.out.printf("  idle cpu %-40s ...%n", e.name());
                Map<String, Object> r = lag.idleRun(e, settle, idle);
                System.out.println("    " + r.get("cpuMs") + " ms over " + idle.toSeconds() + " s");
                runs.add(r);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", "cpu");
            doc.put("environment", env);
            doc.put("parameters", Map.of("idleSeconds", idle.toSeconds(), "settleSeconds", settle.toSeconds(),
                    "source", "/proc/<pid>/stat utime+stime of the replicator process"));
            doc.put("runs", runs);
            write(outDir.resolve("cpu.json"), doc);
        }
        if (sections.contains("restore")) {
            long sizeMb = Long.getLong("bench.restore.sizeMb", 1024);
            int txs = Integer.getInteger("bench.restore.txs", 100_000);
            int reps = Integer.getInteger("bench.restore.reps", 1);
            System.out.printf("  restore: %d MB, %d transactions after the snapshot ...%n", sizeMb, txs);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", "restore");
            doc.put("environment", env);
            doc.putAll(new RestoreBench(work, seed).run(sizeMb, txs, reps));
            write(outDir.resolve("restore.json"), doc);
        }
        if (sections.contains("s3")) {
            Duration measure = Duration.ofSeconds(Long.getLong("bench.lag.seconds", 12));
            Duration warmup = Duration.ofSeconds(Long.getLong("bench.lag.warmupSeconds", 3));
            System.out.println("  s3: replication to S3Proxy ...");
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", "s3");
            doc.put("environment", env);
            doc.putAll(new S3Bench(work, seed).run(warmup, measure));
            write(outDir.resolve("s3.json"), doc);
        }
        if (sections.contains("agent")) {
            System.out.println("  agent: the -javaagent on the sample app ...");
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", "agent");
            doc.put("environment", env);
            doc.putAll(new AgentBench(work, seed).run());
            write(outDir.resolve("agent.json"), doc);
        }
        if (sections.contains("images")) {
            long sizeMb = Long.getLong("bench.images.sizeMb", 1024);
            System.out.printf("  images: base images of a %d MiB tree of random files ...%n", sizeMb);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", "images");
            doc.put("environment", env);
            doc.putAll(new ImageBench(work, seed).run(sizeMb));
            write(outDir.resolve("images.json"), doc);
        }
        if (!Boolean.getBoolean("bench.keepWork")) {
            LagBench.deleteTree(work);
        }
        Path report = outDir.resolve("REPORT.md");
        Files.writeString(report, Report.markdown(outDir));
        System.out.println("wrote " + report);
        System.out.println(Files.readString(report));
    }

    static List<Engine> engines() {
        String spec = System.getProperty("bench.engines",
                "lifeline,litestream-1s,litestream-100ms,litestream-100ms-monitor-100ms");
        List<Engine> out = new ArrayList<>();
        for (String s : spec.split(",")) {
            switch (s.trim()) {
                case "lifeline" -> out.add(Engine.lifeline());
                case "litestream-1s" -> out.add(Engine.litestream("1s", null));
                case "litestream-100ms" -> out.add(Engine.litestream("100ms", null));
                case "litestream-100ms-monitor-100ms" -> out.add(Engine.litestream("100ms", "100ms"));
                default -> throw new IllegalArgumentException("unknown engine " + s);
            }
        }
        return out;
    }

    private static void write(Path p, Object doc) throws Exception {
        JSON.writeValue(p.toFile(), doc);
        System.out.println("wrote " + p);
    }

    private static Map<String, Object> environment() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", Instant.now().toString());
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("cpuModel", cpuModel());
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("litestream", Proc.run(Duration.ofSeconds(30), Tools.litestream().toString(), "version").stdout().trim());
        m.put("lifelineMode", Engine.lifelineMode());
        m.put("lifelineJar", Tools.agentJar().map(Path::toString).orElse(null));
        m.put("lifelineJarBuilt", Tools.agentJar().map(p -> {
            try {
                return Files.getLastModifiedTime(p).toString();
            } catch (java.io.IOException e) {
                return null;
            }
        }).orElse(null));
        try {
            Proc.Result g = Proc.run(Duration.ofSeconds(30), "git", "-C", Tools.toolsDir().resolve("../../..").toString(),
                    "rev-parse", "--short", "HEAD");
            Proc.Result d = Proc.run(Duration.ofSeconds(30), "git", "-C", Tools.toolsDir().resolve("../../..").toString(),
                    "status", "--porcelain");
            m.put("gitCommit", !g.ok() ? System.getProperty("bench.gitCommit", "unknown (not a git checkout)")
                    : g.stdout().trim() + (d.stdout().isBlank() ? "" : " (with uncommitted changes)"));
        } catch (RuntimeException | AssertionError e) {
            m.put("gitCommit", "unknown");
        }
        return m;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.toLowerCase(Locale.ROOT).startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return "unknown";
    }

    /** Reads back a section's JSON, if present. */
    static JsonNode read(Path p) throws Exception {
        return Files.exists(p) ? JSON.readTree(p.toFile()) : null;
    }
}
