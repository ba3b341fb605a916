package dev.lifeline.it.bench;

import java.lang.management.ManagementFactory;
import java.time.Instant;

/**
 * A trivial main class for the {@code agent} section's start-up figures (JDK only, run with the
 * test classes alone on the class path): prints when {@code main} began ({@code MAIN_AT_US}, wall
 * clock in microseconds, comparable with the harness's launch time) and the JVM's uptime then
 * ({@code UPTIME_MS}: from JVM creation, so it includes {@code premain}).
 */
public final class StartupProbe {

    private StartupProbe() {
    }

    public static void main(String[] args) {
        Instant main = Instant.now();
        long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
        System.out.println("MAIN_AT_US=" + micros(main) + " UPTIME_MS=" + uptime);
    }

    static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
