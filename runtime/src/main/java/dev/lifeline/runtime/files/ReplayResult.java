package dev.lifeline.runtime.files;

import java.util.List;

/**
 * What a {@link FileTreeReplayer} run did.
 *
 * @param applied   records applied to the target tree
 * @param skipped   records about paths outside the replayed root (other roots), left alone
 * @param lastIndex the index of the last record looked at, or -1 if none
 * @param refused   records refused because their path would escape the target (absolute, {@code ..},
 *                  a symbolic link on the way); each line names the record and why
 * @param problems  records applied as well as the journal allows but not exactly (a file moved in
 *                  from outside the root, whose content the journal does not have, ...)
 */
public record ReplayResult(long applied, long skipped, long lastIndex, List<String> refused, List<String> problems) {
    public ReplayResult {
        refused = List.copyOf(refused);
        problems = List.copyOf(problems);
    }

    /** Whether every record was applied exactly. */
    public boolean exact() {
        return refused.isEmpty() && problems.isEmpty();
    }
}
