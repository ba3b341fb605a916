package dev.lifeline.runtime.faults;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Wraps a real replica client and records, on one logical clock, when each key's first write was
 * attempted and when it first succeeded, and every failed write. From that it proves the order in
 * which objects became visible: a segment is never attempted before every earlier segment (and its
 * generation's snapshot) is stored, whether it went inline or through the spool.
 */
final class RecordingReplica implements ReplicaClient {

    private static final Pattern SEGMENT = Pattern.compile(
            "(?:lifeline/v1/)?generations/([0-9a-f]{16})/wal/([0-9a-f]{8})_([0-9a-f]{8})\\.(wal\\.lz4|json)");
    private static final Pattern GENERATION_START = Pattern.compile(
            "(?:lifeline/v1/)?generations/([0-9a-f]{16})/(generation\\.json|snapshots/00000000\\.(snapshot\\.lz4|json))");

    private final ReplicaClient delegate;
    private final AtomicLong clock = new AtomicLong();
    private final Map<String, Long> firstAttempt = new ConcurrentHashMap<>();
    private final Map<String, Long> firstSuccess = new ConcurrentHashMap<>();
    final AtomicLong puts = new AtomicLong();
    final AtomicLong failedPuts = new AtomicLong();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    RecordingReplica(ReplicaClient delegate) {
        this.delegate = delegate;
    }

    ReplicaClient delegate() {
        return delegate;
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return delegate.list(prefix);
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        record(key, () -> delegate.putIfAbsent(key, data));
    }

    @Override
    public void putIfAbsent(String key, Path source) throws IOException {
        record(key, () -> delegate.putIfAbsent(key, source));
    }

    private interface Put {
        void run() throws IOException;
    }

    private void record(String key, Put put) throws IOException {
        firstAttempt.putIfAbsent(key, clock.incrementAndGet());
        try {
            put.run();
        } catch (IOException | RuntimeException e) {
            failedPuts.incrementAndGet();
            if (failures.size() < 200) {
                failures.add(key + ": " + e);
            }
            throw e;
        }
        firstSuccess.putIfAbsent(key, clock.incrementAndGet());
        puts.incrementAndGet();
    }

    @Override
    public InputStream get(String key) throws IOException {
        return delegate.get(key);
    }

    @Override
    public void checkWritable() throws IOException {
        delegate.checkWritable();
    }

    @Override
    public void delete(String key) throws IOException {
        delegate.delete(key);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    /** A generation start or one segment: the objects that were written for it. */
    private record Unit(String generation, int index, long offset, List<String> keys) {
    }

    /**
     * Asserts that every object was stored, each segment's data before its metadata, and that no
     * object of a later segment was even attempted before every object of every earlier one had
     * succeeded: the replica only ever held a gap-free prefix of the chain. Returns the segments seen.
     */
    int assertStoredInChainOrder(String name) {
        Map<String, Unit> units = new TreeMap<>();
        for (String key : firstAttempt.keySet()) {
            Matcher m = SEGMENT.matcher(key);
            Matcher g = GENERATION_START.matcher(key);
            Unit u;
            if (m.matches()) {
                String id = m.group(1) + "/" + m.group(2) + "/" + m.group(3);
                u = units.computeIfAbsent(id, k -> new Unit(m.group(1), Integer.parseInt(m.group(2), 16),
                        Long.parseLong(m.group(3), 16), new ArrayList<>()));
            } else if (g.matches()) {
                u = units.computeIfAbsent(g.group(1) + "/start", k -> new Unit(g.group(1), -1, -1,
                        new ArrayList<>()));
            } else {
                continue; // not part of the chain (e.g. a lease)
            }
            u.keys().add(key);
        }
        // Generations in the order they were started, then segments by position.
        Map<String, Long> genStart = new TreeMap<>();
        for (Unit u : units.values()) {
            long first = u.keys().stream().mapToLong(firstAttempt::get).min().orElseThrow();
            genStart.merge(u.generation(), first, Math::min);
        }
        List<Unit> ordered = new ArrayList<>(units.values());
        ordered.sort(Comparator.<Unit>comparingLong(u -> genStart.get(u.generation()))
                .thenComparingInt(Unit::index).thenComparingLong(Unit::offset));
        long storedUpTo = 0;
        Unit previous = null;
        int segments = 0;
        for (Unit u : ordered) {
            long attempted = Long.MAX_VALUE;
            long stored = 0;
            for (String k : u.keys()) {
                Long ok = firstSuccess.get(k);
                assertNotNull(ok, name + ": " + k + " was attempted but never stored");
                attempted = Math.min(attempted, firstAttempt.get(k));
                stored = Math.max(stored, ok);
                if (k.endsWith(".json") && k.contains("/wal/")) {
                    String data = k.replace("lifeline/v1/", "").replace(".json", ".wal.lz4");
                    Long dataOk = firstSuccess.get(data);
                    assertNotNull(dataOk, name + ": metadata " + k + " stored without its segment " + data);
                    assertTrue(firstAttempt.get(k) > dataOk, name + ": metadata " + k
                            + " was attempted before its segment was stored");
                }
            }
            if (u.index() >= 0) {
                segments++;
                assertTrue(u.keys().size() == 2, name + ": segment " + u + " should be two objects");
            }
            if (attempted <= storedUpTo) {
                throw new AssertionError(name + ": " + u.keys() + " was attempted (t=" + attempted
                        + ") before everything earlier was stored (t=" + storedUpTo + ", last earlier: " + previous + ")");
            }
            storedUpTo = Math.max(storedUpTo, stored);
            previous = u;
        }
        return segments;
    }
}
