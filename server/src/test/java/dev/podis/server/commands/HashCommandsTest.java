package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hash family over TCP. Expected replies follow Redis 7.2 (and were checked against a real
 * redis-server where 7.0 and 7.2 agree): small hashes keep insertion order, conversions happen at
 * the configured thresholds, error texts are Redis's.
 */
class HashCommandsTest {
    static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    static final String SYNTAX = "ERR syntax error";

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
        t.call("CONFIG", "SET", "hash-max-listpack-entries", "512");
        t.call("CONFIG", "SET", "hash-max-listpack-value", "64");
        jedis.close();
    }

    private static String repeat(char ch, int n) {
        return String.valueOf(ch).repeat(n);
    }

    // ------------------------------------------------------------ HSET family

    @Test
    void hsetHgetHmget() {
        t.expect(3L, "HSET", "h", "a", "1", "b", "2", "c", "3");
        t.expect(1L, "HSET", "h", "a", "x", "d", "4");
        t.expect("x", "HGET", "h", "a");
        t.expect(null, "HGET", "h", "zz");
        t.expect(null, "HGET", "nokey", "a");
        t.expect(List.of("x", "4"), "HMGET", "h", "a", "d");
        List<Object> withNull = new ArrayList<>();
        withNull.add("2");
        withNull.add(null);
        t.expect(withNull, "HMGET", "h", "b", "zz");
        List<Object> nulls = new ArrayList<>();
        nulls.add(null);
        nulls.add(null);
        t.expect(nulls, "HMGET", "nokey", "a", "b");
        t.expect("OK", "HMSET", "h", "e", "5", "a", "y");
        t.expect("y", "HGET", "h", "a");
        t.expect(1L, "HSET", "h", "dup", "1", "dup", "2");
        t.expect("2", "HGET", "h", "dup");
        t.expect(1L, "HSET", "h", "", "");
        t.expect("", "HGET", "h", "");
        t.expect("hash", "TYPE", "h");
    }

    @Test
    void arityErrors() {
        t.expectError("ERR wrong number of arguments for 'hset' command", "HSET", "h", "a");
        t.expectError("ERR wrong number of arguments for 'hset' command", "HSET", "h", "a", "1", "b");
        t.expectError("ERR wrong number of arguments for 'hmset' command", "HMSET", "h", "a", "1", "b");
        t.expectError("ERR wrong number of arguments for 'hget' command", "HGET", "h");
        t.expectError("ERR wrong number of arguments for 'hsetnx' command", "HSETNX", "h", "a");
        t.expectError("ERR wrong number of arguments for 'hincrby' command", "HINCRBY", "h", "a");
        t.expect(0L, "EXISTS", "h");
    }

    @Test
    void hsetnx() {
        t.expect(1L, "HSETNX", "h", "a", "1");
        t.expect(0L, "HSETNX", "h", "a", "2");
        t.expect("1", "HGET", "h", "a");
        t.expect(1L, "HSETNX", "h", "b", "2");
        t.expect(2L, "HLEN", "h");
    }

    @Test
    void hdelRemovesEmptiedKey() {
        t.expect(3L, "HSET", "h", "a", "1", "b", "2", "c", "3");
        t.expect(2L, "HDEL", "h", "a", "zz", "b", "a");
        t.expect(0L, "HDEL", "h", "zz");
        t.expect(0L, "HDEL", "nokey", "a");
        t.expect(1L, "HDEL", "h", "c", "d");
        t.expect(0L, "EXISTS", "h");
    }

    @Test
    void lenStrlenExists() {
        t.expect(2L, "HSET", "h", "a", "hello", "b", "");
        t.expect(2L, "HLEN", "h");
        t.expect(0L, "HLEN", "nokey");
        t.expect(5L, "HSTRLEN", "h", "a");
        t.expect(0L, "HSTRLEN", "h", "b");
        t.expect(0L, "HSTRLEN", "h", "zz");
        t.expect(0L, "HSTRLEN", "nokey", "a");
        t.expect(1L, "HEXISTS", "h", "a");
        t.expect(0L, "HEXISTS", "h", "zz");
        t.expect(0L, "HEXISTS", "nokey", "a");
    }

    @Test
    void keysValsGetallKeepInsertionOrderWhileSmall() {
        t.expect(3L, "HSET", "h", "z", "1", "a", "2", "m", "3");
        t.expect(0L, "HSET", "h", "z", "9");
        t.expect(List.of("z", "a", "m"), "HKEYS", "h");
        t.expect(List.of("9", "2", "3"), "HVALS", "h");
        t.expect(List.of("z", "9", "a", "2", "m", "3"), "HGETALL", "h");
        t.expect(1L, "HDEL", "h", "a");
        t.expect(1L, "HSET", "h", "a", "4");
        t.expect(List.of("z", "9", "m", "3", "a", "4"), "HGETALL", "h");
        t.expect(List.of(), "HKEYS", "nokey");
        t.expect(List.of(), "HVALS", "nokey");
        t.expect(List.of(), "HGETALL", "nokey");
        assertEquals(Map.of("z", "9", "m", "3", "a", "4"), jedis.hgetAll("h"));
    }

    // ------------------------------------------------------------ HINCRBY / HINCRBYFLOAT

    @Test
    void hincrby() {
        t.expect(5L, "HINCRBY", "h", "n", "5");
        t.expect(-2L, "HINCRBY", "h", "n", "-7");
        t.expect("-2", "HGET", "h", "n");
        t.expectError(NOT_INTEGER, "HINCRBY", "h", "n", "x");
        t.expectError(NOT_INTEGER, "HINCRBY", "h", "n", "1.5");
        t.expectError(NOT_INTEGER, "HINCRBY", "h", "n", "9223372036854775808");
        t.expect(4L, "HSET", "h", "s", "abc", "sp", " 1", "lead", "01", "max", "9223372036854775807");
        t.expectError("ERR hash value is not an integer", "HINCRBY", "h", "s", "1");
        t.expectError("ERR hash value is not an integer", "HINCRBY", "h", "sp", "1");
        t.expectError("ERR hash value is not an integer", "HINCRBY", "h", "lead", "1");
        t.expectError("ERR increment or decrement would overflow", "HINCRBY", "h", "max", "1");
        t.expect(9223372036854775806L, "HINCRBY", "h", "max", "-1");
        t.expect(Long.MIN_VALUE, "HINCRBY", "h", "min", "-9223372036854775808");
        t.expectError("ERR increment or decrement would overflow", "HINCRBY", "h", "min", "-1");
        t.expect(Long.MIN_VALUE + 1, "HINCRBY", "h", "min", "1");
        // errors never create the key
        t.expectError(NOT_INTEGER, "HINCRBY", "fresh", "n", "x");
        t.expect(0L, "EXISTS", "fresh");
    }

    @Test
    void hincrbyfloat() {
        t.expect("10.5", "HINCRBYFLOAT", "h", "x", "10.5");
        t.expect("10.6", "HINCRBYFLOAT", "h", "x", "0.1");
        t.expect("5.6", "HINCRBYFLOAT", "h", "x", "-5");
        // long double arithmetic, printed with %.17Lf as Redis does
        t.expect("1005.59999999999999998", "HINCRBYFLOAT", "h", "x", "1e3");
        t.expect("3000", "HINCRBYFLOAT", "h", "y", "3.0e3");
        t.expectError("ERR value is not a valid float", "HINCRBYFLOAT", "h", "x", "abc");
        t.expectError("ERR value is not a valid float", "HINCRBYFLOAT", "h", "x", "");
        t.expectError("ERR value is NaN or Infinity", "HINCRBYFLOAT", "h", "x", "inf");
        t.expectError("ERR value is NaN or Infinity", "HINCRBYFLOAT", "h", "x", "-inf");
        t.expectError("ERR value is not a valid float", "HINCRBYFLOAT", "h", "x", "nan");
        t.expect(1L, "HSET", "h", "s", "abc");
        t.expectError("ERR hash value is not a float", "HINCRBYFLOAT", "h", "s", "1");
        t.expect(1L, "HSET", "h", "big", "1.1e4932");
        t.expectError("ERR increment would produce NaN or Infinity", "HINCRBYFLOAT", "h", "big", "1.1e4932");
        t.expectError("ERR value is not a valid float", "HINCRBYFLOAT", "h", "big", "1e4933");
        t.expect("1.1e4932", "HGET", "h", "big");
    }

    // ------------------------------------------------------------ HRANDFIELD

    @Test
    void hrandfieldDeterministicCases() {
        t.expect(3L, "HSET", "h", "a", "1", "b", "2", "c", "3");
        t.expect(List.of("a", "b", "c"), "HRANDFIELD", "h", "3");
        t.expect(List.of("a", "b", "c"), "HRANDFIELD", "h", "100");
        t.expect(List.of("a", "1", "b", "2", "c", "3"), "HRANDFIELD", "h", "3", "WITHVALUES");
        t.expect(List.of(), "HRANDFIELD", "h", "0");
        t.expect(List.of(), "HRANDFIELD", "h", "0", "withvalues");
        t.expect(null, "HRANDFIELD", "nokey");
        t.expect(List.of(), "HRANDFIELD", "nokey", "5");
        t.expect(List.of(), "HRANDFIELD", "nokey", "-5", "WITHVALUES");
        t.expectError(NOT_INTEGER, "HRANDFIELD", "h", "x");
        t.expectError(SYNTAX, "HRANDFIELD", "h", "1", "WITHVALUE");
        t.expectError(SYNTAX, "HRANDFIELD", "h", "1", "WITHVALUES", "x");
        t.expectError(NOT_INTEGER, "HRANDFIELD", "h", "x", "WITHVALUES");
        t.expectError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                "HRANDFIELD", "h", "-9223372036854775808");
        t.expectError("ERR value is out of range", "HRANDFIELD", "h", "4611686018427387904", "WITHVALUES");
        t.expectError("ERR value is out of range", "HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES");
        t.expectError(NOT_INTEGER, "HRANDFIELD", "nokey", "x");
    }

    @SuppressWarnings("unchecked")
    @Test
    void hrandfieldCountsAndValues() {
        Map<String, String> big = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            big.put("f" + i, "v" + i);
        }
        jedis.hset("big", big);
        t.expect(3L, "HSET", "small", "a", "1", "b", "2", "c", "3");
        for (String key : List.of("small", "big")) {
            Map<String, String> all = jedis.hgetAll(key);
            // negative: exactly |count| picks, repetitions allowed
            List<String> rep = (List<String>) t.call("HRANDFIELD", key, "-50");
            assertEquals(50, rep.size());
            assertTrue(all.keySet().containsAll(rep));
            List<String> pairs = (List<String>) t.call("HRANDFIELD", key, "-20", "WITHVALUES");
            assertEquals(40, pairs.size());
            for (int i = 0; i < pairs.size(); i += 2) {
                assertEquals(all.get(pairs.get(i)), pairs.get(i + 1));
            }
            // positive below the size: distinct fields
            for (int n : new int[] {1, 2, all.size() - 1}) {
                List<String> uniq = (List<String>) t.call("HRANDFIELD", key, String.valueOf(n), "WITHVALUES");
                assertEquals(2 * n, uniq.size());
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < uniq.size(); i += 2) {
                    assertTrue(seen.add(uniq.get(i)), "duplicate field");
                    assertEquals(all.get(uniq.get(i)), uniq.get(i + 1));
                }
            }
            // the 3x threshold between the two strategies
            List<String> third = (List<String>) t.call("HRANDFIELD", key, String.valueOf(Math.max(1, all.size() / 3)));
            assertEquals(third.size(), new HashSet<>(third).size());
        }
    }

    @SuppressWarnings("unchecked")
    @Test
    void hrandfieldDistribution() {
        for (String enc : List.of("listpack", "hashtable")) {
            t.flushAll();
            if (enc.equals("hashtable")) {
                t.call("CONFIG", "SET", "hash-max-listpack-entries", "0");
            }
            t.expect(4L, "HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4");
            t.expect(enc, "OBJECT", "ENCODING", "h");
            Map<String, Integer> counts = new HashMap<>();
            List<String> picks = (List<String>) t.call("HRANDFIELD", "h", "-8000");
            for (String p : picks) {
                counts.merge(p, 1, Integer::sum);
            }
            Pipeline p = jedis.pipelined();
            List<redis.clients.jedis.Response<String>> singles = new ArrayList<>();
            for (int i = 0; i < 4000; i++) {
                singles.add(p.hrandfield("h"));
            }
            p.sync();
            for (redis.clients.jedis.Response<String> r : singles) {
                counts.merge(r.get(), 1, Integer::sum);
            }
            assertEquals(Set.of("a", "b", "c", "d"), counts.keySet());
            for (int c : counts.values()) {
                // expected 3000 each; +-20% is far outside random variation
                assertTrue(c > 2400 && c < 3600, "skewed distribution " + counts + " for " + enc);
            }
            t.call("CONFIG", "SET", "hash-max-listpack-entries", "512");
        }
    }

    // ------------------------------------------------------------ HSCAN

    @Test
    void hscanSmallReturnsEverythingAtOnce() {
        t.expect(3L, "HSET", "h", "a1", "1", "b", "2", "a2", "3");
        t.expect(List.of("0", List.of("a1", "1", "b", "2", "a2", "3")), "HSCAN", "h", "0", "COUNT", "1");
        t.expect(List.of("0", List.of("a1", "1", "a2", "3")), "HSCAN", "h", "0", "MATCH", "a*");
        t.expect(List.of("0", List.of()), "HSCAN", "h", "0", "MATCH", "zz*");
        t.expect(List.of("0", List.of()), "HSCAN", "nokey", "0");
        t.expect(List.of("0", List.of()), "HSCAN", "nokey", "0", "COUNT", "0");
        t.expectError("ERR invalid cursor", "HSCAN", "h", "x");
        t.expectError(SYNTAX, "HSCAN", "h", "0", "COUNT", "0");
        t.expectError(NOT_INTEGER, "HSCAN", "h", "0", "COUNT", "x");
        t.expectError(SYNTAX, "HSCAN", "h", "0", "MATCH");
        t.expectError(SYNTAX, "HSCAN", "h", "0", "TYPE", "string");
        t.expectError(SYNTAX, "HSCAN", "h", "0", "NOVALUES");
    }

    @Test
    void hscanFullIterationOfLargeHash() {
        Map<String, String> all = new HashMap<>();
        for (int i = 0; i < 5000; i++) {
            all.put("field:" + i, "value:" + i);
        }
        jedis.hset("h", all);
        t.expect("hashtable", "OBJECT", "ENCODING", "h");
        Map<String, String> seen = new HashMap<>();
        String cursor = "0";
        int calls = 0;
        do {
            ScanResult<Map.Entry<String, String>> r = jedis.hscan("h", cursor, new ScanParams().count(50));
            for (Map.Entry<String, String> e : r.getResult()) {
                seen.put(e.getKey(), e.getValue());
            }
            cursor = r.getCursor();
            calls++;
        } while (!cursor.equals("0"));
        assertEquals(all, seen);
        assertTrue(calls > 10, "COUNT must bound each step");
        // MATCH filters within each step
        Set<String> matched = new HashSet<>();
        cursor = "0";
        do {
            ScanResult<Map.Entry<String, String>> r = jedis.hscan("h", cursor, new ScanParams().match("field:1*").count(100));
            for (Map.Entry<String, String> e : r.getResult()) {
                assertTrue(e.getKey().startsWith("field:1"));
                matched.add(e.getKey());
            }
            cursor = r.getCursor();
        } while (!cursor.equals("0"));
        assertEquals(1111, matched.size());
        // a COUNT whose count*10 overflows still walks the whole table in one step
        ScanResult<Map.Entry<String, String>> whole = jedis.hscan("h", "0", new ScanParams().count(Integer.MAX_VALUE));
        assertEquals("0", whole.getCursor());
        assertEquals(5000, whole.getResult().size());
        @SuppressWarnings("unchecked")
        List<Object> huge = (List<Object>) t.call("HSCAN", "h", "0", "COUNT", "9223372036854775807");
        assertEquals("0", huge.get(0));
        assertEquals(10000, ((List<?>) huge.get(1)).size());
    }

    @Test
    void hscanReturnsStableFieldsWhileTheHashGrowsAndShrinks() {
        Map<String, String> stable = new HashMap<>();
        for (int i = 0; i < 2000; i++) {
            stable.put("s" + i, "v");
        }
        jedis.hset("h", stable);
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        int step = 0;
        do {
            ScanResult<Map.Entry<String, String>> r = jedis.hscan("h", cursor, new ScanParams().count(20));
            for (Map.Entry<String, String> e : r.getResult()) {
                seen.add(e.getKey());
            }
            cursor = r.getCursor();
            // grow past several resizes, then shrink again, while the scan runs
            if (step < 30) {
                Map<String, String> more = new HashMap<>();
                for (int i = 0; i < 500; i++) {
                    more.put("t" + step + ":" + i, "v");
                }
                jedis.hset("h", more);
            } else if (step < 60) {
                String[] del = new String[500];
                for (int i = 0; i < 500; i++) {
                    del[i] = "t" + (step - 30) + ":" + i;
                }
                jedis.hdel("h", del);
            }
            step++;
        } while (!cursor.equals("0"));
        assertTrue(seen.containsAll(stable.keySet()), "a field present for the whole scan was missed");
    }

    // ------------------------------------------------------------ encodings

    @Test
    void conversionAtEntriesThreshold() {
        String[] args = new String[2 + 2 * 512];
        args[0] = "HSET";
        args[1] = "h";
        for (int i = 0; i < 512; i++) {
            args[2 + 2 * i] = "f" + i;
            args[3 + 2 * i] = "v" + i;
        }
        t.expect(512L, args);
        t.expect("listpack", "OBJECT", "ENCODING", "h");
        t.expect(1L, "HSET", "h", "one-more", "x");
        t.expect("hashtable", "OBJECT", "ENCODING", "h");
        t.expect(513L, "HLEN", "h");
        t.expect("v7", "HGET", "h", "f7");
        // never converts back
        String[] del = new String[2 + 512];
        del[0] = "HDEL";
        del[1] = "h";
        for (int i = 0; i < 512; i++) {
            del[2 + i] = "f" + i;
        }
        t.expect(512L, del);
        t.expect("hashtable", "OBJECT", "ENCODING", "h");
        t.expect(List.of("one-more", "x"), "HGETALL", "h");
        // one HSET with more new pairs than the limit converts before inserting (Redis 7.2)
        String[] many = new String[2 + 2 * 513];
        many[0] = "HSET";
        many[1] = "h2";
        for (int i = 0; i < 513; i++) {
            many[2 + 2 * i] = "same";
            many[3 + 2 * i] = "v";
        }
        t.expect(1L, many);
        t.expect("hashtable", "OBJECT", "ENCODING", "h2");
    }

    @Test
    void conversionAtValueThreshold() {
        t.expect(1L, "HSET", "h", "f", repeat('v', 64));
        t.expect("listpack", "OBJECT", "ENCODING", "h");
        t.expect(1L, "HSET", "h", "g", repeat('v', 65));
        t.expect("hashtable", "OBJECT", "ENCODING", "h");
        t.expect(1L, "HSET", "k", repeat('f', 65), "v");
        t.expect("hashtable", "OBJECT", "ENCODING", "k");
        // HSETNX converts only when it sets
        t.expect(1L, "HSET", "nx", "f", "v");
        t.expect(0L, "HSETNX", "nx", "f", repeat('v', 65));
        t.expect("listpack", "OBJECT", "ENCODING", "nx");
        t.expect(1L, "HSETNX", "nx", "g", repeat('v', 65));
        t.expect("hashtable", "OBJECT", "ENCODING", "nx");
        // HINCRBY/HINCRBYFLOAT with a long field name
        t.expect(1L, "HSET", "i", "f", "1");
        t.expect(1L, "HINCRBY", "i", repeat('f', 65), "1");
        t.expect("hashtable", "OBJECT", "ENCODING", "i");
        t.expect(1L, "HSET", "j", "f", "1");
        t.expect("1", "HINCRBYFLOAT", "j", repeat('f', 65), "1");
        t.expect("hashtable", "OBJECT", "ENCODING", "j");
    }

    @Test
    void configSetThresholds() {
        t.expect("OK", "CONFIG", "SET", "hash-max-listpack-entries", "2");
        t.expect(2L, "HSET", "h", "a", "1", "b", "2");
        t.expect("listpack", "OBJECT", "ENCODING", "h");
        t.expect(1L, "HSET", "h", "c", "3");
        t.expect("hashtable", "OBJECT", "ENCODING", "h");
        t.expect(3L, "HSET", "h3", "a", "1", "b", "2", "c", "3");
        t.expect("hashtable", "OBJECT", "ENCODING", "h3");
        t.expect("OK", "CONFIG", "SET", "hash-max-ziplist-entries", "512");
        t.expect("OK", "CONFIG", "SET", "hash-max-ziplist-value", "3");
        t.expect(1L, "HSET", "v", "abc", "def");
        t.expect("listpack", "OBJECT", "ENCODING", "v");
        t.expect(1L, "HSET", "v", "abcd", "e");
        t.expect("hashtable", "OBJECT", "ENCODING", "v");
        assertEquals(4, ((List<?>) t.call("HGETALL", "v")).size());
        t.expect("def", "HGET", "v", "abc");
    }

    @Test
    void largeHashLookupsAndDeletes() {
        int n = 100_000;
        Pipeline p = jedis.pipelined();
        for (int i = 0; i < n; i += 1000) {
            Map<String, String> batch = new HashMap<>();
            for (int j = i; j < i + 1000; j++) {
                batch.put("k" + j, "v" + j);
            }
            p.hset("h", batch);
        }
        p.sync();
        t.expect((long) n, "HLEN", "h");
        for (int i = 0; i < n; i += 997) {
            assertEquals("v" + i, jedis.hget("h", "k" + i));
        }
        // delete every odd field: backward-shift deletion and shrinking keep the rest reachable
        p = jedis.pipelined();
        for (int i = 1; i < n; i += 2) {
            p.hdel("h", "k" + i);
        }
        p.sync();
        t.expect((long) n / 2, "HLEN", "h");
        for (int i = 0; i < n; i += 101) {
            assertEquals(i % 2 == 0 ? "v" + i : null, jedis.hget("h", "k" + i));
        }
        p = jedis.pipelined();
        for (int i = 0; i < n; i += 2) {
            p.hdel("h", "k" + i);
        }
        p.sync();
        t.expect(0L, "EXISTS", "h");
    }

    @Test
    void copyIsIndependent() {
        t.expect(2L, "HSET", "src", "a", "1", "b", "2");
        t.expect(1L, "COPY", "src", "dst");
        t.expect(1L, "HSET", "dst", "c", "3");
        t.expect(0L, "HSET", "dst", "a", "9");
        t.expect(List.of("a", "1", "b", "2"), "HGETALL", "src");
        t.expect(List.of("a", "9", "b", "2", "c", "3"), "HGETALL", "dst");
        t.call("CONFIG", "SET", "hash-max-listpack-entries", "0");
        t.expect(1L, "HSET", "bigsrc", "a", "1");
        t.expect("hashtable", "OBJECT", "ENCODING", "bigsrc");
        t.expect(1L, "COPY", "bigsrc", "bigdst");
        t.expect(0L, "HSET", "bigdst", "a", "2");
        t.expect("1", "HGET", "bigsrc", "a");
        t.expect("hashtable", "OBJECT", "ENCODING", "bigdst");
    }

    @Test
    void wrongType() {
        t.expect("OK", "SET", "s", "v");
        String[][] cmds = {
            {"HSET", "s", "f", "v"}, {"HMSET", "s", "f", "v"}, {"HSETNX", "s", "f", "v"}, {"HGET", "s", "f"},
            {"HMGET", "s", "f"}, {"HDEL", "s", "f"}, {"HLEN", "s"}, {"HSTRLEN", "s", "f"}, {"HEXISTS", "s", "f"},
            {"HKEYS", "s"}, {"HVALS", "s"}, {"HGETALL", "s"}, {"HINCRBY", "s", "f", "1"},
            {"HINCRBYFLOAT", "s", "f", "1"}, {"HRANDFIELD", "s"}, {"HRANDFIELD", "s", "2"}, {"HSCAN", "s", "0"},
        };
        for (String[] cmd : cmds) {
            t.expectError(WRONGTYPE, cmd);
        }
        // argument errors come first where Redis checks them first
        t.expectError(NOT_INTEGER, "HINCRBY", "s", "f", "x");
        t.expectError("ERR value is not a valid float", "HINCRBYFLOAT", "s", "f", "x");
        t.expectError("ERR invalid cursor", "HSCAN", "s", "x");
        t.expectError(WRONGTYPE, "HSCAN", "s", "0", "COUNT", "0");
        t.expect("v", "GET", "s");
    }

    // ------------------------------------------------------------ RESP3

    @Test
    void resp3Shapes() throws Exception {
        t.expect(2L, "HSET", "h", "a", "1", "b", "2");
        try (RespClient c = Resp3.connect(server)) {
            Map<Object, Object> expected = new LinkedHashMap<>();
            expected.put("a", "1");
            expected.put("b", "2");
            assertEquals(expected, c.call("HGETALL", "h"));
            assertEquals(new String("%0\r\n"), new String(c.raw("HGETALL", "nokey")));
            assertEquals(List.of(List.of("a", "1"), List.of("b", "2")), c.call("HRANDFIELD", "h", "5", "WITHVALUES"));
            assertEquals(List.of("a", "b"), c.call("HRANDFIELD", "h", "5"));
            Object pairs = c.call("HRANDFIELD", "h", "-3", "WITHVALUES");
            assertEquals(3, ((List<?>) pairs).size());
            for (Object pair : (List<?>) pairs) {
                assertEquals(2, ((List<?>) pair).size());
            }
            assertEquals("_\r\n", new String(c.raw("HGET", "h", "zz")));
            assertEquals("_\r\n", new String(c.raw("HRANDFIELD", "nokey")));
            assertEquals(List.of("0", List.of("a", "1", "b", "2")), c.call("HSCAN", "h", "0"));
        }
        try (RespClient c = new RespClient(server.port())) {
            assertEquals("*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n", new String(c.raw("HGETALL", "h")));
            assertNull(c.call("HGET", "h", "zz"));
            assertEquals("$1\r\n1\r\n", new String(c.raw("HINCRBYFLOAT", "h", "f", "1")));
        }
    }
}
