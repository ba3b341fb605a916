package dev.lifeline.runtime.wal;

import static dev.lifeline.runtime.wal.WalFixtures.FHDR;
import static dev.lifeline.runtime.wal.WalFixtures.HDR;
import static dev.lifeline.runtime.wal.WalFixtures.assertScan;
import static dev.lifeline.runtime.wal.WalFixtures.between;
import static dev.lifeline.runtime.wal.WalFixtures.scanAll;
import static dev.lifeline.runtime.wal.WalFixtures.upTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.wal.WalFixtures.Fixture;
import dev.lifeline.runtime.wal.WalFixtures.Result;
import dev.lifeline.runtime.wal.WalFixtures.Tx;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real WAL cut at sampled byte offsets - every offset inside the header, and around every frame
 * boundary (exactly at it, just before/after, inside the frame header, inside the page) plus random
 * ones: the reader returns exactly the transactions whose commit frame lies wholly before the cut.
 */
class WalTruncationTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 4096, 65536})
    void returnsExactlyTheCommitsBeforeTheCut(int pageSize) throws Exception {
        Fixture fx = WalFixtures.jdbc(pageSize);
        byte[] wal = fx.wal();
        WalHeader h = fx.header();
        int fs = fx.frameSize();

        TreeSet<Long> cuts = new TreeSet<>();
        for (long c = 0; c <= HDR + 8; c++) {
            cuts.add(c);
        }
        // around every commit boundary (where the answer changes) many offsets; around a spread of
        // other frame boundaries (first, last, and up to ~30 / ~10 at 64 KiB pages) a few
        long frames = (wal.length - HDR) / fs;
        long step = Math.max(1, frames / (pageSize >= 32768 ? 10 : 30));
        for (long i = 0; i <= frames; i++) {
            if (i < 2 || i > frames - 2 || i % step == 0) {
                long b = HDR + i * fs;
                for (long d : new long[] {-1, 0, 1, 16, FHDR + pageSize / 2}) {
                    cuts.add(b + d);
                }
            }
        }
        for (Tx t : fx.commits()) {
            long e = t.endOffset();
            for (long d : new long[] {-fs, -fs + 1, -fs + 8, -fs + 23, -fs + FHDR, -8, -1, 0, 1, 7, 8, 16, 23, FHDR,
                    FHDR + 1, FHDR + pageSize / 2}) {
                cuts.add(e + d);
            }
        }
        Random rnd = new Random(pageSize);
        for (int i = 0; i < 40; i++) {
            cuts.add((long) rnd.nextInt(wal.length + 1));
        }
        cuts.removeIf(c -> c < 0 || c > wal.length);
        assertTrue(cuts.contains((long) wal.length));

        Path file = WalFixtures.write(tmp.resolve("cut.db-wal"), wal);
        WalReader reader = new WalReader(file);
        int mid = fx.commits().size() / 2;
        WalPosition midPos = fx.positionAfter(mid);
        int checked = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long cut : cuts.descendingSet()) {
                ch.truncate(cut);
                assertEquals(cut, reader.size());

                Optional<WalHeader> parsed = reader.readHeader();
                assertEquals(cut >= HDR, parsed.isPresent(), "header at cut " + cut);
                parsed.ifPresent(p -> assertEquals(h, p));
                assertEquals(cut >= HDR, WalHeader.parse(Arrays.copyOf(wal, (int) Math.min(cut, HDR)), 0).isPresent());

                Result r = scanAll(file, WalPosition.start(h));
                assertScan(upTo(fx.commits(), cut), r, wal);
                WalFrameDecoder.Stop expectedStop = cut <= HDR || h.isFrameBoundary(cut)
                        ? WalFrameDecoder.Stop.END_OF_INPUT : WalFrameDecoder.Stop.PARTIAL_FRAME;
                assertEquals(expectedStop, r.scan().stop(), "stop at cut " + cut);
                assertTrue(r.scan().end().offset() <= Math.max(cut, HDR));

                // a reader resuming mid-way gets the commits between its position and the cut
                if (checked % 3 == 0 || Math.abs(cut - midPos.offset()) <= fs) {
                    Result m = scanAll(file, midPos);
                    assertScan(between(fx.commits(), midPos.offset(), cut), m, wal);
                }
                checked++;
            }
        }
        assertTrue(checked > 100, "sampled " + checked + " cuts");
    }
}
