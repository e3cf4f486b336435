package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.SafeEncoder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * maxmemory over TCP: the OOM refusals (compared with a real redis-server where one is
 * installed), eviction under load with strings and collections, WATCH, INFO and metrics. The
 * policies' choices themselves are tested in storage's EvictionTest; the deterministic OOM and
 * OBJECT FREQ cases in diff/maxmemory.redis.
 */
class MaxmemoryTest {
    private static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";

    /** A reply as text: errors as "ERR: message", arrays as [..], null as "nil". */
    private static String reply(Jedis j, String... args) {
        try {
            byte[][] a = new byte[args.length - 1][];
            for (int i = 1; i < args.length; i++) {
                a[i - 1] = SafeEncoder.encode(args[i]);
            }
            return render(j.sendCommand(() -> SafeEncoder.encode(args[0]), a));
        } catch (JedisDataException e) {
            return "ERR: " + e.getMessage();
        }
    }

    private static String render(Object o) {
        if (o == null) {
            return "nil";
        }
        if (o instanceof byte[]) {
            return SafeEncoder.encode((byte[]) o);
        }
        if (o instanceof List) {
            List<String> parts = new ArrayList<>();
            for (Object x : (List<?>) o) {
                parts.add(x instanceof JedisDataException ? "ERR: " + ((JedisDataException) x).getMessage() : render(x));
            }
            return parts.toString();
        }
        return String.valueOf(o);
    }

    private static Map<String, String> info(Jedis j, String section) {
        return Cmd.info(j, section);
    }

    /**
     * Sends {@code count} commands made by {@code command} in pipelined batches until one is
     * refused; returns the number that succeeded before the first refusal and that refusal (or null).
     */
    private static Object[] fillUntilRefused(Jedis j, int from, int count, java.util.function.BiConsumer<Pipeline, Integer> command) {
        int ok = 0;
        for (int start = from; start < from + count; start += 500) {
            Pipeline p = j.pipelined();
            int end = Math.min(from + count, start + 500);
            for (int i = start; i < end; i++) {
                command.accept(p, i);
            }
            for (Object r : p.syncAndReturnAll()) {
                if (r instanceof JedisDataException) {
                    return new Object[] {ok, r};
                }
                ok++;
            }
        }
        return new Object[] {ok, null};
    }

    /** Two clients against one server: what a transaction sees when another client changes the limit. */
    private static List<String> transactionScenario(Jedis c1, Jedis c2) {
        List<String> out = new ArrayList<>();
        out.add(reply(c2, "CONFIG", "SET", "maxmemory-policy", "noeviction"));
        out.add(reply(c2, "SET", "q", "1"));
        // EXEC of a transaction holding a denyoom command is refused while out of memory ...
        out.add(reply(c1, "MULTI"));
        out.add(reply(c1, "SET", "q", "2"));
        out.add(reply(c1, "GET", "q"));
        out.add(reply(c2, "CONFIG", "SET", "maxmemory", "1"));
        out.add(reply(c1, "EXEC"));
        out.add(reply(c1, "GET", "q"));
        // ... one of reads only runs.
        out.add(reply(c2, "CONFIG", "SET", "maxmemory", "0"));
        out.add(reply(c1, "MULTI"));
        out.add(reply(c1, "GET", "q"));
        out.add(reply(c1, "DEL", "q"));
        out.add(reply(c2, "CONFIG", "SET", "maxmemory", "1"));
        out.add(reply(c1, "EXEC"));
        // Eviction is a change of the key for WATCH.
        out.add(reply(c2, "CONFIG", "SET", "maxmemory", "0"));
        out.add(reply(c2, "SET", "w", "1"));
        out.add(reply(c1, "WATCH", "w"));
        out.add(reply(c2, "CONFIG", "SET", "maxmemory-policy", "allkeys-random"));
        out.add(reply(c2, "CONFIG", "SET", "maxmemory", "1"));
        out.add(reply(c2, "PING")); // evicts every key
        out.add(reply(c2, "CONFIG", "SET", "maxmemory", "0"));
        out.add(reply(c2, "EXISTS", "w"));
        out.add(reply(c1, "MULTI"));
        out.add(reply(c1, "SET", "w", "2"));
        out.add(reply(c1, "EXEC"));
        out.add(reply(c2, "CONFIG", "SET", "maxmemory-policy", "noeviction"));
        return out;
    }

