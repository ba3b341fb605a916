package dev.lifeline.agent.cli;

import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.ReplicaUrl;
import java.nio.file.Files;
import picocli.CommandLine.Option;

/**
 * {@code --replica URL [--prefix P]}, shared by every command ({@link DatabaseReplicaOptions} adds
 * {@code --db NAME} for the commands that read).
 */
class ReplicaOptions {

    @Option(names = "--replica", required = true, paramLabel = "URL",
            description = {"The replica: a directory path, file:///abs/path or s3://bucket/prefix[?endpoint=URL"
                    + "&region=R&force-path-style=true]; add encrypt=true to the query of a file:// or s3:// URL "
                    + "to encrypt (key from LIFELINE_ENCRYPTION_KEY or LIFELINE_ENCRYPTION_KEY_FILE).",
                    "replicate and restore take it more than once: replicate writes to every replica; restore "
                    + "reads the one with the newest data."})
    java.util.List<String> urls;

    @Option(names = "--prefix", paramLabel = "P", defaultValue = "",
            description = "A sub-prefix inside the replica (several databases can share one replica).")
    String prefix;

    /**
     * Opens the one replica a command reads; an unknown scheme or a bad URL is an
     * {@link IllegalArgumentException} with a user-facing message.
     */
    ReplicaClient open() {
        if (urls.size() > 1) {
            throw new IllegalArgumentException("this command reads one replica: give --replica once");
        }
        return ReplicaUrl.open(urls.get(0));
    }

    /** Opens every replica given. */
    java.util.List<ReplicaClient> openAll() {
        java.util.List<ReplicaClient> out = new java.util.ArrayList<>();
        for (String u : urls) {
            out.add(ReplicaUrl.open(u));
        }
        return out;
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
        if (c instanceof dev.lifeline.runtime.replica.crypto.EncryptingReplicaClient e) {
            return exists(e.inner());
        }
        return !(c instanceof FileReplicaClient f) || Files.isDirectory(f.root());
    }
}
