package dev.podis.server.commands;

import dev.podis.server.Client;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Argument helpers shared by the command families: option names, numbers as Redis parses them. */
public final class Args {
    private Args() {
    }

    /** Case-insensitive comparison of an argument with an ASCII keyword ("EX", "NX"). */
    public static boolean is(byte[] arg, String keyword) {
        if (arg.length != keyword.length()) {
            return false;
        }
        for (int i = 0; i < arg.length; i++) {
            int a = arg[i];
            if (a >= 'a' && a <= 'z') {
                a -= 32;
            }
            int k = keyword.charAt(i);
            if (k >= 'a' && k <= 'z') {
                k -= 32;
            }
            if (a != k) {
                return false;
            }
        }
        return true;
    }

    public static String str(byte[] arg) {
        return new String(arg, StandardCharsets.UTF_8);
    }

    public static String lower(byte[] arg) {
        return str(arg).toLowerCase(Locale.ROOT);
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Sentinel for {@link #parseLong} failures. */
    public static final long NOT_A_NUMBER = Long.MIN_VALUE;

    /**
     * Parses a signed 64-bit decimal exactly as Redis's string2ll: no spaces, no '+', no leading
     * zeros, at most 20 characters. Returns {@link #NOT_A_NUMBER} on failure (and for
     * Long.MIN_VALUE itself, which callers check with {@link #isLong}).
     */
    public static long parseLong(byte[] s) {
        return parseLong(s, s.length);
    }

    /** {@link #parseLong(byte[])} of the first {@code len} bytes of {@code s}. */
    public static long parseLong(byte[] s, int len) {
        if (len == 0 || len > 20) {
            return NOT_A_NUMBER;
        }
        if (len == 1 && s[0] == '0') {
            return 0;
        }
        int i = 0;
        boolean negative = false;
        if (s[0] == '-') {
            negative = true;
            i++;
            if (len == 1) {
                return NOT_A_NUMBER;
            }
        }
        if (s[i] < '1' || s[i] > '9') {
            return NOT_A_NUMBER;
        }
        long v = 0;
        for (; i < len; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) {
                return NOT_A_NUMBER;
            }
            // accumulate negatively so Long.MIN_VALUE parses
            if (v < (Long.MIN_VALUE + d) / 10) {
                return NOT_A_NUMBER;
            }
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == Long.MIN_VALUE) {
                return NOT_A_NUMBER;
            }
            return -v;
        }
        return v;
    }

    /** True if {@code s} is a valid 64-bit integer in Redis's strict form. */
    public static boolean isLong(byte[] s) {
        return parseLong(s) != NOT_A_NUMBER || (s.length == 20 && str(s).equals("-9223372036854775808"));
    }

    public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    public static final String SYNTAX = "ERR syntax error";
    public static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

    /**
     * A collection command's looked-up payload ({@code ServerContext.lookupReadCollection} or
     * {@code lookupWriteCollection}) as its type: null when the key is missing, {@code wrong} (the
     * family's marker) after a WRONGTYPE reply when the key holds another type.
     */
    public static <T> T payload(Client c, Object v, Class<T> type, T wrong) {
        if (v == null) {
            return null;
        }
        if (!type.isInstance(v)) {
            c.error(WRONGTYPE);
            return wrong;
        }
        return type.cast(v);
    }

    /** Returned by {@link #intOrReply} after it replied with an error. */
    public static final long INVALID = Long.MIN_VALUE;

    /**
     * Parses a 32-bit integer as Redis's getIntFromObjectOrReply: a reply of {@code message} (or, when
     * null, Redis's default texts for a non-number and for a number outside the int range) and
     * {@link #INVALID} on failure.
     */
    public static long intOrReply(Client c, byte[] arg, String message) {
        long v = Args.parseLong(arg);
        if (v == Args.NOT_A_NUMBER && !Args.isLong(arg)) {
            c.error(message != null ? message : Args.NOT_INTEGER);
            return INVALID;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            c.error(message != null ? message
                    : "ERR value is out of range, value must between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
            return INVALID;
        }
        return v;
    }
}
