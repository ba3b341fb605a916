package dev.lifeline.sample;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One tenant's agent: its database, its memory files and its share of the outbox. Only one worker
 * thread drives a tenant at a time (the host hands tenants over through a queue), so no locking here.
 *
 * <p>Write order of a turn — the invariants {@code verify} checks follow from it:
 * <ol>
 *   <li>DB transaction commits turn k (rows + tenant_state counters + outbox row);</li>
 *   <li>state.json rewritten (temp + atomic rename) to turn k;</li>
 *   <li>notes.log gets line k;</li>
 *   <li>vectors.idx gets a record, only if the turn called {@value Turn#MEMORY_TOOL};</li>
 *   <li>outbox.log gets the delivery of turn k;</li>
 *   <li>optional durable ack of turn k.</li>
 * </ol>
 */
final class TenantAgent implements AutoCloseable {

    private final String tenant;
    private final DataLayout layout;
    private final TurnGenerator generator;
    private final AgentDatabase db;
    private final NotesLog notes;
    private final VectorIndex vectors;
    private final Outbox outbox;
    private final AckLog ack;
    private volatile long lastTurn; // volatile: the progress printer reads it from another thread

    private TenantAgent(String tenant, DataLayout layout, TurnGenerator generator, AgentDatabase db, NotesLog notes,
                        VectorIndex vectors, Outbox outbox, AckLog ack, long lastTurn) {
        this.tenant = tenant;
        this.layout = layout;
        this.generator = generator;
        this.db = db;
        this.notes = notes;
        this.vectors = vectors;
        this.outbox = outbox;
        this.ack = ack;
        this.lastTurn = lastTurn;
    }

    /** Opens or creates the tenant and brings its files up to the committed DB position (see {@link #recover}). */
    static TenantAgent open(DataLayout layout, String tenant, TurnGenerator generator, Outbox outbox, AckLog ack,
                            PrintStream log) throws IOException, SQLException {
        Files.createDirectories(layout.memoryDir(tenant));
        AgentDatabase db = AgentDatabase.open(layout.database(tenant), tenant, generator.seed());
        NotesLog notes = null;
        TenantAgent agent;
        try {
            AgentDatabase.State state = db.state();
            if (!state.tenant().equals(tenant)) {
                throw new IllegalStateException(layout.database(tenant) + " belongs to tenant '" + state.tenant() + "'");
            }
            if (state.seed() != generator.seed()) {
                throw new IllegalStateException(tenant + " was created with --seed " + state.seed()
                        + " but this run uses --seed " + generator.seed() + "; resume with the original seed");
            }
            notes = NotesLog.openForAppend(layout.notesLog(tenant));
            agent = new TenantAgent(tenant, layout, generator, db, notes, VectorIndex.open(layout.vectorsIdx(tenant)),
                    outbox, ack, state.lastTurnNo());
        } catch (IOException | SQLException | RuntimeException e) {
            db.close();
            if (notes != null) {
                notes.close();
            }
            throw e;
        }
        try {
            List<String> repaired = agent.recover();
            if (!repaired.isEmpty()) {
                log.println("RECOVER " + tenant + " at turn " + agent.lastTurn + ": " + String.join(", ", repaired));
            }
            return agent;
        } catch (IOException | SQLException | RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    String tenant() {
        return tenant;
    }

    long lastTurn() {
        return lastTurn;
    }

    void runTurn() throws IOException, SQLException {
        long k = lastTurn + 1;
        Turn t = generator.turn(tenant, k);
        db.commitTurn(t);
        lastTurn = k;
        new StateFile(tenant, k, k).writeAtomically(layout.stateJson(tenant));
        notes.append(k, t.note());
        if (t.storesMemory()) {
            vectors.append(k, t.vector());
        }
        outbox.deliver(tenant, k, t.idempotencyKey());
        if (ack != null) {
            ack.ack(tenant, k);
        }
    }

    /**
     * The DB is the source of truth. A crash between commit and the file steps leaves files one turn behind;
     * on start we finish those steps, in the same order as {@link #runTurn}, regenerating content from the
     * seed and taking idempotency keys from the DB's outbox table so nothing already delivered is re-sent.
     * Files ahead of the DB cannot be explained by a crash (e.g. an older DB restored under newer files),
     * so we refuse to start rather than guess.
     */
    private List<String> recover() throws IOException, SQLException {
        List<String> repaired = new ArrayList<>();
        long d = lastTurn;
        long stateTurn = -1;
        if (Files.exists(layout.stateJson(tenant))) {
            try {
                stateTurn = StateFile.parse(Files.readString(layout.stateJson(tenant))).lastTurnNo();
            } catch (IllegalArgumentException | IOException torn) {
                stateTurn = -1; // unreadable: rewritten below from the DB
            }
        } else if (d == 0) {
            stateTurn = 0; // fresh tenant: nothing to write yet
        }
        requireNotAhead("state.json", stateTurn, d);
        if (stateTurn != d) {
            new StateFile(tenant, d, d).writeAtomically(layout.stateJson(tenant));
            repaired.add("state.json");
        }
        NotesLog.Scan scan = NotesLog.scan(layout.notesLog(tenant));
        if (!scan.problems().isEmpty()) {
            throw new IllegalStateException(layout.notesLog(tenant) + " is damaged: " + String.join("; ", scan.problems()));
        }
        requireNotAhead("notes.log", scan.wholeLines(), d);
        if (scan.tornTail()) { // notes is in O_APPEND mode, so appends land after the truncation point
            NotesLog.truncateTornTail(layout.notesLog(tenant), scan.validBytes());
            repaired.add("notes.log partial line dropped");
        }
        long lines = scan.wholeLines();
        for (long n = lines + 1; n <= d; n++) {
            notes.append(n, generator.turn(tenant, n).note());
        }
        if (lines < d) {
            repaired.add("notes.log +" + (d - lines));
        }
        List<Long> records = VectorIndex.scan(layout.vectorsIdx(tenant)).turns();
        long lastRecord = records.isEmpty() ? 0 : records.get(records.size() - 1);
        requireNotAhead("vectors.idx", lastRecord, d);
        int added = 0;
        for (long n = lastRecord + 1; n <= d; n++) {
            Turn t = generator.turn(tenant, n);
            if (t.storesMemory()) {
                vectors.append(n, t.vector());
                added++;
            }
        }
        if (added > 0) {
            repaired.add("vectors.idx +" + added);
        }
        long delivered = outbox.lastDelivered(tenant);
        requireNotAhead("outbox.log", delivered, d);
        for (long n = delivered + 1; n <= d; n++) {
            outbox.deliver(tenant, n, db.outboxKey(n));
        }
        if (delivered < d) {
            repaired.add("outbox +" + (d - delivered));
        }
        return repaired;
    }

    private void requireNotAhead(String what, long fileTurn, long d) {
        if (fileTurn > d) {
            throw new IllegalStateException(tenant + ": " + what + " is at turn " + fileTurn
                    + " but the database is only at turn " + d + "; run verify");
        }
    }

    @Override
    public void close() throws IOException, SQLException {
        try {
            notes.close();
            vectors.close();
        } finally {
            db.close();
        }
    }
}
