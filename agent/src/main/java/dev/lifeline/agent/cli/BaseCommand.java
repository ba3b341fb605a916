package dev.lifeline.agent.cli;

import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: {@code -v}, logging set-up, and the mapping of failures to exit
 * codes — a one-line {@code lifeline: error: ...} and exit 1, with the stack trace only under
 * {@code --verbose}. Usage errors ({@link ParameterException}) are left to picocli (exit 2).
 */
abstract class BaseCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    LifelineCli parent;

    @Option(names = {"-v", "--verbose"}, description = "Log at DEBUG level and show stack traces of errors.")
    boolean verbose;

    private final Deque<AutoCloseable> closeLater = new ArrayDeque<>();

    /** The command's work; returns the exit code. */
    protected abstract int execute() throws Exception;

    @Override
    public final Integer call() {
        CliLogging.configure(verbose(), err());
        try {
            return execute();
        } catch (ParameterException e) {
            throw e;
        } catch (CliException e) {
            error(e.getMessage());
            if (verbose() && e.getCause() != null) {
                e.getCause().printStackTrace(err());
            }
            return e.exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error("interrupted");
            return LifelineCli.ERROR;
        } catch (Exception e) {
            error(Errors.describe(e));
            if (verbose()) {
                e.printStackTrace(err());
            }
            return LifelineCli.ERROR;
        } finally {
            while (!closeLater.isEmpty()) {
                try {
                    closeLater.pop().close();
                } catch (Exception e) {
                    if (verbose()) {
                        err().println("lifeline: closing: " + Errors.describe(e));
                    }
                }
            }
            out().flush();
            err().flush();
        }
    }

    /** Closes {@code c} when the command ends (replica clients may hold connections). */
    <T extends AutoCloseable> T closeLater(T c) {
        closeLater.push(c);
        return c;
    }

    boolean verbose() {
        return verbose || parent != null && parent.verbose;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    void error(String message) {
        err().println("lifeline: error: " + message);
        err().flush();
    }

    void warn(String message) {
        err().println("lifeline: warning: " + message);
        err().flush();
    }

    void note(String message) {
        err().println("lifeline: " + message);
        err().flush();
    }

    ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
