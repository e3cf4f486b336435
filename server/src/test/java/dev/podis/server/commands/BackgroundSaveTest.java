package dev.podis.server.commands;

import dev.podis.Podis;
import dev.podis.storage.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.podis.server.commands.RdbInteropTest.awaitReady;
import static dev.podis.server.commands.RdbInteropTest.call;
import static dev.podis.server.commands.RdbInteropTest.digest;
import static dev.podis.server.commands.RdbInteropTest.populate;
import static dev.podis.server.commands.RdbInteropTest.reply;
import static dev.podis.server.commands.RdbInteropTest.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * BGSAVE on fork-less snapshots: the file holds the dataset as it was when BGSAVE started, whatever
 * clients write meanwhile (checked by redis-check-rdb, and by loading it into a real redis-server
 * and into Podis and comparing DEBUG DIGEST); BGSAVE's replies and INFO fields as Redis's.
 */
class BackgroundSaveTest {
    static Map<String, String> info(Jedis j) {
        Map<String, String> out = new TreeMap<>();
        for (String line : str(call(j, "INFO", "persistence")).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return out;
    }

    /** Waits (polling INFO) until no background save runs; returns its status. */
    static String awaitBgsave(Jedis j) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Map<String, String> i = info(j);
            if (i.get("rdb_bgsave_in_progress").equals("0")) {
                return i.get("rdb_last_bgsave_status");
            }
            assertTrue(System.nanoTime() < deadline, "BGSAVE did not finish: " + i);
            Thread.sleep(10);
        }
    }

    static void checkRdb(Path file) throws Exception {
        Process check = new ProcessBuilder("redis-check-rdb", file.toString()).redirectErrorStream(true).start();
        String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, check.waitFor(), report);
        assertTrue(report.contains("RDB looks OK"), report);
    }

    /** Strings of 100 bytes under bulk:<i> in databases 0-3, through a pipeline. */
    static void bulk(Jedis j, int keys) {
        Pipeline p = j.pipelined();
        for (int db = 0; db < 4; db++) {
            p.select(db);
            for (int i = db; i < keys; i += 4) {
                p.set("bulk:" + i, "v" + i + "-" + "x".repeat(90));
            }
        }
        p.select(0);
        // counters: from the third INCR on changed in place, their digits written only when read
        for (int i = 0; i < keys; i += 50) {
            for (int n = 0; n < 4; n++) {
                p.incrBy("counter:" + i, i - 3);
            }
        }
        p.sync();
    }

    /** Overwrites, deletes, creates, changes collections in place, expires, flushes and swaps. */
    static void writeEverything(Jedis j, int keys) {
        Pipeline p = j.pipelined();
        for (int db = 0; db < 4; db++) {
            p.select(db);
            for (int i = db; i < keys; i += 4) {
                switch (i % 10) {
                    case 0, 1, 2 -> p.set("bulk:" + i, "overwritten " + i);
                    case 3 -> p.del("bulk:" + i);
                    case 4 -> p.set("new:" + i, "created");
                    case 5 -> p.pexpire("bulk:" + i, 100_000_000);
                    case 6 -> p.append("bulk:" + i, "+");
                    default -> { }
                }
            }
        }
        p.select(1);
        p.rpush("list:big", "pushed");
        p.lpop("list:small");
        p.lset("list:plain", 1, "replaced");
        p.select(2);
        p.sadd("set:big", "added");
        p.srem("set:ints", "2");
        p.sadd("set:fresh", "a");
        p.select(3);
        p.zadd("zset:big", 1e6, "top");
        p.zrem("zset:small", "a");
        p.select(4);
        p.hset("hash:big", "field1", "changed");
        p.hdel("hash:big", "field2");
        p.del("hash:small");
        p.rename("hash:long", "hash:renamed");
        p.hset("hash:renamed", "f", "changed after rename");
        p.select(9);
        p.sendCommand(redis.clients.jedis.Protocol.Command.FLUSHDB, new String[0]);
        p.set("other-db", "after flush");
        p.sendCommand(redis.clients.jedis.Protocol.Command.SWAPDB, "2", "3");
        p.select(0);
        for (int i = 0; i < keys; i += 50) {
            p.incrBy("counter:" + i, 7);
            p.decr("counter:" + i);
        }
        p.sync();
    }

    @ParameterizedTest
    @ValueSource(strings = {"offheap", "heap"})
    void theFileHoldsTheDatasetAsItWasWhenBgsaveStarted(String backend, @TempDir Path dir) throws Exception {
        RealRedis probe = RealRedis.start();
        assumeTrue(probe != null, "redis-server is not installed");
        probe.close();
        int keys = 20_000;
        String before;
        long copies;
        // maxmemory: small first maps (an off-heap map sized for the machine takes long to create on a busy one)
        try (Podis p = Podis.builder().config("keyspace-backend", backend).config("enable-debug-command", "yes")
                .config("maxmemory", "256mb").config("snapshot-buffer-size", "65536").dataDir(dir).build().start();
             Jedis j = new Jedis(p.host(), p.port(), 30_000); Jedis w = new Jedis(p.host(), p.port(), 30_000)) {
            populate(j);
            bulk(j, keys);
            before = digest(j);
            // Worth the same after these, but with their digits not written yet when BGSAVE starts.
            Pipeline same = j.pipelined();
            for (int i = 0; i < keys; i += 50) {
                same.incr("counter:" + i);
                same.decr("counter:" + i);
            }
            same.sync();
            // The writer thread takes ~25 µs per key: the walk waits for it with 64 KB in flight, so
            // almost every key is still ahead of the walk when the writes below come.
            call(j, "CONFIG", "SET", "rdb-key-save-delay", "25");
            assertEquals("Background saving started", str(call(j, "BGSAVE")));
            writeEverything(w, keys);
            Snapshot s = p.server().context().persistence().backgroundSave().snapshot();
            assertNotNull(s, "the writes came while BGSAVE ran");
            assertFalse(s.walkComplete(), "the writes came before the walk ended");
            call(j, "CONFIG", "SET", "rdb-key-save-delay", "0");
            assertEquals("ok", awaitBgsave(j));
            copies = s.keysCopiedOnWrite();
            assertTrue(copies > keys / 4, "old values copied before the writes: " + copies);
            assertNotEquals(before, digest(j));
        }
        Path file = dir.resolve("dump.rdb");
        checkRdb(file);
        RealRedis loaded = RealRedis.start(dir, "dump.rdb");
        assertNotNull(loaded, "redis-server refused the file");
        try (loaded; Jedis rj = new Jedis("127.0.0.1", loaded.port(), 30_000)) {
            awaitReady(rj);
            assertEquals(before, digest(rj), "Redis loaded another dataset than the one at BGSAVE");
        }
        try (Podis p = Podis.builder().config("keyspace-backend", backend).config("enable-debug-command", "yes")
                .dataDir(dir).build().start(); Jedis j = new Jedis(p.host(), p.port(), 30_000)) {
            assertEquals(before, digest(j));
        }
    }

    /** The same commands on a real redis-server and on Podis, with a save slowed down to ~1 s by rdb-key-save-delay. */
    @Test
    void repliesAndInfoFieldsAsRedis(@TempDir Path dir) throws Exception {
        Path redisDir = Files.createDirectory(dir.resolve("redis"));
        RealRedis redis = RealRedis.start(redisDir, "dump.rdb");
        assumeTrue(redis != null, "redis-server is not installed");
        try (redis; Podis p = Podis.builder().config("keyspace-backend", "heap").dataDir(dir.resolve("podis")).build().start();
             Jedis rj = new Jedis("127.0.0.1", redis.port(), 30_000); Jedis pj = new Jedis(p.host(), p.port(), 30_000)) {
            List<String> seen = new ArrayList<>();
            for (Jedis j : new Jedis[] {rj, pj}) {
                List<String> out = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    call(j, "SET", "k" + i, "v");
                }
                Map<String, String> idle = info(j);
                out.add("idle " + idle.get("rdb_bgsave_in_progress") + " " + idle.get("rdb_last_bgsave_status") + " "
                        + idle.get("rdb_last_bgsave_time_sec") + " " + idle.get("rdb_current_bgsave_time_sec") + " "
                        + idle.get("rdb_changes_since_last_save") + " " + idle.get("current_save_keys_total"));
                long lastsave = (Long) call(j, "LASTSAVE");
                call(j, "CONFIG", "SET", "rdb-key-save-delay", "50000"); // 50 ms per key: ~1 s
                for (Object[] cmd : new Object[][] {{"BGSAVE"}, {"BGSAVE"}, {"BGSAVE", "SCHEDULE"}, {"SAVE"},
                    {"BGSAVE", "foo"}, {"BGSAVE", "SCHEDULE", "x"}}) {
                    out.add(reply(j, cmd));
                }
                Map<String, String> during = info(j);
                out.add("during " + during.get("rdb_bgsave_in_progress") + " " + during.get("current_save_keys_total")
                        + " " + (Long.parseLong(during.get("rdb_current_bgsave_time_sec")) >= 0));
                call(j, "SET", "k0", "changed during the save");
                out.add("status " + awaitBgsave(j));
                Map<String, String> after = info(j);
                out.add("after " + after.get("rdb_changes_since_last_save") + " " + after.get("rdb_current_bgsave_time_sec")
                        + " " + (Long.parseLong(after.get("rdb_last_bgsave_time_sec")) >= 0)
                        + " saves+" + (Long.parseLong(after.get("rdb_saves")) - Long.parseLong(idle.get("rdb_saves")))
                        + " lastsave " + ((Long) call(j, "LASTSAVE") >= lastsave));
                call(j, "CONFIG", "SET", "rdb-key-save-delay", "0");
                // inside EXEC a BGSAVE is scheduled, and started by the cron soon after
                call(j, "MULTI");
                call(j, "BGSAVE");
                out.add("exec " + Cmd.decode(call(j, "EXEC")));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (Long.parseLong(info(j).get("rdb_saves")) < Long.parseLong(after.get("rdb_saves")) + 1) {
                    assertTrue(System.nanoTime() < deadline, "the scheduled BGSAVE did not start");
                    Thread.sleep(10);
                }
                out.add("scheduled " + awaitBgsave(j));
                seen.add(String.join("\n", out));
            }
            assertEquals(seen.get(0), seen.get(1));
            assertTrue(seen.get(1).contains("Background saving started"), seen.get(1));
        }
    }
}
