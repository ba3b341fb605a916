/**
 * JDBC-level interception: transaction tracking, write classification and barrier hooks, and a
 * wrapping driver for hosts that cannot take a {@code -javaagent}. Not built yet: it arrives with
 * the -javaagent issue; the module exists so the layout and the build are in place.
 */
package dev.lifeline.shim;
