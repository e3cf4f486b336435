package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The set family over TCP, with Redis 7.2's encodings (intset, listpack, hashtable): intsets
 * reply in ascending order and listpacks in insertion order, so small sets are compared exactly.
 */
class SetCommandsTest {
    static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    static final String SYNTAX = "ERR syntax error";
    static final String NOT_POSITIVE = "ERR value is out of range, must be positive";

    static TestServer server;
    Jedis jedis;
    StringsTestSupport t;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void connect() {
        jedis = server.jedis();
        t = new StringsTestSupport(server, jedis);
        t.flushAll();
    }

    @AfterEach
    void disconnect() {
        t.call("CONFIG", "SET", "set-max-intset-entries", "512");
        t.call("CONFIG", "SET", "set-max-listpack-entries", "128");
        t.call("CONFIG", "SET", "set-max-listpack-value", "64");
        jedis.close();
    }

    // ------------------------------------------------------------ basics

    @Test
    void saddSremScardMembership() {
        t.expect(3L, "SADD", "s", "3", "1", "2");
        t.expect(1L, "SADD", "s", "2", "3", "4");
        t.expect(List.of("1", "2", "3", "4"), "SMEMBERS", "s");
        t.expect(4L, "SCARD", "s");
        t.expect(0L, "SCARD", "nokey");
        t.expect(1L, "SISMEMBER", "s", "1");
        t.expect(0L, "SISMEMBER", "s", "x");
        t.expect(0L, "SISMEMBER", "s", "01");
        t.expect(0L, "SISMEMBER", "nokey", "1");
        t.expect(List.of(1L, 0L, 1L, 0L), "SMISMEMBER", "s", "1", "9", "4", "x");
        t.expect(List.of(0L, 0L), "SMISMEMBER", "nokey", "a", "b");
        t.expect(1L, "SREM", "s", "1", "9", "x");
        t.expect(List.of(), "SMEMBERS", "nokey");
        t.expect(0L, "SREM", "nokey", "a");
        t.expect(3L, "SREM", "s", "2", "3", "4", "5");
        t.expect(0L, "EXISTS", "s");
        t.expect(1L, "SADD", "x", "a");
        t.expect("set", "TYPE", "x");
        t.expectError("ERR wrong number of arguments for 'sadd' command", "SADD", "s");
        t.expectError("ERR wrong number of arguments for 'smismember' command", "SMISMEMBER", "s");
    }

    @Test
    void integersAndStringsInOneSet() {
        t.expect(7L, "SADD", "n", "-5", "0", "-9223372036854775808", "9223372036854775807", "70000", "-70000",
                "5000000000");
        t.expect(List.of("-9223372036854775808", "-70000", "-5", "0", "70000", "5000000000", "9223372036854775807"),
                "SMEMBERS", "n");
        t.expect("intset", "OBJECT", "ENCODING", "n");
        t.expect(0L, "SREM", "n", "+5", "-05", "5 ");
        // non-canonical integers are strings: "007" and "7" are different members
        t.expect(1L, "SADD", "m", "7");
        t.expect(1L, "SADD", "m", "007");
        t.expect(List.of("7", "007"), "SMEMBERS", "m");
        t.expect("listpack", "OBJECT", "ENCODING", "m");
        t.expect(1L, "SISMEMBER", "m", "7");
        t.expect(1L, "SISMEMBER", "m", "007");
        t.expect(1L, "SREM", "m", "7");
        t.expect(List.of("007"), "SMEMBERS", "m");
    }

    @Test
    void listpackKeepsInsertionOrder() {
        t.expect(3L, "SADD", "s", "c", "a", "b");
        t.expect("listpack", "OBJECT", "ENCODING", "s");
        t.expect(List.of("c", "a", "b"), "SMEMBERS", "s");
        t.expect(1L, "SREM", "s", "a");
        t.expect(1L, "SADD", "s", "a");
        t.expect(List.of("c", "b", "a"), "SMEMBERS", "s");
    }

