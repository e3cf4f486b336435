package dev.podis.server.persistence;

import dev.podis.server.TestServer;
import dev.podis.server.commands.Cmd;
import dev.podis.server.diff.RedisProcess;
import dev.podis.storage.rdb.Crc64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Streams through every persistence path, side by side with a real redis-server: the same
 * streams (several listpack nodes, deleted entries, exact and approximate trims, consumer groups
 * with pending entries and several consumers, empty streams with groups, XSETID metadata, binary
 * names, expiry, several databases) saved by Podis and loaded by Redis and the other way round,
 * DUMPed by one and RESTOREd into the other, and written as an AOF base (commands or RDB
 * preamble) by Podis and loaded by Redis. Each time DEBUG DIGEST(-VALUE) and XINFO STREAM FULL
 * must agree. Corrupt payloads are refused with an error, never loaded into a broken stream.
 */
class StreamPersistenceTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsRedis() {
        assumeTrue(RedisProcess.findExecutable() != null, "redis-server is not installed");
    }

    private static Object run(Jedis j, String... argv) {
        return Cmd.run(j, argv);
    }

    /** The same streams, built with the same commands, in any server. */
    static void populate(Jedis j) {
        run(j, "FLUSHALL");
        // several nodes (100 entries each by default), fields shared with the master entry or not
        for (int i = 1; i <= 350; i++) {
            String id = "1000-" + i;
            if (i % 3 == 0) {
                run(j, "XADD", "s:nodes", id, "a", "x" + i, "b", Integer.toString(i));
            } else if (i % 3 == 1) {
                run(j, "XADD", "s:nodes", id, "a", "y", "b", "-" + i);
            } else {
                run(j, "XADD", "s:nodes", id, "c", Long.toString(i * 1_000_000_007L), "d", "", "e", "3.5");
            }
        }
        run(j, "XDEL", "s:nodes", "1000-5", "1000-150", "1000-151", "1000-350");
        for (int i = 201; i <= 300; i++) {
            run(j, "XDEL", "s:nodes", "1000-" + i); // a whole node goes
        }
        // trims: exact by length and by minimum ID (inside a node), approximate (whole nodes)
        for (int i = 1; i <= 300; i++) {
            run(j, "XADD", "s:trim", i + "-1", "f", Integer.toString(i));
            run(j, "XADD", "s:approx", "MAXLEN", "~", "120", i + "-0", "f", "v" + i);
        }
        run(j, "XTRIM", "s:trim", "MAXLEN", "170");
        run(j, "XTRIM", "s:trim", "MINID", "150-0");
        // values too large for one node each
        String big = "v".repeat(5000);
        for (int i = 1; i <= 4; i++) {
            run(j, "XADD", "s:big", "7-" + i, "big", big + i, "small", "1");
        }
        // consumer groups with pending entries, several consumers, NOACK, a pending deleted entry
        for (int i = 1; i <= 60; i++) {
            run(j, "XADD", "s:groups", "5-" + i, "name", "n" + i, "n", Integer.toString(i));
        }
        run(j, "XGROUP", "CREATE", "s:groups", "g1", "0");
        run(j, "XGROUP", "CREATE", "s:groups", "g2", "$");
        run(j, "XGROUP", "CREATE", "s:groups", "g3", "5-10", "ENTRIESREAD", "10");
        run(j, "XREADGROUP", "GROUP", "g1", "alice", "COUNT", "10", "STREAMS", "s:groups", ">");
        run(j, "XREADGROUP", "GROUP", "g1", "bob", "COUNT", "7", "STREAMS", "s:groups", ">");
        run(j, "XACK", "s:groups", "g1", "5-2", "5-3");
        run(j, "XCLAIM", "s:groups", "g1", "carol", "0", "5-4", "5-5");
        run(j, "XGROUP", "CREATECONSUMER", "s:groups", "g1", "dave");
        run(j, "XREADGROUP", "GROUP", "g3", "erin", "NOACK", "COUNT", "3", "STREAMS", "s:groups", ">");
        run(j, "XREADGROUP", "GROUP", "g3", "frank", "COUNT", "2", "STREAMS", "s:groups", ">");
        run(j, "XDEL", "s:groups", "5-6", "5-40");
        // an empty stream with a group and a consumer; a stream emptied by XDEL
        run(j, "XGROUP", "CREATE", "s:empty", "g", "$", "MKSTREAM");
        run(j, "XGROUP", "CREATECONSUMER", "s:empty", "g", "c1");
        run(j, "XADD", "s:emptied", "7-1", "a", "1");
        run(j, "XADD", "s:emptied", "7-2", "a", "2");
        run(j, "XDEL", "s:emptied", "7-1", "7-2");
        // XSETID metadata, binary names, expiry, another database
        run(j, "XADD", "s:setid", "3-1", "f", "v");
        run(j, "XSETID", "s:setid", "9-9", "ENTRIESADDED", "40", "MAXDELETEDID", "3-5");
        byte[] bin = {0, 1, (byte) 0xff, '\r', '\n'};
        j(j, "XADD", "s:bin", "1-1", bin, bin);
        j(j, "XGROUP", "CREATE", "s:bin", bin, "0");
        run(j, "XADD", "s:ttl", "1-1", "f", "v");
        run(j, "PEXPIREAT", "s:ttl", Long.toString(System.currentTimeMillis() + 3_600_000));
        run(j, "SELECT", "3");
        run(j, "XADD", "s:db3", "MAXLEN", "5", "2-1", "f", "v");
        run(j, "XADD", "s:db3", "2-2", "f", "w");
        run(j, "SET", "plain", "string");
        run(j, "SELECT", "0");
    }

    static final List<String> KEYS0 = List.of("s:nodes", "s:trim", "s:approx", "s:big", "s:groups", "s:empty",
            "s:emptied", "s:setid", "s:bin", "s:ttl");

    /** XINFO STREAM FULL of every stream, without what Redis 7.0 does not report (active-time, inactive). */
    static Map<String, String> describe(Jedis j, boolean withTimes) {
        Map<String, String> out = new TreeMap<>();
        for (int db : new int[] {0, 3}) {
            run(j, "SELECT", Integer.toString(db));
            for (String k : db == 0 ? KEYS0 : List.of("s:db3")) {
                Object full = run(j, "XINFO", "STREAM", k, "FULL", "COUNT", "0");
                out.put(db + ":" + k, normalize(full, withTimes) + " ttl=" + run(j, "PEXPIRETIME", k));
            }
        }
        run(j, "SELECT", "0");
        return out;
    }

    private static String normalize(Object o, boolean withTimes) {
        if (!(o instanceof List<?> l)) {
            return o instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(o);
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < l.size(); i++) {
            Object e = l.get(i);
            String s = e instanceof String str ? str : null;
            if (("active-time".equals(s) || "inactive".equals(s)) && i + 1 < l.size()) {
                i++;
                continue;
            }
            if (!withTimes && "seen-time".equals(s)) {
                i++;
                continue;
            }
            sb.append(normalize(e, withTimes)).append(' ');
        }
        return sb.append(']').toString();
    }

    private static String digest(Jedis j) {
        return String.valueOf(run(j, "DEBUG", "DIGEST"));
    }

    private static String digestValue(Jedis j, String key) {
        return String.valueOf(((List<?>) run(j, "DEBUG", "DIGEST-VALUE", key)).get(0));
    }

    private RedisProcess redis(Path in, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--save", "", "--enable-debug-command", "yes"));
        args.addAll(List.of(more));
        return RedisProcess.startIn(in, args.toArray(new String[0]));
    }

    private static String tool(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void sameStreamsSameDigests() throws Exception {
        try (TestServer podis = AofTestSupport.podis(dir); Jedis pj = podis.jedis();
             RedisProcess redis = redis(Files.createDirectory(dir.resolve("r"))); Jedis rj = new Jedis("127.0.0.1", redis.port())) {
            populate(pj);
            populate(rj);
            for (String k : KEYS0) {
                assertEquals(digestValue(rj, k), digestValue(pj, k), k);
            }
            assertEquals(digest(rj), digest(pj));
            assertNotEquals("0".repeat(40), digest(pj));
            // the digest covers entries: one more entry changes it, a group does not (as in Redis)
            String before = digestValue(pj, "s:trim");
            run(pj, "XGROUP", "CREATE", "s:trim", "later", "0");
            run(rj, "XGROUP", "CREATE", "s:trim", "later", "0");
            assertEquals(before, digestValue(pj, "s:trim"));
            assertEquals(digestValue(rj, "s:trim"), digestValue(pj, "s:trim"));
            run(pj, "XADD", "s:trim", "999-1", "f", "v");
            assertNotEquals(before, digestValue(pj, "s:trim"));
        }
    }

    @Test
    void podisRdbIsCheckedAndLoadedByRedis() throws Exception {
        String digest;
        Map<String, String> expected;
        try (TestServer podis = AofTestSupport.podis(dir); Jedis pj = podis.jedis()) {
            populate(pj);
            digest = digest(pj);
            expected = describe(pj, true);
            assertEquals("OK", run(pj, "SAVE"));
        }
        String report = tool("redis-check-rdb", dir.resolve("dump.rdb").toString());
        assertTrue(report.contains("RDB looks OK"), report);
        try (RedisProcess redis = redis(dir, "--dbfilename", "dump.rdb"); Jedis rj = new Jedis("127.0.0.1", redis.port())) {
            assertEquals(digest, digest(rj), redis.log());
            assertEquals(expected, describe(rj, true));
        }
    }

    @Test
    void redisRdbIsLoadedByPodis() throws Exception {
        String digest;
        Map<String, String> expected;
        try (RedisProcess redis = redis(dir, "--dbfilename", "dump.rdb"); Jedis rj = new Jedis("127.0.0.1", redis.port())) {
            populate(rj);
            digest = digest(rj);
            expected = describe(rj, true);
            assertEquals("OK", run(rj, "SAVE"));
        }
        try (TestServer podis = AofTestSupport.podis(dir); Jedis pj = podis.jedis()) {
            assertEquals(digest, digest(pj));
            assertEquals(expected, describe(pj, true));
            assertEquals("OK", run(pj, "DEBUG", "RELOAD")); // and through Podis's own file
            assertEquals(digest, digest(pj));
            assertEquals(expected, describe(pj, true));
            // the loaded streams work: appends, reads by groups, trims
            run(pj, "XADD", "s:nodes", "*", "a", "new");
            run(pj, "XREADGROUP", "GROUP", "g1", "alice", "COUNT", "100", "STREAMS", "s:groups", ">");
            run(pj, "XTRIM", "s:nodes", "MAXLEN", "10");
            assertEquals(10L, run(pj, "XLEN", "s:nodes"));
        }
    }

    @Test
    void dumpAndRestoreBothWays() throws Exception {
        try (TestServer podis = AofTestSupport.podis(dir); Jedis pj = podis.jedis();
             RedisProcess redis = redis(Files.createDirectory(dir.resolve("r"))); Jedis rj = new Jedis("127.0.0.1", redis.port())) {
            populate(rj);
            run(pj, "FLUSHALL");
            Map<String, String> redisView = describe(rj, true);
            for (String k : KEYS0) {
                byte[] payload = (byte[]) j(rj, "DUMP", k);
                long pttl = (Long) run(rj, "PTTL", k);
                j(pj, "RESTORE", k, Long.toString(Math.max(0, pttl)), payload, "REPLACE");
                assertEquals(digestValue(rj, k), digestValue(pj, k), k);
                byte[] back = (byte[]) j(pj, "DUMP", k);
                j(rj, "DEL", k);
                j(rj, "RESTORE", k, "0", back);
                if (pttl > 0) {
                    run(rj, "PEXPIREAT", k, String.valueOf(run(pj, "PEXPIRETIME", k)));
                }
            }
            run(rj, "SELECT", "3");
            run(pj, "SELECT", "3");
            j(pj, "RESTORE", "s:db3", "0", (byte[]) j(rj, "DUMP", "s:db3"));
            run(rj, "SELECT", "0");
            run(pj, "SELECT", "0");
            // Redis → Podis → Redis: Redis sees what it had; Podis reports the same
            Map<String, String> afterRoundTrip = describe(rj, true);
            for (String k : KEYS0) {
                assertEquals(redisView.get("0:" + k).replaceAll(" ttl=\\d+", ""),
                        afterRoundTrip.get("0:" + k).replaceAll(" ttl=\\d+", ""), k);
            }
            Map<String, String> podisView = describe(pj, true);
            for (String k : KEYS0) {
                assertEquals(redisView.get("0:" + k).replaceAll(" ttl=\\d+", ""),
                        podisView.get("0:" + k).replaceAll(" ttl=\\d+", ""), k);
            }
        }
    }

    private static Object j(Jedis j, Object... argv) {
        byte[][] args = new byte[argv.length - 1][];
        for (int i = 1; i < argv.length; i++) {
            args[i - 1] = argv[i] instanceof byte[] b ? b : String.valueOf(argv[i]).getBytes(StandardCharsets.UTF_8);
        }
        byte[] name = ((String) argv[0]).getBytes(StandardCharsets.US_ASCII);
        return j.sendCommand(() -> name, args);
    }

    /**
     * Every byte of a stream payload changed in turn (with a correct checksum, so the body itself
     * is what is judged): RESTORE either refuses it with Redis's error or yields a stream every
     * command can read; the server never fails.
     */
    @Test
    void corruptPayloadsAreRefusedNeverLoadedBroken() throws Exception {
        try (TestServer podis = AofTestSupport.podis(dir); Jedis pj = podis.jedis()) {
            run(pj, "XADD", "s", "1-1", "a", "1", "b", "hello");
            run(pj, "XADD", "s", "1-2", "a", "2", "b", "world");
            run(pj, "XADD", "s", "2-1", "c", "3");
            run(pj, "XDEL", "s", "1-2");
            run(pj, "XGROUP", "CREATE", "s", "g", "0");
            run(pj, "XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">");
            run(pj, "XGROUP", "CREATECONSUMER", "s", "g", "bob");
            byte[] payload = (byte[]) j(pj, "DUMP", "s");
            int body = payload.length - 8;
            int refused = 0;
            for (int pos = 1; pos < body - 2; pos++) {
                for (int delta : new int[] {1, 0x80, 0xff}) {
                    byte[] bad = payload.clone();
                    bad[pos] = (byte) (bad[pos] + delta);
                    long crc = Crc64.of(bad, 0, body);
                    for (int i = 0; i < 8; i++) {
                        bad[body + i] = (byte) (crc >>> (8 * i));
                    }
                    try {
                        j(pj, "RESTORE", "t", "0", bad, "REPLACE");
                    } catch (JedisDataException e) {
                        assertTrue(e.getMessage().startsWith("ERR Bad data format"), e.getMessage());
                        refused++;
                        continue;
                    }
                    run(pj, "XINFO", "STREAM", "t", "FULL");
                    run(pj, "XRANGE", "t", "-", "+");
                    run(pj, "XREVRANGE", "t", "+", "-");
                    run(pj, "DEBUG", "DIGEST-VALUE", "t");
                    j(pj, "DUMP", "t");
                }
            }
            assertTrue(refused > body, "most corruptions are detected: " + refused);
            // truncated payloads
            for (int len = 1; len < body; len++) {
                byte[] cut = Arrays.copyOf(payload, len + 10);
                System.arraycopy(payload, body - 2, cut, len, 2);
                long crc = Crc64.of(cut, 0, len + 2);
                for (int i = 0; i < 8; i++) {
                    cut[len + 2 + i] = (byte) (crc >>> (8 * i));
                }
                try {
                    j(pj, "RESTORE", "t", "0", cut, "REPLACE");
                } catch (JedisDataException e) {
                    assertTrue(e.getMessage().startsWith("ERR Bad data format"), e.getMessage());
                }
            }
            assertEquals("PONG", pj.ping());
        }
    }

    private static final String LIBRARY = "#!lua name=streamlib\n"
            + "redis.register_function('xlen2', function(keys, args) return redis.call('XLEN', keys[1]) * 2 end)";

    private Map<String, String> aofToRedis(boolean preamble) throws Exception {
        String digest;
        Map<String, String> podisView;
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes", "aof-use-rdb-preamble", preamble ? "yes" : "no");
             Jedis pj = podis.jedis()) {
            populate(pj);
            run(pj, "FUNCTION", "LOAD", LIBRARY);
            assertEquals("Background append only file rewriting started", run(pj, "BGREWRITEAOF"));
            AofTestSupport.awaitRewrite(pj);
            digest = digest(pj);
            podisView = describe(pj, preamble);
        }
        Path aofDir = dir.resolve("appendonlydir");
        String base = AofTestSupport.manifest(aofDir).base().name();
        assertEquals(preamble, base.endsWith(".rdb"), base);
        String check = tool("redis-check-aof", aofDir.resolve("appendonly.aof.manifest").toString());
        assertTrue(check.contains("All AOF files and manifest are valid"), check);
        Map<String, String> redisView;
        try (RedisProcess redis = redis(dir, "--appendonly", "yes"); Jedis rj = new Jedis("127.0.0.1", redis.port())) {
            assertEquals(digest, digest(rj), redis.log());
            assertEquals(116L, run(rj, "FCALL", "xlen2", "1", "s:groups"));
            redisView = describe(rj, preamble);
        }
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis pj = podis.jedis()) {
            assertEquals(digest, digest(pj));
            assertEquals(redisView, describe(pj, preamble), "Podis reloads its AOF as Redis does");
            assertEquals(116L, run(pj, "FCALL", "xlen2", "1", "s:groups"));
        }
        if (preamble) {
            assertEquals(podisView, redisView);
        }
        return redisView;
    }

    @Test
    void aofWithRdbPreambleCarriesStreams() throws Exception {
        aofToRedis(true);
    }

    @Test
    void aofWithoutPreambleWritesStreamsAndFunctionsAsCommands() throws Exception {
        aofToRedis(false);
        List<List<String>> commands = AofTestSupport.commands(dir.resolve("appendonlydir").resolve("appendonly.aof.2.base.aof"));
        assertEquals(List.of("FUNCTION", "LOAD", LIBRARY), commands.get(0));
        assertTrue(commands.contains(List.of("XADD", "s:empty", "MAXLEN", "0", "0-1", "x", "y")));
        assertTrue(commands.contains(List.of("XSETID", "s:setid", "9-9", "ENTRIESADDED", "40", "MAXDELETEDID", "3-5")));
        // g3 was created at 5-10 with ENTRIESREAD 10 and has read 5 more since
        assertTrue(commands.contains(List.of("XGROUP", "CREATE", "s:groups", "g3", "5-15", "ENTRIESREAD", "15")),
                commands.stream().filter(c -> c.get(0).equals("XGROUP")).toList().toString());
        assertTrue(commands.contains(List.of("XGROUP", "CREATECONSUMER", "s:groups", "g1", "dave")));
        assertTrue(commands.stream().anyMatch(c -> c.get(0).equals("XCLAIM") && c.get(3).equals("carol")
                && c.subList(10, 12).equals(List.of("JUSTID", "FORCE"))));
    }
}
