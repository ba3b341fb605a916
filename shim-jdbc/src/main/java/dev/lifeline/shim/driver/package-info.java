/**
 * The wrapping JDBC driver ({@code jdbc:lifeline:sqlite:...}) for applications that cannot take a
 * {@code -javaagent}: it opens the real sqlite-jdbc connection, protects its database through the
 * shared {@link dev.lifeline.shim.SqliteInterceptor} and hands out proxies that see every call that
 * may commit. See shim-jdbc/README.md for how it differs from the agent.
 */
package dev.lifeline.shim.driver;
