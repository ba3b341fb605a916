package dev.lifeline.runtime.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lifeline.runtime.replica.s3.Redactor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document read with Jackson's streaming parser into plain values that remember their line,
 * so that every configuration error can say {@code file:line}. Scalars stay text (the loader
 * parses them), keys keep their order, and a key given twice in one mapping is an error.
 */
final class YamlTree {

    private static final YAMLFactory FACTORY = new YAMLFactory();

    private YamlTree() {
    }

    /**
     * One value: a scalar ({@code String}, null when empty), a list of nodes or a map of nodes.
     *
     * @param value {@code String}, {@code List<Node>}, {@code Map<String, Node>} or null
     * @param line  the 1-based line it starts on (for a mapping value: the line of its key)
     */
    record Node(Object value, int line) {

        boolean isScalar() {
            return value == null || value instanceof String;
        }

        boolean isList() {
            return value instanceof List;
        }

        boolean isMap() {
            return value instanceof Map;
        }

        String text() {
            return (String) value;
        }

        @SuppressWarnings("unchecked")
        List<Node> list() {
            return (List<Node>) value;
        }

        @SuppressWarnings("unchecked")
        Map<String, Node> map() {
            return (Map<String, Node>) value;
        }
    }

    /**
     * Reads {@code file}; an empty file is an empty map. {@code origin} says where the file was
     * named, for errors about the file itself.
     *
     * @throws ConfigException the file is missing, unreadable, not YAML, not a mapping at the top, or has a duplicate key
     */
    static Node read(Path file, String origin) {
        try (InputStream in = Files.newInputStream(file); JsonParser p = FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new Node(Collections.emptyMap(), 1);
            }
            Node root = value(p, file);
            if (!root.isMap()) {
                throw new ConfigException("config", file + ":" + root.line(), "config file " + file
                        + " (named by " + origin + ") must be a YAML mapping of keys to values, such as"
                        + " 'replica: s3://bucket/prefix'; line " + root.line() + " starts something else");
            }
            return root;
        } catch (NoSuchFileException e) {
            throw new ConfigException("config", origin, "config = '" + file + "' (" + origin
                    + "): no such file; allowed: the path of a readable YAML file");
        } catch (AccessDeniedException e) {
            throw new ConfigException("config", origin, "config = '" + file + "' (" + origin
                    + "): permission denied; allowed: the path of a readable YAML file");
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            int line = loc == null ? -1 : loc.getLineNr();
            String at = line > 0 ? file + ":" + line : file.toString();
            throw new ConfigException("config", at, "config file " + at + " is not valid YAML: " + problem(e)
                    + " (named by " + origin + ")");
        } catch (IOException e) {
            throw new ConfigException("config", origin, "config = '" + file + "' (" + origin + "): cannot be read ("
                    + e.getClass().getSimpleName() + "); allowed: the path of a readable YAML file");
        }
    }

    private static Node value(JsonParser p, Path file) throws IOException {
        int line = line(p);
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, Node> m = new LinkedHashMap<>();
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                int keyLine = line(p);
                p.nextToken();
                Node v = value(p, file);
                Node prev = m.put(name, new Node(v.value(), keyLine));
                if (prev != null) {
                    throw new ConfigException(name, file + ":" + keyLine, "key '" + name + "' appears twice in "
                            + file + " (lines " + prev.line() + " and " + keyLine + "): give it once");
                }
            }
            return new Node(m, line);
        }
        if (t == JsonToken.START_ARRAY) {
            List<Node> l = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                l.add(value(p, file));
            }
            return new Node(l, line);
        }
        if (t == JsonToken.VALUE_NULL) {
            return new Node(null, line);
        }
        return new Node(p.getText(), line);
    }

    private static int line(JsonParser p) {
        JsonLocation loc = p.currentTokenLocation();
        return loc == null ? -1 : loc.getLineNr();
    }

    /**
     * The parser's complaint without the excerpt of the offending line that SnakeYAML adds
     * (that line may hold a secret).
     */
    private static String problem(JsonProcessingException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof org.yaml.snakeyaml.error.MarkedYAMLException m) {
                String ctx = m.getContext() == null ? "" : m.getContext() + ": ";
                return Redactor.redactUrl(ctx + m.getProblem());
            }
        }
        String m = e.getOriginalMessage();
        int nl = m == null ? -1 : m.indexOf('\n');
        return Redactor.redactUrl(nl < 0 ? String.valueOf(m) : m.substring(0, nl));
    }
}
