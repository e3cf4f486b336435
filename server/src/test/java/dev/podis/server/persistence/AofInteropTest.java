package dev.podis.server.persistence;

import dev.podis.server.TestServer;
import dev.podis.server.commands.Cmd;
import dev.podis.server.diff.RedisProcess;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * AOF directories move both ways between Podis and a real Redis 7: what Podis writes passes
 * {@code redis-check-aof} and loads in redis-server with the same dataset; what redis-server
 * writes loads in Podis with the same dataset. Datasets hold every type in small and large
 * encodings, keys with and without a time to live, and several databases.
 */
class AofInteropTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsRedis() {
        assumeTrue(RedisProcess.findExecutable() != null, "redis-server is not installed");
    }

    /** Some writes after a rewrite, so that both the base and an incremental file matter. */
    private static void moreWrites(Jedis j) {
        j.set("after-rewrite", "1");
        j.incr("int");
        j.lpush("list-small", "z");
        j.srem("set-big", "member-1");
        j.zincrby("zset-big", 2.5, "member-3");
        j.hdel("hash-small", "f1");
        j.select(3);
        j.del("db3");
        j.select(5);
        j.set("db5", "five");
        j.select(0);
    }

    private static String checkAof(Path manifest) throws Exception {
        Process p = new ProcessBuilder("redis-check-aof", manifest.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private void podisWritesRedisLoads(String... settings) throws Exception {
        Map<String, String> expected;
        Object digest;
        try (TestServer podis = AofTestSupport.podis(dir, settings); Jedis j = podis.jedis()) {
            AofTestSupport.fill(j);
            assertEquals("Background append only file rewriting started", j.bgrewriteaof());
            moreWrites(j); // during the rewrite or after it
            AofTestSupport.awaitRewrite(j);
            expected = AofTestSupport.dump(j, 16);
            digest = Cmd.run(j, "DEBUG", "DIGEST");
        }
        Path aofDir = dir.resolve("appendonlydir");
        AofManifest m = AofTestSupport.manifest(aofDir);
        assertEquals(2, m.base().seq(), "the rewrite made base 2");
        assertEquals(1, m.incrs().size());
        assertTrue(m.history().isEmpty(), "history files were deleted");
        assertFalse(Files.exists(aofDir.resolve("appendonly.aof.1.base.aof")), "old base deleted");
        assertFalse(Files.exists(aofDir.resolve("appendonly.aof.1.incr.aof")), "old incr deleted");
        String check = checkAof(aofDir.resolve("appendonly.aof.manifest"));
        assertTrue(check.contains("All AOF files and manifest are valid"), check);
        try (RedisProcess redis = RedisProcess.startIn(dir, "--appendonly", "yes", "--save", "",
                "--enable-debug-command", "yes"); Jedis r = new Jedis("127.0.0.1", redis.port())) {
            // DEBUG DIGEST is Redis's own fingerprint of a dataset: both compute it the same way
            assertEquals(digest, Cmd.run(r, "DEBUG", "DIGEST"), redis.log());
            assertEquals(expected, AofTestSupport.dump(r, 16), redis.log());
        }
    }

    @Test
    void podisAofPassesRedisCheckAofAndLoadsInRedis() throws Exception {
        podisWritesRedisLoads("appendonly", "yes", "aof-use-rdb-preamble", "no");
    }

    @Test
    void podisAofWithAnRdbBaseLoadsInRedis() throws Exception {
        podisWritesRedisLoads("appendonly", "yes"); // aof-use-rdb-preamble yes is the default
        assertTrue(Files.exists(dir.resolve("appendonlydir").resolve("appendonly.aof.2.base.rdb")));
    }

    @Test
    void podisAofWithTimestampsLoadsInRedis() throws Exception {
        podisWritesRedisLoads("appendonly", "yes", "aof-use-rdb-preamble", "no", "aof-timestamp-enabled", "yes");
        String base = Files.readString(dir.resolve("appendonlydir").resolve("appendonly.aof.2.base.aof"),
                StandardCharsets.ISO_8859_1);
        assertTrue(base.startsWith("#TS:"), "a rewritten base starts with its time");
    }

    @Test
    void redisAofLoadsInPodis() throws Exception {
        redisWritesPodisLoads("--aof-use-rdb-preamble", "no", "--aof-timestamp-enabled", "yes");
    }

    @Test
    void redisAofWithAnRdbBaseLoadsInPodis() throws Exception {
        redisWritesPodisLoads("--aof-use-rdb-preamble", "yes");
        assertTrue(Files.exists(dir.resolve("appendonlydir").resolve("appendonly.aof.2.base.rdb")));
    }

    private void redisWritesPodisLoads(String... options) throws Exception {
        Map<String, String> expected;
        Object digest;
        List<String> args = new ArrayList<>(List.of("--appendonly", "yes", "--save", "", "--enable-debug-command", "yes"));
        args.addAll(List.of(options));
        try (RedisProcess redis = RedisProcess.startIn(dir, args.toArray(new String[0]));
             Jedis r = new Jedis("127.0.0.1", redis.port())) {
            AofTestSupport.fill(r);
            r.bgrewriteaof();
            AofTestSupport.awaitRewrite(r);
            moreWrites(r);
            Cmd.run(r, "MULTI");
            Cmd.run(r, "SET", "in-multi", "1");
            Cmd.run(r, "INCR", "in-multi");
            Cmd.run(r, "EXEC");
            expected = AofTestSupport.dump(r, 16);
            digest = Cmd.run(r, "DEBUG", "DIGEST");
        }
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals(digest, Cmd.run(j, "DEBUG", "DIGEST"));
            assertEquals(expected, AofTestSupport.dump(j, 16));
            j.set("podis-after", "1"); // and appends to Redis's incremental file
        }
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals("1", j.get("podis-after"));
        }
    }

    @Test
    void anOldSingleFileAofIsMovedIntoTheAofDirectoryAndLoaded() throws Exception {
        // Before Redis 7 the AOF was one file in dir: Redis 7 (and Podis) move it into the AOF
        // directory as the base of a new manifest.
        Files.writeString(dir.resolve("appendonly.aof"),
                "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nstyle\r\n"
                        + "*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\na\r\n", StandardCharsets.US_ASCII);
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals("style", j.get("old"));
            assertEquals(1, j.llen("l"));
            j.set("new", "1");
        }
        assertFalse(Files.exists(dir.resolve("appendonly.aof")));
        AofManifest m = AofTestSupport.manifest(dir.resolve("appendonlydir"));
        assertEquals("appendonly.aof", m.base().name());
        assertEquals(1, m.incrs().size());
        String check = checkAof(dir.resolve("appendonlydir").resolve("appendonly.aof.manifest"));
        assertTrue(check.contains("valid"), check);
        try (RedisProcess redis = RedisProcess.startIn(dir, "--appendonly", "yes", "--save", "");
             Jedis r = new Jedis("127.0.0.1", redis.port())) {
            assertEquals("style", r.get("old"));
            assertEquals("1", r.get("new"));
        }
    }

    @Test
    void anOldSingleFileAofWithAnRdbPreambleLoads() throws Exception {
        // Redis 4-6 wrote "appendonly.aof" as an RDB preamble followed by commands: made here from
        // the base and incremental file of a Redis 7 AOF.
        Object digest;
        try (RedisProcess redis = RedisProcess.startIn(dir, "--appendonly", "yes", "--save", "",
                "--enable-debug-command", "yes"); Jedis r = new Jedis("127.0.0.1", redis.port())) {
            AofTestSupport.fill(r);
            r.bgrewriteaof();
            AofTestSupport.awaitRewrite(r);
            moreWrites(r);
            digest = Cmd.run(r, "DEBUG", "DIGEST");
        }
        Path aofDir = dir.resolve("appendonlydir");
        AofManifest m = AofTestSupport.manifest(aofDir);
        byte[] base = Files.readAllBytes(aofDir.resolve(m.base().name()));
        byte[] incr = Files.readAllBytes(aofDir.resolve(m.incrs().get(0).name()));
        byte[] old = java.util.Arrays.copyOf(base, base.length + incr.length);
        System.arraycopy(incr, 0, old, base.length, incr.length);
        Files.write(dir.resolve("appendonly.aof"), old);
        try (var files = Files.list(aofDir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(aofDir);
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals(digest, Cmd.run(j, "DEBUG", "DIGEST"));
        }
    }
}
