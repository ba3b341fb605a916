package dev.lifeline.agent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code lifeline} command line: replicate a SQLite database, restore it, and inspect or
 * verify a replica. Exit codes: {@value #OK} ok, {@value #ERROR} error, {@value #USAGE} usage
 * error, {@value #DAMAGED} restore stopped early or verify found problems.
 */
@Command(name = "lifeline",
        mixinStandardHelpOptions = true,
        versionProvider = LifelineCli.Version.class,
        description = "Hot backup and disaster recovery for SQLite databases "
                + "(Litestream 0.3-compatible replicas).",
        subcommands = {
                ReplicateCommand.class,
                RestoreCommand.class,
                GenerationsCommand.class,
                SnapshotsCommand.class,
                SegmentsCommand.class,
                VerifyCommand.class,
                DatabasesCommand.class,
                AttachCommand.class,
                DetachCommand.class,
                StatusCommand.class,
                JournalCommand.class,
                CommandLine.HelpCommand.class
        },
        footerHeading = "%nExit codes:%n",
        footer = {
                "  0  ok",
                "  1  error (one line on stderr: 'lifeline: error: ...'; -v adds the stack trace)",
                "  2  usage error",
                "  3  restore stopped early at the last verified point, or verify found problems"
        })
public final class LifelineCli implements Callable<Integer> {

    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int USAGE = 2;
    public static final int DAMAGED = 3;

    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, description = "Log at DEBUG level and show stack traces of errors.")
    boolean verbose;

    public static void main(String[] args) {
        int code = new CommandLine(new LifelineCli()).execute(args);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(),
                "missing command: choose one of replicate, restore, generations, snapshots, segments, verify, "
                        + "databases, attach, detach, status, journal");
    }

    /** The version from the jar's manifest ({@code Implementation-Version}), "dev" outside a jar. */
    static String version() {
        String v = LifelineCli.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? "dev" : v;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"lifeline " + version(),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
