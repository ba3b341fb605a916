package dev.lifeline.it;

import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.ReplicaUrl;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.RestoreResult;
import dev.lifeline.runtime.restore.RestoreTarget;
import dev.lifeline.runtime.restore.Restorer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A stand-in for the Lifeline CLI's {@code replicate} and {@code restore} commands, built only on
 * the runtime API, so process-level tests and the benchmark can run the engine as a child JVM
 * before the real CLI jar exists (and so results can be compared with it once it does). Same
 * flags as the CLI contract: {@code replicate --db P --replica URL [--poll-interval 10ms]
 * [--min-checkpoint-frames N] [--max-checkpoint-frames N] [--idle-checkpoint D] [--takeover] [--once]} (runs
 * until SIGTERM, ships what is committed, exits 0) and {@code restore --replica URL -o P
 * [--txid N | --timestamp T] [--generation G] [--force] [--integrity-check full|quick|none]}.
 */
public final class LifelineLauncher {

    private LifelineLauncher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: LifelineLauncher replicate|restore ...");
            System.exit(2);
        }
        Map<String, String> o = parse(args);
        try {
            switch (args[0]) {
                case "replicate" -> replicate(o);
                case "restore" -> restore(o);
                default -> {
                    System.err.println("unknown command " + args[0]);
                    System.exit(2);
                }
            }
        } catch (Exception e) {
            System.err.println("lifeline-launcher: " + args[0] + " failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void replicate(Map<String, String> o) throws Exception {
        ReplicaClient client = ReplicaUrl.open(require(o, "--replica"));
        ReplicatorConfig cfg = ReplicatorConfig.defaults(Path.of(require(o, "--db")), client);
        if (o.containsKey("--poll-interval")) {
            cfg = cfg.withPollInterval(duration(o.get("--poll-interval")));
        }
        if (o.containsKey("--min-checkpoint-frames") || o.containsKey("--max-checkpoint-frames")) {
            cfg = cfg.withCheckpointFrames(
                    Long.parseLong(o.getOrDefault("--min-checkpoint-frames", "" + cfg.minCheckpointFrames())),
                    Long.parseLong(o.getOrDefault("--max-checkpoint-frames", "" + cfg.maxCheckpointFrames())));
        }
        if (o.containsKey("--idle-checkpoint")) {
            cfg = cfg.withIdleCheckpoint(duration(o.get("--idle-checkpoint")));
        }
        if (o.containsKey("--takeover")) {
            cfg = cfg.withLease(cfg.leaseTtl(), true);
        }
        Replicator r = new Replicator(cfg);
        if (o.containsKey("--once")) {
            r.syncOnce();
            r.stop(Duration.ofSeconds(30));
            System.out.println("synced " + r.status());
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        r.start(); // throws (exit 1) if the replicator cannot start; only a started one exits 0 on SIGTERM
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                boolean ok = r.stop(Duration.ofSeconds(60));
                System.out.println("stopped " + r.status());
                System.out.flush();
                done.countDown();
                Runtime.getRuntime().halt(ok ? 0 : 1);
            } catch (InterruptedException e) {
                Runtime.getRuntime().halt(1);
            }
        }, "lifeline-launcher-shutdown"));
        System.out.println("replicating " + cfg.database() + " to " + client.describe());
        System.out.flush();
        done.await();
    }

    private static void restore(Map<String, String> o) throws Exception {
        ReplicaClient client = ReplicaUrl.open(require(o, "--replica"));
        RestoreTarget target = new RestoreTarget.Latest();
        if (o.containsKey("--txid")) {
            target = new RestoreTarget.Txid(Long.parseLong(o.get("--txid")));
        } else if (o.containsKey("--timestamp")) {
            target = new RestoreTarget.Timestamp(Instant.parse(o.get("--timestamp")));
        }
        RestoreOptions opt = new RestoreOptions(Path.of(require(o, "-o")), o.get("--generation"), target,
                o.containsKey("--force"), o.getOrDefault("--integrity-check", "full"));
        RestoreResult res = new Restorer(client, new ReplicaLayout("")).restore(opt);
        System.out.println("restored " + res);
        System.exit(res.stoppedEarly() ? 4 : 0);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--once") || a.equals("--force") || a.equals("--takeover")) {
                m.put(a, "true");
            } else if (a.startsWith("-") && i + 1 < args.length) {
                m.put(a, args[++i]);
            } else {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
        }
        return m;
    }

    private static String require(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }

    /** "10ms", "1s", "2m", "1h", or an ISO-8601 duration. */
    public static Duration duration(String s) {
        s = s.trim();
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        if (s.endsWith("s")) {
            return Duration.ofMillis((long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
        }
        if (s.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        if (s.endsWith("h")) {
            return Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        return Duration.parse(s);
    }
}
