package dev.lifeline.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The {@code agent} section of REPORT.md, from {@code agent.json} ({@link AgentBench}). */
final class AgentReport {

    private AgentReport() {
    }

    static void section(StringBuilder b, JsonNode a) {
        JsonNode p = a.get("parameters");
        b.append("## The -javaagent on the sample agent app\n\n");
        b.append("Measured ").append(a.at("/environment/date").asText()).append(" (commit ")
                .append(a.at("/environment/gitCommit").asText()).append(")")
                .append(p.path("quick").asBoolean() ? ", **quick run** (`-Dbench.agent.quick=true`)" : "")
                .append(". Load average (`/proc/loadavg`) at the start of the section `")
                .append(a.path("loadAverageStart").asText()).append("`, at its end `")
                .append(a.path("loadAverageEnd").asText()).append("`. The machine has ")
                .append(a.at("/environment/cpus").asText()).append(" CPUs shared with other work, so compare the "
                        + "ratios (variants alternate run by run) rather than absolute figures; each run lists the 1-min "
                        + "load average before→after it.\n\n");
        b.append("Workload: `java -jar sample-agent-app.jar run --data DIR --tenants N --turns N --rate R --threads T "
                + "--seed ").append(p.path("seed").asText()).append("` as a child JVM (`")
                .append(p.path("java").asText()).append("`). Variants:\n");
        p.path("variants").fields().forEachRemaining(e -> b.append("- `").append(e.getKey()).append("`: ")
                .append(e.getValue().asText()).append('\n'));
        b.append("\nEvery app run starts from the same state: in a fresh directory the app alone first runs one turn "
                + "per tenant (this creates the databases the sidecar is configured with), then the measured run "
                + "resumes it up to the target. turns/s is the app's own `DONE … tx_per_s` (turns executed by the "
                + "measured run over its time from the tenants being open to the last turn); app CPU is the app "
                + "JVM's user+system time over its whole life (start-up and shutdown included; `cutime+cstime` of a "
                + "`sh` parent); Litestream CPU is its process's user+system time from `/proc`, during the run (from "
                + "the app's start to 1.5 s after its exit) and over its whole life (its start-up snapshots "
                + "included).\n\n");
        JsonNode t = a.get("throughput");
        if (t != null) {
            b.append("### Throughput: agent (asynchronous) / without, Litestream sidecar / without\n\n");
            rotation(b, t, p);
            target(b, t, "agent", "agent / without", 0.95);
            b.append("Second half of each run (start-up behind): agent / without **")
                    .append(t.at("/secondHalfRatioOfMedians/agent").asText()).append("**").append(
                            t.at("/secondHalfRatioOfMedians/litestream").isMissingNode() ? "" : ", Litestream sidecar /"
                                    + " without **" + t.at("/secondHalfRatioOfMedians/litestream").asText() + "**")
                    .append(" (not the target's measure, which is the whole run).\n\n");
            JsonNode ls = t.at("/medians/litestream");
            if (!ls.isMissingNode()) {
                b.append("Litestream 0.3.13 sidecar / without: **").append(t.at("/ratioOfMedians/litestream").asText())
                        .append("**. CPU (medians): the agent added **").append(sec(t.at("/appCpuMsOverBase/agent")))
                        .append(" s** to the app JVM (with − without); the Litestream process used **")
                        .append(sec(ls.path("litestreamCpuMsDuringRun"))).append(" s** during the run (")
                        .append(sec(ls.path("litestreamCpuMsTotal")))
                        .append(" s over its whole life), while the app JVM beside it used ")
                        .append(sec(ls.path("appCpuMs"))).append(" s (")
                        .append(sec(t.at("/appCpuMsOverBase/litestream"))).append(" s more than without).\n\n");
            }
        }
        JsonNode d = a.get("durable");
        if (d != null) {
            b.append("### Durable commits / asynchronous, at ").append(d.path("threads").asText()).append(" threads\n\n");
            rotation(b, d, p);
            target(b, d, "durable", "durable / asynchronous at 8 threads", 0.3);
        }
        JsonNode s = a.get("startup");
        if (s != null) {
            startup(b, s);
        }
        JsonNode m = a.get("memory");
        if (m != null) {
            memory(b, m);
        }
    }

