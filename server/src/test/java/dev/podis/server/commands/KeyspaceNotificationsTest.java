package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Keyspace notifications as applications use them (the command-by-command sequences are compared
 * with Redis in {@code diff/KeyspaceEventsDiffTest}): Spring Session's expiry listener, events of
 * blocked clients served by another client's write, messages to the client whose command caused
 * them (after its reply, as Redis 7.2), and the eviction hook.
 */
class KeyspaceNotificationsTest {
    static TestServer server;
    static RealRedis redis;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        redis = RealRedis.start();
    }

    @AfterAll
    static void stop() {
        server.close();
        if (redis != null) {
            redis.close();
        }
    }

    /**
     * Spring Session's RedisIndexedSessionRepository: CONFIG SET notify-keyspace-events Egx, then
     * PSUBSCRIBE __keyevent@*__:expired; a session key with a time to live expires through active
     * expiry (nobody reads it) and the listener hears of it.
     */
    @Test
    void springSessionStyleExpiredEventsArriveThroughActiveExpiry() throws Exception {
        try (Jedis j = server.jedis(); Jedis sub = server.jedis()) {
            assertEquals("OK", j.configSet("notify-keyspace-events", "Egx"));
            BlockingQueue<String[]> heard = new ArrayBlockingQueue<>(16);
            CountDownLatch subscribed = new CountDownLatch(1);
            JedisPubSub listener = new JedisPubSub() {
                @Override
                public void onPSubscribe(String pattern, int count) {
                    subscribed.countDown();
                }

                @Override
                public void onPMessage(String pattern, String channel, String message) {
                    heard.add(new String[] {pattern, channel, message});
                }
            };
            Thread t = new Thread(() -> sub.psubscribe(listener, "__keyevent@0__:expired"));
            t.start();
            try {
                assertTrue(subscribed.await(10, TimeUnit.SECONDS));
                j.psetex("spring:session:sessions:expires:abc", 50, "");
                j.set("spring:session:sessions:def", "stays");
                String[] m = heard.poll(10, TimeUnit.SECONDS);
                assertNotNull(m, "no expired event");
                assertEquals("__keyevent@0__:expired", m[0]);
                assertEquals("__keyevent@0__:expired", m[1]);
                assertEquals("spring:session:sessions:expires:abc", m[2]);
                assertEquals("stays", j.get("spring:session:sessions:def"));
            } finally {
                listener.punsubscribe();
                t.join(10_000);
                j.configSet("notify-keyspace-events", "");
            }
        }
    }

    /** A blocked BLPOP/BLMOVE served by another client's push: the pusher's events, then the pop's. */
    @Test
    void servedBlockedClientsReportTheirPopsLikeRedis() throws Exception {
        assumeTrue(redis != null, "redis-server is not installed");
        assertEquals(events(redis.port()), events(server.port()));
    }

    private static List<String> events(int port) throws Exception {
        try (RespClient admin = new RespClient(port); RespClient sub = new RespClient(port);
             RespClient blocked = new RespClient(port); RespClient blocked2 = new RespClient(port)) {
            admin.call("FLUSHALL");
            admin.call("CONFIG", "SET", "notify-keyspace-events", "KEA");
            sub.call("PSUBSCRIBE", "__keyevent@*");
            blocked.send("BLPOP", "l", "0");
            blocked2.send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0");
            awaitBlocked(admin, 2);
            admin.call("RPUSH", "l", "a", "b");
            assertEquals(List.of("l", "a"), blocked.read());
            admin.call("LPUSH", "src", "x");
            assertEquals("x", blocked2.read());
            admin.call("CONFIG", "SET", "notify-keyspace-events", "");
            admin.call("PUBLISH", "__keyevent@end", "end");
            List<String> out = new ArrayList<>();
            while (true) {
                List<?> m = (List<?>) sub.read();
                if (m.get(2).equals("__keyevent@end")) {
                    return out;
                }
                out.add(m.get(2) + " " + m.get(3));
            }
        }
    }

    private static void awaitBlocked(RespClient admin, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String info = (String) admin.call("INFO", "clients");
            if (info.contains("blocked_clients:" + n + "\r\n")) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("clients did not block");
    }

    /**
     * A RESP3 client subscribed to its own keys gets the messages its command causes after that
     * command's reply, and after the whole EXEC reply inside MULTI (Redis 7.2; 7.0 writes them
     * before the reply, so this is not compared with the 7.0 redis-server of the test machines).
     */
    @Test
    void ownNotificationsFollowTheReplyInResp3() throws IOException {
        try (RespClient c = Resp3.connect(server)) {
            c.call("CONFIG", "SET", "notify-keyspace-events", "K$");
            c.call("SUBSCRIBE", "__keyspace@0__:own");
            assertEquals(new RespClient.Status("OK"), c.call("SET", "own", "1"));
            assertEquals(List.of("message", "__keyspace@0__:own", "set"), c.read());
            c.call("MULTI");
            c.call("SET", "own", "2");
            c.call("APPEND", "own", "3");
            assertEquals(List.of(new RespClient.Status("OK"), 2L), c.call("EXEC"));
            assertEquals(List.of("message", "__keyspace@0__:own", "set"), c.read());
            assertEquals(List.of("message", "__keyspace@0__:own", "append"), c.read());
            assertEquals(new RespClient.Status("PONG"), c.call("PING"));
            c.call("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    /** The hook maxmemory eviction calls: an evicted event, and tracking clients told the key changed. */
    @Test
    void evictionHookPublishesAndInvalidates() throws Exception {
        try (RespClient tracker = Resp3.connect(server); RespClient sub = new RespClient(server.port());
             Jedis j = server.jedis()) {
            j.configSet("notify-keyspace-events", "Ee");
            sub.call("SUBSCRIBE", "__keyevent@0__:evicted");
            tracker.call("CLIENT", "TRACKING", "ON");
            tracker.call("GET", "victim");
            j.set("victim", "v");
            assertEquals(List.of("invalidate", List.of("victim")), tracker.call("PING"));
            assertEquals(new RespClient.Status("PONG"), tracker.read());
            tracker.call("GET", "victim");
            byte[] key = "victim".getBytes(StandardCharsets.UTF_8);
            // the hook alone (the key stays): the report and the invalidation come from it
            server.server().context().commandLoop().submit(() -> server.server().context().evicted(0, key))
                    .get(10, TimeUnit.SECONDS);
            assertEquals(List.of("message", "__keyevent@0__:evicted", "victim"), sub.read());
            assertEquals(List.of("invalidate", List.of("victim")), tracker.call("PING"));
            j.configSet("notify-keyspace-events", "");
        }
    }

    /** With notify-keyspace-events empty (the default) nothing is published, whatever a client subscribed to. */
    @Test
    void nothingIsPublishedWhenNotificationsAreOff() throws IOException {
        try (RespClient sub = new RespClient(server.port()); RespClient c = new RespClient(server.port())) {
            assertEquals(List.of("notify-keyspace-events", ""), c.call("CONFIG", "GET", "notify-keyspace-events"));
            sub.call("PSUBSCRIBE", "*");
            c.call("SET", "quiet", "1");
            c.call("DEL", "quiet");
            c.call("GET", "quiet");
            c.call("PUBLISH", "marker", "m");
            assertEquals(List.of("pmessage", "*", "marker", "m"), sub.read());
        }
    }
}
