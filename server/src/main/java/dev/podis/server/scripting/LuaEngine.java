package dev.podis.server.scripting;

import dev.podis.protocol.Doubles;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.CoroutineLib;
import org.luaj.vm2.lib.DebugLib;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.TwoArgFunction;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.ZeroArgFunction;
import org.luaj.vm2.lib.jse.JseMathLib;

import java.io.ByteArrayInputStream;

/**
 * One Lua interpreter state (LuaJ) set up as Redis 7.0 sets up its Lua 5.1: the libraries a
 * script may use ({@code string}, {@code table}, {@code math}, {@code coroutine}, {@code bit},
 * {@code struct}, {@code cjson}, {@code cmsgpack} and the base functions, with the Lua 5.1 names
 * LuaJ's 5.2 lacks: {@code unpack}, {@code loadstring}, {@code table.getn}, {@code math.mod} ...),
 * nothing that reaches the machine ({@code os}, {@code io}, {@code loadfile}, {@code dofile},
 * {@code require}, {@code print}, {@code debug}), every library table and the globals table
 * read-only, and reading a global that does not exist an error.
 *
 * <p>EVAL scripts share one state, functions another (Redis keeps them apart too). The
 * {@link Hook} runs inside the interpreter loop and is how a long script is interrupted.
 */
final class LuaEngine {
    /** Error raised when a script reads a global that does not exist. */
    static final String NO_GLOBAL = "Script attempted to access nonexistent global variable '";

    /** The globals scripts see: libraries, {@code redis}, base functions (sealed). */
    final ReadOnlyTable globals;
    /** Counts instructions and calls back the host (busy scripts, SCRIPT KILL). */
    final Hook hook;
    private final LuaFunction errorIndex;

