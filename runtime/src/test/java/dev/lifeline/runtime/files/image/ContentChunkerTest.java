package dev.lifeline.runtime.files.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContentChunkerTest {

    private static final ContentChunker CHUNKER = new ContentChunker(ChunkSizes.DEFAULT);

    private static List<String> chunks(byte[] data, List<Integer> sizes) throws Exception {
        List<String> out = new ArrayList<>();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long n = CHUNKER.split(new ByteArrayInputStream(data), (b, off, len) -> {
            sha.update(b, off, len);
            out.add(HexFormat.of().formatHex(sha.digest()));
            sizes.add(len);
        });
        assertEquals(data.length, n);
        return out;
    }

    private static long changed(List<String> before, List<String> after) {
        Set<String> old = new HashSet<>(before);
        return after.stream().filter(c -> !old.contains(c)).count();
    }

    @Test
    void anInsertOrDeleteNearTheStartOfABigFileChangesOnlyTheChunksAroundIt() throws Exception {
        byte[] data = new byte[48 << 20];
        new Random(42).nextBytes(data);
        List<Integer> sizes = new ArrayList<>();
        List<String> base = chunks(data, sizes);
        // Sizes: within bounds (the last excepted), average near 1 MiB.
        for (int i = 0; i < sizes.size() - 1; i++) {
            int s = sizes.get(i);
            assertTrue(s >= ChunkSizes.DEFAULT.min() && s <= ChunkSizes.DEFAULT.max(), "chunk " + i + ": " + s);
        }
        double avg = (double) data.length / sizes.size();
        assertTrue(avg > 700_000 && avg < 1_800_000, "average chunk " + avg + " over " + sizes.size());

        byte[] inserted = new byte[data.length + 100];
        System.arraycopy(data, 0, inserted, 0, 5000);
        for (int i = 0; i < 100; i++) {
            inserted[5000 + i] = (byte) (i * 31 + 7);
        }
        System.arraycopy(data, 5000, inserted, 5100, data.length - 5000);
        List<String> afterInsert = chunks(inserted, new ArrayList<>());
        assertTrue(changed(base, afterInsert) <= 2, "insert changed " + changed(base, afterInsert) + " of " + base.size());

        byte[] deleted = new byte[data.length - 4096];
        System.arraycopy(data, 0, deleted, 0, 3000);
        System.arraycopy(data, 3000 + 4096, deleted, 3000, data.length - 3000 - 4096);
        List<String> afterDelete = chunks(deleted, new ArrayList<>());
        assertTrue(changed(base, afterDelete) <= 2, "delete changed " + changed(base, afterDelete) + " of " + base.size());

        // In the middle too.
        byte[] mid = data.clone();
        mid[data.length / 2] ^= 1;
        assertTrue(changed(base, chunks(mid, new ArrayList<>())) <= 2);
    }

    @Test
    void smallInputsAreOneChunkAndEmptyIsNone() throws IOException {
        List<Integer> sizes = new ArrayList<>();
        CHUNKER.split(new ByteArrayInputStream(new byte[0]), (b, off, len) -> sizes.add(len));
        assertEquals(List.of(), sizes);
        CHUNKER.split(new ByteArrayInputStream(new byte[1000]), (b, off, len) -> sizes.add(len));
        assertEquals(List.of(1000), sizes);
    }

    @Test
    void constantContentIsCutAtTheMaximum() throws IOException {
        List<Integer> sizes = new ArrayList<>();
        CHUNKER.split(new ByteArrayInputStream(new byte[20 << 20]), (b, off, len) -> sizes.add(len));
        // Zeros hash to a constant that is not a boundary: cuts at max, then the rest.
        assertEquals(20 << 20, sizes.stream().mapToInt(Integer::intValue).sum());
        assertTrue(sizes.stream().allMatch(s -> s <= ChunkSizes.DEFAULT.max()));
    }
}
