package dev.lifeline.runtime.replica.crypto;

import java.io.IOException;

/**
 * An encrypted replica object cannot be decrypted: it is not in the encrypted format, names a key
 * that is not configured, or fails authentication (wrong key, tampered, truncated, or moved to
 * another key). The message names the object; it never contains key material.
 */
public final class DecryptionException extends IOException {

    private final String objectKey;

    public DecryptionException(String objectKey, String message) {
        super(message);
        this.objectKey = objectKey;
    }

    /** The replica key of the object that failed. */
    public String objectKey() {
        return objectKey;
    }
}
