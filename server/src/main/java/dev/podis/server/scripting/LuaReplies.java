package dev.podis.server.scripting;

import dev.podis.protocol.RespWriter;
import io.netty.buffer.ByteBuf;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.nio.charset.StandardCharsets;

/**
 * Redis's conversions between replies and Lua values, both ways.
 *
 * <p>Reply to Lua (what redis.call returns), from the RESP the command wrote for the script's
 * client: integer → number, bulk → string, null bulk and null array → false, array → table,
 * status → {@code {ok=...}}, error → {@code {err=...}}; in RESP3 also map → {@code {map={...}}},
 * set → {@code {set={member=true}}}, null → nil, boolean → boolean, double → {@code {double=n}},
 * big number → {@code {big_number="..."}}, verbatim → {@code {verbatim_string={format=,string=}}};
 * attributes are skipped.
 *
 * <p>Lua to reply (what a script returns): string → bulk, number → integer (truncated), boolean
 * → 1 / null in RESP2 mode ({@code redis.setresp(2)}, the default) or a RESP3 boolean, nil →
 * null, table → error, status, double, big number, verbatim, map or set by its single field,
 * otherwise an array of the elements up to the first nil; the writer downgrades RESP3 types for
 * a RESP2 caller.
 */
final class LuaReplies {
    private static final LuaValue OK = LuaValue.valueOf("ok");
    private static final LuaValue ERR = LuaValue.valueOf("err");
    private static final LuaValue IGNORE_STATS = LuaValue.valueOf("ignore_error_stats_update");
    private static final LuaValue MAP = LuaValue.valueOf("map");
    private static final LuaValue SET = LuaValue.valueOf("set");
    private static final LuaValue DOUBLE = LuaValue.valueOf("double");
    private static final LuaValue BIG_NUMBER = LuaValue.valueOf("big_number");
    private static final LuaValue VERBATIM = LuaValue.valueOf("verbatim_string");
    private static final LuaValue FORMAT = LuaValue.valueOf("format");
    private static final LuaValue STRING = LuaValue.valueOf("string");

    private LuaReplies() {
    }

    // ---- reply → Lua ----

    /** Parses one reply from {@code in} (readable bytes) into a Lua value, consuming it. */
    static LuaValue toLua(ByteBuf in) {
        byte type = in.readByte();
        switch (type) {
            case ':': {
                long n = readLong(in);
                return n == (int) n ? LuaValue.valueOf((int) n) : LuaValue.valueOf((double) n);
            }
            case '$': {
                int len = (int) readLong(in);
                if (len < 0) {
                    return LuaValue.FALSE;
                }
                byte[] b = new byte[len];
                in.readBytes(b);
                in.skipBytes(2);
                return LuaValue.valueOf(b);
            }
            case '+': {
                LuaTable t = new LuaTable();
                t.rawset(OK, LuaValue.valueOf(readLine(in)));
                return t;
            }
            case '-': {
                LuaTable t = LuaErrors.table("-" + new String(readLine(in), StandardCharsets.UTF_8));
                t.rawset(IGNORE_STATS, LuaValue.TRUE);
                return t;
            }
            case '*': {
                int n = (int) readLong(in);
                if (n < 0) {
                    return LuaValue.FALSE;
                }
                LuaTable t = new LuaTable(n, 0);
                for (int i = 1; i <= n; i++) {
                    LuaValue v = toLua(in);
                    if (!v.isnil()) {
                        t.rawset(i, v);
                    }
                }
                return t;
            }
            case '%': {
                int n = (int) readLong(in);
                LuaTable m = new LuaTable(0, n);
                for (int i = 0; i < n; i++) {
                    LuaValue k = toLua(in);
                    LuaValue v = toLua(in);
                    if (!k.isnil()) {
                        m.rawset(k, v);
                    }
                }
                LuaTable t = new LuaTable();
                t.rawset(MAP, m);
                return t;
            }
            case '~': {
                int n = (int) readLong(in);
                LuaTable s = new LuaTable(0, n);
                for (int i = 0; i < n; i++) {
                    LuaValue k = toLua(in);
                    if (!k.isnil()) {
                        s.rawset(k, LuaValue.TRUE);
                    }
                }
                LuaTable t = new LuaTable();
                t.rawset(SET, s);
                return t;
            }
            case '_':
                in.skipBytes(2);
                return LuaValue.NIL;
            case '#': {
                byte b = in.readByte();
                in.skipBytes(2);
                return LuaValue.valueOf(b == 't');
            }
            case ',': {
                String s = new String(readLine(in), StandardCharsets.US_ASCII);
                double d = switch (s) {
                    case "inf" -> Double.POSITIVE_INFINITY;
                    case "-inf" -> Double.NEGATIVE_INFINITY;
                    case "nan", "-nan" -> Double.NaN;
                    default -> Double.parseDouble(s);
                };
                LuaTable t = new LuaTable();
                t.rawset(DOUBLE, LuaValue.valueOf(d));
                return t;
            }
            case '(': {
                LuaTable t = new LuaTable();
                t.rawset(BIG_NUMBER, LuaValue.valueOf(readLine(in)));
                return t;
            }
            case '=': {
                int len = (int) readLong(in);
                byte[] b = new byte[len];
                in.readBytes(b);
                in.skipBytes(2);
                LuaTable v = new LuaTable();
                v.rawset(STRING, LuaValue.valueOf(java.util.Arrays.copyOfRange(b, 4, b.length)));
                v.rawset(FORMAT, LuaValue.valueOf(java.util.Arrays.copyOfRange(b, 0, 3)));
                LuaTable t = new LuaTable();
                t.rawset(VERBATIM, v);
                return t;
            }
            case '|': {
                int n = (int) readLong(in);
                for (int i = 0; i < 2 * n; i++) {
                    toLua(in);
                }
                return toLua(in);
            }
            case '>': {
                int n = (int) readLong(in);
                LuaTable t = new LuaTable(n, 0);
                for (int i = 1; i <= n; i++) {
                    t.rawset(i, toLua(in));
                }
                return t;
            }
            default:
                throw new IllegalStateException("unexpected reply type '" + (char) type + "'");
        }
    }

