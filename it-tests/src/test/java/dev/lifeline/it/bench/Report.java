package dev.lifeline.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/** REPORT.md from the section JSON files in the output directory. */
final class Report {

    private Report() {
    }

    static String markdown(Path dir) throws Exception {
        StringBuilder b = new StringBuilder("# Lifeline benchmark report\n\n");
        JsonNode lag = BenchMain.read(dir.resolve("lag.json"));
        JsonNode cpu = BenchMain.read(dir.resolve("cpu.json"));
        JsonNode restore = BenchMain.read(dir.resolve("restore.json"));
        JsonNode s3 = BenchMain.read(dir.resolve("s3.json"));
        JsonNode agent = BenchMain.read(dir.resolve("agent.json"));
        JsonNode env = lag != null ? lag.get("environment") : cpu != null ? cpu.get("environment")
                : restore != null ? restore.get("environment") : s3 != null ? s3.get("environment")
                : agent != null ? agent.get("environment") : null;
        if (env != null) {
            b.append("Machine: ").append(env.path("cpus").asText()).append(" CPUs (").append(env.path("cpuModel").asText())
                    .append("), ").append(env.path("java").asText()).append(", ").append(env.path("os").asText())
                    .append("; Litestream ").append(env.path("litestream").asText()).append("; Lifeline engine mode: ")
                    .append(env.path("lifelineMode").asText())
                    .append(env.hasNonNull("lifelineJarBuilt") ? " (jar built " + env.path("lifelineJarBuilt").asText() + ")" : "")
                    .append("; commit ").append(env.path("gitCommit").asText())
                    .append(".\nEach section lists the date it was measured; all figures of a section come from one run.\n\n");
        }
        if (lag != null) {
            lagSection(b, lag);
        }
        if (cpu != null || lag != null) {
            cpuSection(b, cpu, lag);
        }
        if (restore != null) {
            restoreSection(b, restore);
        }
        if (s3 != null) {
            s3Section(b, s3);
        }
        if (agent != null) {
            AgentReport.section(b, agent);
        }
        return b.toString();
    }