    @Test
    void transactionsAndWatchAsRedis() {
        List<String> podis;
        try (TestServer s = TestServer.start(); Jedis c1 = s.jedis(); Jedis c2 = s.jedis()) {
            podis = transactionScenario(c1, c2);
            assertEquals("1", info(c2, "stats").get("evicted_keys"));
        }
        assertEquals("ERR: EXECABORT Transaction discarded because of: " + OOM, podis.get(6));
        assertEquals("nil", podis.get(24), "the evicted watched key fails the transaction");
        try (RealRedis redis = RealRedis.start()) {
            if (redis == null) {
                return; // compared with Redis where it is installed (CI installs it)
            }
            try (Jedis c1 = new Jedis("127.0.0.1", redis.port()); Jedis c2 = new Jedis("127.0.0.1", redis.port())) {
                assertEquals(transactionScenario(c1, c2), podis);
            }
        }
    }

    @Test
    void noevictionRefusesWritesUntilMemoryIsFreed() {
        try (TestServer s = TestServer.start(Map.of("maxmemory", "4mb")); Jedis j = s.jedis()) {
            String value = "x".repeat(1000);
            Object[] fill = fillUntilRefused(j, 0, 100_000, (p, i) -> p.set("k" + i, value));
            int stored = (int) fill[0];
            assertNotNull(fill[1], "4 MB cannot hold 100 MB");
            assertEquals(OOM, ((JedisDataException) fill[1]).getMessage());
            Map<String, String> mem = info(j, "memory");
            assertTrue(Long.parseLong(mem.get("used_memory")) > 4L << 20, mem.get("used_memory"));
            assertEquals("noeviction", mem.get("maxmemory_policy"));
            assertTrue(j.dbSize() >= stored, "every write before the first refusal was kept"); // a batch goes on after it
            assertEquals(value, j.get("k0"), "reads still run");
            assertEquals(OOM, assertThrows(JedisDataException.class, () -> j.lpush("list", "a")).getMessage());
            assertEquals(0, j.exists("list") ? 1 : 0);
            // Deleting (not denyoom) frees memory, and writes run again.
            Pipeline p = j.pipelined();
            for (int i = 0; i < stored / 2; i++) {
                p.del("k" + i);
            }
            p.sync();
            assertEquals("OK", j.set("again", "v"));
            assertEquals("0", info(j, "stats").get("evicted_keys"));
        }
    }

    @Test
    void allkeysLruFillsFarPastMaxmemory() {
        long max = 4L << 20;
        try (TestServer s = TestServer.start(Map.of("maxmemory", Long.toString(max), "maxmemory-policy", "allkeys-lru"));
             Jedis j = s.jedis()) {
            String value = "v".repeat(1000);
            int n = 20_000; // 20 MB of values, five times the limit
            assertNull(fillUntilRefused(j, 0, n, (p, i) -> p.set("key:" + i, value))[1]);
            Map<String, String> mem = info(j, "memory");
            long used = Long.parseLong(mem.get("used_memory"));
            assertTrue(used <= max + 64 * 1024, "used_memory " + used + " stays at maxmemory " + max);
            long evicted = Long.parseLong(info(j, "stats").get("evicted_keys"));
            assertTrue(evicted > n / 2, evicted + " keys evicted");
            assertEquals(n - evicted, j.dbSize());
            // Which keys go is the storage tests' business (EvictionTest, with a clock of their own):
            // here all of them are less than a second old, the LRU clock's resolution.
        }
    }

