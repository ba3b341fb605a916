package dev.lifeline.runtime.catalog;

import java.time.Instant;

/**
 * Which database a sub-prefix of a shared replica holds: stored once, write-once, at
 * {@code <base><name>/lifeline/v1/database.json} (see docs/FORMAT.md, "Several databases in one
 * replica").
 *
 * @param format  1
 * @param name    the sub-prefix (without the trailing '/'), as {@link DatabaseNames} assigned it
 * @param path    the absolute path of the source database on the host that first replicated it
 * @param host    the host name of that process
 * @param created when the name was assigned
 */
public record DatabaseMarker(int format, String name, String path, String host, Instant created) {

    public static final int FORMAT = 1;
}
