package dev.lifeline.agent.inst;

import dev.lifeline.agent.bridge.LifelineBridge;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into the host's sqlite-jdbc. Its code is copied into the host's classes, so it
 * may only reference the bootstrap-visible {@link LifelineBridge}, which catches everything.
 */
final class SqliteAdvice {

    private SqliteAdvice() {
    }

    /** On {@code org.sqlite.JDBC.createConnection(String, Properties)}: every path to a connection. */
    static final class ConnectionOpened {
        private ConnectionOpened() {
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return Object connection) {
            LifelineBridge.connectionOpened(connection);
        }
    }

    /**
     * On {@code org.sqlite.core.DB}'s statement methods: once the call that committed has returned,
     * the frames are in the WAL. A durable commit that the replicas did not confirm (with
     * durable-on-timeout=fail) becomes the call's exception; nothing else ever does.
     */
    static final class DatabaseCallReturned {
        private DatabaseCallReturned() {
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.This Object db, @Advice.Thrown(readOnly = false) Throwable thrown) {
            Throwable failure = LifelineBridge.databaseCallReturned(db);
            if (failure != null && thrown == null) {
                thrown = failure;
            }
        }
    }
}
