package dev.lifeline.runtime.restore;

import java.io.IOException;

/** A restore that cannot be done as asked; the message says why and what to do. Nothing was written. */
public final class RestoreException extends IOException {
    public RestoreException(String message) {
        super(message);
    }
}
