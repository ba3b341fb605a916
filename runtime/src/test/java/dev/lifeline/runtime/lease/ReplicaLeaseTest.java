package dev.lifeline.runtime.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.s3.S3ProxyServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplicaLeaseTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final Duration SKEW = Duration.ofSeconds(5);
    private static final ReplicaLayout ROOT = new ReplicaLayout("");

    static S3ProxyServer s3;

    @TempDir
    Path dir;

    private final List<ReplicaClient> opened = new ArrayList<>();
    private String s3Prefix;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3ProxyServer.start(null, "lifeline-lease");
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @AfterEach
    void closeClients() throws IOException {
        for (ReplicaClient c : opened) {
            c.close();
        }
    }

    /** A new client on this test's replica, as another process would open it. */
    private ReplicaClient replica(String kind) {
        ReplicaClient c;
        if (kind.equals("s3")) {
            if (s3Prefix == null) {
                s3Prefix = s3.freshPrefix("lease");
            }
            c = s3.client(s3Prefix);
        } else {
            c = new FileReplicaClient(dir.resolve("replica"));
        }
        opened.add(c);
        return c;
    }

    private ReplicaLease lease(String kind, String database, TestClock clock) {
        return new ReplicaLease(replica(kind), ROOT, database, clock, TTL, SKEW);
    }

    private List<String> leaseKeys(String kind) throws IOException {
        return replica(kind).list("lifeline/v1/lease/").stream().map(ObjectInfo::key).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "s3"})
    void aSecondAcquirerIsRefusedWithAMessageNamingTheHolder(String kind) throws Exception {
        TestClock clock = new TestClock(T0);
        ReplicaLease a = lease(kind, "/srv/agent/state.db", clock);
        LeaseRecord held = a.acquire(false);
        assertEquals(1, held.seq());
        assertEquals(List.of("lifeline/v1/lease/0000000000000001.json"), leaseKeys(kind));

        clock.advance(Duration.ofSeconds(10));
        ReplicaLease b = lease(kind, "/srv/other/state.db", clock);
        LeaseHeldException e = assertThrows(LeaseHeldException.class, () -> b.acquire(false));
        String m = e.getMessage();
        assertTrue(m.contains("host " + held.host()), m);
        assertTrue(m.contains("pid " + ProcessHandle.current().pid()), m);
        assertTrue(m.contains("database /srv/agent/state.db"), m);
        assertTrue(m.contains("since " + T0), m);
        assertTrue(m.contains("expires " + T0.plus(TTL)), m);
        assertTrue(m.contains("--takeover"), m);
        assertTrue(m.contains("Wait for the lease to expire"), m);
        assertEquals(a.holderId(), e.holder().holderId());
        a.checkHeld();
        assertFalse(b.held().isPresent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "s3"})
    void anExpiredLeaseCanBeAcquiredAndItsOldHolderLearnsItLostIt(String kind) throws Exception {
        TestClock clock = new TestClock(T0);
        ReplicaLease a = lease(kind, "a.db", clock);
        a.acquire(false);
        ReplicaLease b = lease(kind, "b.db", clock);

        // Past expiry but within the clock-skew allowance: still held.
        clock.set(T0.plus(TTL).plus(SKEW));
        assertThrows(LeaseHeldException.class, () -> b.acquire(false));
        // The holder itself stopped trusting it at expiresAt.
        LeaseLostException expired = assertThrows(LeaseLostException.class, a::checkHeld);
        assertFalse(expired.takenOver(), expired.getMessage());

        clock.set(T0.plus(TTL).plus(SKEW).plusMillis(1));
        LeaseRecord rb = b.acquire(false);
        assertEquals(2, rb.seq());
        assertEquals(clock.instant(), rb.since());
        b.checkHeld();

        LeaseLostException lost = assertThrows(LeaseLostException.class, a::checkHeld);
        assertTrue(lost.takenOver());
        assertTrue(lost.getMessage().contains("database b.db"), lost.getMessage());
        assertThrows(LeaseLostException.class, a::renew);
        assertFalse(a.renewDue(clock.instant().plus(Duration.ofHours(1))), "nothing to renew once lost");
        b.checkHeld();
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "s3"})
    void takeoverWinsAndTheOldHolderStopsAtItsNextCheck(String kind) throws Exception {
        TestClock clock = new TestClock(T0);
        ReplicaLease a = lease(kind, "a.db", clock);
        a.acquire(false);
        clock.advance(Duration.ofSeconds(1));
        ReplicaLease b = lease(kind, "b.db", clock);
        assertThrows(LeaseHeldException.class, () -> b.acquire(false));
        LeaseRecord rb = b.acquire(true);
        assertEquals(b.holderId(), rb.holderId());
        b.checkHeld();

        LeaseLostException e = assertThrows(LeaseLostException.class, a::checkHeld);
        assertTrue(e.takenOver());
        assertEquals(b.holderId(), e.newer().holderId());
        assertTrue(e.getMessage().contains("another process took over"), e.getMessage());
        // The lost holder's renew and release touch nothing.
        assertThrows(LeaseLostException.class, a::renew);
        a.release();
        b.checkHeld();
        assertEquals(b.holderId(), ReplicaLease.newest(replica(kind), ROOT).orElseThrow().holderId());
        // And it cannot simply take the lease back without --takeover.
        assertThrows(LeaseHeldException.class, () -> a.acquire(false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "s3"})
    void contendersRacingForTheLeaseExactlyOneWins(String kind) throws Exception {
        TestClock clock = new TestClock(T0);
        int contenders = 4;
        ExecutorService pool = Executors.newFixedThreadPool(contenders);
        try {
            for (int round = 0; round < 5; round++) {
                List<ReplicaLease> leases = new ArrayList<>();
                for (int i = 0; i < contenders; i++) {
                    leases.add(lease(kind, "db-" + i, clock));
                }
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (ReplicaLease l : leases) {
                    Callable<Boolean> c = () -> {
                        go.await();
                        try {
                            l.acquire(false);
                            return true;
                        } catch (LeaseHeldException e) {
                            return false;
                        }
                    };
                    results.add(pool.submit(c));
                }
                go.countDown();
                List<ReplicaLease> winners = new ArrayList<>();
                for (int i = 0; i < contenders; i++) {
                    if (results.get(i).get(60, TimeUnit.SECONDS)) {
                        winners.add(leases.get(i));
                    }
                }
                assertEquals(1, winners.size(), "round " + round + ": exactly one contender wins");
                ReplicaLease w = winners.get(0);
                w.checkHeld();
                assertEquals(w.holderId(), ReplicaLease.newest(replica(kind), ROOT).orElseThrow().holderId());
                for (ReplicaLease l : leases) {
                    if (l != w) {
                        assertFalse(l.held().isPresent());
                    }
                }
                w.release(); // the next round starts free
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "s3"})
    void releaseLetsTheNextProcessAcquireAtOnce(String kind) throws Exception {
        TestClock clock = new TestClock(T0);
        ReplicaLease a = lease(kind, "a.db", clock);
        a.acquire(false);
        a.release();
        LeaseRecord last = ReplicaLease.newest(replica(kind), ROOT).orElseThrow();
        assertTrue(last.released());
        assertEquals(last.renewedAt(), last.expiresAt());
        assertThrows(LeaseLostException.class, a::checkHeld);
        a.release(); // idempotent

        // No clock movement at all: the released lease is free immediately.
        ReplicaLease b = lease(kind, "b.db", clock);
        LeaseRecord rb = b.acquire(false);
        assertEquals(last.seq() + 1, rb.seq());
        b.checkHeld();
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "s3"})
    void renewalsExtendTheLeaseAndPruneOldLeaseObjects(String kind) throws Exception {
        TestClock clock = new TestClock(T0);
        ReplicaLease a = lease(kind, "a.db", clock);
        a.acquire(false);
        LeaseRecord r = null;
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(10));
            assertTrue(a.renewDue(clock.instant()));
            r = a.renew();
            assertFalse(a.renewDue(clock.instant()));
        }
        assertEquals(11, r.seq());
        assertEquals(T0, r.since(), "since is the first acquisition");
        assertEquals(clock.instant().plus(TTL), r.expiresAt());
        List<String> keys = leaseKeys(kind);
        assertEquals(ReplicaLease.KEEP, keys.size(), keys.toString());
        assertEquals("lifeline/v1/lease/000000000000000b.json", keys.get(keys.size() - 1));
        // Long after the original TTL, the renewed lease still holds off others.
        ReplicaLease b = lease(kind, "b.db", clock);
        assertThrows(LeaseHeldException.class, () -> b.acquire(false));
        a.checkHeld();
    }

    @Test
    void leaseObjectsAreJsonWithTheDocumentedFields() throws Exception {
        TestClock clock = new TestClock(T0);
        ReplicaLease a = lease("file", "app.db", clock);
        a.acquire(false);
        JsonNode n = Json.mapper().readTree(replica("file").getBytes("lifeline/v1/lease/0000000000000001.json"));
        assertEquals(1, n.get("format").asInt());
        assertEquals(a.holderId(), n.get("holderId").asText());
        assertEquals(16, a.holderId().length());
        assertNotNull(n.get("host").asText());
        assertEquals(ProcessHandle.current().pid(), n.get("pid").asLong());
        assertEquals("app.db", n.get("database").asText());
        assertEquals(T0.toString(), n.get("since").asText());
        assertEquals(T0.toString(), n.get("renewedAt").asText());
        assertEquals(T0.plus(TTL).toString(), n.get("expiresAt").asText());
        assertEquals(1, n.get("seq").asLong());
    }

    @Test
    void theLeaseLivesUnderTheLayoutsPrefix() throws Exception {
        ReplicaClient c = replica("file");
        ReplicaLease a = new ReplicaLease(c, new ReplicaLayout("tenant-7"), "a.db", new TestClock(T0), TTL, SKEW);
        a.acquire(false);
        assertEquals(List.of("tenant-7/lifeline/v1/lease/0000000000000001.json"),
                c.list("").stream().map(ObjectInfo::key).toList());
        // Another prefix of the same replica is another lease.
        new ReplicaLease(c, ROOT, "b.db", new TestClock(T0), TTL, SKEW).acquire(false);
    }

    @Test
    void renewDueEveryThirdOfTheTtl() throws Exception {
        TestClock clock = new TestClock(T0);
        ReplicaLease a = lease("file", "a.db", clock);
        assertFalse(a.renewDue(T0), "not held: nothing to renew");
        a.acquire(false);
        assertEquals(Duration.ofSeconds(10), a.renewInterval());
        assertFalse(a.renewDue(T0.plusSeconds(9)));
        assertTrue(a.renewDue(T0.plusSeconds(10)));
    }

    @Test
    void anExpiredLeaseThatNobodyTookRenewsAndAReacquireByTheHolderKeepsIt() throws Exception {
        TestClock clock = new TestClock(T0);
        ReplicaLease a = lease("file", "a.db", clock);
        a.acquire(false);
        assertEquals(1, a.acquire(false).seq() - 1, "re-acquiring our own lease just extends it");
        assertEquals(T0, a.held().orElseThrow().since());
        clock.advance(Duration.ofMinutes(5));
        LeaseLostException e = assertThrows(LeaseLostException.class, a::checkHeld);
        assertFalse(e.takenOver());
        a.renew();
        a.checkHeld();
    }

    @Test
    void anUnreadableLeaseObjectIsTreatedAsHeldUntilItAgesOut() throws Exception {
        ReplicaClient c = replica("file");
        c.putIfAbsent("lifeline/v1/lease/0000000000000007.json", "{not json".getBytes(StandardCharsets.UTF_8));
        Instant written = c.list("lifeline/v1/lease/").get(0).modified();
        TestClock clock = new TestClock(written);
        ReplicaLease a = lease("file", "a.db", clock);
        LeaseHeldException e = assertThrows(LeaseHeldException.class, () -> a.acquire(false));
        assertTrue(e.getMessage().contains("cannot be read"), e.getMessage());
        clock.set(written.plus(TTL).plus(SKEW).plusSeconds(1));
        assertEquals(8, a.acquire(false).seq());
        // And --takeover never waits.
        ReplicaLease b = lease("file", "b.db", clock);
        assertEquals(9, b.acquire(true).seq());
    }

    @Test
    void aLeaseOfAnUnknownFormatIsNotTakenWithoutTakeover() throws Exception {
        ReplicaClient c = replica("file");
        LeaseRecord future = new LeaseRecord(2, "feedfacefeedface", "elsewhere", 42, "x.db", T0, T0, T0, 3);
        c.putIfAbsent("lifeline/v1/lease/0000000000000003.json", Json.write(future));
        ReplicaLease a = lease("file", "a.db", new TestClock(T0.plus(Duration.ofDays(1))));
        LeaseHeldException e = assertThrows(LeaseHeldException.class, () -> a.acquire(false));
        assertTrue(e.getMessage().contains("format 2"), e.getMessage());
        assertEquals(4, a.acquire(true).seq());
    }

    @Test
    void checkHeldBeforeAcquireIsAProgrammingError() {
        ReplicaLease a = lease("file", "a.db", new TestClock(T0));
        assertThrows(IllegalStateException.class, a::checkHeld);
    }
}
