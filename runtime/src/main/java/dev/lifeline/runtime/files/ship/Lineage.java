package dev.lifeline.runtime.files.ship;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The lineage of a local journal: 64 random bits (16 lowercase hex) naming its history in the
 * replicas, kept in {@code <journal-dir>.lineage} beside the queue. Chronicle's indexes restart
 * when the journal directory is lost, so a new journal gets a new lineage and never continues
 * (or collides with) the shipped history of an older one.
 */
public final class Lineage {

    private static final Pattern HEX16 = Pattern.compile("[0-9a-f]{16}");

    private Lineage() {
    }

    public static String check(String lineage) {
        if (lineage == null || !HEX16.matcher(lineage).matches()) {
            throw new IllegalArgumentException("a lineage is 16 lowercase hex digits, not '" + lineage + "'");
        }
        return lineage;
    }

    /** The file holding the lineage of the journal in {@code journalDir}. */
    public static Path file(Path journalDir) {
        Path abs = journalDir.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".lineage");
    }

    /**
     * The journal's lineage; a new one is drawn when the file is absent. Call before the journal
     * holds records of a new history: when the queue directory exists without the file (a journal
     * from before lineages) the journal's records get the new lineage, which is still one history.
     */
    public static String loadOrCreate(Path journalDir) {
        Path f = file(journalDir);
        try {
            if (Files.exists(f)) {
                return check(Files.readString(f, StandardCharsets.US_ASCII).trim());
            }
            byte[] r = new byte[8];
            new SecureRandom().nextBytes(r);
            String l = HexFormat.of().formatHex(r);
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.writeString(tmp, l + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
            return l;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the journal lineage " + f, e);
        }
    }
}
