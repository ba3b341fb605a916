package dev.lifeline.sample;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Entry point of the sample agent host: {@code run} drives the deterministic multi-tenant workload,
 * {@code verify} checks a data directory's invariants. Exit codes: 0 ok, 1 failure/violations, 2 usage.
 */
public final class SampleAgentApp {

    static final String USAGE = """
            Usage:
              java -jar sample-agent-app.jar run --data DIR [--tenants N] [--turns N] [--rate TURNS_PER_SEC]
                                                 [--threads N] [--seed S] [--durable-ack FILE]
              java -jar sample-agent-app.jar verify --data DIR [--db-only] [--json]
              java -jar sample-agent-app.jar --help

            run     simulate AI-agent tenants, each with DIR/tenants/<tenant>/agent.db (SQLite, WAL) and memory files
              --data DIR           data directory (created if missing; an existing one is resumed)
              --tenants N          number of tenants, 1..999 (default 3)
              --turns N            target total turns per tenant, counting turns already done; 0 = until killed (default 200)
              --rate R             turns per second per tenant, 0 = unthrottled (default 50)
              --threads N          worker threads, 1..256 (default 2)
              --seed S             content seed; a resumed tenant must use its original seed (default 42)
              --durable-ack FILE   after each fully applied turn append "<tenant> <turn_no>" to FILE and fsync it
            verify  check the invariants of a (stopped or restored) data directory; exit 0 = VERIFY OK, 1 = violations
              --data DIR           data directory to check
              --db-only            check only the databases (memory files and outbox.log are ignored)
              --json               print the report as one JSON object
            """;

    private SampleAgentApp() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err, true));
    }

    /** Testable entry point; {@code installSignalHook} is off in tests so hooks do not pile up in the JVM. */
    static int run(String[] args, PrintStream out, PrintStream err, boolean installSignalHook) throws Exception {
        if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) {
            (args.length == 0 ? err : out).print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            if (rest.contains("--help")) {
                out.print(USAGE);
                return 0;
            }
            switch (args[0]) {
                case "run":
                    return runCommand(CliArgs.parse("run", rest,
                            Set.of("--data", "--tenants", "--turns", "--rate", "--threads", "--seed", "--durable-ack"), Set.of()),
                            out, err, installSignalHook);
                case "verify":
                    CliArgs a = CliArgs.parse("verify", rest, Set.of("--data"), Set.of("--db-only", "--json"));
                    VerifyReport report = Verifier.verify(a.requiredPath("--data"), a.flag("--db-only"));
                    out.print(a.flag("--json") ? report.toJson() : report.toText());
                    return report.ok() ? 0 : 1;
                default:
                    throw new CliArgs.UsageException("unknown command '" + args[0] + "' (allowed: run, verify, --help)");
            }
        } catch (CliArgs.UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
    }

    private static int runCommand(CliArgs a, PrintStream out, PrintStream err, boolean installSignalHook) throws Exception {
        AgentHost.Config config = new AgentHost.Config(
                a.requiredPath("--data"),
                (int) a.longOption("--tenants", 3, 1, 999),
                a.longOption("--turns", 200, 0, Integer.MAX_VALUE), // turn numbers are stored as int in vectors.idx
                a.doubleOption("--rate", 50, 0, 1_000_000),
                (int) a.longOption("--threads", 2, 1, 256),
                a.longOption("--seed", 42, Long.MIN_VALUE, Long.MAX_VALUE),
                a.optionalPath("--durable-ack"));
        AgentHost host = new AgentHost(config, out, err);
        if (installSignalHook) {
            // SIGTERM/Ctrl-C: let in-flight turns finish so a plain stop never needs recovery (kill -9 still might).
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                host.requestStop();
                try {
                    host.awaitFinished(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "agent-shutdown"));
        }
        return host.run();
    }
}
