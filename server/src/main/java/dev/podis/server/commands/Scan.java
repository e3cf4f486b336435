package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.util.Glob;

import java.util.List;

/**
 * What SCAN, HSCAN, SSCAN and ZSCAN share (Redis's scanGenericCommand): the cursor, the COUNT,
 * MATCH and TYPE options, and the reply [next-cursor, [items...]].
 *
 * <p>The order of checks is Redis's: the cursor first, then the key (for HSCAN/SSCAN/ZSCAN: a
 * missing key replies an empty scan, another type WRONGTYPE), then the options.
 */
final class Scan {
    static final String INVALID_CURSOR = "ERR invalid cursor";
    private static final byte[] ZERO = {'0'};

    long count = 10;
    /** The MATCH pattern, or null when absent or matching everything. */
    byte[] pattern;
    /** The TYPE argument (SCAN only), or null. */
    byte[] typeName;

    private Scan() {
    }

    /**
     * Parses the options from {@code argv[from]} on; replies the error and returns null when they
     * are invalid.
     */
    static Scan options(Client c, byte[][] argv, int from, boolean allowType) {
        Scan s = new Scan();
        for (int i = from; i < argv.length; i++) {
            boolean hasValue = i + 1 < argv.length;
            if (Args.is(argv[i], "COUNT") && hasValue) {
                s.count = Args.parseLong(argv[i + 1]);
                if (s.count == Args.NOT_A_NUMBER && !Args.isLong(argv[i + 1])) {
                    c.error(Args.NOT_INTEGER);
                    return null;
                }
                if (s.count < 1) {
                    c.error(Args.SYNTAX);
                    return null;
                }
                i++;
            } else if (Args.is(argv[i], "MATCH") && hasValue) {
                s.pattern = argv[++i];
                if (Glob.matchesAll(s.pattern)) {
                    s.pattern = null;
                }
            } else if (allowType && Args.is(argv[i], "TYPE") && hasValue) {
                s.typeName = argv[++i];
            } else {
                c.error(Args.SYNTAX);
                return null;
            }
        }
        return s;
    }

    boolean matches(byte[] a, int off, int len) {
        return pattern == null || Glob.match(pattern, 0, pattern.length, a, off, len, false);
    }

    boolean matches(byte[] a) {
        return matches(a, 0, a.length);
    }

    /** The reply: the next cursor (unsigned) and the items found. */
    static void reply(Client c, long next, List<byte[]> items) {
        RespWriter r = c.reply();
        r.arrayHeader(2);
        r.bulk(Args.bytes(Long.toUnsignedString(next)));
        r.arrayHeader(items.size());
        for (byte[] b : items) {
            r.bulk(b);
        }
    }

    /** The reply for a missing key: cursor 0, nothing found. */
    static void replyEmpty(Client c) {
        RespWriter r = c.reply();
        r.arrayHeader(2);
        r.bulk(ZERO);
        r.arrayHeader(0);
    }

    private static final long MAX_CURSOR_DIV_10 = Long.divideUnsigned(-1L, 10);

    /**
     * True if {@code s} is a SCAN cursor Redis accepts (it parses with strtoul, base 10): an
     * unsigned 64-bit decimal with an optional sign, leading zeros allowed, no leading space,
     * nothing after the digits; the empty string is 0, and the text ends at a NUL byte.
     */
    static boolean validCursor(byte[] s) {
        int len = cursorLength(s);
        if (len == 0) {
            return true;
        }
        if (isSpace(s[0])) {
            return false;
        }
        int i = s[0] == '+' || s[0] == '-' ? 1 : 0;
        if (i == len) {
            return false;
        }
        long v = 0;
        for (; i < len; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            int cmp = Long.compareUnsigned(v, MAX_CURSOR_DIV_10);
            if (cmp > 0 || (cmp == 0 && d > 5)) {
                return false; // above 2^64-1
            }
            v = v * 10 + d;
        }
        return true;
    }

    /** The value of a cursor accepted by {@link #validCursor}, as unsigned bits ("-1" is 2^64-1). */
    static long cursorValue(byte[] s) {
        int len = cursorLength(s);
        if (len == 0) {
            return 0;
        }
        int i = s[0] == '+' || s[0] == '-' ? 1 : 0;
        long v = 0;
        for (int j = i; j < len; j++) {
            v = v * 10 + (s[j] - '0');
        }
        return s[0] == '-' ? -v : v;
    }

    private static int cursorLength(byte[] s) {
        int len = 0;
        while (len < s.length && s[len] != 0) {
            len++;
        }
        return len;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == 0x0b || b == '\f' || b == '\r';
    }
}
