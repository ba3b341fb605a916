package dev.lifeline.agent.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * java.util.logging (the default backend of {@link System.Logger}, which the runtime uses) set
 * up for a command line: one concise line per record on stderr, {@code time level logger: message},
 * INFO by default and DEBUG under {@code --verbose}. Only the CLI does this; the runtime never
 * configures logging.
 */
final class CliLogging {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private CliLogging() {
    }

    static synchronized void configure(boolean verbose, PrintWriter err) {
        Logger root = LogManager.getLogManager().getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
            h.close();
        }
        Level level = verbose ? Level.FINE : Level.INFO;
        WriterHandler h = new WriterHandler(err);
        h.setFormatter(new OneLine(verbose));
        h.setLevel(level);
        root.addHandler(h);
        root.setLevel(level);
    }

    /** Writes to a {@link PrintWriter} (the command's stderr), flushing every record. */
    private static final class WriterHandler extends Handler {
        private final PrintWriter out;

        WriterHandler(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void publish(LogRecord r) {
            if (!isLoggable(r)) {
                return;
            }
            String line;
            try {
                line = getFormatter().format(r);
            } catch (RuntimeException e) {
                line = r.getMessage() + System.lineSeparator();
            }
            synchronized (out) {
                out.print(line);
                out.flush();
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }

    /** {@code 2025-01-31 12:00:00.123 INFO  dev.lifeline.replicate: message}. */
    static final class OneLine extends Formatter {
        private final boolean stackTraces;

        OneLine(boolean stackTraces) {
            this.stackTraces = stackTraces;
        }

        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder(128);
            b.append(TIME.format(Instant.ofEpochMilli(r.getMillis()))).append(' ')
                    .append(String.format("%-5s", level(r.getLevel()))).append(' ')
                    .append(r.getLoggerName() == null ? "-" : r.getLoggerName()).append(": ")
                    .append(message(r));
            if (r.getThrown() != null) {
                b.append(": ").append(Errors.describe(r.getThrown()));
                if (stackTraces) {
                    StringWriter sw = new StringWriter();
                    r.getThrown().printStackTrace(new PrintWriter(sw));
                    b.append(System.lineSeparator()).append(sw.toString().stripTrailing());
                }
            }
            return b.append(System.lineSeparator()).toString();
        }

        /**
         * The message with its {@code {0}} parameters filled in, integers written plainly: the
         * default MessageFormat would print a txid or offset as "1,371,992", which cannot be
         * pasted back into {@code --txid}.
         */
        private String message(LogRecord r) {
            Object[] params = r.getParameters();
            if (params != null && params.length > 0) {
                Object[] plain = params.clone();
                for (int i = 0; i < plain.length; i++) {
                    if (plain[i] instanceof Long || plain[i] instanceof Integer || plain[i] instanceof Short
                            || plain[i] instanceof java.math.BigInteger) {
                        plain[i] = plain[i].toString();
                    }
                }
                r.setParameters(plain);
            }
            return formatMessage(r);
        }

        static String level(Level l) {
            int v = l.intValue();
            if (v >= Level.SEVERE.intValue()) {
                return "ERROR";
            }
            if (v >= Level.WARNING.intValue()) {
                return "WARN";
            }
            if (v >= Level.INFO.intValue()) {
                return "INFO";
            }
            if (v >= Level.FINE.intValue()) {
                return "DEBUG";
            }
            return "TRACE";
        }
    }
}
