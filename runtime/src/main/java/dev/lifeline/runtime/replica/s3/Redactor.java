package dev.lifeline.runtime.replica.s3;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Keeps credentials out of the messages this package builds. It wraps the credentials provider to
 * learn the values the SDK actually signs with (it resolves nothing itself, so scrubbing never
 * triggers a credential lookup), and removes those values plus anything shaped like a SigV4
 * Authorization header, credential scope or signature.
 *
 * <p>{@link #redactUrl} is the stateless part, public for anything that shows a replica URL
 * (configuration messages, the start-up banner, status).
 */
public final class Redactor {

    static final String MASK = "[REDACTED]";

    /** {@code scheme://user:password@}: everything up to the last '@' before the query is user information. */
    private static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^?#&\\s]*@");
    /** Query parameters whose name says they hold a secret. */
    private static final Pattern SECRET_PARAM = Pattern.compile(
            "(?i)([?&;][^=&#\\s]*(?:secret|key|password|passwd|token|credential|signature)[^=&#\\s]*=)[^&#\\s]*");

    private static final Pattern AUTHORIZATION = Pattern.compile("(?i)(authorization\\s*[:=]\\s*)[^\\r\\n]+");
    private static final Pattern CREDENTIAL = Pattern.compile("(?i)((?:x-amz-)?credential=)[^,\\s&\"']+");
    private static final Pattern SIGNATURE = Pattern.compile("(?i)((?:x-amz-)?signature=)[0-9a-f]+");
    private static final Pattern SECURITY_TOKEN = Pattern.compile("(?i)(x-amz-security-token\\s*[:=]\\s*)[^\\s&,]+");
    private static final Pattern ACCESS_KEY_XML = Pattern.compile("(?i)(<AWSAccessKeyId>)[^<]*");

    private final Set<String> secrets = new CopyOnWriteArraySet<>();

    /** A provider that delegates and remembers what it returned, for {@link #scrub}. */
    AwsCredentialsProvider recording(AwsCredentialsProvider delegate) {
        return new AwsCredentialsProvider() {
            @Override
            public AwsCredentials resolveCredentials() {
                AwsCredentials c = delegate.resolveCredentials();
                remember(c.accessKeyId());
                remember(c.secretAccessKey());
                if (c instanceof AwsSessionCredentials s) {
                    remember(s.sessionToken());
                }
                return c;
            }

            @Override
            public String toString() {
                return "Recording(" + delegate.getClass().getSimpleName() + ")";
            }
        };
    }

    void remember(String secret) {
        if (secret != null && secret.length() >= 4) {
            secrets.add(secret);
        }
    }

    String scrub(String s) {
        if (s == null) {
            return null;
        }
        String out = s;
        for (String secret : secrets) {
            if (out.contains(secret)) {
                out = out.replace(secret, MASK);
            }
        }
        return scrubPatterns(out);
    }

    /**
     * {@code url} (or any text holding URLs) fit to show: user information
     * ({@code s3://key:secret@bucket}, {@code endpoint=http://user:pw@host}) and the values of query
     * parameters named like a secret ({@code secret}, {@code key}, {@code password}, {@code token},
     * {@code credential}, {@code signature}) are replaced by {@value #MASK}, as are SigV4 credentials
     * and signatures. Null stays null.
     */
    public static String redactUrl(String url) {
        if (url == null) {
            return null;
        }
        String out = USER_INFO.matcher(url).replaceAll("$1" + MASK + "@");
        out = SECRET_PARAM.matcher(out).replaceAll("$1" + MASK);
        return scrubPatterns(out);
    }

    private static String scrubPatterns(String s) {
        String out = AUTHORIZATION.matcher(s).replaceAll("$1" + MASK);
        out = CREDENTIAL.matcher(out).replaceAll("$1" + MASK);
        out = SIGNATURE.matcher(out).replaceAll("$1" + MASK);
        out = SECURITY_TOKEN.matcher(out).replaceAll("$1" + MASK);
        out = ACCESS_KEY_XML.matcher(out).replaceAll("$1" + MASK);
        return out;
    }

    /**
     * The throwable to attach as a cause: itself when no message in its chain needs scrubbing,
     * otherwise a stand-in with scrubbed messages and the original stack traces.
     */
    Throwable safeCause(Throwable t) {
        if (t == null || clean(t)) {
            return t;
        }
        return copy(t, 0);
    }

    private boolean clean(Throwable t) {
        for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
            String m = t.getMessage();
            if (m != null && !m.equals(scrub(m))) {
                return false;
            }
        }
        return true;
    }

    private Throwable copy(Throwable t, int depth) {
        Throwable cause = t.getCause() == null || depth >= 16 ? null : copy(t.getCause(), depth + 1);
        Throwable c = new ScrubbedException(t.getClass().getName() + ": " + scrub(t.getMessage()), cause);
        c.setStackTrace(t.getStackTrace());
        return c;
    }

    /** Stands in for an exception whose message held something secret. */
    static final class ScrubbedException extends Exception {
        ScrubbedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
