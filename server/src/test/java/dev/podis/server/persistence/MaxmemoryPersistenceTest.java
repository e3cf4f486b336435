package dev.podis.server.persistence;

import dev.podis.server.TestServer;
import dev.podis.server.commands.Cmd;
import dev.podis.server.diff.RedisProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * maxmemory and persistence: evicted keys leave the same traces as in a real redis-server
 * ({@code DEL} in the AOF, {@code UNLINK} under {@code lazyfree-lazy-eviction}, an {@code evicted}
 * keyspace event, INFO {@code evicted_keys}); the memory accounting comes back the same after
 * DEBUG RELOAD and restarts from the RDB or the AOF, and after FLUSHALL; RESTORE's FREQ and
 * IDLETIME and the RDB's access data show in OBJECT FREQ/IDLETIME as in Redis.
 */
class MaxmemoryPersistenceTest {
    @TempDir
    Path podisDir;
    @TempDir
    Path redisDir;

    private static final List<String[]> SCRIPT = List.of(
            new String[] {"CONFIG", "SET", "notify-keyspace-events", "Ee"},
            new String[] {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"},
            new String[] {"SET", "a", "1"},
            new String[] {"CONFIG", "SET", "maxmemory", "1"},
            new String[] {"CONFIG", "SET", "maxmemory", "0"},
            new String[] {"CONFIG", "SET", "lazyfree-lazy-eviction", "yes"},
            new String[] {"HSET", "h", "f", "v"},
            new String[] {"CONFIG", "SET", "maxmemory", "1"},
            new String[] {"CONFIG", "SET", "maxmemory", "0"},
            new String[] {"CONFIG", "SET", "lazyfree-lazy-eviction", "no"},
            new String[] {"XADD", "s", "1-1", "f", "v"},
            new String[] {"CONFIG", "SET", "maxmemory", "1"},
            new String[] {"CONFIG", "SET", "maxmemory", "0"},
            new String[] {"SET", "z", "1"});

    /**
     * Runs the script; returns the AOF's commands, then the events heard, then evicted_keys. One key
     * is evicted at a time (a CONFIG SET of a tiny maxmemory evicts inside that command, in both
     * servers), so the order is Redis's.
     */
    private static List<String> record(int port, Path aofDir) throws Exception {
        List<String> heard = new ArrayList<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onSubscribe(String channel, int count) {
                if (count == 2) {
                    subscribed.countDown();
                }
            }

            @Override
            public void onMessage(String channel, String message) {
                if (channel.equals("marker")) {
                    unsubscribe();
                    done.countDown();
                } else {
                    synchronized (heard) {
                        heard.add(channel + " " + message);
                    }
                }
            }
        };
        Thread t = new Thread(() -> {
            try (Jedis sub = new Jedis("127.0.0.1", port, 30_000)) {
                sub.subscribe(listener, "__keyevent@0__:evicted", "marker");
            }
        });
        t.start();
        List<String> out = new ArrayList<>();
        try (Jedis j = new Jedis("127.0.0.1", port, 30_000)) {
            assertTrue(subscribed.await(10, TimeUnit.SECONDS));
            for (String[] argv : SCRIPT) {
                Cmd.run(j, argv);
            }
            j.publish("marker", "end");
            assertTrue(done.await(10, TimeUnit.SECONDS));
            for (List<String> c : AofTestSupport.incrCommands(aofDir)) {
                out.add("aof: " + String.join(" ", c));
            }
            synchronized (heard) {
                for (String h : heard) {
                    out.add("event: " + h);
                }
            }
            out.add("evicted_keys:" + Cmd.info(j, "stats").get("evicted_keys"));
        }
        t.join(10_000);
        return out;
    }

    @Test
    void evictionsReachTheAofAndTheNotificationsAsInRedis() throws Exception {
        // appendfsync always on both: under everysec Redis may postpone its AOF write (while a
        // background fsync runs) and still reply, so the file read right after the replies could
        // miss the last commands on a busy machine.
        List<String> actual;
        try (TestServer podis = AofTestSupport.podis(podisDir, "appendonly", "yes", "appendfsync", "always")) {
            actual = record(podis.port(), podisDir.resolve("appendonlydir"));
        }
        assertEquals(List.of("aof: SELECT 0", "aof: SET a 1", "aof: DEL a", "aof: HSET h f v", "aof: UNLINK h",
                "aof: XADD s 1-1 f v", "aof: DEL s", "aof: SET z 1",
                "event: __keyevent@0__:evicted a", "event: __keyevent@0__:evicted h", "event: __keyevent@0__:evicted s",
                "evicted_keys:3"), actual);
        Assumptions.assumeTrue(RedisProcess.findExecutable() != null, "redis-server is not installed");
        try (RedisProcess redis = RedisProcess.startIn(redisDir, "--appendonly", "yes", "--appendfsync", "always", "--save", "")) {
            assertEquals(record(redis.port(), redisDir.resolve("appendonlydir")), actual);
        }
    }

    private static long usedMemory(Jedis j) {
        return Long.parseLong(Cmd.info(j, "memory").get("used_memory"));
    }

