package dev.lifeline.agent.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain, aligned text table: numbers right-aligned, text left-aligned, two spaces between columns. */
final class Table {

    private final String[] headers;
    private final boolean[] right;
    private final List<String[]> rows = new ArrayList<>();

    /** @param columns names; a name ending in {@code >} is right-aligned (the marker is not printed) */
    Table(String... columns) {
        headers = new String[columns.length];
        right = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            right[i] = columns[i].endsWith(">");
            headers[i] = right[i] ? columns[i].substring(0, columns[i].length() - 1) : columns[i];
        }
    }

    Table row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("expected " + headers.length + " cells, got " + cells.length);
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] == null ? "-" : cells[i].toString();
        }
        rows.add(r);
        return this;
    }

    void print(PrintWriter out) {
        int[] w = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            w[i] = headers[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        line(out, headers, w);
        for (String[] r : rows) {
            line(out, r, w);
        }
        out.flush();
    }

    private void line(PrintWriter out, String[] cells, int[] w) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                b.append("  ");
            }
            String c = cells[i];
            String pad = " ".repeat(w[i] - c.length());
            b.append(right[i] ? pad + c : c + (i == cells.length - 1 ? "" : pad));
        }
        out.println(b);
    }
}