    /**
     * Builds a state: the standard libraries, Redis's own libraries, and {@code redis} (built by
     * {@code api} once the libraries exist).
     */
    LuaEngine(Hook hook, java.util.function.Function<LuaEngine, LuaTable> api) {
        this.hook = hook;
        this.errorIndex = new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue table, LuaValue key) {
                throw new LuaError(NO_GLOBAL + key.tojstring() + "'");
            }
        };
        ReadOnlyTable g = new ReadOnlyTable();
        g.load(new BaseLib());
        g.load(new PackageLib());
        g.load(new TableLib());
        g.load(new StringLib());
        g.load(new JseMathLib());
        g.load(new CoroutineLib());
        LoadState.install(g);
        LuaC.install(g);
        this.globals = g;
        compat51(g);
        g.set("bit", LuaBit.create());
        g.set("struct", LuaStruct.create());
        g.set("cjson", LuaCJson.create());
        g.set("cmsgpack", LuaCMsgpack.create());
        g.set("redis", api.apply(this));
        seal(g);
    }

    /** The Lua 5.1 environment Redis offers, built from LuaJ's 5.2 libraries. */
    private void compat51(ReadOnlyTable g) {
        for (String gone : new String[] {"dofile", "loadfile", "print", "rawlen", "require", "package", "module"}) {
            g.rawset(gone, LuaValue.NIL);
        }
        g.set("_VERSION", "Lua 5.1");
        LuaTable table = g.get("table").checktable();
        LuaValue unpack = table.get("unpack");
        g.set("unpack", unpack);
        table.set("unpack", LuaValue.NIL);
        table.set("pack", LuaValue.NIL);
        table.set("getn", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue t) {
                return LuaValue.valueOf(t.checktable().rawlen());
            }
        });
        table.set("setn", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                throw new LuaError("'setn' is obsolete");
            }
        });
        table.set("maxn", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue t) {
                double max = 0;
                LuaValue k = LuaValue.NIL;
                while (true) {
                    Varargs n = t.checktable().next(k);
                    if ((k = n.arg1()).isnil()) {
                        break;
                    }
                    if (k.type() == LuaValue.TNUMBER && k.todouble() > max) {
                        max = k.todouble();
                    }
                }
                return LuaValue.valueOf(max);
            }
        });
        table.set("foreach", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue t, LuaValue f) {
                LuaValue k = LuaValue.NIL;
                while (true) {
                    Varargs n = t.checktable().next(k);
                    if ((k = n.arg1()).isnil()) {
                        return LuaValue.NIL;
                    }
                    LuaValue r = f.call(k, n.arg(2));
                    if (!r.isnil()) {
                        return r;
                    }
                }
            }
        });
        table.set("foreachi", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue t, LuaValue f) {
                int n = t.checktable().rawlen();
                for (int i = 1; i <= n; i++) {
                    LuaValue r = f.call(LuaValue.valueOf(i), t.get(i));
                    if (!r.isnil()) {
                        return r;
                    }
                }
                return LuaValue.NIL;
            }
        });
        LuaTable string = g.get("string").checktable();
        string.set("gfind", string.get("gmatch"));
        string.set("format", new LuaStringFormat());
        LuaTable math = g.get("math").checktable();
        math.set("mod", math.get("fmod"));
        math.set("log10", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue x) {
                return LuaValue.valueOf(Math.log10(x.checkdouble()));
            }
        });
        Rand48 rand = new Rand48();
        math.set("random", rand.random());
        math.set("randomseed", rand.randomseed());
        LuaValue load = g.get("load");
        g.set("loadstring", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return load.invoke(LuaValue.varargsOf(args.checkstring(1), args.optstring(2, args.checkstring(1))));
            }
        });
        g.set("tostring", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue v) {
                return LuaEngine.tostring(v);
            }
        });
        g.set("collectgarbage", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                // Never System.gc() from a script: report the heap in use, as "count" does.
                String op = args.optjstring(1, "collect");
                Runtime rt = Runtime.getRuntime();
                long used = rt.totalMemory() - rt.freeMemory();
                return switch (op) {
                    case "count" -> LuaValue.valueOf(used / 1024.0);
                    case "collect", "step", "setpause", "setstepmul", "stop", "restart" -> LuaValue.ZERO;
                    default -> throw new LuaError("bad argument #1 to 'collectgarbage' (invalid option '" + op + "')");
                };
            }
        });
        g.set("gcinfo", new ZeroArgFunction() {
            @Override
            public LuaValue call() {
                Runtime rt = Runtime.getRuntime();
                return LuaValue.valueOf((int) ((rt.totalMemory() - rt.freeMemory()) / 1024));
            }
        });
        // rawset and setmetatable are C functions in Lua 5.1: their readonly error has no position.
        for (String name : new String[] {"rawset", "setmetatable"}) {
            LuaValue f = g.get(name);
            g.set(name, new VarArgFunction() {
                @Override
                public Varargs invoke(Varargs args) {
                    try {
                        return f.invoke(args);
                    } catch (LuaError e) {
                        if (ReadOnlyTable.READONLY.equals(e.getMessage())) {
                            throw new LuaErrors.Raised(LuaValue.valueOf(ReadOnlyTable.READONLY), 0);
                        }
                        throw e;
                    }
                }
            });
        }
        g.set("pcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                LuaValue f = args.checkvalue(1);
                try {
                    return LuaValue.varargsOf(LuaValue.TRUE, f.invoke(args.subargs(2)));
                } catch (LuaError e) {
                    hook.rethrowIfKilled();
                    return LuaValue.varargsOf(LuaValue.FALSE, LuaErrors.pcallValue(e, hook.position()));
                } catch (StackOverflowError e) {
                    return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf("stack overflow"));
                }
            }
        });
        g.set("xpcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                LuaValue f = args.checkvalue(1);
                LuaValue handler = args.arg(2);
                try {
                    return LuaValue.varargsOf(LuaValue.TRUE, f.invoke(args.subargs(3)));
                } catch (LuaError e) {
                    hook.rethrowIfKilled();
                    return LuaValue.varargsOf(LuaValue.FALSE, handler.call(LuaErrors.value(e, hook.position())));
                } catch (StackOverflowError e) {
                    return LuaValue.varargsOf(LuaValue.FALSE, handler.call(LuaValue.valueOf("stack overflow")));
                }
            }
        });
        g.set("error", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                throw new LuaErrors.Raised(args.arg1(), args.optint(2, 1));
            }
        });
        // Redis's pcall error handler is a global too (scripts see it in _G).
        g.set("__redis__err__handler", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue err) {
                return err;
            }
        });
    }

    /** Lua 5.1's tostring: numbers with "%.14g", the rest as LuaJ writes them. */
    static LuaValue tostring(LuaValue v) {
        LuaValue meta = v.metatag(LuaValue.TOSTRING);
        if (!meta.isnil()) {
            return meta.call(v);
        }
        if (v.type() == LuaValue.TNUMBER) {
            return LuaValue.valueOf(number(v.todouble()));
        }
        if (v.isstring()) {
            return v;
        }
        return LuaValue.valueOf(v.tojstring());
    }

    /** A Lua number as Lua 5.1 prints it ("%.14g"). */
    static String number(double d) {
        return d == (int) d ? Integer.toString((int) d) : Doubles.formatG(d, 14);
    }

    /**
     * Seals every table reachable from the globals (and their metatables), replacing each by a
     * read-only copy, and makes reading a missing global an error.
     */
    private void seal(ReadOnlyTable g) {
        java.util.IdentityHashMap<LuaTable, ReadOnlyTable> done = new java.util.IdentityHashMap<>();
        done.put(g, g);
        LuaValue k = LuaValue.NIL;
        while (true) {
            Varargs n = g.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            LuaValue v = n.arg(2);
            if (v.istable() && !(v instanceof ReadOnlyTable)) {
                g.rawset(k, sealed((LuaTable) v, done));
            }
        }
        // Strings index the string library through their shared metatable.
        ReadOnlyTable stringMeta = new ReadOnlyTable();
        stringMeta.put("__index", g.get("string"));
        LuaString.s_metatable = stringMeta.seal();
        g.putMetatable(errorMetatable());
        g.seal();
    }

    private static ReadOnlyTable sealed(LuaTable t, java.util.IdentityHashMap<LuaTable, ReadOnlyTable> done) {
        ReadOnlyTable copy = done.get(t);
        if (copy != null) {
            return copy;
        }
        copy = ReadOnlyTable.copyOf(t);
        done.put(t, copy);
        LuaValue k = LuaValue.NIL;
        while (true) {
            Varargs n = copy.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            LuaValue v = n.arg(2);
            if (v.istable() && !(v instanceof ReadOnlyTable)) {
                copy.rawset(k, sealed((LuaTable) v, done));
            }
        }
        LuaValue meta = t.getmetatable();
        if (meta != null && meta.istable()) {
            copy.putMetatable(sealed((LuaTable) meta, done));
        }
        return copy.seal();
    }

    /** A sealed metatable whose {@code __index} raises "Script attempted to access nonexistent global variable". */
    ReadOnlyTable errorMetatable() {
        ReadOnlyTable meta = new ReadOnlyTable();
        meta.put("__index", errorIndex);
        return meta.seal();
    }

    /** A sealed metatable that looks missing keys up in {@code fallback}. */
    static ReadOnlyTable indexMetatable(LuaValue fallback) {
        ReadOnlyTable meta = new ReadOnlyTable();
        meta.put("__index", fallback);
        return meta.seal();
    }

    /**
     * Compiles {@code source} as a chunk named {@code chunkName} ("@user_script") whose globals
     * are {@code env}.
     *
     * @throws LuaError with the compiler's message ("user_script:1: ...") when it does not compile
     */
    LuaFunction compile(byte[] source, String chunkName, Globals env) {
        try {
            return (LuaFunction) globals.load(new ByteArrayInputStream(source), chunkName, "t", env);
        } catch (LuaError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LuaError(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** A Lua array of byte strings (KEYS, ARGV). */
    static LuaTable array(byte[][] argv, int from, int count) {
        LuaValue[] values = new LuaValue[count];
        for (int i = 0; i < count; i++) {
            values[i] = LuaValue.valueOf(argv[from + i]);
        }
        return LuaValue.listOf(values);
    }

    /**
     * The instruction hook: LuaJ calls {@link #onInstruction} before every instruction of a
     * closure whose environment has it installed ({@link Globals#debuglib}); every
     * {@link #PERIOD} instructions it asks the host whether to go on. It also keeps the current
     * line of each running Lua function, for the error messages of errors LuaJ does not place
     * (those raised by a function called in a tail call, {@code return redis.call(...)}).
     */
    static final class Hook extends DebugLib {
        /** Instructions between two checks (Redis checks every 100000 too). */
        static final int PERIOD = 100_000;

        interface Host {
            /** Called every {@link #PERIOD} instructions: may pump events, may throw to stop the script. */
            void interrupt();
        }

        private final Host host;
        private int countdown = PERIOD;
        /** Set once the script is killed: every instruction raises the kill error again. */
        private LuaError killed;
        private org.luaj.vm2.Prototype[] protos = new org.luaj.vm2.Prototype[32];
        private int[] pcs = new int[32];
        private int depth;
        private org.luaj.vm2.Prototype lastProto;
        private int lastPc;

        Hook(Host host) {
            this.host = host;
        }

        void reset() {
            countdown = PERIOD;
            killed = null;
            depth = 0;
            lastProto = null;
        }

        /** From now on every instruction raises {@code error} (pcall cannot stop a killed script). */
        void kill(LuaError error) {
            this.killed = error;
            countdown = 1;
        }

        /**
         * Counts {@code instructions} more (a command run by redis.call weighs about as much as
         * a thousand instructions), so that loops of commands are checked as often as plain Lua.
         */
        void charge(int instructions) {
            countdown -= instructions;
            if (countdown < 1) {
                countdown = 1;
            }
        }

        void rethrowIfKilled() {
            if (killed != null) {
                throw killed;
            }
        }

        /** "user_script:3": the line the innermost running (or last returned) Lua function is at, or null. */
        String position() {
            org.luaj.vm2.Prototype p = depth > 0 ? protos[depth - 1] : lastProto;
            int pc = depth > 0 ? pcs[depth - 1] : lastPc;
            if (p == null || p.lineinfo == null || pc < 0 || pc >= p.lineinfo.length) {
                return null;
            }
            String src = p.source == null ? "?" : p.source.tojstring();
            if (src.startsWith("@") || src.startsWith("=")) {
                src = src.substring(1);
            }
            return src + ":" + p.lineinfo[pc];
        }

        @Override
        public void onCall(LuaFunction f) {
        }

        @Override
        public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {
            if (depth == protos.length) {
                protos = java.util.Arrays.copyOf(protos, depth * 2);
                pcs = java.util.Arrays.copyOf(pcs, depth * 2);
            }
            protos[depth] = c.p;
            pcs[depth++] = 0;
        }

        @Override
        public void onReturn() {
            if (depth > 0) {
                depth--;
                lastProto = protos[depth];
                lastPc = pcs[depth];
                protos[depth] = null;
            }
        }

        @Override
        public String traceback(int level) {
            return "";
        }

        @Override
        public void onInstruction(int pc, Varargs v, int top) {
            if (depth > 0) {
                pcs[depth - 1] = pc;
            }
            if (--countdown > 0) {
                return;
            }
            if (killed != null) {
                countdown = 1;
                throw killed;
            }
            countdown = PERIOD;
            host.interrupt();
        }
    }

    /**
     * Redis's math.random: its own rand48 (not the platform's), one sequence per Lua state, so
     * that the same calls give the same numbers on every machine.
     */
    static final class Rand48 {
        private static final long A = 0x5DEECE66DL;
        private static final long MASK = (1L << 48) - 1;
        private static final int MAX = Integer.MAX_VALUE;
        private long x;

        Rand48() {
            seed(0);
        }

        void seed(int seed) {
            x = (((long) seed) << 16 | 0x330E) & MASK;
        }

        int nextInt() {
            x = (A * x + 0xB) & MASK;
            return (int) (x >>> 17);
        }

        LuaFunction random() {
            return new VarArgFunction() {
                @Override
                public Varargs invoke(Varargs args) {
                    double r = (double) (nextInt() % MAX) / (double) MAX;
                    switch (args.narg()) {
                        case 0:
                            return LuaValue.valueOf(r);
                        case 1: {
                            int u = args.checkint(1);
                            if (u < 1) {
                                throw new LuaError("bad argument #1 to 'random' (interval is empty)");
                            }
                            return LuaValue.valueOf(Math.floor(r * u) + 1);
                        }
                        case 2: {
                            int l = args.checkint(1);
                            int u = args.checkint(2);
                            if (l > u) {
                                throw new LuaError("bad argument #2 to 'random' (interval is empty)");
                            }
                            return LuaValue.valueOf(Math.floor(r * (u - l + 1)) + l);
                        }
                        default:
                            throw new LuaError("wrong number of arguments");
                    }
                }
            };
        }

        LuaFunction randomseed() {
            return new OneArgFunction() {
                @Override
                public LuaValue call(LuaValue s) {
                    seed(s.checkint());
                    return LuaValue.NONE;
                }
            };
        }
    }
}
