package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.Propagation;
import dev.podis.server.PubSub;
import dev.podis.server.PubSub.Kind;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;

import java.util.List;

/**
 * Pub/sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE,
 * PUBLISH, SPUBLISH and PUBSUB, over the registry in {@link PubSub}.
 *
 * <p>Replies as Redis 7.2: one confirmation per channel, [kind, channel, count], where the count
 * is the client's channels plus patterns (shard channels alone for the shard commands); an
 * unsubscription from all when there is nothing to leave replies [kind, nil, count]. In RESP3
 * confirmations and messages are pushes and every command stays allowed; in RESP2 the dispatcher
 * restricts a subscribed client to these commands, PING, QUIT and RESET.
 */
public final class PubSubCommands implements CommandFamily {
    private final ServerContext server;
    private final PubSub pubsub;

    public PubSubCommands(ServerContext server) {
        this.server = server;
        this.pubsub = server.pubsub();
        server.onClientReset(pubsub::unsubscribeAll); // RESET leaves every subscription silently
        server.outputBufferLimits().describer(PubSubCommands::describe);
    }

    @Override
    public void register(CommandTable t) {
        t.bind("subscribe", (c, argv) -> subscribe(c, argv, Kind.CHANNEL));
        t.bind("psubscribe", (c, argv) -> subscribe(c, argv, Kind.PATTERN));
        t.bind("ssubscribe", this::ssubscribe);
        t.bind("unsubscribe", (c, argv) -> unsubscribe(c, argv, Kind.CHANNEL));
        t.bind("punsubscribe", (c, argv) -> unsubscribe(c, argv, Kind.PATTERN));
        t.bind("sunsubscribe", (c, argv) -> unsubscribe(c, argv, Kind.SHARD));
        t.bind("publish", (c, argv) -> publish(c, argv, false));
        t.bind("spublish", (c, argv) -> publish(c, argv, true));
        t.bind("pubsub|channels", (c, argv) -> channels(c, argv, Kind.CHANNEL));
        t.bind("pubsub|shardchannels", (c, argv) -> channels(c, argv, Kind.SHARD));
        t.bind("pubsub|numsub", (c, argv) -> numsub(c, argv, Kind.CHANNEL));
        t.bind("pubsub|shardnumsub", (c, argv) -> numsub(c, argv, Kind.SHARD));
        t.bind("pubsub|numpat", this::numpat);
        t.bind("pubsub|help", this::help);
    }

    /** SUBSCRIBE channel [channel ...] / PSUBSCRIBE pattern [pattern ...] */
    void subscribe(Client c, byte[][] argv, Kind kind) {
        // Redis refuses these for a client that must not block, except inside MULTI; scripts cannot
        // call them (noscript), so only MULTI/EXEC sets that flag here, and it is allowed.
        for (int j = 1; j < argv.length; j++) {
            pubsub.subscribe(c, kind, argv[j]);
            PubSub.confirm(c, PubSub.subscribeReply(kind), argv[j], PubSub.replyCount(c, kind));
        }
    }

    /** SSUBSCRIBE shardchannel [shardchannel ...] */
    void ssubscribe(Client c, byte[][] argv) {
        if (c.denyBlocking()) {
            c.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
            return;
        }
        subscribe(c, argv, Kind.SHARD);
    }

    /** UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE [name ...]: without names, from all of that kind. */
    void unsubscribe(Client c, byte[][] argv, Kind kind) {
        byte[] type = PubSub.unsubscribeReply(kind);
        if (argv.length > 1) {
            for (int j = 1; j < argv.length; j++) {
                pubsub.unsubscribe(c, kind, argv[j]);
                PubSub.confirm(c, type, argv[j], PubSub.replyCount(c, kind));
            }
            return;
        }
        List<byte[]> all = pubsub.subscriptions(c, kind);
        if (all.isEmpty()) {
            PubSub.confirm(c, type, null, PubSub.replyCount(c, kind));
            return;
        }
        for (byte[] name : all) {
            pubsub.unsubscribe(c, kind, name);
            PubSub.confirm(c, type, name, PubSub.replyCount(c, kind));
        }
    }

    /** PUBLISH channel message / SPUBLISH shardchannel message: the number of receivers. */
    void publish(Client c, byte[][] argv, boolean shard) {
        int receivers = pubsub.publish(c, argv[1], argv[2], shard);
        c.reply().integer(receivers);
        c.forcePropagation(Propagation.REPL); // replicas deliver it to their subscribers; not the AOF
        // As Redis 7.2: a message to the publisher itself follows the reply (of the whole
        // transaction inside MULTI/EXEC): the dispatcher delivers it once the command is done.
    }

    /** PUBSUB CHANNELS [pattern] / PUBSUB SHARDCHANNELS [pattern] */
    void channels(Client c, byte[][] argv, Kind kind) {
        if (argv.length > 3) {
            c.error(subcommandSyntax(argv));
            return;
        }
        List<byte[]> names = pubsub.names(kind, argv.length == 3 ? argv[2] : null);
        RespWriter w = c.reply();
        w.arrayHeader(names.size());
        for (byte[] n : names) {
            w.bulk(n);
        }
    }

    /** PUBSUB NUMSUB [channel ...] / PUBSUB SHARDNUMSUB [shardchannel ...]: flat name, count pairs. */
    void numsub(Client c, byte[][] argv, Kind kind) {
        RespWriter w = c.reply();
        w.arrayHeader((argv.length - 2) * 2);
        for (int j = 2; j < argv.length; j++) {
            w.bulk(argv[j]);
            w.integer(pubsub.subscribers(kind, argv[j]));
        }
    }

    /** PUBSUB NUMPAT: the number of distinct patterns subscribed to. */
    void numpat(Client c, byte[][] argv) {
        c.reply().integer(pubsub.count(Kind.PATTERN));
    }

    void help(Client c, byte[][] argv) {
        ServerCommands.helpReply(c, "PUBSUB",
                "CHANNELS [<pattern>]",
                "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT",
                "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels).",
                "SHARDCHANNELS [<pattern>]",
                "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                "SHARDNUMSUB [<shardchannel> ...]",
                "    Return the number of subscribers for the specified shard level channel(s)");
    }

    private static String subcommandSyntax(byte[][] argv) {
        String s = Args.str(argv[1]);
        if (s.length() > 128) {
            s = s.substring(0, 128);
        }
        return "ERR unknown subcommand or wrong number of arguments for '" + s + "'. Try PUBSUB HELP.";
    }

    /** A client as CLIENT LIST shows it, for the output buffer limit's log line. */
    static String describe(Client c) {
        return ClientCommands.appendInfo(new StringBuilder(), c, null, null, System.currentTimeMillis()).toString();
    }
}
