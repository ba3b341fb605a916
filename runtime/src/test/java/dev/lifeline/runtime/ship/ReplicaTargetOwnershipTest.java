package dev.lifeline.runtime.ship;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which writes a replica target makes without looking first: only those inside a generation it
 * started itself, from an entry this process made (inline, or spooled in this run), over a real
 * directory replica and a real spool.
 */
class ReplicaTargetOwnershipTest {

    private static final String GEN = "0123456789abcdef";
    private static final String OTHER = "fedcba9876543210";

    @TempDir
    Path dir;

    /** A real directory replica that remembers how each key was last written. */
    private static final class HowWritten {
        final ReplicaClient store;
        final Map<String, String> how = new ConcurrentHashMap<>();
        final ReplicaClient client;

        HowWritten(Path root) {
            store = new FileReplicaClient(root);
            client = (ReplicaClient) Proxy.newProxyInstance(ReplicaClient.class.getClassLoader(),
                    new Class<?>[] {ReplicaClient.class}, (proxy, method, args) -> {
                        Object r;
                        try {
                            r = method.invoke(store, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (method.getName().equals("putIfAbsent")) {
                            how.put((String) args[0], "checked");
                        } else if (method.getName().equals("putExclusive")) {
                            how.put((String) args[0], "exclusive");
                        }
                        return r;
                    });
        }

        byte[] getBytes(String key) throws IOException {
            return store.getBytes(key);
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<PendingObject> generationStart(ReplicaLayout l, String gen) {
        return List.of(PendingObject.ofBytes(l.generationMetaKey(gen), b("{\"generation\":\"" + gen + "\"}")),
                PendingObject.ofBytes(l.snapshotKey(gen, 0), b("snapshot")),
                PendingObject.ofBytes(l.snapshotMetaKey(gen, 0), b("{}")));
    }

    private static List<PendingObject> segment(ReplicaLayout l, String gen, long offset) {
        return List.of(PendingObject.ofBytes(l.segmentKey(gen, 0, offset), b("frames at " + offset)),
                PendingObject.ofBytes(l.segmentMetaKey(gen, 0, offset), b("{\"offset\":" + offset + "}")));
    }

    private static final ReplicaTarget.Listener NOBODY = (t, txid) -> { };

    @Test
    void onlyAGenerationStartedHereIsWrittenWithoutLooking() throws Exception {
        for (String prefix : List.of("", "tenant-7.db/")) {
            ReplicaLayout l = new ReplicaLayout(prefix);
            HowWritten replica = new HowWritten(Files.createDirectories(dir.resolve("replica-" + prefix.length())));
            SegmentSpool spool = new SegmentSpool(Files.createDirectories(dir.resolve("spool-" + prefix.length())),
                    1 << 20);
            ReplicaTarget t = new ReplicaTarget("replica-1", replica.client, spool, NOBODY);

            // A generation some earlier run started (resumed here): every write looks first.
            t.storeInline(segment(l, OTHER, 32), 1);
            assertEquals("checked", replica.how.get(l.segmentKey(OTHER, 0, 32)));
            assertEquals("checked", replica.how.get(l.segmentMetaKey(OTHER, 0, 32)));

            t.storeInline(generationStart(l, GEN), 0);
            assertEquals("checked", replica.how.get(l.generationMetaKey(GEN)), "the generation's first object looks");
            t.storeInline(segment(l, GEN, 32), 1);
            assertEquals("exclusive", replica.how.get(l.segmentKey(GEN, 0, 32)));
            assertEquals("exclusive", replica.how.get(l.segmentMetaKey(GEN, 0, 32)));
            assertArrayEquals(b("frames at 32"), replica.getBytes(l.segmentKey(GEN, 0, 32)));

            // The other generation is still not ours.
            t.storeInline(segment(l, OTHER, 100), 2);
            assertEquals("checked", replica.how.get(l.segmentKey(OTHER, 0, 100)));
        }
    }

    @Test
    void aGenerationWhoseFirstObjectExistedIsNotOurs() throws Exception {
        ReplicaLayout l = new ReplicaLayout("");
        HowWritten replica = new HowWritten(dir.resolve("replica"));
        replica.store.putIfAbsent(l.generationMetaKey(GEN), b("someone else's"));
        ReplicaTarget t = new ReplicaTarget("replica-1", replica.client,
                new SegmentSpool(Files.createDirectories(dir.resolve("spool")), 1 << 20), NOBODY);
        assertThrows(ReplicaClient.ObjectExistsException.class, () -> t.storeInline(generationStart(l, GEN), 0));
        t.storeInline(segment(l, GEN, 32), 1);
        assertEquals("checked", replica.how.get(l.segmentKey(GEN, 0, 32)));
    }

    @Test
    void spooledEntriesOfAnEarlierRunKeepLookingThoseOfThisRunDoNot() throws Exception {
        ReplicaLayout l = new ReplicaLayout("");
        Path spoolDir = Files.createDirectories(dir.resolve("spool"));
        SegmentSpool earlier = new SegmentSpool(spoolDir, 1 << 20);
        earlier.admit("replica-1");
        earlier.append(OTHER, 0, null, generationStart(l, OTHER));
        earlier.append(OTHER, 1, l.segmentMetaKey(OTHER, 0, 32), segment(l, OTHER, 32));

        SegmentSpool spool = new SegmentSpool(spoolDir, 1 << 20); // this run
        HowWritten replica = new HowWritten(dir.resolve("replica"));
        ReplicaTarget t = new ReplicaTarget("replica-1", replica.client, spool, NOBODY);
        spool.append(GEN, 0, null, generationStart(l, GEN));
        spool.append(GEN, 1, l.segmentMetaKey(GEN, 0, 32), segment(l, GEN, 32));
        spool.append(OTHER, 2, l.segmentMetaKey(OTHER, 0, 64), segment(l, OTHER, 64));
        t.drainNow();

        assertEquals("checked", replica.how.get(l.segmentKey(OTHER, 0, 32)), "spooled by an earlier run");
        assertEquals("checked", replica.how.get(l.segmentKey(OTHER, 0, 64)),
                "an earlier run's generation stays checked");
        assertEquals("exclusive", replica.how.get(l.segmentKey(GEN, 0, 32)), "started and spooled in this run");
        assertEquals("exclusive", replica.how.get(l.segmentMetaKey(GEN, 0, 32)));
        assertEquals(0, spool.after(spool.cursor("replica-1"), 10).size(), "everything drained");
    }
}
