package dev.lifeline.it.files;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A plain JDK program that changes its memory files until it is killed: each turn writes the
 * JSON state to a temporary file and renames it over {@code state.json} (alternately through
 * java.nio and java.io), appends one line to {@code turns.log}, and only then prints
 * {@code turn N} on standard output. Usage: {@code FileCrashHost ROOT}; waits for the agent's file
 * journaling first, like {@link FileMutationHost}.
 */
public final class FileCrashHost {

    private FileCrashHost() {
    }

    /** The state after turn {@code n}: its length varies, so a torn file cannot pass for another turn's. */
    static String state(int n) {
        return "{\"turn\":" + n + ",\"notes\":\"" + "n".repeat(n % 97 * 13) + "\"}";
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        FileMutationHost.waitForAgent();
        Files.createDirectories(root);
        File log = root.resolve("turns.log").toFile();
        for (int n = 1; ; n++) {
            Path tmp = root.resolve("state.json.tmp");
            if (n % 2 == 0) {
                Files.writeString(tmp, state(n));
                Files.move(tmp, root.resolve("state.json"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } else {
                try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
                    out.write(state(n).getBytes(StandardCharsets.UTF_8));
                }
                if (!tmp.toFile().renameTo(root.resolve("state.json").toFile())) {
                    throw new IOException("rename failed");
                }
            }
            try (FileOutputStream out = new FileOutputStream(log, true)) {
                out.write(("turn " + n + "\n").getBytes(StandardCharsets.UTF_8));
            }
            System.out.println("turn " + n);
        }
    }
}
