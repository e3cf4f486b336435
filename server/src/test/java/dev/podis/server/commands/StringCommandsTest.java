package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The string family over TCP. Expected replies were checked against a real redis-server: where
 * a reply is surprising (GETRANGE clamping, INCRBYFLOAT formatting...) it is what Redis answers.
 */
class StringCommandsTest {
    static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    static final String SYNTAX = "ERR syntax error";
    static final String NOT_FLOAT = "ERR value is not a valid float";

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
        jedis.close();
    }

    // ------------------------------------------------------------ GET / SET

    @Test
    void getAndPlainSet() {
        t.expect(null, "GET", "k");
        t.expect("OK", "SET", "k", "v");
        t.expect("v", "GET", "k");
        t.expect("OK", "SET", "k", "");
        t.expect("", "GET", "k");
        t.expect("OK", "SET", "bin", "a\u0000\u00ff\r\nb");
        t.expect("a\u0000\u00ff\r\nb", "GET", "bin");
        t.plantList("list");
        t.expectError(WRONGTYPE, "GET", "list");
        t.expect("OK", "SET", "list", "now a string");
        t.expect("now a string", "GET", "list");
    }

    @Test
    void getCountsKeyspaceHitsAndMisses() {
        long hits = t.onLoop(() -> t.context().stats().keyspaceHits);
        long misses = t.onLoop(() -> t.context().stats().keyspaceMisses);
        t.call("SET", "a", "1");
        t.call("GET", "a");
        t.call("GET", "nope");
        t.call("MGET", "a", "a", "nope");
        assertEquals(hits + 3, (long) t.onLoop(() -> t.context().stats().keyspaceHits));
        assertEquals(misses + 2, (long) t.onLoop(() -> t.context().stats().keyspaceMisses));
    }

    @Test
    void setExpiryOptions() {
        long before = t.now();
        t.expect("OK", "SET", "k", "v", "EX", "100");
        long at = t.expireAt("k");
        assertTrue(at >= before + 100_000 && at <= t.now() + 100_000, "EX sets now + 100 s");
        t.expect("OK", "SET", "k", "v", "px", "5000");
        at = t.expireAt("k");
        assertTrue(at >= before + 5000 && at <= t.now() + 5000);
        long future = t.now() + 3_600_000;
        t.expect("OK", "SET", "k", "v", "PXAT", Long.toString(future));
        assertEquals(future, t.expireAt("k"));
        t.expect("OK", "SET", "k", "v", "EXAT", Long.toString(future / 1000));
        assertEquals(future / 1000 * 1000, t.expireAt("k"));
        // Writing without KEEPTTL drops the TTL; KEEPTTL keeps it.
        t.expect("OK", "SET", "k", "w", "KEEPTTL");
        assertEquals(future / 1000 * 1000, t.expireAt("k"));
        t.expect("OK", "SET", "k", "x");
        assertEquals(-1, t.expireAt("k"));
        // The last of repeated EX wins, as in Redis.
        t.expect("OK", "SET", "k", "v", "EX", "10", "EX", "1000");
        assertTrue(t.expireAt("k") > t.now() + 900_000);
        // A PXAT/EXAT already past stores nothing: the key is gone.
        t.expect("OK", "SET", "k", "v", "EXAT", "1");
        assertFalse(t.exists("k"));
        t.expect(null, "GET", "k");
        t.call("SET", "k", "old");
        t.expect("old", "SET", "k", "v", "PXAT", "1", "GET");
        assertFalse(t.exists("k"));
        // Huge but valid absolute times are accepted.
        t.expect("OK", "SET", "k", "v", "PXAT", "9223372036854775807");
        assertEquals(Long.MAX_VALUE, t.expireAt("k"));
        t.expect("OK", "SET", "k", "v", "EXAT", "9223372036854775");
        assertEquals(9223372036854775000L, t.expireAt("k"));
    }

    @Test
    void setExpiryErrors() {
        String bad = "ERR invalid expire time in 'set' command";
        t.expectError(bad, "SET", "a", "1", "EX", "0");
        t.expectError(bad, "SET", "a", "1", "EX", "-1");
        t.expectError(bad, "SET", "a", "1", "PX", "0");
        t.expectError(bad, "SET", "a", "1", "EXAT", "0");
        t.expectError(bad, "SET", "a", "1", "PXAT", "-5");
        t.expectError(bad, "SET", "a", "1", "EX", "-9223372036854775808");
        // Overflow once converted to ms, or once the current time is added.
        t.expectError(bad, "SET", "a", "1", "EX", "9223372036854775807");
        t.expectError(bad, "SET", "a", "1", "EX", "9223372036854775");
        t.expectError(bad, "SET", "a", "1", "PX", "9223372036854775807");
        t.expectError(bad, "SET", "a", "1", "EXAT", "9223372036854776");
        t.expectError(NOT_INTEGER, "SET", "a", "1", "EX", "abc");
        t.expectError(NOT_INTEGER, "SET", "a", "1", "EX", "1.5");
        t.expectError(NOT_INTEGER, "SET", "a", "1", "EX", " 10");
        assertFalse(t.exists("a"));
        // The expire time is checked before NX.
        t.expectError(bad, "SET", "a", "7", "EX", "0", "NX");
    }

    @Test
    void setSyntaxErrors() {
        for (String[] cmd : new String[][] {
                {"SET", "a", "1", "NX", "XX"},
                {"SET", "a", "1", "XX", "NX"},
                {"SET", "a", "1", "EX", "10", "PX", "10"},
                {"SET", "a", "1", "PX", "1", "PXAT", "2"},
                {"SET", "a", "1", "EX", "1", "EXAT", "2"},
                {"SET", "a", "1", "EX", "10", "KEEPTTL"},
                {"SET", "a", "1", "KEEPTTL", "EX", "10"},
                {"SET", "a", "1", "EX"},
                {"SET", "a", "1", "foo"},
                {"SET", "a", "1", "PERSIST"},
                {"SET", "a", "1", "NXX"},
        }) {
            t.expectError(SYNTAX, cmd);
        }
        assertFalse(t.exists("a"));
    }

    @Test
    void setConditionsAndGet() {
        t.expect(null, "SET", "k", "1", "XX");
        assertFalse(t.exists("k"));
        t.expect("OK", "SET", "k", "1", "NX");
        t.expect(null, "SET", "k", "2", "NX");
        t.expect(null, "SET", "k", "2", "nx", "nx");
        t.expect("1", "GET", "k");
        t.expect("OK", "SET", "k", "3", "XX");
        t.expect("3", "GET", "k");
        // GET returns the old value whether or not the condition lets the write happen.
        t.expect("3", "SET", "k", "5", "NX", "GET");
        t.expect("3", "GET", "k");
        t.expect("3", "SET", "k", "6", "XX", "GET");
        t.expect("6", "SET", "k", "7", "get", "get");
        t.expect(null, "SET", "missing", "1", "XX", "GET");
        assertFalse(t.exists("missing"));
        t.expect(null, "SET", "fresh", "1", "GET");
        t.expect("1", "GET", "fresh");
        t.call("SET", "k", "a", "EX", "100");
        long at = t.expireAt("k");
        t.expect("a", "SET", "k", "b", "KeepTtl", "Get");
        assertEquals(at, t.expireAt("k"));
        // GET on another type: WRONGTYPE and nothing written, whatever the other options.
        t.plantList("list");
        t.expectError(WRONGTYPE, "SET", "list", "1", "GET");
        t.expectError(WRONGTYPE, "SET", "list", "1", "NX", "GET");
        t.expectError(WRONGTYPE, "SET", "list", "1", "XX", "GET");
        t.expectError(WRONGTYPE, "GET", "list");
        // Without GET, SET overwrites any type.
        t.expect(null, "SET", "list", "1", "NX");
        t.expect("OK", "SET", "list", "1", "XX");
        t.expect("1", "GET", "list");
    }

    @Test
    void setnxSetexPsetex() {
        t.expect(1L, "SETNX", "k", "1");
        t.expect(0L, "SETNX", "k", "2");
        t.expect("1", "GET", "k");
        t.expect("OK", "SETEX", "k", "100", "v");
        assertTrue(t.expireAt("k") > t.now() + 99_000);
        t.expect("v", "GET", "k");
        t.expect("OK", "PSETEX", "k", "100000", "w");
        assertTrue(t.expireAt("k") > t.now() + 99_000);
        t.expectError("ERR invalid expire time in 'setex' command", "SETEX", "k", "0", "v");
        t.expectError("ERR invalid expire time in 'setex' command", "SETEX", "k", "-5", "v");
        t.expectError("ERR invalid expire time in 'setex' command", "SETEX", "k", "9223372036854775807", "v");
        t.expectError("ERR invalid expire time in 'psetex' command", "PSETEX", "k", "0", "v");
        t.expectError(NOT_INTEGER, "SETEX", "k", "abc", "v");
        t.expect("w", "GET", "k");
        t.expectError("ERR wrong number of arguments for 'setex' command", "SETEX", "k", "10");
    }

    @Test
    void getex() {
        t.expect(null, "GETEX", "nokey");
        t.expect(null, "GETEX", "nokey", "EX", "0"); // a missing key answers before the time is checked
        t.expectError(SYNTAX, "GETEX", "nokey", "foo");
        t.call("SET", "k", "v");
        t.expect("v", "GETEX", "k");
        assertEquals(-1, t.expireAt("k"));
        t.expect("v", "GETEX", "k", "EX", "50");
        long at = t.expireAt("k");
        assertTrue(at > t.now() + 49_000 && at <= t.now() + 50_000);
        t.expect("v", "GETEX", "k", "PERSIST");
        assertEquals(-1, t.expireAt("k"));
        t.expect("v", "GETEX", "k", "PX", "20000");
        assertTrue(t.expireAt("k") > t.now() + 19_000);
        long future = t.now() + 1_000_000;
        t.expect("v", "GETEX", "k", "PXAT", Long.toString(future));
        assertEquals(future, t.expireAt("k"));
        t.expect("v", "GETEX", "k", "EXAT", Long.toString(future / 1000));
        assertEquals(future / 1000 * 1000, t.expireAt("k"));
        t.expect("v", "GETEX", "k", "persist", "persist");
        String bad = "ERR invalid expire time in 'getex' command";
        t.expectError(bad, "GETEX", "k", "EX", "0");
        t.expectError(bad, "GETEX", "k", "PX", "-1");
        t.expectError(bad, "GETEX", "k", "EX", "9223372036854775807");
        t.expectError(bad, "GETEX", "k", "EXAT", "9223372036854775807");
        t.expectError(NOT_INTEGER, "GETEX", "k", "EX", "x");
        t.expectError(SYNTAX, "GETEX", "k", "PERSIST", "EX", "5");
        t.expectError(SYNTAX, "GETEX", "k", "EX", "5", "PX", "5");
        t.expectError(SYNTAX, "GETEX", "k", "NX");
        t.expectError(SYNTAX, "GETEX", "k", "KEEPTTL");
        t.expectError(SYNTAX, "GETEX", "k", "EX");
        assertEquals(-1, t.expireAt("k"));
        // An absolute time already past deletes the key after replying with its value.
        t.expect("v", "GETEX", "k", "PXAT", "1");
        assertFalse(t.exists("k"));
        t.plantList("list");
        t.expectError(WRONGTYPE, "GETEX", "list");
        t.expectError(WRONGTYPE, "GETEX", "list", "EX", "0");
    }

    @Test
    void msetMgetMsetnx() {
        t.expect("OK", "MSET", "a", "1", "b", "2");
        t.plantList("list");
        t.expect(java.util.Arrays.asList("1", "2", null, null), "MGET", "a", "b", "nokey", "list");
        t.expect("OK", "MSET", "m", "6", "m", "7");
        t.expect("7", "GET", "m");
        t.expectError("ERR wrong number of arguments for 'mset' command", "MSET", "a");
        t.expectError("ERR wrong number of arguments for 'mset' command", "MSET", "a", "1", "b");
        t.expectError("ERR wrong number of arguments for 'msetnx' command", "MSETNX", "a", "1", "b");
        t.expect(1L, "MSETNX", "n1", "1", "n2", "2");
        t.expect(0L, "MSETNX", "n1", "x", "n3", "3");
        assertFalse(t.exists("n3"));
        t.expect("1", "GET", "n1");
        t.expect(0L, "MSETNX", "list", "x");
        // MSET drops TTLs.
        t.call("SET", "a", "1", "EX", "100");
        t.call("MSET", "a", "2");
        assertEquals(-1, t.expireAt("a"));
    }

    @Test
    void getsetAndGetdel() {
        t.expect(null, "GETSET", "k", "v");
        t.call("SET", "k", "v", "EX", "100");
        t.expect("v", "GETSET", "k", "w");
        assertEquals(-1, t.expireAt("k"));
        t.expect("w", "GET", "k");
        t.expect("w", "GETDEL", "k");
        t.expect(null, "GETDEL", "k");
        assertFalse(t.exists("k"));
        t.plantList("list");
        t.expectError(WRONGTYPE, "GETSET", "list", "x");
        t.expectError(WRONGTYPE, "GETDEL", "list");
        assertTrue(t.exists("list"));
    }

    // ------------------------------------------------------------ APPEND, STRLEN, ranges

    @Test
    void appendAndStrlen() {
        t.expect(0L, "STRLEN", "k");
        t.expect(0L, "APPEND", "k", "");
        assertTrue(t.exists("k"), "APPEND creates the key even for an empty value");
        t.expect(3L, "APPEND", "k", "abc");
        t.expect(6L, "APPEND", "k", "d\u0000f");
        t.expect("abcd\u0000f", "GET", "k");
        t.expect(6L, "STRLEN", "k");
        t.call("SET", "n", "12");
        t.expect(4L, "APPEND", "n", "34");
        t.expect(1235L, "INCR", "n");
        // APPEND keeps the TTL.
        t.call("SET", "e", "x", "EX", "100");
        long at = t.expireAt("e");
        t.call("APPEND", "e", "y");
        assertEquals(at, t.expireAt("e"));
        t.plantList("list");
        t.expectError(WRONGTYPE, "APPEND", "list", "x");
        t.expectError(WRONGTYPE, "STRLEN", "list");
    }

    @Test
    void getrangeAndSubstr() {
        t.call("SET", "s", "Hello World");
        t.expect("Hello World", "GETRANGE", "s", "0", "-1");
        t.expect("rld", "GETRANGE", "s", "-3", "-1");
        t.expect("", "GETRANGE", "s", "-1", "-3");
        t.expect("", "GETRANGE", "s", "5", "3");
        t.expect("Hello World", "GETRANGE", "s", "0", "100");
        t.expect("H", "GETRANGE", "s", "-100", "-50"); // both clamp to 0, as Redis 7 does
        t.expect("Hello World", "GETRANGE", "s", "-100", "100");
        t.expect("", "GETRANGE", "s", "100", "200");
        t.expect("", "GETRANGE", "s", "3", "-100");
        t.expect("Hello World", "GETRANGE", "s", "0", "9223372036854775807");
        t.expect("Hello World", "GETRANGE", "s", "-9223372036854775808", "9223372036854775807");
        t.expectError(NOT_INTEGER, "GETRANGE", "s", "a", "1");
        t.expectError(NOT_INTEGER, "GETRANGE", "s", "9223372036854775808", "1");
        t.expect("", "GETRANGE", "nokey", "0", "-1");
        t.expectError(NOT_INTEGER, "GETRANGE", "nokey", "a", "1");
        t.expect("Hello", "SUBSTR", "s", "0", "4");
        t.expect("World", "SUBSTR", "s", "-5", "-1");
        t.call("SET", "e", "");
        t.expect("", "GETRANGE", "e", "0", "-1");
        t.expect("", "GETRANGE", "e", "0", "0");
        t.expect("", "GETRANGE", "e", "-1", "0");
        t.plantList("list");
        t.expectError(WRONGTYPE, "GETRANGE", "list", "0", "1");
        t.expectError(NOT_INTEGER, "GETRANGE", "list", "a", "1");
    }

    @Test
    void setrange() {
        t.call("SET", "s", "Hello World");
        t.expect(11L, "SETRANGE", "s", "6", "Redis");
        t.expect("Hello Redis", "GET", "s");
        t.expect(15L, "SETRANGE", "s", "13", "xx");
        t.expect("Hello Redis\u0000\u0000xx", "GET", "s");
        t.expect(15L, "SETRANGE", "s", "0", "");
        t.expect(15L, "SETRANGE", "s", "100", "");
        t.expect(0L, "SETRANGE", "nokey", "5", "");
        assertFalse(t.exists("nokey"), "setting nothing on a missing key creates nothing");
        t.expect(7L, "SETRANGE", "nokey", "5", "ab");
        t.expect("\u0000\u0000\u0000\u0000\u0000ab", "GET", "nokey");
        t.call("SET", "i", "12345");
        t.expect(5L, "SETRANGE", "i", "1", "x");
        t.expect("1x345", "GET", "i");
        t.expectError("ERR offset is out of range", "SETRANGE", "s", "-1", "x");
        t.expectError(NOT_INTEGER, "SETRANGE", "s", "a", "x");
        t.expectError(NOT_INTEGER, "SETRANGE", "s", "9223372036854775808", "x");
        String tooBig = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
        t.expectError(tooBig, "SETRANGE", "s", "536870912", "x");
        t.expectError(tooBig, "SETRANGE", "s", "9223372036854775807", "x");
        t.expect(15L, "SETRANGE", "s", "536870912", ""); // empty value: no size check
        t.expect(0L, "SETRANGE", "nokey2", "536870912", "");
        // TTL kept.
        t.call("SET", "ttl", "v", "EX", "100");
        long at = t.expireAt("ttl");
        t.call("SETRANGE", "ttl", "3", "x");
        assertEquals(at, t.expireAt("ttl"));
        t.plantList("list");
        t.expectError(WRONGTYPE, "SETRANGE", "list", "0", "x");
        t.expectError(WRONGTYPE, "SETRANGE", "list", "0", "");
        t.expectError("ERR offset is out of range", "SETRANGE", "list", "-1", "x");
    }

    @Test
    void sizeLimitFollowsProtoMaxBulkLen() {
        try (TestServer small = TestServer.start(Map.of("proto-max-bulk-len", "1mb"));
             Jedis j = small.jedis()) {
            StringsTestSupport s = new StringsTestSupport(small, j);
            String tooBig = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
            s.expect(1048576L, "SETRANGE", "k", "1048575", "x");
            s.expectError(tooBig, "SETRANGE", "k", "1048576", "x");
            s.expectError(tooBig, "SETRANGE", "k", "1048575", "xy");
            s.expectError(tooBig, "APPEND", "k", "x");
            s.expect(1048576L, "STRLEN", "k");
        }
    }

    // ------------------------------------------------------------ counters

    @Test
    void incrDecr() {
        t.expect(1L, "INCR", "n");
        t.expect(0L, "DECR", "n");
        t.expect(-1L, "DECR", "n");
        t.expect(9L, "INCRBY", "n", "10");
        t.expect(-1L, "DECRBY", "n", "10");
        t.expect("-1", "GET", "n");
        t.expect(-1L, "DECR", "fresh");
        t.expect(-9223372036854775808L, "INCRBY", "min", "-9223372036854775808");
        t.expect("-9223372036854775808", "GET", "min");
        t.expectError("ERR increment or decrement would overflow", "DECR", "min");
        t.expectError("ERR increment or decrement would overflow", "DECRBY", "min", "1");
        t.call("SET", "max", "9223372036854775807");
        t.expectError("ERR increment or decrement would overflow", "INCR", "max");
        t.expect(9223372036854775806L, "INCRBY", "max", "-1");
        t.expectError("ERR decrement would overflow", "DECRBY", "max", "-9223372036854775808");
        t.expect(-1L, "DECRBY", "max", "9223372036854775807");
        t.expectError(NOT_INTEGER, "INCRBY", "n", "9223372036854775808");
        t.expectError(NOT_INTEGER, "INCRBY", "n", "abc");
        t.expectError(NOT_INTEGER, "DECRBY", "n", "1.5");
        for (String bad : new String[] {"  1", "007", "+1", "1.0", "-0", "", "1 ", "abc", "99999999999999999999"}) {
            t.call("SET", "bad", bad);
            t.expectError(NOT_INTEGER, "INCR", "bad");
            t.expect(bad, "GET", "bad");
        }
        // The TTL survives.
        t.call("SET", "c", "10", "EX", "100");
        long at = t.expireAt("c");
        t.expect(11L, "INCR", "c");
        assertEquals(at, t.expireAt("c"));
        t.plantList("list");
        t.expectError(WRONGTYPE, "INCR", "list");
        t.expectError(WRONGTYPE, "DECRBY", "list", "1");
        t.expectError(NOT_INTEGER, "INCRBY", "list", "x");
    }

    @Test
    void incrbyfloatFormatsLikeRedis() {
        // Replies as redis-server prints them: long double arithmetic, "%.17Lf" without trailing zeros.
        String[][] cases = {
                {"10.5", "0.1", "10.6"},
                {"3.0e3", "0", "3000"},
                {"5.0e3", "200", "5200"},
                {"1.5", "-1.5", "0"},
                {"0.1", "0.2", "0.3"},
                {"10", "1.5", "11.5"},
                {"9223372036854775807", "1", "9223372036854775808"},
                {"18446744073709551617", "0.5", "18446744073709551616"},
                {"1234567.891", "0", "1234567.89099999999996271"},
                {"1234567.89099999999996271", "0.000000001", "1234567.89100000099995214"},
        };
        for (String[] c : cases) {
            t.call("SET", "f", c[0]);
            t.expect(c[2], "INCRBYFLOAT", "f", c[1]);
            t.expect(c[2], "GET", "f");
        }
        String[][] fresh = {
                {"1.23456789012345678901", "1.23456789012345679"},
                {"3.14159265358979323846264338", "3.14159265358979324"},
                {"0.123456789012345678", "0.12345678901234568"},
                {"99999999999999999999.99", "100000000000000000000"},
                {"0x10", "16"},
                {"0x1p-2", "0.25"},
                {"0X1.8P1", "3"},
                {"0x.8", "0.5"},
                {"-.5e1", "-5"},
                {"+5", "5"},
                {".5", "0.5"},
                {"5.", "5"},
                {"-0", "0"},
                {"1e-320", "0"},
                {"1e-4950", "0"},
                {"1e-17", "0.00000000000000001"},
                {"5e-18", "0"},
                {"1.5e-17", "0.00000000000000002"},
                {"2.5e-17", "0.00000000000000002"},
                {"-1e-18", "0"},
                {"0.000003814697265625", "0.00000381469726562"}, // exact tie: to even
                {"0.000011444091796875", "0.00001144409179688"},
                {"100.00000000000000001", "100.00000000000000001"},
                {"12345678901234567.5", "12345678901234567.5"},
                {"123456789012345678901234567890", "123456789012345678899921813504"},
                {"1e20", "100000000000000000000"},
        };
        for (String[] c : fresh) {
            t.flushAll();
            t.expect(c[1], "INCRBYFLOAT", "g", c[0]);
        }
        t.flushAll();
        t.expect("100000000000000000002458586534161025661508068040050002887327500487325785432383926208372890736129198739813658147359652238566592960617854587787845326097835852628442219969983473365844529789269081145212928",
                "INCRBYFLOAT", "big", "1e200");
        String huge = (String) t.call("INCRBYFLOAT", "huge", "1e4932");
        assertEquals(4933, huge.length());
        assertTrue(huge.startsWith("10000000000000000000060189493879638913238"));
        t.expectError("ERR increment would produce NaN or Infinity", "INCRBYFLOAT", "huge", "1e4932");
        t.expect(huge, "GET", "huge");
    }

    @Test
    void incrbyfloatErrors() {
        for (String bad : new String[] {" 1", "1 ", "nan", "nan(123)", "1e5000", "1e-5000", "0x", "1e", "1e+",
                ".", "-", "", "abc", "infinit", "0xg", "0x1p", "\t1", "1\n", "5\u0000"}) {
            t.expectError(NOT_FLOAT, "INCRBYFLOAT", "f", bad);
        }
        assertFalse(t.exists("f"));
        t.expectError("ERR increment would produce NaN or Infinity", "INCRBYFLOAT", "f", "inf");
        t.expectError("ERR increment would produce NaN or Infinity", "INCRBYFLOAT", "f", "-Infinity");
        for (String bad : new String[] {"abc", "1abc", "1 ", "", "1\u0000abc"}) {
            t.call("SET", "v", bad);
            t.expectError(NOT_FLOAT, "INCRBYFLOAT", "v", "1");
        }
        t.call("SET", "ttl", "1", "EX", "100");
        long at = t.expireAt("ttl");
        t.expect("2", "INCRBYFLOAT", "ttl", "1");
        assertEquals(at, t.expireAt("ttl"));
        t.plantList("list");
        t.expectError(WRONGTYPE, "INCRBYFLOAT", "list", "1");
        t.expectError(WRONGTYPE, "INCRBYFLOAT", "list", "x");
    }

    // ------------------------------------------------------------ LCS

    @Test
    void lcs() {
        t.call("MSET", "key1", "ohmytext", "key2", "mynewtext");
        t.expect("mytext", "LCS", "key1", "key2");
        t.expect(6L, "LCS", "key1", "key2", "LEN");
        t.expect(List.of("matches", List.of(
                        List.of(List.of(4L, 7L), List.of(5L, 8L)),
                        List.of(List.of(2L, 3L), List.of(0L, 1L))), "len", 6L),
                "LCS", "key1", "key2", "IDX");
        t.expect(List.of("matches", List.of(
                        List.of(List.of(4L, 7L), List.of(5L, 8L), 4L)), "len", 6L),
                "LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN");
        t.expect(List.of("matches", List.of(
                        List.of(List.of(4L, 7L), List.of(5L, 8L), 4L),
                        List.of(List.of(2L, 3L), List.of(0L, 1L), 2L)), "len", 6L),
                "LCS", "key1", "key2", "idx", "withmatchlen");
        t.expect(List.of("matches", List.of(
                        List.of(List.of(4L, 7L), List.of(5L, 8L)),
                        List.of(List.of(2L, 3L), List.of(0L, 1L))), "len", 6L),
                "LCS", "key1", "key2", "MINMATCHLEN", "-5", "IDX");
        t.expect("mytext", "LCS", "key1", "key2", "WITHMATCHLEN");
        t.expect(6L, "LCS", "key1", "key2", "WITHMATCHLEN", "LEN");
        t.expect(6L, "LCS", "key1", "key2", "LEN", "LEN");
        t.expect("mytext", "LCS", "key1", "key2", "MINMATCHLEN", "100");
        t.call("MSET", "a", "ABCBDAB", "b", "BDCABA");
        t.expect("BDAB", "LCS", "a", "b");
        t.expect(List.of("matches", List.of(
                        List.of(List.of(5L, 6L), List.of(3L, 4L), 2L),
                        List.of(List.of(3L, 4L), List.of(0L, 1L), 2L)), "len", 4L),
                "LCS", "a", "b", "IDX", "WITHMATCHLEN");
        t.expect("", "LCS", "nokey", "key2");
        t.expect(0L, "LCS", "nokey", "nokey2", "LEN");
        t.expect(List.of("matches", List.of(), "len", 0L), "LCS", "nokey", "key2", "IDX");
        String both = "ERR If you want both the length and indexes, please just use IDX.";
        t.expectError(both, "LCS", "key1", "key2", "IDX", "LEN");
        t.expectError(both, "LCS", "key1", "key2", "LEN", "IDX");
        t.expectError(SYNTAX, "LCS", "key1", "key2", "foo");
        t.expectError(SYNTAX, "LCS", "key1", "key2", "MINMATCHLEN");
        t.expectError(NOT_INTEGER, "LCS", "key1", "key2", "MINMATCHLEN", "x");
        t.plantList("list");
        // The type check comes before option parsing.
        t.expectError("ERR The specified keys must contain string values", "LCS", "list", "key2");
        t.expectError("ERR The specified keys must contain string values", "LCS", "key1", "list", "foo");
    }

    @Test
    void lcsTransientMemoryIsLimited() {
        t.call("SET", "la", "a".repeat(12000));
        t.call("SET", "lb", "b".repeat(12000));
        t.expectError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len", "LCS", "la", "lb");
    }

    @Test
    void resp3Replies() throws Exception {
        t.call("MSET", "key1", "ohmytext", "key2", "mynewtext");
        try (StringsTestSupport.Raw r3 = new StringsTestSupport.Raw(t, true);
             StringsTestSupport.Raw r2 = new StringsTestSupport.Raw(t, false)) {
            assertEquals("_\r\n", r3.send("GET", "nokey"));
            assertEquals("$-1\r\n", r2.send("GET", "nokey"));
            assertEquals("_\r\n", r3.send("SET", "key1", "x", "NX"));
            assertEquals("*2\r\n$8\r\nohmytext\r\n_\r\n", r3.send("MGET", "key1", "nokey"));
            assertEquals("%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
                            + "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
                    r3.send("LCS", "key1", "key2", "IDX"));
            assertEquals("*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n", r2.send("LCS", "nokey", "key2", "IDX"));
            assertEquals("$4\r\n10.6\r\n", r3.send("INCRBYFLOAT", "f", "10.6"));
            assertEquals("$0\r\n\r\n", r3.send("GETRANGE", "nokey", "0", "-1"));
        }
    }
}
