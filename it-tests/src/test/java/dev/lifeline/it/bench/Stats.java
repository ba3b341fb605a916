package dev.lifeline.it.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Percentiles (nearest rank) of a sample, in milliseconds. */
final class Stats {

    private Stats() {
    }

    /** @param nanos latencies in nanoseconds (Long.MAX_VALUE: never happened within the bound) */
    static Map<String, Object> latencyMs(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", s.length);
        long never = Arrays.stream(s).filter(v -> v == Long.MAX_VALUE).count();
        m.put("notDurableWithinBound", never);
        if (s.length == 0) {
            return m;
        }
        m.put("p50", ms(pct(s, 50)));
        m.put("p90", ms(pct(s, 90)));
        m.put("p99", ms(pct(s, 99)));
        m.put("p99_9", ms(pct(s, 99.9)));
        m.put("max", ms(s[s.length - 1]));
        m.put("min", ms(s[0]));
        double sum = 0;
        long n = 0;
        for (long v : s) {
            if (v != Long.MAX_VALUE) {
                sum += v;
                n++;
            }
        }
        m.put("mean", n == 0 ? null : round(sum / n / 1e6));
        return m;
    }

    static long pct(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static Double ms(long nanos) {
        return nanos == Long.MAX_VALUE ? null : round(nanos / 1e6);
    }

    static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }

    static double round4(double v) {
        return Math.round(v * 10000.0) / 10000.0;
    }
}
