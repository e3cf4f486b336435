package dev.podis.server.scripting;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

import java.lang.reflect.Field;

/**
 * Lua errors as Redis's Lua 5.1 presents them. LuaJ records where an error passed through a
 * script ("user_script:3") but formats messages its own way; this class rebuilds the error value
 * a Lua 5.1 script would see ({@code "user_script:3: boom"}, or the table given to
 * {@code error()}), and the pieces of the final error reply.
 */
final class LuaErrors {
    private static final Field FILELINE;

    static {
        Field f;
        try {
            f = LuaError.class.getDeclaredField("fileline");
            f.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            f = null; // positions are then left out of messages
        }
        FILELINE = f;
    }

    private LuaErrors() {
    }

    /** An error raised with a value: {@code error(v [, level])}, redis.call's error tables, SCRIPT KILL. */
    static final class Raised extends LuaError {
        private static final long serialVersionUID = 1L;
        final transient LuaValue raised;
        final int errorLevel;

        Raised(LuaValue value, int level) {
            super(value);
            this.raised = value;
            this.errorLevel = level;
        }
    }

    /** An error raised with a table {@code {err = "<code> <message>"}}, as redis.call raises. */
    static Raised errorTable(String message) {
        return new Raised(table(message), 0);
    }

    /** Redis's error table for {@code message} ("-CODE text", or a plain text that gets the ERR code). */
    static LuaTable table(String message) {
        String m = message;
        if (m.startsWith("-")) {
            int sp = m.indexOf(' ');
            m = sp < 0 ? "ERR " + m.substring(1) : m.substring(1);
        } else {
            m = "ERR " + m;
        }
        m = m.strip();
        LuaTable t = new LuaTable();
        t.set("err", m);
        return t;
    }

    /** "user_script:3" where the error passed through a script, else {@code fallback} (the hook's line). */
    static String position(LuaError e, String fallback) {
        if (FILELINE == null) {
            return fallback;
        }
        try {
            String fl = (String) FILELINE.get(e);
            if (fl == null) {
                return fallback;
            }
            return fl.startsWith("@") || fl.startsWith("=") ? fl.substring(1) : fl;
        } catch (IllegalAccessException ex) {
            return fallback;
        }
    }

    /** The message LuaJ gave an error it raised itself, without LuaJ's position prefix and traceback. */
    private static String rawMessage(LuaError e) {
        String m = e.getMessage();
        if (m == null) {
            return "nil";
        }
        if (FILELINE != null) {
            try {
                String fl = (String) FILELINE.get(e);
                if (fl != null && m.startsWith(fl + " ")) {
                    m = m.substring(fl.length() + 1);
                }
            } catch (IllegalAccessException ex) {
                // keep the message as it is
            }
        }
        if (m.endsWith("\n")) {
            m = m.substring(0, m.length() - 1);
        }
        return m;
    }

    /** The error value a Lua 5.1 handler would receive (what pcall returns, what xpcall passes on). */
    static LuaValue value(LuaError e, String fallback) {
        if (e instanceof Raised r) {
            LuaValue v = r.raised;
            if ((v.type() == LuaValue.TSTRING || v.type() == LuaValue.TNUMBER) && r.errorLevel > 0) {
                String pos = position(e, fallback);
                return LuaValue.valueOf(pos == null ? v.tojstring() : pos + ": " + v.tojstring());
            }
            return v;
        }
        String pos = position(e, fallback);
        String m = rawMessage(e);
        return LuaValue.valueOf(pos == null ? m : pos + ": " + m);
    }

    /** Redis's pcall: an error table with an {@code err} string gives that string. */
    static LuaValue pcallValue(LuaError e, String fallback) {
        LuaValue v = value(e, fallback);
        if (v.istable()) {
            LuaValue err = v.rawget("err");
            if (err.isstring()) {
                return err;
            }
        }
        return v;
    }

    /**
     * The error reply for a script that failed with {@code e}: "ERR user_script:1: boom" or the
     * {@code err} of the error table, then " script: NAME, on @SOURCE:LINE." when the error was
     * raised inside the script, as Redis's error handler adds it.
     */
    static String reply(LuaError e, String name, String fallback) {
        LuaValue v = value(e, fallback);
        String msg;
        if (v.istable()) {
            LuaValue err = v.rawget("err");
            msg = err.isstring() ? err.tojstring() : null;
        } else {
            msg = "ERR " + (v.isnil() ? "nil" : LuaEngine.tostring(v).tojstring());
        }
        String pos = position(e, fallback);
        StringBuilder sb = new StringBuilder();
        sb.append(msg == null ? "ERR unknown error" : msg);
        if (pos != null) {
            sb.append(" script: ").append(name).append(", on @").append(pos).append('.');
        }
        return sb.toString();
    }

    /** LuaJ's token numbers (LexState) as Lua 5.1's messages name them. */
    private static final String[] TOKENS = {
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
        "..", "...", "==", ">=", "<=", "~=", "::", "<eof>", "<number>", "<name>", "<string>"};
    private static final java.util.regex.Pattern LUAJ_SYMBOL = java.util.regex.Pattern.compile("unexpected symbol (\\d+) \\(.\\)");

    /**
     * A compiler error as Lua 5.1 words it where LuaJ's wording differs ("unexpected symbol near
     * '<eof>'" for LuaJ's "unexpected symbol 286 (...)").
     */
    static String compileMessage(LuaError e) {
        String m = e.getMessage();
        if (m == null) {
            return "nil";
        }
        java.util.regex.Matcher x = LUAJ_SYMBOL.matcher(m);
        if (x.find()) {
            int token = Integer.parseInt(x.group(1));
            String name = token < 257 ? String.valueOf((char) token)
                    : token - 257 < TOKENS.length ? TOKENS[token - 257] : "?";
            m = m.substring(0, x.start()) + "unexpected symbol near '" + name + "'" + m.substring(x.end());
        }
        return m;
    }

    /** True when the error came from a command's error reply (already counted in the error statistics). */
    static boolean fromCommand(LuaError e) {
        return e instanceof Raised r && r.raised.istable() && r.raised.rawget("ignore_error_stats_update").toboolean();
    }
}
