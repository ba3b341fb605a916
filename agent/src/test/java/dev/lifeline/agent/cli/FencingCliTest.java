package dev.lifeline.agent.cli;

import static dev.lifeline.agent.cli.CliTestSupport.cli;
import static dev.lifeline.agent.cli.CliTestSupport.insert;
import static dev.lifeline.agent.cli.CliTestSupport.walDb;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.agent.cli.CliTestSupport.Run;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two replicators pointed at one replica: the second refuses, naming the first, unless told to take over. */
class FencingCliTest {

    @TempDir
    Path dir;

    @Test
    void aSecondReplicatorRefusesAndNamesTheHolder() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        try (Connection c = walDb(db)) {
            insert(c, 1, 3);
            Replicator first = new Replicator(ReplicatorConfig.defaults(db, new FileReplicaClient(replica)));
            first.open();
            first.syncOnce();
            try {
                Run refused = cli(1, "replicate", "--db", db, "--replica", replica, "--once");
                assertTrue(refused.err().contains("in use by another Lifeline process")
                        && refused.err().contains("pid " + ProcessHandle.current().pid())
                        && refused.err().contains("--takeover"), refused::toString);
                Run taken = cli(0, "replicate", "--db", db, "--replica", replica, "--once", "--takeover");
                assertTrue(taken.err().contains("synced"), taken::toString);
            } finally {
                first.stop(Duration.ofSeconds(5));
            }
            // Once the holder has stopped (and released), a new replicator starts without --takeover.
            Run again = cli(0, "replicate", "--db", db, "--replica", replica, "--once");
            assertTrue(again.err().contains("synced"), again::toString);
        }
    }
}
