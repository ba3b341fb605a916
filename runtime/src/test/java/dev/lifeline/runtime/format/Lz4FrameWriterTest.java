package dev.lifeline.runtime.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The kept-buffer writer must produce the very bytes of lz4-java's frame stream, whatever the input. */
class Lz4FrameWriterTest {

    private final Lz4FrameWriter writer = Lz4.frameWriter();

    private void same(byte[] data, int off, int len) throws IOException {
        byte[] ours = writer.compress(data, off, len);
        assertArrayEquals(Lz4.compress(data, off, len), ours, () -> "frame of " + len + " bytes at " + off);
        byte[] back = Lz4.decompress(ours);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, off, off + len), back);
    }

    private static byte[] walLike(int size, long seed) {
        // Pages of text and small integers with runs of zeros, as a WAL's are: compressible, not trivially.
        Random r = new Random(seed);
        byte[] b = new byte[size];
        for (int i = 0; i < size; ) {
            String word = "turn-" + r.nextInt(5000) + " tool_call " + (r.nextBoolean() ? "done " : "pending ");
            byte[] w = word.getBytes(StandardCharsets.US_ASCII);
            int n = Math.min(w.length, size - i);
            System.arraycopy(w, 0, b, i, n);
            i += n + r.nextInt(40); // gaps stay zero
        }
        return b;
    }

    @Test
    void sizesAroundTheBlockBoundary() throws IOException {
        byte[] data = walLike(3 * 65536 + 100, 1);
        for (int len : new int[] {0, 1, 7, 65535, 65536, 65537, 2 * 65536, 3 * 65536 + 100}) {
            same(data, 0, len);
        }
    }

    @Test
    void anOffsetIntoTheSource() throws IOException {
        byte[] data = walLike(300_000, 2);
        same(data, 32, 299_000 - 32);
    }

    @Test
    void incompressibleBlocksAreStoredAsTheyAre() throws IOException {
        byte[] random = new byte[200_000];
        new Random(3).nextBytes(random);
        same(random, 0, random.length);
        byte[] mixed = walLike(200_000, 4);
        System.arraycopy(random, 0, mixed, 65536, 65536); // one incompressible block among compressible ones
        same(mixed, 0, mixed.length);
    }

    @Test
    void theWorkBufferIsReusedAcrossFramesOfAnySize() throws IOException {
        same(walLike(1_000_000, 5), 0, 1_000_000);
        same(walLike(10_000, 6), 0, 10_000);
        same(walLike(6_000_000, 7), 0, 6_000_000); // past what the writer keeps between frames
        same(walLike(50_000, 8), 0, 50_000);
    }
}
