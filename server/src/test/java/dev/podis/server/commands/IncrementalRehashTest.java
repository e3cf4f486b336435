package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sets, hashes and sorted sets large enough that their hash tables resize incrementally (from
 * 8192 slots, about 6K members), driven over TCP through grows and shrinks while SSCAN / HSCAN /
 * ZSCAN iterate and random picks run, against java.util models kept by the test.
 */
class IncrementalRehashTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Fills {@code key} with members m0..m(n-1) in one pipeline. */
    private static void fill(Jedis j, String type, String key, int n, Map<String, String> model) {
        Pipeline p = j.pipelined();
        for (int i = 0; i < n; i++) {
            String m = "m" + i;
            add(p, type, key, m);
            model.put(m, value(type, m));
        }
        p.sync();
    }

    private static String value(String type, String m) {
        return type.equals("set") ? "" : type.equals("hash") ? "v" + m : String.valueOf(m.hashCode() % 1000);
    }

    private static void add(Pipeline p, String type, String key, String m) {
        switch (type) {
            case "set" -> p.sadd(key, m);
            case "hash" -> p.hset(key, m, value(type, m));
            default -> p.zadd(key, Double.parseDouble(value(type, m)), m);
        }
    }

    private static long add(Jedis j, String type, String key, String m) {
        return switch (type) {
            case "set" -> j.sadd(key, m);
            case "hash" -> j.hset(key, m, value(type, m));
            default -> j.zadd(key, Double.parseDouble(value(type, m)), m);
        };
    }

    private static long remove(Jedis j, String type, String key, String m) {
        return switch (type) {
            case "set" -> j.srem(key, m);
            case "hash" -> j.hdel(key, m);
            default -> j.zrem(key, m);
        };
    }

    private static boolean contains(Jedis j, String type, String key, String m) {
        return switch (type) {
            case "set" -> j.sismember(key, m);
            case "hash" -> j.hexists(key, m);
            default -> j.zscore(key, m) != null;
        };
    }

    /** One scan step: puts what it returns into {@code seen}, returns the next cursor. */
    private static String scan(Jedis j, String type, String key, String cursor, Map<String, String> seen) {
        ScanParams count = new ScanParams().count(10);
        switch (type) {
            case "set" -> {
                ScanResult<String> r = j.sscan(key, cursor, count);
                r.getResult().forEach(m -> seen.put(m, ""));
                return r.getCursor();
            }
            case "hash" -> {
                ScanResult<Map.Entry<String, String>> r = j.hscan(key, cursor, count);
                r.getResult().forEach(e -> seen.put(e.getKey(), e.getValue()));
                return r.getCursor();
            }
            default -> {
                ScanResult<Tuple> r = j.zscan(key, cursor, count);
                r.getResult().forEach(t -> seen.put(t.getElement(), String.valueOf((long) t.getScore())));
                return r.getCursor();
            }
        }
    }

    private static Map<String, String> all(Jedis j, String type, String key) {
        Map<String, String> out = new HashMap<>();
        switch (type) {
            case "set" -> j.smembers(key).forEach(m -> out.put(m, ""));
            case "hash" -> out.putAll(j.hgetAll(key));
            default -> j.zrangeWithScores(key, 0, -1).forEach(t -> out.put(t.getElement(), String.valueOf((long) t.getScore())));
        }
        return out;
    }

    private static List<String> randomPicks(Jedis j, String type, String key, int n) {
        return switch (type) {
            case "set" -> j.srandmember(key, n);
            case "hash" -> j.hrandfield(key, n);
            default -> j.zrandmember(key, n);
        };
    }

    /**
     * Scans {@code key} while growing it by four members per step (through the migration at 6K
     * members), then while shrinking it by sixteen (through the one below 2K), with lookups and random picks between steps.
     */
    private void growAndShrinkWhileScanning(String type) {
        String key = type + "-rehash";
        Random rnd = new Random(type.hashCode());
        try (Jedis j = server.jedis()) {
            j.del(key);
            Map<String, String> model = new HashMap<>();
            fill(j, type, key, 5_500, model);
            for (int round = 0; round < 2; round++) {
                boolean grow = round == 0;
                Set<String> always = new HashSet<>(model.keySet());
                Map<String, String> seen = new HashMap<>();
                List<String> members = new ArrayList<>(model.keySet());
                int next = 0;
                String cursor = "0";
                int steps = 0;
                do {
                    cursor = scan(j, type, key, cursor, seen);
                    steps++;
                    if (grow) {
                        for (int k = 0; k < 4; k++) {
                            String m = "g" + steps + "." + k;
                            assertEquals(1L, add(j, type, key, m));
                            model.put(m, value(type, m));
                        }
                    } else if (model.size() > 500) {
                        for (int k = 0; k < 16; k++) {
                            String m = members.get(next++);
                            assertEquals(model.remove(m) != null ? 1L : 0L, remove(j, type, key, m));
                            always.remove(m);
                        }
                    }
                    String probe = "m" + rnd.nextInt(6000);
                    assertEquals(model.containsKey(probe), contains(j, type, key, probe), probe);
                    if (steps % 50 == 0) {
                        for (String m : randomPicks(j, type, key, 5)) {
                            assertTrue(model.containsKey(m), "random pick " + m);
                        }
                    }
                } while (!cursor.equals("0"));
                for (String m : always) {
                    assertEquals(model.get(m), seen.get(m), "scan missed or misreported " + m);
                }
                for (Map.Entry<String, String> e : seen.entrySet()) {
                    assertTrue(e.getKey().startsWith("m") || e.getKey().startsWith("g"), e.getKey());
                }
                assertEquals(model, all(j, type, key));
                // crossed a resize of 8192 slots (grow) or of 16384 (shrink): both incremental
                assertTrue(grow ? model.size() > 6_500 : model.size() < 2_000, "size " + model.size());
            }
        }
    }

    @Test
    void setGrowsAndShrinksWhileScanned() {
        growAndShrinkWhileScanning("set");
    }

    @Test
    void hashGrowsAndShrinksWhileScanned() {
        growAndShrinkWhileScanning("hash");
    }

    @Test
    void sortedSetGrowsAndShrinksWhileScanned() {
        growAndShrinkWhileScanning("zset");
    }

    @Test
    void spopTakesEveryMemberOnceThroughMigrations() {
        try (Jedis j = server.jedis()) {
            j.del("pop");
            Map<String, String> model = new HashMap<>();
            fill(j, "set", "pop", 40_000, model);
            Set<String> popped = new HashSet<>();
            while (!model.isEmpty()) {
                for (String m : j.spop("pop", 97)) {
                    assertTrue(model.remove(m) != null, "popped " + m + " twice or never added");
                    popped.add(m);
                }
                assertEquals(model.size(), j.scard("pop"));
            }
            assertEquals(40_000, popped.size());
            assertFalse(j.exists("pop"));
        }
    }

    /**
     * Enough collections (and keys with a TTL) that the heap index of collections and the expiry
     * index resize incrementally (from 8192 entries): every key stays reachable and SCAN returns
     * every key present for the whole iteration.
     */
    @Test
    void keyspaceIndexesResizeWhileScanned() {
        try (Jedis j = server.jedis()) {
            j.flushAll();
            Set<String> model = new HashSet<>();
            Pipeline p = j.pipelined();
            for (int i = 0; i < 8_150; i++) { // the indexes grow incrementally at 8193
                p.sadd("set:" + i, "a", "b");
                p.pexpire("set:" + i, 3_600_000);
                model.add("set:" + i);
            }
            p.sync();
            Set<String> always = new HashSet<>(model);
            Set<String> seen = new HashSet<>();
            Random rnd = new Random(61);
            String cursor = "0";
            boolean scanning = true;
            int added = 0;
            // one full SCAN, and writes until well past the resize however few steps the SCAN takes
            while (scanning || added < 1_200) {
                if (scanning) {
                    ScanResult<String> r = j.scan(cursor, new ScanParams().count(20));
                    seen.addAll(r.getResult());
                    cursor = r.getCursor();
                    scanning = !cursor.equals("0");
                }
                for (int k = 0; k < 8; k++) {
                    String key = "new:" + added++;
                    j.hset(key, "f", "v");
                    j.expire(key, 3600);
                    model.add(key);
                }
                String victim = "set:" + rnd.nextInt(8_150);
                if (model.remove(victim)) {
                    if (scanning) {
                        always.remove(victim);
                    }
                    assertEquals(1L, j.del(victim));
                }
                String probe = "set:" + rnd.nextInt(8_150);
                assertEquals(model.contains(probe), j.sismember(probe, "a"), probe);
                assertEquals(model.contains(probe) ? 1L : 0L, j.exists(probe) ? 1L : 0L);
            }
            for (String k : always) {
                assertTrue(seen.contains(k), "SCAN missed " + k);
            }
            assertEquals(model.size(), j.dbSize());
            assertEquals(model, j.keys("*"));
            String info = j.info("keyspace");
            assertTrue(info.contains("keys=" + model.size() + ",expires=" + model.size() + ","), info);
        }
    }
}
