package dev.podis.server.commands;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * INCRBYFLOAT arithmetic as Redis does it on x86-64: values are C {@code long double}s (x87
 * extended precision: 64-bit significand, 15-bit exponent), read with {@code strtold} and printed
 * with {@code "%.17Lf"} minus trailing zeros. Java has no such type, so every value is kept as the
 * exact {@link BigDecimal} of the extended-precision number it stands for, and each operation
 * rounds its exact result to 64 significant bits (round half to even), as the FPU does.
 *
 * <p>This matters for the replies users see: 10.5 + 0.1 is "10.6" in Redis, whereas double
 * arithmetic would print 10.59999999999999964.
 */
final class LongDouble {
    /** Redis refuses number strings of this length or longer (MAX_LONG_DOUBLE_CHARS). */
    static final int MAX_CHARS = 5 * 1024;
    /** Returned by {@link #parse} for "inf"/"infinity" (which strtold accepts). */
    static final BigDecimal INFINITE = new BigDecimal(BigInteger.ONE, -1_000_000);

    /** Exponent of the least subnormal: every long double is m * 2^e with e >= this. */
    private static final int MIN_EXP = -16445;
    /** With m normalized below 2^64, values with e above this overflow to infinity. */
    private static final int MAX_EXP = 16320;
    private static final BigInteger FIVE = BigInteger.valueOf(5);
    private static final long EXP_CLAMP = 100_000;

    private LongDouble() {
    }

