package dev.podis.server;

import dev.podis.server.command.CommandSpec;
import dev.podis.server.command.CommandTable;
import dev.podis.storage.KeyspaceFullException;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Runs one parsed request: finds the command in the table, applies Redis's checks in Redis's
 * order (existence, arity, authentication, ...), executes it and keeps its statistics.
 * Later concerns (MULTI queueing, ACLs, cluster redirects, OOM and MISCONF refusals, the stream
 * of executed writes for AOF and replicas) hook in here, in one place.
 */
public final class CommandDispatcher {
    static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";
    static final String LOADING = "LOADING Redis is loading the dataset in memory";

    private final ServerContext server;
    private final CommandTable table;

    public CommandDispatcher(ServerContext server) {
        this.server = server;
        this.table = server.commands();
        server.transactions().dispatcher(this);
        server.scripting().dispatcher(this);
        server.dispatcher(this);
    }

    public void dispatch(Client c, byte[][] argv) {
        if (server.halted()) {
            lookedUpArgv = null;
            return; // past the final save of a shutdown: nothing runs, nothing is acknowledged
        }
        if (c.multiQueued() >= 0 || argv[0].length == 4) {
            // MULTI queuing, and EXEC refused by the checks (EXECABORT): see Transactions
            server.transactions().dispatch(c, argv, this);
        } else {
            dispatchChecked(c, argv);
        }
        lookedUpArgv = null;
        lookedUpSpec = null;
        if (c.trackingState() != null && c.multiQueued() < 0 && !isClient(argv[0])) {
            Tracking.endCaching(c); // CLIENT CACHING covers one command (or one MULTI/EXEC)
        }
    }

    /** {@link #borrowedKeeps}: copy the whole request first (as {@link CommandSpec#keepsFrom} says 0). */
    public static final int COPY = 0;

    /**
     * How a request in the parser's borrowed arrays (reused by the next request) may run: the
     * index of the first argument the command may keep, which the parser must hand over to it
     * (the vector and the arguments before it stay borrowed), as the command declared it
     * ({@link CommandSpec#keepsFrom}: {@code argv.length} when it keeps none and runs on the
     * borrowed arrays as they are); {@link #COPY} when the request must be copied first: the
     * command may keep anything, or something around the command
     * would keep the request (MULTI queueing, CLIENT PAUSE holding it, client tracking, MONITOR,
     * keyspace events, propagation to the AOF or replicas; the slow log copies what it keeps).
     */
    public int borrowedKeeps(Client c, byte[][] argv) {
        if (c.multiQueued() >= 0 || c.trackingState() != null || server.pause().active() || !server.keepsNoArguments()) {
            return COPY; // before the table lookup: with AOF on, most requests stop here
        }
        CommandSpec spec = table.lookup(argv[0]);
        int keeps = spec == null ? COPY : spec.keepsFrom(argv.length);
        if (keeps == COPY) {
            return COPY;
        }
        lookedUpArgv = argv; // dispatch runs this request next: no second lookup
        lookedUpSpec = spec;
        return keeps;
    }

    /**
     * The request {@link #borrowedKeeps} just looked up and its command, for {@link #process}; reset
     * by every {@link #dispatch}, so that a later request in the same reused arrays is looked up anew.
     */
    private byte[][] lookedUpArgv;
    private CommandSpec lookedUpSpec;

    private static boolean isClient(byte[] name) {
        return name.length == 6 && new String(name, StandardCharsets.US_ASCII).equalsIgnoreCase("client");
    }

    /** {@link #dispatch} without the transaction hook (Transactions calls it back). */
    void dispatchChecked(Client c, byte[][] argv) {
        if (c.replyMode() == Client.ReplyMode.ON) {
            process(c, argv);
        } else {
            processWithReplyMode(c, argv);
        }
    }

    /**
     * CLIENT REPLY OFF|SKIP: the command runs as usual and what it wrote for this client is
     * dropped afterwards. SKIP covers the command after CLIENT REPLY SKIP; a command that turns
     * replies back ON (CLIENT REPLY ON, RESET) keeps its own reply, as in Redis.
     */
    private void processWithReplyMode(Client c, byte[][] argv) {
        boolean skip = c.replyMode() == Client.ReplyMode.SKIP;
        if (skip) {
            c.replyMode(Client.ReplyMode.ON);
            c.skipCurrentReply(true);
        }
        int mark = c.replyMark();
        process(c, argv);
        if (c.replyMode() == Client.ReplyMode.OFF || c.skipCurrentReply()) {
            c.discardRepliesSince(mark);
        }
        c.skipCurrentReply(false);
        if (skip && c.held() && c.replyMode() == Client.ReplyMode.ON) {
            c.replyMode(Client.ReplyMode.SKIP); // held by CLIENT PAUSE: the skip applies when it runs
        }
    }

