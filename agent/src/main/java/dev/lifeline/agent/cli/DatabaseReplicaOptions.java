package dev.lifeline.agent.cli;

import dev.lifeline.runtime.catalog.DatabaseCatalog;
import dev.lifeline.runtime.catalog.DatabaseMarker;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * {@code --replica URL [--prefix P] [--db NAME]}, for the commands that read a replica. With
 * {@code --db}, the command reads database NAME of a shared replica: the layout prefix becomes
 * {@code <P>NAME/}, and NAME must have a marker there (see {@code lifeline databases}).
 * ({@code replicate} has its own {@code --db PATH}, the database file, and does not use this.)
 */
final class DatabaseReplicaOptions extends ReplicaOptions {

    @Option(names = "--db", paramLabel = "NAME",
            description = "Read database NAME of a replica that several databases share (it lives under "
                    + "<prefix>NAME/; 'lifeline databases' lists the names).")
    String database;

    @Override
    ReplicaLayout layout() {
        ReplicaLayout base = super.layout();
        return database == null ? base : new ReplicaLayout(base.prefix() + database + "/");
    }

    /** Opens the replica and, with {@code --db}, checks that it holds that database. */
    @Override
    ReplicaClient openExisting() throws CliException {
        ReplicaClient c = super.openExisting();
        try {
            Optional<String> missing = missingDatabase(c);
            if (missing.isPresent()) {
                throw new CliException(missing.get());
            }
        } catch (IOException e) {
            throw new CliException("cannot read replica " + c.describe() + ": " + Errors.describe(e), LifelineCli.ERROR,
                    e);
        }
        return c;
    }

    /**
     * Empty when no {@code --db} was given or the replica holds database NAME; otherwise what to
     * tell the user, with the names the replica does hold.
     */
    Optional<String> missingDatabase(ReplicaClient c) throws IOException {
        if (database == null) {
            return Optional.empty();
        }
        String base = super.layout().prefix();
        boolean plainName = !database.isEmpty() && !database.contains("/") && !database.matches("\\.+");
        if (plainName && DatabaseCatalog.read(c, base, database).isPresent()) {
            return Optional.empty();
        }
        List<DatabaseMarker> all = DatabaseCatalog.list(c, base);
        String where = c.describe() + (base.isEmpty() ? "" : " (prefix " + base + ")");
        String held = all.isEmpty()
                ? "it holds no databases (no NAME" + DatabaseCatalog.MARKER_SUFFIX + " markers)"
                : "it holds " + all.stream().map(DatabaseMarker::name).collect(Collectors.joining(", "));
        return Optional.of("no database " + database + " in replica " + where + "; " + held);
    }
}
