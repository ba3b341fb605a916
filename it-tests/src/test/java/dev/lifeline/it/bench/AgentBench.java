package dev.lifeline.it.bench;

import dev.lifeline.it.Litestream;
import dev.lifeline.it.Proc;
import dev.lifeline.it.ReplicaFiles;
import dev.lifeline.it.Tools;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code -javaagent} on the sample AI-agent app ({@code sample-agent-app.jar}, a child JVM of
 * the harness's own {@code java}). Parts ({@code bench.agent.parts}, default all):
 * <ul>
 *   <li>{@code throughput}: turns/s unthrottled with the agent (asynchronous, default settings:
 *       the embedded default replica under {@code -Dlifeline.state-dir}) and without, runs
 *       alternating, a fresh data directory each; medians and their ratio. Also the app JVM's CPU
 *       (user+system of the whole process, from its parent's {@code cutime/cstime}).</li>
 *   <li>{@code litestream}: a third variant in the same rotation: the app alone with
 *       {@code litestream replicate} (0.3.13, one db entry per tenant, a directory replica each,
 *       default settings) as a sidecar, started once the data directory exists and its first
 *       snapshots are in; its CPU from {@code /proc}.</li>
 *   <li>{@code durable}: the agent with {@code =durable=**} against the agent asynchronous, at
 *       {@code bench.agent.durable.threads} (8) threads over as many tenants.</li>
 *   <li>{@code startup}: (a) a trivial main class ({@link StartupProbe}) with and without
 *       {@code -javaagent}: the JVM's uptime when {@code main} starts, launch → main and the whole
 *       process; (b) a trivial host ({@link FirstRowProbe}) that commits one row: launch → commit
 *       returned, and the whole process (with the agent: until the row is shipped at exit).</li>
 *   <li>{@code memory}: VmRSS and VmHWM of the app at {@code bench.agent.memory.tenants} (10)
 *       tenants, throttled, after {@code bench.agent.memory.seconds} (90), with and without.</li>
 * </ul>
 * Every app run starts from the same state: the app alone first runs one turn per tenant in a
 * fresh directory (creating the databases, which the sidecar needs to exist), then the measured
 * run resumes it. {@code bench.agent.quick=true} shrinks turns, runs and windows.
 */
final class AgentBench {

    private static final Pattern DONE = Pattern.compile(
            "DONE turns=(\\d+) executed=(\\d+) elapsed_ms=(\\d+) tx_per_s=([0-9.]+)");
    private static final Pattern READY = Pattern.compile("\\[lifeline] Lifeline \\S+ ready (\\d+) ms after premain");
    private static final Pattern PROGRESS_TURNS = Pattern.compile("PROGRESS elapsed_s=\\S+ turns=(\\d+)");
    private static final Pattern PROGRESS = Pattern.compile("PROGRESS elapsed_s=([0-9.]+) turns=(\\d+)");
    private static final String CPU_MARK = "BENCH_CPUSTAT ";

    private final Path work;
    private final long seed;
    private final Path agentJar;
    private final Path sampleJar;

    AgentBench(Path work, long seed) {
        this.work = work.resolve("agent");
        this.seed = seed;
        this.agentJar = Tools.agentJar().orElseThrow(() -> new IllegalStateException(Tools.agentJarHint()));
        this.sampleJar = sampleJar(agentJar);
    }

    Map<String, Object> run() throws Exception {
        boolean quick = Boolean.getBoolean("bench.agent.quick");
        Set<String> parts = new LinkedHashSet<>(List.of(System.getProperty("bench.agent.parts",
                "throughput,litestream,durable,startup,memory").trim().split("\\s*,\\s*")));
        int tenants = Integer.getInteger("bench.agent.tenants", 4);
        int threads = Integer.getInteger("bench.agent.threads", 2);
        int turns = Integer.getInteger("bench.agent.turns", quick ? 800 : 5000);
        int runs = Integer.getInteger("bench.agent.runs", quick ? 3 : 5);
        int durableThreads = Integer.getInteger("bench.agent.durable.threads", 8);
        int durableTenants = Integer.getInteger("bench.agent.durable.tenants", durableThreads);
        int durableTurns = Integer.getInteger("bench.agent.durable.turns", quick ? 200 : 1000);
        int startupRuns = Integer.getInteger("bench.agent.startup.runs", quick ? 10 : 15);
        int memTenants = Integer.getInteger("bench.agent.memory.tenants", 10);
        int memRate = Integer.getInteger("bench.agent.memory.rate", 20);
        // Long enough for the app alone to reach its own plateau: without the agent its young
        // generation keeps growing (and touching new pages) for about a minute at this rate, so a
        // 20 s reading measured mostly how much sooner the agent's garbage got there.
        int memSeconds = Integer.getInteger("bench.agent.memory.seconds", quick ? 20 : 90);
        int memRuns = Integer.getInteger("bench.agent.memory.runs", quick ? 1 : 2);
        String memJvm = System.getProperty("bench.agent.memory.jvmArgs", "").trim();

        Map<String, Object> doc = new LinkedHashMap<>();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("parts", parts);
        p.put("quick", quick);
        p.put("sampleApp", sampleJar.toString());
        p.put("agentJar", agentJar.toString());
        p.put("java", Tools.java() + " (the harness's own; " + System.getProperty("java.version") + ")");
        p.put("seed", seed);
        p.put("tenants", tenants);
        p.put("threads", threads);
        p.put("turnsPerTenant", turns);
        p.put("runsPerVariant", runs);
        p.put("durableTenants", durableTenants);
        p.put("durableThreads", durableThreads);
        p.put("durableTurnsPerTenant", durableTurns);
        p.put("startupRuns", startupRuns);
        p.put("memoryTenants", memTenants);
        p.put("memoryRatePerTenant", memRate);
        p.put("memorySeconds", memSeconds);
        p.put("memoryRunsPerVariant", memRuns);
        p.put("memoryJvmArgs", memJvm);
        Map<String, String> variants = new LinkedHashMap<>();
        variants.put("without", "the app alone");
        variants.put("agent", "-Dlifeline.state-dir=<fresh dir> -javaagent:lifeline-agent.jar (asynchronous, no setting: "
                + "the embedded default replica <state-dir>/replica, on the same disk)");
        variants.put("litestream", "the app alone + litestream replicate -config (0.3.13, one db entry per tenant "
                + "database, a file replica each in the work directory, default settings: sync-interval 1s, "
                + "checkpoints by Litestream and by the app's own wal_autocheckpoint)");
        variants.put("durable", "-Dlifeline.state-dir=<fresh dir> -javaagent:lifeline-agent.jar=durable=** (every "
                + "commit waits until its frames are in the replica; durable-timeout 5s, on timeout fail)");
        p.put("variants", variants);
        doc.put("parameters", p);
        doc.put("loadAverageStart", loadAverages());
        Files.createDirectories(work);

        List<String> rotation = new ArrayList<>(List.of("without"));
        if (parts.contains("throughput")) {
            rotation.add("agent");
        }
        if (parts.contains("litestream")) {
            rotation.add("litestream");
        }
        if (rotation.size() > 1) {
            doc.put("throughput", rotation(rotation, tenants, threads, turns, runs));
        }
        if (parts.contains("durable")) {
            doc.put("durable", rotation(List.of("agent", "durable"), durableTenants, durableThreads, durableTurns, runs));
        }
        if (parts.contains("startup")) {
            doc.put("startup", startup(startupRuns));
        }
        if (parts.contains("memory")) {
            doc.put("memory", memory(memTenants, memRate, threads, memSeconds, memRuns,
                    memJvm.isEmpty() ? List.of() : List.of(memJvm.split("\\s+"))));
        }
        doc.put("loadAverageEnd", loadAverages());
        LagBench.deleteTree(work);
        return doc;
    }

    // ---- throughput, Litestream, durable: one app run per variant per round ----

    /** {@code runs} rounds of every variant in order; the first variant is the ratios' base. */
    private Map<String, Object> rotation(List<String> variants, int tenants, int threads, int turns, int runs)
            throws Exception {
        List<Map<String, Object>> all = new ArrayList<>();
        for (int round = 1; round <= runs; round++) {
            for (String v : variants) {
                System.out.printf("  agent %-10s %d tenants, %d threads, %d turns/tenant (round %d/%d) ...%n", v,
                        tenants, threads, turns, round, runs);
                Map<String, Object> r = appRun(v, tenants, threads, turns, round);
                System.out.println("    " + r);
                all.add(r);
            }
        }
        Map<String, Object> medians = new LinkedHashMap<>();
        for (String v : variants) {
            List<Map<String, Object>> of = all.stream().filter(r -> r.get("variant").equals(v))
                    .filter(r -> !r.containsKey("error")).toList();
            Map<String, Object> m = new LinkedHashMap<>();
            for (String k : List.of("txPerSec", "secondHalfTxPerSec", "appCpuMs", "wallMs", "litestreamCpuMsDuringRun",
                    "litestreamCpuMsTotal")) {
                Double med = median(of, k);
                if (med != null) {
                    m.put(k, med);
                }
            }
            m.put("failedRuns", all.stream().filter(r -> r.get("variant").equals(v) && r.containsKey("error")).count());
            medians.put(v, m);
        }
        String base = variants.get(0);
        Map<String, Object> ratios = new LinkedHashMap<>();
        Map<String, Object> laterRatios = new LinkedHashMap<>();
        Map<String, Object> extraCpu = new LinkedHashMap<>();
        for (String v : variants.subList(1, variants.size())) {
            ratios.put(v, ratio(medians, v, base, "txPerSec"));
            laterRatios.put(v, ratio(medians, v, base, "secondHalfTxPerSec"));
            Double a = number(medians, v, "appCpuMs");
            Double b = number(medians, base, "appCpuMs");
            extraCpu.put(v, a == null || b == null ? null : Stats.round(a - b));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tenants", tenants);
        out.put("threads", threads);
        out.put("turnsPerTenant", turns);
        out.put("base", base);
        out.put("runs", all);
        out.put("medians", medians);
        out.put("ratioOfMedians", ratios);
        out.put("secondHalfRatioOfMedians", laterRatios);
        out.put("appCpuMsOverBase", extraCpu);
        return out;
    }

    private Map<String, Object> appRun(String variant, int tenants, int threads, int turns, int round) throws Exception {
        Path dir = work.resolve(variant + "-" + round);
        LagBench.deleteTree(dir);
        Path data = dir.resolve("data");
        Path state = dir.resolve("state");
        Files.createDirectories(dir);
        // The same starting state for every variant: the app alone runs one turn per tenant.
        Proc.run(Duration.ofMinutes(5), appCommand(List.of(), data, tenants, 1, 0, Math.min(threads, tenants)))
                .requireOk();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("round", round);
        r.put("variant", variant);
        Proc sidecar = null;
        try {
            long sidecarCpu0 = 0;
            if (variant.equals("litestream")) {
                Path replicas = dir.resolve("litestream-replica");
                sidecar = Litestream.replicate(litestreamConfig(dir, data, replicas));
                awaitSnapshots(replicas, sidecar);
                sidecarCpu0 = Proc.cpuTime(sidecar.pid()).toMillis();
                r.put("litestreamCpuMsBeforeRun", sidecarCpu0);
            }
            List<String> jvm = switch (variant) {
                case "agent" -> agentFlags(state, "");
                case "durable" -> agentFlags(state, "=durable=**");
                default -> List.of();
            };
            r.put("loadAverageBefore", LagBench.loadAverage());
            Proc.Result res = Proc.run(Duration.ofMinutes(30), null, Map.of(),
                    cpuAccounted(appCommand(jvm, data, tenants, turns, 0, threads)));
            r.put("loadAverageAfter", LagBench.loadAverage());
            Matcher m = DONE.matcher(res.stdout());
            if (m.find()) {
                r.put("txPerSec", Double.parseDouble(m.group(4)));
                r.put("executed", Long.parseLong(m.group(2)));
                r.put("elapsedMs", Long.parseLong(m.group(3)));
                Double later = secondHalfRate(res.stdout(), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)));
                if (later != null) {
                    r.put("secondHalfTxPerSec", later);
                }
            }
            r.put("wallMs", res.elapsed().toMillis());
            r.put("appCpuMs", childrenCpuMs(res.stderr()));
            if (sidecar != null) {
                Thread.sleep(1500); // one sync interval: Litestream ships the run's tail
                long cpu = Proc.cpuTime(sidecar.pid()).toMillis();
                r.put("litestreamCpuMsDuringRun", cpu - sidecarCpu0);
                r.put("litestreamCpuMsTotal", cpu);
                r.put("litestreamSnapshots", snapshotCounts(dir.resolve("litestream-replica")).stream()
                        .mapToInt(Integer::intValue).sum());
            }
            if (!jvm.isEmpty()) {
                r.put("replicatedDatabases", databaseMarkers(state.resolve("replica")));
                Matcher ready = READY.matcher(res.stderr());
                if (ready.find()) {
                    r.put("agentReadyMs", Long.parseLong(ready.group(1)));
                }
                List<String> errors = res.stderr().lines().filter(l -> l.contains("[lifeline] ERROR")).toList();
                if (!errors.isEmpty()) {
                    r.put("agentErrors", errors);
                }
            }
            if (!res.ok() || !r.containsKey("txPerSec")) {
                r.put("error", "exit " + res.exitCode() + ": " + tail(res.stderr()));
            }
        } finally {
            if (sidecar != null) {
                sidecar.close();
            }
        }
        LagBench.deleteTree(dir);
        return r;
    }

    /**
     * Turns per second over the second half of a run (from the app's last progress line at or
     * before half its elapsed time to its end): the rate once start-up (the agent's own, the JIT's,
     * the first snapshots) is behind, which is what a long-running host sees. Null when the run
     * printed no progress line in its first half.
     */
    static Double secondHalfRate(String stdout, long executed, long elapsedMs) {
        Matcher p = PROGRESS.matcher(stdout);
        double fromS = -1;
        long fromTurns = 0;
        while (p.find()) {
            double at = Double.parseDouble(p.group(1));
            if (at * 1000 > elapsedMs / 2.0) {
                break;
            }
            fromS = at;
            fromTurns = Long.parseLong(p.group(2));
        }
        double spanS = elapsedMs / 1000.0 - fromS;
        if (fromS <= 0 || spanS <= 0) {
            return null;
        }
        return Stats.round((executed - fromTurns) / spanS);
    }

    private Path litestreamConfig(Path dir, Path data, Path replicas) throws IOException {
        StringBuilder y = new StringBuilder("dbs:\n");
        for (Path db : tenantDatabases(data)) {
            y.append("  - path: ").append(db).append('\n')
                    .append("    replicas:\n")
                    .append("      - type: file\n")
                    .append("        path: ").append(replicas.resolve(db.getParent().getFileName())).append('\n');
        }
        Path cfg = dir.resolve("litestream.yml");
        Files.writeString(cfg, y);
        return cfg;
    }

    /** Waits until Litestream has a snapshot of every tenant database (its start-up work is done). */
    private static void awaitSnapshots(Path replicas, Proc sidecar) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            List<Integer> counts = snapshotCounts(replicas);
            if (!counts.isEmpty() && !counts.contains(0)) {
                return;
            }
            if (!sidecar.alive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("litestream did not snapshot every database within 60 s: "
                        + sidecar.stderr());
            }
            Thread.sleep(50);
        }
    }

    /** The number of snapshots in each tenant's Litestream replica under {@code replicas}. */
    private static List<Integer> snapshotCounts(Path replicas) throws IOException {
        if (!Files.isDirectory(replicas)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(replicas)) {
            return s.map(d -> ReplicaFiles.snapshots(d).size()).toList();
        }
    }

    private static List<Path> tenantDatabases(Path data) throws IOException {
        try (Stream<Path> s = Files.list(data.resolve("tenants"))) {
            return s.sorted().map(t -> t.resolve("agent.db").toAbsolutePath()).toList();
        }
    }

    // ---- start-up ----

    private Map<String, Object> startup(int runs) throws Exception {
        String classes = codeSource(StartupProbe.class);
        String withSqlite = classes + File.pathSeparator + codeSource(org.sqlite.JDBC.class);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runsPerVariant", runs);
        out.put("warmup", "one run of each variant first, not counted");
        List<Map<String, Object>> trivial = new ArrayList<>();
        List<Map<String, Object>> firstRow = new ArrayList<>();
        for (int i = 0; i <= runs; i++) {
            for (boolean agent : new boolean[] {false, true}) {
                Path dir = work.resolve("startup-" + i + (agent ? "-agent" : ""));
                LagBench.deleteTree(dir);
                Files.createDirectories(dir);
                Path state = dir.resolve("state");
                List<String> jvm = agent ? agentFlags(state, "") : List.of();
                Map<String, Object> a = launch(javaCommand(jvm, "-cp", classes, StartupProbe.class.getName()));
                Map<String, Object> b = launch(javaCommand(jvm, "-cp", withSqlite, FirstRowProbe.class.getName(),
                        dir.resolve("first.db").toString()));
                if (agent) {
                    b.put("replicatedDatabases", databaseMarkers(state.resolve("replica")));
                }
                LagBench.deleteTree(dir);
                if (i == 0) {
                    continue;
                }
                a.put("run", i);
                a.put("variant", agent ? "agent" : "without");
                b.put("run", i);
                b.put("variant", agent ? "agent" : "without");
                trivial.add(a);
                firstRow.add(b);
            }
            if (i > 0) {
                System.out.printf("  agent startup %d/%d: %s%n", i, runs, trivial.subList(trivial.size() - 2,
                        trivial.size()));
            }
        }
        out.put("premain", summarize(trivial, List.of("uptimeAtMainMs", "launchToMainMs", "wallMs")));
        out.put("firstRow", summarize(firstRow, List.of("launchToCommitMs", "wallMs", "agentReadyMs")));
        return out;
    }

    /** Each run, and per figure the median with and without the agent and their difference. */
    private static Map<String, Object> summarize(List<Map<String, Object>> runs, List<String> figures) {
        Map<String, Object> med = new LinkedHashMap<>();
        for (String f : figures) {
            Double with = median(runs.stream().filter(r -> r.get("variant").equals("agent")).toList(), f);
            Double without = median(runs.stream().filter(r -> r.get("variant").equals("without")).toList(), f);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("without", without);
            m.put("agent", with);
            m.put("added", with == null || without == null ? null : Stats.round(with - without));
            med.put(f, m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runs", runs);
        out.put("medians", med);
        return out;
    }

    /** Runs a short-lived JVM; its times from the harness's launch (wall clock, microseconds). */
    private static Map<String, Object> launch(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        long t0 = System.nanoTime();
        long launchUs = StartupProbe.micros(Instant.now());
        Process proc = pb.start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!proc.waitFor(2, TimeUnit.MINUTES)) {
            proc.destroyForcibly();
            throw new IllegalStateException("did not finish in 2 minutes: " + cmd);
        }
        double wallMs = (System.nanoTime() - t0) / 1e6;
        Map<String, Object> r = new LinkedHashMap<>();
        Map<String, Long> kv = new LinkedHashMap<>();
        Matcher m = Pattern.compile("([A-Z_]+)=(\\d+)").matcher(out);
        while (m.find()) {
            kv.put(m.group(1), Long.parseLong(m.group(2)));
        }
        if (proc.exitValue() != 0 || !kv.containsKey("MAIN_AT_US")) {
            throw new IllegalStateException("exit " + proc.exitValue() + " from " + cmd + ":\n" + tail(out));
        }
        if (kv.containsKey("UPTIME_MS")) {
            r.put("uptimeAtMainMs", kv.get("UPTIME_MS"));
        }
        r.put("launchToMainMs", Stats.round((kv.get("MAIN_AT_US") - launchUs) / 1000.0));
        if (kv.containsKey("COMMITTED_AT_US")) {
            r.put("launchToCommitMs", Stats.round((kv.get("COMMITTED_AT_US") - launchUs) / 1000.0));
        }
        r.put("wallMs", Stats.round(wallMs));
        Matcher ready = READY.matcher(out);
        if (ready.find()) {
            r.put("agentReadyMs", Long.parseLong(ready.group(1)));
        }
        if (out.contains("[lifeline] ERROR")) {
            r.put("agentErrors", tail(out));
        }
        return r;
    }

    // ---- resident memory ----

    private Map<String, Object> memory(int tenants, int rate, int threads, int seconds, int runs, List<String> jvmArgs)
            throws Exception {
        List<Map<String, Object>> all = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            for (String v : List.of("without", "agent")) {
                System.out.printf("  agent memory %-8s %d tenants at %d turns/s each, %d s (%d/%d) ...%n", v, tenants,
                        rate, seconds, i, runs);
                Path dir = work.resolve("memory-" + v + "-" + i);
                LagBench.deleteTree(dir);
                Files.createDirectories(dir);
                Path state = dir.resolve("state");
                List<String> jvm = new ArrayList<>(jvmArgs);
                if (v.equals("agent")) {
                    jvm.addAll(agentFlags(state, ""));
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("run", i);
                r.put("variant", v);
                r.put("loadAverageBefore", LagBench.loadAverage());
                try (Proc app = Proc.start(appCommand(jvm, dir.resolve("data"), tenants, 0, rate, threads))) {
                    List<Long> samples = new ArrayList<>();
                    for (int s = 0; s < seconds; s++) {
                        Thread.sleep(1000);
                        samples.add(LagBench.rssKb(app.pid()));
                    }
                    if (!app.alive()) {
                        throw new IllegalStateException("the app exited early: " + tail(app.stderr()));
                    }
                    Map<String, Long> status = procStatus(app.pid());
                    r.put("vmRssKb", status.get("VmRSS"));
                    r.put("vmHwmKb", status.get("VmHWM"));
                    r.put("rssKbEachSecond", samples);
                    Matcher m = PROGRESS_TURNS.matcher(app.stdout());
                    while (m.find()) {
                        r.put("turnsDone", Long.parseLong(m.group(1)));
                    }
                    if (v.equals("agent")) {
                        r.put("replicatedDatabases", databaseMarkers(state.resolve("replica")));
                    }
                    app.terminate(Duration.ofSeconds(60));
                }
                r.put("loadAverageAfter", LagBench.loadAverage());
                System.out.println("    " + r);
                all.add(r);
                LagBench.deleteTree(dir);
            }
        }
        Map<String, Object> out = summarize(all, List.of("vmRssKb", "vmHwmKb"));
        out.put("tenants", tenants);
        out.put("ratePerTenant", rate);
        out.put("threads", threads);
        out.put("seconds", seconds);
        out.put("jvmArgs", String.join(" ", jvmArgs));
        return out;
    }

    private static Map<String, Long> procStatus(long pid) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
                out.put(line.substring(0, 5), Long.parseLong(line.replaceAll("[^0-9]", "")));
            }
        }
        return out;
    }

    // ---- commands and small helpers ----

    private List<String> agentFlags(Path state, String options) {
        return List.of("-Dlifeline.state-dir=" + state, "-javaagent:" + agentJar + options);
    }

    private List<String> appCommand(List<String> jvm, Path data, int tenants, int turns, int rate, int threads) {
        return javaCommand(jvm, "-jar", sampleJar.toString(), "run", "--data", data.toString(),
                "--tenants", String.valueOf(tenants), "--turns", String.valueOf(turns), "--rate", String.valueOf(rate),
                "--threads", String.valueOf(threads), "--seed", String.valueOf(seed));
    }

    private static List<String> javaCommand(List<String> jvm, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Tools.java().toString()));
        cmd.addAll(jvm);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Runs {@code cmd} under {@code sh}, which prints its own {@code /proc/self/stat} once the
     * command has exited: its {@code cutime+cstime} is then the whole CPU time of the command.
     */
    private static List<String> cpuAccounted(List<String> cmd) {
        List<String> out = new ArrayList<>(List.of("/bin/sh", "-c",
                "\"$@\"; s=$?; read -r l < /proc/$$/stat; echo \"" + CPU_MARK + "$l\" >&2; exit $s", "sh"));
        out.addAll(cmd);
        return out;
    }

    private static Long childrenCpuMs(String stderr) {
        String line = stderr.lines().filter(l -> l.startsWith(CPU_MARK)).reduce((a, b) -> b).orElse(null);
        if (line == null) {
            return null;
        }
        String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
        long ticks = Long.parseLong(f[13]) + Long.parseLong(f[14]); // cutime, cstime
        return ticks * 1000 / clockTicks();
    }

    private static long clockTicks;

    private static synchronized long clockTicks() {
        if (clockTicks == 0) {
            Proc.Result r = Proc.run(Duration.ofSeconds(10), "getconf", "CLK_TCK");
            clockTicks = r.ok() ? Long.parseLong(r.stdout().trim()) : 100;
        }
        return clockTicks;
    }

    /** How many databases a Lifeline directory replica holds (their {@code database.json} markers). */
    private static int databaseMarkers(Path replica) throws IOException {
        if (!Files.isDirectory(replica)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(replica)) {
            return (int) s.filter(d -> Files.isRegularFile(d.resolve("lifeline/v1/database.json"))).count();
        }
    }

    private static String codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static Path sampleJar(Path agentJar) {
        String p = System.getProperty("lifeline.sampleAppJar", System.getProperty("lifeline.sampleJar"));
        Path jar = p != null && !p.isBlank() ? Path.of(p)
                : agentJar.getParent().getParent().getParent().resolve("sample-agent-app/target/sample-agent-app.jar");
        jar = jar.toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the sample app jar is not built at " + jar
                    + ": run 'mvn -pl sample-agent-app package' (or give -Dlifeline.sampleAppJar)");
        }
        return jar;
    }

    /** /proc/loadavg as it is: 1, 5 and 15 minute load averages, running/total tasks, last pid. */
    private static String loadAverages() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static Double median(List<Map<String, Object>> runs, String key) {
        double[] v = runs.stream().map(r -> r.get(key)).filter(Objects::nonNull).filter(o -> o instanceof Number)
                .mapToDouble(o -> ((Number) o).doubleValue()).sorted().toArray();
        if (v.length == 0) {
            return null;
        }
        return Stats.round(v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2);
    }

    @SuppressWarnings("unchecked")
    private static Double number(Map<String, Object> medians, String variant, String key) {
        Object o = ((Map<String, Object>) medians.get(variant)).get(key);
        return o instanceof Number n ? n.doubleValue() : null;
    }

    private static Double ratio(Map<String, Object> medians, String variant, String base, String key) {
        Double a = number(medians, variant, key);
        Double b = number(medians, base, key);
        return a == null || b == null || b == 0 ? null : Stats.round4(a / b);
    }

    private static String tail(String s) {
        return s.length() <= 2000 ? s : "…" + s.substring(s.length() - 2000);
    }
}
