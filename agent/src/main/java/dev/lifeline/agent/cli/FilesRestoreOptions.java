package dev.lifeline.agent.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options of {@code lifeline restore --files} (the watched file trees, from the shipped journal). */
final class FilesRestoreOptions {

    @Option(names = "--files",
            description = "Restore the watched file trees (memory files) from the journal shipped to the replica "
                    + "root, instead of a database.")
    boolean files;

    @Option(names = "--to", paramLabel = "DIR",
            description = "With --files: the directory to rebuild the trees in (empty or absent unless --force). "
                    + "Each watched root goes under DIR at its absolute path without the leading '/'.")
    Path to;

    @Option(names = "--journal-index", paramLabel = "N",
            description = "With --files: the state right after journal record N (decimal, or 0x-prefixed hex).",
            converter = JournalIndexConverter.class)
    Long journalIndex;

    @Option(names = "--lineage", paramLabel = "L",
            description = "With --files: the journal lineage (16 hex) to restore; default: the one with the newest "
                    + "record ('lifeline journal' shows lineages).")
    String lineage;

    @Option(names = "--root", paramLabel = "PATH",
            description = "With --files: restore only this watched root (its absolute path), its content directly "
                    + "in DIR.")
    Path root;

    /** A journal index in decimal or 0x hex (Chronicle's indexes are large; the journal command prints hex). */
    static final class JournalIndexConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.strip();
            try {
                if (v.startsWith("0x") || v.startsWith("0X")) {
                    return Long.parseUnsignedLong(v.substring(2), 16);
                }
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not a journal index: give a decimal number or 0x followed by hex digits");
            }
        }
    }
}
