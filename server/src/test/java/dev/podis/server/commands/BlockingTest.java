package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocking list commands over TCP with several connections: first-come first-served order,
 * timeouts, CLIENT UNBLOCK, disconnects, BLMOVE cascades and pipelined requests behind a
 * blocked command.
 */
class BlockingTest {
    static TestServer server;
    Jedis j;

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
        waitBlocked(0);
    }

    @AfterEach
    void disconnect() {
        j.close();
    }

    private long blockedClients() {
        for (String line : j.info("clients").split("\r\n")) {
            if (line.startsWith("blocked_clients:")) {
                return Long.parseLong(line.substring("blocked_clients:".length()));
            }
        }
        throw new AssertionError("no blocked_clients in INFO");
    }

    /** Waits until exactly {@code n} clients are blocked (the server got the blocking commands). */
    private void waitBlocked(long n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (blockedClients() != n) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("expected " + n + " blocked clients, got " + blockedClients());
            }
            Thread.sleep(5);
        }
    }

    private static long clientId(RespClient c) throws Exception {
        return (Long) c.call("CLIENT", "ID");
    }

    @Test
    void clientsAreServedFirstComeFirstServed() throws Exception {
        try (RespClient a = new RespClient(server.port()); RespClient b = new RespClient(server.port());
             RespClient c = new RespClient(server.port())) {
            a.send("BLPOP", "k", "0");
            waitBlocked(1);
            b.send("BLPOP", "other", "k", "0");
            waitBlocked(2);
            c.send("BRPOP", "k", "0");
            waitBlocked(3);
            assertEquals(1L, j.rpush("k", "x"));
            assertEquals(List.of("k", "x"), a.read());
            waitBlocked(2);
            // two elements: the next two in line get one each, in order
            assertEquals(2L, j.rpush("k", "y", "z"));
            assertEquals(List.of("k", "y"), b.read());
            assertEquals(List.of("k", "z"), c.read());
            assertFalse(j.exists("k"), "the served clients emptied the list");
            assertEquals(0, blockedClients());
        }
    }

    @Test
    void keysArrivingByRenameCopyMoveAndSwapdbWakeWaiters() throws Exception {
        try (RespClient a = new RespClient(server.port())) {
            a.send("BLPOP", "dst", "0");
            waitBlocked(1);
            j.rpush("src", "renamed");
            j.rename("src", "dst");
            assertEquals(List.of("dst", "renamed"), a.read());

            a.send("BLPOP", "dst", "0");
            waitBlocked(1);
            j.rpush("src", "copied");
            j.copy("src", "dst", false);
            assertEquals(List.of("dst", "copied"), a.read());

            a.send("BLPOP", "dst", "0");
            waitBlocked(1);
            try (Jedis other = server.jedis()) {
                other.select(1);
                other.rpush("dst", "moved");
                other.move("dst", 0);
            }
            assertEquals(List.of("dst", "moved"), a.read());

            a.send("BLPOP", "dst", "0");
            waitBlocked(1);
            try (Jedis other = server.jedis()) {
                other.select(2);
                other.rpush("dst", "swapped");
            }
            j.swapDB(0, 2);
            assertEquals(List.of("dst", "swapped"), a.read());
            j.swapDB(0, 2);
        }
    }

    @Test
    void sortedSetPopsBlockUntilZaddAndTimeOut() throws Exception {
        try (RespClient a = new RespClient(server.port()); RespClient b = new RespClient(server.port())) {
            a.send("BZPOPMIN", "z1", "z2", "0");
            waitBlocked(1);
            b.send("BZMPOP", "0", "1", "z2", "MAX", "COUNT", "2");
            waitBlocked(2);
            j.zadd("z2", 1, "one");
            j.zadd("z2", 2, "two");
            j.zadd("z2", 3, "three");
            // Each ZADD serves the waiters once it completes, first come first served: a takes the
            // member of the first; b, still waiting, takes what the second added (COUNT is a maximum).
            assertEquals(List.of("z2", "one", "1"), a.read());
            assertEquals(List.of("z2", List.of(List.of("two", "2"))), b.read());
            assertEquals(List.of("three"), j.zrange("z2", 0, -1));
            assertNull(j.bzpopmax(0.05, "nothing"), "a timeout replies a null array");
            j.zadd("z1", 5, "five");
            assertEquals(List.of("z1", "five", "5"), a.call("BZPOPMAX", "z1", "0"), "no wait when a key has members");
            assertEquals(0, blockedClients());
        }
    }

    @Test
    void servedFromTheFirstNonEmptyKeyOfItsOwnOrder() throws Exception {
        try (RespClient a = new RespClient(server.port())) {
            a.send("BLPOP", "k1", "k2", "0");
            waitBlocked(1);
            j.rpush("k2", "v");
            assertEquals(List.of("k2", "v"), a.read());
            // LPUSH of several elements: the pushing command completes first, then the head is served
            a.send("BLPOP", "k1", "0");
            waitBlocked(1);
            assertEquals(3L, j.lpush("k1", "a", "b", "c"));
            assertEquals(List.of("k1", "c"), a.read());
            assertEquals(List.of("b", "a"), j.lrange("k1", 0, -1));
        }
    }

    @Test
    void timeoutReturnsNull() throws Exception {
        try (RespClient a = new RespClient(server.port())) {
            long start = System.nanoTime();
            assertEquals("*-1\r\n", new String(a.raw("BLPOP", "k", "0.2")));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(195));
            assertEquals("*-1\r\n", new String(a.raw("BLMPOP", "0.05", "1", "k", "LEFT")));
            assertEquals("*-1\r\n", new String(a.raw("BRPOPLPUSH", "k", "d", "0.05")));
            assertEquals(0, blockedClients());
            assertFalse(j.exists("d"));
        }
    }

    @Test
    void clientUnblockAsTimeoutOrError() throws Exception {
        try (RespClient a = new RespClient(server.port())) {
            long id = clientId(a);
            assertEquals(0L, j.clientUnblock(id), "not blocked");
            a.send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0");
            waitBlocked(1);
            assertTrue(j.clientList().contains("id=" + id + " ") && j.clientList().contains("flags=b"));
            assertEquals(1L, j.clientUnblock(id));
            assertNull(a.read());
            a.send("BLPOP", "k", "0");
            waitBlocked(1);
            assertEquals(1L, (Long) Cmd.run(j, "CLIENT", "UNBLOCK", Long.toString(id), "ERROR"));
            assertEquals(new RespClient.Err("UNBLOCKED client unblocked via CLIENT UNBLOCK"), a.read());
            assertEquals(0, blockedClients());
            j.rpush("k", "v");
            assertEquals(1, j.llen("k"), "an unblocked client takes nothing");
        }
    }

    @Test
    void disconnectedClientLeavesNothingBehind() throws Exception {
        RespClient a = new RespClient(server.port());
        a.send("BLPOP", "k", "0");
        waitBlocked(1);
        try (RespClient b = new RespClient(server.port())) {
            b.send("BLPOP", "k", "0");
            waitBlocked(2);
            a.close();
            waitBlocked(1);
            j.rpush("k", "v1", "v2");
            assertEquals(List.of("k", "v1"), b.read());
            assertEquals(List.of("v2"), j.lrange("k", 0, -1));
        }
    }

    @Test
    void blmoveCascades() throws Exception {
        try (RespClient a = new RespClient(server.port()); RespClient b = new RespClient(server.port());
             RespClient c = new RespClient(server.port())) {
            a.send("BLMOVE", "k1", "k2", "RIGHT", "LEFT", "0");
            waitBlocked(1);
            b.send("BRPOPLPUSH", "k2", "k3", "0");
            waitBlocked(2);
            c.send("BLPOP", "k3", "0");
            waitBlocked(3);
            assertEquals(1L, j.rpush("k1", "v"));
            assertEquals("v", a.read());
            assertEquals("v", b.read());
            assertEquals(List.of("k3", "v"), c.read());
            assertEquals(0, j.exists("k1", "k2", "k3"));
        }
    }

    @Test
    void pipelinedRequestsWaitForTheBlockedCommand() throws Exception {
        try (RespClient a = new RespClient(server.port())) {
            a.send("BLPOP", "k", "0");
            a.send("PING");
            waitBlocked(1);
            a.socket().setSoTimeout(200);
            assertThrows(SocketTimeoutException.class, a::read, "nothing answered while blocked");
            a.socket().setSoTimeout(10_000);
            j.rpush("k", "v");
            assertEquals(List.of("k", "v"), a.read());
            assertEquals(new RespClient.Status("PONG"), a.read());
        }
    }

    @Test
    void keyOfAnotherTypeDoesNotServe() throws Exception {
        try (RespClient a = new RespClient(server.port())) {
            a.send("BLPOP", "k", "0");
            waitBlocked(1);
            j.set("k", "string");
            j.del("k");
            Thread.sleep(50);
            assertEquals(1, blockedClients());
            j.rpush("k", "v");
            assertEquals(List.of("k", "v"), a.read());
        }
    }

    @Test
    void clientsInTimeoutTable() throws Exception {
        try (RespClient a = new RespClient(server.port()); RespClient b = new RespClient(server.port())) {
            a.send("BLPOP", "k", "100");
            b.send("BLPOP", "k", "0");
            waitBlocked(2);
            assertTrue(j.info("clients").contains("clients_in_timeout_table:1\r\n"));
            j.rpush("k", "1", "2");
            a.read();
            b.read();
            assertTrue(j.info("clients").contains("clients_in_timeout_table:0\r\n"));
        }
    }

    @Test
    void jedisBlockingCalls() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Jedis first = server.jedis(); Jedis second = server.jedis()) {
            Future<List<String>> f1 = pool.submit(() -> first.blpop(0, "q"));
            waitBlocked(1);
            Future<List<String>> f2 = pool.submit(() -> second.brpop(0, "q"));
            waitBlocked(2);
            j.rpush("q", "one", "two");
            assertEquals(List.of("q", "one"), f1.get(5, TimeUnit.SECONDS));
            assertEquals(List.of("q", "two"), f2.get(5, TimeUnit.SECONDS));
            Future<?> timedOut = pool.submit(() -> first.blpop(0.05, "q"));
            assertNull(timedOut.get(5, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void denyBlockingAnswersAsOnTimeout() throws Exception {
        // what MULTI/EXEC and scripts will set: the command answers at once instead of blocking
        try (RespClient a = new RespClient(server.port())) {
            long id = clientId(a);
            var context = server.server().context();
            context.commandLoop().submit(() -> context.clients().get(id).denyBlocking(true)).get();
            assertEquals("*-1\r\n", new String(a.raw("BLPOP", "k", "0")));
            assertEquals("*-1\r\n", new String(a.raw("BLMPOP", "0", "1", "k", "LEFT")));
            assertEquals("$-1\r\n", new String(a.raw("BLMOVE", "k", "d", "LEFT", "LEFT", "0")));
            assertEquals("$-1\r\n", new String(a.raw("BRPOPLPUSH", "k", "d", "0")));
            assertEquals(0, blockedClients());
            a.raw("RPUSH", "k", "v");
            assertEquals(List.of("k", "v"), a.call("BLPOP", "k", "0"));
        }
    }
}
