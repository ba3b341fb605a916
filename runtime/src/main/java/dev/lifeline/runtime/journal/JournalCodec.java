package dev.lifeline.runtime.journal;

import java.time.Instant;
import net.openhft.chronicle.bytes.Bytes;

/**
 * The binary layout of one journal record inside a Chronicle Queue document (format 1):
 * <pre>
 * byte    format (1)
 * byte    type: 1 write, 2 append, 3 set-length, 4 truncate, 5 create, 6 rename, 7 delete, 8 mkdir, 9 force
 * long    time, nanoseconds since the epoch
 * utf8    thread name
 * utf8    path
 * then by type: write: stop-bit offset, stop-bit length, bytes; append: stop-bit length, bytes;
 *   set-length, truncate: stop-bit length; create: byte truncate (0/1); rename: utf8 target;
 *   force: byte metadata (0/1); delete, mkdir: nothing
 * </pre>
 * Strings are Chronicle's length-prefixed UTF-8; stop-bit numbers are Chronicle's variable-length
 * encoding. A reader refuses a format or type it does not know.
 */
final class JournalCodec {

    static final byte FORMAT = 1;
    static final byte WRITE = 1;
    static final byte APPEND = 2;
    static final byte SET_LENGTH = 3;
    static final byte TRUNCATE = 4;
    static final byte CREATE = 5;
    static final byte RENAME = 6;
    static final byte DELETE = 7;
    static final byte MKDIR = 8;
    static final byte FORCE = 9;

    private JournalCodec() {
    }

    static void header(Bytes<?> b, byte type, long timeNanos, String thread, String path) {
        b.writeByte(FORMAT);
        b.writeByte(type);
        b.writeLong(timeNanos);
        b.writeUtf8(thread);
        b.writeUtf8(path);
    }

    static void writeData(Bytes<?> b, String thread, long timeNanos, String path, long offset, byte[] data, int off,
                          int len) {
        header(b, WRITE, timeNanos, thread, path);
        b.writeStopBit(offset);
        b.writeStopBit(len);
        b.write(data, off, len);
    }

    static void encode(Bytes<?> b, String thread, long timeNanos, Mutation m) {
        // (Java 17: no pattern matching in switch)
        if (m instanceof Mutation.Write w) {
            byte[] d = w.data();
            writeData(b, thread, timeNanos, w.path(), w.offset(), d, 0, d.length);
        } else if (m instanceof Mutation.Append a) {
            byte[] d = a.data();
            header(b, APPEND, timeNanos, thread, a.path());
            b.writeStopBit(d.length);
            b.write(d);
        } else if (m instanceof Mutation.SetLength s) {
            header(b, SET_LENGTH, timeNanos, thread, s.path());
            b.writeStopBit(s.length());
        } else if (m instanceof Mutation.Truncate t) {
            header(b, TRUNCATE, timeNanos, thread, t.path());
            b.writeStopBit(t.length());
        } else if (m instanceof Mutation.Create c) {
            header(b, CREATE, timeNanos, thread, c.path());
            b.writeByte((byte) (c.truncate() ? 1 : 0));
        } else if (m instanceof Mutation.Rename r) {
            header(b, RENAME, timeNanos, thread, r.path());
            b.writeUtf8(r.target());
        } else if (m instanceof Mutation.Delete d) {
            header(b, DELETE, timeNanos, thread, d.path());
        } else if (m instanceof Mutation.Mkdir d) {
            header(b, MKDIR, timeNanos, thread, d.path());
        } else if (m instanceof Mutation.Force f) {
            header(b, FORCE, timeNanos, thread, f.path());
            b.writeByte((byte) (f.metadata() ? 1 : 0));
        } else {
            throw new IllegalArgumentException("unknown mutation " + m);
        }
    }

    static JournalRecord decode(long index, Bytes<?> b) {
        byte format = b.readByte();
        if (format != FORMAT) {
            throw new JournalException("journal record " + Long.toHexString(index) + " has format " + format
                    + ", which this version does not know (it reads format " + FORMAT + ")");
        }
        byte type = b.readByte();
        long nanos = b.readLong();
        String thread = b.readUtf8();
        String path = b.readUtf8();
        Mutation m = switch (type) {
            case WRITE -> {
                long offset = b.readStopBit();
                byte[] d = new byte[Math.toIntExact(b.readStopBit())];
                b.read(d);
                yield new Mutation.Write(path, offset, d);
            }
            case APPEND -> {
                byte[] d = new byte[Math.toIntExact(b.readStopBit())];
                b.read(d);
                yield new Mutation.Append(path, d);
            }
            case SET_LENGTH -> new Mutation.SetLength(path, b.readStopBit());
            case TRUNCATE -> new Mutation.Truncate(path, b.readStopBit());
            case CREATE -> new Mutation.Create(path, b.readByte() != 0);
            case RENAME -> new Mutation.Rename(path, b.readUtf8());
            case DELETE -> new Mutation.Delete(path);
            case MKDIR -> new Mutation.Mkdir(path);
            case FORCE -> new Mutation.Force(path, b.readByte() != 0);
            default -> throw new JournalException("journal record " + Long.toHexString(index) + " has type " + type
                    + ", which this version does not know");
        };
        Instant time = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
        return new JournalRecord(index, time, thread == null ? "" : thread, m);
    }
}
