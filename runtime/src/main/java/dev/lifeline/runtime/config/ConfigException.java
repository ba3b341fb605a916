package dev.lifeline.runtime.config;

/**
 * A configuration value Lifeline cannot use. The message names the key, where the value came from
 * (agent argument, system property, environment variable or file:line), the value (redacted for
 * replica URLs; never shown for anything that may be a credential) and what is allowed.
 */
public final class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;
    private final String origin;

    public ConfigException(String key, String origin, String message) {
        super(message);
        this.key = key;
        this.origin = origin;
    }

    /** The key at fault (for an unknown key: the key as written). */
    public String key() {
        return key;
    }

    /** Where the value came from, e.g. {@code system property lifeline.replica} or {@code /etc/lifeline.yml:7}. */
    public String origin() {
        return origin;
    }
}