    @Test
    void allkeysLfuKeepsTheFrequentlyReadKeys() {
        // No decay: the LFU clock counts minutes, and a minute that ends during the test took one
        // from every counter (the hot keys' 6 became the cold keys' 5, and hot keys were evicted).
        try (TestServer s = TestServer.start(Map.of("maxmemory", "4mb", "maxmemory-policy", "allkeys-lfu",
                "lfu-decay-time", "0"));
             Jedis j = s.jedis()) {
            String value = "v".repeat(1000);
            assertNull(fillUntilRefused(j, 0, 200, (p, i) -> p.set("hot:" + i, value))[1]);
            assertNull(fillUntilRefused(j, 0, 2000, (p, i) -> p.get("hot:" + (i % 200)))[1]); // ten reads each
            assertNull(fillUntilRefused(j, 0, 20_000, (p, i) -> p.set("cold:" + i, value))[1]);
            assertTrue(Long.parseLong(info(j, "stats").get("evicted_keys")) > 10_000);
            for (int i = 0; i < 200; i++) {
                assertTrue(j.objectFreq("hot:" + i) >= 6, "hot:" + i + " was evicted or not counted");
            }
        }
    }

    /**
     * Mean OBJECT FREQ of 100 keys read 300 times each, with the default lfu-log-factor 10, without
     * decay (a minute starting during one of the runs would take one off every counter).
     */
    private static double meanFrequencyAfterReads(Jedis j) {
        j.configSet("maxmemory", "100mb");
        j.configSet("maxmemory-policy", "allkeys-lfu");
        j.configSet("lfu-decay-time", "0");
        Pipeline p = j.pipelined();
        for (int k = 0; k < 100; k++) {
            p.set("f:" + k, "v");
        }
        for (int i = 0; i < 300; i++) {
            for (int k = 0; k < 100; k++) {
                p.get("f:" + k);
            }
        }
        p.sync();
        double sum = 0;
        for (int k = 0; k < 100; k++) {
            sum += j.objectFreq("f:" + k);
        }
        j.configSet("maxmemory", "0");
        j.configSet("maxmemory-policy", "noeviction");
        j.configSet("lfu-decay-time", "1");
        return sum / 100;
    }