    @Test
    void smove() {
        t.expect(3L, "SADD", "src", "1", "2", "3");
        t.expect(1L, "SADD", "dst", "5");
        t.expect(1L, "SMOVE", "src", "dst", "1");
        t.expect(List.of("2", "3"), "SMEMBERS", "src");
        t.expect(List.of("1", "5"), "SMEMBERS", "dst");
        t.expect(0L, "SMOVE", "src", "dst", "9");
        t.expect(0L, "SMOVE", "nokey", "dst", "1");
        t.expect(1L, "SMOVE", "src", "src", "2");
        t.expect(0L, "SMOVE", "src", "src", "9");
        t.expect(1L, "SMOVE", "src", "fresh", "2");
        t.expect(List.of("2"), "SMEMBERS", "fresh");
        t.expect("intset", "OBJECT", "ENCODING", "fresh");
        t.expect(1L, "SMOVE", "src", "dst", "3");
        t.expect(0L, "EXISTS", "src");
        t.expect(1L, "SADD", "str", "a");
        t.expect(1L, "SMOVE", "str", "dst", "a");
        t.expect("listpack", "OBJECT", "ENCODING", "dst");
        t.expect(List.of("1", "3", "5", "a"), "SMEMBERS", "dst");
        // a member already in the destination still leaves the source
        t.expect(1L, "SADD", "src2", "1");
        t.expect(1L, "SMOVE", "src2", "dst", "1");
        t.expect(0L, "EXISTS", "src2");
        t.expect(4L, "SCARD", "dst");
        t.expect("OK", "SET", "string", "v");
        t.expectError(WRONGTYPE, "SMOVE", "dst", "string", "1");
        t.expectError(WRONGTYPE, "SMOVE", "string", "dst", "1");
        t.expect(0L, "SMOVE", "nokey", "string", "1");
    }

    // ------------------------------------------------------------ SPOP / SRANDMEMBER

    @Test
    void spop() {
        t.expect(3L, "SADD", "p", "5", "3", "1");
        t.expect(List.of("1", "3", "5"), "SPOP", "p", "3");
        t.expect(0L, "EXISTS", "p");
        t.expect(3L, "SADD", "p", "5", "3", "1");
        t.expect(List.of("1", "3", "5"), "SPOP", "p", "100");
        t.expect(0L, "EXISTS", "p");
        t.expect(3L, "SADD", "p", "5", "3", "1");
        t.expect(List.of(), "SPOP", "p", "0");
        t.expectError(NOT_POSITIVE, "SPOP", "p", "-1");
        t.expectError(NOT_POSITIVE, "SPOP", "p", "x");
        t.expectError(SYNTAX, "SPOP", "p", "1", "2");
        t.expect(null, "SPOP", "nokey");
        t.expect(List.of(), "SPOP", "nokey", "3");
        Object one = t.call("SPOP", "p");
        assertTrue(Set.of("1", "3", "5").contains(one));
        t.expect(0L, "SISMEMBER", "p", (String) one);
        @SuppressWarnings("unchecked")
        List<String> two = (List<String>) t.call("SPOP", "p", "2");
        assertEquals(2, two.size());
        t.expect(0L, "EXISTS", "p");
        // an intset and a listpack mixing integers come back as SUNION orders them
        t.expect(3L, "SADD", "q", "a", "2", "1");
        t.expect(1L, "SREM", "q", "a");
        t.expect(1L, "SADD", "q", "b");
        t.expect(List.of("2", "1", "b"), "SMEMBERS", "q");
        t.expect(List.of("1", "2", "b"), "SPOP", "q", "3");
    }

    @SuppressWarnings("unchecked")
    @Test
    void spopLargeSetsRemoveWhatTheyReturn() {
        for (String prefix : List.of("", "m")) {
            t.flushAll();
            jedis.sadd("s", members(prefix, 1000));
            Set<String> popped = new HashSet<>();
            for (int n : new int[] {1, 10, 300, 600}) {
                List<String> got = (List<String>) t.call("SPOP", "s", String.valueOf(n));
                assertEquals(n, got.size());
                for (String m : got) {
                    assertTrue(popped.add(m), "popped twice: " + m);
                }
            }
            assertEquals(89L, t.call("SCARD", "s"));
            for (String m : popped) {
                assertEquals(0L, t.call("SISMEMBER", "s", m));
            }
        }
    }

