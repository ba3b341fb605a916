package dev.lifeline.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class CliLoggingTest {

    @Test
    void oneConciseLinePerRecordWithPlainNumbers() {
        LogRecord r = new LogRecord(Level.INFO, "{0}: resuming generation {1} at offset {2}, txid {3}");
        r.setLoggerName("dev.lifeline.replicate");
        r.setParameters(new Object[] {"app.db", "ab310a4fec769c44", 1_371_992L, 1234L});
        String line = new CliLogging.OneLine(false).format(r);
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  dev\\.lifeline\\.replicate: "
                + "app\\.db: resuming generation ab310a4fec769c44 at offset 1371992, txid 1234\\R"), line);
    }

    @Test
    void levelsAndThrowables() {
        assertEquals("WARN", CliLogging.OneLine.level(Level.WARNING));
        assertEquals("ERROR", CliLogging.OneLine.level(Level.SEVERE));
        assertEquals("DEBUG", CliLogging.OneLine.level(Level.FINE));
        assertEquals("TRACE", CliLogging.OneLine.level(Level.FINEST));
        LogRecord r = new LogRecord(Level.WARNING, "failed");
        r.setThrown(new java.nio.file.AccessDeniedException("/replica/x"));
        String quiet = new CliLogging.OneLine(false).format(r);
        assertTrue(quiet.contains("WARN ") && quiet.contains("failed: /replica/x: permission denied"), quiet);
        assertFalse(quiet.contains("\tat "), quiet);
        assertTrue(new CliLogging.OneLine(true).format(r).contains("\tat "));
    }

    @Test
    void verboseEnablesDebugRecords() {
        StringWriter w = new StringWriter();
        CliLogging.configure(false, new PrintWriter(w, true));
        System.Logger log = System.getLogger("dev.lifeline.test");
        log.log(System.Logger.Level.DEBUG, "hidden");
        log.log(System.Logger.Level.INFO, "shown {0}", 5000L);
        CliLogging.configure(true, new PrintWriter(w, true));
        log.log(System.Logger.Level.DEBUG, "now shown");
        assertFalse(w.toString().contains("hidden"), w::toString);
        assertTrue(w.toString().contains("INFO  dev.lifeline.test: shown 5000"), w::toString);
        assertTrue(w.toString().contains("DEBUG dev.lifeline.test: now shown"), w::toString);
        CliLogging.configure(false, new PrintWriter(new StringWriter(), true));
    }
}