    private static void s3Section(StringBuilder b, JsonNode s3) {
        JsonNode p = s3.get("parameters");
        b.append("## Replication to S3 (S3Proxy)\n\n");
        b.append("Measured ").append(s3.at("/environment/date").asText()).append(" (commit ")
                .append(s3.at("/environment/gitCommit").asText()).append("). Server: ").append(p.path("server").asText())
                .append(". Requests and bytes are counted ").append(p.path("counting").asText()).append(".\n\n");
        JsonNode lag = s3.get("lag");
        if (lag != null) {
            b.append("### Lag at ").append(p.path("rate").asText()).append(" tx/s (commit → segment durable)\n\n")
                    .append("Measured as in the lag section (same writer, 1 row of 200 B per transaction, ")
                    .append(p.path("warmupSeconds").asText()).append(" s warm-up, ").append(p.path("measureSeconds").asText())
                    .append(" s measured, checkpoints off): for an S3 replica the watcher polls the directory where "
                            + "S3Proxy stores the prefix's objects (each moved into place atomically once the PUT is "
                            + "received), so \"durable\" is \"stored by the S3 server\". Bytes uploaded per WAL byte: "
                            + "object bodies stored in the window (segments, their metadata, leases) over the WAL bytes "
                            + "the writer appended in it.\n\n");
            b.append("| replicator | replica | tx/s achieved | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | commits "
                    + "| segments | PUT/s | uploaded B per WAL B | segment B per WAL B | load avg | valid |\n");
            b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
            Double lifelineS3 = null;
            Double lifelineDir = null;
            for (JsonNode r : lag) {
                JsonNode l = r.get("lagMs");
                String replica = r.at("/engine/replica").asText();
                b.append("| ").append(r.at("/engine/name").asText()).append(" | ").append(replica).append(" | ")
                        .append(r.path("rateAchieved").asText()).append(" | ").append(num(l.get("p50"))).append(" | ")
                        .append(num(l.get("p90"))).append(" | ").append(num(l.get("p99"))).append(" | ")
                        .append(num(l.get("p99_9"))).append(" | ").append(num(l.get("max"))).append(" | ")
                        .append(l.path("count").asText())
                        .append(l.path("notDurableWithinBound").asLong() > 0
                                ? " (" + l.path("notDurableWithinBound").asText() + " not durable in 20 s)" : "")
                        .append(" | ").append(r.path("segmentsInWindow").asText()).append(" | ")
                        .append(num(r.get("putsPerSecond"))).append(" | ").append(num(r.get("uploadedBytesPerWalByte")))
                        .append(" | ").append(num(r.get("segmentBytesPerWalByte"))).append(" | ")
                        .append(r.path("loadAverageBefore").asText()).append("→").append(r.path("loadAverageAfter").asText())
                        .append(" | ").append(r.path("valid").asBoolean() ? "yes" : "NO: " + r.path("anomalies"))
                        .append(" |\n");
                if (r.at("/engine/kind").asText().equals("lifeline") && l.hasNonNull("p99")) {
                    if (replica.equals("s3")) {
                        lifelineS3 = l.get("p99").asDouble();
                    } else {
                        lifelineDir = l.get("p99").asDouble();
                    }
                }
            }
            b.append('\n');
            for (JsonNode r : lag) {
                JsonNode served = r.path("s3ServedInWindow");
                if (r.at("/engine/kind").asText().equals("lifeline") && served.path("HEAD").asLong() * 2
                        > served.path("PUT").asLong() && served.path("PUT").asLong() > 0) {
                    b.append("`").append(r.at("/engine/name").asText()).append("` made ")
                            .append(served.path("HEAD").asText()).append(" HEAD requests beside ")
                            .append(served.path("PUT").asText()).append(" PUTs in the window: this S3Proxy store "
                                    + "answers 501 to conditional writes (`If-None-Match: *`), so the client checks "
                                    + "each key with a HEAD before writing it (a server with conditional writes, "
                                    + "like AWS S3, saves that round trip). Each segment is two objects (the "
                                    + "`.wal.lz4` the watcher times, then its `.json` metadata), stored one after the "
                                    + "other on the replicator's thread.\n\n");
                }
            }
            if (lifelineS3 != null) {
                b.append("Target: Lifeline to S3, p99 ≤ 100 ms at ").append(p.path("rate").asText()).append(" tx/s → ")
                        .append(lifelineS3).append(" ms: ").append(lifelineS3 <= 100 ? "**met**" : "**NOT met**")
                        .append(lifelineDir == null ? "" : " (baseline, the same replicator to a directory in the "
                                + "same run: p99 " + lifelineDir + " ms)").append(".\n\n");
            }
        }
        JsonNode idle = s3.get("idle");
        if (idle != null) {
            b.append("### Requests while the database is idle\n\n")
                    .append("The replicator starts on a fresh database (one row), settles for ")
                    .append(p.path("idleSettleSeconds").asText()).append(" s (first snapshot, lease), then the requests "
                            + "S3Proxy serves are counted over ").append(p.path("idleSeconds").asText())
                    .append(" s with no writes and extrapolated to an hour (× 3600 / window).\n\n");
            b.append("| replicator | PUT in window | LIST | GET | HEAD | PUT per hour | LIST per hour | GET per hour "
                    + "| CPU % of a core |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (JsonNode r : idle) {
                JsonNode w = r.path("s3ServedInWindow");
                JsonNode h = r.path("requestsPerHourExtrapolated");
                b.append("| ").append(r.at("/engine/name").asText()).append(" | ").append(w.path("PUT").asLong())
                        .append(" | ").append(w.path("LIST").asLong()).append(" | ").append(w.path("GET").asLong())
                        .append(" | ").append(w.path("HEAD").asLong()).append(" | ").append(h.path("PUT").asText())
                        .append(" | ").append(h.path("LIST").asText()).append(" | ").append(h.path("GET").asText())
                        .append(" | ").append(r.path("cpuPercentOfOneCore").asText()).append(" |\n");
            }
            for (JsonNode r : idle) {
                if (r.at("/engine/kind").asText().equals("lifeline")) {
                    double puts = r.at("/requestsPerHourExtrapolated/PUT").asDouble();
                    b.append("\nTarget: 0 PUT requests per idle hour for Lifeline → ").append(puts).append(": ")
                            .append(puts == 0 ? "**met**" : "**NOT met**").append(".\n");
                }
            }
            b.append('\n');
        }
        JsonNode snap = s3.get("snapshot");
        if (snap != null) {
            JsonNode pr = snap.path("probe");
            double mb = snap.path("databaseBytes").asLong() / 1048576.0;
            b.append("### Heap during a ").append(Math.round(mb)).append(" MiB snapshot upload\n\n")
                    .append("The replicator's first pass (`replicate --once` on a database of random 4000-byte rows, "
                            + "one per page, so LZ4 saves little) in a child JVM started with `")
                    .append(snap.path("jvm").asText()).append("`: snapshot, multipart upload, WAL. Heap measured in "
                            + "that JVM: sampled every 2 ms, and from GC notifications (in use before each GC; live "
                            + "after each GC). Growth = the largest live heap after a GC minus the heap in use after "
                            + "a System.gc() before the replicator was created (so it includes the AWS SDK client).\n\n");
            if (snap.path("exitCode").asInt() != 0) {
                b.append("**The probe failed** (exit ").append(snap.path("exitCode").asText()).append("): ")
                        .append(snap.path("error").asText().replace('\n', ' ')).append("\n\n");
            }
            b.append("| figure | value |\n|---|---:|\n");
            b.append("| database | ").append(Stats.round(mb)).append(" MiB |\n");
            b.append("| max heap (-Xmx) | ").append(mib(pr.path("maxHeapBytes"))).append(" |\n");
            b.append("| heap in use before the pass | ").append(mib(pr.path("baselineHeapUsedBytes"))).append(" |\n");
            b.append("| peak heap in use (sampled, with garbage) | ").append(mib(pr.path("peakHeapUsedSampledBytes")))
                    .append(" |\n");
            b.append("| peak heap in use before a GC | ").append(mib(pr.path("peakHeapUsedBeforeGcBytes"))).append(" |\n");
            b.append("| peak live heap after a GC | ").append(mib(pr.path("peakLiveHeapAfterGcBytes"))).append(" |\n");
            b.append("| **live heap growth** | **").append(mib(pr.path("liveHeapGrowthBytes"))).append("** |\n");
            b.append("| GCs during the pass | ").append(pr.path("gcCount").asText()).append(" |\n");
            b.append("| pass time (snapshot + upload) | ").append(pr.path("seconds").asText()).append(" s (")
                    .append(Stats.round(mb / Math.max(0.001, pr.path("seconds").asDouble()))).append(" MiB/s) |\n");
            JsonNode sv = snap.path("s3Served");
            b.append("| stored: snapshot bytes / PUT-class requests | ").append(mib(sv.path("bytes.snapshots")))
                    .append(" / ").append(sv.path("PUT").asText()).append(" |\n\n");
            double growth = pr.path("liveHeapGrowthBytes").asDouble() / 1048576.0;
            b.append("Target: heap growth under 64 MiB → ").append(Stats.round(growth)).append(" MiB: ")
                    .append(snap.path("exitCode").asInt() == 0 && growth < 64 ? "**met**" : "**NOT met**")
                    .append(Math.round(mb) < 1024 ? " (a quick run: the full figure is for 1024 MiB)" : "")
                    .append(".\n\n");
        }
    }

