package dev.podis.protocol;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Formats doubles as Redis replies them: "%.17g" with trailing zeros dropped, and inf/-inf/nan. */
public final class Doubles {
    private Doubles() {
    }

    public static String format(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0) {
            return (1 / value < 0) ? "-0" : "0";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e17) {
            return Long.toString((long) value);
        }
        String exact = exactDyadic(value);
        return exact != null ? exact : formatRounded(value);
    }

    /** 5^j for j = 0..25 (5^25 < 2^63). */
    private static final long[] POW5 = new long[26];

    static {
        POW5[0] = 1;
        for (int j = 1; j < POW5.length; j++) {
            POW5[j] = POW5[j - 1] * 5;
        }
    }

    /**
     * Fast path for values such as 1.5 or 0.125: when value = n / 2^j exactly, its decimal form is
     * n * 5^j / 10^j; with at most 17 significant digits and in %g's fixed-notation range
     * ([1e-4, 1e17)) that is exactly what "%.17g" prints. Null when it does not apply.
     */
    private static String exactDyadic(double value) {
        double a = Math.abs(value);
        if (!(a >= 1e-4 && a < 1e17)) {
            return null;
        }
        for (int j = 1; j < POW5.length; j++) {
            double scaled = Math.scalb(a, j); // exact: only the exponent changes
            if (scaled >= 0x1p63) {
                return null;
            }
            if (scaled == Math.rint(scaled)) {
                long n = (long) scaled;
                if (n > Long.MAX_VALUE / POW5[j]) {
                    return null;
                }
                long digits = n * POW5[j];
                if (digits >= 100_000_000_000_000_000L) {
                    return null; // more than 17 significant digits: printf rounds
                }
                String d = Long.toString(digits);
                StringBuilder sb = new StringBuilder(d.length() + j + 3);
                if (value < 0) {
                    sb.append('-');
                }
                if (d.length() <= j) {
                    sb.append("0.");
                    for (int z = d.length(); z < j; z++) {
                        sb.append('0');
                    }
                    sb.append(d);
                } else {
                    sb.append(d, 0, d.length() - j).append('.').append(d, d.length() - j, d.length());
                }
                int end = sb.length();
                while (sb.charAt(end - 1) == '0') {
                    end--;
                }
                if (sb.charAt(end - 1) == '.') {
                    end--;
                }
                sb.setLength(end);
                return sb.toString();
            }
        }
        return null;
    }

    /** The general case: the exact binary value rounded to 17 significant digits. */
    static String formatRounded(double value) {
        return formatG(value, 17);
    }

    /**
     * C's {@code printf("%.<precision>g")} (Lua 5.1 formats numbers with {@code %.14g}): the value
     * rounded to {@code precision} significant digits, trailing zeros dropped, exponent form when
     * the exponent is below -4 or at least {@code precision}; "inf", "-inf", "nan" and "-0" as glibc.
     */
    public static String formatG(double value, int precision) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0) {
            return (1 / value < 0) ? "-0" : "0";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15 && Math.abs(value) < Math.pow(10, precision)) {
            return Long.toString((long) value);
        }
        BigDecimal bd = new BigDecimal(value).round(new MathContext(precision, RoundingMode.HALF_EVEN));
        int exponent = bd.precision() - bd.scale() - 1;
        if (exponent < -4 || exponent >= precision) {
            String digits = stripZeros(bd.unscaledValue().abs().toString());
            StringBuilder sb = new StringBuilder();
            if (value < 0) {
                sb.append('-');
            }
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append('e').append(exponent < 0 ? '-' : '+');
            int absExp = Math.abs(exponent);
            if (absExp < 10) {
                sb.append('0');
            }
            sb.append(absExp);
            return sb.toString();
        }
        String plain = bd.toPlainString();
        if (plain.indexOf('.') >= 0) {
            plain = stripZeros(plain);
            if (plain.endsWith(".")) {
                plain = plain.substring(0, plain.length() - 1);
            }
        }
        return plain;
    }

    private static String stripZeros(String s) {
        int end = s.length();
        while (end > 1 && s.charAt(end - 1) == '0') {
            end--;
        }
        return s.substring(0, end);
    }
}
