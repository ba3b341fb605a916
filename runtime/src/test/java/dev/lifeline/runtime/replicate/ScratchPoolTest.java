package dev.lifeline.runtime.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ScratchPoolTest {

    @Test
    void keepsAtMostItsLimitAndLendsTheLastReturnedFirst() {
        ScratchPool pool = new ScratchPool(2);
        ScratchPool.Scratch a = pool.take();
        ScratchPool.Scratch b = pool.take();
        ScratchPool.Scratch c = pool.take();
        assertNotSame(a, b);
        pool.give(a);
        pool.give(b);
        pool.give(c); // over the limit: dropped
        assertEquals(2, pool.idle());
        assertSame(b, pool.take(), "the most recently used set, whose buffers are warm");
        assertSame(a, pool.take());
        assertEquals(0, pool.idle());
        assertNotSame(c, pool.take(), "a dropped set is never lent again");
    }

    @Test
    void aReturnedSegmentBufferIsEmptyAndAHugeOneIsNotKept() {
        ScratchPool pool = new ScratchPool(1);
        ScratchPool.Scratch s = pool.take();
        s.segment.write(new byte[5 << 20], 0, 5 << 20);
        pool.give(s);
        ScratchPool.Scratch again = pool.take();
        assertSame(s, again);
        assertEquals(0, again.segment.size());
        assertEquals(64 << 10, again.segment.array().length, "a 5 MiB segment does not pin 5 MiB");
    }

    @Test
    void aNegativeLimitIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ScratchPool(-1));
    }
}
