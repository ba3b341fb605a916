package dev.lifeline.runtime.db;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The 100-byte header at the start of every SQLite database file. */
public record DbHeader(int pageSize, int writeVersion, int readVersion, int changeCounter, int dbSizePages,
                       int versionValidFor) {

    public static final int SIZE = 100;
    private static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    /** Write/read version 2 means the database is in WAL mode; 1 means a rollback journal. */
    public boolean walMode() {
        return writeVersion == 2 && readVersion == 2;
    }

    /** The in-header size is only trustworthy when written by a SQLite that maintained it. */
    public boolean sizeValid() {
        return dbSizePages > 0 && versionValidFor == changeCounter;
    }

    public static DbHeader parse(byte[] b) throws NotSqliteException {
        if (b.length < SIZE || !Arrays.equals(b, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new NotSqliteException("missing the 'SQLite format 3' header");
        }
        int raw = (b[16] & 0xff) << 8 | (b[17] & 0xff);
        int pageSize = raw == 1 ? 65536 : raw;
        if (pageSize < 512 || Integer.bitCount(pageSize) != 1) {
            throw new NotSqliteException("invalid page size " + raw + " in the header");
        }
        return new DbHeader(pageSize, b[18] & 0xff, b[19] & 0xff, be(b, 24), be(b, 28), be(b, 92));
    }

    /** Reads the header of a database file, with an error that says what the file is instead. */
    public static DbHeader read(Path db) throws IOException {
        byte[] b;
        try (InputStream in = Files.newInputStream(db)) {
            b = in.readNBytes(SIZE);
        }
        if (b.length == 0) {
            throw new NotSqliteException(db + " is empty: not a SQLite database (yet)");
        }
        try {
            return parse(b);
        } catch (NotSqliteException e) {
            throw new NotSqliteException(db + " is not a SQLite database: " + e.getMessage());
        }
    }

    private static int be(byte[] d, int i) {
        return (d[i] & 0xff) << 24 | (d[i + 1] & 0xff) << 16 | (d[i + 2] & 0xff) << 8 | (d[i + 3] & 0xff);
    }

    /** The file is not a SQLite database. */
    public static final class NotSqliteException extends IOException {
        public NotSqliteException(String message) {
            super(message);
        }
    }
}
