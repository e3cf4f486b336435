package dev.podis.server.scripting;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code struct} library of Redis's Lua (Roberto Ierusalimschy's struct 0.2): binary packing
 * of numbers and strings. Formats: {@code > < = !n} (endianness, alignment), {@code x} padding,
 * {@code b B h H l L T iN IN} integers (signed lower case), {@code f d} floats, {@code s}
 * zero-terminated string, {@code cN} fixed-size string ({@code c0}: the whole string when
 * packing, the previous value as length when unpacking).
 */
final class LuaStruct {
    private static final int MAXINTSIZE = 32;
    private static final int MAXALIGN = 8;

    private LuaStruct() {
    }

    /** Parsing state of a format string. */
    private static final class Format {
        final byte[] f;
        final String fn;
        int i;
        boolean little = true;
        int align = 1;

        Format(LuaString s, String fn) {
            this.f = Scripting.bytes(s);
            this.fn = fn;
        }

        /** luaL_argerror on the format (argument 1). */
        LuaError error(String msg) {
            return new LuaError("bad argument #1 to '" + fn + "' (" + msg + ")");
        }

        boolean more() {
            return i < f.length;
        }

        int num(int dflt) {
            if (i >= f.length || f[i] < '0' || f[i] > '9') {
                return dflt;
            }
            int a = 0;
            while (i < f.length && f[i] >= '0' && f[i] <= '9') {
                a = a * 10 + (f[i++] - '0');
            }
            return a;
        }

        /** The size of option {@code opt}, reading its number; -1 for options without data. */
        int size(char opt) {
            switch (opt) {
                case 'B': case 'b': return 1;
                case 'H': case 'h': return 2;
                case 'L': case 'l': case 'T': return 8;
                case 'f': return 4;
                case 'd': return 8;
                case 'x': return 1;
                case 'c': return num(1);
                case 'i': case 'I': {
                    int sz = num(4);
                    if (sz > MAXINTSIZE) {
                        throw error("integral size " + sz + " is larger than limit of " + MAXINTSIZE);
                    }
                    return sz;
                }
                default: return 0;
            }
        }

        /** Handles the control options; true when {@code opt} was one. */
        boolean control(char opt) {
            switch (opt) {
                case ' ':
                    return true;
                case '>':
                    little = false;
                    return true;
                case '<':
                case '=':
                    little = true;
                    return true;
                case '!': {
                    int a = num(MAXALIGN);
                    if ((a & (a - 1)) != 0) {
                        throw error("alignment " + a + " is not a power of 2");
                    }
                    align = a;
                    return true;
                }
                default:
                    return false;
            }
        }

        int padding(int len, char opt, int size) {
            if (size <= 1 || opt == 'c') {
                return 0;
            }
            int a = Math.min(size, align);
            return (a - (len & (a - 1))) & (a - 1);
        }
    }

    private static void putInteger(ByteArrayOutputStream out, double n, boolean little, int size) {
        long value = n < 0 ? (long) n : (n >= 0x1p63 ? (long) (n - 0x1p64) : (long) n);
        byte[] b = new byte[size];
        for (int k = 0; k < size; k++) {
            b[little ? k : size - 1 - k] = (byte) (k < 8 ? value >>> (8 * k) : (value < 0 ? -1 : 0));
        }
        out.write(b, 0, size);
    }

    private static double getInteger(byte[] d, int pos, boolean little, boolean signed, int size) {
        long l = 0;
        for (int k = 0; k < size; k++) {
            int bt = d[pos + (little ? size - 1 - k : k)] & 0xFF;
            l = l << 8 | bt;
        }
        if (signed) {
            if (size < 8) {
                long mask = 1L << (size * 8 - 1);
                l = (l ^ mask) - mask;
            }
            return l;
        }
        return l >= 0 ? (double) l : (double) (l >>> 1) * 2.0 + (l & 1);
    }