    @Test
    void lfuCounterGrowsAsRedisDoes() {
        double podis;
        try (TestServer s = TestServer.start(); Jedis j = s.jedis()) {
            podis = meanFrequencyAfterReads(j);
        }
        // 300 reads: Redis's LFULogIncr gives 12.97 on average, a mean of 100 counters varies by 0.16
        // (simulated); the same against a real Redis, whose mean varies as much.
        assertEquals(12.97, podis, 0.8, "mean OBJECT FREQ");
        try (RealRedis redis = RealRedis.start()) {
            if (redis == null) {
                return;
            }
            try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
                double real = meanFrequencyAfterReads(j);
                System.out.printf("[lfu] mean OBJECT FREQ after 300 reads: Podis %.2f, Redis %.2f%n", podis, real);
                assertEquals(real, podis, 1.0, "Redis's mean OBJECT FREQ " + real + ", Podis's " + podis);
            }
        }
    }

    @Test
    void volatileLruEvictsOnlyKeysWithATtlThenRefuses() {
        try (TestServer s = TestServer.start(Map.of("maxmemory", "4mb", "maxmemory-policy", "volatile-lru"));
             Jedis j = s.jedis()) {
            String value = "v".repeat(1000);
            assertNull(fillUntilRefused(j, 0, 1000, (p, i) -> p.set("p" + i, value))[1]); // 1 MB without a TTL
            // 10 MB with a TTL: the least recently used of them go.
            assertNull(fillUntilRefused(j, 0, 10_000, (p, i) -> p.setex("t" + i, 3600, value))[1]);
            long evicted = Long.parseLong(info(j, "stats").get("evicted_keys"));
            assertTrue(evicted > 5000, evicted + " evicted");
            for (int i = 0; i < 1000; i++) {
                assertTrue(j.exists("p" + i), "p" + i + " has no TTL and stays");
            }
            assertTrue(j.exists("t9999"));
            // Keys without a TTL cannot make room: once the volatile ones are gone, writes are refused.
            Object[] fill = fillUntilRefused(j, 1000, 20_000, (p, i) -> p.set("p" + i, value));
            assertNotNull(fill[1]);
            assertEquals(OOM, ((JedisDataException) fill[1]).getMessage());
            assertTrue(info(j, "keyspace").get("db0").contains("expires=0,"), info(j, "keyspace").get("db0"));
        }
    }

    @Test
    void collectionsCountAgainstMaxmemory() {
        long max = 2L << 20;
        try (TestServer s = TestServer.start(Map.of("maxmemory", Long.toString(max), "maxmemory-policy", "allkeys-lru"));
             Jedis j = s.jedis()) {
            String value = "v".repeat(50);
            Pipeline p = j.pipelined();
            for (int h = 0; h < 200; h++) { // about 36 KB each, 7 MB in all: heap objects, not off-heap entries
                for (int f = 0; f < 400; f++) {
                    p.hset("hash:" + h, "field:" + f, value);
                }
                p.rpush("list:" + h, value, value, value, value);
            }
            for (Object r : p.syncAndReturnAll()) {
                assertFalse(r instanceof JedisDataException, String.valueOf(r));
            }
            Map<String, String> mem = info(j, "memory");
            long used = Long.parseLong(mem.get("used_memory"));
            assertTrue(used <= max + 128 * 1024, "used_memory " + used);
            assertTrue(Long.parseLong(mem.get("podis_used_memory_heap")) > max / 2, "the hashes are on the heap: " + mem);
            long evicted = Long.parseLong(info(j, "stats").get("evicted_keys"));
            assertTrue(evicted > 150, evicted + " evicted");
            assertEquals(400, j.hlen("hash:199"));
        }
    }

    @Test
    void infoAndMetricsShowTheLimitAndTheEvictions() throws Exception {
        try (TestServer s = TestServer.start(Map.of("maxmemory", "2mb", "maxmemory-policy", "allkeys-random",
                "admin-port", "0")); Jedis j = s.jedis()) {
            String value = "v".repeat(500);
            assertNull(fillUntilRefused(j, 0, 20_000, (p, i) -> p.set("k" + i, value))[1]);
            Map<String, String> mem = info(j, "memory");
            assertEquals("2097152", mem.get("maxmemory"));
            assertEquals("2.00M", mem.get("maxmemory_human"));
            assertEquals("allkeys-random", mem.get("maxmemory_policy"));
            assertEquals("0", mem.get("mem_not_counted_for_evict"));
            assertEquals("config", mem.get("podis_maxmemory_source"));
            long used = Long.parseLong(mem.get("used_memory"));
            assertEquals(used, Long.parseLong(mem.get("podis_used_memory_offheap")) + Long.parseLong(mem.get("podis_used_memory_heap")));
            String evicted = info(j, "stats").get("evicted_keys");
            assertTrue(Long.parseLong(evicted) > 10_000, evicted);
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + s.server().adminPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("\nredis_memory_max_bytes 2097152.0\n"), "redis_memory_max_bytes");
            assertTrue(r.body().contains("\nredis_evicted_keys_total " + evicted + ".0\n"), "redis_evicted_keys_total " + evicted);
            // CONFIG SET applies at once; 0 turns the limit off (no container limit in-process).
            j.configSet("maxmemory-policy", "allkeys-lfu");
            j.configSet("maxmemory", "0");
            mem = info(j, "memory");
            assertEquals("0", mem.get("maxmemory"));
            assertEquals("none", mem.get("podis_maxmemory_source"));
            assertEquals("allkeys-lfu", mem.get("maxmemory_policy"));
        }
    }
}
