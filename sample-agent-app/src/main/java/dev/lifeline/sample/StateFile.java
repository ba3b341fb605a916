package dev.lifeline.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * memory/state.json: the agent's "where am I" snapshot. Rewritten every turn with write-temp-then-rename,
 * the classic way to make a small file never observable half-written (readers see old or new).
 */
record StateFile(String tenant, long turnsCompleted, long lastTurnNo) {

    private static final Pattern FORMAT = Pattern.compile(
            "\\s*\\{\\s*\"tenant\"\\s*:\\s*\"([^\"\\\\]*)\"\\s*,\\s*\"turnsCompleted\"\\s*:\\s*(\\d{1,18})\\s*,"
                    + "\\s*\"lastTurnNo\"\\s*:\\s*(\\d{1,18})\\s*}\\s*");

    String toJson() {
        return "{\"tenant\":\"" + tenant + "\",\"turnsCompleted\":" + turnsCompleted + ",\"lastTurnNo\":" + lastTurnNo + "}\n";
    }

    void writeAtomically(Path target) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, toJson().getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Strict parse of the app's own format; anything else (truncated, garbled, empty) is "torn". */
    static StateFile parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a complete state object: "
                    + (text.isEmpty() ? "empty file" : "'" + abbreviate(text) + "'"));
        }
        return new StateFile(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)));
    }

    private static String abbreviate(String s) {
        String oneLine = s.replace("\n", "\\n");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 80) + "...";
    }
}