    /**
     * Runs a command read back from an AOF, as Redis's loader does: the command is looked up and
     * run, nothing else (no checks, statistics, propagation or blocking); its reply is left in
     * {@code c}. Returns false for a command this server does not know.
     *
     * @throws KeyspaceFullException when the dataset does not fit in the memory budget
     */
    public boolean replay(Client c, byte[][] argv) {
        CommandSpec spec = replayable(argv);
        if (spec == null) {
            return false;
        }
        int arity = spec.arity();
        if ((arity > 0 && argv.length != arity) || argv.length < -arity) {
            c.error("ERR wrong number of arguments for '" + spec.fullName() + "' command");
            return true;
        }
        try {
            spec.handler().execute(c, argv);
        } catch (KeyspaceFullException e) {
            throw e; // the dataset does not fit: loading must fail, not lose data
        } catch (RuntimeException | StackOverflowError e) {
            Log.warn("command " + spec.fullName() + " failed while loading", e);
            c.error("ERR internal error executing '" + spec.fullName() + "': " + e);
        }
        return true;
    }

    /** Whether {@link #replay} knows the command of {@code argv} (Redis's loader refuses unknown ones). */
    public boolean knows(byte[][] argv) {
        return replayable(argv) != null;
    }

    private CommandSpec replayable(byte[][] argv) {
        CommandSpec spec = table.lookup(argv[0]);
        if (spec != null && !spec.subcommands().isEmpty() && argv.length >= 2) {
            spec = spec.subcommand(lower(argv[1]));
        }
        return spec == null || spec.handler() == null ? null : spec;
    }

    private void process(Client c, byte[][] argv) {
        CommandSpec spec = argv == lookedUpArgv ? lookedUpSpec : table.lookup(argv[0]);
        lookedUpArgv = null;
        lookedUpSpec = null;
        if (spec != null && !spec.subcommands().isEmpty() && argv.length >= 2) {
            CommandSpec sub = spec.subcommand(lower(argv[1]));
            if (sub == null || sub.handler() == null) {
                c.error("ERR unknown subcommand '" + truncate(argv[1]) + "'. Try "
                        + new String(argv[0], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT) + " HELP.");
                spec.recordRejected();
                return;
            }
            spec = sub;
        } else if (spec != null && spec.handler() == null && spec.subcommands().isEmpty()) {
            spec = null; // in Redis's table but not implemented yet
        }
        if (spec == null) {
            c.error(unknownCommand(argv));
            return;
        }
        int arity = spec.arity();
        if ((arity > 0 && argv.length != arity) || argv.length < -arity) {
            c.error("ERR wrong number of arguments for '" + spec.fullName() + "' command");
            spec.recordRejected();
            return;
        }
        if (!c.authenticated() && !spec.has(CommandSpec.NO_AUTH)) {
            c.error("NOAUTH Authentication required.");
            spec.recordRejected();
            return;
        }
        if (server.maxmemory().refuses(c, spec)) {
            // maxmemory: evicted what the policy allows and still over it (processCommand's OOM check)
            c.error(OOM);
            spec.recordRejected();
            return;
        }
        String refusal = server.writeRefusal();
        if (refusal != null && (spec.has(CommandSpec.WRITE) || spec.fullName().equals("ping")
                || (spec.fullName().equals("exec") && server.transactions().queuedWrites(c)))) {
            // persistence is failing (MISCONF): writes are refused until it recovers, as Redis
            c.error(refusal);
            spec.recordRejected();
            return;
        }
        if (c.subscribed() && c.protocol() == 2 && !PubSub.allowedWhileSubscribed(spec.fullName())) {
            // RESP2 subscribed mode: only the pub/sub commands, PING, QUIT and RESET (RESP3 has no limit)
            c.error(PubSub.subscribedModeError(spec.fullName()));
            spec.recordRejected();
            return;
        }
        if (server.persistence().loading() && !spec.has(CommandSpec.LOADING)) {
            c.error(LOADING);
            spec.recordRejected();
            return;
        }
        if (server.scriptBusy() && !spec.has(CommandSpec.ALLOW_BUSY)) {
            // a script runs past busy-reply-threshold: only SCRIPT/FUNCTION KILL, SHUTDOWN NOSAVE & co.
            c.error(server.scripting().busyError());
            spec.recordRejected();
            return;
        }
        ClientPause pause = server.pause();
        if (pause.active() && pause.mustHold(c, spec)) {
            pause.hold(c, spec, argv); // CLIENT PAUSE: runs when the pause ends
            return;
        }
        if (c.multiQueued() >= 0 && server.transactions().queue(c, spec, argv)) {
            return; // MULTI: queued (Transactions)
        }
        execute(c, spec, argv);
    }

