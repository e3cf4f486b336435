package dev.podis.server.scripting;

import dev.podis.server.Client;

/** The script being executed (Redis's scriptRunCtx): who called it, what it may do, what it did. */
final class ScriptRun {
    /** redis.set_repl flags. */
    static final int REPL_NONE = 0;
    static final int REPL_AOF = 1;
    static final int REPL_REPLICA = 2;
    static final int REPL_ALL = REPL_AOF | REPL_REPLICA;

    final Client caller;
    /** The caller's command line (FUNCTION STATS shows it). */
    final byte[][] command;
    /** The SHA1 of an EVAL script, or the name of a function. */
    final String name;
    /** EVAL/EVALSHA (as opposed to FCALL): decides the wording of BUSY and KILL errors. */
    final boolean eval;
    /** Write commands are refused (EVAL_RO, FCALL_RO, the no-writes flag). */
    final boolean readOnly;
    /** Commands that may use memory run even over maxmemory (the allow-oom flag). */
    final boolean allowOom;
    final long startNanos = System.nanoTime();
    /** The protocol commands answer the script in (redis.setresp). */
    int resp = 2;
    /** redis.set_repl: where the script's writes propagate. */
    int repl = REPL_ALL;
    /** A write command ran: SCRIPT KILL is refused from now on. */
    boolean wrote;
    /** Past busy-reply-threshold: other clients get BUSY. */
    boolean timedOut;
    /** SCRIPT KILL / FUNCTION KILL (or SHUTDOWN NOSAVE) asked the script to stop. */
    boolean killed;

    ScriptRun(Client caller, byte[][] command, String name, boolean eval, boolean readOnly, boolean allowOom) {
        this.caller = caller;
        this.command = command;
        this.name = name;
        this.eval = eval;
        this.readOnly = readOnly;
        this.allowOom = allowOom;
    }

    long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
