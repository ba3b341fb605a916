/**
 * JDBC-level interception, shared by the {@code -javaagent} (its advice on sqlite-jdbc calls
 * {@link dev.lifeline.shim.SqliteInterceptor}) and the wrapping driver in
 * {@link dev.lifeline.shim.driver}: finding and protecting the database behind a new connection,
 * hearing each commit and waking the replicator (or waiting for the replicas of a durable
 * database) once the committing call has returned. Also the pieces the barrier across stores will
 * build on: {@link dev.lifeline.shim.SqlClassifier} (read, write or transaction control, from the
 * SQL text) and {@link dev.lifeline.shim.TransactionTracker} (one connection's transaction state,
 * with start and end listeners), which the driver keeps up to date today.
 */
package dev.lifeline.shim;
