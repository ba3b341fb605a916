package dev.lifeline.runtime.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * Every replica object is one standard LZ4 frame, so the {@code lz4} CLI and Litestream read it.
 * 64 KiB independent blocks with a content checksum.
 */
public final class Lz4 {

    private Lz4() {
    }

    public static OutputStream compressingStream(OutputStream out) throws IOException {
        return new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM);
    }

    public static byte[] compress(byte[] data, int off, int len) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(Math.max(64, len / 2));
        try (OutputStream out = compressingStream(bos)) {
            out.write(data, off, len);
        }
        return bos.toByteArray();
    }

    public static InputStream decompressingStream(InputStream in) throws IOException {
        return new LZ4FrameInputStream(in);
    }

    public static byte[] decompress(byte[] data) throws IOException {
        try (InputStream in = decompressingStream(new java.io.ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }
}