    /** Strings, hashes, lists, sets, sorted sets and HyperLogLogs (streams are not in RDB files yet). */
    private static void fill(Jedis j) {
        redis.clients.jedis.Pipeline p = j.pipelined();
        for (int i = 0; i < 300; i++) {
            p.set("s:" + i, "v".repeat(100));
            for (int f = 0; f < 50; f++) {
                p.hset("h:" + i, "field:" + f, "value:" + f);
            }
            p.rpush("l:" + i, "a".repeat(200), "b".repeat(200), "c");
            p.sadd("set:" + i, "x", "y", "z" + i);
            p.zadd("z:" + i, i, "m" + i);
            p.pfadd("hll:" + i, "a", "b", "c" + i);
        }
        p.sync();
    }

    private static void assertNear(long expected, long actual, String what) {
        assertTrue(Math.abs(actual - expected) <= expected / 10, what + ": " + expected + " -> " + actual);
    }

    @Test
    void accountingComesBackAfterReloadRestartAndFlush() throws Exception {
        long empty;
        long full;
        try (TestServer podis = AofTestSupport.podis(podisDir);
             Jedis j = new Jedis("127.0.0.1", podis.port(), 30_000)) {
            empty = usedMemory(j);
            fill(j);
            full = usedMemory(j);
            assertTrue(full - empty > 300 * 50 * 20, "the collections count: " + empty + " -> " + full);
            assertEquals("OK", Cmd.run(j, "DEBUG", "RELOAD"));
            assertNear(full, usedMemory(j), "DEBUG RELOAD");
            assertEquals("OK", j.save());
        }
        try (TestServer podis = AofTestSupport.podis(podisDir);
             Jedis j = new Jedis("127.0.0.1", podis.port(), 30_000)) {
            assertEquals(1800, j.dbSize());
            assertNear(full, usedMemory(j), "restart from the RDB");
            assertEquals("OK", j.flushAll());
            assertEquals(empty, usedMemory(j), "FLUSHALL");
            j.configSet("appendonly", "yes");
            AofTestSupport.awaitRewrite(j);
            fill(j);
            assertNear(full, usedMemory(j), "filled again");
        }
        try (TestServer podis = AofTestSupport.podis(podisDir, "appendonly", "yes");
             Jedis j = new Jedis("127.0.0.1", podis.port(), 30_000)) {
            assertEquals(1800, j.dbSize());
            assertNear(full, usedMemory(j), "restart from the AOF");
        }
    }

    /** RESTORE with FREQ / IDLETIME, then DEBUG RELOAD (the RDB carries the access data under an LFU or LRU policy). */
    private static List<Object> accessData(Jedis j) {
        List<Object> out = new ArrayList<>();
        j.set("k", "v");
        byte[] dump = j.dump("k");
        out.add(Cmd.run(j, "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"));
        out.add(j.restore("f1".getBytes(), 0, dump, redis.clients.jedis.params.RestoreParams.restoreParams().frequency(100)));
        out.add(Cmd.run(j, "OBJECT", "FREQ", "f1"));
        j.hset("hf", "a", "b");
        byte[] hdump = j.dump("hf");
        out.add(j.restore("f2".getBytes(), 0, hdump, redis.clients.jedis.params.RestoreParams.restoreParams().frequency(7)));
        out.add(Cmd.run(j, "OBJECT", "FREQ", "f2"));
        out.add(Cmd.run(j, "DEBUG", "RELOAD"));
        out.add(Cmd.run(j, "OBJECT", "FREQ", "f1"));
        out.add(Cmd.run(j, "OBJECT", "FREQ", "f2"));
        out.add(Cmd.run(j, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru"));
        out.add(j.restore("i1".getBytes(), 0, dump, redis.clients.jedis.params.RestoreParams.restoreParams().idleTime(1000)));
        out.add(j.restore("i2".getBytes(), 0, hdump, redis.clients.jedis.params.RestoreParams.restoreParams().idleTime(50000)));
        out.add(Cmd.run(j, "DEBUG", "RELOAD"));
        for (String k : new String[] {"i1", "i2"}) {
            long idle = (Long) Cmd.run(j, "OBJECT", "IDLETIME", k);
            out.add(k + (idle >= 1000 && idle <= 1002 || idle >= 50000 && idle <= 50002 ? " idle as restored" : " idle " + idle));
        }
        out.add(Cmd.run(j, "CONFIG", "SET", "maxmemory-policy", "noeviction"));
        return out;
    }

    @Test
    void restoredAndReloadedAccessDataAsInRedis() throws Exception {
        List<Object> actual;
        try (TestServer podis = AofTestSupport.podis(podisDir);
             Jedis j = new Jedis("127.0.0.1", podis.port(), 30_000)) {
            actual = accessData(j);
        }
        assertEquals("[OK, OK, 100, OK, 7, OK, 100, 7, OK, OK, OK, OK, i1 idle as restored, i2 idle as restored, OK]",
                String.valueOf(actual));
        Assumptions.assumeTrue(RedisProcess.findExecutable() != null, "redis-server is not installed");
        try (RedisProcess redis = RedisProcess.startIn(redisDir, "--save", "", "--enable-debug-command", "yes");
             Jedis j = new Jedis("127.0.0.1", redis.port(), 30_000)) {
            assertEquals(String.valueOf(accessData(j)), String.valueOf(actual));
        }
    }
}
