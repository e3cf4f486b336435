package dev.podis.storage.types;

import java.nio.charset.StandardCharsets;

/**
 * Integers as decimal text the way Redis recognises them (string2ll): canonical form only, no
 * '+', no leading zeros, no spaces, within 64 bits. The compact encodings (listpack, intset, the
 * RDB format) store such strings as integers.
 */
public final class Decimal {
    /** What {@link #parse} returns for text that is not an integer (and for Long.MIN_VALUE itself: see {@link #isMinLong}). */
    public static final long NOT_AN_INTEGER = Long.MIN_VALUE;

    private static final byte[] MIN_LONG = "-9223372036854775808".getBytes(StandardCharsets.US_ASCII);

    private Decimal() {
    }

    /** The value of {@code s[off, off + len)}, or {@link #NOT_AN_INTEGER}. */
    public static long parse(byte[] s, int off, int len) {
        if (len == 0 || len > 20) {
            return NOT_AN_INTEGER;
        }
        if (len == 1 && s[off] == '0') {
            return 0;
        }
        int i = off;
        int end = off + len;
        boolean negative = false;
        if (s[i] == '-') {
            negative = true;
            i++;
            if (i == end) {
                return NOT_AN_INTEGER;
            }
        }
        if (s[i] < '1' || s[i] > '9') {
            return NOT_AN_INTEGER;
        }
        long v = 0;
        for (; i < end; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) {
                return NOT_AN_INTEGER;
            }
            if (v < (Long.MIN_VALUE + d) / 10) {
                return NOT_AN_INTEGER;
            }
            v = v * 10 - d;
        }
        if (!negative) {
            return v == Long.MIN_VALUE ? NOT_AN_INTEGER : -v;
        }
        return v;
    }

    /** Whether {@code s[off, off + len)} is "-9223372036854775808" (which {@link #parse} cannot tell apart). */
    public static boolean isMinLong(byte[] s, int off, int len) {
        return len == 20 && java.util.Arrays.equals(s, off, off + len, MIN_LONG, 0, 20);
    }

    /** Whether the text is an integer in canonical form. */
    public static boolean isInteger(byte[] s, int off, int len) {
        return parse(s, off, len) != NOT_AN_INTEGER || isMinLong(s, off, len);
    }

    /** The decimal text of {@code v}. */
    public static byte[] text(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }
}