    /**
     * The command (or subcommand) {@code argv} names, or null when there is none or it is not
     * implemented; no checks. For scripts, which make their own checks before
     * {@link #executeForScript}.
     */
    public CommandSpec resolve(byte[][] argv) {
        CommandSpec spec = table.lookup(argv[0]);
        if (spec == null) {
            return null;
        }
        if (!spec.subcommands().isEmpty()) {
            if (argv.length < 2) {
                return spec;
            }
            CommandSpec sub = spec.subcommand(lower(argv[1]));
            return sub == null || sub.handler() == null ? null : sub;
        }
        return spec.handler() == null ? null : spec;
    }

    /**
     * Runs a command for a script (redis.call) through the normal execution path: statistics,
     * slow log, MONITOR, keyspace reports and, once it exists, write propagation see it. The
     * script made Redis's script checks (arity, noscript, read-only, OOM) before.
     */
    public void executeForScript(Client c, CommandSpec spec, byte[][] argv) {
        execute(c, spec, argv);
    }

    /** Runs a command queued by MULTI, inside EXEC (its checks were made when it was queued). */
    void executeQueued(Client c, CommandSpec spec, byte[][] argv) {
        execute(c, spec, argv);
    }

    private void execute(Client c, CommandSpec spec, byte[][] argv) {
        ServerStats stats = server.stats();
        long errorsBefore = stats.totalErrorReplies;
        Propagation propagation = server.propagation();
        long dirtyBefore = server.keyspace().dirty();
        // EXEC and scripts run commands of the same client inside this one: keep the outer state
        byte[][] outerArgv = c.propagateArgv;
        int outerFlags = c.propagateFlags;
        c.propagateArgv = null;
        c.propagateFlags = 0;
        propagation.enter(spec);
        long start = System.nanoTime();
        server.beginCommand(c, start);
        try {
            try {
                spec.handler().execute(c, argv);
            } catch (KeyspaceFullException e) {
                // The keyspace could not grow: memory is at maxmemory (or the container's limit).
                c.error(OOM);
            } catch (RuntimeException | StackOverflowError e) {
                // A bug in one command must never take the server or the connection down.
                Log.warn("command " + spec.fullName() + " failed", e);
                c.error("ERR internal error executing '" + spec.fullName() + "': " + e);
            }
            long nanos = System.nanoTime() - start;
            long micros = nanos / 1000;
            c.touch(server.commandTime(), spec.fullName());
            stats.totalCommandsProcessed++;
            spec.recordCall(micros, stats.totalErrorReplies != errorsBefore);
            spec.recordLatency(nanos);
            server.commandExecuted(c, spec, argv, micros);
            if (propagation.active()) {
                propagate(c, spec, argv, server.keyspace().dirty() != dirtyBefore,
                        stats.totalErrorReplies != errorsBefore);
            }
        } finally {
            c.propagateArgv = outerArgv;
            c.propagateFlags = outerFlags;
            propagation.exit();
            // held-back invalidations and messages for c follow its reply (after a whole EXEC)
            server.endCommand(c);
        }
        Blocking blocking = server.blocking();
        if (blocking.hasReadyKeys() && !c.denyBlocking()) {
            // as Redis: clients blocked on keys this command filled are served once it completes
            // (inside MULTI/EXEC or a script, once the whole transaction or script completes)
            blocking.handleClientsBlockedOnKeys();
        }
    }

    /**
     * Redis's decision in call(): a command that changed data enters the write stream (as it ran,
     * or as its family rewrote it), unless it answered an error, is EXEC or a script (their
     * effects enter instead) or prevented it; a forced command enters regardless.
     */
    private void propagate(Client c, CommandSpec spec, byte[][] argv, boolean dirty, boolean failed) {
        int flags = c.propagateFlags;
        int targets = dirty && !failed ? Propagation.ALL : 0;
        targets |= (flags >>> Client.FORCE_SHIFT) & Propagation.ALL;
        targets &= ~(flags & (Client.PREVENT_AOF | Client.PREVENT_REPL));
        if (targets != 0 && spec.propagation() != CommandSpec.Propagation.EFFECTS_ONLY) {
            server.propagation().add(c.dbIndex(), c.propagateArgv != null ? c.propagateArgv : argv, targets);
        }
    }

    static String unknownCommand(byte[][] argv) {
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < argv.length && args.length() < 128; i++) {
            String a = new String(argv[i], StandardCharsets.UTF_8);
            int room = 128 - args.length();
            args.append('\'').append(a.length() > room ? a.substring(0, room) : a).append("' ");
        }
        return "ERR unknown command '" + truncate(argv[0]) + "', with args beginning with: " + args;
    }

    private static String truncate(byte[] arg) {
        String s = new String(arg, StandardCharsets.UTF_8);
        return s.length() > 128 ? s.substring(0, 128) : s;
    }

    private static String lower(byte[] name) {
        return new String(name, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
    }
}