    private static String mib(JsonNode bytes) {
        return bytes == null || bytes.isMissingNode() || bytes.isNull() ? "—"
                : Stats.round(bytes.asDouble() / 1048576.0) + " MiB";
    }

    private static void lagSection(StringBuilder b, JsonNode lag) {
        JsonNode p = lag.get("parameters");
        b.append("## Replication lag (commit → segment durable in the replica)\n\n");
        b.append("Measured ").append(lag.at("/environment/date").asText()).append(". One paced writer, 1 row (")
                .append(p.path("payloadBytes").asText()).append(" B) per transaction, synchronous=NORMAL; ")
                .append(p.path("warmupSeconds").asText()).append(" s warm-up then ").append(p.path("measureSeconds").asText())
                .append(" s measured per run. Every replicator runs as a child process; the lag is measured outside "
                        + "it the same way for all: the writer records each commit's time and WAL end offset, a watcher "
                        + "polls the replica's wal directory every ").append(p.path("watcherPollMs").asText())
                .append(" ms, and a commit is durable when a segment of the same WAL index reaching its offset appears. "
                        + "Checkpoints are disabled during a run. CPU is the replicator process's user+system time "
                        + "during the measured window.\n\n");
        b.append("| tx/s (achieved) | replicator | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | commits | segments "
                + "| CPU % of a core | load avg | valid |\n");
        b.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        java.util.List<Double> lifelineP99s = new java.util.ArrayList<>();
        for (JsonNode r : lag.get("runs")) {
            JsonNode l = r.get("lagMs");
            b.append("| ").append(r.path("rateTarget").asText()).append(" (").append(r.path("rateAchieved").asText())
                    .append(") | ").append(r.at("/engine/name").asText()).append(" | ")
                    .append(num(l.get("p50"))).append(" | ").append(num(l.get("p90"))).append(" | ")
                    .append(num(l.get("p99"))).append(" | ").append(num(l.get("p99_9"))).append(" | ")
                    .append(num(l.get("max"))).append(" | ").append(l.path("count").asText())
                    .append(l.path("notDurableWithinBound").asLong() > 0
                            ? " (" + l.path("notDurableWithinBound").asText() + " not durable in 20 s)" : "")
                    .append(" | ").append(r.path("segmentsInWindow").asText()).append(" | ")
                    .append(r.path("cpuPercentOfOneCore").asText()).append(" | ")
                    .append(r.path("loadAverageBefore").asText()).append("→").append(r.path("loadAverageAfter").asText())
                    .append(" | ")
                    .append(r.path("valid").asBoolean() ? "yes" : "NO: " + r.path("anomalies").toString())
                    .append(r.path("negativeLags").asLong() > 0 ? " (writer stalled: " + r.path("negativeLags").asText()
                            + " commits timed after their segment appeared; max writer delay "
                            + r.path("writerMaxBehindMs").asText() + " ms)" : "").append(" |\n");
            if (r.at("/engine/kind").asText().equals("lifeline") && r.path("rateTarget").asInt() == 2000
                    && l.get("p99") != null && !l.get("p99").isNull()) {
                lifelineP99s.add(l.get("p99").asDouble());
            }
        }
        summary(b, lag);
        b.append("\nThe load average (1 min, before→after the run) shows other work on the machine: the CPUs are "
                + "shared, so figures taken under load are pessimistic for whichever replicator ran then.\n");
        b.append("\nEngines: ");
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        for (JsonNode r : lag.get("runs")) {
            if (seen.add(r.at("/engine/name").asText())) {
                b.append("\n- `").append(r.at("/engine/name").asText()).append("`: ")
                        .append(r.at("/engine/description").asText());
            }
        }
        b.append("\n\n");
        if (!lifelineP99s.isEmpty()) {
            double[] v = lifelineP99s.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double med = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            b.append("Target: Lifeline p99 ≤ 50 ms at 2,000 tx/s → measured ").append(Stats.round(med)).append(" ms")
                    .append(v.length > 1 ? " (median of " + v.length + " runs: " + lifelineP99s + ")" : "").append(": ")
                    .append(med <= 50 ? "**met**" : "**NOT met**").append(".\n\n");
        }
    }

