package dev.podis.server.command;

/**
 * A compact latency histogram in nanoseconds, in the manner of HdrHistogram: values below 16 are
 * counted exactly, larger ones in 16 linear sub-buckets per power of two (about 6% precision).
 * Recording does not allocate; values above about 4.8 hours land in the last bucket.
 */
public final class LatencyHistogram {
    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXP = 43;
    private static final int BUCKETS = (MAX_EXP - SUB_BITS + 2) * SUB;

    private final long[] counts = new long[BUCKETS];
    private long total;

    public void record(long nanos) {
        counts[index(Math.max(1, nanos))]++;
        total++;
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int e = 63 - Long.numberOfLeadingZeros(v);
        if (e > MAX_EXP) {
            return BUCKETS - 1;
        }
        int sub = (int) (v >>> (e - SUB_BITS)) & (SUB - 1);
        return (e - SUB_BITS + 1) * SUB + sub;
    }

    /** The highest value that falls into bucket {@code i}. */
    static long highest(int i) {
        if (i < SUB) {
            return i;
        }
        int e = i / SUB + SUB_BITS - 1;
        int sub = i % SUB;
        long low = (long) (SUB + sub) << (e - SUB_BITS);
        return low + (1L << (e - SUB_BITS)) - 1;
    }

    public long count() {
        return total;
    }

    /** The value (ns) at percentile {@code p} (0..100): the highest value of the bucket that reaches it. */
    public long percentile(double p) {
        if (total == 0) {
            return 0;
        }
        long target = (long) Math.ceil(p / 100.0 * total);
        if (target < 1) {
            target = 1;
        }
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= target) {
                return highest(i);
            }
        }
        return highest(BUCKETS - 1);
    }

    /**
     * The cumulative distribution over power-of-two microsecond bounds, as LATENCY HISTOGRAM
     * reports it: for each bound (1, 2, 4, ... us) where the cumulative count changes, the bound
     * and the number of calls at or below it. Returns the number of pairs written to {@code out}
     * (bound, count alternating).
     */
    public int cumulativeByPowerOfTwoMicros(long[] out) {
        int n = 0;
        long seen = 0;
        long previous = 0;
        int i = 0;
        for (long boundUs = 1; seen < total && n + 2 <= out.length; boundUs <<= 1) {
            long boundNs = boundUs * 1024;
            while (i < BUCKETS && highest(i) <= boundNs) {
                seen += counts[i++];
            }
            if (i >= BUCKETS) {
                seen = total;
            }
            if (seen != previous) {
                out[n++] = boundUs;
                out[n++] = seen;
                previous = seen;
            }
        }
        return n;
    }
}
