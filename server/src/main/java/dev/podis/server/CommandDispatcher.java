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

    private final ServerContext server;
    private final CommandTable table;

    public CommandDispatcher(ServerContext server) {
        this.server = server;
        this.table = server.commands();
        server.transactions().dispatcher(this);
    }

    public void dispatch(Client c, byte[][] argv) {
        if (c.multiQueued() >= 0 || argv[0].length == 4) {
            // MULTI queuing, and EXEC refused by the checks (EXECABORT): see Transactions
            server.transactions().dispatch(c, argv, this);
            return;
        }
        dispatchChecked(c, argv);
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

    private void process(Client c, byte[][] argv) {
        CommandSpec spec = table.lookup(argv[0]);
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
        if (c.subscribed() && c.protocol() == 2 && !PubSub.allowedWhileSubscribed(spec.fullName())) {
            // RESP2 subscribed mode: only the pub/sub commands, PING, QUIT and RESET (RESP3 has no limit)
            c.error(PubSub.subscribedModeError(spec.fullName()));
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

    /** Runs a command queued by MULTI, inside EXEC (its checks were made when it was queued). */
    void executeQueued(Client c, CommandSpec spec, byte[][] argv) {
        execute(c, spec, argv);
    }

    private void execute(Client c, CommandSpec spec, byte[][] argv) {
        ServerStats stats = server.stats();
        long errorsBefore = stats.totalErrorReplies;
        long start = System.nanoTime();
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
        c.touch(System.currentTimeMillis(), spec.fullName());
        stats.totalCommandsProcessed++;
        spec.recordCall(micros, stats.totalErrorReplies != errorsBefore);
        spec.recordLatency(nanos);
        server.commandExecuted(c, spec, argv, micros);
        Blocking blocking = server.blocking();
        if (blocking.hasReadyKeys() && !c.denyBlocking()) {
            // as Redis: clients blocked on keys this command filled are served once it completes
            // (inside MULTI/EXEC or a script, once the whole transaction or script completes)
            blocking.handleClientsBlockedOnKeys();
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
