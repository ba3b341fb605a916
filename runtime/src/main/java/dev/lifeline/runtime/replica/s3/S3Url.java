package dev.lifeline.runtime.replica.s3;

import dev.lifeline.runtime.replica.s3.S3ReplicaConfig.ChecksumMode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses {@code s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&force-path-style=true&checksum=WHEN_REQUIRED}.
 *
 * <p>Option names follow Litestream's replica configuration ({@code endpoint}, {@code region},
 * {@code force-path-style}) plus {@code checksum}. As in Litestream, giving an endpoint turns on
 * path-style addressing unless {@code force-path-style=false} says otherwise. Credentials are never
 * accepted in the URL (they come from the AWS default chain), and error messages never echo a
 * value that could be one.
 */
public final class S3Url {

    public static final String ENDPOINT = "endpoint";
    public static final String REGION = "region";
    public static final String FORCE_PATH_STYLE = "force-path-style";
    public static final String CHECKSUM = "checksum";
    static final List<String> OPTIONS = List.of(ENDPOINT, REGION, FORCE_PATH_STYLE, CHECKSUM);

    /** Litestream's credential options, refused with a pointer to the default chain. */
    private static final List<String> CREDENTIAL_OPTIONS = List.of("access-key-id", "secret-access-key",
            "aws_access_key_id", "aws_secret_access_key", "accesskeyid", "secretaccesskey", "session-token");

    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{2,254}");
    private static final Pattern REGION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private S3Url() {
    }

    /** True for URLs this parser handles ({@code s3://...}, any case). */
    public static boolean matches(String url) {
        return url != null && url.regionMatches(true, 0, "s3://", 0, 5);
    }

