package dev.lifeline.agent.cli;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The listing commands: read the replica's catalog, print a table or {@code --json}. */
abstract class CatalogCommand extends BaseCommand {

    @Mixin
    DatabaseReplicaOptions replica;

    @Option(names = "--json", description = "Print a JSON array (stable field names, ISO-8601 UTC times) for scripts.")
    boolean json;

    ReplicaClient client;

    /** Every generation (oldest data first), or only {@code generation} when given; unknown is an error. */
    List<GenerationInfo> load(String generation) throws IOException, CliException {
        client = closeLater(replica.openExisting());
        ReplicaCatalog catalog = new ReplicaCatalog(client, replica.layout());
        List<GenerationInfo> all = catalog.generations();
        for (String p : catalog.problems()) {
            warn(p);
        }
        if (generation == null) {
            return all;
        }
        List<GenerationInfo> one = all.stream().filter(g -> g.id().equals(generation)).toList();
        if (one.isEmpty()) {
            throw new CliException("generation " + generation + " is not in replica " + replica.describe(client)
                    + "; it holds " + (all.isEmpty() ? "no generations" : all.stream().map(GenerationInfo::id)
                    .collect(Collectors.joining(", "))));
        }
        return one;
    }

    void printJson(Object value) throws IOException {
        out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value));
        out().flush();
    }

    void noneFound(String what) {
        note("replica " + replica.describe(client) + " holds no " + what);
    }
}
