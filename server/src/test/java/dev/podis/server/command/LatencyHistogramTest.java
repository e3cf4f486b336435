package dev.podis.server.command;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyHistogramTest {
    @Test
    void bucketsAreContiguousAndPrecise() {
        for (long v = 1; v < 1L << 40; v = v * 3 / 2 + 1) {
            int i = LatencyHistogram.index(v);
            assertTrue(LatencyHistogram.highest(i) >= v, "bucket of " + v + " holds it");
            assertTrue(i == 0 || LatencyHistogram.highest(i - 1) < v, "previous bucket ends below " + v);
            assertTrue(LatencyHistogram.highest(i) <= v + v / 16, "within 1/16 of " + v);
        }
    }

    @Test
    void percentilesOfAUniformSpread() {
        LatencyHistogram h = new LatencyHistogram();
        for (int us = 1; us <= 1000; us++) {
            h.record(us * 1000L);
        }
        assertEquals(1000, h.count());
        long p50 = h.percentile(50);
        long p99 = h.percentile(99);
        assertTrue(p50 >= 500_000 && p50 <= 500_000 * 17 / 16, "p50 " + p50);
        assertTrue(p99 >= 990_000 && p99 <= 990_000 * 17 / 16, "p99 " + p99);
        assertEquals(h.percentile(100), LatencyHistogram.highest(LatencyHistogram.index(1_000_000)));

        long[] cdf = new long[128];
        int n = h.cumulativeByPowerOfTwoMicros(cdf);
        assertEquals(1000, cdf[n - 1], "the last bound counts every call");
        for (int i = 2; i < n; i += 2) {
            assertEquals(cdf[i - 2] * 2, cdf[i], "bounds double");
            assertTrue(cdf[i + 1] > cdf[i - 1], "counts grow");
        }
    }
}