    /** With several repetitions: the median of each figure across them, per replicator and rate. */
    private static void summary(StringBuilder b, JsonNode lag) {
        if (lag.at("/parameters/repetitions").asInt(1) <= 1) {
            return;
        }
        java.util.Map<String, java.util.List<JsonNode>> groups = new java.util.LinkedHashMap<>();
        for (JsonNode r : lag.get("runs")) {
            groups.computeIfAbsent(r.path("rateTarget").asText() + "|" + r.at("/engine/name").asText(),
                    k -> new java.util.ArrayList<>()).add(r);
        }
        b.append("\nMedian over the ").append(lag.at("/parameters/repetitions").asText())
                .append(" repetitions (runs interleaved):\n\n| tx/s | replicator | p50 ms | p99 ms | max ms | CPU % of a core |\n"
                        + "|---:|---|---:|---:|---:|---:|\n");
        for (java.util.Map.Entry<String, java.util.List<JsonNode>> e : groups.entrySet()) {
            String[] k = e.getKey().split("\\|");
            b.append("| ").append(k[0]).append(" | ").append(k[1]).append(" | ")
                    .append(median(e.getValue(), "/lagMs/p50")).append(" | ").append(median(e.getValue(), "/lagMs/p99"))
                    .append(" | ").append(median(e.getValue(), "/lagMs/max")).append(" | ")
                    .append(median(e.getValue(), "/cpuPercentOfOneCore")).append(" |\n");
        }
    }

    private static String median(java.util.List<JsonNode> runs, String ptr) {
        double[] v = runs.stream().map(r -> r.at(ptr)).filter(n -> n.isNumber()).mapToDouble(JsonNode::asDouble)
                .sorted().toArray();
        if (v.length == 0) {
            return "—";
        }
        double m = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return String.valueOf(Stats.round(m));
    }

