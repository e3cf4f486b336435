package dev.podis.server.scripting;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.util.Glob;
import dev.podis.storage.rdb.Crc64;
import dev.podis.storage.Lzf;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Redis 7 functions (functions.c, function_lua.c): libraries of Lua functions loaded with
 * FUNCTION LOAD, called with FCALL / FCALL_RO, listed, deleted, dumped and restored.
 *
 * <p>Functions have a Lua state of their own. A library's code runs once at load time with only
 * {@code redis.register_function}, {@code redis.log} and the version fields reachable (anything
 * else is a "nonexistent global variable"); the functions it registers later run with the full
 * API, their KEYS and ARGV as arguments. {@link #libraries()} is what persistence saves (each
 * library's code), and {@link #dump()} / {@link #restore} use Redis's payload format: one
 * RDB_OPCODE_FUNCTION2 record per library, the RDB version and a CRC64.
 */
public final class Functions {
    /** RDB_OPCODE_FUNCTION2: a library's code in a dump payload or an RDB file. */
    public static final int RDB_OPCODE_FUNCTION2 = 245;
    /** RDB_OPCODE_FUNCTION_PRE_GA (refused, as Redis refuses it). */
    static final int RDB_OPCODE_FUNCTION_PRE_GA = 246;
    /** The RDB version written in dump payloads (10: Redis 7.0 and later load it). */
    static final int RDB_VERSION = 10;
    /** The highest RDB version accepted in payloads. */
    static final int RDB_VERSION_MAX = 12;
    private static final long LOAD_TIMEOUT_MS = 500;

    /** A library: its name, its code, its functions in registration order. */
    public static final class Library {
        final String name;
        final byte[] code;
        final Map<String, Function> functions = new LinkedHashMap<>();

        Library(String name, byte[] code) {
            this.name = name;
            this.code = code;
        }

        public String name() {
            return name;
        }

        /** The code as given to FUNCTION LOAD (what RDB files and dumps hold). */
        public byte[] code() {
            return code.clone();
        }
    }

    record Function(String name, Library library, String description, int flags, LuaFunction callback) {
    }

    private final Scripting scripting;
    private LuaEngine engine;
    /** Where library code and functions run: its metatable points at the load API or the full globals. */
    private ReadOnlyTable env;
    private ReadOnlyTable loadTimeMeta;
    private ReadOnlyTable runTimeMeta;
    private final Map<String, Library> libraries = new LinkedHashMap<>();
    private final Map<String, Function> functions = new LinkedHashMap<>();
    /** The library being loaded (redis.register_function adds to it), or null. */
    private Library loading;
    private long loadStartNanos;

    Functions(Scripting scripting) {
        this.scripting = scripting;
    }

    private void ensureEngine() {
        if (engine != null) {
            return;
        }
        engine = new LuaEngine(scripting.hook(), e -> scripting.redisApi(e, false));
        env = new ReadOnlyTable();
        runTimeMeta = LuaEngine.indexMetatable(engine.globals);
        LuaTable redis = new LuaTable();
        redis.set("register_function", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                registerFunction(args);
                return LuaValue.NONE;
            }
        });
        Scripting.logApi(redis);
        Scripting.versionApi(redis);
        ReadOnlyTable redisAtLoad = ReadOnlyTable.copyOf(redis);
        redisAtLoad.putMetatable(engine.errorMetatable());
        ReadOnlyTable loadApi = new ReadOnlyTable();
        loadApi.put("redis", redisAtLoad.seal());
        loadApi.putMetatable(engine.errorMetatable());
        loadTimeMeta = LuaEngine.indexMetatable(loadApi.seal());
        env.putMetatable(runTimeMeta);
        env.seal();
    }

    /** Every library, in load order (what persistence saves). */
    public Collection<Library> libraries() {
        return Collections.unmodifiableCollection(libraries.values());
    }

    /** Number of functions in every library (INFO number_of_functions). */
    public int functionCount() {
        return functions.size();
    }

    // ---- FUNCTION LOAD ----

    /**
     * Loads a library (FUNCTION LOAD, FUNCTION RESTORE, loading a dataset).
     *
     * @return the library's name
     * @throws IllegalArgumentException with Redis's error text (without the ERR code)
     */
    public String load(byte[] code, boolean replace) {
        return create(code, replace, libraries, functions);
    }

    private String create(byte[] code, boolean replace, Map<String, Library> libs, Map<String, Function> funcs) {
        String[] meta = metadata(code);
        String engineName = meta[0];
        String name = meta[1];
        if (!engineName.equalsIgnoreCase("lua")) {
            throw new IllegalArgumentException("Engine '" + engineName + "' not found");
        }
        if (!validName(name)) {
            throw new IllegalArgumentException("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
        }
        Library old = libs.get(name);
        if (old != null && !replace) {
            throw new IllegalArgumentException("Library '" + name + "' already exists");
        }
        ensureEngine();
        Library lib = new Library(name, code);
        runLibraryCode(lib, code);
        if (lib.functions.isEmpty()) {
            throw new IllegalArgumentException("No functions registered");
        }
        for (String f : lib.functions.keySet()) {
            Function existing = funcs.get(f);
            if (existing != null && existing.library() != old) {
                throw new IllegalArgumentException("Function " + f + " already exists");
            }
        }
        if (old != null) {
            unlink(old, libs, funcs);
        }
        libs.put(name, lib);
        for (Function f : lib.functions.values()) {
            funcs.put(f.name(), f);
        }
        return name;
    }

    private static void unlink(Library lib, Map<String, Library> libs, Map<String, Function> funcs) {
        libs.remove(lib.name);
        for (String f : lib.functions.keySet()) {
            funcs.remove(f);
        }
    }

    /** The shebang's engine and library name: {@code #!lua name=mylib}. */
    private static String[] metadata(byte[] code) {
        if (code.length < 2 || code[0] != '#' || code[1] != '!') {
            throw new IllegalArgumentException("Missing library metadata");
        }
        int nl = -1;
        for (int i = 0; i < code.length; i++) {
            if (code[i] == '\n') {
                nl = i;
                break;
            }
        }
        if (nl < 0) {
            throw new IllegalArgumentException("Invalid library metadata");
        }
        String shebang = new String(code, 0, nl, StandardCharsets.UTF_8);
        List<String> parts = new ArrayList<>();
        for (String p : shebang.split("[ \t\r]+")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("Invalid library metadata");
        }
        String engineName = parts.get(0).substring(2);
        String name = null;
        for (int i = 1; i < parts.size(); i++) {
            String p = parts.get(i);
            if (p.regionMatches(true, 0, "name=", 0, 5)) {
                if (name != null) {
                    throw new IllegalArgumentException("Invalid metadata value, name argument was given multiple times");
                }
                name = p.substring(5);
                continue;
            }
            throw new IllegalArgumentException("Invalid metadata value given: " + p);
        }
        if (name == null) {
            throw new IllegalArgumentException("Library name was not given");
        }
        return new String[] {engineName, name};
    }

    static boolean validName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (!(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_')) {
                return false;
            }
        }
        return true;
    }

    /** Runs a library's code with the load-time API so that it registers its functions. */
    private void runLibraryCode(Library lib, byte[] code) {
        LuaFunction chunk;
        try {
            chunk = engine.compile(code, "@user_function", env);
        } catch (LuaError e) {
            throw new IllegalArgumentException("Error compiling function: " + LuaErrors.compileMessage(e));
        }
        env.putMetatable(loadTimeMeta);
        loading = lib;
        loadStartNanos = System.nanoTime();
        env.debuglib = scripting.hook();
        scripting.hook().reset();
        try {
            chunk.call();
        } catch (LuaError e) {
            LuaValue v = LuaErrors.value(e, scripting.hook().position());
            String msg;
            if (v.istable()) {
                LuaValue err = v.rawget("err");
                msg = err.isstring() ? err.tojstring() : "ERR unknown error";
            } else {
                msg = "ERR " + LuaEngine.tostring(v).tojstring();
            }
            throw new IllegalArgumentException("Error registering functions: " + msg);
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("Error registering functions: ERR Lua stack overflow");
        } finally {
            env.debuglib = null;
            loading = null;
            env.putMetatable(runTimeMeta);
        }
    }

    /** Called by the hook while library code runs: FUNCTION LOAD may take at most 500 ms. */
    boolean loadTimedOut() {
        return loading != null && (System.nanoTime() - loadStartNanos) / 1_000_000 > LOAD_TIMEOUT_MS;
    }

    boolean loadingLibrary() {
        return loading != null;
    }

    /** redis.register_function(name, callback) or redis.register_function{function_name=, callback=, flags=, description=}. */
    private void registerFunction(Varargs args) {
        Library lib = loading;
        if (lib == null) {
            throw LuaErrors.errorTable("redis.register_function can only be called on FUNCTION LOAD command");
        }
        int argc = args.narg();
        if (argc < 1 || argc > 2) {
            throw LuaErrors.errorTable("wrong number of arguments to redis.register_function");
        }
        String name = null;
        String description = null;
        LuaFunction callback = null;
        int flags = 0;
        if (argc == 1) {
            if (!args.arg1().istable()) {
                throw LuaErrors.errorTable("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
            }
            LuaTable t = (LuaTable) args.arg1();
            LuaValue k = LuaValue.NIL;
            while (true) {
                Varargs n = t.next(k);
                if ((k = n.arg1()).isnil()) {
                    break;
                }
                LuaValue v = n.arg(2);
                if (!k.isstring()) {
                    throw LuaErrors.errorTable("named argument key given to redis.register_function is not a string");
                }
                String key = k.tojstring().toLowerCase(Locale.ROOT);
                switch (key) {
                    case "function_name" -> {
                        if (!v.isstring()) {
                            throw LuaErrors.errorTable("function_name argument given to redis.register_function must be a string");
                        }
                        name = v.tojstring();
                    }
                    case "description" -> {
                        if (!v.isstring()) {
                            throw LuaErrors.errorTable("description argument given to redis.register_function must be a string");
                        }
                        description = v.tojstring();
                    }
                    case "callback" -> {
                        if (!v.isfunction()) {
                            throw LuaErrors.errorTable("callback argument given to redis.register_function must be a function");
                        }
                        callback = (LuaFunction) v;
                    }
                    case "flags" -> {
                        if (!v.istable()) {
                            throw LuaErrors.errorTable("flags argument to redis.register_function must be a table representing function flags");
                        }
                        flags = readFlags((LuaTable) v);
                    }
                    default -> throw LuaErrors.errorTable("unknown argument given to redis.register_function");
                }
            }
            if (name == null) {
                throw LuaErrors.errorTable("redis.register_function must get a function name argument");
            }
            if (callback == null) {
                throw LuaErrors.errorTable("redis.register_function must get a callback argument");
            }
        } else {
            if (!args.arg1().isstring()) {
                throw LuaErrors.errorTable("first argument to redis.register_function must be a string");
            }
            if (!args.arg(2).isfunction()) {
                throw LuaErrors.errorTable("second argument to redis.register_function must be a function");
            }
            name = args.arg1().tojstring();
            callback = (LuaFunction) args.arg(2);
        }
        if (!validName(name)) {
            throw LuaErrors.errorTable("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
        }
        if (lib.functions.containsKey(name)) {
            throw LuaErrors.errorTable("Function already exists in the library");
        }
        lib.functions.put(name, new Function(name, lib, description, flags, callback));
    }

    private static int readFlags(LuaTable t) {
        int flags = 0;
        for (int i = 1; ; i++) {
            LuaValue v = t.get(i);
            if (v.isnil()) {
                return flags;
            }
            int bit = v.isstring() ? Scripting.flagBit(v.tojstring(), true) : 0;
            if (bit == 0) {
                throw LuaErrors.errorTable("unknown flag given");
            }
            flags |= bit;
        }
    }

    // ---- FCALL ----

    /** FCALL and FCALL_RO. */
    public void fcall(Client c, byte[][] argv, boolean ro) {
        scripting.feedMonitors(c, argv);
        Function f = functions.get(new String(argv[1], StandardCharsets.UTF_8));
        if (f == null) {
            c.error("ERR Function not found");
            return;
        }
        long numkeys = Scripting.numkeys(c, argv, "ERR Bad number of keys provided");
        if (numkeys < 0) {
            return;
        }
        if (!scripting.mayRun(c, f.flags(), ro)) {
            return;
        }
        int nk = (int) numkeys;
        ScriptRun r = new ScriptRun(c, argv, f.name(), false, ro || (f.flags() & Scripting.NO_WRITES) != 0,
                (f.flags() & Scripting.ALLOW_OOM) != 0);
        scripting.execute(r, env, f.callback(),
                LuaValue.varargsOf(LuaEngine.array(argv, 3, nk), LuaEngine.array(argv, 3 + nk, argv.length - 3 - nk)));
    }

    // ---- FUNCTION LIST / DELETE / FLUSH / STATS ----

    /** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]. */
    public void list(Client c, byte[][] argv) {
        boolean withCode = false;
        byte[] pattern = null;
        for (int i = 2; i < argv.length; i++) {
            String a = new String(argv[i], StandardCharsets.UTF_8);
            if (!withCode && a.equalsIgnoreCase("withcode")) {
                withCode = true;
                continue;
            }
            if (pattern == null && a.equalsIgnoreCase("libraryname")) {
                if (i >= argv.length - 1) {
                    c.error("ERR library name argument was not given");
                    return;
                }
                pattern = argv[++i];
                continue;
            }
            c.error("ERR Unknown argument " + a);
            return;
        }
        List<Library> shown = new ArrayList<>();
        for (Library lib : libraries.values()) {
            if (pattern == null || Glob.match(pattern, lib.name.getBytes(StandardCharsets.UTF_8))) {
                shown.add(lib);
            }
        }
        RespWriter out = c.reply();
        out.arrayHeader(shown.size());
        for (Library lib : shown) {
            out.mapHeader(withCode ? 4 : 3);
            out.bulk("library_name");
            out.bulk(lib.name);
            out.bulk("engine");
            out.bulk("LUA");
            out.bulk("functions");
            out.arrayHeader(lib.functions.size());
            for (Function f : lib.functions.values()) {
                out.mapHeader(3);
                out.bulk("name");
                out.bulk(f.name());
                out.bulk("description");
                out.bulk(f.description());
                out.bulk("flags");
                writeFlags(out, f.flags());
            }
            if (withCode) {
                out.bulk("library_code");
                out.bulk(lib.code);
            }
        }
    }

    private static void writeFlags(RespWriter out, int flags) {
        int n = Integer.bitCount(flags & ((1 << Scripting.FLAG_NAMES.length) - 1));
        out.setHeader(n);
        for (int i = 0; i < Scripting.FLAG_NAMES.length; i++) {
            if ((flags & (1 << i)) != 0) {
                out.simple(Scripting.FLAG_NAMES[i]);
            }
        }
    }

    /** FUNCTION DELETE library-name. */
    public void delete(Client c, byte[] name) {
        Library lib = libraries.get(new String(name, StandardCharsets.UTF_8));
        if (lib == null) {
            c.error("ERR Library not found");
            return;
        }
        unlink(lib, libraries, functions);
        c.reply().ok();
    }

    /** FUNCTION FLUSH: every library goes, and the Lua state with them. */
    public void flush() {
        libraries.clear();
        functions.clear();
        engine = null;
    }

    /** FUNCTION STATS. */
    public void stats(Client c) {
        ScriptRun r = scripting.current();
        if (r != null && r.eval) {
            c.error(Scripting.BUSY_EVAL);
            return;
        }
        RespWriter out = c.reply();
        out.mapHeader(2);
        out.bulk("running_script");
        if (r == null) {
            out.nullBulk();
        } else {
            out.mapHeader(3);
            out.bulk("name");
            out.bulk(r.name);
            out.bulk("command");
            out.arrayHeader(r.command.length);
            for (byte[] a : r.command) {
                out.bulk(a);
            }
            out.bulk("duration_ms");
            out.integer(r.elapsedMillis());
        }
        out.bulk("engines");
        out.mapHeader(1);
        out.bulk("LUA");
        out.mapHeader(2);
        out.bulk("libraries_count");
        out.integer(libraries.size());
        out.bulk("functions_count");
        out.integer(functions.size());
    }

    // ---- FUNCTION DUMP / RESTORE ----

    /** Redis's FUNCTION DUMP payload: every library's code as RDB_OPCODE_FUNCTION2 records, the RDB version, a CRC64. */
    public byte[] dump() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Library lib : libraries.values()) {
            out.write(RDB_OPCODE_FUNCTION2);
            writeRdbString(out, lib.code);
        }
        out.write(RDB_VERSION & 0xFF);
        out.write((RDB_VERSION >> 8) & 0xFF);
        byte[] body = out.toByteArray();
        long crc = Crc64.of(body, 0, body.length);
        byte[] payload = java.util.Arrays.copyOf(body, body.length + 8);
        for (int i = 0; i < 8; i++) {
            payload[body.length + i] = (byte) (crc >>> (8 * i));
        }
        return payload;
    }

    /** An RDB string: LZF-compressed when that is shorter (as Redis with rdbcompression yes), else raw. */
    static void writeRdbString(ByteArrayOutputStream out, byte[] s) {
        if (s.length > 20) {
            byte[] z = Lzf.compress(s, 0, s.length, s.length - 4);
            if (z != null) {
                out.write(0xC0 | 3); // RDB_ENCVAL, RDB_ENC_LZF
                writeRdbLength(out, z.length);
                writeRdbLength(out, s.length);
                out.write(z, 0, z.length);
                return;
            }
        }
        writeRdbLength(out, s.length);
        out.write(s, 0, s.length);
    }

    static void writeRdbLength(ByteArrayOutputStream out, long len) {
        if (len < 64) {
            out.write((int) len);
        } else if (len < 16384) {
            out.write(0x40 | (int) (len >> 8));
            out.write((int) (len & 0xFF));
        } else if (len <= 0xFFFFFFFFL) {
            out.write(0x80);
            for (int i = 3; i >= 0; i--) {
                out.write((int) (len >>> (8 * i)) & 0xFF);
            }
        } else {
            out.write(0x81);
            for (int i = 7; i >= 0; i--) {
                out.write((int) (len >>> (8 * i)) & 0xFF);
            }
        }
    }

    /** Reads RDB strings from a dump payload. */
    private static final class PayloadReader {
        final byte[] b;
        int pos;
        final int end;

        PayloadReader(byte[] b, int end) {
            this.b = b;
            this.end = end;
        }

        int u8() {
            if (pos >= end) {
                throw new IllegalArgumentException("payload truncated");
            }
            return b[pos++] & 0xFF;
        }

        /** An RDB length; encoded values (type 3) come back as -1 - encoding. */
        long length() {
            int first = u8();
            int type = first >> 6;
            switch (type) {
                case 0:
                    return first & 0x3F;
                case 1:
                    return ((first & 0x3F) << 8) | u8();
                case 2:
                    if (first == 0x80) {
                        long v = 0;
                        for (int i = 0; i < 4; i++) {
                            v = v << 8 | u8();
                        }
                        return v;
                    } else if (first == 0x81) {
                        long v = 0;
                        for (int i = 0; i < 8; i++) {
                            v = v << 8 | u8();
                        }
                        return v;
                    }
                    throw new IllegalArgumentException("bad length");
                default:
                    return -1 - (first & 0x3F);
            }
        }

        byte[] string() {
            long len = length();
            if (len >= 0) {
                return bytes((int) len);
            }
            int enc = (int) (-1 - len);
            switch (enc) {
                case 0:
                    return Long.toString((byte) u8()).getBytes(StandardCharsets.US_ASCII);
                case 1:
                    return Long.toString((short) (u8() | u8() << 8)).getBytes(StandardCharsets.US_ASCII);
                case 2:
                    return Long.toString(u8() | u8() << 8 | u8() << 16 | u8() << 24).getBytes(StandardCharsets.US_ASCII);
                case 3: {
                    int clen = (int) length();
                    int rawLen = (int) length();
                    byte[] z = bytes(clen);
                    return Lzf.decompress(z, rawLen);
                }
                default:
                    throw new IllegalArgumentException("unknown string encoding");
            }
        }

        byte[] bytes(int n) {
            if (n < 0 || pos + n > end) {
                throw new IllegalArgumentException("payload truncated");
            }
            byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + n);
            pos += n;
            return out;
        }
    }

    /** True when the payload's footer (RDB version, CRC64) is valid (Redis's verifyDumpPayload). */
    static boolean validPayload(byte[] p) {
        if (p.length < 10) {
            return false;
        }
        int footer = p.length - 10;
        int version = (p[footer] & 0xFF) | (p[footer + 1] & 0xFF) << 8;
        if (version > RDB_VERSION_MAX) {
            return false;
        }
        long crc = 0;
        for (int i = 7; i >= 0; i--) {
            crc = crc << 8 | (p[p.length - 8 + i] & 0xFF);
        }
        return crc == Crc64.of(p, 0, p.length - 8);
    }

    /** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]. */
    public void restore(Client c, byte[][] argv) {
        String policy = "append";
        if (argv.length > 4) {
            c.error("ERR syntax error");
            return;
        }
        if (argv.length == 4) {
            policy = new String(argv[3], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            if (!policy.equals("flush") && !policy.equals("append") && !policy.equals("replace")) {
                c.error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
                return;
            }
        }
        byte[] p = argv[2];
        if (!validPayload(p)) {
            c.error("ERR DUMP payload version or checksum are wrong");
            return;
        }
        List<byte[]> codes = new ArrayList<>();
        PayloadReader in = new PayloadReader(p, p.length - 10);
        try {
            while (in.pos < in.end) {
                int type = in.u8();
                if (type == RDB_OPCODE_FUNCTION_PRE_GA) {
                    c.error("ERR Pre-GA function format not supported");
                    return;
                }
                if (type != RDB_OPCODE_FUNCTION2) {
                    c.error("ERR given type is not a function");
                    return;
                }
                codes.add(in.string());
            }
        } catch (IllegalArgumentException e) {
            c.error("ERR Failed loading library: payload is not valid");
            return;
        }
        // Load into a fresh set first: a bad library leaves everything as it was.
        Map<String, Library> newLibs = new LinkedHashMap<>();
        Map<String, Function> newFuncs = new LinkedHashMap<>();
        try {
            for (byte[] code : codes) {
                create(code, false, newLibs, newFuncs);
            }
        } catch (IllegalArgumentException e) {
            c.error("ERR " + e.getMessage());
            return;
        }
        switch (policy) {
            case "flush" -> {
                libraries.clear();
                functions.clear();
            }
            case "append" -> {
                for (Library lib : newLibs.values()) {
                    if (libraries.containsKey(lib.name)) {
                        c.error("ERR Library " + lib.name + " already exists");
                        return;
                    }
                }
                for (String f : newFuncs.keySet()) {
                    if (functions.containsKey(f)) {
                        c.error("ERR Function " + f + " already exists");
                        return;
                    }
                }
            }
            default -> { // replace: libraries of the same name go; functions must not clash with the rest
                for (String f : newFuncs.keySet()) {
                    Function existing = functions.get(f);
                    if (existing != null && !newLibs.containsKey(existing.library().name)) {
                        c.error("ERR Function " + f + " already exists");
                        return;
                    }
                }
                for (String name : newLibs.keySet()) {
                    Library old = libraries.get(name);
                    if (old != null) {
                        unlink(old, libraries, functions);
                    }
                }
            }
        }
        libraries.putAll(newLibs);
        functions.putAll(newFuncs);
        c.reply().ok();
    }
}
