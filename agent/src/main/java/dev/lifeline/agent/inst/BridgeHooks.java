package dev.lifeline.agent.inst;

import dev.lifeline.agent.bridge.LifelineBridge;
import dev.lifeline.shim.SqliteInterceptor;
import java.sql.SQLException;

/** The running agent's side of the bridge: hands each host event to the JDBC interception. */
final class BridgeHooks implements LifelineBridge.Hooks {

    private final SqliteInterceptor interceptor;

    BridgeHooks(SqliteInterceptor interceptor) {
        this.interceptor = interceptor;
    }

    @Override
    public void connectionOpened(Object sqliteConnection) {
        interceptor.connectionOpened(sqliteConnection);
    }

    @Override
    public Throwable databaseCallReturned(Object db) {
        // Connections opened before a live attach, or by a path that bypasses createConnection,
        // are adopted on their first call.
        interceptor.databaseUsed(db);
        try {
            interceptor.callReturned();
            return null;
        } catch (SQLException e) {
            return e;
        }
    }
}
