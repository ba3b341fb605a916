package dev.lifeline.it.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.GarbageCollectionNotificationInfo;
import dev.lifeline.runtime.replica.ReplicaUrl;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Run in a child JVM with a small heap ({@code -Xmx128m}): the replicator's first pass over a
 * large database, which snapshots it and uploads the snapshot ({@code replicate --once}), while the
 * heap is watched three ways: the heap in use sampled every 2 ms (live data and not yet collected
 * garbage), the heap in use just before each GC, and the live heap just after each GC (what the
 * upload actually retains). Prints one JSON line.
 *
 * <p>Usage: {@code SnapshotUploadProbe DB REPLICA_URL} (S3 credentials from the environment).
 */
public final class SnapshotUploadProbe {

    private SnapshotUploadProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        String url = args[1];
        AtomicLong beforeGcMax = new AtomicLong();
        AtomicLong afterGcMax = new AtomicLong();
        AtomicLong gcs = new AtomicLong();
        System.gc();
        long baseline = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((n, h) -> {
                if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                    return;
                }
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
                gcs.incrementAndGet();
                beforeGcMax.accumulateAndGet(sum(info.getMemoryUsageBeforeGc()), Math::max);
                afterGcMax.accumulateAndGet(sum(info.getMemoryUsageAfterGc()), Math::max);
            }, null, null);
        }
        AtomicLong sampledMax = new AtomicLong(baseline);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                sampledMax.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();

        long t0 = System.nanoTime();
        Replicator r = new Replicator(ReplicatorConfig.defaults(db, ReplicaUrl.open(url)));
        r.syncOnce(); // no generation yet: snapshot the database, upload it, ship the WAL
        boolean stopped = r.stop(Duration.ofSeconds(60));
        double seconds = (System.nanoTime() - t0) / 1e9;
        sampler.interrupt();
        sampler.join();

        long poolPeaks = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                poolPeaks += p.getPeakUsage().getUsed();
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        m.put("baselineHeapUsedBytes", baseline);
        m.put("peakHeapUsedSampledBytes", sampledMax.get());
        m.put("peakHeapUsedBeforeGcBytes", beforeGcMax.get());
        m.put("peakLiveHeapAfterGcBytes", afterGcMax.get());
        m.put("sumOfHeapPoolPeaksBytes", poolPeaks);
        m.put("liveHeapGrowthBytes", Math.max(0, afterGcMax.get() - baseline));
        m.put("gcCount", gcs.get());
        m.put("seconds", Stats.round(seconds));
        m.put("stopped", stopped);
        m.put("generation", r.status().generation());
        m.put("lastError", r.status().lastError());
        System.out.println(new ObjectMapper().writeValueAsString(m));
        System.exit(r.status().lastError() == null && stopped ? 0 : 1);
    }

    private static long sum(Map<String, MemoryUsage> pools) {
        long s = 0;
        for (Map.Entry<String, MemoryUsage> e : pools.entrySet()) {
            if (!e.getKey().contains("Metaspace") && !e.getKey().contains("CodeHeap")
                    && !e.getKey().contains("Compressed Class")) {
                s += e.getValue().getUsed();
            }
        }
        return s;
    }
}
