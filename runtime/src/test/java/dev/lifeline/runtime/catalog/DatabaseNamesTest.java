package dev.lifeline.runtime.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names and markers of databases sharing one replica, on a real directory replica. */
class DatabaseNamesTest {

    @TempDir
    Path dir;

    private FileReplicaClient replica() {
        return new FileReplicaClient(dir.resolve("replica"));
    }

    /** An (empty) database file at {@code relative}; naming only needs its path. */
    private Path dbFile(String relative) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[0]);
        return p;
    }

    /** The first 8 hex digits of the SHA-256 of the database's path, as the hash forms use them. */
    private static String hash8(Path db) {
        byte[] utf8 = DatabaseNames.sourcePath(db).getBytes(StandardCharsets.UTF_8);
        return dev.lifeline.runtime.format.Chain.sha256Hex(utf8, 0, utf8.length).substring(0, 8);
    }

    @Test
    void theFileNameIsTheNameAndTheMarkerSaysWhichDatabase() throws Exception {
        FileReplicaClient client = replica();
        Path db = dbFile("a/tenant-3.db");
        Instant before = Instant.now().minusSeconds(1);
        assertEquals("tenant-3.db", DatabaseNames.assign(client, "", db));
        DatabaseMarker m = DatabaseCatalog.read(client, "", "tenant-3.db").orElseThrow();
        assertEquals(1, m.format());
        assertEquals("tenant-3.db", m.name());
        assertEquals(db.toRealPath().toString(), m.path());
        assertTrue(m.host() != null && !m.host().isBlank());
        assertTrue(!m.created().isBefore(before));
        assertTrue(Files.isRegularFile(dir.resolve("replica/tenant-3.db/lifeline/v1/database.json")));

        assertEquals("tenant-3.db", DatabaseNames.assign(client, "", db), "stable on the next start");
        assertEquals(m, DatabaseCatalog.read(client, "", "tenant-3.db").orElseThrow(), "marker unchanged");
    }

    @Test
    void anUnsafeFileNameIsMadeSafeForKeys() throws Exception {
        assertEquals("my_db__1_.sqlite", DatabaseNames.safe("my db (1).sqlite"));
        assertEquals("t_nant.db", DatabaseNames.safe("t\u00eanant.db"));
        assertEquals("_..", DatabaseNames.safe(".."));
        FileReplicaClient client = replica();
        assertEquals("my_db__1_.sqlite", DatabaseNames.assign(client, "shared", dbFile("x/my db (1).sqlite")));
        assertTrue(Files.isRegularFile(dir.resolve("replica/shared/my_db__1_.sqlite/lifeline/v1/database.json")));
    }

    @Test
    void aSecondDatabaseWithTheSameFileNameGetsItsDirectoryNameInFront() throws Exception {
        FileReplicaClient client = replica();
        Path a = dbFile("a/app.db");
        Path b = dbFile("b/app.db");
        String nameA = DatabaseNames.assign(client, "", a);
        String nameB = DatabaseNames.assign(client, "", b);
        assertEquals("app.db", nameA);
        assertEquals("b-app.db", nameB);
        // Restarts in the other order keep both names.
        assertEquals(nameB, DatabaseNames.assign(client, "", b));
        assertEquals(nameA, DatabaseNames.assign(client, "", a));
        // Even if the plain name became free, b keeps the name its backups are under.
        client.delete(DatabaseCatalog.markerKey("", "app.db"));
        assertEquals(nameB, DatabaseNames.assign(client, "", b));

        List<DatabaseMarker> listed = DatabaseCatalog.list(client, "");
        assertEquals(List.of(nameB), listed.stream().map(DatabaseMarker::name).toList());
        assertEquals(b.toRealPath().toString(), listed.get(0).path());
    }

    @Test
    void oneAgentDbPerTenantDirectoryIsNamedAfterItsTenant() throws Exception {
        FileReplicaClient client = replica();
        List<String> names = new ArrayList<>();
        for (String tenant : List.of("tenant-001", "tenant-002", "tenant-003", "my tenant (4)")) {
            names.add(DatabaseNames.assign(client, "", dbFile("tenants/" + tenant + "/agent.db")));
        }
        assertEquals(List.of("agent.db", "tenant-002-agent.db", "tenant-003-agent.db", "my_tenant__4_-agent.db"),
                names);
        assertEquals("tenant-002-agent.db", DatabaseNames.assign(client, "", dir.resolve("tenants/tenant-002/agent.db")),
                "stable on the next start");
    }

    @Test
    void whenTheDirectoryNameIsTakenTooTheHashOfThePathDecides() throws Exception {
        FileReplicaClient client = replica();
        Path first = dbFile("x/data/app.db");
        Path second = dbFile("y/data/app.db");
        Path third = dbFile("z/data/app.db");
        assertEquals("app.db", DatabaseNames.assign(client, "", first));
        assertEquals("data-app.db", DatabaseNames.assign(client, "", second));
        assertEquals("app.db-" + hash8(third), DatabaseNames.assign(client, "", third));
        assertEquals("app.db-" + hash8(third), DatabaseNames.assign(client, "", third), "stable on the next start");
    }

    @Test
    void aDatabaseNamedWithAHashBeforeDirectoryNamesExistedKeepsThatName() throws Exception {
        FileReplicaClient client = replica();
        Path a = dbFile("a/app.db");
        Path b = dbFile("b/app.db");
        assertEquals("app.db", DatabaseNames.assign(client, "", a));
        // b was named by an earlier version, which went from the file name straight to the hash.
        String old = "app.db-" + hash8(b);
        client.putIfAbsent(DatabaseCatalog.markerKey("", old), Json.write(new DatabaseMarker(1, old,
                DatabaseNames.sourcePath(b), "h", Instant.now())));
        assertEquals(old, DatabaseNames.assign(client, "", b), "its backups are under the old name");
        assertEquals(List.of("app.db", old), DatabaseCatalog.list(client, "").stream().map(DatabaseMarker::name)
                .toList(), "no marker under the directory form");
    }

    @Test
    void aDatabaseAtTheRootHasNoDirectoryForm() {
        List<String> atRoot = DatabaseNames.candidates(Path.of("/app.db"), "/app.db");
        assertEquals(3, atRoot.size(), atRoot::toString);
        assertEquals("app.db", atRoot.get(0));
        assertTrue(atRoot.get(1).matches("app\\.db-[0-9a-f]{8}") && atRoot.get(2).matches("app\\.db-[0-9a-f]{16}"),
                atRoot::toString);
        assertEquals("x_y-app.db", DatabaseNames.candidates(Path.of("/srv/x y/app.db"), "/srv/x y/app.db").get(1));
    }

    /**
     * A real directory replica in which another writer stores a marker (for {@code competitorPath})
     * just before our first marker write, like a concurrent process; {@code raced} says it did.
     */
    private ReplicaClient racing(String competitorPath, AtomicBoolean raced) {
        FileReplicaClient inner = replica();
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("putIfAbsent") && args[1] instanceof byte[] data
                    && ((String) args[0]).endsWith(DatabaseCatalog.MARKER_SUFFIX) && raced.compareAndSet(false, true)) {
                DatabaseMarker mine = Json.read(data, DatabaseMarker.class);
                inner.putIfAbsent((String) args[0], Json.write(new DatabaseMarker(1, mine.name(), competitorPath,
                        "other-host", mine.created().minusSeconds(1))));
            }
            try {
                return method.invoke(inner, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (ReplicaClient) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ReplicaClient.class},
                h);
    }

    @Test
    void losingTheRaceForANameToAnotherDatabaseTakesTheNextName() throws Exception {
        Path db = dbFile("a/app.db");
        AtomicBoolean raced = new AtomicBoolean();
        ReplicaClient racing = racing("/elsewhere/app.db", raced);
        String name = DatabaseNames.assign(racing, "", db);
        assertTrue(raced.get());
        assertEquals("a-app.db", name);
        assertEquals("/elsewhere/app.db", DatabaseCatalog.read(racing, "", "app.db").orElseThrow().path());
        assertEquals(name, DatabaseNames.assign(replica(), "", db), "stable afterwards");
    }

    @Test
    void losingTheRaceToAnotherProcessOfTheSameDatabaseKeepsTheName() throws Exception {
        Path db = dbFile("a/app.db");
        AtomicBoolean raced = new AtomicBoolean();
        ReplicaClient racing = racing(DatabaseNames.sourcePath(db), raced);
        assertEquals("app.db", DatabaseNames.assign(racing, "", db));
        assertTrue(raced.get());
        assertEquals("other-host", DatabaseCatalog.read(racing, "", "app.db").orElseThrow().host(),
                "the first marker stays");
    }

    @Test
    void concurrentAssignmentsAgreePerDatabaseAndNeverShareANameAcrossDatabases() throws Exception {
        Path a = dbFile("a/app.db");
        Path b = dbFile("b/app.db");
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<String>> fa = new ArrayList<>();
        List<Future<String>> fb = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                Path db = i % 2 == 0 ? a : b;
                Callable<String> task = () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return DatabaseNames.assign(replica(), "", db);
                };
                (i % 2 == 0 ? fa : fb).add(pool.submit(task));
            }
            Set<String> namesA = new HashSet<>();
            Set<String> namesB = new HashSet<>();
            for (Future<String> f : fa) {
                namesA.add(f.get(30, TimeUnit.SECONDS));
            }
            for (Future<String> f : fb) {
                namesB.add(f.get(30, TimeUnit.SECONDS));
            }
            assertEquals(1, namesA.size(), namesA::toString);
            assertEquals(1, namesB.size(), namesB::toString);
            assertNotEquals(namesA, namesB);
            assertEquals(2, DatabaseCatalog.list(replica(), "").size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theCatalogListsOnlyMarkersOneLevelBelowTheBase() throws Exception {
        FileReplicaClient client = replica();
        assertEquals("one.db", DatabaseNames.assign(client, "shared/", dbFile("1/one.db")));
        assertEquals("two.db", DatabaseNames.assign(client, "/shared", dbFile("2/two.db")));
        assertEquals("elsewhere.db", DatabaseNames.assign(client, "other/", dbFile("3/elsewhere.db")));
        // Not databases of "shared/": its own marker, and one nested a level deeper.
        byte[] stray = Json.write(new DatabaseMarker(1, "x", "/x", "h", Instant.now()));
        client.putIfAbsent("shared/lifeline/v1/database.json", stray);
        client.putIfAbsent("shared/deeper/x/lifeline/v1/database.json", stray);
        // Unreadable markers are skipped, not fatal: damaged, and a format from the future.
        client.putIfAbsent("shared/broken.db/lifeline/v1/database.json", "{not json".getBytes(StandardCharsets.UTF_8));
        client.putIfAbsent("shared/future.db/lifeline/v1/database.json",
                Json.write(new DatabaseMarker(2, "future.db", "/f", "h", Instant.now())));

        List<DatabaseMarker> listed = DatabaseCatalog.list(client, "shared");
        assertEquals(List.of("one.db", "two.db"), listed.stream().map(DatabaseMarker::name).toList());
        assertEquals(List.of("elsewhere.db"), DatabaseCatalog.list(client, "other/").stream()
                .map(DatabaseMarker::name).toList());
        assertEquals(List.of(), DatabaseCatalog.list(client, "nothing-here/"));
        // A future-format marker also keeps its name from being taken.
        assertEquals("4-future.db", DatabaseNames.assign(client, "shared/", dbFile("4/future.db")));
    }

    @Test
    void summariesGiveEachDatabasesNewestGenerationAndTxid() throws Exception {
        FileReplicaClient client = replica();
        Path db = dir.resolve("data/app.db");
        Files.createDirectories(db.getParent());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            for (int i = 0; i < 5; i++) {
                s.execute("INSERT INTO t DEFAULT VALUES");
            }
            String name = DatabaseNames.assign(client, "base/", db);
            String empty = DatabaseNames.assign(client, "base/", dbFile("empty/none.db"));
            Replicator r = new Replicator(ReplicatorConfig.defaults(db, client).withPrefix("base/" + name + "/"));
            r.open();
            r.syncOnce();
            String gen = r.status().generation();
            long txid = r.status().txid();
            r.stop(Duration.ofSeconds(10));

            List<DatabaseCatalog.Summary> sums = DatabaseCatalog.summaries(client, "base/");
            assertEquals(List.of(name, empty), sums.stream().map(x -> x.marker().name()).toList());
            DatabaseCatalog.Summary s0 = sums.get(0);
            assertEquals(gen, s0.generation());
            assertEquals(txid, s0.lastTxid());
            assertTrue(txid >= 6, "the table and five rows: " + txid);
            assertNull(sums.get(1).generation());
            assertNull(sums.get(1).lastTxid());
        }
    }
}
