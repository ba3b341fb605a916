package dev.lifeline.runtime.replica.crypto;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code encrypt=true|false} option of a replica URL ({@code file:///path?encrypt=true},
 * {@code s3://bucket/prefix?region=...&encrypt=true}): whether it is on, and the URL without it
 * for the storage client. The key never comes from the URL (see {@link KeyRing}).
 *
 * @param url     the URL with the {@code encrypt} option removed
 * @param encrypt whether objects are encrypted
 */
public record EncryptionOption(String url, boolean encrypt) {

    public static final String NAME = "encrypt";

    public static EncryptionOption parse(String url) {
        int sep = url.indexOf("://");
        if (sep < 0) {
            int q = url.indexOf('?');
            if (q >= 0 && url.substring(q).toLowerCase(Locale.ROOT).contains(NAME)) {
                throw new IllegalArgumentException("replica " + url + " is a plain directory path, which takes no"
                        + " options: to encrypt a directory replica, write it as file:///absolute/path?encrypt=true");
            }
            return new EncryptionOption(url, false);
        }
        boolean file = url.substring(0, sep).equalsIgnoreCase("file");
        int hash = url.indexOf('#');
        String body = hash < 0 ? url : url.substring(0, hash);
        String fragment = hash < 0 ? "" : url.substring(hash);
        int q = body.indexOf('?');
        if (q < 0) {
            return new EncryptionOption(url, false);
        }
        String base = body.substring(0, q);
        String shown = file ? base : url.substring(0, sep) + "://...";
        Boolean encrypt = null;
        List<String> others = new ArrayList<>();
        for (String pair : body.substring(q + 1).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = (eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (!name.equals(NAME)) {
                if (file) {
                    throw new IllegalArgumentException("replica URL " + shown + ": unknown option '"
                            + (name.matches("[a-z0-9._-]{1,40}") ? name : "(not shown)")
                            + "': a file:// replica takes only encrypt=true or encrypt=false");
                }
                others.add(pair);
                continue;
            }
            String v = eq < 0 ? "" : pair.substring(eq + 1).toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException("replica URL " + shown + ": option encrypt must be true or false"
                        + " (the key is never given in the URL: " + KeyRing.HOW + ")");
            }
            if (encrypt != null) {
                throw new IllegalArgumentException("replica URL " + shown + ": option encrypt is given more than once");
            }
            encrypt = v.equals("true");
        }
        String stripped = base + (others.isEmpty() ? "" : "?" + String.join("&", others)) + fragment;
        return new EncryptionOption(stripped, encrypt != null && encrypt);
    }
}
