package dev.lifeline.agent.cli;

import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.ReplicaUrl;
import java.nio.file.Files;
import picocli.CommandLine.Option;

/** {@code --replica URL [--prefix P]}, shared by every command. */
final class ReplicaOptions {

    @Option(names = "--replica", required = true, paramLabel = "URL",
            description = "The replica: a directory path, or a URL such as file:///backups/app.")
    String url;

    @Option(names = "--prefix", paramLabel = "P", defaultValue = "",
            description = "A sub-prefix inside the replica (several databases can share one replica).")
    String prefix;

    /** Opens the replica; an unknown scheme or a bad URL is an {@link IllegalArgumentException} with a user-facing message. */
    ReplicaClient open() {
        return ReplicaUrl.open(url);
    }

    ReplicaLayout layout() {
        String p = prefix == null ? "" : prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return new ReplicaLayout(p);
    }

    /** "file:///r" or "file:///r (prefix db1/)", for messages. */
    String describe(ReplicaClient client) {
        String p = layout().prefix();
        return client.describe() + (p.isEmpty() ? "" : " (prefix " + p + ")");
    }

    /**
     * Opens a replica that must already exist, for commands that only read it: a mistyped
     * directory is an error, not an empty replica.
     */
    ReplicaClient openExisting() throws CliException {
        ReplicaClient c = open();
        if (!exists(c)) {
            throw new CliException("replica " + c.describe() + " does not exist: no such directory");
        }
        return c;
    }

    static boolean exists(ReplicaClient c) {
        return !(c instanceof FileReplicaClient f) || Files.isDirectory(f.root());
    }
}