    private static long readLong(ByteBuf in) {
        boolean neg = false;
        long n = 0;
        byte b = in.readByte();
        if (b == '-') {
            neg = true;
            b = in.readByte();
        }
        while (b != '\r') {
            n = n * 10 + (b - '0');
            b = in.readByte();
        }
        in.skipBytes(1);
        return neg ? -n : n;
    }

    private static byte[] readLine(ByteBuf in) {
        int end = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\r');
        byte[] b = new byte[end - in.readerIndex()];
        in.readBytes(b);
        in.skipBytes(2);
        return b;
    }

    /** True when the reply at the reader index is an error. */
    static boolean isError(ByteBuf in) {
        return in.isReadable() && in.getByte(in.readerIndex()) == '-';
    }

    // ---- Lua → reply ----

    /**
     * Writes {@code v} as a reply. {@code resp} is the script's protocol ({@code redis.setresp}):
     * it decides how booleans are sent.
     */
    static void write(RespWriter out, LuaValue v, int resp, ReplyErrors errors) {
        switch (v.type()) {
            case LuaValue.TSTRING:
                out.bulk(v.checkstring().m_bytes, v.checkstring().m_offset, v.checkstring().m_length);
                return;
            case LuaValue.TBOOLEAN:
                if (resp == 2) {
                    if (v.toboolean()) {
                        out.integer(1);
                    } else {
                        out.nullBulk();
                    }
                } else {
                    out.bool(v.toboolean());
                }
                return;
            case LuaValue.TNUMBER:
                out.integer(toLong(v.todouble()));
                return;
            case LuaValue.TTABLE:
                writeTable(out, (LuaTable) v, resp, errors);
                return;
            default:
                out.nullBulk();
        }
    }

    /** C's (long long) cast on x86-64: out of range and NaN give LLONG_MIN. */
    static long toLong(double d) {
        if (d >= -0x1p63 && d < 0x1p63) {
            return (long) d;
        }
        return Long.MIN_VALUE;
    }

    /** Where error replies of scripts go (they may skip the error statistics). */
    interface ReplyErrors {
        void error(String text, boolean counted);
    }

    private static void writeTable(RespWriter out, LuaTable t, int resp, ReplyErrors errors) {
        LuaValue err = t.rawget(ERR);
        if (err.isstring()) {
            errors.error(err.tojstring(), !t.rawget(IGNORE_STATS).toboolean());
            return;
        }
        LuaValue ok = t.rawget(OK);
        if (ok.isstring()) {
            out.simple(ok.tojstring().replace('\r', ' ').replace('\n', ' '));
            return;
        }
        LuaValue d = t.rawget(DOUBLE);
        if (d.type() == LuaValue.TNUMBER) {
            out.doubleValue(d.todouble());
            return;
        }
        LuaValue big = t.rawget(BIG_NUMBER);
        if (big.isstring()) {
            out.bigNumber(big.tojstring().replace('\r', ' ').replace('\n', ' '));
            return;
        }
        LuaValue verbatim = t.rawget(VERBATIM);
        if (verbatim.istable()) {
            LuaValue format = verbatim.rawget(FORMAT);
            LuaValue string = verbatim.rawget(STRING);
            if (format.isstring() && string.isstring()) {
                out.verbatim(format.tojstring(), string.tojstring());
                return;
            }
        }
        LuaValue map = t.rawget(MAP);
        if (map.istable()) {
            LuaTable m = (LuaTable) map;
            int n = 0;
            for (LuaValue k = m.next(LuaValue.NIL).arg1(); !k.isnil(); k = m.next(k).arg1()) {
                n++;
            }
            out.mapHeader(n);
            LuaValue k = LuaValue.NIL;
            while (true) {
                Varargs e = m.next(k);
                if ((k = e.arg1()).isnil()) {
                    break;
                }
                write(out, k, resp, errors);
                write(out, e.arg(2), resp, errors);
            }
            return;
        }
        LuaValue set = t.rawget(SET);
        if (set.istable()) {
            LuaTable s = (LuaTable) set;
            int n = 0;
            for (LuaValue k = s.next(LuaValue.NIL).arg1(); !k.isnil(); k = s.next(k).arg1()) {
                n++;
            }
            out.setHeader(n);
            for (LuaValue k = s.next(LuaValue.NIL).arg1(); !k.isnil(); k = s.next(k).arg1()) {
                write(out, k, resp, errors);
            }
            return;
        }
        int n = 0;
        while (!t.rawget(n + 1).isnil()) {
            n++;
        }
        out.arrayHeader(n);
        for (int i = 1; i <= n; i++) {
            write(out, t.rawget(i), resp, errors);
        }
    }
}
