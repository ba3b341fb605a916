package dev.lifeline.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code verify}: judges a data directory — left by a killed process or produced by a restore — against
 * the invariants the app maintains. Meant for a quiescent directory; on a running app use --db-only,
 * whose checks each run on one database snapshot (files and DB cannot be read at one instant).
 */
final class Verifier {

    private Verifier() {
    }

    static VerifyReport verify(Path dataDir, boolean dbOnly) throws IOException {
        VerifyReport report = new VerifyReport(dbOnly);
        DataLayout layout = new DataLayout(dataDir);
        if (!Files.isDirectory(layout.tenantsDir())) {
            report.add("-", "layout", "no tenants directory at " + layout.tenantsDir());
            return report;
        }
        List<String> tenants = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(layout.tenantsDir())) {
            dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().forEach(tenants::add);
        }
        if (tenants.isEmpty()) {
            report.add("-", "layout", "no tenants under " + layout.tenantsDir());
        }
        Map<String, DbChecks.Facts> facts = new TreeMap<>();
        Map<String, List<FileChecks.Progress>> memory = new TreeMap<>();
        for (String tenant : tenants) {
            Path db = layout.database(tenant);
            if (!Files.isRegularFile(db)) {
                report.add(tenant, "database", "agent.db is missing at " + db);
                continue;
            }
            DbChecks.Facts f = DbChecks.check(db, tenant, report);
            if (f == null) {
                continue;
            }
            facts.put(tenant, f);
            if (!dbOnly) {
                memory.put(tenant, FileChecks.memory(layout, tenant, f, report));
            }
        }
        if (!dbOnly) {
            Map<String, FileChecks.Progress> outbox = FileChecks.outbox(layout.outboxLog(), facts, new HashSet<>(tenants), report);
            memory.forEach((tenant, progress) -> {
                List<FileChecks.Progress> all = new ArrayList<>(progress);
                all.add(outbox.get(tenant));
                FileChecks.order(tenant, all, facts.get(tenant).lastTurnNo(), report);
            });
        }
        return report;
    }
}
