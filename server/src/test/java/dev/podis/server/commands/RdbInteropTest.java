package dev.podis.server.commands;

import dev.podis.Podis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * RDB files, DUMP payloads and DEBUG DIGEST side by side with a real redis-server: the same
 * dataset (every type in small and large encodings, expiry, several databases, binary keys, big
 * strings, integers as strings) built in both; Podis's dump.rdb checked by redis-check-rdb and
 * loaded by Redis, Redis's dump.rdb loaded by Podis, values DUMPed by one and RESTOREd into the
 * other — each time with the same DEBUG DIGEST and DEBUG DIGEST-VALUE per key.
 */
class RdbInteropTest {
    static final int[] DBS = {0, 1, 2, 3, 4, 9};

    static RealRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = RealRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends a command with String or byte[] arguments. */
    static Object call(Jedis j, Object... argv) {
        byte[][] args = new byte[argv.length - 1][];
        for (int i = 1; i < argv.length; i++) {
            args[i - 1] = argv[i] instanceof byte[] ? (byte[]) argv[i] : b(String.valueOf(argv[i]));
        }
        byte[] name = b((String) argv[0]);
        return j.sendCommand(() -> name, args);
    }

    static String str(Object reply) {
        return reply instanceof byte[] ? new String((byte[]) reply, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    /** The same dataset, built with the same commands, in any server. */
    static void populate(Jedis j) {
        Random r = new Random(20261126);
        call(j, "FLUSHALL");
        call(j, "SELECT", "0");
        call(j, "SET", "str:small", "hello");
        call(j, "SET", "str:int", "12345");
        call(j, "SET", "str:negint", "-42");
        call(j, "SET", "str:bigint", "12345678901234");
        call(j, "SET", "str:minint", "-9223372036854775808");
        call(j, "SET", "str:leadingzero", "007");
        call(j, "SET", "str:float", "3.14");
        call(j, "SET", "str:empty", "");
        call(j, "SET", "str:lzf", "a".repeat(300));
        call(j, "SET", "str:ttl", "expiring", "PX", "100000000");
        byte[] random = new byte[20_000];
        r.nextBytes(random);
        call(j, "SET", "str:big-random", random);
        StringBuilder text = new StringBuilder();
        while (text.length() < 100_000) {
            text.append("line ").append(text.length()).append(" of a big compressible string\n");
        }
        call(j, "SET", "str:big-text", text.toString());
        call(j, "SET", new byte[] {0, 1, 2, (byte) 0xff, '\r', '\n', ' '}, new byte[] {(byte) 0xc3, 0x28, 0});

        call(j, "SELECT", "1");
        call(j, "RPUSH", "list:small", "a", "b", "c", "1", "2", "-3", "");
        List<Object> big = new ArrayList<>(List.of("RPUSH", "list:big"));
        for (int i = 0; i < 2000; i++) {
            big.add(i % 3 == 0 ? Integer.toString(i * 7919) : "element-" + i + "-" + "x".repeat(i % 40));
        }
        call(j, big.toArray());
        call(j, "RPUSH", "list:plain", "head", "p".repeat(20_000), "tail");
        call(j, "LPUSH", "list:ttl", "x", "y");
        call(j, "PEXPIRE", "list:ttl", "100000000");

        call(j, "SELECT", "2");
        call(j, "SADD", "set:ints", "1", "2", "3", "-5", "100000", "5000000000");
        call(j, "SADD", "set:small", "a", "b", "c", "1");
        List<Object> bigSet = new ArrayList<>(List.of("SADD", "set:big"));
        for (int i = 0; i < 600; i++) {
            bigSet.add("member:" + i);
        }
        call(j, bigSet.toArray());
        List<Object> manyInts = new ArrayList<>(List.of("SADD", "set:manyints"));
        for (int i = 0; i < 1000; i++) {
            manyInts.add(Integer.toString(i * 3));
        }
        call(j, manyInts.toArray());

        call(j, "SELECT", "3");
        call(j, "ZADD", "zset:small", "1", "a", "2.5", "b", "-3", "c", "inf", "d", "0.1", "e", "-inf", "f");
        List<Object> bigZ = new ArrayList<>(List.of("ZADD", "zset:big"));
        for (int i = 0; i < 300; i++) {
            bigZ.add(Double.toString(i * 1.37 - 50));
            bigZ.add("m" + i);
        }
        call(j, bigZ.toArray());
        call(j, "ZADD", "zset:long", "1", "l".repeat(100), "2", "short");
        call(j, "ZADD", "zset:ttl", "5", "five");
        call(j, "PEXPIREAT", "zset:ttl", Long.toString(System.currentTimeMillis() + 100_000_000));

        call(j, "SELECT", "4");
        call(j, "HSET", "hash:small", "f1", "v1", "f2", "2", "num", "-17");
        List<Object> bigH = new ArrayList<>(List.of("HSET", "hash:big"));
        for (int i = 0; i < 600; i++) {
            bigH.add("field" + i);
            bigH.add("value" + i);
        }
        call(j, bigH.toArray());
        call(j, "HSET", "hash:long", "f", "v".repeat(100));

        call(j, "SELECT", "9");
        call(j, "SET", "other-db", "9");
        call(j, "SELECT", "0");
    }

    /** DEBUG DIGEST-VALUE, TTL presence and (where Redis 7.0 and Podis agree) OBJECT ENCODING of every key. */
    static Map<String, String> describe(Jedis j, boolean encodings) {
        Map<String, String> out = new TreeMap<>();
        for (int db : DBS) {
            call(j, "SELECT", Integer.toString(db));
            @SuppressWarnings("unchecked")
            List<byte[]> keys = (List<byte[]>) call(j, "KEYS", "*");
            for (byte[] k : keys) {
                String type = str(call(j, "TYPE", k));
                @SuppressWarnings("unchecked")
                List<Object> digest = (List<Object>) call(j, "DEBUG", "DIGEST-VALUE", k);
                long pttl = (Long) call(j, "PTTL", k);
                String enc = str(call(j, "OBJECT", "ENCODING", k));
                // Redis 7.0 has no listpack lists and sets (a small set of strings is a hash table there)
                boolean comparable = !type.equals("list") && !new String(k, StandardCharsets.UTF_8).equals("set:small");
                out.put(db + ":" + new String(k, StandardCharsets.ISO_8859_1), type + " " + str(digest.get(0)) + (pttl > 0 ? " ttl" : "")
                        + (encodings && comparable ? " " + enc : ""));
            }
        }
        call(j, "SELECT", "0");
        return out;
    }

    static String digest(Jedis j) {
        return str(call(j, "DEBUG", "DIGEST"));
    }

    /** Waits until a server that may be loading answers PING. */
    static void awaitReady(Jedis j) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                j.ping();
                return;
            } catch (JedisDataException e) {
                if (!e.getMessage().startsWith("LOADING") || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    private static Podis podis(Path dir) {
        return Podis.builder().config("keyspace-backend", "auto").config("enable-debug-command", "yes")
                .dataDir(dir).build().start();
    }

    @Test
    void sameDataSameDigests() {
        assumeTrue(redis != null, "redis-server is not installed");
        try (Podis p = Podis.builder().config("keyspace-backend", "auto").config("enable-debug-command", "yes").build().start();
             Jedis pj = new Jedis(p.host(), p.port(), 15_000); Jedis rj = new Jedis("127.0.0.1", redis.port(), 15_000)) {
            populate(pj);
            populate(rj);
            assertEquals(describe(rj, true), describe(pj, true));
            assertEquals(digest(rj), digest(pj));
            call(pj, "FLUSHALL");
            assertEquals("0".repeat(40), digest(pj));
        }
    }

    @Test
    void podisFileIsCheckedAndLoadedByRedis(@TempDir Path dir) throws Exception {
        assumeTrue(redis != null, "redis-server is not installed");
        String expectedDigest;
        Map<String, String> expected;
        try (Podis p = podis(dir); Jedis pj = new Jedis(p.host(), p.port(), 15_000)) {
            populate(pj);
            expectedDigest = digest(pj);
            expected = describe(pj, true);
            assertEquals("OK", str(call(pj, "SAVE")));
        }
        Path file = dir.resolve("dump.rdb");
        assertTrue(Files.size(file) > 0);
        Process check = new ProcessBuilder("redis-check-rdb", file.toString()).redirectErrorStream(true).start();
        String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, check.waitFor(), report);
        assertTrue(report.contains("RDB looks OK"), report);
        RealRedis loaded = RealRedis.start(dir, "dump.rdb");
        assertNotNull(loaded, "redis-server refused Podis's dump.rdb");
        try (loaded; Jedis rj = new Jedis("127.0.0.1", loaded.port(), 15_000)) {
            awaitReady(rj);
            assertEquals(expected, describe(rj, true));
            assertEquals(expectedDigest, digest(rj));
        }
    }

    @Test
    void redisFileIsLoadedByPodis(@TempDir Path dir) throws Exception {
        assumeTrue(redis != null, "redis-server is not installed");
        Path redisDir = Files.createDirectory(dir.resolve("redis"));
        RealRedis source = RealRedis.start(redisDir, "dump.rdb");
        assertNotNull(source);
        String expectedDigest;
        Map<String, String> expected;
        try (source; Jedis rj = new Jedis("127.0.0.1", source.port(), 15_000)) {
            populate(rj);
            expectedDigest = digest(rj);
            expected = describe(rj, true);
            assertEquals("OK", str(call(rj, "SAVE")));
        }
        Path podisDir = Files.createDirectory(dir.resolve("podis"));
        Files.copy(redisDir.resolve("dump.rdb"), podisDir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
        try (Podis p = podis(podisDir); Jedis pj = new Jedis(p.host(), p.port(), 15_000)) {
            assertEquals(expected, describe(pj, true));
            assertEquals(expectedDigest, digest(pj));
            // and back again through Podis's own file
            assertEquals("OK", str(call(pj, "DEBUG", "RELOAD")));
            assertEquals(expectedDigest, digest(pj));
        }
    }

    @Test
    void dumpAndRestoreBothWays() {
        assumeTrue(redis != null, "redis-server is not installed");
        try (Podis p = Podis.builder().config("keyspace-backend", "auto").config("enable-debug-command", "yes").build().start();
             Jedis pj = new Jedis(p.host(), p.port(), 15_000); Jedis rj = new Jedis("127.0.0.1", redis.port(), 15_000)) {
            populate(rj);
            call(pj, "FLUSHALL");
            for (int db : DBS) {
                call(rj, "SELECT", Integer.toString(db));
                call(pj, "SELECT", Integer.toString(db));
                @SuppressWarnings("unchecked")
                List<byte[]> keys = (List<byte[]>) call(rj, "KEYS", "*");
                for (byte[] k : keys) {
                    byte[] payload = (byte[]) call(rj, "DUMP", k);
                    long pttl = (Long) call(rj, "PTTL", k);
                    assertEquals("OK", str(call(pj, "RESTORE", k, Long.toString(Math.max(0, pttl)), payload)));
                    String want = str(((List<?>) call(rj, "DEBUG", "DIGEST-VALUE", k)).get(0));
                    assertEquals(want, str(((List<?>) call(pj, "DEBUG", "DIGEST-VALUE", k)).get(0)), new String(k));
                    String type = str(call(rj, "TYPE", k));
                    String enc = str(call(rj, "OBJECT", "ENCODING", k));
                    if (!type.equals("list") && !(type.equals("set") && enc.equals("hashtable") && new String(k).equals("set:small"))) {
                        assertEquals(enc, str(call(pj, "OBJECT", "ENCODING", k)), new String(k));
                    }
                    // and back: Podis's payload restored into Redis under another key
                    byte[] mine = (byte[]) call(pj, "DUMP", k);
                    byte[] copy = java.util.Arrays.copyOf(k, k.length + 5);
                    System.arraycopy(b(":copy"), 0, copy, k.length, 5);
                    assertEquals("OK", str(call(rj, "RESTORE", copy, "0", mine, "REPLACE")));
                    assertEquals(str(((List<?>) call(rj, "DEBUG", "DIGEST-VALUE", k)).get(0)).replace("x", "x"),
                            digestWithoutExpiry(rj, k, copy), new String(k));
                }
            }
            call(rj, "FLUSHALL");
        }
    }

    /** The digest of {@code copy} (no TTL) compared with the one of {@code k} with its TTL removed. */
    private static String digestWithoutExpiry(Jedis rj, byte[] k, byte[] copy) {
        byte[] payload = (byte[]) call(rj, "DUMP", k);
        call(rj, "RESTORE", b("tmp:noexpiry"), "0", payload, "REPLACE");
        String a = str(((List<?>) call(rj, "DEBUG", "DIGEST-VALUE", "tmp:noexpiry")).get(0));
        String c = str(((List<?>) call(rj, "DEBUG", "DIGEST-VALUE", copy)).get(0));
        call(rj, "DEL", "tmp:noexpiry", copy);
        assertEquals(a, c);
        return str(((List<?>) call(rj, "DEBUG", "DIGEST-VALUE", k)).get(0));
    }

    /**
     * A start-up load of many string keys (the packed fast path, in batches) mixed with every
     * other kind of key, in several databases, on each keyspace backend: same data as Redis.
     */
    @Test
    void startUpLoadOfManyKeysMatchesRedis(@TempDir Path dir) throws Exception {
        assumeTrue(redis != null, "redis-server is not installed");
        Path redisDir = Files.createDirectory(dir.resolve("redis"));
        RealRedis source = RealRedis.start(redisDir, "dump.rdb", "--enable-debug-command", "yes");
        assertNotNull(source);
        String expectedDigest;
        String keyspaceInfo;
        try (source; Jedis rj = new Jedis("127.0.0.1", source.port(), 15_000)) {
            populate(rj);
            call(rj, "SELECT", "0");
            call(rj, "DEBUG", "POPULATE", "5000", "key", "100");
            call(rj, "SELECT", "3");
            call(rj, "DEBUG", "POPULATE", "300", "other", "9000"); // over the inline limit: the slow path
            call(rj, "SELECT", "4");
            call(rj, "DEBUG", "POPULATE", "2500", "k", "1");
            expectedDigest = digest(rj);
            keyspaceInfo = str(call(rj, "INFO", "keyspace"));
            assertEquals("OK", str(call(rj, "SAVE")));
        }
        for (String backend : new String[] {"offheap", "heap"}) {
            Path podisDir = Files.createDirectory(dir.resolve("podis-" + backend));
            Files.copy(redisDir.resolve("dump.rdb"), podisDir.resolve("dump.rdb"));
            try (Podis p = Podis.builder().config("keyspace-backend", backend).config("enable-debug-command", "yes")
                    .dataDir(podisDir).build().start(); Jedis pj = new Jedis(p.host(), p.port(), 15_000)) {
                awaitReady(pj);
                assertEquals(expectedDigest, digest(pj), backend);
                assertEquals(keyspaceLines(keyspaceInfo), keyspaceLines(str(call(pj, "INFO", "keyspace"))), backend);
                call(pj, "SELECT", "0");
                assertEquals("value:4321", str(call(pj, "GET", "key:4321")).substring(0, 10));
                assertEquals(-1L, call(pj, "TTL", "key:4321"));
            }
        }
    }

    /** The db lines of INFO keyspace without the avg_ttl field (a time). */
    private static List<String> keyspaceLines(String info) {
        List<String> out = new ArrayList<>();
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("db")) {
                out.add(line.replaceAll(",avg_ttl=\\d+", ""));
            }
        }
        return out;
    }

    /** OBJECT IDLETIME / FREQ carried by RESTORE and by the IDLE / FREQ opcodes of files, both ways. */
    @Test
    void accessDataTravelsUnderLruAndLfuPolicies(@TempDir Path dir) throws Exception {
        assumeTrue(redis != null, "redis-server is not installed");
        for (String policy : new String[] {"allkeys-lru", "allkeys-lfu"}) {
            boolean lru = policy.endsWith("lru");
            String option = lru ? "IDLETIME" : "FREQ";
            String probe = lru ? "IDLETIME" : "FREQ";
            Path redisDir = Files.createDirectories(dir.resolve(policy + "-redis"));
            Path podisDir = Files.createDirectories(dir.resolve(policy + "-podis"));
            RealRedis source = RealRedis.start(redisDir, "dump.rdb", "--maxmemory-policy", policy);
            assertNotNull(source);
            try (source; Jedis rj = new Jedis("127.0.0.1", source.port(), 15_000);
                 Podis p = Podis.builder().config("maxmemory-policy", policy).config("enable-debug-command", "yes")
                         .dataDir(podisDir).build().start();
                 Jedis pj = new Jedis(p.host(), p.port(), 15_000)) {
                call(rj, "SET", "src", "v");
                byte[] payload = (byte[]) call(rj, "DUMP", "src");
                for (Jedis j : new Jedis[] {rj, pj}) {
                    assertEquals("OK", str(call(j, "RESTORE", "k", "0", payload, option, "100")));
                }
                assertEquals(100L, (Long) call(pj, "OBJECT", probe, "k"), policy);
                // Redis's file carries it to Podis
                assertEquals("OK", str(call(rj, "SAVE")));
                Files.copy(redisDir.resolve("dump.rdb"), podisDir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
                assertEquals("OK", str(call(pj, "DEBUG", "RELOAD", "NOSAVE")));
                long got = (Long) call(pj, "OBJECT", probe, "k");
                assertTrue(lru ? got >= 100 && got < 130 : got == 100, policy + " after Redis's file: " + got);
            }
            // and Podis's file carries it to Redis
            try (Podis p = Podis.builder().config("maxmemory-policy", policy).dataDir(podisDir).build().start();
                 Jedis pj = new Jedis(p.host(), p.port(), 15_000)) {
                assertEquals("OK", str(call(pj, "SAVE")));
            }
            RealRedis loaded = RealRedis.start(podisDir, "dump.rdb", "--maxmemory-policy", policy);
            assertNotNull(loaded);
            try (loaded; Jedis rj = new Jedis("127.0.0.1", loaded.port(), 15_000)) {
                awaitReady(rj);
                long got = (Long) call(rj, "OBJECT", probe, "k");
                assertTrue(lru ? got >= 100 && got < 130 : got == 100, policy + " after Podis's file: " + got);
            }
        }
    }

    /** The reply as text, or the error's text. */
    static String reply(Jedis j, Object... argv) {
        try {
            Object r = call(j, argv);
            return r instanceof List ? String.valueOf(Cmd.decode(r)) : str(r);
        } catch (JedisDataException e) {
            return "error: " + e.getMessage();
        }
    }

    @Test
    void restoreErrorsAreRedisErrors() {
        assumeTrue(redis != null, "redis-server is not installed");
        try (Podis p = Podis.builder().config("keyspace-backend", "auto").build().start();
             Jedis pj = new Jedis(p.host(), p.port(), 15_000); Jedis rj = new Jedis("127.0.0.1", redis.port(), 15_000)) {
            for (Jedis j : new Jedis[] {pj, rj}) {
                call(j, "FLUSHALL");
                call(j, "SET", "src", "value");
                call(j, "RPUSH", "list", "a", "b");
            }
            byte[] good = (byte[]) call(rj, "DUMP", "src");
            byte[] flipped = good.clone();
            flipped[flipped.length - 1] ^= 1;
            byte[] newer = good.clone();
            newer[newer.length - 10] = 13; // an RDB version newer than any
            // a valid footer around a body that is not a value: a string type with a truncated length
            byte[] bad = {0, (byte) 0x85, 'x', 10, 0};
            byte[] badPayload = java.util.Arrays.copyOf(bad, bad.length + 8);
            long crc = dev.podis.storage.rdb.Crc64.update(0, bad, 0, bad.length);
            for (int i = 0; i < 8; i++) {
                badPayload[bad.length + i] = (byte) (crc >>> (8 * i));
            }
            Object[][] commands = {
                {"RESTORE", "src", "0", good},
                {"RESTORE", "new", "-1", good},
                {"RESTORE", "new", "abc", good},
                {"RESTORE", "new", "0", "garbage"},
                {"RESTORE", "new", "0", flipped},
                {"RESTORE", "new", "0", newer},
                {"RESTORE", "new", "0", badPayload},
                {"RESTORE", "new", "0", new byte[0]},
                {"RESTORE", "new", "0", good, "IDLETIME", "-1"},
                {"RESTORE", "new", "0", good, "IDLETIME", "x"},
                {"RESTORE", "new", "0", good, "FREQ", "256"},
                {"RESTORE", "new", "0", good, "FREQ", "1", "IDLETIME", "1"},
                {"RESTORE", "new", "0", good, "BOGUS"},
                {"RESTORE", "new", "0", good, "IDLETIME"},
                {"RESTORE", "src", "0", good, "REPLACE"},
                {"GET", "src"},
                {"RESTORE", "new", "0", good, "ABSTTL", "REPLACE", "IDLETIME", "5"},
                {"GET", "new"},
                {"RESTORE", "past", "1000", good, "ABSTTL"},
                {"EXISTS", "past"},
                {"RESTORE", "list", "0", good, "REPLACE", "ABSTTL"},
                {"TYPE", "list"},
                {"RESTORE", "list", "1", good, "REPLACE", "ABSTTL"},
                {"EXISTS", "list"},
                {"RESTORE", "ttl", "100000", good},
                {"EXISTS", "ttl"},
                {"DUMP", "missing"},
                {"RESTORE", "new"},
            };
            for (Object[] cmd : commands) {
                String text = cmd[0] + " " + cmd[1] + " " + (cmd.length > 2 ? cmd[2] : "");
                assertEquals(reply(rj, cmd), reply(pj, cmd), text);
            }
            long pttl = (Long) call(pj, "PTTL", "ttl");
            assertTrue(pttl > 90_000 && pttl <= 100_000, "PTTL " + pttl);
            call(rj, "FLUSHALL");
        }
    }
}
