package dev.lifeline.runtime.restore;

import java.nio.file.Path;

/**
 * @param generation     restore from this generation only (null: the one with the newest data, or
 *                       for a timestamp, the newest one that spans it)
 * @param force          replace an existing output file
 * @param integrityCheck "full" (PRAGMA integrity_check), "quick" (quick_check) or "none"
 */
public record RestoreOptions(Path output, String generation, RestoreTarget target, boolean force,
                             String integrityCheck) {

    public static RestoreOptions latest(Path output) {
        return new RestoreOptions(output, null, new RestoreTarget.Latest(), false, "full");
    }
}
