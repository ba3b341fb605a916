package dev.lifeline.agent.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How times, sizes and durations are shown to people (JSON output uses raw values). */
final class Format {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Format() {
    }

    /** UTC, millisecond precision, fixed width: 2025-01-31T12:00:00.123Z. */
    static String time(Instant t) {
        return t == null || t.equals(Instant.EPOCH) ? "-" : TIME.format(t);
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String elapsed(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        return String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
    }

    static String hex8(int index) {
        return String.format("%08x", index);
    }
}
