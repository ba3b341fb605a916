package dev.lifeline.sample;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Minimal "--name value" / "--name=value" / "--flag" parser. Hand-written on purpose: the sample app
 * must depend on nothing but the SQLite driver, and every error names the option, the value and what
 * is allowed so a test harness that mistypes an option fails loudly instead of running a default.
 */
final class CliArgs {

    /** Bad command line; the message is meant to be printed as-is, followed by the usage text. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private CliArgs(String command) {
        this.command = command;
    }

    /**
     * @param valued options that take a value; {@code flags} options that take none.
     */
    static CliArgs parse(String command, List<String> args, Set<String> valued, Set<String> flags)
            throws UsageException {
        CliArgs parsed = new CliArgs(command);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "' for '" + command + "' (options start with --)");
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException("option " + name + " takes no value, got '" + value + "'");
                }
                value = "true";
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException("option " + name + " requires a value");
                    }
                    value = args.get(++i);
                }
            } else {
                throw new UsageException("unknown option '" + name + "' for '" + command + "' (allowed: "
                        + String.join(", ", valued) + (flags.isEmpty() ? "" : ", " + String.join(", ", flags)) + ")");
            }
            if (parsed.values.put(name, value) != null) {
                throw new UsageException("option " + name + " given more than once");
            }
        }
        return parsed;
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    Path requiredPath(String name) throws UsageException {
        String v = values.get(name);
        if (v == null || v.isBlank()) {
            throw new UsageException("option " + name + " is required for '" + command + "'");
        }
        return Path.of(v);
    }

    Path optionalPath(String name) {
        String v = values.get(name);
        return v == null ? null : Path.of(v);
    }

    long longOption(String name, long defaultValue, long min, long max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        long parsed;
        try {
            parsed = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option " + name + ": value '" + v + "' is not an integer (allowed: " + min + ".." + max + ")");
        }
        if (parsed < min || parsed > max) {
            throw new UsageException("option " + name + ": value '" + v + "' is out of range (allowed: " + min + ".." + max + ")");
        }
        return parsed;
    }

    double doubleOption(String name, double defaultValue, double min, double max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        double parsed;
        try {
            parsed = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            parsed = Double.NaN;
        }
        if (!(parsed >= min && parsed <= max)) {
            throw new UsageException("option " + name + ": value '" + v + "' is not a number in "
                    + BigDecimal.valueOf(min).stripTrailingZeros().toPlainString() + ".."
                    + BigDecimal.valueOf(max).stripTrailingZeros().toPlainString());
        }
        return parsed;
    }
}
