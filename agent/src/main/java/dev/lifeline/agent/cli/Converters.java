package dev.lifeline.agent.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option value converters. picocli puts their messages after "Invalid value for option
 * '--name': ", so each says the value and what is allowed.
 */
final class Converters {

    private Converters() {
    }

    /** Go-style durations as Litestream takes them: {@code 10ms}, {@code 2s}, {@code 1m30s}, {@code 1.5h}; or ISO-8601 {@code PT10S}. */
    static final class DurationConverter implements ITypeConverter<Duration> {

        private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d)");

        @Override
        public Duration convert(String value) {
            return parse(value);
        }

        static Duration parse(String value) {
            String v = value.trim();
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
                    throw new TypeConversionException("'" + value + "' is too long or too precise a duration");
                }
                at = m.end();
            }
            if (v.isEmpty()) {
                throw bad(value);
            }
            return total;
        }

        private static TypeConversionException bad(String value) {
            return new TypeConversionException("'" + value + "' is not a duration: use a number and a unit "
                    + "(ns, us, ms, s, m, h), e.g. 10ms, 2s, 1m30s");
        }
    }

    /** RFC 3339 timestamps: {@code 2025-01-31T12:00:00Z}, {@code 2025-01-31T13:00:00.5+01:00}. */
    static final class InstantConverter implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return OffsetDateTime.parse(value.trim()).toInstant();
            } catch (DateTimeParseException e) {
                throw new TypeConversionException("'" + value + "' is not an RFC 3339 timestamp: use e.g. "
                        + "2025-01-31T12:00:00Z or 2025-01-31T13:00:00.250+01:00 (a date, 'T', a time and a "
                        + "zone offset)");
            }
        }
    }
}
