package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pub/sub over TCP with several connections: Jedis's JedisPubSub and raw sockets for the exact
 * RESP2 and RESP3 bytes. Delivery order, patterns, shard channels, counts, RESP2 subscribed mode,
 * RESP3 pushes between normal replies, cleanup on disconnect and RESET, and the output buffer
 * limit that disconnects a subscriber that does not read.
 */
class PubSubCommandsTest {
    static TestServer server;
    Jedis j;
    final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void connect() throws Exception {
        j = server.jedis();
        j.flushAll();
        // Subscribers of an earlier test are gone once their connections closed.
        waitUntil(() -> j.pubsubChannels().isEmpty() && j.pubsubNumPat() == 0
                && j.pubsubShardChannels().isEmpty(), "no subscriptions left from earlier tests");
    }

    @AfterEach
    void disconnect() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        j.close();
    }

    private RawClient raw() throws Exception {
        RawClient c = new RawClient(server.port());
        opened.add(c);
        return c;
    }

    /** A RESP2 array (RESP3 push with {@code >}) of bulk strings, with an integer last when {@code count} is set. */
    private static String msg(char type, String... parts) {
        StringBuilder sb = new StringBuilder().append(type).append(parts.length).append("\r\n");
        for (String p : parts) {
            sb.append('$').append(p.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(p).append("\r\n");
        }
        return sb.toString();
    }

    /** A confirmation: [kind, name, count] as an array ({@code *}) or push ({@code >}). */
    private static String confirm(char type, String kind, String name, long count) {
        String head = type + "3\r\n$" + kind.length() + "\r\n" + kind + "\r\n";
        String n = name == null ? (type == '>' ? "_\r\n" : "$-1\r\n") : "$" + name.length() + "\r\n" + name + "\r\n";
        return head + n + ":" + count + "\r\n";
    }

    private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(10);
        }
    }

    private static long infoField(Jedis j, String section, String name) {
        for (String line : j.info(section).split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no " + name + " in INFO " + section);
    }

    // ---- delivery ----

    @Test
    void channelSubscribersComeBeforePatternSubscribers() throws Exception {
        RawClient a = raw();
        assertEquals(confirm('*', "psubscribe", "n*", 1), a.call("PSUBSCRIBE", "n*"));
        assertEquals(confirm('*', "subscribe", "news", 2), a.call("SUBSCRIBE", "news"));
        RawClient b = raw();
        assertEquals(confirm('*', "subscribe", "news", 1), b.call("SUBSCRIBE", "news"));

        // a (channel), b (channel), a (pattern): three receivers.
        assertEquals(3, j.publish("news", "hi"));
        assertEquals(msg('*', "message", "news", "hi"), a.readReply());
        assertEquals(msg('*', "pmessage", "n*", "news", "hi"), a.readReply());
        assertEquals(msg('*', "message", "news", "hi"), b.readReply());

        // Only the pattern matches "nope"; nothing matches "other".
        assertEquals(1, j.publish("nope", "x"));
        assertEquals(msg('*', "pmessage", "n*", "nope", "x"), a.readReply());
        assertEquals(0, j.publish("other", "x"));
        assertNull(a.readReplyWithin(100));
        assertNull(b.readReplyWithin(100));
    }

    @Test
    void oneClientGetsOneMessagePerMatchingPattern() throws Exception {
        RawClient a = raw();
        a.call("PSUBSCRIBE", "ne?s");
        a.call("PSUBSCRIBE", "*s");
        a.call("PSUBSCRIBE", "x*");
        assertEquals(2, j.publish("news", "m"));
        Set<String> got = new HashSet<>(List.of(a.readReply(), a.readReply()));
        assertEquals(Set.of(msg('*', "pmessage", "ne?s", "news", "m"), msg('*', "pmessage", "*s", "news", "m")), got);
        assertNull(a.readReplyWithin(100));
        // Subscribing twice to the same pattern changes nothing.
        assertEquals(confirm('*', "psubscribe", "x*", 3), a.call("PSUBSCRIBE", "x*"));
        assertEquals(3, j.pubsubNumPat());
    }

    @Test
    void messagesKeepPublishOrderAndBinaryPayloads() throws Exception {
        RawClient a = raw();
        a.call("SUBSCRIBE", "ch");
        for (int i = 0; i < 100; i++) {
            assertEquals(1, j.publish("ch", "m" + i));
        }
        byte[] binary = {0, '\r', '\n', (byte) 0xff};
        assertEquals(1, j.publish("ch".getBytes(StandardCharsets.UTF_8), binary));
        for (int i = 0; i < 100; i++) {
            assertEquals(msg('*', "message", "ch", "m" + i), a.readReply());
        }
        assertEquals("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\n\0\r\n\uFFFD\r\n", a.readReply());
    }

    @Test
    void jedisPubSubReceivesChannelAndPatternMessages() throws Exception {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        CountDownLatch subscribed = new CountDownLatch(2);
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onMessage(String channel, String message) {
                got.add("message " + channel + " " + message);
            }

            @Override
            public void onPMessage(String pattern, String channel, String message) {
                got.add("pmessage " + pattern + " " + channel + " " + message);
            }

            @Override
            public void onSubscribe(String channel, int count) {
                got.add("subscribe " + channel + " " + count);
                subscribed.countDown();
            }

            @Override
            public void onPSubscribe(String pattern, int count) {
                got.add("psubscribe " + pattern + " " + count);
                subscribed.countDown();
            }

            @Override
            public void onUnsubscribe(String channel, int count) {
                got.add("unsubscribe " + channel + " " + count);
            }

            @Override
            public void onPUnsubscribe(String pattern, int count) {
                got.add("punsubscribe " + pattern + " " + count);
            }
        };
        Jedis sub = server.jedis();
        Thread t = new Thread(() -> sub.subscribe(listener, "orders"));
        t.start();
        assertEquals("subscribe orders 1", got.poll(5, TimeUnit.SECONDS));
        listener.psubscribe("ord*");
        assertEquals("psubscribe ord* 2", got.poll(5, TimeUnit.SECONDS));
        assertTrue(subscribed.await(5, TimeUnit.SECONDS));

        assertEquals(2, j.publish("orders", "o1"));
        assertEquals("message orders o1", got.poll(5, TimeUnit.SECONDS));
        assertEquals("pmessage ord* orders o1", got.poll(5, TimeUnit.SECONDS));
        assertEquals(1, j.publish("ordinal", "o2"));
        assertEquals("pmessage ord* ordinal o2", got.poll(5, TimeUnit.SECONDS));

        listener.unsubscribe();
        assertEquals("unsubscribe orders 1", got.poll(5, TimeUnit.SECONDS));
        listener.punsubscribe();
        assertEquals("punsubscribe ord* 0", got.poll(5, TimeUnit.SECONDS));
        t.join(5000);
        assertFalse(t.isAlive(), "subscribe() returns once nothing is subscribed");
        // Out of subscribed mode the connection runs normal commands again.
        assertEquals("PONG", sub.ping());
        sub.close();
        assertEquals(0, j.publish("orders", "late"));
    }

    @Test
    void shardChannelsAreSeparateFromChannels() throws Exception {
        RawClient a = raw();
        assertEquals(confirm('*', "subscribe", "c", 1), a.call("SUBSCRIBE", "c"));
        assertEquals(confirm('*', "psubscribe", "*", 2), a.call("PSUBSCRIBE", "*"));
        // The shard count is shard channels only.
        assertEquals(confirm('*', "ssubscribe", "c", 1), a.call("SSUBSCRIBE", "c"));
        assertEquals(confirm('*', "ssubscribe", "d", 2), a.call("SSUBSCRIBE", "d"));

        // SPUBLISH reaches shard subscribers only, never patterns.
        assertEquals(1L, j.sendCommand(() -> "SPUBLISH".getBytes(StandardCharsets.US_ASCII), "c", "s"));
        assertEquals(msg('*', "smessage", "c", "s"), a.readReply());
        assertNull(a.readReplyWithin(100));
        assertEquals(2, j.publish("c", "p"));
        assertEquals(msg('*', "message", "c", "p"), a.readReply());
        assertEquals(msg('*', "pmessage", "*", "c", "p"), a.readReply());

        assertEquals(Set.of("c", "d"), new HashSet<>(j.pubsubShardChannels()));
        assertEquals(List.of("d"), j.pubsubShardChannels("d*"));
        assertEquals(List.of("c"), j.pubsubChannels());
        assertEquals(1L, j.pubsubShardNumSub("c").get("c"));
        assertEquals(0L, j.pubsubShardNumSub("zz").get("zz"));
        assertEquals(1L, j.pubsubNumSub("c").get("c"));

        assertEquals(confirm('*', "sunsubscribe", "c", 1), a.call("SUNSUBSCRIBE", "c"));
        a.send("SUNSUBSCRIBE");
        assertEquals(confirm('*', "sunsubscribe", "d", 0), a.readReply());
        assertEquals(confirm('*', "sunsubscribe", null, 0), a.call("SUNSUBSCRIBE"));
        // Channel and pattern remain.
        assertEquals(confirm('*', "unsubscribe", "c", 1), a.call("UNSUBSCRIBE"));
        assertEquals(confirm('*', "unsubscribe", null, 1), a.call("UNSUBSCRIBE"));
        assertEquals(confirm('*', "punsubscribe", "*", 0), a.call("PUNSUBSCRIBE"));
        assertEquals(confirm('*', "punsubscribe", null, 0), a.call("PUNSUBSCRIBE"));
    }

    // ---- counts and introspection ----

    @Test
    void countsIntrospectionInfoAndClientList() throws Exception {
        RawClient a = raw();
        a.send("SUBSCRIBE", "x", "y", "z");
        assertEquals(confirm('*', "subscribe", "x", 1), a.readReply());
        assertEquals(confirm('*', "subscribe", "y", 2), a.readReply());
        assertEquals(confirm('*', "subscribe", "z", 3), a.readReply());
        a.send("PSUBSCRIBE", "p1*", "p2*");
        assertEquals(confirm('*', "psubscribe", "p1*", 4), a.readReply());
        assertEquals(confirm('*', "psubscribe", "p2*", 5), a.readReply());
        assertEquals(confirm('*', "ssubscribe", "s", 1), a.call("SSUBSCRIBE", "s"));
        RawClient b = raw();
        b.call("SUBSCRIBE", "x");
        b.call("PSUBSCRIBE", "p1*");

        assertEquals(Set.of("x", "y", "z"), new HashSet<>(j.pubsubChannels()));
        assertEquals(Set.of("y"), new HashSet<>(j.pubsubChannels("y")));
        assertEquals(2L, j.pubsubNumSub("x").get("x"));
        assertEquals(1L, j.pubsubNumSub("y").get("y"));
        assertEquals(0L, j.pubsubNumSub("nobody").get("nobody"));
        // NUMPAT counts distinct patterns, not subscriptions.
        assertEquals(2, j.pubsubNumPat());
        assertEquals(3, infoField(j, "stats", "pubsub_channels"));
        assertEquals(2, infoField(j, "stats", "pubsub_patterns"));
        assertEquals(1, infoField(j, "stats", "pubsubshard_channels"));

        String list = j.clientList();
        String lineA = null;
        for (String line : list.split("\n")) {
            if (line.contains(" sub=3 ")) {
                lineA = line;
            }
        }
        assertTrue(lineA != null && lineA.contains(" flags=P ") && lineA.contains(" psub=2 ") && lineA.contains(" ssub=1 "), list);
        assertTrue(list.contains(" flags=P db=0 sub=1 psub=1 ssub=0 "), list);
        assertTrue(j.clientInfo().contains(" flags=N db=0 sub=0 psub=0 ssub=0 "), j.clientInfo());

        // Unsubscribing one by one, with a name nobody subscribed to.
        assertEquals(confirm('*', "unsubscribe", "y", 4), a.call("UNSUBSCRIBE", "y"));
        assertEquals(confirm('*', "unsubscribe", "nope", 4), a.call("UNSUBSCRIBE", "nope"));
        assertEquals(Set.of("x", "z"), new HashSet<>(j.pubsubChannels()));
        assertEquals(confirm('*', "punsubscribe", "p2*", 3), a.call("PUNSUBSCRIBE", "p2*"));
        assertEquals(1, j.pubsubNumPat());
        assertEquals(1, infoField(j, "stats", "pubsub_patterns"));
    }

    // ---- RESP2 subscribed mode ----

    @Test
    void resp2SubscribedModeAllowsOnlyPubSubPingQuitReset() throws Exception {
        RawClient a = raw();
        a.call("SUBSCRIBE", "ch");
        String refusal = "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n";
        assertEquals("-ERR Can't execute 'get': " + refusal, a.call("GET", "k"));
        assertEquals("-ERR Can't execute 'publish': " + refusal, a.call("PUBLISH", "ch", "x"));
        assertEquals("-ERR Can't execute 'client|list': " + refusal, a.call("CLIENT", "LIST"));
        assertEquals("-ERR wrong number of arguments for 'get' command\r\n", a.call("GET"));
        assertEquals("*2\r\n$4\r\npong\r\n$0\r\n\r\n", a.call("PING"));
        assertEquals("*2\r\n$4\r\npong\r\n$2\r\nhi\r\n", a.call("PING", "hi"));
        assertEquals(confirm('*', "ssubscribe", "s", 1), a.call("SSUBSCRIBE", "s"));
        assertEquals(confirm('*', "unsubscribe", "ch", 0), a.call("UNSUBSCRIBE"));
        // Still in a shard channel: still subscribed mode.
        assertEquals("-ERR Can't execute 'get': " + refusal, a.call("GET", "k"));
        assertEquals(confirm('*', "sunsubscribe", "s", 0), a.call("SUNSUBSCRIBE"));
        assertEquals("$-1\r\n", a.call("GET", "k"));
        assertEquals("+PONG\r\n", a.call("PING"));
        // QUIT is allowed in subscribed mode.
        a.call("PSUBSCRIBE", "x*");
        assertEquals("+OK\r\n", a.call("QUIT"));
        assertTrue(a.closedWithin(2000));
    }

    @Test
    void resetLeavesEverySubscriptionSilently() throws Exception {
        RawClient a = raw();
        a.call("SUBSCRIBE", "r1");
        a.call("PSUBSCRIBE", "r*");
        a.call("SSUBSCRIBE", "rs");
        assertEquals("+RESET\r\n", a.call("RESET"));
        assertEquals("$-1\r\n", a.call("GET", "k"));
        assertEquals(0L, j.pubsubNumSub("r1").get("r1"));
        assertEquals(0, j.pubsubNumPat());
        assertEquals(List.of(), j.pubsubShardChannels());
        assertEquals(0, j.publish("r1", "x"));
        assertTrue(j.clientList().contains(" flags=N db=0 sub=0 psub=0 ssub=0 "));
    }

    // ---- RESP3 ----

    @Test
    void resp3PushesInterleaveWithNormalReplies() throws Exception {
        RawClient a = raw();
        a.call("HELLO", "3");
        assertEquals(confirm('>', "subscribe", "ch", 1), a.call("SUBSCRIBE", "ch"));
        assertEquals(confirm('>', "psubscribe", "c*", 2), a.call("PSUBSCRIBE", "c*"));
        assertEquals("+OK\r\n", a.call("SET", "k", "v"));
        assertEquals(2, j.publish("ch", "hello"));
        // The pushes arrive on their own; the next command's reply follows them.
        assertEquals(msg('>', "message", "ch", "hello"), a.readReply());
        assertEquals(msg('>', "pmessage", "c*", "ch", "hello"), a.readReply());
        assertEquals("$1\r\nv\r\n", a.call("GET", "k"));
        assertEquals("+PONG\r\n", a.call("PING"));

        // PUBLISH to itself: the reply first, then the pushes (Redis 7.2).
        a.send("PUBLISH", "ch", "self");
        assertEquals(":2\r\n", a.readReply());
        assertEquals(msg('>', "message", "ch", "self"), a.readReply());
        assertEquals(msg('>', "pmessage", "c*", "ch", "self"), a.readReply());
        a.call("SSUBSCRIBE", "s");
        a.send("SPUBLISH", "s", "sm");
        assertEquals(":1\r\n", a.readReply());
        assertEquals(msg('>', "smessage", "s", "sm"), a.readReply());

        // A RESP2 subscriber of the same channel gets arrays.
        RawClient b = raw();
        b.call("SUBSCRIBE", "ch");
        a.send("PUBLISH", "ch", "both");
        assertEquals(":3\r\n", a.readReply());
        assertEquals(msg('>', "message", "ch", "both"), a.readReply());
        assertEquals(msg('>', "pmessage", "c*", "ch", "both"), a.readReply());
        assertEquals(msg('*', "message", "ch", "both"), b.readReply());

        assertEquals(confirm('>', "unsubscribe", "ch", 1), a.call("UNSUBSCRIBE"));
        assertEquals(confirm('>', "unsubscribe", null, 1), a.call("UNSUBSCRIBE"));
        assertEquals(confirm('>', "punsubscribe", "c*", 0), a.call("PUNSUBSCRIBE"));
        assertEquals(confirm('>', "sunsubscribe", "s", 0), a.call("SUNSUBSCRIBE"));
        assertEquals(confirm('>', "sunsubscribe", null, 0), a.call("SUNSUBSCRIBE"));
    }

    // ---- cleanup ----

    @Test
    void disconnectLeavesNothingBehind() throws Exception {
        RawClient a = raw();
        a.call("SUBSCRIBE", "gone");
        a.call("PSUBSCRIBE", "go*");
        a.call("SSUBSCRIBE", "gone-shard");
        RawClient b = raw();
        b.call("SUBSCRIBE", "gone");
        assertEquals(3, j.publish("gone", "x"));
        a.close();
        waitUntil(() -> j.pubsubNumSub("gone").get("gone") == 1 && j.pubsubNumPat() == 0
                && j.pubsubShardChannels().isEmpty(), "the closed subscriber's subscriptions removed");
        assertEquals(1, j.publish("gone", "y"));
        b.close();
        waitUntil(() -> j.pubsubChannels().isEmpty(), "no channel left");
        assertEquals(0, infoField(j, "stats", "pubsub_channels"));
        assertEquals(0, infoField(j, "stats", "pubsub_patterns"));
        assertEquals(0, infoField(j, "stats", "pubsubshard_channels"));
        assertEquals(0, j.publish("gone", "z"));
    }

    // ---- output buffer limits ----

    /** A subscriber that never reads, with a small receive buffer so that its output queues on the server. */
    private Socket silentSubscriber(int port, String channel) throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        opened.add(s);
        OutputStream out = s.getOutputStream();
        out.write(RawClient.encode("SUBSCRIBE", channel));
        out.flush();
        byte[] expected = confirm('*', "subscribe", channel, 1).getBytes(StandardCharsets.US_ASCII);
        InputStream in = s.getInputStream();
        byte[] got = in.readNBytes(expected.length);
        assertEquals(new String(expected, StandardCharsets.US_ASCII), new String(got, StandardCharsets.US_ASCII));
        return s;
    }

    /** Reads what is left until the server closes the connection; true if it did within the time. */
    private static boolean closedByServer(Socket s, int millis) throws Exception {
        s.setSoTimeout(millis);
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = s.getInputStream();
            while (in.read(buf) >= 0) {
                // drain what the server sent before it closed
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.io.IOException e) {
            return true; // reset
        }
    }

    @Test
    void slowSubscriberIsDisconnectedAtTheHardLimit() throws Exception {
        try (TestServer own = TestServer.start(); Jedis pub = own.jedis(); Jedis fastSub = own.jedis()) {
            assertEquals("OK", pub.configSet("client-output-buffer-limit", "pubsub 1mb 256kb 1"));
            Socket slow = silentSubscriber(own.port(), "feed");
            // A subscriber that reads keeps up and stays.
            BlockingQueue<String> fastGot = new LinkedBlockingQueue<>();
            JedisPubSub fast = new JedisPubSub() {
                @Override
                public void onMessage(String channel, String message) {
                    fastGot.add(message);
                }
            };
            Thread reader = new Thread(() -> fastSub.subscribe(fast, "feed"));
            reader.start();
            waitUntil(() -> pub.pubsubNumSub("feed").get("feed") == 2, "two subscribers");

            String payload = "x".repeat(16 * 1024);
            int sent = 0;
            long receivers = 2;
            // 64 MB at most; the slow one must be gone long before (1 MB plus socket buffers).
            while (receivers == 2 && sent < 4096) {
                receivers = pub.publish("feed", payload);
                sent++;
            }
            assertEquals(1, receivers, "the slow subscriber was dropped after " + sent + " messages");
            assertTrue(sent < 4096);
            assertTrue(closedByServer(slow, 30_000), "the slow subscriber's connection is closed");
            // The publisher keeps working, and so does the reading subscriber.
            assertEquals("PONG", pub.ping());
            assertEquals(1, pub.publish("feed", "last"));
            waitUntil(() -> fastGot.contains("last"), "the reading subscriber got every message");
            assertEquals(sent + 1, fastGot.size(), "the reading subscriber got every message, the last included");
            assertEquals(1L, pub.pubsubNumSub("feed").get("feed"));
            fast.unsubscribe();
            reader.join(5000);
        }
    }

    @Test
    void slowSubscriberIsDisconnectedAfterTheSoftLimitSeconds() throws Exception {
        try (TestServer own = TestServer.start(); Jedis pub = own.jedis()) {
            assertEquals("OK", pub.configSet("client-output-buffer-limit", "pubsub 0 64kb 1"));
            Socket slow = silentSubscriber(own.port(), "soft");
            String payload = "y".repeat(64 * 1024);
            // Fill the socket buffers and queue well over 64 KB on the server, then stop publishing.
            for (int i = 0; i < 64; i++) {
                assertEquals(1, pub.publish("soft", payload));
            }
            long start = System.nanoTime();
            // Over the soft limit for more than a second: the cron closes it, with nothing published.
            waitUntil(() -> pub.pubsubNumSub("soft").get("soft") == 0, "the soft limit disconnects");
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waitedMillis >= 900, "not before the soft limit's seconds: " + waitedMillis + " ms");
            assertTrue(closedByServer(slow, 30_000));
            assertEquals(0, pub.publish("soft", "x"));
        }
    }

    @Test
    void withoutLimitsASlowSubscriberStays() throws Exception {
        try (TestServer own = TestServer.start(); Jedis pub = own.jedis()) {
            assertEquals("OK", pub.configSet("client-output-buffer-limit", "pubsub 0 0 0"));
            silentSubscriber(own.port(), "nolimit");
            String payload = "z".repeat(64 * 1024);
            for (int i = 0; i < 64; i++) { // 4 MB, above the default soft limit of the tests above
                assertEquals(1, pub.publish("nolimit", payload));
            }
            Thread.sleep(300);
            assertEquals(1, pub.publish("nolimit", "still"));
        }
    }

    @Test
    void normalClientLimitClosesAClientThatDoesNotRead() throws Exception {
        try (TestServer own = TestServer.start(); Jedis admin = own.jedis()) {
            admin.set("big".getBytes(StandardCharsets.UTF_8), new byte[256 * 1024]);
            assertEquals("OK", admin.configSet("client-output-buffer-limit", "normal 512kb 0 0"));
            Socket s = new Socket();
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", own.port()));
            opened.add(s);
            // The server must have the connection before "gone from CLIENT LIST" below means anything.
            waitUntil(() -> admin.clientList().split("\n").length == 2, "the silent connection is registered");
            OutputStream out = s.getOutputStream();
            byte[] get = RawClient.encode("GET", "big");
            byte[] many = new byte[get.length * 64];
            for (int i = 0; i < 64; i++) {
                System.arraycopy(get, 0, many, i * get.length, get.length);
            }
            out.write(many); // 16 MB of replies it never reads
            out.flush();
            // The cron finds it over the hard limit (the connection stops executing at about 1 MB queued).
            waitUntil(() -> admin.clientList().split("\n").length == 1, "only the admin connection left");
            assertTrue(closedByServer(s, 30_000), "closed for its output buffer");
            assertEquals("OK", admin.configSet("client-output-buffer-limit", "normal 0 0 0"));
        }
    }

    @Test
    void defaultLimitsAreRedisDefaults() {
        assertEquals("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
                j.configGet("client-output-buffer-limit").get("client-output-buffer-limit"));
    }
}
