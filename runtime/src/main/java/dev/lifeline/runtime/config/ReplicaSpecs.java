package dev.lifeline.runtime.config;

import dev.lifeline.runtime.config.YamlTree.Node;
import dev.lifeline.runtime.replica.crypto.EncryptionOption;
import dev.lifeline.runtime.replica.s3.S3Url;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Replica URLs in the configuration: checked the way {@link dev.lifeline.runtime.replica.ReplicaUrl#open}
 * will read them, without opening anything, and built from Litestream's typed YAML form
 * ({@code type: s3, bucket: ..., path: ...}).
 */
final class ReplicaSpecs {

    static final String ALLOWED = "a directory path, file:///abs/path, or s3://bucket/prefix with the options"
            + " endpoint, region, force-path-style and checksum (?endpoint=http://host:9000&region=us-east-1);"
            + " add encrypt=true to a file:// or s3:// URL to encrypt";

    static final String CREDENTIALS_HOW = "S3 credentials come from the AWS default chain (AWS_ACCESS_KEY_ID and"
            + " AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance/container role); the encryption key from "
            + "LIFELINE_ENCRYPTION_KEY or LIFELINE_ENCRYPTION_KEY_FILE";

    private static final List<String> S3_FIELDS = List.of("type", "bucket", "path", "endpoint", "region",
            "force-path-style", "checksum", "encrypt");
    private static final List<String> FILE_FIELDS = List.of("type", "path", "encrypt");
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Set<String> CREDENTIAL_FIELDS = Set.of("access-key-id", "secret-access-key",
            "access_key_id", "secret_access_key", "session-token", "account-key", "sas-token", "password",
            "key-path");

    private ReplicaSpecs() {
    }

    /**
     * Checks {@code url} as {@code ReplicaUrl.open} reads it: the {@code encrypt} option, then a
     * directory path, {@code file:///abs/path} or an {@code s3://} URL (parsed by {@link S3Url}).
     *
     * @throws IllegalArgumentException what is wrong (the message may hold the URL: redact before showing)
     */
    static void check(String url) {
        if (url.isBlank()) {
            throw new IllegalArgumentException("the replica URL is empty");
        }
        String u = EncryptionOption.parse(url).url();
        int sep = u.indexOf("://");
        if (sep < 0) {
            try {
                Path.of(u);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("not a valid directory path: " + e.getReason());
            }
            return;
        }
        String scheme = u.substring(0, sep).toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "s3" -> S3Url.parse(u);
            case "file" -> checkFile(u);
            default -> throw new IllegalArgumentException("the scheme '" + (scheme.matches("[a-z0-9+.-]{1,20}")
                    ? scheme : "(not shown)") + "' is not supported");
        }
    }

    private static void checkFile(String u) {
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid file:// URL: " + e.getReason()
                    + " (a directory path needs no file:// unless it is encrypted)");
        }
        String host = uri.getRawAuthority();
        if (host != null && !host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
            throw new IllegalArgumentException("a file:// URL takes no host: write file:///absolute/path"
                    + " (three slashes)");
        }
        if (uri.getPath() == null || !uri.getPath().startsWith("/") || uri.getPath().length() < 2) {
            throw new IllegalArgumentException("a file:// URL needs an absolute path: write file:///absolute/path");
        }
    }

    /**
     * The URL for a typed replica entry of the YAML file: {@code url: ...} alone, {@code type: s3}
     * with {@code bucket} (and optional {@code path}, {@code endpoint}, {@code region},
     * {@code force-path-style}, {@code checksum}, {@code encrypt}), or {@code type: file} with
     * {@code path} (and optional {@code encrypt}). Without {@code type}: s3 if a bucket is given, else file.
     */
    static String fromTyped(Map<String, Node> fields, Path file, int line, String home) {
        String at = file + ":" + line;
        for (Map.Entry<String, Node> e : fields.entrySet()) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (CREDENTIAL_FIELDS.contains(name) || name.contains("secret") || name.contains("token")
                    || name.contains("password")) {
                throw new ConfigException("replica", file + ":" + e.getValue().line(), "replica field '"
                        + ConfigLoader.safeName(e.getKey()) + "' (" + file + ":" + e.getValue().line()
                        + ") is not accepted (value not shown): credentials never go in the config file; "
                        + CREDENTIALS_HOW);
            }
            if (!e.getValue().isScalar() || e.getValue().text() == null) {
                throw new ConfigException("replica", file + ":" + e.getValue().line(), "replica field '"
                        + ConfigLoader.safeName(e.getKey()) + "' (" + file + ":" + e.getValue().line()
                        + ") needs a single value");
            }
        }
        if (fields.containsKey("url")) {
            if (fields.size() > 1) {
                throw new ConfigException("replica", at, "replica entry (" + at + ") has url and other fields ("
                        + String.join(", ", fields.keySet().stream().filter(k -> !k.equals("url"))
                        .map(ConfigLoader::safeName).toList()) + "): give either url alone or type with its fields");
            }
            return fields.get("url").text().trim();
        }
        String type = text(fields, "type");
        if (type == null) {
            type = fields.containsKey("bucket") ? "s3" : "file";
        }
        type = type.toLowerCase(Locale.ROOT);
        List<String> allowed = switch (type) {
            case "s3" -> S3_FIELDS;
            case "file" -> FILE_FIELDS;
            default -> throw new ConfigException("replica", fieldAt(fields, "type", file), "replica type '"
                    + ConfigLoader.safeName(type) + "' (" + fieldAt(fields, "type", file)
                    + ") is not supported; allowed: s3, file, or url: with " + ALLOWED);
        };
        for (Map.Entry<String, Node> e : fields.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                String where = file + ":" + e.getValue().line();
                throw new ConfigException("replica", where, "unknown field '" + ConfigLoader.safeName(e.getKey())
                        + "' in a replica of type " + type + " (" + where + "); allowed fields: "
                        + String.join(", ", allowed) + " (or url alone)");
            }
        }
        boolean encrypt = bool(fields, "encrypt", file);
        if (type.equals("file")) {
            String p = text(fields, "path");
            if (p == null || p.isBlank()) {
                throw new ConfigException("replica", at, "replica entry of type file (" + at
                        + ") needs path: the directory to replicate into");
            }
            p = ConfigLoader.expandHome(p.trim(), home);
            if (!encrypt) {
                return p;
            }
            try {
                String abs = Path.of(p).toAbsolutePath().normalize().toString();
                return "file://" + new URI(null, null, abs, null).getRawPath() + "?encrypt=true";
            } catch (URISyntaxException | InvalidPathException e) {
                throw new ConfigException("replica", fieldAt(fields, "path", file), "replica path '"
                        + ConfigLoader.safeValue(p) + "' (" + fieldAt(fields, "path", file)
                        + ") is not a valid directory path");
            }
        }
        String bucket = text(fields, "bucket");
        if (bucket == null || !BUCKET.matcher(bucket.trim()).matches()) {
            String where = fields.containsKey("bucket") ? fieldAt(fields, "bucket", file) : at;
            throw new ConfigException("replica", where, "replica entry of type s3 (" + where + ") needs bucket:"
                    + " a bucket name of letters, digits, '.', '-' and '_'"
                    + (bucket == null ? "" : " (got '" + ConfigLoader.safeValue(bucket) + "')"));
        }
        StringBuilder url = new StringBuilder("s3://").append(bucket.trim());
        String prefix = text(fields, "path");
        if (prefix != null && !prefix.isBlank()) {
            String p = prefix.trim();
            while (p.startsWith("/")) {
                p = p.substring(1);
            }
            url.append('/').append(encode(p, "/"));
        }
        List<String> query = new ArrayList<>();
        for (String opt : List.of(S3Url.ENDPOINT, S3Url.REGION, S3Url.FORCE_PATH_STYLE, S3Url.CHECKSUM)) {
            String v = text(fields, opt);
            if (v != null) {
                if (opt.equals(S3Url.FORCE_PATH_STYLE)) {
                    v = String.valueOf(bool(fields, opt, file));
                }
                query.add(opt + "=" + encode(v.trim(), ":/"));
            }
        }
        if (encrypt) {
            query.add(EncryptionOption.NAME + "=true");
        }
        if (!query.isEmpty()) {
            url.append('?').append(String.join("&", query));
        }
        return url.toString();
    }

    private static String text(Map<String, Node> fields, String name) {
        Node n = fields.get(name);
        return n == null ? null : n.text();
    }

    private static String fieldAt(Map<String, Node> fields, String name, Path file) {
        return file + ":" + fields.get(name).line();
    }

    private static boolean bool(Map<String, Node> fields, String name, Path file) {
        String v = text(fields, name);
        if (v == null) {
            return false;
        }
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (!t.equals("true") && !t.equals("false")) {
            String where = fieldAt(fields, name, file);
            throw new ConfigException("replica", where, "replica field " + name + " = '" + ConfigLoader.safeValue(v)
                    + "' (" + where + ") is not valid; allowed: true or false");
        }
        return t.equals("true");
    }

    /** Percent-encodes everything but unreserved characters and {@code keep}. */
    private static String encode(String s, String keep) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0
                    || keep.indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }
}
