package dev.podis.server;

import dev.podis.protocol.RespWriter;
import dev.podis.server.util.Glob;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The pub/sub registry, as Redis's pubsub.c: channels, patterns and shard channels, each with
 * its subscribers, and each client's own subscriptions.
 *
 * <p>Delivery ({@link #publish}): the subscribers of the channel first, in subscription order,
 * then, for a plain channel, the subscribers of every matching pattern (pattern order: first
 * subscribed first), one {@code pmessage} per matching pattern. A message is written into the
 * receiver's reply buffer (a push in RESP3, an array in RESP2) and flushed with
 * {@link Client#flushSoon()}; after each one the receiver's output buffer limit is checked
 * ({@link OutputBufferLimits}), and a receiver scheduled to be closed gets nothing more (it still
 * counts as a receiver, as in Redis). A message for the publishing client itself is held back
 * and written after the command's reply ({@link #deliverToSelf}, called by the dispatcher), as
 * Redis 7.2 does.
 *
 * <p>Each client's counters ({@link Client#channelSubscriptions()} ...) are kept current; they
 * make {@link Client#subscribed()}, CLIENT LIST sub=/psub=/ssub= and flag P. A client's
 * subscriptions disappear when its connection closes and on RESET ({@link #unsubscribeAll}).
 */
public final class PubSub {
    /** What a subscription is to: a channel, a pattern or a shard channel. */
    public enum Kind {
        CHANNEL("subscribe", "unsubscribe", "message"),
        PATTERN("psubscribe", "punsubscribe", "pmessage"),
        SHARD("ssubscribe", "sunsubscribe", "smessage");

        final byte[] subscribeReply;
        final byte[] unsubscribeReply;
        final byte[] messageType;

        Kind(String subscribe, String unsubscribe, String message) {
            this.subscribeReply = subscribe.getBytes(StandardCharsets.US_ASCII);
            this.unsubscribeReply = unsubscribe.getBytes(StandardCharsets.US_ASCII);
            this.messageType = message.getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** One client's subscriptions, per kind, in subscription order. */
    private static final class Subscriptions {
        @SuppressWarnings("unchecked")
        final LinkedHashSet<ByteBuffer>[] names = new LinkedHashSet[] {
            new LinkedHashSet<>(), new LinkedHashSet<>(), new LinkedHashSet<>()};
        /** Set once the connection closed: nothing may be registered for it any more. */
        boolean closed;
    }

    /** A message to the publishing client itself, written after the PUBLISH reply. */
    private record SelfMessage(byte[] type, byte[] pattern, byte[] channel, byte[] message) {
    }

    private final ServerContext server;
    /** Per kind: name → subscribers in subscription order. Patterns keep their first-subscribed order. */
    @SuppressWarnings("unchecked")
    private final Map<ByteBuffer, LinkedHashSet<Client>>[] registry = new Map[] {
        new HashMap<>(), new LinkedHashMap<>(), new HashMap<>()};
    private final Map<Client, Subscriptions> byClient = new HashMap<>();
    private final List<SelfMessage> toSelf = new ArrayList<>(2);

    PubSub(ServerContext server) {
        this.server = server;
    }

    /** Number of channels (patterns, shard channels) with at least one subscriber (INFO, PUBSUB NUMPAT). */
    public int count(Kind kind) {
        return registry[kind.ordinal()].size();
    }

    /** Subscribers of one channel, pattern or shard channel (PUBSUB NUMSUB / SHARDNUMSUB). */
    public int subscribers(Kind kind, byte[] name) {
        LinkedHashSet<Client> subs = registry[kind.ordinal()].get(ByteBuffer.wrap(name));
        return subs == null ? 0 : subs.size();
    }

    /** The names of a kind with subscribers, those matching {@code pattern} when it is not null. */
    public List<byte[]> names(Kind kind, byte[] pattern) {
        List<byte[]> out = new ArrayList<>();
        for (ByteBuffer name : registry[kind.ordinal()].keySet()) {
            byte[] n = name.array();
            if (pattern == null || Glob.match(pattern, n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The count SUBSCRIBE / PSUBSCRIBE and their opposites reply: channels plus patterns. */
    public static int subscriptionCount(Client c) {
        return c.channelSubscriptions() + c.patternSubscriptions();
    }

    /** The count a reply of {@code kind} carries (shard commands count shard channels only). */
    public static int replyCount(Client c, Kind kind) {
        return kind == Kind.SHARD ? c.shardSubscriptions() : subscriptionCount(c);
    }

    /** Subscribes {@code c}; false if it was already subscribed to {@code name}. */
    public boolean subscribe(Client c, Kind kind, byte[] name) {
        Subscriptions s = subscriptionsOf(c);
        if (s.closed) {
            return false;
        }
        ByteBuffer key = ByteBuffer.wrap(name.clone()); // outlives the request's buffers
        if (!s.names[kind.ordinal()].add(key)) {
            return false;
        }
        registry[kind.ordinal()].computeIfAbsent(key, k -> new LinkedHashSet<>()).add(c);
        updateCounts(c, s);
        return true;
    }

    /** Unsubscribes {@code c}; false if it was not subscribed to {@code name}. */
    public boolean unsubscribe(Client c, Kind kind, byte[] name) {
        Subscriptions s = byClient.get(c);
        if (s == null) {
            return false;
        }
        ByteBuffer key = ByteBuffer.wrap(name);
        if (!s.names[kind.ordinal()].remove(key)) {
            return false;
        }
        removeFromRegistry(c, kind, key);
        updateCounts(c, s);
        return true;
    }

    /** What {@code c} is subscribed to of {@code kind}, in subscription order (a copy). */
    public List<byte[]> subscriptions(Client c, Kind kind) {
        Subscriptions s = byClient.get(c);
        List<byte[]> out = new ArrayList<>();
        if (s != null) {
            for (ByteBuffer b : s.names[kind.ordinal()]) {
                out.add(b.array());
            }
        }
        return out;
    }

    /** Drops every subscription of {@code c} without replying (RESET, a closed connection). */
    public void unsubscribeAll(Client c) {
        Subscriptions s = byClient.get(c);
        if (s == null) {
            return;
        }
        for (Kind kind : Kind.values()) {
            for (ByteBuffer key : s.names[kind.ordinal()]) {
                removeFromRegistry(c, kind, key);
            }
            s.names[kind.ordinal()].clear();
        }
        updateCounts(c, s);
    }

    /**
     * Delivers {@code message} to the subscribers of {@code channel} (a shard channel when
     * {@code shard}) and, for a plain channel, to those of every matching pattern. Returns the
     * number of receivers, as PUBLISH replies. Call {@link #deliverToSelf} after the reply.
     */
    public int publish(Client publisher, byte[] channel, byte[] message, boolean shard) {
        Kind kind = shard ? Kind.SHARD : Kind.CHANNEL;
        int receivers = 0;
        LinkedHashSet<Client> subs = registry[kind.ordinal()].get(ByteBuffer.wrap(channel));
        if (subs != null) {
            Encoded encoded = new Encoded(kind.messageType, null, channel, message);
            for (Client r : subs) {
                deliver(publisher, r, encoded);
                receivers++;
            }
        }
        if (shard) {
            return receivers;
        }
        Map<ByteBuffer, LinkedHashSet<Client>> patterns = registry[Kind.PATTERN.ordinal()];
        if (!patterns.isEmpty()) {
            for (Map.Entry<ByteBuffer, LinkedHashSet<Client>> e : patterns.entrySet()) {
                byte[] pattern = e.getKey().array();
                if (!Glob.match(pattern, channel)) {
                    continue;
                }
                Encoded encoded = new Encoded(Kind.PATTERN.messageType, pattern, channel, message);
                for (Client r : e.getValue()) {
                    deliver(publisher, r, encoded);
                    receivers++;
                }
            }
        }
        return receivers;
    }

    /**
     * One message as its receivers get it, encoded on first use once per protocol (a RESP2 array,
     * a RESP3 push) and then copied into each receiver's reply buffer: with many subscribers the
     * per-receiver work is one copy.
     */
    private static final class Encoded {
        final byte[] type;
        final byte[] pattern;
        final byte[] channel;
        final byte[] message;
        private byte[] resp2;
        private byte[] resp3;

        Encoded(byte[] type, byte[] pattern, byte[] channel, byte[] message) {
            this.type = type;
            this.pattern = pattern;
            this.channel = channel;
            this.message = message;
        }

        byte[] bytes(boolean push) {
            byte[] b = push ? resp3 : resp2;
            if (b == null) {
                b = encode(push);
                if (push) {
                    resp3 = b;
                } else {
                    resp2 = b;
                }
            }
            return b;
        }

        private byte[] encode(boolean push) {
            int size = 4 + bulkSize(type) + bulkSize(channel) + bulkSize(message) + (pattern == null ? 0 : bulkSize(pattern));
            byte[] out = new byte[size];
            out[0] = (byte) (push ? '>' : '*');
            out[1] = (byte) (pattern == null ? '3' : '4');
            out[2] = '\r';
            out[3] = '\n';
            int at = bulk(out, 4, type);
            if (pattern != null) {
                at = bulk(out, at, pattern);
            }
            at = bulk(out, at, channel);
            bulk(out, at, message);
            return out;
        }

        private static int bulkSize(byte[] b) {
            return 1 + digits(b.length) + 2 + b.length + 2;
        }

        private static int bulk(byte[] out, int at, byte[] b) {
            out[at++] = '$';
            int d = digits(b.length);
            for (int i = d - 1, v = b.length; i >= 0; i--, v /= 10) {
                out[at + i] = (byte) ('0' + v % 10);
            }
            at += d;
            out[at++] = '\r';
            out[at++] = '\n';
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
            out[at++] = '\r';
            out[at++] = '\n';
            return at;
        }

        private static int digits(int v) {
            int d = 1;
            while (v >= 10) {
                v /= 10;
                d++;
            }
            return d;
        }
    }

    /**
     * Writes the messages held back for the publishing client itself (PUBLISH, keyspace
     * notifications); the dispatcher calls it once the client's command is done, so inside
     * MULTI/EXEC they follow the reply of the whole transaction, as Redis 7.2 holds them.
     */
    public void deliverToSelf(Client c) {
        if (toSelf.isEmpty()) {
            return;
        }
        for (SelfMessage m : toSelf) {
            write(c, m.type(), m.pattern(), m.channel(), m.message());
        }
        toSelf.clear();
    }

    private void deliver(Client publisher, Client r, Encoded m) {
        if (r == publisher) {
            toSelf.add(new SelfMessage(m.type, m.pattern, m.channel, m.message));
            return;
        }
        if (r.closingAsap()) {
            return; // being closed for its output buffer: counted, not written (as Redis)
        }
        r.reply().raw(m.bytes(r.protocol() > 2));
        r.flushSoon();
        server.outputBufferLimits().check(r);
    }

    private static void write(Client r, byte[] type, byte[] pattern, byte[] channel, byte[] message) {
        RespWriter w = r.reply();
        w.pushHeader(pattern == null ? 3 : 4);
        w.bulk(type);
        if (pattern != null) {
            w.bulk(pattern);
        }
        w.bulk(channel);
        w.bulk(message);
    }

    /** Writes a (un)subscribe confirmation: [type, name or nil, count]. */
    public static void confirm(Client c, byte[] type, byte[] name, int count) {
        RespWriter w = c.reply();
        w.pushHeader(3);
        w.bulk(type);
        if (name == null) {
            w.nullBulk();
        } else {
            w.bulk(name);
        }
        w.integer(count);
    }

    /** The reply type of a subscription to {@code kind} ("subscribe", "psubscribe", "ssubscribe"). */
    public static byte[] subscribeReply(Kind kind) {
        return kind.subscribeReply;
    }

    /** The reply type of an unsubscription from {@code kind}. */
    public static byte[] unsubscribeReply(Kind kind) {
        return kind.unsubscribeReply;
    }

    private void removeFromRegistry(Client c, Kind kind, ByteBuffer key) {
        Map<ByteBuffer, LinkedHashSet<Client>> map = registry[kind.ordinal()];
        LinkedHashSet<Client> subs = map.get(key);
        if (subs != null) {
            subs.remove(c);
            if (subs.isEmpty()) {
                map.remove(key);
            }
        }
    }

    private static void updateCounts(Client c, Subscriptions s) {
        c.channelSubscriptions(s.names[Kind.CHANNEL.ordinal()].size());
        c.patternSubscriptions(s.names[Kind.PATTERN.ordinal()].size());
        c.shardSubscriptions(s.names[Kind.SHARD.ordinal()].size());
    }

    /** The client's record, created on its first subscription; it goes when the connection closes. */
    private Subscriptions subscriptionsOf(Client c) {
        Subscriptions s = byClient.get(c);
        if (s == null) {
            Subscriptions created = new Subscriptions();
            s = created;
            byClient.put(c, created);
            c.channel().closeFuture().addListener(f -> {
                unsubscribeAll(c);
                created.closed = true;
                byClient.remove(c);
            });
        }
        return s;
    }

    // ---- RESP2 subscribed mode (used by the dispatcher) ----

    /**
     * Whether a RESP2 client in subscribed mode may run {@code fullName}: only the (un)subscribe
     * commands, PING, QUIT and RESET, as Redis's processCommand.
     */
    public static boolean allowedWhileSubscribed(String fullName) {
        switch (fullName) {
            case "subscribe": case "ssubscribe": case "psubscribe":
            case "unsubscribe": case "sunsubscribe": case "punsubscribe":
            case "ping": case "quit": case "reset":
                return true;
            default:
                return false;
        }
    }

    /** Redis's refusal of any other command in RESP2 subscribed mode. */
    public static String subscribedModeError(String fullName) {
        return "ERR Can't execute '" + fullName + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                + "are allowed in this context";
    }
}
