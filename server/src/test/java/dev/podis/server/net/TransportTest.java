package dev.podis.server.net;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every network transport ({@code network-transport}) serves clients the same way: the rest of
 * the suite runs on {@code auto} (io_uring where the kernel allows it), so each transport is
 * taken here explicitly through what depends on the I/O handler: pipelines of several clients
 * at once, a reply larger than the socket buffers, and a busy script letting the loop read
 * (the nested event pump). A transport this machine cannot use is skipped.
 */
class TransportTest {

    @ParameterizedTest
    @EnumSource(Transport.class)
    void servesClientsAndLetsABusyScriptPumpEvents(Transport transport) throws Exception {
        Assumptions.assumeTrue(transport.available(), transport + " is not available here");
        try (TestServer server = TestServer.start(Map.of("network-transport", transport.configName()));
             Jedis j = server.jedis();
             Jedis other = server.jedis();
             Jedis runner = server.jedis()) {
            assertTrue(j.info("server").contains("multiplexing_api:" + transport.configName() + "\r\n"));

            int clients = 8;
            int perClient = 500;
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<long[]>> results = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    results.add(pool.submit(() -> {
                        try (Jedis c = server.jedis()) {
                            Pipeline p = c.pipelined();
                            List<Response<Long>> rs = new ArrayList<>();
                            for (int k = 0; k < perClient; k++) {
                                rs.add(p.incr("counter"));
                            }
                            p.sync();
                            return rs.stream().mapToLong(Response::get).toArray();
                        }
                    }));
                }
                for (Future<long[]> f : results) {
                    long[] seen = f.get(60, TimeUnit.SECONDS);
                    for (int k = 1; k < seen.length; k++) {
                        assertTrue(seen[k] > seen[k - 1], "one client's replies in the order of its requests");
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(String.valueOf(clients * perClient), j.get("counter"));

            byte[] big = new byte[8 << 20];
            ThreadLocalRandom.current().nextBytes(big);
            j.set("big".getBytes(), big);
            assertArrayEquals(big, other.get("big".getBytes()));

            j.configSet("busy-reply-threshold", "50");
            CompletableFuture<Object> script = CompletableFuture.supplyAsync(
                    () -> runner.eval("local i = 0 while true do i = i + 1 end"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!pingReply(other).startsWith("BUSY")) {
                if (System.nanoTime() > deadline) {
                    fail("no BUSY reply while the script runs");
                }
                Thread.sleep(5);
            }
            assertEquals("OK", other.scriptKill());
            Throwable killed = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> script.get(20, TimeUnit.SECONDS)).getCause();
            assertTrue(killed.getMessage().startsWith("ERR Script killed by user with SCRIPT KILL"), killed.getMessage());
            assertEquals("PONG", other.ping());
        }
    }

    private static String pingReply(Jedis c) {
        try {
            return c.ping();
        } catch (JedisDataException e) {
            return e.getMessage();
        }
    }

    @Test
    void theTransportIsChosenAtStartOnly() {
        try (TestServer server = TestServer.start(); Jedis j = server.jedis()) {
            String chosen = j.configGet("network-transport").get("network-transport");
            assertEquals("auto", chosen);
            String api = j.info("server").lines().filter(l -> l.startsWith("multiplexing_api:"))
                    .findFirst().orElseThrow().substring("multiplexing_api:".length());
            Transport first = null;
            for (Transport t : Transport.values()) {
                if (t.available()) {
                    first = t;
                    break;
                }
            }
            assertEquals(first.configName(), api, "auto takes the first available transport");
            JedisDataException e = assertThrows(JedisDataException.class, () -> j.configSet("network-transport", "nio"));
            assertTrue(e.getMessage().contains("can't set immutable config"), e.getMessage());
        }
        assertThrows(RuntimeException.class, () -> TestServer.start(Map.of("network-transport", "kqueue")));
    }
}
