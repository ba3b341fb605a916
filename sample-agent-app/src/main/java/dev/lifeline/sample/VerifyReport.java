package dev.lifeline.sample;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects violations and renders the outcome of {@code verify} as text or JSON. Output is capped per
 * (tenant, check) so a badly broken state still yields a readable report with exact counts.
 */
final class VerifyReport {

    /** @param tenant tenant name, or "-" for data-directory-wide findings */
    record Violation(String tenant, String check, String message) {
    }

    private static final int CAP_PER_CHECK = 50;

    private final boolean dbOnly;
    private final List<Violation> violations = new ArrayList<>();
    private final Map<String, Integer> perCheck = new HashMap<>();
    private final Map<String, Long> tenantTurns = new TreeMap<>();
    private int suppressed;

    VerifyReport(boolean dbOnly) {
        this.dbOnly = dbOnly;
    }

    void add(String tenant, String check, String message) {
        int n = perCheck.merge(tenant + "\0" + check, 1, Integer::sum);
        if (n <= CAP_PER_CHECK) {
            violations.add(new Violation(tenant, check, message));
        } else {
            suppressed++;
        }
    }

    void tenant(String tenant, long lastTurnNo) {
        tenantTurns.put(tenant, lastTurnNo);
    }

    boolean ok() {
        return violations.isEmpty();
    }

    List<Violation> violations() {
        return List.copyOf(violations);
    }

    int violationCount() {
        return violations.size() + suppressed;
    }

    String toText() {
        StringBuilder sb = new StringBuilder();
        for (Violation v : violations) {
            sb.append("VIOLATION ").append(v.tenant()).append(' ').append(v.check()).append(": ").append(v.message()).append('\n');
        }
        if (suppressed > 0) {
            sb.append("VIOLATION - report: ").append(suppressed).append(" more violations not shown (over ")
                    .append(CAP_PER_CHECK).append(" per tenant and check)\n");
        }
        sb.append(ok() ? "VERIFY OK" : "VERIFY FAILED violations=" + violationCount())
                .append(" mode=").append(dbOnly ? "db-only" : "full")
                .append(" tenants=").append(tenantTurns.size())
                .append(" turns=").append(tenantTurns.values().stream().mapToLong(Long::longValue).sum());
        tenantTurns.forEach((t, n) -> sb.append(' ').append(t).append('=').append(n));
        return sb.append('\n').toString();
    }

    String toJson() {
        StringBuilder sb = new StringBuilder("{\"ok\":").append(ok())
                .append(",\"mode\":\"").append(dbOnly ? "db-only" : "full").append("\",\"violationCount\":").append(violationCount())
                .append(",\"tenants\":[");
        String sep = "";
        for (Map.Entry<String, Long> e : tenantTurns.entrySet()) {
            sb.append(sep).append("{\"tenant\":").append(quote(e.getKey())).append(",\"lastTurnNo\":").append(e.getValue()).append('}');
            sep = ",";
        }
        sb.append("],\"violations\":[");
        sep = "";
        for (Violation v : violations) {
            sb.append(sep).append("{\"tenant\":").append(quote(v.tenant())).append(",\"check\":").append(quote(v.check()))
                    .append(",\"message\":").append(quote(v.message())).append('}');
            sep = ",";
        }
        return sb.append("]}\n").toString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
