package dev.lifeline.agent.cli;

import dev.lifeline.runtime.files.ship.JournalSegment;
import dev.lifeline.runtime.files.ship.ShippedJournal;
import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.journal.JournalRecord;
import dev.lifeline.runtime.journal.JournalRecords;
import dev.lifeline.runtime.journal.Mutation;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lifeline journal}: the file journal shipped to a replica, record by record. */
@Command(name = "journal", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the memory-file journal shipped to a replica: index, time, thread, type, path, size.",
                "Exit 3 when a damaged segment stopped the listing (what is printed is verified)."})
final class JournalCommand extends BaseCommand {

    @Mixin
    ReplicaOptions replica;

    @Option(names = "--since", paramLabel = "RFC3339", converter = Converters.InstantConverter.class,
            description = "Only records at or after this time.")
    Instant since;

    @Option(names = "--grep", paramLabel = "TEXT", description = "Only records whose path, target, thread or type "
            + "contains TEXT.")
    String grep;

    @Option(names = "--lineage", paramLabel = "L", description = "Only this lineage (default: every lineage).")
    String lineage;

    @Option(names = "--json", description = "One JSON object per line (stable field names, ISO-8601 UTC times).")
    boolean json;

    @Override
    protected int execute() throws Exception {
        ReplicaClient client = closeLater(replica.open());
        ShippedJournal journal = new ShippedJournal(client);
        List<String> lineages = lineage == null ? journal.lineages() : List.of(lineage);
        PrintWriter o = out();
        if (lineages.isEmpty()) {
            err().println("lifeline: the replica " + client.describe() + " holds no shipped file journal");
            return LifelineCli.OK;
        }
        if (!json) {
            o.println("LINEAGE           INDEX                TIME                            THREAD  TYPE  PATH  SIZE");
        }
        int code = LifelineCli.OK;
        for (String l : lineages) {
            ShippedJournal.Result r = journal.readEntries(l, Long.MAX_VALUE, e -> print(o, l, e));
            if (r.damage() != null) {
                o.flush();
                err().println("lifeline: error: lineage " + l + ": " + r.damage() + "; records after index "
                        + r.lastIndex() + " are not listed");
                code = LifelineCli.DAMAGED;
            }
        }
        o.flush();
        return code;
    }

    private void print(PrintWriter o, String l, JournalSegment.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lineage", l);
        m.put("index", e.index());
        try {
            JournalRecord r = JournalRecords.decode(e.index(), e.encoded());
            m.put("time", r.time().toString());
            m.put("thread", r.thread());
            describe(r.mutation(), m);
            if (since != null && r.time().isBefore(since)) {
                return;
            }
        } catch (RuntimeException x) {
            // A record type this version does not know (a newer agent's): shown, not fatal.
            Instant t = null;
            try {
                long n = JournalRecords.timeNanos(e.encoded());
                t = Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
            } catch (RuntimeException ignored) {
                // too short for a header: no time
            }
            if (since != null && (t == null || t.isBefore(since))) {
                return;
            }
            m.put("time", t == null ? null : t.toString());
            m.put("thread", null);
            m.put("type", "unknown-" + (e.encoded().length > 1 ? e.encoded()[1] : -1));
            m.put("path", null);
            m.put("size", (long) e.encoded().length);
        }
        if (grep != null) {
            boolean hit = false;
            for (String k : new String[] {"path", "target", "thread", "type"}) {
                Object v = m.get(k);
                hit |= v != null && v.toString().contains(grep);
            }
            if (!hit) {
                return;
            }
        }
        if (json) {
            try {
                o.println(Json.mapper().writeValueAsString(m)); // compact: one object per line
            } catch (java.io.IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
        } else {
            o.println(l + "  " + m.get("index") + "  " + m.get("time") + "  " + m.get("thread") + "  " + m.get("type")
                    + "  " + m.get("path") + (m.containsKey("target") ? " -> " + m.get("target") : "")
                    + (m.get("size") == null ? "" : "  " + m.get("size")));
        }
    }

    /** Type, path and size of a mutation (size: bytes written, or the length set). */
    static void describe(Mutation mu, Map<String, Object> m) {
        Object size = null;
        String type;
        if (mu instanceof Mutation.Write w) {
            type = "write";
            m.put("offset", w.offset());
            size = (long) w.data().length;
        } else if (mu instanceof Mutation.Append a) {
            type = "append";
            size = (long) a.data().length;
        } else if (mu instanceof Mutation.SetLength s) {
            type = "set-length";
            size = s.length();
        } else if (mu instanceof Mutation.Truncate t) {
            type = "truncate";
            size = t.length();
        } else if (mu instanceof Mutation.Create c) {
            type = c.truncate() ? "create-truncate" : "create";
        } else if (mu instanceof Mutation.Rename r) {
            type = "rename";
            m.put("target", r.target());
        } else if (mu instanceof Mutation.Delete) {
            type = "delete";
        } else if (mu instanceof Mutation.Mkdir) {
            type = "mkdir";
        } else if (mu instanceof Mutation.Force) {
            type = "force";
        } else {
            // A record kind added after this command was written: its class name and generic fields.
            type = mu.getClass().getSimpleName().toLowerCase(Locale.ROOT);
            m.put("detail", mu.toString());
        }
        m.put("type", type);
        m.put("path", mu.path());
        m.put("size", size);
    }
}
