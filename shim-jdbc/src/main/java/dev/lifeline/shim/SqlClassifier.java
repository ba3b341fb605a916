package dev.lifeline.shim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Classifies SQL text cheaply, without a parser: leading whitespace and comments are skipped and
 * the statement's verb decides. {@code WITH} is looked through to the statement its common table
 * expressions serve; a {@code PRAGMA} reads unless it assigns a value (or is one of the few that
 * write when run bare). String literals, quoted identifiers and comments never count as keywords.
 *
 * <p>The answer is about what the statement may do to the database file, for transaction tracking
 * and the barrier: a {@code SELECT} that calls a function with side effects is still READ.
 */
public final class SqlClassifier {

    /** What a statement may do to the database. */
    public enum Kind {
        /** Reads only: SELECT, VALUES, EXPLAIN, a PRAGMA that queries. */
        READ,
        /** May change the database: DML (also inside WITH), DDL, VACUUM, REINDEX, ANALYZE, PRAGMA x=y. */
        WRITE,
        /** Transaction control: BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE. */
        TRANSACTION,
        /** Anything else (ATTACH, DETACH, an empty string, text we do not recognise). */
        OTHER
    }

    /** The transaction control a TRANSACTION statement performs. */
    public enum TxOp {
        BEGIN, COMMIT, ROLLBACK, ROLLBACK_TO, SAVEPOINT, RELEASE
    }

    /**
     * One classified statement.
     *
     * @param kind      what it may do
     * @param verb      its leading keyword in upper case ("INSERT"; for WITH the verb of the statement
     *                  the CTEs serve, e.g. "DELETE"; "" when there is none)
     * @param txOp      for TRANSACTION, which control; null otherwise
     * @param savepoint for SAVEPOINT, RELEASE and ROLLBACK TO, the savepoint's name (unquoted); null otherwise
     */
    public record Classified(Kind kind, String verb, TxOp txOp, String savepoint) {

        public boolean writes() {
            return kind == Kind.WRITE;
        }
    }

    private static final Classified EMPTY = new Classified(Kind.OTHER, "", null, null);

    private static final Set<String> WRITE_VERBS = Set.of("INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT",
            "CREATE", "DROP", "ALTER", "VACUUM", "REINDEX", "ANALYZE");
    private static final Set<String> READ_VERBS = Set.of("SELECT", "VALUES", "EXPLAIN");
    /** The statements a WITH clause can lead into. */
    private static final Set<String> WITH_TARGETS = Set.of("SELECT", "VALUES", "INSERT", "UPDATE", "DELETE",
            "REPLACE");
    /** Pragmas that take an argument in parentheses to query something, not to set it. */
    private static final Set<String> QUERY_PRAGMAS = Set.of("TABLE_INFO", "TABLE_XINFO", "TABLE_LIST", "INDEX_INFO",
            "INDEX_XINFO", "INDEX_LIST", "FOREIGN_KEY_LIST", "FOREIGN_KEY_CHECK", "INTEGRITY_CHECK", "QUICK_CHECK",
            "FUNCTION_LIST", "MODULE_LIST", "PRAGMA_LIST", "COLLATION_LIST", "DATABASE_LIST", "COMPILE_OPTIONS");
    /** Pragmas that change the database when run with no argument at all. */
    private static final Set<String> BARE_WRITING_PRAGMAS = Set.of("OPTIMIZE", "INCREMENTAL_VACUUM");

    private SqlClassifier() {
    }

    /** The kind of the first statement in {@code sql}. */
    public static Kind classify(String sql) {
        return classifyFirst(sql).kind();
    }

    /** The first statement in {@code sql}, classified. */
    public static Classified classifyFirst(String sql) {
        if (sql == null) {
            return EMPTY;
        }
        return classifyStatement(new Scanner(sql, 0, sql.length()));
    }

    /**
     * Every statement in {@code sql} (separated by semicolons outside literals, comments, parentheses
     * and trigger bodies), classified in order; empty statements are left out.
     */
    public static List<Classified> classifyAll(String sql) {
        List<Classified> out = new ArrayList<>(1);
        if (sql == null) {
            return out;
        }
        int start = 0;
        while (start < sql.length()) {
            int end = statementEnd(sql, start);
            Classified c = classifyStatement(new Scanner(sql, start, end));
            if (!c.verb().isEmpty()) {
                out.add(c);
            }
            start = end + 1;
        }
        return out;
    }

