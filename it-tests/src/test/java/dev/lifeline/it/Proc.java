package dev.lifeline.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs real processes for tests: a one-shot {@link #run} with a timeout and captured output, or a
 * long-lived {@link #start}ed child (a replicator, a sidecar) that can be stopped with SIGTERM
 * ({@link #terminate}) or killed with SIGKILL ({@link #kill}). Output goes to files, never to a
 * pipe nobody drains, so a chatty child cannot block.
 */
public final class Proc implements AutoCloseable {

    /** The outcome of a finished process. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, Duration elapsed) {

        public boolean ok() {
            return exitCode == 0;
        }

        /** Throws, with the command and its output, unless it exited 0. */
        public Result requireOk() {
            if (exitCode != 0) {
                throw new AssertionError(describe());
            }
            return this;
        }

        public String describe() {
            return "command " + String.join(" ", command) + " exited " + exitCode + " after " + elapsed.toMillis()
                    + " ms\n--- stdout ---\n" + tail(stdout) + "\n--- stderr ---\n" + tail(stderr);
        }

        private static String tail(String s) {
            return s.length() <= 6000 ? s : "…" + s.substring(s.length() - 6000);
        }
    }

    private final List<String> command;
    private final Process process;
    private final Path out;
    private final Path err;
    private final long startNanos;

    private Proc(List<String> command, Process process, Path out, Path err) {
        this.command = command;
        this.process = process;
        this.out = out;
        this.err = err;
        this.startNanos = System.nanoTime();
    }

    /** Runs a command to completion; on timeout the process is killed and an AssertionError thrown. */
    public static Result run(Duration timeout, List<String> command) {
        return run(timeout, null, Map.of(), command);
    }

    public static Result run(Duration timeout, String... command) {
        return run(timeout, null, Map.of(), List.of(command));
    }

    public static Result run(Duration timeout, Path workDir, Map<String, String> env, List<String> command) {
        try (Proc p = start(workDir, env, command)) {
            return p.await(timeout);
        }
    }

    /** Starts a command in the background, its output captured in temporary files. */
    public static Proc start(List<String> command) {
        return start(null, Map.of(), command);
    }

    public static Proc start(Path workDir, Map<String, String> env, List<String> command) {
        try {
            Path out = Files.createTempFile("proc-", ".out");
            Path err = Files.createTempFile("proc-", ".err");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            pb.environment().putAll(env);
            return new Proc(List.copyOf(command), pb.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    public String stdout() {
        return read(out);
    }

    /** The raw bytes the process wrote to standard output so far. */
    public byte[] stdoutBytes() {
        try {
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command that writes binary data to standard output; returns those bytes (exit 0 required). */
    public static byte[] runForBytes(Duration timeout, List<String> command) {
        try (Proc p = start(command)) {
            p.await(timeout).requireOk();
            return p.stdoutBytes();
        }
    }

    public String stderr() {
        return read(err);
    }

    /** Waits for the process to end by itself. */
    public Result await(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("command " + String.join(" ", command) + " did not finish within "
                        + timeout + "; killed it.\n--- stdout ---\n" + stdout() + "\n--- stderr ---\n" + stderr());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted waiting for " + command, e);
        }
        return result();
    }

    /** Sends SIGTERM and waits for the process to exit; kills it (and fails) if it does not in time. */
    public Result terminate(Duration timeout) {
        process.destroy();
        return await(timeout);
    }

    /** Sends SIGKILL and waits for the process to be gone. */
    public Result kill() {
        process.destroyForcibly();
        return await(Duration.ofSeconds(30));
    }

    private Result result() {
        return new Result(command, process.exitValue(), stdout(), stderr(),
                Duration.ofNanos(System.nanoTime() - startNanos));
    }

    /** Stops the process if it still runs (SIGTERM, then SIGKILL) and removes the output files. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        } catch (IOException ignored) {
            // temporary files
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unavailable: " + e.getMessage() + ")";
        }
    }

    /** CPU time (user + system) a live process has used so far, from /proc/PID/stat; -1 if it is gone. */
    public static Duration cpuTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the command name, which is in parentheses and may contain spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            long utime = Long.parseLong(f[11]);
            long stime = Long.parseLong(f[12]);
            return Duration.ofMillis((utime + stime) * 1000 / clockTicks());
        } catch (IOException | RuntimeException e) {
            return Duration.ofMillis(-1);
        }
    }

    private static long ticks;

    private static synchronized long clockTicks() {
        if (ticks == 0) {
            try {
                Result r = run(Duration.ofSeconds(10), "getconf", "CLK_TCK");
                ticks = Long.parseLong(r.stdout().trim());
            } catch (RuntimeException | AssertionError e) {
                ticks = 100;
            }
        }
        return ticks;
    }

    /** The classpath of the running test code, for launching a child JVM with the same classes. */
    public static String testClasspath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp != null && !cp.isBlank()) {
            return cp;
        }
        ClassLoader cl = Proc.class.getClassLoader();
        List<String> parts = new ArrayList<>();
        while (cl != null) {
            if (cl instanceof java.net.URLClassLoader u) {
                for (java.net.URL url : u.getURLs()) {
                    try {
                        parts.add(Path.of(url.toURI()).toString());
                    } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                        // not a file URL: skip
                    }
                }
            }
            cl = cl.getParent();
        }
        if (!parts.isEmpty()) {
            return String.join(java.io.File.pathSeparator, parts);
        }
        return System.getProperty("java.class.path");
    }
}
