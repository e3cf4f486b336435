package dev.podis.server.scripting;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The {@code bit} library of Redis's Lua (LuaBitOp): 32-bit operations on numbers, results as
 * signed 32-bit integers. Arguments are normalised as LuaBitOp does: rounded to the nearest
 * integer (ties to even), then taken modulo 2^32.
 */
final class LuaBit {
    private LuaBit() {
    }

    private interface Op {
        Varargs apply(Varargs args);
    }

    private static LuaValue fn(String name, Op op) {
        return new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return op.apply(args);
            }

            @Override
            public String tojstring() {
                return "function: builtin: " + name;
            }
        };
    }

    /** LuaBitOp's barg: the argument as a 32-bit integer. */
    static int arg(Varargs args, int i, String fname) {
        LuaValue v = args.arg(i);
        if (!v.isnumber()) {
            throw new LuaError("bad argument #" + i + " to '" + fname + "' (number expected, got "
                    + (v.isnil() && i > args.narg() ? "no value" : v.typename()) + ")");
        }
        double d = Math.rint(v.todouble());
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Integer.MIN_VALUE;
        }
        if (Math.abs(d) < 0x1p63) {
            return (int) (long) d;
        }
        return (int) new java.math.BigDecimal(d).toBigInteger().longValue();
    }

    private static LuaValue num(int v) {
        return LuaValue.valueOf(v);
    }

    static LuaTable create() {
        LuaTable t = new LuaTable();
        t.set("tobit", fn("tobit", a -> num(arg(a, 1, "tobit"))));
        t.set("bnot", fn("bnot", a -> num(~arg(a, 1, "bnot"))));
        t.set("band", fn("band", a -> {
            int r = arg(a, 1, "band");
            for (int i = 2; i <= a.narg(); i++) {
                r &= arg(a, i, "band");
            }
            return num(r);
        }));
        t.set("bor", fn("bor", a -> {
            int r = arg(a, 1, "bor");
            for (int i = 2; i <= a.narg(); i++) {
                r |= arg(a, i, "bor");
            }
            return num(r);
        }));
        t.set("bxor", fn("bxor", a -> {
            int r = arg(a, 1, "bxor");
            for (int i = 2; i <= a.narg(); i++) {
                r ^= arg(a, i, "bxor");
            }
            return num(r);
        }));
        t.set("lshift", fn("lshift", a -> num(arg(a, 1, "lshift") << (arg(a, 2, "lshift") & 31))));
        t.set("rshift", fn("rshift", a -> num(arg(a, 1, "rshift") >>> (arg(a, 2, "rshift") & 31))));
        t.set("arshift", fn("arshift", a -> num(arg(a, 1, "arshift") >> (arg(a, 2, "arshift") & 31))));
        t.set("rol", fn("rol", a -> num(Integer.rotateLeft(arg(a, 1, "rol"), arg(a, 2, "rol") & 31))));
        t.set("ror", fn("ror", a -> num(Integer.rotateRight(arg(a, 1, "ror"), arg(a, 2, "ror") & 31))));
        t.set("bswap", fn("bswap", a -> num(Integer.reverseBytes(arg(a, 1, "bswap")))));
        t.set("tohex", fn("tohex", a -> {
            int x = arg(a, 1, "tohex");
            int n = a.isnoneornil(2) ? 8 : arg(a, 2, "tohex");
            boolean upper = false;
            if (n < 0) {
                n = -n;
                upper = true;
            }
            if (n > 8) {
                n = 8;
            }
            String hex = String.format("%08x", x);
            hex = hex.substring(8 - n);
            return LuaValue.valueOf(upper ? hex.toUpperCase(java.util.Locale.ROOT) : hex);
        }));
        return t;
    }
}