    /**
     * The long double that {@code s} denotes, as Redis's string2ld accepts it: strtold syntax
     * (decimal, hexadecimal with binary exponent, inf/infinity), no leading space, the whole
     * string consumed, no NaN, and no overflow or underflow to zero. Returns null when invalid and
     * {@link #INFINITE} for an infinity.
     */
    static BigDecimal parse(byte[] s) {
        int len = s.length;
        if (len == 0 || len >= MAX_CHARS || isSpace(s[0])) {
            return null;
        }
        int i = 0;
        boolean negative = false;
        if (s[0] == '+' || s[0] == '-') {
            negative = s[0] == '-';
            i++;
        }
        if (i < len && (s[i] == 'i' || s[i] == 'I')) {
            return matchesWord(s, i, "inf") || matchesWord(s, i, "infinity") ? INFINITE : null;
        }
        BigDecimal exact;
        if (i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
            exact = parseHex(s, i + 2);
        } else {
            exact = parseDecimal(s, i);
        }
        if (exact == null) {
            return null; // bad syntax, or far out of range (strtold: ERANGE)
        }
        if (exact.signum() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal rounded = round(exact);
        if (rounded == null || rounded.signum() == 0) {
            return null; // ERANGE: overflow, or underflow to zero
        }
        return negative ? rounded.negate() : rounded;
    }

    /** a + b rounded to long double; null if the sum overflows (Redis: NaN or Infinity). */
    static BigDecimal add(BigDecimal a, BigDecimal b) {
        if (a == INFINITE || b == INFINITE) {
            return null;
        }
        BigDecimal sum = a.add(b);
        if (sum.signum() == 0) {
            return BigDecimal.ZERO;
        }
        return round(sum);
    }

    /** The value as Redis prints it: "%.17Lf", trailing zeros and point removed, "-0" as "0". */
    static byte[] format(BigDecimal value) {
        String text = value.setScale(17, RoundingMode.HALF_EVEN).toPlainString();
        int end = text.length();
        if (text.indexOf('.') >= 0) {
            while (text.charAt(end - 1) == '0') {
                end--;
            }
            if (text.charAt(end - 1) == '.') {
                end--;
            }
        }
        text = text.substring(0, end);
        if (text.equals("-0")) {
            text = "0";
        }
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Rounds a nonzero exact value to the nearest long double (ties to even); subnormals keep
     * fewer bits. Returns null on overflow, zero when it underflows completely.
     */
    static BigDecimal round(BigDecimal x) {
        boolean negative = x.signum() < 0;
        BigInteger num = x.unscaledValue().abs();
        BigInteger den = BigInteger.ONE;
        if (x.scale() < 0) {
            num = num.multiply(BigInteger.TEN.pow(-x.scale()));
        } else if (x.scale() > 0) {
            den = BigInteger.TEN.pow(x.scale());
        }
        // Find e with 2^63 <= num / (den * 2^e) < 2^64.
        int e = num.bitLength() - den.bitLength() - 64;
        BigInteger[] qr;
        while (true) {
            if (e < MIN_EXP) {
                e = MIN_EXP;
            }
            qr = divide(num, den, e);
            int bits = qr[0].bitLength();
            if (bits > 64) {
                e += bits - 64;
            } else if (bits < 64 && e > MIN_EXP) {
                e -= 64 - bits;
            } else {
                break;
            }
        }
        BigInteger q = qr[0];
        BigInteger divisor = e >= 0 ? den.shiftLeft(e) : den;
        int cmp = qr[1].shiftLeft(1).compareTo(divisor);
        if (cmp > 0 || (cmp == 0 && q.testBit(0))) {
            q = q.add(BigInteger.ONE);
            if (q.bitLength() > 64) {
                q = q.shiftRight(1);
                e++;
            }
        }
        if (e > MAX_EXP) {
            return null;
        }
        if (q.signum() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal r = e >= 0 ? new BigDecimal(q.shiftLeft(e)) : new BigDecimal(q.multiply(FIVE.pow(-e)), -e);
        return negative ? r.negate() : r;
    }

    /** floor(num / (den * 2^e)) and its remainder (relative to the divisor used). */
    private static BigInteger[] divide(BigInteger num, BigInteger den, int e) {
        if (e >= 0) {
            return num.divideAndRemainder(den.shiftLeft(e));
        }
        return num.shiftLeft(-e).divideAndRemainder(den);
    }

    /** Decimal strtold syntax from {@code i}: digits [. digits] [e [sign] digits], all consumed. */
    private static BigDecimal parseDecimal(byte[] s, int i) {
        int len = s.length;
        StringBuilder digits = new StringBuilder();
        int fraction = 0;
        boolean any = false;
        while (i < len && isDigit(s[i])) {
            digits.append((char) s[i++]);
            any = true;
        }
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && isDigit(s[i])) {
                digits.append((char) s[i++]);
                fraction++;
                any = true;
            }
        }
        if (!any) {
            return null;
        }
        long exp = 0;
        if (i < len && (s[i] == 'e' || s[i] == 'E')) {
            int at = i + 1;
            boolean expNegative = false;
            if (at < len && (s[at] == '+' || s[at] == '-')) {
                expNegative = s[at] == '-';
                at++;
            }
            if (at >= len || !isDigit(s[at])) {
                return null; // strtold stops before the 'e': trailing garbage
            }
            while (at < len && isDigit(s[at])) {
                exp = Math.min(exp * 10 + (s[at++] - '0'), EXP_CLAMP);
            }
            if (expNegative) {
                exp = -exp;
            }
            i = at;
        }
        if (i != len) {
            return null;
        }
        BigInteger mantissa = new BigInteger(digits.toString());
        if (mantissa.signum() == 0) {
            return BigDecimal.ZERO;
        }
        long scale = fraction - exp;
        // The value is below 10^(significant digits - scale): reject what is far out of range
        // (overflow or underflow to zero) before building huge numbers; round() decides the rest.
        long magnitude = mantissa.toString().length() - scale;
        if (magnitude > 4940 || magnitude < -4960) {
            return null;
        }
        return new BigDecimal(mantissa, (int) scale);
    }

    /** Hexadecimal strtold syntax after "0x": hexdigits [. hexdigits] [p [sign] digits]. */
    private static BigDecimal parseHex(byte[] s, int i) {
        int len = s.length;
        BigInteger mantissa = BigInteger.ZERO;
        long binaryExp = 0;
        boolean any = false;
        while (i < len && hexValue(s[i]) >= 0) {
            mantissa = mantissa.shiftLeft(4).add(BigInteger.valueOf(hexValue(s[i++])));
            any = true;
        }
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && hexValue(s[i]) >= 0) {
                mantissa = mantissa.shiftLeft(4).add(BigInteger.valueOf(hexValue(s[i++])));
                binaryExp -= 4;
                any = true;
            }
        }
        if (!any) {
            return null;
        }
        if (i < len && (s[i] == 'p' || s[i] == 'P')) {
            int at = i + 1;
            boolean expNegative = false;
            if (at < len && (s[at] == '+' || s[at] == '-')) {
                expNegative = s[at] == '-';
                at++;
            }
            if (at >= len || !isDigit(s[at])) {
                return null;
            }
            long exp = 0;
            while (at < len && isDigit(s[at])) {
                exp = Math.min(exp * 10 + (s[at++] - '0'), EXP_CLAMP);
            }
            binaryExp += expNegative ? -exp : exp;
            i = at;
        }
        if (i != len) {
            return null;
        }
        if (mantissa.signum() == 0) {
            return BigDecimal.ZERO;
        }
        long top = binaryExp + mantissa.bitLength();
        if (top > MAX_EXP + 66 || top < MIN_EXP - 2) {
            return null; // overflow or underflow to zero
        }
        if (binaryExp >= 0) {
            return new BigDecimal(mantissa.shiftLeft((int) binaryExp));
        }
        int n = (int) -binaryExp;
        return new BigDecimal(mantissa.multiply(FIVE.pow(n)), n);
    }

    private static boolean matchesWord(byte[] s, int from, String word) {
        if (s.length - from != word.length()) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            int ch = s[from + k] | 0x20;
            if (ch != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int lower = b | 0x20;
        if (lower >= 'a' && lower <= 'f') {
            return lower - 'a' + 10;
        }
        return -1;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }
}
