package dev.lifeline.agent.cli;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.SegmentEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lifeline segments}: every WAL segment, by generation, index and offset. */
@Command(name = "segments", mixinStandardHelpOptions = true, sortOptions = false,
        description = "List the WAL segments in a replica.")
final class SegmentsCommand extends CatalogCommand {

    @Option(names = "--generation", paramLabel = "G", description = "Only this generation.")
    String generation;

    @Override
    protected int execute() throws Exception {
        List<GenerationInfo> gens = load(generation);
        List<SegmentEntry> segs = new ArrayList<>();
        gens.forEach(g -> segs.addAll(g.segments()));
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SegmentEntry s : segs) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("generation", s.generation());
                m.put("index", s.index());
                m.put("offset", s.offset());
                m.put("key", s.object().key());
                m.put("size", s.object().size());
                m.put("endOffset", s.meta() == null ? null : s.meta().endOffset());
                m.put("frames", s.meta() == null ? null : s.meta().frames());
                m.put("commits", s.meta() == null ? null : s.meta().commits().size());
                m.put("firstTxid", s.meta() == null ? null : s.meta().firstTxid());
                m.put("lastTxid", s.meta() == null ? null : s.meta().lastTxid());
                m.put("time", time(s));
                m.put("lifelineMetadata", s.meta() != null);
                rows.add(m);
            }
            printJson(rows);
            return LifelineCli.OK;
        }
        if (segs.isEmpty()) {
            noneFound("WAL segments");
            return LifelineCli.OK;
        }
        Table t = new Table("GENERATION", "INDEX>", "OFFSET>", "SIZE>", "FRAMES>", "TXIDS>", "TIME");
        for (SegmentEntry s : segs) {
            String txids = null;
            if (s.meta() != null) {
                txids = s.meta().firstTxid() == s.meta().lastTxid() ? Long.toString(s.meta().lastTxid())
                        : s.meta().firstTxid() + "-" + s.meta().lastTxid();
            }
            t.row(s.generation(), s.index(), s.offset(), Format.bytes(s.object().size()),
                    s.meta() == null ? null : s.meta().frames(), txids, Format.time(time(s)));
        }
        t.print(out());
        return LifelineCli.OK;
    }

    /** Time of the segment's last commit (as the replicator saw it), else the object's modification time. */
    static Instant time(SegmentEntry s) {
        return s.meta() != null && !s.meta().commits().isEmpty() ? s.meta().lastCommit().time()
                : s.object().modified();
    }
}
