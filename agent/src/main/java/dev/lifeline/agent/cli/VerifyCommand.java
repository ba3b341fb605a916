package dev.lifeline.agent.cli;

import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.verify.Verifier;
import dev.lifeline.runtime.verify.VerifyReport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lifeline verify}: proves every object of a replica; exit 3 when anything is wrong. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Verify every snapshot and WAL segment of a replica and report the last good restorable point.",
                "Checks content hashes, the segment chain and WAL checksums. Exit 0 when the replica is sound, "
                        + "3 when problems were found."
        })
final class VerifyCommand extends BaseCommand {

    @Mixin
    DatabaseReplicaOptions replica;

    @Option(names = "--json", description = "Print the report as a JSON object for scripts.")
    boolean json;

    @Override
    protected int execute() throws Exception {
        ReplicaClient client = closeLater(replica.openExisting());
        VerifyReport report = new Verifier(client, replica.layout()).verify();
        VerifyReport.Generation best = lastGood(report);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("replica", report.replica());
            m.put("ok", report.ok());
            m.put("problemCount", problemCount(report));
            List<Map<String, Object>> gens = new ArrayList<>();
            for (VerifyReport.Generation g : report.generations()) {
                Map<String, Object> gm = new LinkedHashMap<>();
                gm.put("generation", g.id());
                gm.put("ok", g.ok());
                gm.put("snapshots", g.snapshots());
                gm.put("snapshotsVerified", g.snapshotsVerified());
                gm.put("segments", g.segments());
                gm.put("segmentsVerified", g.segmentsVerified());
                gm.put("lastGoodTxid", g.lastGoodTxid());
                gm.put("lastGoodTime", g.lastGoodTime());
                gm.put("lastGoodPosition", g.lastGoodPosition());
                List<Map<String, Object>> ps = new ArrayList<>();
                for (VerifyReport.Problem p : g.problems()) {
                    Map<String, Object> pm = new LinkedHashMap<>();
                    pm.put("object", p.object());
                    pm.put("message", p.message());
                    ps.add(pm);
                }
                gm.put("problems", ps);
                gens.add(gm);
            }
            m.put("generations", gens);
            m.put("problems", report.problems());
            m.put("lastGood", best == null ? null : point(best));
            out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
            out().flush();
            return report.ok() ? LifelineCli.OK : LifelineCli.DAMAGED;
        }
        PrintWriter o = out();
        o.println("replica " + report.replica());
        for (VerifyReport.Generation g : report.generations()) {
            o.println();
            o.println("generation " + g.id() + ": " + (g.ok() ? "OK"
                    : g.problems().size() + (g.problems().size() == 1 ? " PROBLEM" : " PROBLEMS")));
            o.println("  snapshots  " + g.snapshotsVerified() + "/" + g.snapshots() + " verified");
            o.println("  segments   " + g.segmentsVerified() + "/" + g.segments() + " verified");
            for (VerifyReport.Problem p : g.problems()) {
                o.println("  PROBLEM    " + p.object() + ": " + p.message());
            }
            o.println("  last good  txid " + g.lastGoodTxid() + " at " + Format.time(g.lastGoodTime())
                    + ", position " + g.lastGoodPosition());
        }
        if (!report.problems().isEmpty()) {
            o.println();
            for (String p : report.problems()) {
                o.println("PROBLEM  " + p);
            }
        }
        o.println();
        if (best != null) {
            o.println("last good restorable point: generation " + best.id() + ", txid " + best.lastGoodTxid()
                    + ", time " + Format.time(best.lastGoodTime()) + ", position " + best.lastGoodPosition());
        } else {
            o.println("last good restorable point: none (no generation has a sound snapshot)");
        }
        int n = problemCount(report);
        o.println(report.ok() ? "verify: OK, " + report.generations().size() + " generation(s), no problems"
                : "verify: " + n + (n == 1 ? " problem" : " problems") + " found");
        o.flush();
        return report.ok() ? LifelineCli.OK : LifelineCli.DAMAGED;
    }

    private static int problemCount(VerifyReport r) {
        return r.problems().size() + r.generations().stream().mapToInt(g -> g.problems().size()).sum();
    }

    /** The newest generation a restore can start from: it has a snapshot that verified. */
    static VerifyReport.Generation lastGood(VerifyReport r) {
        List<VerifyReport.Generation> gens = r.generations();
        for (int i = gens.size() - 1; i >= 0; i--) {
            if (gens.get(i).snapshotsVerified() > 0) {
                return gens.get(i);
            }
        }
        return null;
    }

    private static Map<String, Object> point(VerifyReport.Generation g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generation", g.id());
        m.put("txid", g.lastGoodTxid());
        m.put("time", g.lastGoodTime());
        m.put("position", g.lastGoodPosition());
        return m;
    }
}