    private static String[] members(String prefix, int n) {
        String[] a = new String[n];
        for (int i = 0; i < n; i++) {
            a[i] = prefix + i;
        }
        return a;
    }

    @SuppressWarnings("unchecked")
    @Test
    void srandmember() {
        t.expect(3L, "SADD", "r", "3", "1", "2");
        t.expect(List.of("1", "2", "3"), "SRANDMEMBER", "r", "3");
        t.expect(List.of("1", "2", "3"), "SRANDMEMBER", "r", "10");
        t.expect(List.of(), "SRANDMEMBER", "r", "0");
        t.expect(null, "SRANDMEMBER", "nokey");
        t.expect(List.of(), "SRANDMEMBER", "nokey", "5");
        t.expect(List.of(), "SRANDMEMBER", "nokey", "-5");
        t.expectError(NOT_INTEGER, "SRANDMEMBER", "r", "x");
        t.expectError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                "SRANDMEMBER", "r", "-9223372036854775808");
        t.expectError(SYNTAX, "SRANDMEMBER", "r", "1", "2");
        List<String> rep = (List<String>) t.call("SRANDMEMBER", "r", "-7");
        assertEquals(7, rep.size());
        assertTrue(Set.of("1", "2", "3").containsAll(rep));
        t.expect(3L, "SCARD", "r");
        for (String key : List.of("ints", "strs")) {
            jedis.sadd(key, members(key.equals("ints") ? "" : "m", 1000));
            for (int n : new int[] {1, 2, 100, 333, 334, 999}) {
                List<String> u = (List<String>) t.call("SRANDMEMBER", key, String.valueOf(n));
                assertEquals(n, u.size());
                assertEquals(n, new HashSet<>(u).size(), "distinct members expected");
            }
        }
    }

    @SuppressWarnings("unchecked")
    @Test
    void randomDistribution() {
        for (String[] setup : new String[][] {{"1", "2", "3", "4"}, {"a", "b", "c", "d"}}) {
            for (String enc : List.of("compact", "hashtable")) {
                t.flushAll();
                if (enc.equals("hashtable")) {
                    t.call("CONFIG", "SET", "set-max-intset-entries", "0");
                    t.call("CONFIG", "SET", "set-max-listpack-entries", "0");
                }
                jedis.sadd("s", setup);
                Map<String, Integer> counts = new HashMap<>();
                for (String m : (List<String>) t.call("SRANDMEMBER", "s", "-8000")) {
                    counts.merge(m, 1, Integer::sum);
                }
                Pipeline p = jedis.pipelined();
                List<Response<String>> singles = new ArrayList<>();
                for (int i = 0; i < 4000; i++) {
                    singles.add(p.srandmember("s"));
                }
                p.sync();
                for (Response<String> r : singles) {
                    counts.merge(r.get(), 1, Integer::sum);
                }
                assertEquals(Set.of(setup), counts.keySet());
                for (int c : counts.values()) {
                    assertTrue(c > 2400 && c < 3600, "skewed " + counts + " " + enc);
                }
                // SPOP of one member from a fresh copy, many times
                Map<String, Integer> pops = new HashMap<>();
                p = jedis.pipelined();
                List<Response<String>> popped = new ArrayList<>();
                for (int i = 0; i < 4000; i++) {
                    p.sadd("tmp", setup);
                    popped.add(p.spop("tmp"));
                    p.del("tmp");
                }
                p.sync();
                for (Response<String> r : popped) {
                    pops.merge(r.get(), 1, Integer::sum);
                }
                for (int c : pops.values()) {
                    assertTrue(c > 750 && c < 1250, "skewed SPOP " + pops + " " + enc);
                }
                t.call("CONFIG", "SET", "set-max-intset-entries", "512");
                t.call("CONFIG", "SET", "set-max-listpack-entries", "128");
            }
        }
    }

    // ------------------------------------------------------------ SINTER family

    @Test
    void sinterFamily() {
        t.expect(5L, "SADD", "a", "1", "2", "3", "4", "5");
        t.expect(4L, "SADD", "b", "2", "3", "4", "9");
        t.expect(3L, "SADD", "c", "3", "4", "100");
        t.expect(List.of("2", "3", "4"), "SINTER", "a", "b");
        t.expect(List.of("3", "4"), "SINTER", "a", "b", "c");
        t.expect(List.of(), "SINTER", "a", "nokey");
        t.expect(List.of("1", "2", "3", "4", "5"), "SINTER", "a", "a");
        t.expect(2L, "SINTERSTORE", "out", "a", "b", "c");
        t.expect(List.of("3", "4"), "SMEMBERS", "out");
        t.expect("intset", "OBJECT", "ENCODING", "out");
        t.expect(0L, "SINTERSTORE", "out", "a", "nokey");
        t.expect(0L, "EXISTS", "out");
        t.expect("OK", "SET", "out", "v");
        t.expect(3L, "SINTERSTORE", "out", "a", "b");
        t.expect("set", "TYPE", "out");
        t.expect(3L, "SADD", "l1", "x", "7", "y");
        t.expect(3L, "SADD", "l2", "y", "7", "x");
        t.expect(List.of("x", "7", "y"), "SINTER", "l1", "l2");
        t.expect(3L, "SINTERSTORE", "ls", "l1", "l2");
        t.expect("listpack", "OBJECT", "ENCODING", "ls");
        t.expect(1L, "SADD", "l3", "7");
        t.expect(1L, "SADD", "l4", "a");
        t.expect(1L, "SINTERSTORE", "l7", "l1", "l3");
        t.expect(List.of("7"), "SMEMBERS", "l7");
        // a listpack result made only of integers becomes an intset
        t.expect(3L, "SADD", "n3", "x", "8", "7");
        t.expect(4L, "SADD", "n4", "8", "7", "y", "z");
        t.expect(List.of("7", "8", "y", "z"), "SMEMBERS", "n4");
        t.expect(List.of("8", "7"), "SINTER", "n3", "n4");
        t.expect(2L, "SINTERSTORE", "ni", "n3", "n4");
        t.expect("intset", "OBJECT", "ENCODING", "ni");
        t.expect(List.of("7", "8"), "SMEMBERS", "ni");
        t.expect(3L, "SINTERCARD", "2", "a", "b");
        t.expect(2L, "SINTERCARD", "3", "a", "b", "c");
        t.expect(0L, "SINTERCARD", "2", "a", "nokey");
        t.expect(1L, "SINTERCARD", "2", "a", "b", "LIMIT", "1");
        t.expect(3L, "SINTERCARD", "2", "a", "b", "LIMIT", "0");
        t.expect(2L, "SINTERCARD", "2", "a", "b", "limit", "5", "LIMIT", "2");
        t.expectError("ERR numkeys should be greater than 0", "SINTERCARD", "0", "a");
        t.expectError("ERR numkeys should be greater than 0", "SINTERCARD", "-1", "a");
        t.expectError("ERR numkeys should be greater than 0", "SINTERCARD", "x", "a");
        t.expectError("ERR Number of keys can't be greater than number of args", "SINTERCARD", "3", "a", "b");
        t.expectError("ERR LIMIT can't be negative", "SINTERCARD", "2", "a", "b", "LIMIT", "-1");
        t.expectError("ERR LIMIT can't be negative", "SINTERCARD", "2", "a", "b", "LIMIT", "x");
        t.expectError(SYNTAX, "SINTERCARD", "2", "a", "b", "LIMIT");
        t.expectError(SYNTAX, "SINTERCARD", "1", "a", "b");
    }

    @Test
    void sunionSdiff() {
        t.expect(5L, "SADD", "a", "1", "2", "3", "4", "5");
        t.expect(4L, "SADD", "b", "2", "3", "4", "9");
        t.expect(3L, "SADD", "c", "3", "4", "100");
        t.expect(List.of("1", "2", "3", "4", "5", "9"), "SUNION", "a", "b");
        t.expect(List.of("1", "2", "3", "4", "5", "100"), "SUNION", "a", "nokey", "c");
        t.expect(List.of(), "SUNION", "nokey");
        t.expect(7L, "SUNIONSTORE", "u", "a", "b", "c");
        t.expect(List.of("1", "2", "3", "4", "5", "9", "100"), "SMEMBERS", "u");
        t.expect(0L, "SUNIONSTORE", "u", "nokey");
        t.expect(0L, "EXISTS", "u");
        t.expect(List.of("1", "5"), "SDIFF", "a", "b");
        t.expect(List.of("1", "5"), "SDIFF", "a", "b", "c");
        t.expect(List.of("1", "2", "3", "4", "5"), "SDIFF", "a", "nokey");
        t.expect(List.of(), "SDIFF", "nokey", "a");
        t.expect(List.of(), "SDIFF", "a", "a");
        t.expect(List.of(), "SDIFF", "a", "b", "a");
        t.expect(List.of("9"), "SDIFF", "b", "a");
        t.expect(2L, "SDIFFSTORE", "d", "a", "b");
        t.expect(List.of("1", "5"), "SMEMBERS", "d");
        t.expect(0L, "SDIFFSTORE", "d", "a", "a");
        t.expect(0L, "EXISTS", "d");
        // both SDIFF algorithms: a small first set, and a first set much larger than the others
        jedis.sadd("big", members("", 200));
        t.expect(2L, "SADD", "c2", "3", "500");
        t.expect(List.of("500"), "SDIFF", "c2", "big", "a");
        List<?> rest = (List<?>) t.call("SDIFF", "big", "a", "b", "c");
        assertEquals(193, rest.size());
        assertEquals(List.of("0", "6", "7"), rest.subList(0, 3));
        // strings keep listpack order
        t.expect(2L, "SADD", "s1", "x", "y");
        t.expect(2L, "SADD", "s2", "z", "x");
        t.expect(List.of("x", "y", "z"), "SUNION", "s1", "s2");
        t.expect(List.of("y"), "SDIFF", "s1", "s2");
        // STORE replaces the destination and drops its TTL
        t.expect(1L, "SADD", "ttl", "1");
        t.expect(1L, "EXPIRE", "ttl", "100");
        t.expect(5L, "SUNIONSTORE", "ttl", "a");
        t.expect(-1L, "TTL", "ttl");
        t.expect("OK", "SET", "strdst", "v");
        t.expect(2L, "SDIFFSTORE", "strdst", "a", "b");
        t.expect("set", "TYPE", "strdst");
    }

    // ------------------------------------------------------------ SSCAN

    @Test
    void sscan() {
        t.expect(3L, "SADD", "s", "a1", "b", "a2");
        t.expect(List.of("0", List.of("a1", "b", "a2")), "SSCAN", "s", "0", "COUNT", "1");
        t.expect(List.of("0", List.of("a1", "a2")), "SSCAN", "s", "0", "MATCH", "a*");
        t.expect(3L, "SADD", "i", "3", "1", "20");
        t.expect(List.of("0", List.of("1", "3", "20")), "SSCAN", "i", "0");
        t.expect(List.of("0", List.of("20")), "SSCAN", "i", "0", "MATCH", "2*");
        t.expect(List.of("0", List.of()), "SSCAN", "nokey", "0");
        t.expectError("ERR invalid cursor", "SSCAN", "s", "x");
        t.expectError(SYNTAX, "SSCAN", "s", "0", "COUNT", "0");
        t.expectError(NOT_INTEGER, "SSCAN", "s", "0", "COUNT", "x");
        t.expectError(SYNTAX, "SSCAN", "s", "0", "TYPE", "set");
        t.expectError(SYNTAX, "SSCAN", "s", "0", "MATCH");
    }

    @Test
    void sscanFullIterationWhileTheSetChanges() {
        String[] stable = members("stable", 3000);
        jedis.sadd("s", stable);
        t.expect("hashtable", "OBJECT", "ENCODING", "s");
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        int step = 0;
        do {
            ScanResult<String> r = jedis.sscan("s", cursor, new ScanParams().count(25));
            seen.addAll(r.getResult());
            cursor = r.getCursor();
            if (step < 20) {
                jedis.sadd("s", members("grow" + step + ":", 400));
            } else if (step < 40) {
                jedis.srem("s", members("grow" + (step - 20) + ":", 400));
            }
            step++;
        } while (!cursor.equals("0"));
        assertTrue(seen.containsAll(Set.of(stable)), "a member present for the whole scan was missed");
        // and a quiet full iteration returns exactly the set
        Set<String> all = new HashSet<>();
        cursor = "0";
        do {
            ScanResult<String> r = jedis.sscan("s", cursor, new ScanParams().count(100));
            all.addAll(r.getResult());
            cursor = r.getCursor();
        } while (!cursor.equals("0"));
        assertEquals(jedis.smembers("s"), all);
        assertEquals(3000, all.size());
        @SuppressWarnings("unchecked")
        List<Object> huge = (List<Object>) t.call("SSCAN", "s", "0", "COUNT", "9223372036854775807");
        assertEquals(List.of("0", 3000), List.of(huge.get(0), ((List<?>) huge.get(1)).size()));
    }

    // ------------------------------------------------------------ encodings

    @Test
    void intsetThreshold() {
        jedis.sadd("s", members("", 512));
        t.expect("intset", "OBJECT", "ENCODING", "s");
        t.expect(1L, "SADD", "s", "512");
        t.expect("hashtable", "OBJECT", "ENCODING", "s");
        t.expect(513L, "SCARD", "s");
        t.expect(1L, "SISMEMBER", "s", "511");
        // more members in one SADD than an intset may hold: a hash table at once
        jedis.sadd("s2", members("", 513));
        t.expect("hashtable", "OBJECT", "ENCODING", "s2");
        // a small intset given a string becomes a listpack; a large one a hash table
        jedis.sadd("s3", members("", 127));
        t.expect(1L, "SADD", "s3", "x");
        t.expect("listpack", "OBJECT", "ENCODING", "s3");
        jedis.sadd("s4", members("", 128));
        t.expect(1L, "SADD", "s4", "x");
        t.expect("hashtable", "OBJECT", "ENCODING", "s4");
    }

    @Test
    void listpackThresholds() {
        jedis.sadd("s", members("m", 128));
        t.expect("listpack", "OBJECT", "ENCODING", "s");
        t.expect(1L, "SADD", "s", "one-more");
        t.expect("hashtable", "OBJECT", "ENCODING", "s");
        t.expect(1L, "SADD", "v", "x".repeat(64));
        t.expect("listpack", "OBJECT", "ENCODING", "v");
        t.expect(1L, "SADD", "v", "x".repeat(65));
        t.expect("hashtable", "OBJECT", "ENCODING", "v");
        t.expect(1L, "SADD", "v2", "x".repeat(65));
        t.expect("hashtable", "OBJECT", "ENCODING", "v2");
        // never converts back
        t.expect(1L, "SREM", "v", "x".repeat(65));
        t.expect("hashtable", "OBJECT", "ENCODING", "v");
    }

    @Test
    void configSetThresholds() {
        t.expect("OK", "CONFIG", "SET", "set-max-intset-entries", "2");
        t.expect(2L, "SADD", "i", "1", "2");
        t.expect("intset", "OBJECT", "ENCODING", "i");
        t.expect(1L, "SADD", "i", "3");
        t.expect("hashtable", "OBJECT", "ENCODING", "i");
        t.expect(3L, "SADD", "i2", "1", "2", "3");
        t.expect("listpack", "OBJECT", "ENCODING", "i2");
        t.expect(List.of("1", "2", "3"), "SMEMBERS", "i2");
        t.expect(2L, "SADD", "i3", "1", "2");
        t.expect(2L, "SADD", "i3", "3", "4");
        t.expect("hashtable", "OBJECT", "ENCODING", "i3");
        t.expect("OK", "CONFIG", "SET", "set-max-listpack-entries", "2");
        t.expect(2L, "SADD", "l", "a", "b");
        t.expect("listpack", "OBJECT", "ENCODING", "l");
        t.expect(1L, "SADD", "l", "c");
        t.expect("hashtable", "OBJECT", "ENCODING", "l");
        t.expect("OK", "CONFIG", "SET", "set-max-listpack-value", "2");
        t.expect(1L, "SADD", "v", "ab");
        t.expect("listpack", "OBJECT", "ENCODING", "v");
        t.expect(1L, "SADD", "v", "abc");
        t.expect("hashtable", "OBJECT", "ENCODING", "v");
        t.expect(List.of("set-max-listpack-value", "2"), "CONFIG", "GET", "set-max-listpack-value");
    }

    @Test
    void largeSet() {
        int n = 100_000;
        Pipeline p = jedis.pipelined();
        for (int i = 0; i < n; i += 1000) {
            String[] batch = new String[1000];
            for (int j = 0; j < 1000; j++) {
                batch[j] = "m" + (i + j);
            }
            p.sadd("s", batch);
        }
        p.sync();
        t.expect((long) n, "SCARD", "s");
        for (int i = 0; i < n; i += 991) {
            assertEquals(true, jedis.sismember("s", "m" + i));
        }
        assertEquals(false, jedis.sismember("s", "m" + n));
        p = jedis.pipelined();
        for (int i = 0; i < n; i += 2) {
            p.srem("s", "m" + i);
        }
        p.sync();
        t.expect((long) n / 2, "SCARD", "s");
        for (int i = 0; i < n; i += 97) {
            assertEquals(i % 2 == 1, jedis.sismember("s", "m" + i));
        }
    }

    @Test
    void copyIsIndependent() {
        t.expect(2L, "SADD", "cs", "1", "2");
        t.expect(1L, "COPY", "cs", "cd");
        t.expect(1L, "SADD", "cd", "3");
        t.expect(List.of("1", "2"), "SMEMBERS", "cs");
        t.expect(List.of("1", "2", "3"), "SMEMBERS", "cd");
        jedis.sadd("hs", members("h", 200));
        t.expect(1L, "COPY", "hs", "hd");
        t.expect(1L, "SREM", "hd", "h1");
        t.expect(1L, "SISMEMBER", "hs", "h1");
        t.expect("hashtable", "OBJECT", "ENCODING", "hd");
    }

    @Test
    void wrongType() {
        t.expect("OK", "SET", "str", "v");
        String[][] cmds = {
            {"SADD", "str", "a"}, {"SREM", "str", "a"}, {"SISMEMBER", "str", "a"}, {"SMISMEMBER", "str", "a"},
            {"SMEMBERS", "str"}, {"SCARD", "str"}, {"SPOP", "str"}, {"SPOP", "str", "2"}, {"SRANDMEMBER", "str"},
            {"SRANDMEMBER", "str", "2"}, {"SINTER", "str"}, {"SINTER", "nokey", "str"},
            {"SINTERSTORE", "d", "str"}, {"SINTERCARD", "1", "str"}, {"SUNION", "str"}, {"SUNIONSTORE", "d", "str"},
            {"SDIFF", "nokey", "str"}, {"SDIFFSTORE", "d", "str"}, {"SSCAN", "str", "0"},
        };
        for (String[] c : cmds) {
            t.expectError(WRONGTYPE, c);
        }
        t.expectError(NOT_POSITIVE, "SPOP", "str", "x");
        t.expect(0L, "EXISTS", "d");
        t.expect("v", "GET", "str");
    }

    // ------------------------------------------------------------ RESP3

    @Test
    void resp3Shapes() throws Exception {
        t.expect(3L, "SADD", "s", "3", "1", "2");
        try (RespClient c = Resp3.connect(server)) {
            assertEquals("~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", new String(c.raw("SMEMBERS", "s")));
            assertEquals("~0\r\n", new String(c.raw("SMEMBERS", "nokey")));
            assertEquals("~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", new String(c.raw("SINTER", "s", "s")));
            assertEquals("~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", new String(c.raw("SUNION", "s")));
            assertEquals("~0\r\n", new String(c.raw("SDIFF", "s", "s")));
            assertEquals("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", new String(c.raw("SRANDMEMBER", "s", "5")));
            assertEquals("*0\r\n", new String(c.raw("SRANDMEMBER", "nokey", "5")));
            assertEquals("~0\r\n", new String(c.raw("SPOP", "nokey", "5")));
            assertEquals("_\r\n", new String(c.raw("SPOP", "nokey")));
            assertEquals("*2\r\n:1\r\n:0\r\n", new String(c.raw("SMISMEMBER", "s", "1", "9")));
            assertEquals("~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", new String(c.raw("SPOP", "s", "3")));
        }
        try (RespClient c = new RespClient(server.port())) {
            assertEquals("*0\r\n", new String(c.raw("SMEMBERS", "nokey")));
            assertEquals("$-1\r\n", new String(c.raw("SPOP", "nokey")));
        }
    }
}