    public static S3ReplicaConfig parse(String url) {
        if (!matches(url)) {
            throw new IllegalArgumentException("not an S3 replica URL: expected s3://bucket/prefix");
        }
        String rest = url.substring(5);
        int hash = rest.indexOf('#');
        boolean fragment = hash >= 0;
        if (fragment) {
            rest = rest.substring(0, hash);
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);

        if (rest.indexOf('@') >= 0) {
            throw new IllegalArgumentException("replica URL s3://... contains '@' (value not shown): credentials"
                    + " are not accepted in the URL; they come from the AWS default chain"
                    + " (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, or an instance/container role)."
                    + " If '@' belongs to the prefix, write it as %40");
        }
        String shown = "s3://" + safe(rest);
        if (fragment) {
            throw new IllegalArgumentException("replica URL " + shown + " has a fragment ('#...'): remove it");
        }
        if (authority.isEmpty()) {
            throw new IllegalArgumentException("replica URL " + shown + " has no bucket: use s3://bucket/prefix");
        }
        if (authority.contains(":")) {
            throw new IllegalArgumentException("replica URL " + shown + ": bucket '" + authority
                    + "' must not have a port: give the server as ?endpoint=http://host:port");
        }
        if (!BUCKET.matcher(authority).matches()) {
            throw new IllegalArgumentException("replica URL " + shown + ": bucket '" + authority
                    + "' is not a valid bucket name: allowed are 3-255 letters, digits, '.', '-' and '_'");
        }
        String prefix = normalizePrefix(shown, decode(shown, "path", path));

        Map<String, String> opts = parseQuery(shown, query);
        URI endpoint = opts.containsKey(ENDPOINT) ? parseEndpoint(shown, opts.get(ENDPOINT)) : null;
        String region = null;
        if (opts.containsKey(REGION)) {
            region = opts.get(REGION);
            if (!REGION_NAME.matcher(region).matches()) {
                throw bad(shown, REGION, region, "a region name such as us-east-1 or auto");
            }
        }
        boolean pathStyle = endpoint != null;
        if (opts.containsKey(FORCE_PATH_STYLE)) {
            String v = opts.get(FORCE_PATH_STYLE).toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw bad(shown, FORCE_PATH_STYLE, opts.get(FORCE_PATH_STYLE), "true or false");
            }
            pathStyle = v.equals("true");
        }
        ChecksumMode checksum = endpoint != null ? ChecksumMode.WHEN_REQUIRED : ChecksumMode.WHEN_SUPPORTED;
        if (opts.containsKey(CHECKSUM)) {
            String v = opts.get(CHECKSUM).toUpperCase(Locale.ROOT).replace('-', '_');
            try {
                checksum = ChecksumMode.valueOf(v);
            } catch (IllegalArgumentException e) {
                throw bad(shown, CHECKSUM, opts.get(CHECKSUM), "WHEN_SUPPORTED or WHEN_REQUIRED");
            }
        }
        return S3ReplicaConfig.of(authority, prefix, endpoint)
                .withRegion(region)
                .withForcePathStyle(pathStyle)
                .withChecksum(checksum);
    }

    private static String normalizePrefix(String shown, String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            return "";
        }
        for (String seg : p.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("replica URL " + shown + ": prefix '" + p
                        + "' has an empty, '.' or '..' segment: use a plain path such as s3://bucket/dir/db");
            }
        }
        if (p.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("replica URL " + shown + ": prefix '" + p
                    + "' contains '\\': use '/' as the separator");
        }
        return p;
    }

    private static Map<String, String> parseQuery(String shown, String query) {
        Map<String, String> out = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(shown, "option name", eq < 0 ? pair : pair.substring(0, eq))
                    .toLowerCase(Locale.ROOT);
            if (CREDENTIAL_OPTIONS.contains(name) || name.contains("secret") || name.contains("password")
                    || name.contains("token")) {
                throw new IllegalArgumentException("replica URL " + shown + ": option '" + name
                        + "' is not accepted (value not shown): credentials never go in the URL; they come from"
                        + " the AWS default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile,"
                        + " or an instance/container role)");
            }
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException("replica URL " + shown + ": unknown option '" + safe(name)
                        + "': allowed options are " + String.join(", ", OPTIONS));
            }
            if (eq < 0) {
                throw new IllegalArgumentException("replica URL " + shown + ": option " + name
                        + " has no value: write " + name + "=VALUE");
            }
            String value = decode(shown, "option " + name, pair.substring(eq + 1));
            if (value.isEmpty()) {
                throw new IllegalArgumentException("replica URL " + shown + ": option " + name
                        + " has an empty value");
            }
            if (out.put(name, value) != null) {
                throw new IllegalArgumentException("replica URL " + shown + ": option " + name
                        + " is given more than once");
            }
        }
        return out;
    }

    private static URI parseEndpoint(String shown, String value) {
        if (value.indexOf('@') >= 0) {
            throw new IllegalArgumentException("replica URL " + shown + ": option endpoint must not contain"
                    + " user info or '@' (value not shown): credentials come from the AWS default chain");
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw bad(shown, ENDPOINT, value, "an http:// or https:// URL such as http://127.0.0.1:9000");
        }
        if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
            throw new IllegalArgumentException("replica URL " + shown + ": option endpoint must not contain"
                    + " user info (value not shown): credentials come from the AWS default chain");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw bad(shown, ENDPOINT, value, "an http:// or https:// URL with a host, such as http://127.0.0.1:9000");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null
                || (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))) {
            throw bad(shown, ENDPOINT, value, "scheme, host and port only (no path, query or fragment)");
        }
        try {
            return new URI(scheme, null, uri.getHost(), uri.getPort(), null, null, null);
        } catch (URISyntaxException e) {
            throw bad(shown, ENDPOINT, value, "an http:// or https:// URL such as http://127.0.0.1:9000");
        }
    }

    private static IllegalArgumentException bad(String shown, String option, String value, String allowed) {
        return new IllegalArgumentException("replica URL " + shown + ": option " + option + "='" + safe(value)
                + "' is not valid: allowed is " + allowed);
    }

    /** Percent-decoding as in a URI ('+' stays '+'). */
    private static String decode(String shown, String what, String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0
                        || Character.digit(s.charAt(i + 2), 16) < 0) {
                    throw new IllegalArgumentException("replica URL " + shown + ": " + what
                            + " has a bad percent escape: use %XX with two hex digits");
                }
                out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Control characters out, length capped: values are echoed in messages. */
    private static String safe(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return s.length() > 200 ? b + "..." : b.toString();
    }
}