    static LuaTable create() {
        LuaTable t = new LuaTable();
        t.set("pack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                Format h = new Format(args.checkstring(1), "pack");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int arg = 2;
                int total = 0;
                while (h.more()) {
                    char opt = (char) h.f[h.i++];
                    if (h.control(opt)) {
                        continue;
                    }
                    int size = h.size(opt);
                    int pad = h.padding(total, opt, size);
                    for (int k = 0; k < pad; k++) {
                        out.write(0);
                    }
                    total += pad;
                    switch (opt) {
                        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
                            putInteger(out, args.checkdouble(arg++), h.little, size);
                            break;
                        case 'x':
                            out.write(0);
                            break;
                        case 'f': {
                            int bits = Float.floatToIntBits((float) args.checkdouble(arg++));
                            putInteger(out, bits, h.little, 4);
                            break;
                        }
                        case 'd': {
                            long bits = Double.doubleToRawLongBits(args.checkdouble(arg++));
                            for (int k = 0; k < 8; k++) {
                                out.write((int) (bits >>> (8 * (h.little ? k : 7 - k))) & 0xFF);
                            }
                            break;
                        }
                        case 'c': case 's': {
                            byte[] s = Scripting.bytes(args.checkstring(arg++));
                            int l = s.length;
                            if (size == 0 || opt == 's') {
                                size = l;
                            }
                            if (l < size) {
                                throw new LuaError("bad argument #" + (arg - 1) + " to 'pack' (string too short)");
                            }
                            out.write(s, 0, size);
                            if (opt == 's') {
                                out.write(0);
                                size++;
                            }
                            break;
                        }
                        default:
                            throw h.error("invalid format option '" + opt + "'");
                    }
                    total += size;
                }
                return LuaValue.valueOf(out.toByteArray());
            }
        });
        t.set("unpack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                Format h = new Format(args.checkstring(1), "unpack");
                byte[] d = Scripting.bytes(args.checkstring(2));
                int pos = args.optint(3, 1) - 1;
                if (pos < 0) {
                    throw new LuaError("bad argument #3 to 'unpack' (offset must be 1 or greater)");
                }
                List<LuaValue> out = new ArrayList<>();
                while (h.more()) {
                    char opt = (char) h.f[h.i++];
                    if (h.control(opt)) {
                        continue;
                    }
                    int size = h.size(opt);
                    pos += h.padding(pos, opt, size);
                    if (pos + size > d.length) {
                        throw new LuaError("bad argument #2 to 'unpack' (data string too short)");
                    }
                    switch (opt) {
                        case 'b': case 'h': case 'l': case 'i':
                            out.add(LuaValue.valueOf(getInteger(d, pos, h.little, true, size)));
                            break;
                        case 'B': case 'H': case 'L': case 'T': case 'I':
                            out.add(LuaValue.valueOf(getInteger(d, pos, h.little, false, size)));
                            break;
                        case 'x':
                            break;
                        case 'f':
                            out.add(LuaValue.valueOf(Float.intBitsToFloat((int) (long) getInteger(d, pos, h.little, true, 4))));
                            break;
                        case 'd': {
                            long bits = 0;
                            for (int k = 0; k < 8; k++) {
                                bits = bits << 8 | (d[pos + (h.little ? 7 - k : k)] & 0xFF);
                            }
                            out.add(LuaValue.valueOf(Double.longBitsToDouble(bits)));
                            break;
                        }
                        case 'c': {
                            if (size == 0) {
                                if (out.isEmpty() || !out.get(out.size() - 1).isnumber()) {
                                    throw new LuaError("format 'c0' needs a previous size");
                                }
                                size = out.remove(out.size() - 1).toint();
                                if (pos + size > d.length) {
                                    throw new LuaError("bad argument #2 to 'unpack' (data string too short)");
                                }
                            }
                            out.add(LuaValue.valueOf(java.util.Arrays.copyOfRange(d, pos, pos + size)));
                            break;
                        }
                        case 's': {
                            int e = pos;
                            while (e < d.length && d[e] != 0) {
                                e++;
                            }
                            if (e >= d.length) {
                                throw new LuaError("unfinished string in data");
                            }
                            out.add(LuaValue.valueOf(java.util.Arrays.copyOfRange(d, pos, e)));
                            size = e - pos + 1;
                            break;
                        }
                        default:
                            throw h.error("invalid format option '" + opt + "'");
                    }
                    pos += size;
                }
                out.add(LuaValue.valueOf(pos + 1));
                return LuaValue.varargsOf(out.toArray(new LuaValue[0]));
            }
        });
        t.set("size", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                Format h = new Format(args.checkstring(1), "size");
                int pos = 0;
                while (h.more()) {
                    char opt = (char) h.f[h.i++];
                    if (h.control(opt)) {
                        continue;
                    }
                    int size = h.size(opt);
                    pos += h.padding(pos, opt, size);
                    if (opt == 's' || (opt == 'c' && size == 0)) {
                        throw h.error("options 'c0' - 's' have undefined sizes");
                    }
                    if (size == 0 && opt != 'c') {
                        throw h.error("invalid format option '" + opt + "'");
                    }
                    pos += size;
                }
                return LuaValue.valueOf(pos);
            }
        });
        return t;
    }
}
