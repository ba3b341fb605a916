package dev.lifeline.agent.cli;

import dev.lifeline.runtime.files.ship.JournalRestore;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.PrintWriter;
import java.time.Instant;

/** {@code lifeline restore --files}: the watched trees from the journal shipped to a replica's root. */
final class FilesRestore {

    private final RestoreCommand cmd;

    FilesRestore(RestoreCommand cmd) {
        this.cmd = cmd;
    }

    int run(ReplicaOptions replica, Instant timestamp, boolean force) throws Exception {
        FilesRestoreOptions f = cmd.files;
        if (f.to == null) {
            throw cmd.usage("restore --files needs --to DIR (the directory to rebuild the watched trees in)");
        }
        if (timestamp != null && f.journalIndex != null) {
            throw cmd.usage("give --timestamp or --journal-index, not both");
        }
        if (replica.prefix != null && !replica.prefix.isBlank()) {
            throw cmd.usage("--files reads the journal at the replica's root: give the replica URL the agent used, "
                    + "without --prefix");
        }
        if (f.root != null && !f.root.isAbsolute()) {
            throw cmd.usage("--root must be the absolute path of a watched directory, not " + f.root);
        }
        ReplicaClient client = cmd.closeLater(replica.open());
        JournalRestore restore = new JournalRestore(client);
        String lineage;
        try {
            lineage = restore.chooseLineage(f.lineage);
        } catch (IllegalArgumentException e) {
            throw cmd.usage(e.getMessage());
        }
        long toIndex = f.journalIndex == null ? Long.MAX_VALUE : f.journalIndex;
        JournalRestore.Result r;
        try {
            r = restore.restore(lineage, toIndex, timestamp, f.root, f.to, force);
        } catch (java.io.IOException e) {
            throw new CliException(e.getMessage(), LifelineCli.ERROR, e);
        }
        PrintWriter o = cmd.out();
        o.println("restored files to " + f.to.toAbsolutePath().normalize() + " from " + client.describe()
                + (f.root == null ? "" : " (root " + f.root + ")"));
        o.println("  lineage     " + r.lineage());
        o.println("  records     " + r.records());
        o.println("  last index  " + (r.lastIndex() < 0 ? "none" : r.lastIndex() + " (0x" + Long.toHexString(r.lastIndex()) + ")"));
        o.println("  time        " + (r.lastTime() == null ? "none" : r.lastTime()));
        for (String u : r.undecoded()) {
            o.println("  skipped     " + u + " (a newer Lifeline wrote it)");
        }
        for (String p : r.replay().problems()) {
            o.println("  inexact     " + p);
        }
        o.flush();
        for (String p : r.replay().refused()) {
            cmd.err().println("lifeline: refused (would escape " + f.to + "): " + p);
        }
        if (r.damage() != null) {
            cmd.err().println("lifeline: error: the shipped journal is damaged: " + r.damage() + "; the files were "
                    + "restored to the last verified record"
                    + (r.lastIndex() < 0 ? " (none: nothing restored)" : " (" + r.lastIndex() + ")"));
            return LifelineCli.DAMAGED;
        }
        if (!r.replay().refused().isEmpty()) {
            cmd.err().println("lifeline: error: " + r.replay().refused().size() + " record(s) refused");
            return LifelineCli.DAMAGED;
        }
        if (f.journalIndex != null && r.lastIndex() < f.journalIndex && toIndex != Long.MAX_VALUE) {
            o.println("  note        the journal holds nothing after " + r.lastIndex() + ": the state is the newest shipped");
        }
        return LifelineCli.OK;
    }
}
