package dev.lifeline.runtime.journal;

import net.openhft.chronicle.bytes.Bytes;

/**
 * Records in their journal encoding outside the queue: what the shipper copies into journal
 * segments and what a restore reads back from them (the layout is {@link JournalCodec}'s).
 */
public final class JournalRecords {

    private JournalRecords() {
    }

    /** Decodes one record from its encoded bytes, as stored at {@code index}. */
    public static JournalRecord decode(long index, byte[] encoded) {
        Bytes<byte[]> b = Bytes.wrapForRead(encoded);
        try {
            return JournalCodec.decode(index, b);
        } catch (RuntimeException e) {
            if (e instanceof JournalException) {
                throw e;
            }
            throw new JournalException("journal record " + Long.toHexString(index) + " cannot be decoded: " + e, e);
        } finally {
            b.releaseLast();
        }
    }

    /**
     * The time of an encoded record, nanoseconds since the epoch, read without decoding its data
     * (the header is format, type, then the time: see {@link JournalCodec}).
     */
    public static long timeNanos(byte[] encoded) {
        if (encoded.length < 10) {
            throw new JournalException("a journal record of " + encoded.length + " bytes is too short for its header");
        }
        Bytes<byte[]> b = Bytes.wrapForRead(encoded);
        try {
            return b.readLong(2);
        } finally {
            b.releaseLast();
        }
    }
}
