package dev.lifeline.agent.cli;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.SnapshotEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lifeline snapshots}: every snapshot, by generation and index. */
@Command(name = "snapshots", mixinStandardHelpOptions = true, sortOptions = false,
        description = "List the snapshots in a replica.")
final class SnapshotsCommand extends CatalogCommand {

    @Option(names = "--generation", paramLabel = "G", description = "Only this generation.")
    String generation;

    @Override
    protected int execute() throws Exception {
        List<GenerationInfo> gens = load(generation);
        List<SnapshotEntry> snaps = new ArrayList<>();
        gens.forEach(g -> snaps.addAll(g.snapshots()));
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SnapshotEntry s : snaps) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("generation", s.generation());
                m.put("index", s.index());
                m.put("key", s.object().key());
                m.put("size", s.object().size());
                m.put("dbSize", s.meta() == null ? null : s.meta().size());
                m.put("txid", s.meta() == null ? null : s.meta().txid());
                m.put("walOffset", s.meta() == null ? null : s.meta().walOffset());
                m.put("time", time(s));
                m.put("lifelineMetadata", s.meta() != null);
                rows.add(m);
            }
            printJson(rows);
            return LifelineCli.OK;
        }
        if (snaps.isEmpty()) {
            noneFound("snapshots");
            return LifelineCli.OK;
        }
        Table t = new Table("GENERATION", "INDEX>", "SIZE>", "DB SIZE>", "TXID>", "TIME");
        for (SnapshotEntry s : snaps) {
            t.row(s.generation(), s.index(), Format.bytes(s.object().size()),
                    s.meta() == null ? null : Format.bytes(s.meta().size()),
                    s.meta() == null ? null : s.meta().txid(), Format.time(time(s)));
        }
        t.print(out());
        return LifelineCli.OK;
    }

    /** When the snapshot was taken: from its metadata, else the object's modification time. */
    static Instant time(SnapshotEntry s) {
        return s.meta() != null ? s.meta().time() : s.object().modified();
    }
}
