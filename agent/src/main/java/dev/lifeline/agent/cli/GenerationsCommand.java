package dev.lifeline.agent.cli;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.catalog.SnapshotEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code lifeline generations}: one row per generation, oldest data first. */
@Command(name = "generations", mixinStandardHelpOptions = true, sortOptions = false,
        description = "List the generations in a replica, oldest data first (the last one is what restore uses).")
final class GenerationsCommand extends CatalogCommand {

    @Override
    protected int execute() throws Exception {
        List<GenerationInfo> gens = load(null);
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (GenerationInfo g : gens) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("generation", g.id());
                m.put("created", g.created());
                m.put("updated", g.updated());
                m.put("snapshots", g.snapshots().size());
                m.put("segments", g.segments().size());
                m.put("lastTxid", hasTxids(g) ? g.lastTxid() : null);
                m.put("bytes", bytes(g));
                m.put("lifelineMetadata", g.hasLifelineMeta());
                m.put("reason", g.meta() == null ? null : g.meta().reason());
                rows.add(m);
            }
            printJson(rows);
            return LifelineCli.OK;
        }
        if (gens.isEmpty()) {
            noneFound("generations");
            return LifelineCli.OK;
        }
        Table t = new Table("GENERATION", "CREATED", "UPDATED", "SNAPSHOTS>", "SEGMENTS>", "LAST TXID>", "SIZE>");
        for (GenerationInfo g : gens) {
            t.row(g.id(), Format.time(g.created()), Format.time(g.updated()), g.snapshots().size(),
                    g.segments().size(), hasTxids(g) ? g.lastTxid() : null, Format.bytes(bytes(g)));
        }
        t.print(out());
        return LifelineCli.OK;
    }

    /** Txids are known only from Lifeline metadata (a Litestream-written replica has none). */
    static boolean hasTxids(GenerationInfo g) {
        return g.snapshots().stream().anyMatch(s -> s.meta() != null)
                || g.segments().stream().anyMatch(s -> s.meta() != null);
    }

    /** Bytes the generation takes in the replica (compressed objects). */
    static long bytes(GenerationInfo g) {
        long n = 0;
        for (SnapshotEntry s : g.snapshots()) {
            n += s.object().size();
        }
        for (SegmentEntry s : g.segments()) {
            n += s.object().size();
        }
        return n;
    }
}
