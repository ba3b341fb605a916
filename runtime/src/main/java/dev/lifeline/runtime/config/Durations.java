package dev.lifeline.runtime.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of Lifeline (configuration and CLI): Go-style durations as Litestream
 * takes them, {@code 10ms}, {@code 2s}, {@code 1m30s}, {@code 1.5h}, {@code 1d}, plus a bare
 * {@code 0}; or ISO-8601, {@code PT10S}.
 */
public final class Durations {

    /** What is allowed, for messages. */
    public static final String ALLOWED = "a number and a unit (ns, us, ms, s, m, h, d), e.g. 10ms, 5s, 1m30s, 6h, 1d;"
            + " or 0; or ISO-8601 such as PT5S";

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * Parses {@code value}.
     *
     * @throws IllegalArgumentException with a message that shows the value and what is allowed
     */
    public static Duration parse(String value) {
        if (value == null) {
            throw bad("");
        }
        String v = value.trim();
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        if (v.regionMatches(true, 0, "PT", 0, 2) || v.regionMatches(true, 0, "P", 0, 1) && v.length() > 1
                && Character.isDigit(v.charAt(1))) {
            try {
                return Duration.parse(v);
            } catch (DateTimeParseException e) {
                throw bad(value);
            }
        }
        Matcher m = PART.matcher(v);
        int at = 0;
        Duration total = Duration.ZERO;
        while (at < v.length()) {
            if (!m.find(at) || m.start() != at) {
                throw bad(value);
            }
            BigDecimal n = new BigDecimal(m.group(1));
            long nanosPerUnit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            try {
                total = total.plusNanos(n.multiply(BigDecimal.valueOf(nanosPerUnit)).longValueExact());
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("'" + value + "' is too long or too precise a duration");
            }
            at = m.end();
        }
        if (v.isEmpty()) {
            throw bad(value);
        }
        return total;
    }

    private static IllegalArgumentException bad(String value) {
        return new IllegalArgumentException("'" + value + "' is not a duration: use " + ALLOWED);
    }
}
