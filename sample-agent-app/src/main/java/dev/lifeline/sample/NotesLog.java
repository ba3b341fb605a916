package dev.lifeline.sample;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * memory/notes.log: append-only journal, one line per turn: {@code <turn_no> <crc32-hex> <text>\n}.
 * The per-line CRC lets verify tell a whole line from a torn or garbled one; each line goes out in a
 * single write() so a killed process leaves whole lines behind.
 */
final class NotesLog implements AutoCloseable {

    /**
     * @param wholeLines  newline-terminated lines
     * @param validBytes  length up to and including the last newline
     * @param tornTail    bytes after the last newline (a partial line)
     * @param problems    malformed lines, CRC mismatches, out-of-sequence turn numbers
     */
    record Scan(boolean present, long wholeLines, long validBytes, boolean tornTail, List<String> problems) {
    }

    private final FileOutputStream out;

    private NotesLog(FileOutputStream out) {
        this.out = out;
    }

    static NotesLog openForAppend(Path file) throws IOException {
        return new NotesLog(new FileOutputStream(file.toFile(), true));
    }

    void append(long turnNo, String text) throws IOException {
        out.write(line(turnNo, text).getBytes(StandardCharsets.UTF_8));
    }

    static String line(long turnNo, String text) {
        return turnNo + " " + crcHex(text) + " " + text + "\n";
    }

    private static String crcHex(String text) {
        CRC32 crc = new CRC32();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue());
    }

    /** Drops a partial trailing line (left by an interrupted copy, never by this app) before appending again. */
    static void truncateTornTail(Path file, long validBytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(validBytes);
        }
    }

    /** Line i (1-based) must be turn i; the scan stops judging sequence after the first problem to avoid noise. */
    static Scan scan(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new Scan(false, 0, 0, false, List.of());
        }
        byte[] bytes = Files.readAllBytes(file);
        List<String> problems = new ArrayList<>();
        long lines = 0;
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            lines++;
            String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
            String[] parts = line.split(" ", 3);
            String problem = null;
            if (parts.length != 3 || !parts[0].matches("\\d{1,18}") || !parts[1].matches("[0-9a-f]{8}")) {
                problem = "line " + lines + " is malformed";
            } else if (!parts[1].equals(crcHex(parts[2]))) {
                problem = "line " + lines + " (turn " + parts[0] + ") fails its CRC";
            } else if (Long.parseLong(parts[0]) != lines) {
                problem = "line " + lines + " is for turn " + parts[0] + ", expected turn " + lines;
            }
            if (problem != null && problems.size() < 20) {
                problems.add(problem);
            }
            start = i + 1;
        }
        return new Scan(true, lines, start, start < bytes.length, problems);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
