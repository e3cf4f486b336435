package dev.podis.server.scripting;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.VarArgFunction;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The {@code cjson} library of Redis's Lua (lua-cjson 2.1): {@code encode}, {@code decode},
 * {@code null} and the configuration functions (which report their settings; the defaults are
 * the only behaviour). Numbers are written with "%.14g"; arrays are tables whose keys are
 * 1..n (a few holes become null, an excessively sparse array is an error); an empty table is
 * an object; {@code /} is escaped as lua-cjson does.
 */
final class LuaCJson {
    /** cjson.null: a light userdata that encodes as null and that decode returns for null. */
    static final LuaValue NULL = new LuaUserdata(new Object()) {
        @Override
        public String tojstring() {
            return "userdata: NULL";
        }
    };
    private static final int MAX_DEPTH = 1000;

    private LuaCJson() {
    }

    static LuaTable create() {
        LuaTable t = new LuaTable();
        t.set("encode", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue v) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                encode(out, v, 0);
                return LuaValue.valueOf(out.toByteArray());
            }
        });
        t.set("decode", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue v) {
                return new Decoder(Scripting.bytes(v.checkstring())).document();
            }
        });
        t.set("null", NULL);
        t.set("_NAME", "cjson");
        t.set("_VERSION", "2.1.0");
        t.set("encode_sparse_array", setting(LuaValue.FALSE, LuaValue.valueOf(2), LuaValue.valueOf(10)));
        t.set("encode_max_depth", setting(LuaValue.valueOf(MAX_DEPTH)));
        t.set("decode_max_depth", setting(LuaValue.valueOf(MAX_DEPTH)));
        t.set("encode_number_precision", setting(LuaValue.valueOf(14)));
        t.set("encode_keep_buffer", setting(LuaValue.TRUE));
        t.set("encode_invalid_numbers", setting(LuaValue.FALSE));
        t.set("decode_invalid_numbers", setting(LuaValue.TRUE));
        t.set("new", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return create();
            }
        });
        return t;
    }

    private static LuaValue setting(LuaValue... current) {
        return new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return LuaValue.varargsOf(current);
            }
        };
    }

    private static void encode(ByteArrayOutputStream out, LuaValue v, int depth) {
        switch (v.type()) {
            case LuaValue.TNIL -> out.writeBytes("null".getBytes(StandardCharsets.US_ASCII));
            case LuaValue.TBOOLEAN -> out.writeBytes((v.toboolean() ? "true" : "false").getBytes(StandardCharsets.US_ASCII));
            case LuaValue.TNUMBER -> {
                double d = v.todouble();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    throw new LuaError("Cannot serialise number: must not be NaN or Inf");
                }
                out.writeBytes(LuaEngine.number(d).getBytes(StandardCharsets.US_ASCII));
            }
            case LuaValue.TSTRING -> string(out, Scripting.bytes(v.checkstring()));
            case LuaValue.TTABLE -> table(out, (LuaTable) v, depth + 1);
            case LuaValue.TLIGHTUSERDATA, LuaValue.TUSERDATA -> {
                if (v == NULL) {
                    out.writeBytes("null".getBytes(StandardCharsets.US_ASCII));
                } else {
                    throw new LuaError("Cannot serialise userdata: type not supported");
                }
            }
            default -> throw new LuaError("Cannot serialise " + v.typename() + ": type not supported");
        }
    }

    private static void string(ByteArrayOutputStream out, byte[] s) {
        out.write('"');
        for (byte b : s) {
            int c = b & 0xFF;
            switch (c) {
                case '"' -> out.writeBytes(new byte[] {'\\', '"'});
                case '\\' -> out.writeBytes(new byte[] {'\\', '\\'});
                case '/' -> out.writeBytes(new byte[] {'\\', '/'});
                case '\b' -> out.writeBytes(new byte[] {'\\', 'b'});
                case '\f' -> out.writeBytes(new byte[] {'\\', 'f'});
                case '\n' -> out.writeBytes(new byte[] {'\\', 'n'});
                case '\r' -> out.writeBytes(new byte[] {'\\', 'r'});
                case '\t' -> out.writeBytes(new byte[] {'\\', 't'});
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.writeBytes(String.format("\\u%04x", c).getBytes(StandardCharsets.US_ASCII));
                    } else {
                        out.write(c);
                    }
                }
            }
        }
        out.write('"');
    }

    private static void table(ByteArrayOutputStream out, LuaTable t, int depth) {
        if (depth > MAX_DEPTH) {
            throw new LuaError("Cannot serialise, excessive nesting (" + depth + ")");
        }
        // lua-cjson's lua_array_length: every key a positive integer, not too sparse.
        int max = 0;
        int items = 0;
        boolean array = true;
        LuaValue k = LuaValue.NIL;
        while (true) {
            Varargs n = t.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            if (k.type() == LuaValue.TNUMBER) {
                double d = k.todouble();
                if (d == Math.floor(d) && d >= 1) {
                    if (d > max) {
                        max = (int) Math.min(d, Integer.MAX_VALUE);
                    }
                    items++;
                    continue;
                }
            }
            array = false;
            break;
        }
        if (array && max > 0) {
            if (max > items * 2 && max > 10) {
                throw new LuaError("Cannot serialise table: excessively sparse array");
            }
            out.write('[');
            for (int i = 1; i <= max; i++) {
                if (i > 1) {
                    out.write(',');
                }
                encode(out, t.rawget(i), depth);
            }
            out.write(']');
            return;
        }
        out.write('{');
        boolean first = true;
        k = LuaValue.NIL;
        while (true) {
            Varargs n = t.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            if (!first) {
                out.write(',');
            }
            first = false;
            if (k.type() == LuaValue.TSTRING) {
                string(out, Scripting.bytes(k.checkstring()));
            } else if (k.type() == LuaValue.TNUMBER) {
                string(out, LuaEngine.number(k.todouble()).getBytes(StandardCharsets.US_ASCII));
            } else {
                throw new LuaError("Cannot serialise table: table key must be a number or string");
            }
            out.write(':');
            encode(out, n.arg(2), depth);
        }
        out.write('}');
    }

    /** A JSON parser producing Lua values, with lua-cjson's error texts. */
    private static final class Decoder {
        private final byte[] s;
        private int i;
        private int depth;

        Decoder(byte[] s) {
            this.s = s;
        }

        LuaValue document() {
            LuaValue v = value();
            skipSpace();
            if (i < s.length) {
                throw unexpected("the end");
            }
            return v;
        }

        private LuaError error(String expected, String found) {
            return new LuaError("Expected " + expected + " but found " + found + " at character " + (i + 1));
        }

        /** Expected {@code expected}: names the token at the current position as lua-cjson does. */
        private LuaError unexpected(String expected) {
            skipSpace();
            return error(expected, token());
        }

        /** lua-cjson's name of the token at the current position. */
        private String token() {
            if (i >= s.length) {
                return "T_END";
            }
            byte c = s[i];
            switch (c) {
                case '{': return "T_OBJ_BEGIN";
                case '}': return "T_OBJ_END";
                case '[': return "T_ARR_BEGIN";
                case ']': return "T_ARR_END";
                case '"': return "T_STRING";
                case ':': return "T_COLON";
                case ',': return "T_COMMA";
                default:
                    break;
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return "T_NUMBER";
            }
            if (startsWith("true") || startsWith("false")) {
                return "T_BOOLEAN";
            }
            if (startsWith("null")) {
                return "T_NULL";
            }
            return "invalid token";
        }

        private boolean startsWith(String w) {
            if (i + w.length() > s.length) {
                return false;
            }
            for (int k = 0; k < w.length(); k++) {
                if (s[i + k] != w.charAt(k)) {
                    return false;
                }
            }
            return true;
        }

        private void skipSpace() {
            while (i < s.length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
                i++;
            }
        }

        private LuaValue value() {
            skipSpace();
            if (i >= s.length) {
                throw error("value", "T_END");
            }
            byte c = s[i];
            if (c == '}' || c == ']' || c == ':' || c == ',') {
                throw unexpected("value");
            }
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return LuaValue.valueOf(string());
                case 't':
                    return literal("true", LuaValue.TRUE);
                case 'f':
                    return literal("false", LuaValue.FALSE);
                case 'n':
                    if (i + 3 <= s.length && s[i + 1] == 'a' && s[i + 2] == 'n') {
                        return number();
                    }
                    return literal("null", NULL);
                default:
                    if (c == '-' || (c >= '0' && c <= '9') || c == 'i' || c == 'I' || c == 'N' || c == '+') {
                        return number();
                    }
                    throw error("value", "invalid token");
            }
        }

        private LuaValue literal(String word, LuaValue v) {
            byte[] w = word.getBytes(StandardCharsets.US_ASCII);
            if (i + w.length > s.length) {
                throw error("value", "invalid token");
            }
            for (int k = 0; k < w.length; k++) {
                if (s[i + k] != w[k]) {
                    throw error("value", "invalid token");
                }
            }
            i += w.length;
            return v;
        }

        private LuaValue number() {
            int start = i;
            while (i < s.length && "+-0123456789.eExXabcdefABCDEFinftyINFTYnN".indexOf(s[i]) >= 0) {
                i++;
            }
            String n = new String(s, start, i - start, StandardCharsets.US_ASCII);
            try {
                String lower = n.toLowerCase(java.util.Locale.ROOT);
                if (lower.equals("nan") || lower.equals("-nan")) {
                    return LuaValue.valueOf(Double.NaN);
                }
                if (lower.equals("inf") || lower.equals("infinity") || lower.equals("+inf")) {
                    return LuaValue.valueOf(Double.POSITIVE_INFINITY);
                }
                if (lower.equals("-inf") || lower.equals("-infinity")) {
                    return LuaValue.valueOf(Double.NEGATIVE_INFINITY);
                }
                if (lower.startsWith("0x") || lower.startsWith("-0x")) {
                    boolean neg = lower.startsWith("-");
                    double d = Long.parseLong(lower.substring(neg ? 3 : 2), 16);
                    return LuaValue.valueOf(neg ? -d : d);
                }
                double d = Double.parseDouble(n);
                return LuaValue.valueOf(d);
            } catch (NumberFormatException e) {
                i = start;
                throw error("value", "invalid number");
            }
        }

        private byte[] string() {
            i++; // opening quote
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                if (i >= s.length) {
                    throw error("value", "unexpected end of string");
                }
                byte c = s[i++];
                if (c == '"') {
                    return out.toByteArray();
                }
                if (c != '\\') {
                    out.write(c);
                    continue;
                }
                if (i >= s.length) {
                    throw error("value", "invalid escape code");
                }
                byte e = s[i++];
                switch (e) {
                    case '"', '\\', '/' -> out.write(e);
                    case 'b' -> out.write('\b');
                    case 'f' -> out.write('\f');
                    case 'n' -> out.write('\n');
                    case 'r' -> out.write('\r');
                    case 't' -> out.write('\t');
                    case 'u' -> {
                        int cp = hex4();
                        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= s.length && s[i] == '\\' && s[i + 1] == 'u') {
                            i += 2;
                            int lo = hex4();
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        }
                        out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                    }
                    default -> throw error("value", "invalid escape code");
                }
            }
        }

        private int hex4() {
            if (i + 4 > s.length) {
                throw error("value", "invalid unicode escape code");
            }
            int v = 0;
            for (int k = 0; k < 4; k++) {
                int d = Character.digit(s[i + k], 16);
                if (d < 0) {
                    throw error("value", "invalid unicode escape code");
                }
                v = v * 16 + d;
            }
            i += 4;
            return v;
        }

        private LuaValue array() {
            if (++depth > MAX_DEPTH) {
                throw new LuaError("Found too many nested data structures (" + depth + ") at character " + (i + 1));
            }
            i++;
            LuaTable t = new LuaTable();
            skipSpace();
            if (i < s.length && s[i] == ']') {
                i++;
                depth--;
                return t;
            }
            for (int n = 1; ; n++) {
                t.rawset(n, value());
                skipSpace();
                if (i < s.length && s[i] == ']') {
                    i++;
                    depth--;
                    return t;
                }
                if (i >= s.length || s[i] != ',') {
                    throw unexpected("comma or array end");
                }
                i++;
            }
        }

        private LuaValue object() {
            if (++depth > MAX_DEPTH) {
                throw new LuaError("Found too many nested data structures (" + depth + ") at character " + (i + 1));
            }
            i++;
            LuaTable t = new LuaTable();
            skipSpace();
            if (i < s.length && s[i] == '}') {
                i++;
                depth--;
                return t;
            }
            while (true) {
                skipSpace();
                if (i >= s.length || s[i] != '"') {
                    throw unexpected("object key string");
                }
                LuaString key = LuaValue.valueOf(string());
                skipSpace();
                if (i >= s.length || s[i] != ':') {
                    throw unexpected("colon");
                }
                i++;
                t.rawset(key, value());
                skipSpace();
                if (i < s.length && s[i] == '}') {
                    i++;
                    depth--;
                    return t;
                }
                if (i >= s.length || s[i] != ',') {
                    throw unexpected("comma or object end");
                }
                i++;
            }
        }
    }
}
