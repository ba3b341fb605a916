package dev.lifeline.sample;

import java.nio.file.Path;

/**
 * Where everything lives under the data directory. Kept in one place because {@code run} and
 * {@code verify} (and any backup tool pointed at DIR) must agree on it exactly.
 *
 * <pre>
 * DIR/outbox.log                              shared, append-only side-effect log
 * DIR/tenants/&lt;tenant&gt;/agent.db               SQLite, WAL mode (+ agent.db-wal, agent.db-shm)
 * DIR/tenants/&lt;tenant&gt;/memory/state.json      rewritten atomically every turn
 * DIR/tenants/&lt;tenant&gt;/memory/notes.log       append-only, one line per turn
 * DIR/tenants/&lt;tenant&gt;/memory/vectors.idx     fixed-size records, header updated in place
 * </pre>
 */
record DataLayout(Path root) {

    static String tenantName(int index) {
        return String.format("tenant-%03d", index);
    }

    Path tenantsDir() {
        return root.resolve("tenants");
    }

    Path outboxLog() {
        return root.resolve("outbox.log");
    }

    Path tenantDir(String tenant) {
        return tenantsDir().resolve(tenant);
    }

    Path database(String tenant) {
        return tenantDir(tenant).resolve("agent.db");
    }

    Path memoryDir(String tenant) {
        return tenantDir(tenant).resolve("memory");
    }

    Path stateJson(String tenant) {
        return memoryDir(tenant).resolve("state.json");
    }

    Path notesLog(String tenant) {
        return memoryDir(tenant).resolve("notes.log");
    }

    Path vectorsIdx(String tenant) {
        return memoryDir(tenant).resolve("vectors.idx");
    }
}
