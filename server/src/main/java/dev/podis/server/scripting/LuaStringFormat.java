package dev.podis.server.scripting;

import dev.podis.protocol.Doubles;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Lua 5.1's {@code string.format} with C printf semantics (LuaJ's own ignores some widths and
 * precisions and prints numbers its own way): {@code %d %i %u %c %o %x %X %e %E %f %g %G %q %s
 * %%} with the flags {@code -+ #0}, a width and a precision of up to two digits each.
 */
final class LuaStringFormat extends VarArgFunction {
    @Override
    public Varargs invoke(Varargs args) {
        byte[] fmt = Scripting.bytes(args.checkstring(1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int arg = 1;
        int i = 0;
        while (i < fmt.length) {
            byte c = fmt[i++];
            if (c != '%') {
                out.write(c);
                continue;
            }
            if (i < fmt.length && fmt[i] == '%') {
                out.write('%');
                i++;
                continue;
            }
            int start = i;
            while (i < fmt.length && "-+ #0".indexOf(fmt[i]) >= 0) {
                i++;
            }
            if (i - start > 5) {
                throw new LuaError("invalid format (repeated flags)");
            }
            String flags = new String(fmt, start, i - start, StandardCharsets.US_ASCII);
            int width = -1;
            int ws = i;
            while (i < fmt.length && fmt[i] >= '0' && fmt[i] <= '9') {
                i++;
            }
            if (i - ws > 2) {
                throw new LuaError("invalid format (width or precision too long)");
            }
            if (i > ws) {
                width = Integer.parseInt(new String(fmt, ws, i - ws, StandardCharsets.US_ASCII));
            }
            int precision = -1;
            if (i < fmt.length && fmt[i] == '.') {
                i++;
                int ps = i;
                while (i < fmt.length && fmt[i] >= '0' && fmt[i] <= '9') {
                    i++;
                }
                if (i - ps > 2) {
                    throw new LuaError("invalid format (width or precision too long)");
                }
                precision = i > ps ? Integer.parseInt(new String(fmt, ps, i - ps, StandardCharsets.US_ASCII)) : 0;
            }
            if (i >= fmt.length) {
                throw new LuaError("invalid option '%' to 'format'");
            }
            char conv = (char) fmt[i++];
            arg++;
            switch (conv) {
                case 'c':
                    pad(out, new byte[] {(byte) args.checkint(arg)}, flags, width);
                    break;
                case 'd': case 'i': {
                    long n = LuaReplies.toLong(args.checkdouble(arg));
                    String digits = Long.toString(Math.abs(n));
                    if (n == Long.MIN_VALUE) {
                        digits = "9223372036854775808";
                    }
                    number(out, n < 0, digits, flags, width, precision, "");
                    break;
                }
                case 'u': case 'o': case 'x': case 'X': {
                    long n = LuaReplies.toLong(args.checkdouble(arg));
                    String digits = switch (conv) {
                        case 'u' -> Long.toUnsignedString(n);
                        case 'o' -> Long.toOctalString(n);
                        case 'x' -> Long.toHexString(n);
                        default -> Long.toHexString(n).toUpperCase(Locale.ROOT);
                    };
                    String prefix = "";
                    if (flags.indexOf('#') >= 0 && n != 0) {
                        prefix = conv == 'o' ? "0" : conv == 'x' ? "0x" : conv == 'X' ? "0X" : "";
                    }
                    number(out, false, digits, flags.replace("+", "").replace(" ", ""), width, precision, prefix);
                    break;
                }
                case 'e': case 'E': case 'f': case 'g': case 'G': {
                    double d = args.checkdouble(arg);
                    boolean neg = d < 0 || (d == 0 && 1 / d < 0);
                    String body;
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        body = Double.isNaN(d) ? "nan" : "inf";
                        neg = d < 0;
                        if (Character.isUpperCase(conv)) {
                            body = body.toUpperCase(Locale.ROOT);
                        }
                        number(out, neg, body, flags.replace("0", ""), width, -1, "");
                        break;
                    }
                    double a = Math.abs(d);
                    int p = precision < 0 ? 6 : precision;
                    switch (conv) {
                        case 'f' -> body = new java.math.BigDecimal(a).setScale(p, java.math.RoundingMode.HALF_EVEN).toPlainString();
                        case 'e', 'E' -> body = String.format(Locale.ROOT, "%." + p + "e", a);
                        default -> {
                            body = Doubles.formatG(a, p == 0 ? 1 : p);
                            if (flags.indexOf('#') >= 0) {
                                body = String.format(Locale.ROOT, "%." + (p == 0 ? 1 : p) + "g", a);
                            }
                        }
                    }
                    if (conv == 'E' || conv == 'G') {
                        body = body.toUpperCase(Locale.ROOT);
                    }
                    if (flags.indexOf('#') >= 0 && p == 0 && conv == 'f') {
                        body = body + ".";
                    }
                    number(out, neg, body, flags, width, -1, "");
                    break;
                }
                case 'q':
                    quoted(out, Scripting.bytes(args.checkstring(arg)));
                    break;
                case 's': {
                    LuaValue v = args.arg(arg);
                    if (v.isnil() && arg > args.narg()) {
                        throw new LuaError("bad argument #" + arg + " to 'format' (string expected, got no value)");
                    }
                    LuaValue s = LuaEngine.tostring(v);
                    if (!s.isstring()) {
                        throw new LuaError("bad argument #" + arg + " to 'format' (string expected, got " + v.typename() + ")");
                    }
                    byte[] b = Scripting.bytes((LuaString) s.checkstring());
                    if (precision >= 0 && precision < b.length) {
                        b = java.util.Arrays.copyOf(b, precision);
                    }
                    pad(out, b, flags, width);
                    break;
                }
                default:
                    throw new LuaError("invalid option '%" + conv + "' to 'format'");
            }
        }
        return LuaValue.valueOf(out.toByteArray());
    }

    /** Writes a number's sign, prefix and digits padded as printf does ('-' left, '0' zeros, '+'/' ' signs). */
    private static void number(ByteArrayOutputStream out, boolean negative, String digits, String flags, int width,
                               int precision, String prefix) {
        StringBuilder d = new StringBuilder(digits);
        if (precision >= 0) {
            if (precision == 0 && digits.equals("0")) {
                d.setLength(0);
            }
            while (d.length() < precision) {
                d.insert(0, '0');
            }
        }
        String sign = negative ? "-" : flags.indexOf('+') >= 0 ? "+" : flags.indexOf(' ') >= 0 ? " " : "";
        int len = sign.length() + prefix.length() + d.length();
        StringBuilder r = new StringBuilder();
        if (flags.indexOf('-') >= 0) {
            r.append(sign).append(prefix).append(d);
            while (r.length() < width) {
                r.append(' ');
            }
        } else if (flags.indexOf('0') >= 0 && precision < 0) {
            r.append(sign).append(prefix);
            for (int k = len; k < width; k++) {
                r.append('0');
            }
            r.append(d);
        } else {
            for (int k = len; k < width; k++) {
                r.append(' ');
            }
            r.append(sign).append(prefix).append(d);
        }
        out.writeBytes(r.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static void pad(ByteArrayOutputStream out, byte[] b, String flags, int width) {
        boolean left = flags.indexOf('-') >= 0;
        if (!left) {
            for (int k = b.length; k < width; k++) {
                out.write(' ');
            }
        }
        out.write(b, 0, b.length);
        if (left) {
            for (int k = b.length; k < width; k++) {
                out.write(' ');
            }
        }
    }

    /** %q: a Lua string literal, as Lua 5.1's addquoted writes it. */
    private static void quoted(ByteArrayOutputStream out, byte[] s) {
        out.write('"');
        for (byte b : s) {
            switch (b) {
                case '"', '\\', '\n' -> {
                    out.write('\\');
                    out.write(b);
                }
                case '\r' -> out.writeBytes(new byte[] {'\\', 'r'});
                case 0 -> out.writeBytes(new byte[] {'\\', '0', '0', '0'});
                default -> out.write(b);
            }
        }
        out.write('"');
    }
}
