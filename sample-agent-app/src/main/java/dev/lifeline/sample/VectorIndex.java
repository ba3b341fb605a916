package dev.lifeline.sample;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * memory/vectors.idx: a tiny embedding store of fixed-size records, maintained with positional writes
 * (the access pattern of real vector indexes, unlike append-only logs or rename-replaced files).
 *
 * <pre>
 * header (32 bytes): int magic 'VIDX' | int version=1 | int dim=64 | int count | int crc32(bytes 0..15) | padding
 * record (264 bytes): int turn_no | 64 x float32 | int crc32(bytes 0..259)      at offset 32 + i * 264
 * </pre>
 *
 * An update writes record {@code count} first and then rewrites the header in place with count+1:
 * the header is the commit point, so bytes beyond {@code count} records are ignored (an interrupted append).
 */
final class VectorIndex implements AutoCloseable {

    static final int MAGIC = 0x56494458; // "VIDX"
    static final int HEADER_SIZE = 32;
    static final int RECORD_SIZE = 4 + TurnGenerator.VECTOR_DIM * 4 + 4;

    /** Result of reading the file back; {@code turns} are the record turn numbers of valid records in order. */
    record Scan(boolean present, int count, List<Long> turns, List<String> problems) {
    }

    private final FileChannel channel;
    private int count;

    private VectorIndex(FileChannel channel, int count) {
        this.channel = channel;
        this.count = count;
    }

    /** Opens an existing index (which must scan clean) or creates an empty one. */
    static VectorIndex open(Path file) throws IOException {
        Scan scan = scan(file);
        if (!scan.problems().isEmpty()) {
            throw new IOException(file + " is damaged: " + String.join("; ", scan.problems()));
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        VectorIndex index = new VectorIndex(ch, scan.count());
        if (ch.size() < HEADER_SIZE) {
            index.writeHeader(0);
        }
        return index;
    }

    int count() {
        return count;
    }

    void append(long turnNo, float[] vector) throws IOException {
        ByteBuffer rec = ByteBuffer.allocate(RECORD_SIZE);
        rec.putInt((int) turnNo);
        for (float f : vector) {
            rec.putFloat(f);
        }
        rec.putInt(crc(rec.array(), RECORD_SIZE - 4));
        writeFully(rec.flip(), HEADER_SIZE + (long) count * RECORD_SIZE);
        writeHeader(count + 1);
        count++;
    }

    private void writeHeader(int newCount) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE);
        h.putInt(MAGIC).putInt(1).putInt(TurnGenerator.VECTOR_DIM).putInt(newCount);
        h.putInt(crc(h.array(), 16));
        writeFully(h.rewind(), 0);
    }

    private void writeFully(ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            position += channel.write(buf, position);
        }
    }

    static Scan scan(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new Scan(false, 0, List.of(), List.of());
        }
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file));
        List<String> problems = new ArrayList<>();
        if (all.capacity() == 0) {
            return new Scan(true, 0, List.of(), problems); // created, header not yet written
        }
        if (all.capacity() < HEADER_SIZE) {
            problems.add("header is truncated (" + all.capacity() + " of " + HEADER_SIZE + " bytes)");
            return new Scan(true, 0, List.of(), problems);
        }
        int magic = all.getInt(0), version = all.getInt(4), dim = all.getInt(8), count = all.getInt(12);
        if (crc(all.array(), 16) != all.getInt(16)) {
            problems.add("header CRC mismatch");
        } else if (magic != MAGIC || version != 1 || dim != TurnGenerator.VECTOR_DIM || count < 0) {
            problems.add("header has magic/version/dim/count " + Integer.toHexString(magic) + "/" + version + "/" + dim + "/" + count);
        }
        if (!problems.isEmpty()) {
            return new Scan(true, 0, List.of(), problems);
        }
        long needed = HEADER_SIZE + (long) count * RECORD_SIZE;
        if (all.capacity() < needed) {
            problems.add("header counts " + count + " records but file holds only " + (all.capacity() - HEADER_SIZE) / RECORD_SIZE);
            count = (all.capacity() - HEADER_SIZE) / RECORD_SIZE;
        }
        List<Long> turns = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int off = HEADER_SIZE + i * RECORD_SIZE;
            byte[] rec = new byte[RECORD_SIZE];
            all.get(off, rec);
            long turn = all.getInt(off);
            if (crc(rec, RECORD_SIZE - 4) != all.getInt(off + RECORD_SIZE - 4)) {
                problems.add("record " + i + " (turn " + turn + ") fails its CRC");
            } else if (!turns.isEmpty() && turn <= turns.get(turns.size() - 1)) {
                problems.add("record " + i + " is for turn " + turn + ", not after turn " + turns.get(turns.size() - 1));
            }
            turns.add(turn);
        }
        return new Scan(true, count, turns, problems);
    }

    private static int crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
