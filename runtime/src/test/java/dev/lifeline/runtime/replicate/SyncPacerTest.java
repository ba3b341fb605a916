package dev.lifeline.runtime.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SyncPacerTest {

    private static final long MS = 1_000_000L;

    @Test
    void aDatabaseBusyAloneWaitsTheBase() {
        SyncPacer p = new SyncPacer(Duration.ofMillis(25), Duration.ofSeconds(1));
        Object a = new Object();
        assertEquals(25 * MS, p.intervalNanos(a), "before its first pass");
        p.passStarted(a);
        assertEquals(25 * MS, p.intervalNanos(a));
    }

    @Test
    void busyDatabasesShareOneBudget() {
        SyncPacer p = new SyncPacer(Duration.ofMillis(25), Duration.ofSeconds(1));
        Object a = new Object();
        Object b = new Object();
        Object c = new Object();
        p.passStarted(a);
        p.passStarted(b);
        assertEquals(50 * MS, p.intervalNanos(a));
        assertEquals(50 * MS, p.intervalNanos(b));
        assertEquals(75 * MS, p.intervalNanos(c), "a newcomer counts itself too");
        p.passStarted(c);
        assertEquals(75 * MS, p.intervalNanos(a));
        p.forget(b);
        p.forget(c);
        assertEquals(25 * MS, p.intervalNanos(a), "stopped replicators no longer count");
    }

    @Test
    void theIntervalNeverExceedsTheMaximum() {
        SyncPacer p = new SyncPacer(Duration.ofMillis(300), Duration.ofSeconds(1));
        for (int i = 0; i < 10; i++) {
            p.passStarted(new Object());
        }
        assertEquals(1000 * MS, p.intervalNanos(new Object()));
    }

    @Test
    void aDatabaseQuietForASecondIsNotBusy() throws InterruptedException {
        SyncPacer p = new SyncPacer(Duration.ofMillis(10), Duration.ofSeconds(1));
        Object quiet = new Object();
        Object busy = new Object();
        p.passStarted(quiet);
        Thread.sleep(1100);
        p.passStarted(busy);
        assertEquals(10 * MS, p.intervalNanos(busy));
    }

    @Test
    void zeroMeansNoPacing() {
        SyncPacer p = SyncPacer.fixed(Duration.ZERO);
        Object a = new Object();
        p.passStarted(a);
        p.passStarted(new Object());
        assertEquals(0, p.intervalNanos(a));
    }

    @Test
    void rejectsAMaximumBelowTheBase() {
        assertThrows(IllegalArgumentException.class, () -> new SyncPacer(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new SyncPacer(Duration.ofMillis(-1), Duration.ofSeconds(1)));
    }
}
