package dev.podis.server.commands;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.params.RestoreParams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HyperLogLog commands over TCP, checked against a real redis-server where one is installed: the
 * strings PFADD/PFMERGE/PFCOUNT leave behind must be Redis's bytes, an HLL written by one server
 * must count the same on the other, and damaged values must get Redis's replies. (Error texts and
 * edge cases step by step are in the differential script diff/hyperloglog.redis.)
 */
class HyperLogLogCommandsTest extends AgainstRealRedis {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** PFADD of elements prefix0..prefix(n-1), 500 per command, pipelined. */
    private static void addMany(Jedis j, String key, String prefix, int from, int n) {
        Pipeline p = j.pipelined();
        for (int i = from; i < from + n; i += 500) {
            int end = Math.min(from + n, i + 500);
            String[] els = new String[end - i];
            for (int k = i; k < end; k++) {
                els[k - i] = prefix + k;
            }
            p.pfadd(key, els);
        }
        p.sync();
    }

    @Test
    void smallSetsCountExactlyAndTheHeaderCachesTheCount() {
        assertEquals(1, jedis.pfadd("h", "a", "b", "c"));
        assertEquals(0, jedis.pfadd("h", "a", "b"));
        assertEquals(1, jedis.pfadd("h", "d"));
        byte[] before = jedis.get(b("h"));
        assertEquals("HYLL", new String(before, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(1, before[4], "a small HLL is sparse");
        assertTrue((before[15] & 0x80) != 0, "PFADD marks the cached cardinality stale");
        assertEquals(4, jedis.pfcount("h"));
        byte[] after = jedis.get(b("h"));
        assertEquals(4, after[8]);
        assertEquals(0, after[15], "PFCOUNT stored a valid cardinality");
        assertArrayEquals(Arrays.copyOfRange(before, 16, before.length), Arrays.copyOfRange(after, 16, after.length));
        assertEquals(0, jedis.pfcount("missing"));
        assertEquals(1, jedis.pfadd("empty"));
        assertEquals(0, jedis.pfcount("empty"));
        assertEquals(0, jedis.pfadd("empty"));
    }

    @Test
    void bytesMatchRedisFromSparseToDense() {
        needRedis();
        for (int n : new int[] {1, 7, 100, 700, 1500, 3000, 20_000}) {
            String key = "h" + n;
            addMany(jedis, key, "el:", 0, n);
            addMany(ref, key, "el:", 0, n);
            assertArrayEquals(ref.get(b(key)), jedis.get(b(key)), "bytes after PFADD of " + n);
            assertEquals(ref.pfcount(key), jedis.pfcount(key), "count of " + n);
            assertArrayEquals(ref.get(b(key)), jedis.get(b(key)), "bytes after PFCOUNT of " + n);
            assertEquals(Cmd.run(ref, "PFDEBUG", "ENCODING", key), Cmd.run(jedis, "PFDEBUG", "ENCODING", key));
        }
        assertEquals(ref.pfcount("h7", "h700", "h20000"), jedis.pfcount("h7", "h700", "h20000"));
        assertEquals("OK", jedis.pfmerge("m", "h100", "h3000", "h7"));
        ref.pfmerge("m", "h100", "h3000", "h7");
        assertArrayEquals(ref.get(b("m")), jedis.get(b("m")));
        jedis.pfmerge("m2", "h700", "h1500");
        ref.pfmerge("m2", "h700", "h1500");
        assertArrayEquals(ref.get(b("m2")), jedis.get(b("m2")), "a sparse merge stays byte-identical");
    }

    @Test
    void countOfOneHundredThousandElementsIsRedisAnswer() {
        needRedis();
        addMany(jedis, "big", "user-", 0, 100_000);
        addMany(ref, "big", "user-", 0, 100_000);
        long expected = ref.pfcount("big");
        assertEquals(expected, jedis.pfcount("big"));
        assertTrue(Math.abs(expected - 100_000) < 100_000 * 0.02, "a sane estimate: " + expected);
        assertArrayEquals(ref.get(b("big")), jedis.get(b("big")));
        // the union with another large set, and adding the same elements again
        addMany(jedis, "big2", "user-", 50_000, 100_000);
        addMany(ref, "big2", "user-", 50_000, 100_000);
        assertEquals(ref.pfcount("big", "big2"), jedis.pfcount("big", "big2"));
        assertEquals(0, jedis.pfadd("big", "user-5", "user-77"));
    }

    @Test
    void hllsMoveBetweenRedisAndPodisThroughGetAndSet() {
        needRedis();
        Random rnd = new Random(3);
        for (int n : new int[] {5, 400, 5000}) {
            String key = "x" + n;
            String[] els = new String[n];
            for (int i = 0; i < n; i++) {
                els[i] = Long.toHexString(rnd.nextLong());
            }
            // written by Redis, read by Podis
            ref.pfadd(key, els);
            byte[] fromRedis = ref.get(b(key));
            jedis.set(b(key), fromRedis);
            assertEquals(ref.pfcount(key), jedis.pfcount(key), "Podis counts Redis's HLL of " + n);
            assertEquals(ref.pfadd(key, "more", "and-more"), jedis.pfadd(key, "more", "and-more"));
            assertArrayEquals(ref.get(b(key)), jedis.get(b(key)));
            // written by Podis, read by Redis
            String back = "y" + n;
            jedis.pfadd(back, els);
            ref.set(b(back), jedis.get(b(back)));
            assertEquals(jedis.pfcount(back), ref.pfcount(back), "Redis counts Podis's HLL of " + n);
            assertEquals(jedis.pfcount(key, back), ref.pfcount(key, back));
        }
    }

    @Test
    void sparseMaxBytesDecidesWhenToTurnDenseAsInRedis() {
        needRedis();
        try {
            for (String limit : new String[] {"0", "60", "500"}) {
                jedis.configSet("hll-sparse-max-bytes", limit);
                ref.configSet("hll-sparse-max-bytes", limit);
                for (int n = 1; n < 400; n += 37) {
                    String key = "s" + limit + ":" + n;
                    addMany(jedis, key, "v", 0, n);
                    addMany(ref, key, "v", 0, n);
                    assertArrayEquals(ref.get(b(key)), jedis.get(b(key)), "limit " + limit + ", " + n + " elements");
                }
            }
        } finally {
            jedis.configSet("hll-sparse-max-bytes", "3000");
            ref.configSet("hll-sparse-max-bytes", "3000");
        }
    }

    @Test
    void damagedValuesGetRedisRepliesNeverACrash() {
        needRedis();
        Random rnd = new Random(11);
        String[][] commands = {
            {"PFCOUNT", "k"}, {"PFCOUNT", "k", "other"}, {"PFADD", "k", "a", "b", "zz"},
            {"PFMERGE", "dst", "k"}, {"PFDEBUG", "DECODE", "k"}, {"PFDEBUG", "GETREG", "k"}, {"GET", "k"},
        };
        for (int round = 0; round < 300; round++) {
            byte[] v = new byte[16 + rnd.nextInt(40)];
            rnd.nextBytes(v);
            System.arraycopy(b("HYLL"), 0, v, 0, 4);
            v[4] = (byte) (rnd.nextInt(8) == 0 ? rnd.nextInt(3) : 1);
            v = wholeOpcodes(v);
            if (rnd.nextBoolean()) {
                v[15] |= (byte) 0x80;
            }
            jedis.set(b("k"), v);
            ref.set(b("k"), v);
            jedis.del("dst");
            ref.del("dst");
            jedis.pfadd("other", "o");
            ref.pfadd("other", "o");
            for (String[] c : commands) {
                Object expected = reply(ref, c);
                Object actual = reply(jedis, c);
                assertEquals(String.valueOf(expected), String.valueOf(actual), Arrays.toString(c) + " on " + Arrays.toString(v));
            }
        }
        assertEquals("PONG", jedis.ping());
    }

    /**
     * The value with its last sparse opcode complete. An XZERO cut after its first byte makes Redis
     * read the byte past the string's end, which it may have overwritten while splitting that very
     * opcode (hllSparseSet copies the new opcodes after moving the terminator): that byte is no part
     * of the value, and Podis reads it as the terminating zero.
     */
    private static byte[] wholeOpcodes(byte[] v) {
        int p = 16;
        while (p < v.length) {
            p += (v[p] & 0xc0) == 0x40 ? 2 : 1;
        }
        return p > v.length ? Arrays.copyOf(v, p) : v;
    }

    private static Object reply(Jedis j, String... argv) {
        try {
            Object r = Cmd.run(j, argv);
            return r instanceof String ? Arrays.toString(((String) r).getBytes(StandardCharsets.UTF_8)) : r;
        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            return "error: " + e.getMessage();
        }
    }

    @Test
    void aRecomputedCountIsAWriteForWatchAsInRedis() {
        jedis.pfadd("w", "a", "b");
        try (Jedis other = server.jedis()) {
            jedis.watch("w");
            assertEquals(2, other.pfcount("w")); // stores the cardinality in the header
            Transaction t = jedis.multi();
            t.get("w");
            assertNull(t.exec(), "the cache update changed the watched string");
            jedis.watch("w");
            assertEquals(2, other.pfcount("w")); // answered from the cache: nothing written
            t = jedis.multi();
            t.get("w");
            assertNotNull(t.exec());
        }
    }

    /**
     * PFADD changes an HLL in place where the keyspace keeps it for that; reads, copies, renames,
     * overwrites, TTLs and a reload in between must leave exactly Redis's bytes and counts.
     */
    @Test
    void hllsChangedInPlaceStayRedisBytesWhateverHappensBetween() {
        needRedis();
        Random rnd = new Random(11);
        for (int round = 0; round < 4000; round++) {
            String k = "ip" + rnd.nextInt(20);
            String[] els = new String[1 + rnd.nextInt(3)];
            for (int i = 0; i < els.length; i++) {
                els[i] = "e" + rnd.nextInt(round < 2000 ? 300 : 20_000); // most keys turn dense later
            }
            assertEquals(ref.pfadd(k, els), jedis.pfadd(k, els), "PFADD " + k + " " + Arrays.toString(els));
            switch (rnd.nextInt(60)) {
                case 0:
                    assertArrayEquals(ref.get(b(k)), jedis.get(b(k)), "GET " + k);
                    break;
                case 1:
                    assertEquals(ref.pfcount(k), jedis.pfcount(k), "PFCOUNT " + k);
                    break;
                case 2: // an ordinary string again (no TTL), then changed by the next PFADD
                    jedis.set(b(k), jedis.get(b(k)));
                    ref.set(b(k), ref.get(b(k)));
                    break;
                case 3:
                    jedis.restore(b(k), 0, jedis.dump(b(k)), RestoreParams.restoreParams().replace());
                    ref.restore(b(k), 0, ref.dump(b(k)), RestoreParams.restoreParams().replace());
                    break;
                case 4:
                    jedis.rename(k, k + ":moved");
                    jedis.rename(k + ":moved", k);
                    break;
                case 5:
                    jedis.expire(k, 1000);
                    ref.expire(k, 1000);
                    break;
                default:
                    break;
            }
        }
        for (int i = 0; i < 20; i++) {
            String k = "ip" + i;
            assertArrayEquals(ref.get(b(k)), jedis.get(b(k)), "GET " + k);
            assertEquals(ref.ttl(k) > 0, jedis.ttl(k) > 0, "TTL of " + k);
        }
        // WATCH: a PFADD that changes no register is no write, one that changes one is
        jedis.pfadd("ipw", "a", "b");
        jedis.pfadd("ipw", "c");
        try (Jedis other = server.jedis()) {
            jedis.watch("ipw");
            assertEquals(0, other.pfadd("ipw", "a"));
            Transaction t = jedis.multi();
            t.get("ipw");
            assertNotNull(t.exec());
            jedis.watch("ipw");
            assertEquals(1, other.pfadd("ipw", "d"));
            t = jedis.multi();
            t.get("ipw");
            assertNull(t.exec());
        }
        // Podis's DUMP of an HLL changed in place restores in Redis as the same string
        ref.restore(b("ip3:podis"), 0, jedis.dump(b("ip3")));
        assertArrayEquals(ref.get(b("ip3")), ref.get(b("ip3:podis")));
        assertEquals(ref.pfadd("ip3", "after"), jedis.pfadd("ip3", "after"));
        assertArrayEquals(ref.get(b("ip3")), jedis.get(b("ip3")));
    }

    /**
     * PFADD runs on the arguments the server's parser reuses for the next request of the same shape
     * (same-length keys and elements here): every key it creates or converts must be stored under
     * its own name, also while something else keeps keys (a time to live, a WATCH elsewhere).
     */
    @Test
    void pipelinedPfaddsOnReusedArgumentsKeepEveryKeyAsRedis() {
        needRedis();
        try (Jedis watcher = server.jedis()) {
            for (int phase = 0; phase < 2; phase++) {
                if (phase == 1) {
                    watcher.watch("pk:unrelated"); // the keyspace now reports every change
                }
                for (Jedis j : new Jedis[] {jedis, ref}) {
                    Pipeline p = j.pipelined();
                    for (int i = 0; i < 600; i++) {
                        String k = String.format("pk:%d:%03d", phase, i % 300);
                        p.pfadd(k, String.format("e%04d", i));
                        if (i % 50 == 7) { // a copy with a time to live (an ordinary string), changed by PFADD
                            String copy = String.format("pk:%d:%03d", phase, 300 + i % 300);
                            p.copy(k, copy, true);
                            p.expire(copy, 1000);
                            p.pfadd(copy, String.format("c%04d", i));
                        }
                    }
                    p.sync();
                }
            }
        }
        assertEquals(new TreeSet<>(ref.keys("pk:*")), new TreeSet<>(jedis.keys("pk:*")));
        for (String k : ref.keys("pk:*")) {
            assertArrayEquals(ref.get(b(k)), jedis.get(b(k)), "GET " + k);
            assertEquals(ref.ttl(k) > 0, jedis.ttl(k) > 0, "TTL of " + k);
        }
    }

    /** A command's reply, or its error's text, for comparing two servers. */
    private static Object replyOf(Jedis j, String... argv) {
        try {
            return Cmd.run(j, argv);
        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            return "error: " + e.getMessage();
        }
    }

    /**
     * Many keys whose kind keeps changing under them: HLLs and counters changed in place (kept as
     * entries of the keyspace's heap index), hashes, plain strings, removals. Every reply, type and
     * value is Redis's, and the memory they were counted for is given back when they go.
     */
    @Test
    void manyKeysTurningBetweenHllsCountersAndCollectionsStayRedisAndGiveTheirMemoryBack() {
        needRedis();
        long before = Long.parseLong(Cmd.info(jedis, "memory").get("used_memory"));
        Random rnd = new Random(17);
        int keys = 1500;
        for (int round = 0; round < 12_000; round++) {
            String k = "mk:" + rnd.nextInt(keys);
            String[] argv;
            int op = rnd.nextInt(20);
            if (op < 9) {
                argv = new String[] {"PFADD", k, "e" + rnd.nextInt(5000), "e" + rnd.nextInt(5000)};
            } else if (op < 14) {
                argv = new String[] {"INCRBY", k, Integer.toString(rnd.nextInt(2000) - 1000)};
            } else if (op < 16) {
                argv = new String[] {"HSET", k, "f" + rnd.nextInt(4), "v"};
            } else if (op == 16) {
                argv = new String[] {"SET", k, "plain"};
            } else if (op == 17) {
                argv = new String[] {"DEL", k};
            } else if (op == 18) {
                argv = new String[] {"PFCOUNT", k};
            } else {
                argv = new String[] {"APPEND", k, "x"};
            }
            assertEquals(replyOf(ref, argv), replyOf(jedis, argv), String.join(" ", argv) + " in round " + round);
        }
        assertEquals(ref.dbSize(), jedis.dbSize());
        long during = Long.parseLong(Cmd.info(jedis, "memory").get("used_memory"));
        assertTrue(during > before + ref.dbSize() * 40, "counted while held: " + during + " vs " + before);
        for (int i = 0; i < keys; i++) {
            String k = "mk:" + i;
            String type = ref.type(k);
            assertEquals(type, jedis.type(k), "TYPE " + k);
            if (type.equals("string")) {
                assertArrayEquals(ref.get(b(k)), jedis.get(b(k)), "GET " + k);
            } else if (type.equals("hash")) {
                assertEquals(ref.hgetAll(k), jedis.hgetAll(k), "HGETALL " + k);
            }
        }
        for (int i = 0; i < keys; i++) {
            jedis.del("mk:" + i);
        }
        assertEquals(0, jedis.dbSize());
        long after = Long.parseLong(Cmd.info(jedis, "memory").get("used_memory"));
        assertTrue(after < before + 100_000, "given back: " + after + " vs " + before + " (" + during + " while held)");
    }

    @Test
    void changesKeepTheTimeToLive() {
        jedis.pfadd("t", "a");
        jedis.expire("t", 1000);
        jedis.pfadd("t", "b");
        jedis.pfcount("t");
        jedis.pfmerge("t", "t");
        Cmd.run(jedis, "PFDEBUG", "TODENSE", "t");
        assertTrue(jedis.ttl("t") > 990);
        assertEquals(2, jedis.pfcount("t"));
    }

    @Test
    void pfdebugShowsTheRepresentation() {
        jedis.pfadd("d", "a", "b", "c");
        assertEquals("sparse", Cmd.run(jedis, "PFDEBUG", "ENCODING", "d"));
        String decoded = (String) Cmd.run(jedis, "PFDEBUG", "DECODE", "d");
        int registers = 0;
        int nonZero = 0;
        for (String op : decoded.split(" ")) {
            String[] kv = op.split(":");
            if (kv[0].equals("v")) {
                int len = Integer.parseInt(kv[1].split(",")[1]);
                registers += len;
                nonZero += len;
            } else {
                registers += Integer.parseInt(kv[1]);
            }
        }
        assertEquals(16384, registers, decoded);
        assertEquals(3, nonZero, decoded);
        @SuppressWarnings("unchecked")
        List<Long> regs = (List<Long>) Cmd.run(jedis, "PFDEBUG", "GETREG", "d");
        assertEquals(16384, regs.size());
        assertEquals(3, regs.stream().filter(r -> r != 0).count());
        assertEquals("dense", Cmd.run(jedis, "PFDEBUG", "ENCODING", "d"), "GETREG converted it");
        assertEquals(0L, Cmd.run(jedis, "PFDEBUG", "TODENSE", "d"));
        assertEquals("ERR HLL encoding is not sparse", Cmd.error(jedis, "PFDEBUG", "DECODE", "d"));
        assertEquals(3, jedis.pfcount("d"));
        assertEquals("ERR The specified key does not exist", Cmd.error(jedis, "PFDEBUG", "ENCODING", "nokey"));
        assertEquals("ERR Unknown PFDEBUG subcommand 'nope'", Cmd.error(jedis, "PFDEBUG", "nope", "d"));
    }

    @Test
    void notAnHllIsWrongType() {
        jedis.set("s", "a plain string");
        assertEquals("WRONGTYPE Key is not a valid HyperLogLog string value.", Cmd.error(jedis, "PFADD", "s", "a"));
        assertEquals("WRONGTYPE Key is not a valid HyperLogLog string value.", Cmd.error(jedis, "PFCOUNT", "s"));
        jedis.lpush("l", "a");
        assertEquals(StringCommandsTest.WRONGTYPE, Cmd.error(jedis, "PFCOUNT", "l"));
        byte[] headerOnly = new byte[16];
        System.arraycopy(b("HYLL"), 0, headerOnly, 0, 4);
        headerOnly[4] = 1; // sparse, without a single opcode
        jedis.set(b("c"), headerOnly);
        assertEquals(0, jedis.pfcount("c"), "a valid cached cardinality is answered as it is");
        headerOnly[15] = (byte) 0x80;
        jedis.set(b("c"), headerOnly);
        assertEquals("INVALIDOBJ Corrupted HLL object detected", Cmd.error(jedis, "PFCOUNT", "c"));
    }

    @Test
    void selfTestPasses() {
        // millions of register updates: seconds on a busy machine, longer than Jedis's 2 s default
        try (Jedis patient = new Jedis("127.0.0.1", server.port(), 120_000)) {
            assertEquals("OK", Cmd.run(patient, "PFSELFTEST"));
        }
    }

    @Test
    void manyKeysInOneCommandAndPipelines() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            keys.add("k" + i);
            jedis.pfadd("k" + i, "shared", "own" + i);
        }
        assertEquals(51, jedis.pfcount(keys.toArray(new String[0])));
        jedis.pfmerge("all", keys.toArray(new String[0]));
        assertEquals(51, jedis.pfcount("all"));
    }
}
