package dev.lifeline.sample;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * DIR/outbox.log: stands in for calls to the outside world (e-mails, webhooks). One line per turn,
 * {@code <tenant> <turn_no> <idempotency-key>\n}, shared by all tenants. Delivery happens after the DB
 * commit, so a crash can lose the last delivery; on restart it is re-delivered from the DB's outbox
 * table, and the idempotency key is what lets a receiver drop anything it already saw.
 */
final class Outbox implements AutoCloseable {

    record Line(int lineNo, String tenant, long turnNo, String key) {
    }

    /** @param malformed whole lines that do not parse; {@code tornTail} a partial last line. */
    record Scan(boolean present, List<Line> lines, List<String> malformed, boolean tornTail, long validBytes) {
    }

    private final FileOutputStream out;
    private final Map<String, Long> lastTurnByTenant = new HashMap<>();

    private Outbox(FileOutputStream out) {
        this.out = out;
    }

    /** Reads what was already delivered (so recovery never re-sends) and opens for appending. */
    static Outbox open(Path file) throws IOException {
        Scan scan = scan(file);
        if (!scan.malformed().isEmpty()) {
            throw new IOException(file + " is damaged: " + String.join("; ", scan.malformed()));
        }
        if (scan.tornTail()) {
            NotesLog.truncateTornTail(file, scan.validBytes());
        }
        Outbox outbox = new Outbox(new FileOutputStream(file.toFile(), true));
        for (Line l : scan.lines()) {
            outbox.lastTurnByTenant.merge(l.tenant(), l.turnNo(), Math::max);
        }
        return outbox;
    }

    synchronized long lastDelivered(String tenant) {
        return lastTurnByTenant.getOrDefault(tenant, 0L);
    }

    /** Serialised so concurrent tenants never interleave bytes within a line. */
    synchronized void deliver(String tenant, long turnNo, String key) throws IOException {
        out.write((tenant + " " + turnNo + " " + key + "\n").getBytes(StandardCharsets.UTF_8));
        lastTurnByTenant.merge(tenant, turnNo, Math::max);
    }

    static Scan scan(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new Scan(false, List.of(), List.of(), false, 0);
        }
        byte[] bytes = Files.readAllBytes(file);
        List<Line> lines = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        int start = 0, lineNo = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                lineNo++;
                String[] parts = new String(bytes, start, i - start, StandardCharsets.UTF_8).split(" ", -1);
                if (parts.length == 3 && !parts[0].isEmpty() && parts[1].matches("\\d{1,18}") && parts[2].matches("[0-9a-f]{32}")) {
                    lines.add(new Line(lineNo, parts[0], Long.parseLong(parts[1]), parts[2]));
                } else if (malformed.size() < 20) {
                    malformed.add("line " + lineNo + " is malformed");
                }
                start = i + 1;
            }
        }
        return new Scan(true, lines, malformed, start < bytes.length, start);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