    private static void rotation(StringBuilder b, JsonNode t, JsonNode p) {
        b.append(t.path("tenants").asText()).append(" tenants, ").append(t.path("threads").asText())
                .append(" threads, `--rate 0`, ").append(t.path("turnsPerTenant").asText())
                .append(" turns per tenant (the first by the preparation run), ").append(p.path("runsPerVariant").asText())
                .append(" rounds; each round runs every variant in turn.\n\n");
        b.append("| round | variant | turns/s | 2nd half turns/s | turns run | app CPU s | Litestream CPU s (run / life) "
                + "| wall s | load avg | notes |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (JsonNode r : t.get("runs")) {
            List<String> notes = new ArrayList<>();
            if (r.has("replicatedDatabases")) {
                notes.add(r.path("replicatedDatabases").asText() + " databases in the replica");
            }
            if (r.has("agentReadyMs")) {
                notes.add("agent ready " + r.path("agentReadyMs").asText() + " ms after premain");
            }
            if (r.has("agentErrors")) {
                notes.add("agent errors: " + r.path("agentErrors").size());
            }
            if (r.has("error")) {
                notes.add("FAILED: " + r.path("error").asText().replaceAll("\\s+", " "));
            }
            b.append("| ").append(r.path("round").asText()).append(" | ").append(r.path("variant").asText())
                    .append(" | ").append(num(r.path("txPerSec"))).append(" | ").append(num(r.path("secondHalfTxPerSec")))
                    .append(" | ").append(num(r.path("executed")))
                    .append(" | ").append(sec(r.path("appCpuMs"))).append(" | ")
                    .append(r.has("litestreamCpuMsDuringRun") ? sec(r.path("litestreamCpuMsDuringRun")) + " / "
                            + sec(r.path("litestreamCpuMsTotal")) : "").append(" | ")
                    .append(sec(r.path("wallMs"))).append(" | ").append(r.path("loadAverageBefore").asText())
                    .append("→").append(r.path("loadAverageAfter").asText()).append(" | ")
                    .append(String.join("; ", notes)).append(" |\n");
        }
        String base = t.path("base").asText();
        b.append("\nMedians (2nd half: the turns after the app's last progress line in the first half of its run, over "
                + "the time left; start-up is behind by then):\n\n| variant | turns/s | ÷ ").append(base)
                .append(" | 2nd half turns/s | ÷ ").append(base).append(" | app CPU s | app CPU over ")
                .append(base).append(", s | failed runs |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        t.path("medians").fields().forEachRemaining(e -> {
            String v = e.getKey();
            JsonNode m = e.getValue();
            b.append("| ").append(v).append(" | ").append(num(m.path("txPerSec"))).append(" | ")
                    .append(v.equals(base) ? "1" : num(t.at("/ratioOfMedians/" + v))).append(" | ")
                    .append(num(m.path("secondHalfTxPerSec"))).append(" | ")
                    .append(v.equals(base) ? "1" : num(t.at("/secondHalfRatioOfMedians/" + v))).append(" | ")
                    .append(sec(m.path("appCpuMs"))).append(" | ")
                    .append(v.equals(base) ? "" : sec(t.at("/appCpuMsOverBase/" + v))).append(" | ")
                    .append(m.path("failedRuns").asText()).append(" |\n");
        });
        b.append('\n');
    }

    /** The target line for a ratio of medians, when the rotation measured that variant. */
    private static void target(StringBuilder b, JsonNode rotation, String variant, String what, double min) {
        double r = rotation.at("/ratioOfMedians/" + variant).asDouble(Double.NaN);
        if (!Double.isNaN(r)) {
            b.append("Target: ").append(what).append(" ≥ ").append(min).append(" → **").append(r).append("**: ")
                    .append(r >= min ? "**met**" : "**NOT met**").append(".\n\n");
        }
    }

    private static void startup(StringBuilder b, JsonNode s) {
        b.append("### Start-up\n\n");
        b.append(s.path("runsPerVariant").asText()).append(" runs with and without the agent, alternating (")
                .append(s.path("warmup").asText()).append("); medians. Launch times are taken by the harness just "
                        + "before it starts the child and by the child at the start of `main` (and after its commit), "
                        + "both on the wall clock. With the agent: `-Dlifeline.state-dir=<fresh dir> "
                        + "-javaagent:lifeline-agent.jar`.\n\n");
        b.append("(a) `premain`: a trivial main class (`StartupProbe`: JDK only, prints the JVM's uptime at the start "
                + "of `main`).\n\n");
        figures(b, s.at("/premain/medians"), s.at("/premain/runs"), new String[][] {
                {"uptimeAtMainMs", "JVM uptime at the start of main (RuntimeMXBean), ms"},
                {"launchToMainMs", "launch → main, ms"},
                {"wallMs", "whole process, ms"}});
        b.append("(b) The first committed row: a trivial host (`FirstRowProbe`: opens a new SQLite file through "
                + "sqlite-jdbc, creates a table, inserts one row, commits, exits). With the agent the first sqlite-jdbc "
                + "class waits for the agent's background start, and at exit the agent ships the row.\n\n");
        figures(b, s.at("/firstRow/medians"), s.at("/firstRow/runs"), new String[][] {
                {"launchToCommitMs", "launch → commit returned, ms"},
                {"wallMs", "whole process (with the agent: until the row is shipped at exit), ms"},
                {"agentReadyMs", "the agent's own `ready N ms after premain`"}});
        long shipped = 0;
        long agentRuns = 0;
        for (JsonNode r : s.at("/firstRow/runs")) {
            if (r.path("variant").asText().equals("agent")) {
                agentRuns++;
                shipped += r.path("replicatedDatabases").asInt() > 0 ? 1 : 0;
            }
        }
        b.append("The row's database was in the replica after ").append(shipped).append(" of ").append(agentRuns)
                .append(" agent runs.\n\n");
        double added = s.at("/premain/medians/uptimeAtMainMs/added").asDouble(Double.NaN);
        b.append("Target: `premain` ≤ 400 ms, judged on (a), the JVM uptime at the start of `main` added by "
                + "`-javaagent` → **").append(added).append(" ms**: ").append(added <= 400 ? "**met**" : "**NOT met**")
                .append(". (b) is the cost a host sees before its first commit; it is reported, not judged.\n\n");
    }

    private static void figures(StringBuilder b, JsonNode medians, JsonNode runs, String[][] rows) {
        b.append("| figure | without | with agent | added | runs without / with agent |\n|---|---:|---:|---:|---|\n");
        for (String[] row : rows) {
            JsonNode m = medians.path(row[0]);
            b.append("| ").append(row[1]).append(" | ").append(num(m.path("without"))).append(" | ")
                    .append(num(m.path("agent"))).append(" | ").append(num(m.path("added"))).append(" | ")
                    .append(values(runs, "without", row[0])).append(" / ").append(values(runs, "agent", row[0]))
                    .append(" |\n");
        }
        b.append('\n');
    }

    private static void memory(StringBuilder b, JsonNode m) {
        b.append("### Resident memory at ").append(m.path("tenants").asText()).append(" tenants\n\n");
        b.append("The app with `--tenants ").append(m.path("tenants").asText()).append(" --rate ")
                .append(m.path("ratePerTenant").asText()).append(" --turns 0 --threads ").append(m.path("threads").asText())
                .append("` (throttled, until stopped), read from `/proc/<pid>/status` after ")
                .append(m.path("seconds").asText()).append(" s, with and without the agent, alternating; JVM options "
                        + "for both: ").append(m.path("jvmArgs").asText().isEmpty() ? "none (default heap sizing)"
                        : "`" + m.path("jvmArgs").asText() + "`").append(".\n\n");
        b.append("| run | variant | VmRSS MiB | VmHWM MiB | VmRSS every 10 s, MiB | turns done | load avg | notes |\n"
                + "|---:|---|---:|---:|---|---:|---:|---|\n");
        for (JsonNode r : m.get("runs")) {
            List<String> curve = new ArrayList<>();
            JsonNode each = r.path("rssKbEachSecond");
            for (int i = 9; i < each.size(); i += 10) {
                curve.add(String.valueOf(Math.round(each.get(i).asDouble() / 1024)));
            }
            b.append("| ").append(r.path("run").asText()).append(" | ").append(r.path("variant").asText()).append(" | ")
                    .append(mib(r.path("vmRssKb"))).append(" | ").append(mib(r.path("vmHwmKb"))).append(" | ")
                    .append(String.join(", ", curve)).append(" | ")
                    .append(r.path("turnsDone").asText()).append(" | ").append(r.path("loadAverageBefore").asText())
                    .append("→").append(r.path("loadAverageAfter").asText()).append(" | ")
                    .append(r.has("replicatedDatabases") ? r.path("replicatedDatabases").asText()
                            + " databases in the replica" : "").append(" |\n");
        }
        JsonNode rss = m.at("/medians/vmRssKb");
        JsonNode hwm = m.at("/medians/vmHwmKb");
        b.append("\n| median | without | with agent | added |\n|---|---:|---:|---:|\n")
                .append("| VmRSS MiB | ").append(mib(rss.path("without"))).append(" | ").append(mib(rss.path("agent")))
                .append(" | ").append(mib(rss.path("added"))).append(" |\n")
                .append("| VmHWM (peak) MiB | ").append(mib(hwm.path("without"))).append(" | ")
                .append(mib(hwm.path("agent"))).append(" | ").append(mib(hwm.path("added"))).append(" |\n\n");
        double added = rss.path("added").asDouble(Double.NaN) / 1024;
        b.append("Target: resident memory added ≤ 64 MiB (VmRSS) → **").append(Stats.round(added)).append(" MiB**: ")
                .append(added <= 64 ? "**met**" : "**NOT met**").append(" (peak VmHWM added: ")
                .append(mib(hwm.path("added"))).append(" MiB).\n\n");
    }

    private static String values(JsonNode runs, String variant, String key) {
        List<String> v = new ArrayList<>();
        for (JsonNode r : runs) {
            if (r.path("variant").asText().equals(variant) && r.has(key)) {
                v.add(r.path(key).asText());
            }
        }
        return v.isEmpty() ? "—" : String.join(", ", v);
    }

    private static String num(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull() ? "—" : n.asText();
    }

    private static String sec(JsonNode ms) {
        return ms == null || ms.isMissingNode() || ms.isNull() ? "—" : String.valueOf(Stats.round(ms.asDouble() / 1000));
    }

    private static String mib(JsonNode kb) {
        return kb == null || kb.isMissingNode() || kb.isNull() ? "—" : String.valueOf(Stats.round(kb.asDouble() / 1024));
    }
}
