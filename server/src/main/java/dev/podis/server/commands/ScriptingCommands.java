package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.scripting.Functions;
import dev.podis.server.scripting.Scripting;

/**
 * Scripting and functions: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FCALL, FCALL_RO and
 * FUNCTION. The engine (Lua states, script cache, libraries, execution, busy scripts) is
 * {@link Scripting}; see {@code scripting/package-info.java}.
 */
public final class ScriptingCommands implements CommandFamily {
    private final ServerContext server;
    private final Scripting scripting;

    public ScriptingCommands(ServerContext server) {
        this.server = server;
        this.scripting = server.scripting();
    }

    @Override
    public void register(CommandTable t) {
        t.bind("eval", (c, argv) -> scripting.eval(c, argv, false, false));
        t.bind("evalsha", (c, argv) -> scripting.eval(c, argv, true, false));
        t.bind("eval_ro", (c, argv) -> scripting.eval(c, argv, false, true));
        t.bind("evalsha_ro", (c, argv) -> scripting.eval(c, argv, true, true));
        t.bind("script|load", this::scriptLoad);
        t.bind("script|exists", this::scriptExists);
        t.bind("script|flush", this::scriptFlush);
        t.bind("script|kill", (c, argv) -> scripting.kill(c, true));
        t.bind("script|debug", this::scriptDebug);
        t.bind("script|help", this::scriptHelp);
        t.bind("fcall", (c, argv) -> scripting.functions().fcall(c, argv, false));
        t.bind("fcall_ro", (c, argv) -> scripting.functions().fcall(c, argv, true));
        // Function libraries are part of the dataset: a change that succeeded enters the write
        // stream (AOF, replicas) though it touches no key, as Redis's server.dirty++ makes it.
        t.bind("function|load", propagatedIfOk(this::functionLoad));
        t.bind("function|list", (c, argv) -> scripting.functions().list(c, argv));
        t.bind("function|delete", propagatedIfOk((c, argv) -> scripting.functions().delete(c, argv[2])));
        t.bind("function|flush", propagatedIfOk(this::functionFlush));
        t.bind("function|dump", (c, argv) -> c.reply().bulk(scripting.functions().dump()));
        t.bind("function|restore", propagatedIfOk((c, argv) -> scripting.functions().restore(c, argv)));
        t.bind("function|stats", (c, argv) -> scripting.functions().stats(c));
        t.bind("function|kill", (c, argv) -> scripting.kill(c, false));
        t.bind("function|help", this::functionHelp);
    }

    /** {@code handler}, propagated to the AOF and replicas when it did not answer an error. */
    private dev.podis.server.command.CommandHandler propagatedIfOk(dev.podis.server.command.CommandHandler handler) {
        return (c, argv) -> {
            long errors = server.stats().totalErrorReplies;
            handler.execute(c, argv);
            if (server.stats().totalErrorReplies == errors) {
                c.forcePropagation(dev.podis.server.Propagation.ALL);
            }
        };
    }

    void scriptLoad(Client c, byte[][] argv) {
        Scripting.EvalScript s = scripting.load(c, argv[2]);
        if (s != null) {
            c.reply().bulk(s.sha());
        }
    }

    void scriptExists(Client c, byte[][] argv) {
        c.reply().arrayHeader(argv.length - 2);
        for (int i = 2; i < argv.length; i++) {
            c.reply().integer(scripting.exists(argv[i]) ? 1 : 0);
        }
    }

    /** FLUSH [ASYNC|SYNC]: both free at once here (the scripts are small heap objects). */
    void scriptFlush(Client c, byte[][] argv) {
        if (argv.length > 3 || (argv.length == 3 && !Args.is(argv[2], "sync") && !Args.is(argv[2], "async"))) {
            c.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
            return;
        }
        scripting.flushScripts();
        c.reply().ok();
    }

    void scriptDebug(Client c, byte[][] argv) {
        if (Args.is(argv[2], "no")) {
            c.reply().ok();
        } else if (Args.is(argv[2], "yes") || Args.is(argv[2], "sync")) {
            c.error("ERR SCRIPT DEBUG (the Lua debugger) is not supported by this server");
        } else {
            c.error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
        }
    }

    void scriptHelp(Client c, byte[][] argv) {
        ServerCommands.helpReply(c, "SCRIPT",
                "DEBUG (YES|SYNC|NO)",
                "    Set the debug mode for subsequent scripts executed.",
                "EXISTS <sha1> [<sha1> ...]",
                "    Return information about the existence of the scripts in the script cache.",
                "FLUSH [ASYNC|SYNC]",
                "    Flush the Lua scripts cache. Very dangerous on replicas.",
                "    When called without the optional mode argument, the behavior is determined by the",
                "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                "    * ASYNC: Asynchronously flush the scripts cache.",
                "    * SYNC: Synchronously flush the scripts cache.",
                "KILL",
                "    Kill the currently executing Lua script.",
                "LOAD <script>",
                "    Load a script into the scripts cache without executing it.");
    }

    void functionLoad(Client c, byte[][] argv) {
        boolean replace = false;
        int i = 2;
        for (; i < argv.length - 1; i++) {
            if (Args.is(argv[i], "replace")) {
                replace = true;
            } else {
                c.error("ERR Unknown option given: " + Args.str(argv[i]));
                return;
            }
        }
        if (i != argv.length - 1) {
            c.error("ERR Function code was not given");
            return;
        }
        try {
            c.reply().bulk(scripting.functions().load(argv[i], replace));
        } catch (IllegalArgumentException e) {
            c.error("ERR " + e.getMessage());
        }
    }

    void functionFlush(Client c, byte[][] argv) {
        if (argv.length > 3 || (argv.length == 3 && !Args.is(argv[2], "sync") && !Args.is(argv[2], "async"))) {
            c.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
            return;
        }
        scripting.functions().flush();
        c.reply().ok();
    }

    void functionHelp(Client c, byte[][] argv) {
        ServerCommands.helpReply(c, "FUNCTION",
                "LOAD [REPLACE] <FUNCTION CODE>",
                "    Create a new library with the given library name and code.",
                "DELETE <LIBRARY NAME>",
                "    Delete the given library.",
                "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
                "    Return general information on all the libraries:",
                "    * Library name",
                "    * The engine used to run the Library",
                "    * Library description",
                "    * Functions list",
                "    * Library code (if WITHCODE is given)",
                "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
                "STATS",
                "    Return information about the current function running:",
                "    * Function name",
                "    * Command used to run the function",
                "    * Duration in MS that the function is running",
                "    If no function is running, return nil",
                "    In addition, returns a list of available engines.",
                "KILL",
                "    Kill the current running function.",
                "FLUSH [ASYNC|SYNC]",
                "    Delete all the libraries.",
                "    When called without the optional mode argument, the behavior is determined by the",
                "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                "    * ASYNC: Asynchronously flush the libraries.",
                "    * SYNC: Synchronously flush the libraries.",
                "DUMP",
                "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
                "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
                "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
                "    control how to handle existing libraries (default APPEND):",
                "    * FLUSH: delete all existing libraries.",
                "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
                "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
                "      libraries with the new libraries (notice that even on this option there is a chance of failure",
                "      in case of functions name collision with another library).");
    }
}
