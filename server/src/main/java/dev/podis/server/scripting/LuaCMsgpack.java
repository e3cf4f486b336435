package dev.podis.server.scripting;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code cmsgpack} library of Redis's Lua (lua-cmsgpack 0.4): MessagePack encoding of Lua
 * values ({@code pack(...)}) and decoding ({@code unpack}, {@code unpack_one},
 * {@code unpack_limit}). Integral numbers become MessagePack integers, others float 32 when
 * exact, else float 64; tables whose keys are exactly 1..n become arrays, others maps; tables
 * nested deeper than 16 levels become nil.
 */
final class LuaCMsgpack {
    private static final int MAX_NESTING = 16;

    private LuaCMsgpack() {
    }

    static LuaTable create() {
        LuaTable t = new LuaTable();
        t.set("pack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() == 0) {
                    throw new LuaError("bad argument #0 to 'pack' (MessagePack pack needs input.)");
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int i = 1; i <= args.narg(); i++) {
                    encode(out, args.arg(i), 0);
                }
                return LuaValue.valueOf(out.toByteArray());
            }
        });
        t.set("unpack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return unpack(args, 0, 0);
            }
        });
        t.set("unpack_one", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return unpack(args, 1, args.optint(2, 0));
            }
        });
        t.set("unpack_limit", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return unpack(args, args.checkint(2), args.optint(3, 0));
            }
        });
        t.set("_NAME", "cmsgpack");
        t.set("_VERSION", "lua-cmsgpack 0.4.0");
        t.set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo");
        t.set("_DESCRIPTION", "MessagePack C implementation for Lua");
        return t;
    }

    private static Varargs unpack(Varargs args, int limit, int offset) {
        byte[] s = Scripting.bytes(args.checkstring(1));
        if (offset < 0 || limit < 0) {
            throw new LuaError("Invalid request to unpack with offset of " + offset + " and limit of " + limit + ".");
        }
        if (offset > s.length) {
            throw new LuaError("Start offset " + offset + " greater than input length " + s.length + ".");
        }
        Decoder d = new Decoder(s, offset);
        List<LuaValue> values = new ArrayList<>();
        while (d.pos < s.length && (limit == 0 || values.size() < limit)) {
            values.add(d.value());
        }
        if (limit == 0) {
            return LuaValue.varargsOf(values.toArray(new LuaValue[0]));
        }
        LuaValue next = LuaValue.valueOf(d.pos < s.length ? d.pos : -1);
        List<LuaValue> out = new ArrayList<>();
        out.add(next);
        out.addAll(values);
        return LuaValue.varargsOf(out.toArray(new LuaValue[0]));
    }

    private static void be(ByteArrayOutputStream out, long v, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
    }

    private static void encode(ByteArrayOutputStream out, LuaValue v, int level) {
        switch (v.type()) {
            case LuaValue.TSTRING -> {
                byte[] b = Scripting.bytes(v.checkstring());
                int len = b.length;
                if (len < 32) {
                    out.write(0xa0 | len);
                } else if (len <= 0xff) {
                    out.write(0xd9);
                    be(out, len, 1);
                } else if (len <= 0xffff) {
                    out.write(0xda);
                    be(out, len, 2);
                } else {
                    out.write(0xdb);
                    be(out, len, 4);
                }
                out.write(b, 0, len);
            }
            case LuaValue.TBOOLEAN -> out.write(v.toboolean() ? 0xc3 : 0xc2);
            case LuaValue.TNUMBER -> number(out, v.todouble());
            case LuaValue.TTABLE -> {
                if (level >= MAX_NESTING) {
                    out.write(0xc0);
                } else {
                    table(out, (LuaTable) v, level + 1);
                }
            }
            default -> out.write(0xc0);
        }
    }

    private static void number(ByteArrayOutputStream out, double n) {
        if (n == Math.floor(n) && !Double.isInfinite(n) && n >= -0x1p63 && n < 0x1p64) {
            if (n >= 0) {
                long u = n >= 0x1p63 ? (long) (n - 0x1p63) ^ Long.MIN_VALUE : (long) n;
                if (u >= 0 && u < 128) {
                    out.write((int) u);
                } else if (u >= 0 && u <= 0xff) {
                    out.write(0xcc);
                    be(out, u, 1);
                } else if (u >= 0 && u <= 0xffff) {
                    out.write(0xcd);
                    be(out, u, 2);
                } else if (u >= 0 && u <= 0xffffffffL) {
                    out.write(0xce);
                    be(out, u, 4);
                } else {
                    out.write(0xcf);
                    be(out, u, 8);
                }
            } else {
                long i = (long) n;
                if (i >= -32) {
                    out.write((int) i & 0xff);
                } else if (i >= -128) {
                    out.write(0xd0);
                    be(out, i, 1);
                } else if (i >= -32768) {
                    out.write(0xd1);
                    be(out, i, 2);
                } else if (i >= -2147483648L) {
                    out.write(0xd2);
                    be(out, i, 4);
                } else {
                    out.write(0xd3);
                    be(out, i, 8);
                }
            }
            return;
        }
        float f = (float) n;
        if (f == n) {
            out.write(0xca);
            be(out, Float.floatToIntBits(f) & 0xffffffffL, 4);
        } else {
            out.write(0xcb);
            be(out, Double.doubleToRawLongBits(n), 8);
        }
    }

    private static void table(ByteArrayOutputStream out, LuaTable t, int level) {
        int count = 0;
        int max = 0;
        boolean array = true;
        LuaValue k = LuaValue.NIL;
        while (true) {
            Varargs n = t.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            count++;
            if (k.type() == LuaValue.TNUMBER && k.todouble() >= 1 && k.todouble() == Math.floor(k.todouble())) {
                max = Math.max(max, (int) Math.min(k.todouble(), Integer.MAX_VALUE));
            } else {
                array = false;
            }
        }
        if (array && max == count) {
            if (count < 16) {
                out.write(0x90 | count);
            } else if (count <= 0xffff) {
                out.write(0xdc);
                be(out, count, 2);
            } else {
                out.write(0xdd);
                be(out, count, 4);
            }
            for (int i = 1; i <= count; i++) {
                encode(out, t.rawget(i), level);
            }
            return;
        }
        if (count < 16) {
            out.write(0x80 | count);
        } else if (count <= 0xffff) {
            out.write(0xde);
            be(out, count, 2);
        } else {
            out.write(0xdf);
            be(out, count, 4);
        }
        k = LuaValue.NIL;
        while (true) {
            Varargs n = t.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            encode(out, k, level);
            encode(out, n.arg(2), level);
        }
    }

    private static final class Decoder {
        final byte[] s;
        int pos;

        Decoder(byte[] s, int pos) {
            this.s = s;
            this.pos = pos;
        }

        private long read(int n) {
            if (pos + n > s.length) {
                throw new LuaError("Missing bytes in input.");
            }
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = v << 8 | (s[pos++] & 0xFF);
            }
            return v;
        }

        private LuaValue str(int len) {
            if (len < 0 || pos + len > s.length) {
                throw new LuaError("Missing bytes in input.");
            }
            LuaValue v = LuaValue.valueOf(java.util.Arrays.copyOfRange(s, pos, pos + len));
            pos += len;
            return v;
        }

        private LuaValue array(long n) {
            LuaTable t = new LuaTable();
            for (int i = 1; i <= n; i++) {
                LuaValue v = value();
                if (!v.isnil()) {
                    t.rawset(i, v);
                }
            }
            return t;
        }

        private LuaValue map(long n) {
            LuaTable t = new LuaTable();
            for (long i = 0; i < n; i++) {
                LuaValue k = value();
                LuaValue v = value();
                if (!k.isnil()) {
                    t.rawset(k, v);
                }
            }
            return t;
        }

        LuaValue value() {
            int c = (int) read(1);
            if (c < 0x80) {
                return LuaValue.valueOf(c);
            }
            if (c >= 0xe0) {
                return LuaValue.valueOf((byte) c);
            }
            if ((c & 0xe0) == 0xa0) {
                return str(c & 0x1f);
            }
            if ((c & 0xf0) == 0x90) {
                return array(c & 0x0f);
            }
            if ((c & 0xf0) == 0x80) {
                return map(c & 0x0f);
            }
            switch (c) {
                case 0xc0: return LuaValue.NIL;
                case 0xc2: return LuaValue.FALSE;
                case 0xc3: return LuaValue.TRUE;
                case 0xcc: return LuaValue.valueOf((int) read(1));
                case 0xcd: return LuaValue.valueOf((int) read(2));
                case 0xce: return LuaValue.valueOf((double) read(4));
                case 0xcf: {
                    long u = read(8);
                    return LuaValue.valueOf(u >= 0 ? (double) u : (double) (u >>> 1) * 2.0);
                }
                case 0xd0: return LuaValue.valueOf((byte) read(1));
                case 0xd1: return LuaValue.valueOf((short) read(2));
                case 0xd2: return LuaValue.valueOf((int) read(4));
                case 0xd3: return LuaValue.valueOf((double) read(8));
                case 0xca: return LuaValue.valueOf(Float.intBitsToFloat((int) read(4)));
                case 0xcb: return LuaValue.valueOf(Double.longBitsToDouble(read(8)));
                case 0xd9: case 0xc4: return str((int) read(1));
                case 0xda: case 0xc5: return str((int) read(2));
                case 0xdb: case 0xc6: return str((int) read(4));
                case 0xdc: return array(read(2));
                case 0xdd: return array(read(4));
                case 0xde: return map(read(2));
                case 0xdf: return map(read(4));
                default:
                    throw new LuaError("Bad data format in input.");
            }
        }
    }
}