    /** Whether any statement in {@code sql} may write. */
    public static boolean anyWrites(String sql) {
        for (Classified c : classifyAll(sql)) {
            if (c.writes()) {
                return true;
            }
        }
        return false;
    }

    private static Classified classifyStatement(Scanner s) {
        String verb = s.nextWord();
        if (verb == null) {
            return EMPTY;
        }
        if (WRITE_VERBS.contains(verb)) {
            return new Classified(Kind.WRITE, verb, null, null);
        }
        if (READ_VERBS.contains(verb)) {
            return new Classified(Kind.READ, verb, null, null);
        }
        return switch (verb) {
            case "WITH" -> withTarget(s);
            case "PRAGMA" -> pragma(s);
            case "BEGIN" -> new Classified(Kind.TRANSACTION, verb, TxOp.BEGIN, null);
            case "COMMIT", "END" -> new Classified(Kind.TRANSACTION, verb, TxOp.COMMIT, null);
            case "ROLLBACK" -> rollback(s);
            case "SAVEPOINT" -> new Classified(Kind.TRANSACTION, verb, TxOp.SAVEPOINT, s.nextName());
            case "RELEASE" -> {
                String name = s.nextName();
                if ("SAVEPOINT".equalsIgnoreCase(name) && !s.lastWasQuoted()) {
                    name = s.nextName();
                }
                yield new Classified(Kind.TRANSACTION, verb, TxOp.RELEASE, name);
            }
            default -> new Classified(Kind.OTHER, verb, null, null);
        };
    }

    /** ROLLBACK [TRANSACTION] [TO [SAVEPOINT] name]. */
    private static Classified rollback(Scanner s) {
        String w = s.nextWord();
        if ("TRANSACTION".equals(w)) {
            w = s.nextWord();
        }
        if (!"TO".equals(w)) {
            return new Classified(Kind.TRANSACTION, "ROLLBACK", TxOp.ROLLBACK, null);
        }
        String name = s.nextName();
        if ("SAVEPOINT".equalsIgnoreCase(name) && !s.lastWasQuoted()) {
            name = s.nextName();
        }
        return new Classified(Kind.TRANSACTION, "ROLLBACK", TxOp.ROLLBACK_TO, name);
    }

    /** WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (...), ... then the statement they serve. */
    private static Classified withTarget(Scanner s) {
        while (true) {
            String w = s.nextTopLevelWord();
            if (w == null) {
                return new Classified(Kind.OTHER, "WITH", null, null);
            }
            if (WITH_TARGETS.contains(w)) {
                return new Classified(w.equals("SELECT") || w.equals("VALUES") ? Kind.READ : Kind.WRITE, w, null,
                        null);
            }
        }
    }

    /** PRAGMA [schema.]name [= value | (value)]. */
    private static Classified pragma(Scanner s) {
        String name = s.nextWord();
        if (name == null) {
            return new Classified(Kind.OTHER, "PRAGMA", null, null);
        }
        s.skipSpace();
        if (s.peek() == '.') {
            s.pos++;
            name = s.nextWord();
            if (name == null) {
                return new Classified(Kind.OTHER, "PRAGMA", null, null);
            }
            s.skipSpace();
        }
        if (name.equals("WAL_CHECKPOINT")) {
            return new Classified(Kind.OTHER, "PRAGMA", null, null); // moves pages, changes no content
        }
        int c = s.peek();
        if (c == '=') {
            return new Classified(Kind.WRITE, "PRAGMA", null, null);
        }
        if (c == '(') {
            return new Classified(QUERY_PRAGMAS.contains(name) ? Kind.READ : Kind.WRITE, "PRAGMA", null, null);
        }
        return new Classified(BARE_WRITING_PRAGMAS.contains(name) ? Kind.WRITE : Kind.READ, "PRAGMA", null, null);
    }

