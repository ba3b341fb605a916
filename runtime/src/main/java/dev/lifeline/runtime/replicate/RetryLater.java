package dev.lifeline.runtime.replicate;

import java.io.IOException;

/**
 * A pass that met an expected race with the database's writers (the WAL restarted while a
 * snapshot was being taken) and simply runs again: not a failure, so it is not reported as the
 * replicator's last error.
 */
final class RetryLater extends IOException {
    RetryLater(String message) {
        super(message);
    }
}
