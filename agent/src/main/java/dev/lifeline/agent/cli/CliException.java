package dev.lifeline.agent.cli;

/** A failure with a user-facing message and the exit code it maps to. */
final class CliException extends Exception {

    private final int exitCode;

    CliException(String message) {
        this(message, LifelineCli.ERROR, null);
    }

    CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
