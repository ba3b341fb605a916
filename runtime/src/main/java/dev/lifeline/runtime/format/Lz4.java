package dev.lifeline.runtime.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Every replica object is one standard LZ4 frame, so the {@code lz4} CLI and Litestream read it.
 * 64 KiB independent blocks with a content checksum.
 */
public final class Lz4 {

    /**
     * The native (JNI) codecs when they load, else the pure-Java ones. Chosen explicitly: the
     * libraries' own {@code fastestInstance()} declines JNI in any class loader but the system
     * one, which inside the agent's isolated loader meant the safe Java codec at several times the
     * CPU. Each loader extracts its own copy of the native library, so the host's lz4-java, if
     * any, is not affected. From Java 22 on, loading a native library without native access
     * granted prints a warning on the host's standard error: there the Java codec is used unless
     * the JVM runs with {@code --enable-native-access=ALL-UNNAMED}.
     */
    private static final LZ4Factory LZ4 = lz4();
    private static final XXHashFactory XXHASH = xxhash();

    private Lz4() {
    }

    private static LZ4Factory lz4() {
        if (!nativeAccessQuiet()) {
            return LZ4Factory.fastestInstance();
        }
        try {
            return LZ4Factory.nativeInstance();
        } catch (Throwable e) {
            return LZ4Factory.fastestInstance();
        }
    }

    private static XXHashFactory xxhash() {
        if (!nativeAccessQuiet()) {
            return XXHashFactory.fastestInstance();
        }
        try {
            return XXHashFactory.nativeInstance();
        } catch (Throwable e) {
            return XXHashFactory.fastestInstance();
        }
    }

    /** Whether this code may load a native library without the JVM printing a warning. */
    private static boolean nativeAccessQuiet() {
        if (Runtime.version().feature() < 22) {
            return true;
        }
        try {
            return (Boolean) Module.class.getMethod("isNativeAccessEnabled").invoke(Lz4.class.getModule());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    public static OutputStream compressingStream(OutputStream out) throws IOException {
        return new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, -1L,
                LZ4.fastCompressor(), XXHASH.hash32(),
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM);
    }

    /** A frame writer that keeps its work buffer: for one thread that compresses again and again. */
    public static Lz4FrameWriter frameWriter() {
        return new Lz4FrameWriter(LZ4.fastCompressor(), XXHASH.hash32());
    }

    public static byte[] compress(byte[] data, int off, int len) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(Math.max(64, len / 2));
        try (OutputStream out = compressingStream(bos)) {
            out.write(data, off, len);
        }
        return bos.toByteArray();
    }

    public static InputStream decompressingStream(InputStream in) throws IOException {
        return new LZ4FrameInputStream(in, LZ4.safeDecompressor(), XXHASH.hash32());
    }

    public static byte[] decompress(byte[] data) throws IOException {
        try (InputStream in = decompressingStream(new java.io.ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }
}
