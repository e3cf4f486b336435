package dev.podis.server.scripting;

import dev.podis.server.Client;
import dev.podis.server.CommandDispatcher;
import dev.podis.server.Log;
import dev.podis.server.ServerContext;
import dev.podis.server.Version;
import dev.podis.server.command.CommandSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.ZeroArgFunction;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;

/**
 * Lua scripting: the EVAL script cache and its Lua state, the functions engine
 * ({@link Functions}), and the execution of a script or function (Redis's script.c, eval.c and
 * script_lua.c). See {@code package-info.java} for the execution model.
 *
 * <p>A running script's {@code redis.call} runs the command through the dispatcher's normal
 * execution path as the script's own client (a client without a connection, RESP2 unless the
 * script asks for RESP3, in the caller's database, blocking denied), after the checks Redis makes
 * for scripts; the command's reply is parsed back into Lua values.
 */
public final class Scripting implements LuaEngine.Hook.Host {
    static final String BUSY_EVAL = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    static final String BUSY_FUNCTION = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
    static final String NOTBUSY = "NOTBUSY No scripts in execution right now.";
    static final String UNKILLABLE = "UNKILLABLE Sorry the script already executed write commands against the dataset. "
            + "You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
    static final String NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";
    /** Shebang and function flags (Redis's SCRIPT_FLAG_*). */
    static final int NO_WRITES = 1;
    static final int ALLOW_OOM = 2;
    static final int ALLOW_STALE = 4;
    static final int NO_CLUSTER = 8;
    static final int ALLOW_CROSS_SLOT = 16;
    /** An EVAL script without a shebang: Redis's backwards-compatible mode (no flags apply). */
    static final int EVAL_COMPAT = 1 << 10;
    static final String[] FLAG_NAMES = {"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"};

    private final ServerContext server;
    private CommandDispatcher dispatcher;
    /** The script's own client: commands of redis.call run as it. */
    private final Client scriptClient;
    /** Where the script's client writes the reply of each redis.call. */
    private ByteBuf capture = Unpooled.buffer(256);
    private final LuaEngine.Hook hook = new LuaEngine.Hook(this);
    /** EVAL's Lua state (created at the first EVAL, replaced by SCRIPT FLUSH). */
    private LuaEngine evalEngine;
    /** SHA1 → compiled script; insertion order, as SCRIPT FLUSH empties it whole. */
    private final Map<String, EvalScript> scripts = new HashMap<>();
    private long scriptsBodyBytes;
    private final Functions functions;
    /** The script being executed, or null. */
    private ScriptRun run;

    /** An EVAL script in the cache. */
    public record EvalScript(String sha, byte[] body, int flags, LuaFunction function) {
    }

    public ServerContext server() {
        return server;
    }

    public Scripting(ServerContext server) {
        this.server = server;
        this.scriptClient = Client.detached(server, "lua");
        this.scriptClient.denyBlocking(true);
        this.functions = new Functions(this);
    }

