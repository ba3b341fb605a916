package dev.lifeline.runtime.replica.s3;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Path;

/**
 * Run in a child JVM with a small -Xmx by {@link S3MultipartMemoryTest}: uploads one file through
 * the default configuration and the default credential chain, then prints the heap's peak.
 * Args: endpoint bucket prefix key file.
 */
public final class UploadInBoundedHeap {

    private UploadInBoundedHeap() {
    }

    public static void main(String[] args) throws Exception {
        S3ReplicaConfig cfg = S3ReplicaConfig.of(args[1], args[2], URI.create(args[0]));
        long t0 = System.nanoTime();
        try (S3ReplicaClient c = new S3ReplicaClient(cfg)) {
            c.putIfAbsent(args[3], Path.of(args[4]));
        }
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        System.out.println("uploaded in " + (System.nanoTime() - t0) / 1_000_000 + " ms; max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB; sum of heap pool peaks "
                + peak / (1 << 20) + " MiB");
    }
}
