package dev.lifeline.runtime.ship;

/** One object of a spool entry: its replica key and the spool file holding its bytes. */
public record SpoolObject(String key, String file, long size) {
}