    /**
     * Where the statement starting at {@code from} ends: the index of its terminating semicolon, or
     * the end of the text. A CREATE TRIGGER's body (BEGIN ... END, with CASE ... END inside) is
     * kept whole.
     */
    static int statementEnd(String sql, int from) {
        Scanner s = new Scanner(sql, from, sql.length());
        String first = s.nextWord();
        boolean trigger = false;
        if ("CREATE".equals(first)) {
            String w = s.nextWord();
            if ("TEMP".equals(w) || "TEMPORARY".equals(w)) {
                w = s.nextWord();
            }
            trigger = "TRIGGER".equals(w);
        }
        s.pos = from;
        int depth = 0;
        int blocks = 0;
        while (true) {
            s.skipSpace();
            if (s.pos >= s.end) {
                return s.end;
            }
            char c = sql.charAt(s.pos);
            if (c == ';' && depth == 0 && blocks == 0) {
                return s.pos;
            }
            if (c == '(') {
                depth++;
                s.pos++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
                s.pos++;
            } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
                s.skipQuoted();
            } else if (isWordChar(c)) {
                String w = s.word();
                if (trigger) {
                    if (w.equals("BEGIN") || w.equals("CASE")) {
                        blocks++;
                    } else if (w.equals("END")) {
                        blocks = Math.max(0, blocks - 1);
                    }
                }
            } else {
                s.pos++;
            }
        }
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    /** A cursor over one statement's text. */
    private static final class Scanner {
        private final String sql;
        private final int end;
        private int pos;
        private boolean lastQuoted;

        Scanner(String sql, int from, int end) {
            this.sql = sql;
            this.pos = from;
            this.end = end;
        }

        int peek() {
            return pos < end ? sql.charAt(pos) : -1;
        }

        boolean lastWasQuoted() {
            return lastQuoted;
        }

        /** Skips whitespace, -- line comments and block comments. */
        void skipSpace() {
            while (pos < end) {
                char c = sql.charAt(pos);
                if (Character.isWhitespace(c)) {
                    pos++;
                } else if (c == '-' && pos + 1 < end && sql.charAt(pos + 1) == '-') {
                    int nl = sql.indexOf('\n', pos);
                    pos = nl < 0 || nl >= end ? end : nl + 1;
                } else if (c == '/' && pos + 1 < end && sql.charAt(pos + 1) == '*') {
                    int close = sql.indexOf("*/", pos + 2);
                    pos = close < 0 || close + 2 > end ? end : close + 2;
                } else {
                    return;
                }
            }
        }

        /** The next bare word in upper case, or null if the next token is not a word. */
        String nextWord() {
            skipSpace();
            if (pos >= end || !isWordChar(sql.charAt(pos))) {
                return null;
            }
            return word();
        }

        String word() {
            int start = pos;
            while (pos < end && isWordChar(sql.charAt(pos))) {
                pos++;
            }
            return sql.substring(start, pos).toUpperCase(Locale.ROOT);
        }

        /** The next identifier, bare or quoted, as written (quotes removed); null if there is none. */
        String nextName() {
            skipSpace();
            lastQuoted = false;
            if (pos >= end) {
                return null;
            }
            char c = sql.charAt(pos);
            if (c == '"' || c == '`' || c == '[' || c == '\'') {
                int start = pos;
                skipQuoted();
                lastQuoted = true;
                String q = sql.substring(start + 1, Math.max(start + 1, pos - 1));
                return c == '[' ? q : q.replace(String.valueOf(c) + c, String.valueOf(c));
            }
            if (!isWordChar(c)) {
                return null;
            }
            int start = pos;
            while (pos < end && isWordChar(sql.charAt(pos))) {
                pos++;
            }
            return sql.substring(start, pos);
        }

        /** The next word outside parentheses, literals and comments, in upper case; null at the end. */
        String nextTopLevelWord() {
            int depth = 0;
            while (true) {
                skipSpace();
                if (pos >= end) {
                    return null;
                }
                char c = sql.charAt(pos);
                if (c == '(') {
                    depth++;
                    pos++;
                } else if (c == ')') {
                    depth = Math.max(0, depth - 1);
                    pos++;
                } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
                    skipQuoted();
                } else if (isWordChar(c)) {
                    String w = word();
                    if (depth == 0) {
                        return w;
                    }
                } else {
                    pos++;
                }
            }
        }

        /** Skips a quoted literal or identifier starting at pos; a doubled quote is an escaped one. */
        void skipQuoted() {
            char open = sql.charAt(pos);
            char close = open == '[' ? ']' : open;
            pos++;
            while (pos < end) {
                char c = sql.charAt(pos++);
                if (c == close) {
                    if (close != ']' && pos < end && sql.charAt(pos) == close) {
                        pos++;
                    } else {
                        return;
                    }
                }
            }
        }
    }
}
