package dev.lifeline.agent.cli;

import dev.lifeline.runtime.config.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option value converters. picocli puts their messages after "Invalid value for option
 * '--name': ", so each says the value and what is allowed.
 */
final class Converters {

    private Converters() {
    }

    /**
     * Durations as Litestream takes them ({@code 10ms}, {@code 2s}, {@code 1m30s}, {@code 1.5h}, {@code 1d}) or
     * ISO-8601 ({@code PT10S}); the syntax is {@link Durations}, shared with the agent's configuration.
     */
    static final class DurationConverter implements ITypeConverter<Duration> {

        @Override
        public Duration convert(String value) {
            return parse(value);
        }

        static Duration parse(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
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