    /** The dispatcher whose execution path redis.call uses (set once it exists). */
    public void dispatcher(CommandDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    /** The functions engine (FUNCTION, FCALL). */
    public Functions functions() {
        return functions;
    }

    LuaEngine.Hook hook() {
        return hook;
    }

    // ---- state for other parts of the server ----

    /** True while a script runs past busy-reply-threshold: other clients get BUSY. */
    public boolean busy() {
        ScriptRun r = run;
        return r != null && r.timedOut;
    }

    /** The BUSY error for the running script (worded for EVAL or for functions). */
    public String busyError() {
        ScriptRun r = run;
        return r != null && !r.eval ? BUSY_FUNCTION : BUSY_EVAL;
    }

    /** True while a script (EVAL or function) is executing. */
    public boolean running() {
        return run != null;
    }

    /**
     * Whether {@code argv} may run a script: such a command must not start while the command
     * loop is processing I/O events, so that a long script can let the loop serve other clients
     * (see package-info). Cheap for every other command.
     */
    public boolean runsScript(Client c, byte[][] argv) {
        byte[] name = argv[0];
        if (name.length < 4 || name.length > 10 || run != null) {
            return false;
        }
        int first = name[0] | 0x20;
        if (first == 'e') {
            return is(name, "eval") || is(name, "evalsha") || is(name, "eval_ro") || is(name, "evalsha_ro")
                    || (is(name, "exec") && server.transactions().queuedScripts(c));
        }
        return first == 'f' && (is(name, "fcall") || is(name, "fcall_ro"));
    }

    /** ASCII case-insensitive comparison without allocating. */
    private static boolean is(byte[] name, String lower) {
        if (name.length != lower.length()) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            int b = name[i];
            if (b >= 'A' && b <= 'Z') {
                b += 32;
            }
            if (b != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** SHUTDOWN NOSAVE while a script is busy: the script stops at its next check, writes or not. */
    public void abortForShutdown() {
        ScriptRun r = run;
        if (r != null) {
            r.killed = true;
        }
    }

    // ---- EVAL / EVALSHA / SCRIPT ----

    static String sha1hex(byte[] data) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(data);
            StringBuilder sb = new StringBuilder(40);
            for (byte b : d) {
                sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private LuaEngine evalEngine() {
        if (evalEngine == null) {
            evalEngine = new LuaEngine(hook, e -> redisApi(e, true));
        }
        return evalEngine;
    }

    /** Number of cached EVAL scripts (INFO number_of_cached_scripts). */
    public int cachedScripts() {
        return scripts.size();
    }

    /** Bytes of cached script bodies (INFO used_memory_scripts_eval, approximately). */
    public long cachedScriptBytes() {
        return scriptsBodyBytes;
    }

    /**
     * Compiles and caches {@code body} (EVAL, SCRIPT LOAD), or returns the cached script; on
     * error replies to {@code c} and returns null.
     */
    public EvalScript load(Client c, byte[] body) {
        String sha = sha1hex(body);
        EvalScript s = scripts.get(sha);
        if (s != null) {
            return s;
        }
        int flags = EVAL_COMPAT;
        byte[] code = body;
        if (body.length >= 2 && body[0] == '#' && body[1] == '!') {
            int nl = indexOf(body, (byte) '\n');
            int end = nl < 0 ? body.length : nl;
            String shebang = new String(body, 0, end, StandardCharsets.UTF_8);
            String[] parts = shebang.split(" ");
            java.util.List<String> words = new java.util.ArrayList<>();
            for (String p : parts) {
                if (!p.isEmpty()) {
                    words.add(p);
                }
            }
            if (words.isEmpty()) {
                c.error("ERR Invalid engine in script shebang");
                return null;
            }
            if (!words.get(0).equals("#!lua")) {
                c.error("ERR Unexpected engine in script shebang: " + words.get(0));
                return null;
            }
            flags = 0;
            for (int i = 1; i < words.size(); i++) {
                String w = words.get(i);
                if (!w.startsWith("flags=")) {
                    c.error("ERR Unknown lua shebang option: " + w);
                    return null;
                }
                for (String f : w.substring(6).split(",", -1)) {
                    if (f.isEmpty()) {
                        continue;
                    }
                    int bit = flagBit(f, false);
                    if (bit == 0) {
                        c.error("ERR Unexpected flag in script shebang: " + f);
                        return null;
                    }
                    flags |= bit;
                }
            }
            code = java.util.Arrays.copyOfRange(body, end, body.length); // line numbers stay
        }
        LuaEngine engine = evalEngine();
        LuaFunction f;
        try {
            f = engine.compile(code, "@user_script", engine.globals);
        } catch (LuaError e) {
            c.error("ERR Error compiling script (new function): " + LuaErrors.compileMessage(e));
            return null;
        }
        s = new EvalScript(sha, body, flags, f);
        scripts.put(sha, s);
        scriptsBodyBytes += body.length;
        return s;
    }

    /** The flag bit for a shebang or function flag name, 0 when unknown. */
    static int flagBit(String name, boolean ignoreCase) {
        for (int i = 0; i < FLAG_NAMES.length; i++) {
            if (ignoreCase ? FLAG_NAMES[i].equalsIgnoreCase(name) : FLAG_NAMES[i].equals(name)) {
                return 1 << i;
            }
        }
        return 0;
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    /** True when {@code sha} (any case) is cached (SCRIPT EXISTS). */
    public boolean exists(byte[] sha) {
        return sha.length == 40 && scripts.containsKey(new String(sha, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT));
    }

    /** SCRIPT FLUSH: forgets every script and starts a new Lua state. */
    public void flushScripts() {
        scripts.clear();
        scriptsBodyBytes = 0;
        evalEngine = null;
    }

    /**
     * The numkeys argument (argv[2]) of EVAL* and FCALL*, checked as Redis does; -1 after an error
     * reply ({@code notANumber} is the text for a non-integer, which differs between the two).
     */
    static long numkeys(Client c, byte[][] argv, String notANumber) {
        long numkeys = dev.podis.server.commands.Args.parseLong(argv[2]);
        if (numkeys == dev.podis.server.commands.Args.NOT_A_NUMBER && !dev.podis.server.commands.Args.isLong(argv[2])) {
            c.error(notANumber);
            return -1;
        }
        if (numkeys > argv.length - 3) {
            c.error("ERR Number of keys can't be greater than number of args");
            return -1;
        } else if (numkeys < 0) {
            c.error("ERR Number of keys can't be negative");
            return -1;
        }
        return numkeys;
    }

    /** EVAL, EVALSHA, EVAL_RO, EVALSHA_RO. */
    public void eval(Client c, byte[][] argv, boolean bySha, boolean ro) {
        feedMonitors(c, argv);
        long numkeys = numkeys(c, argv, "ERR value is not an integer or out of range");
        if (numkeys < 0) {
            return;
        }
        EvalScript s;
        if (bySha) {
            if (argv[1].length != 40) {
                c.error(NOSCRIPT);
                return;
            }
            s = scripts.get(new String(argv[1], StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT));
            if (s == null) {
                c.error(NOSCRIPT);
                return;
            }
        } else {
            s = load(c, argv[1]);
            if (s == null) {
                return;
            }
        }
        if (!mayRun(c, s.flags, ro)) {
            return;
        }
        LuaEngine engine = evalEngine();
        int nk = (int) numkeys;
        engine.globals.put("KEYS", LuaEngine.array(argv, 3, nk));
        engine.globals.put("ARGV", LuaEngine.array(argv, 3 + nk, argv.length - 3 - nk));
        boolean readOnly = ro || (s.flags & (EVAL_COMPAT | NO_WRITES)) == NO_WRITES;
        boolean allowOom = (s.flags & (EVAL_COMPAT | ALLOW_OOM)) == ALLOW_OOM;
        ScriptRun r = new ScriptRun(c, argv, s.sha, true, readOnly, allowOom);
        execute(r, engine.globals, s.function, LuaValue.NONE);
    }

    /**
     * MONITOR shows the script command before the commands it runs (the command table marks
     * EVAL and FCALL skip_monitor so that they are not shown again afterwards), as Redis does.
     */
    void feedMonitors(Client c, byte[][] argv) {
        if (!server.monitors().isEmpty()) {
            server.monitors().feed(c, argv);
        }
    }

    /**
     * Redis's checks before a script runs (scriptPrepareForRun); false after replying an error.
     * Scripts without a shebang skip them (compatibility mode).
     */
    boolean mayRun(Client c, int flags, boolean ro) {
        if ((flags & EVAL_COMPAT) != 0) {
            return true;
        }
        if ((flags & ALLOW_OOM) == 0 && overMaxmemory()) {
            c.error("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
            return false;
        }
        if ((flags & NO_WRITES) == 0 && ro) {
            c.error("ERR Can not execute a script with write flag using *_ro command.");
            return false;
        }
        return true;
    }

    /** Over maxmemory with nothing left to evict, as the check before this command found (pre_command_oom_state). */
    private boolean overMaxmemory() {
        return server.maxmemory().outOfMemory();
    }

    // ---- execution ----

    /**
     * Runs {@code f} for {@code r} and replies to the caller: the script's return value converted
     * to a reply, or its error. {@code env} is the globals table the function was compiled with
     * (where LuaJ finds the instruction hook); {@code args} are the function's arguments (FCALL:
     * KEYS and ARGV tables; EVAL: none, they are globals).
     */
    void execute(ScriptRun r, ReadOnlyTable env, LuaFunction f, Varargs args) {
        Client c = r.caller;
        scriptClient.select(c.dbIndex());
        scriptClient.protocol(2);
        run = r;
        hook.reset();
        ReadOnlyTable hooked = env;
        hooked.debuglib = hook;
        LuaValue result = null;
        LuaError error = null;
        try {
            result = f.invoke(args).arg1();
        } catch (LuaError e) {
            error = e;
        } catch (StackOverflowError e) {
            error = LuaErrors.errorTable("-ERR Lua stack overflow");
        } catch (RuntimeException e) {
            Log.warn("script " + r.name + " failed", e);
            error = LuaErrors.errorTable("-ERR internal error running script: " + e);
        } finally {
            hooked.debuglib = null;
            run = null;
            if (r.timedOut) {
                server.scriptBusy(false);
            }
            if (capture.capacity() > 1 << 20) {
                capture = Unpooled.buffer(256);
            }
        }
        if (error != null) {
            String text = LuaErrors.reply(error, r.name, hook.position());
            c.reply().error(text, !LuaErrors.fromCommand(error));
        } else {
            LuaReplies.write(c.reply(), result, r.resp, (text, counted) -> c.reply().error(text, counted));
        }
    }

    /** The hook's check, every 100000 Lua instructions (Redis's scriptInterrupt). */
    @Override
    public void interrupt() {
        ScriptRun r = run;
        if (r == null) {
            if (functions.loadTimedOut()) {
                LuaError e = LuaErrors.errorTable("FUNCTION LOAD timeout");
                hook.kill(e);
                throw e;
            }
            return;
        }
        if (!r.timedOut) {
            long elapsed = r.elapsedMillis();
            long threshold = server.config().getLong("busy-reply-threshold");
            if (threshold <= 0 || elapsed < threshold) {
                return;
            }
            Log.warn("Slow script detected: still in execution after " + elapsed + " milliseconds. "
                    + "You can try killing the script using the " + (r.eval ? "SCRIPT KILL" : "FUNCTION KILL")
                    + " command. Script name is: " + r.name + ".");
            r.timedOut = true;
            server.scriptBusy(true);
        }
        // Let the command loop serve other clients (BUSY, SCRIPT KILL, SHUTDOWN NOSAVE) meanwhile.
        server.pumpEvents();
        if (r.killed) {
            Log.warn("Lua script killed by user with " + (r.eval ? "SCRIPT KILL." : "FUNCTION KILL."));
            LuaError e = LuaErrors.errorTable("-ERR Script killed by user with SCRIPT KILL...");
            hook.kill(e);
            throw e;
        }
    }

    /** SCRIPT KILL ({@code eval} true) and FUNCTION KILL. */
    public void kill(Client c, boolean eval) {
        ScriptRun r = run;
        if (r == null) {
            c.error(NOTBUSY);
            return;
        }
        if (r.wrote) {
            c.error(UNKILLABLE);
            return;
        }
        if (eval && !r.eval) {
            c.error(BUSY_FUNCTION);
            return;
        }
        if (!eval && r.eval) {
            c.error(BUSY_EVAL);
            return;
        }
        r.killed = true;
        c.reply().ok();
    }

    /**
     * redis.set_repl of the running script ({@code REPL_AOF} 1 | {@code REPL_REPLICA} 2), or -1
     * when no script runs: what the write stream for AOF and replicas should do with the commands
     * the script runs.
     */
    public int replicationFlags() {
        ScriptRun r = run;
        return r == null ? -1 : r.repl;
    }

    /** The running script for FUNCTION STATS: name, command line, milliseconds so far; null when none. */
    ScriptRun current() {
        return run;
    }

    // ---- the redis table ----

    /** The {@code redis} table scripts (eval: true) and functions use at run time. */
    LuaTable redisApi(LuaEngine engine, boolean eval) {
        LuaTable redis = new LuaTable();
        redis.set("call", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return redisCall(args, true, "redis.call/pcall can only be called inside a script invocation");
            }
        });
        redis.set("pcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return redisCall(args, false, "redis.call/pcall can only be called inside a script invocation");
            }
        });
        logApi(redis);
        versionApi(redis);
        redis.set("setresp", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                ScriptRun r = requireRun("redis.setresp can only be called inside a script invocation");
                if (args.narg() != 1) {
                    throw LuaErrors.errorTable("redis.setresp() requires one argument.");
                }
                int resp = (int) args.arg1().optdouble(0);
                if (resp != 2 && resp != 3) {
                    throw LuaErrors.errorTable("RESP version must be 2 or 3.");
                }
                r.resp = resp;
                return LuaValue.NONE;
            }
        });
        redis.set("sha1hex", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1) {
                    throw LuaErrors.errorTable("wrong number of arguments");
                }
                LuaValue v = args.arg1();
                byte[] data = v.isstring() ? bytes(v.checkstring()) : new byte[0];
                return LuaValue.valueOf(sha1hex(data));
            }
        });
        redis.set("error_reply", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1 || args.arg1().type() != LuaValue.TSTRING) {
                    return LuaErrors.table("wrong number or type of arguments");
                }
                String e = args.arg1().tojstring();
                return LuaErrors.table(e.startsWith("-") ? e : "-" + e);
            }
        });
        redis.set("status_reply", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1 || args.arg1().type() != LuaValue.TSTRING) {
                    return LuaErrors.table("wrong number or type of arguments");
                }
                LuaTable t = new LuaTable();
                t.set("ok", args.arg1());
                return t;
            }
        });
        redis.set("set_repl", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                ScriptRun r = requireRun("redis.set_repl can only be called inside a script invocation");
                if (args.narg() != 1) {
                    throw LuaErrors.errorTable("redis.set_repl() requires two arguments.");
                }
                int flags = (int) args.arg1().optdouble(0);
                if ((flags & ~ScriptRun.REPL_ALL) != 0) {
                    throw LuaErrors.errorTable("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
                }
                r.repl = flags;
                return LuaValue.NONE;
            }
        });
        redis.set("REPL_NONE", ScriptRun.REPL_NONE);
        redis.set("REPL_AOF", ScriptRun.REPL_AOF);
        redis.set("REPL_SLAVE", ScriptRun.REPL_REPLICA);
        redis.set("REPL_REPLICA", ScriptRun.REPL_REPLICA);
        redis.set("REPL_ALL", ScriptRun.REPL_ALL);
        redis.set("acl_check_cmd", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                requireRun("redis.acl_check_cmd can only be called inside a script invocation");
                byte[][] argv = argv(args);
                if (dispatcher.resolve(argv) == null) {
                    throw LuaErrors.errorTable("Invalid command passed to redis.acl_check_cmd()");
                }
                return LuaValue.TRUE; // no ACL users yet: the default user may run everything
            }
        });
        if (eval) {
            redis.set("breakpoint", new ZeroArgFunction() {
                @Override
                public LuaValue call() {
                    return LuaValue.FALSE; // no debugging session (SCRIPT DEBUG) is ever active
                }
            });
            redis.set("debug", new VarArgFunction() {
                @Override
                public Varargs invoke(Varargs args) {
                    return LuaValue.NONE;
                }
            });
            redis.set("replicate_commands", new ZeroArgFunction() {
                @Override
                public LuaValue call() {
                    return LuaValue.TRUE;
                }
            });
        }
        return redis;
    }

    /** redis.log and the LOG_* levels. */
    static void logApi(LuaTable redis) {
        redis.set("log", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                int argc = args.narg();
                if (argc < 2) {
                    throw LuaErrors.errorTable("redis.log() requires two arguments or more.");
                }
                if (!args.arg1().isnumber()) {
                    throw LuaErrors.errorTable("First argument must be a number (log level).");
                }
                int level = (int) args.arg1().todouble();
                if (level < 0 || level > 3) {
                    throw LuaErrors.errorTable("Invalid debug level.");
                }
                StringBuilder sb = new StringBuilder();
                for (int i = 2; i <= argc; i++) {
                    LuaValue v = args.arg(i);
                    if (v.isstring()) {
                        if (i != 2) {
                            sb.append(' ');
                        }
                        sb.append(v.type() == LuaValue.TNUMBER ? LuaEngine.number(v.todouble()) : v.tojstring());
                    }
                }
                Log.at(level, sb.toString());
                return LuaValue.NONE;
            }
        });
        redis.set("LOG_DEBUG", 0);
        redis.set("LOG_VERBOSE", 1);
        redis.set("LOG_NOTICE", 2);
        redis.set("LOG_WARNING", 3);
    }

    /** redis.REDIS_VERSION and redis.REDIS_VERSION_NUM (0x00MMmmpp). */
    static void versionApi(LuaTable redis) {
        String v = Version.REDIS;
        String[] p = v.split("\\.");
        int num = 0;
        for (int i = 0; i < 3; i++) {
            num = num << 8 | (i < p.length ? Integer.parseInt(p[i].replaceAll("[^0-9].*", "")) : 0);
        }
        redis.set("REDIS_VERSION_NUM", num);
        redis.set("REDIS_VERSION", v);
    }

    private ScriptRun requireRun(String message) {
        ScriptRun r = run;
        if (r == null) {
            throw LuaErrors.errorTable(message);
        }
        return r;
    }

    static byte[] bytes(LuaString s) {
        return java.util.Arrays.copyOfRange(s.m_bytes, s.m_offset, s.m_offset + s.m_length);
    }

    /** redis.call / redis.pcall arguments: strings, and numbers as "%.17g". */
    private static byte[][] argv(Varargs args) {
        int n = args.narg();
        if (n == 0) {
            throw LuaErrors.errorTable("Please specify at least one argument for this redis lib call");
        }
        byte[][] argv = new byte[n][];
        for (int i = 0; i < n; i++) {
            LuaValue v = args.arg(i + 1);
            switch (v.type()) {
                case LuaValue.TNUMBER: {
                    argv[i] = dev.podis.protocol.Doubles.format(v.todouble()).getBytes(StandardCharsets.US_ASCII);
                    break;
                }
                case LuaValue.TSTRING:
                    argv[i] = bytes(v.checkstring());
                    break;
                default:
                    throw LuaErrors.errorTable("Lua redis lib command arguments must be strings or integers");
            }
        }
        return argv;
    }

    /** redis.call ({@code raise}: errors stop the script) and redis.pcall (errors are returned). */
    private Varargs redisCall(Varargs args, boolean raise, String outside) {
        ScriptRun r = run;
        if (r == null) {
            throw LuaErrors.errorTable(outside);
        }
        byte[][] argv;
        try {
            argv = argv(args);
        } catch (LuaErrors.Raised e) {
            if (raise) {
                throw e;
            }
            return e.raised;
        }
        String refused = check(r, argv);
        if (refused != null) {
            LuaTable t = LuaErrors.table(refused);
            t.set("ignore_error_stats_update", LuaValue.TRUE);
            if (raise) {
                throw new LuaErrors.Raised(t, 0);
            }
            return t;
        }
        hook.charge(1000);
        ByteBuf out = capture;
        out.clear();
        scriptClient.protocol(r.resp);
        scriptClient.reply().target(out);
        try {
            dispatcher.executeForScript(scriptClient, checkedSpec, argv);
        } finally {
            scriptClient.reply().target(null);
            checkedSpec = null;
        }
        if (!out.isReadable()) {
            return LuaValue.NIL; // the command wrote nothing (it cannot block here)
        }
        boolean error = LuaReplies.isError(out);
        LuaValue v = LuaReplies.toLua(out);
        if (error && raise) {
            throw new LuaErrors.Raised(v, 0);
        }
        return v;
    }

    /** The spec {@link #check} resolved, for the call that follows it. */
    private CommandSpec checkedSpec;

    /** Redis's scriptCall checks: the error text (without code) when the command may not run. */
    private String check(ScriptRun r, byte[][] argv) {
        CommandSpec spec = dispatcher.resolve(argv);
        if (spec == null) {
            return "Unknown Redis command called from script";
        }
        int arity = spec.arity();
        if ((arity > 0 && argv.length != arity) || argv.length < -arity) {
            return "Wrong number of args calling Redis command from script";
        }
        if (spec.has(CommandSpec.NOSCRIPT)) {
            return "This Redis command is not allowed from script";
        }
        if (spec.has(CommandSpec.WRITE)) {
            if (r.readOnly) {
                return "Write commands are not allowed from read-only scripts.";
            }
        }
        if (!r.allowOom && !r.wrote && spec.has(CommandSpec.DENYOOM) && overMaxmemory()) {
            return "-OOM command not allowed when used memory > 'maxmemory'.";
        }
        if (spec.has(CommandSpec.WRITE)) {
            r.wrote = true;
        }
        checkedSpec = spec;
        return null;
    }
}
