package dev.lifeline.agent.cli;

import dev.lifeline.runtime.catalog.DatabaseCatalog;
import dev.lifeline.runtime.catalog.DatabaseMarker;
import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lifeline databases}: the databases of a shared replica, one row each, by name. */
@Command(name = "databases", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "List the databases of a replica that several databases share: each lives under its own "
                        + "sub-prefix NAME/ and is named by its NAME/lifeline/v1/database.json marker.",
                "Read one of them with --db NAME (restore, generations, snapshots, segments, verify)."
        })
final class DatabasesCommand extends BaseCommand {

    @Mixin
    ReplicaOptions replica;

    @Option(names = "--json", description = "Print a JSON array (stable field names, ISO-8601 UTC times) for scripts.")
    boolean json;

    @Override
    protected int execute() throws Exception {
        ReplicaClient client = closeLater(replica.openExisting());
        List<DatabaseCatalog.Summary> dbs = DatabaseCatalog.summaries(client, replica.layout().prefix());
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (DatabaseCatalog.Summary s : dbs) {
                DatabaseMarker m = s.marker();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", m.name());
                row.put("path", m.path());
                row.put("host", m.host());
                row.put("created", m.created());
                row.put("prefix", DatabaseCatalog.layout(replica.layout().prefix(), m.name()).prefix());
                row.put("generation", s.generation());
                row.put("lastTxid", s.lastTxid());
                row.put("updated", s.updated());
                rows.add(row);
            }
            out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(rows));
            return LifelineCli.OK;
        }
        if (dbs.isEmpty()) {
            note("replica " + replica.describe(client) + " holds no databases (no NAME/lifeline/v1/database.json "
                    + "markers)");
            return LifelineCli.OK;
        }
        Table t = new Table("NAME", "PATH", "HOST", "CREATED", "GENERATION", "LAST TXID>", "UPDATED");
        for (DatabaseCatalog.Summary s : dbs) {
            DatabaseMarker m = s.marker();
            t.row(m.name(), m.path(), m.host(), Format.time(m.created()), s.generation(), s.lastTxid(),
                    Format.time(s.updated()));
        }
        t.print(out());
        return LifelineCli.OK;
    }
}