    private static void cpuSection(StringBuilder b, JsonNode cpu, JsonNode lag) {
        b.append("## Replicator CPU\n\n");
        if (cpu != null) {
            b.append("Idle database (measured ").append(cpu.at("/environment/date").asText()).append("): ")
                    .append(cpu.at("/parameters/idleSeconds").asText()).append(" s with no writes, after ")
                    .append(cpu.at("/parameters/settleSeconds").asText()).append(" s settling; ")
                    .append(cpu.at("/parameters/source").asText()).append(".\n\n");
            b.append("| replicator | CPU ms (idle window) | ms CPU per s | % of a core | RSS MB |\n|---|---:|---:|---:|---:|\n");
            for (JsonNode r : cpu.get("runs")) {
                b.append("| ").append(r.at("/engine/name").asText()).append(" | ").append(r.path("cpuMs").asText())
                        .append(" | ").append(r.path("cpuMsPerSecond").asText()).append(" | ")
                        .append(r.path("cpuPercentOfOneCore").asText()).append(" | ")
                        .append(r.path("rssKb").asLong() / 1024).append(" |\n");
            }
            b.append('\n');
        }
        if (lag != null) {
            b.append("While writing (from the lag runs, measured window):\n\n| replicator | tx/s | CPU ms | % of a core |\n|---|---:|---:|---:|\n");
            for (JsonNode r : lag.get("runs")) {
                b.append("| ").append(r.at("/engine/name").asText()).append(" | ").append(r.path("rateTarget").asText())
                        .append(" | ").append(r.path("cpuMs").asText()).append(" | ")
                        .append(r.path("cpuPercentOfOneCore").asText()).append(" |\n");
            }
            b.append('\n');
        }
    }

    private static void restoreSection(StringBuilder b, JsonNode r) {
        JsonNode p = r.get("parameters");
        JsonNode build = r.get("build");
        b.append("## Restore of a large database\n\n");
        b.append("Measured ").append(r.at("/environment/date").asText()).append(". Database ")
                .append(mb(build.path("finalDbBytes").asLong())).append(" MB (target ").append(p.path("targetSizeMb").asText())
                .append(" MB, ").append(build.path("rows").asText()).append(" rows of ~1 KB), snapshot taken by Lifeline, then ")
                .append(p.path("transactionsAfterSnapshot").asText()).append(" single-row update transactions over random "
                        + "rows (")
                .append(build.has("transactionsAfterNewestSnapshot")
                        ? build.path("transactionsAfterNewestSnapshot").asText() + " of them after the newest snapshot of the newest of "
                        + build.path("generations").asText() + " generation(s): that is what a restore replays"
                        : "generations not recorded")
                .append("), replicated by Lifeline into ").append(build.path("walSegments").asText())
                .append(" WAL segments over ").append(build.path("walIndexes").asText()).append(" WAL indexes (replica: ")
                .append(mb(build.path("replicaLz4Bytes").asLong())).append(" MB of LZ4 objects). The same replica is restored by "
                        + "each tool as a process (wall time, best of ").append(p.path("repetitions").asText())
                .append("; warm page cache); every output is checked row by row against the source. `cp` copies the final, "
                        + "checkpointed database file. Lifeline mode: ").append(p.path("lifelineMode").asText()).append(".\n\n");
        b.append("| restore | seconds | × Litestream | × cp |\n|---|---:|---:|---:|\n");
        JsonNode res = r.get("results");
        double ls = res.at("/litestream/best").asDouble();
        double cp = res.at("/cp/best").asDouble();
        for (Iterator<Map.Entry<String, JsonNode>> it = res.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            double s = e.getValue().path("best").asDouble();
            String label = switch (e.getKey()) {
                case "lifeline-full" -> "Lifeline (default: PRAGMA integrity_check)";
                case "lifeline-quick" -> "Lifeline `--integrity-check quick`";
                case "lifeline-none" -> "Lifeline `--integrity-check none`";
                case "litestream" -> "`litestream restore` 0.3.13";
                case "cp" -> "`cp` of the final file";
                default -> e.getKey();
            };
            b.append("| ").append(label).append(" | ").append(s).append(" | ").append(Stats.round(s / ls)).append(" | ")
                    .append(Stats.round(s / cp)).append(" |\n");
        }
        double full = res.at("/lifeline-full/best").asDouble();
        b.append("\nTargets: Lifeline ≤ 0.5× Litestream → ").append(Stats.round(full / ls)).append("× (")
                .append(full / ls <= 0.5 ? "**met**" : "**NOT met**").append(", default integrity check); ≤ 3× cp → ")
                .append(Stats.round(full / cp)).append("× (").append(full / cp <= 3 ? "**met**" : "**NOT met**")
                .append("). Build: ").append(build.path("buildSeconds").asText()).append(" s insert, ")
                .append(build.path("snapshotSeconds").asText()).append(" s to the first snapshot, ")
                .append(build.path("updateSeconds").asText()).append(" s for the updates.\n\n");
    }

    private static String num(JsonNode n) {
        return n == null || n.isNull() ? "—" : n.asText();
    }

    private static long mb(long bytes) {
        return Math.round(bytes / 1048576.0);
    }
}
