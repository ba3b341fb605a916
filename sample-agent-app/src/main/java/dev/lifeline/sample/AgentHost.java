package dev.lifeline.sample;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The multi-tenant host behind {@code run}: a fixed pool of workers pulling tenants from a
 * {@link DelayQueue}. A tenant is in the queue only while no worker holds it, which both serialises
 * its turns and gives per-tenant pacing for free (the delay is the time until its next turn is due).
 */
final class AgentHost {

    /** @param turns target total turns per tenant (0 = until stopped); @param rate turns/s per tenant (0 = unthrottled) */
    record Config(Path dataDir, int tenants, long turns, double rate, int threads, long seed, Path durableAck) {
    }

    private static final class Slot implements Delayed {
        final TenantAgent agent;
        long dueNanos;

        Slot(TenantAgent agent, long dueNanos) {
            this.agent = agent;
            this.dueNanos = dueNanos;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(dueNanos, ((Slot) o).dueNanos);
        }
    }

    private final Config config;
    private final PrintStream out;
    private final PrintStream err;
    private final DelayQueue<Slot> ready = new DelayQueue<>();
    private final AtomicInteger activeTenants = new AtomicInteger();
    private final AtomicLong executed = new AtomicLong();
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final CountDownLatch workersDone;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;

    AgentHost(Config config, PrintStream out, PrintStream err) {
        this.config = config;
        this.out = out;
        this.err = err;
        this.workersDone = new CountDownLatch(config.threads());
    }

    /** Asks workers to stop after their current turn (used by the SIGTERM hook); turns are never cut short. */
    void requestStop() {
        stopping = true;
    }

    /** Waits until {@link #run} has returned: turns finished, summary printed, databases closed (checkpointed). */
    boolean awaitFinished(long millis) throws InterruptedException {
        return finished.await(millis, TimeUnit.MILLISECONDS);
    }

    /** @return process exit code: 0 when every tenant reached its target (or a stop was requested), 1 on failure. */
    int run() throws IOException, InterruptedException {
        try {
            return runTenants();
        } finally {
            finished.countDown();
        }
    }

    private int runTenants() throws IOException, InterruptedException {
        Config c = config;
        out.printf(Locale.ROOT, "START data=%s tenants=%d turns=%d rate=%s threads=%d seed=%d%n",
                c.dataDir(), c.tenants(), c.turns(), c.rate(), c.threads(), c.seed());
        DataLayout layout = new DataLayout(c.dataDir());
        Files.createDirectories(layout.tenantsDir());
        TurnGenerator generator = new TurnGenerator(c.seed());
        List<TenantAgent> agents = new ArrayList<>();
        try (Outbox outbox = Outbox.open(layout.outboxLog());
             AckLog ack = c.durableAck() == null ? null : new AckLog(c.durableAck())) {
            try {
                for (int i = 1; i <= c.tenants(); i++) {
                    agents.add(TenantAgent.open(layout, DataLayout.tenantName(i), generator, outbox, ack, out));
                }
                return drive(agents);
            } catch (Exception e) {
                failure.compareAndSet(null, "startup: " + e);
                return 1;
            } finally {
                for (TenantAgent agent : agents) {
                    try {
                        agent.close();
                    } catch (Exception e) {
                        failure.compareAndSet(null, agent.tenant() + " close: " + e);
                    }
                }
                if (failure.get() != null) {
                    err.println("FAILED " + failure.get());
                }
            }
        }
    }

    private int drive(List<TenantAgent> agents) throws InterruptedException {
        long now = System.nanoTime();
        for (TenantAgent agent : agents) {
            if (config.turns() == 0 || agent.lastTurn() < config.turns()) {
                activeTenants.incrementAndGet();
                ready.add(new Slot(agent, now));
            }
        }
        long intervalNanos = config.rate() == 0 ? 0 : (long) (1e9 / config.rate());
        for (int i = 0; i < config.threads(); i++) {
            Thread worker = new Thread(() -> work(intervalNanos), "agent-worker-" + i);
            worker.start();
        }
        long started = System.nanoTime();
        long lastPrint = started, lastExecuted = 0;
        while (!workersDone.await(1, TimeUnit.SECONDS)) {
            long t = System.nanoTime(), done = executed.get();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "PROGRESS elapsed_s=%.1f turns=%d tx_per_s=%.1f",
                    (t - started) / 1e9, total(agents), (done - lastExecuted) / ((t - lastPrint) / 1e9)));
            for (TenantAgent agent : agents) {
                line.append(' ').append(agent.tenant()).append('=').append(agent.lastTurn());
            }
            out.println(line);
            lastPrint = t;
            lastExecuted = done;
        }
        if (failure.get() != null) {
            return 1;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf(Locale.ROOT, "DONE turns=%d executed=%d elapsed_ms=%d tx_per_s=%.1f%s%n", total(agents), executed.get(),
                (long) (seconds * 1000), executed.get() / Math.max(seconds, 1e-9), stopping ? " stopped=true" : "");
        return 0;
    }

    private void work(long intervalNanos) {
        try {
            while (!stopping && activeTenants.get() > 0) {
                Slot slot = ready.poll(100, TimeUnit.MILLISECONDS);
                if (slot == null) {
                    continue;
                }
                TenantAgent agent = slot.agent;
                try {
                    agent.runTurn();
                } catch (Exception e) {
                    // Fail the whole run: a half-served tenant would make the run's outcome meaningless to a test.
                    failure.compareAndSet(null, agent.tenant() + " turn " + (agent.lastTurn() + 1) + ": " + e);
                    stopping = true;
                    return;
                }
                executed.incrementAndGet();
                if (config.turns() > 0 && agent.lastTurn() >= config.turns()) {
                    activeTenants.decrementAndGet();
                    continue;
                }
                // Pace by schedule rather than by sleep-after-turn, but never bank more than one turn of backlog.
                slot.dueNanos = intervalNanos == 0 ? System.nanoTime()
                        : Math.max(slot.dueNanos + intervalNanos, System.nanoTime() - intervalNanos);
                ready.put(slot);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            workersDone.countDown();
        }
    }

    private static long total(List<TenantAgent> agents) {
        long sum = 0;
        for (TenantAgent agent : agents) {
            sum += agent.lastTurn();
        }
        return sum;
    }
}
