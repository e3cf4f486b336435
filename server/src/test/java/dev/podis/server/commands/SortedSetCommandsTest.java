package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sorted set family over TCP. Expected replies follow Redis 7.2's documented behaviour and
 * were checked against a real redis-server where 7.0 and 7.2 agree (see also
 * {@code diff/zsets.redis}, which compares raw replies with a real Redis).
 */
class SortedSetCommandsTest {
    static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    static final String SYNTAX = "ERR syntax error";
    static final String NOT_FLOAT = "ERR value is not a valid float";
    static final String RANGE = "ERR min or max is not a float";
    static final String LEX = "ERR min or max not valid string range item";

    static TestServer server;
    Jedis jedis;

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
        jedis.flushAll();
        r("CONFIG", "SET", "zset-max-listpack-entries", "128");
        r("CONFIG", "SET", "zset-max-listpack-value", "64");
    }

    @AfterEach
    void disconnect() {
        jedis.close();
    }

    private Object r(String... argv) {
        return Cmd.run(jedis, argv);
    }

    private String err(String... argv) {
        return Cmd.error(jedis, argv);
    }

    private static List<String> l(String... s) {
        return Arrays.asList(s);
    }

    // ------------------------------------------------------------ ZADD, ZINCRBY

    @Test
    void zaddOptions() {
        assertEquals(1L, r("ZADD", "z", "1", "a"));
        assertEquals(2L, r("ZADD", "z", "2", "b", "3", "c"));
        assertEquals(0L, r("ZADD", "z", "5", "a"));
        assertEquals("5", r("ZSCORE", "z", "a"));
        // NX only adds; XX only updates.
        assertEquals(1L, r("ZADD", "z", "NX", "10", "a", "4", "d"));
        assertEquals("5", r("ZSCORE", "z", "a"));
        assertEquals(0L, r("ZADD", "z", "XX", "10", "a", "9", "e"));
        assertEquals("10", r("ZSCORE", "z", "a"));
        assertNull(r("ZSCORE", "z", "e"));
        // CH counts changed scores too, not unchanged ones.
        assertEquals(2L, r("ZADD", "z", "CH", "11", "a", "2", "b", "6", "f"));
        // GT / LT compare with the current score; new members are always added.
        assertEquals(0L, r("ZADD", "z", "GT", "CH", "1", "a"));
        assertEquals(1L, r("ZADD", "z", "GT", "CH", "20", "a"));
        assertEquals(0L, r("ZADD", "z", "LT", "CH", "30", "a"));
        assertEquals(2L, r("ZADD", "z", "LT", "CH", "0", "a", "1", "g"));
        assertEquals(1L, r("ZADD", "z", "XX", "GT", "CH", "100", "a", "1", "nope"));
        assertNull(r("ZSCORE", "z", "nope"));
        // INCR replies the new score, or nil when nothing was done.
        assertEquals("105", r("ZADD", "z", "INCR", "5", "a"));
        assertEquals("-5", r("ZADD", "z", "INCR", "-5", "new"));
        assertNull(r("ZADD", "z", "NX", "INCR", "5", "a"));
        assertNull(r("ZADD", "z", "XX", "INCR", "5", "missing"));
        assertNull(r("ZADD", "z", "GT", "INCR", "-1", "a"));
        assertEquals("104", r("ZADD", "z", "LT", "INCR", "-1", "a"));
        // XX on a missing key creates nothing.
        assertEquals(0L, r("ZADD", "nokey", "XX", "1", "a"));
        assertNull(r("ZADD", "nokey", "XX", "INCR", "1", "a"));
        assertEquals(0L, r("EXISTS", "nokey"));
        // Options are case-insensitive.
        assertEquals(1L, r("ZADD", "z", "nx", "ch", "1", "lower"));
    }

    @Test
    void zaddErrors() {
        r("ZADD", "z", "1", "a");
        assertEquals("ERR XX and NX options at the same time are not compatible", err("ZADD", "z", "NX", "XX", "1", "a"));
        String gtLt = "ERR GT, LT, and/or NX options at the same time are not compatible";
        assertEquals(gtLt, err("ZADD", "z", "GT", "LT", "1", "a"));
        assertEquals(gtLt, err("ZADD", "z", "GT", "NX", "1", "a"));
        assertEquals(gtLt, err("ZADD", "z", "LT", "NX", "1", "a"));
        assertEquals("ERR INCR option supports a single increment-element pair", err("ZADD", "z", "INCR", "1", "a", "2", "b"));
        assertEquals(SYNTAX, err("ZADD", "z", "1", "a", "2"));
        assertEquals(SYNTAX, err("ZADD", "z", "NX", "1"));
        assertEquals(SYNTAX, err("ZADD", "z", "FOO", "1", "a"));
        assertEquals("ERR wrong number of arguments for 'zadd' command", err("ZADD", "z", "1"));
        for (String bad : new String[] {"abc", "nan", "NaN", " 1", "1 ", "", "1e400", "-1e400", "1e-400", "0x", "1e", "--1", "inf1"}) {
            assertEquals(NOT_FLOAT, err("ZADD", "z", bad, "m"), bad);
        }
        // Nothing was added by a failed command.
        assertEquals(1L, r("ZCARD", "z"));
        // Infinities can not be summed into NaN.
        r("ZADD", "z", "inf", "top");
        assertEquals("ERR resulting score is not a number (NaN)", err("ZADD", "z", "INCR", "-inf", "top"));
        assertEquals("ERR resulting score is not a number (NaN)", err("ZINCRBY", "z", "-inf", "top"));
        assertEquals("inf", r("ZSCORE", "z", "top"));
    }

    @Test
    void scoreParsingAndFormatting() {
        String[][] cases = {
            {"1", "1"}, {"-1", "-1"}, {"+5", "5"}, {"1.5", "1.5"}, {"0.1", "0.10000000000000001"},
            {"-0.000001", "-9.9999999999999995e-07"}, {"1e20", "1e+20"}, {"123456789012345678", "1.2345678901234568e+17"},
            {"3.14159265358979", "3.14159265358979"}, {"1e-5", "1.0000000000000001e-05"}, {".5", "0.5"}, {"5.", "5"},
            {"0x10", "16"}, {"0x1.8p1", "3"}, {"inf", "inf"}, {"+inf", "inf"}, {"-inf", "-inf"}, {"Infinity", "inf"},
            {"-INFINITY", "-inf"}, {"4e-320", "3.999955468730732e-320"}, {"0e-400", "0"}, {"1E3", "1000"},
            {"10000000000000000", "10000000000000000"}, {"100000000000000000", "1e+17"},
        };
        for (String[] c : cases) {
            r("DEL", "z");
            assertEquals(1L, r("ZADD", "z", c[0], "m"), c[0]);
            assertEquals(c[1], r("ZSCORE", "z", "m"), c[0]);
        }
    }

    @Test
    void zincrby() {
        assertEquals("2.5", r("ZINCRBY", "z", "2.5", "a"));
        assertEquals("5", r("ZINCRBY", "z", "2.5", "a"));
        assertEquals("-1", r("ZINCRBY", "z", "-6", "a"));
        assertEquals(NOT_FLOAT, err("ZINCRBY", "z", "abc", "a"));
        assertEquals("ERR wrong number of arguments for 'zincrby' command", err("ZINCRBY", "z", "1"));
        // ZINCRBY shares ZADD's parser: an option word in the increment's place is an option.
        assertEquals(SYNTAX, err("ZINCRBY", "z", "NX", "a"));
        r("SET", "s", "v");
        assertEquals(WRONGTYPE, err("ZINCRBY", "s", "1", "a"));
        // The float error comes before the type check.
        assertEquals(NOT_FLOAT, err("ZINCRBY", "s", "x", "a"));
    }

    // ------------------------------------------------------------ ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK

    @Test
    void zremZcardZscoreZmscore() {
        r("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d");
        assertEquals(1L, r("ZREM", "z", "a", "x"));
        assertEquals(2L, r("ZREM", "z", "b", "b", "c"));
        assertEquals(0L, r("ZREM", "nokey", "a"));
        assertEquals(1L, r("ZCARD", "z"));
        assertEquals(0L, r("ZCARD", "nokey"));
        assertEquals(1L, r("ZREM", "z", "d"));
        assertEquals(0L, r("EXISTS", "z"), "an emptied sorted set is removed");
        r("ZADD", "z", "1", "a", "2.5", "b");
        assertEquals("2.5", r("ZSCORE", "z", "b"));
        assertNull(r("ZSCORE", "z", "x"));
        assertNull(r("ZSCORE", "nokey", "x"));
        assertEquals(Arrays.asList("1", null, "2.5"), r("ZMSCORE", "z", "a", "x", "b"));
        assertEquals(Arrays.asList(null, null), r("ZMSCORE", "nokey", "a", "b"));
        assertEquals("ERR wrong number of arguments for 'zmscore' command", err("ZMSCORE", "z"));
    }

    @Test
    void zrankAndWithscore() {
        r("ZADD", "z", "1", "a", "2", "b", "3", "c");
        assertEquals(0L, r("ZRANK", "z", "a"));
        assertEquals(2L, r("ZRANK", "z", "c"));
        assertEquals(2L, r("ZREVRANK", "z", "a"));
        assertEquals(0L, r("ZREVRANK", "z", "c"));
        assertNull(r("ZRANK", "z", "x"));
        assertNull(r("ZRANK", "nokey", "x"));
        assertEquals(l("2", "3").toString(), r("ZRANK", "z", "c", "WITHSCORE").toString().replace("2, ", "2, "));
        assertEquals(Arrays.asList(2L, "3"), r("ZRANK", "z", "c", "withscore"));
        assertEquals(Arrays.asList(0L, "3"), r("ZREVRANK", "z", "c", "WITHSCORE"));
        assertNull(r("ZRANK", "z", "x", "WITHSCORE"));
        assertNull(r("ZREVRANK", "nokey", "x", "WITHSCORE"));
        assertEquals(SYNTAX, err("ZRANK", "z", "a", "WITHSCORES"));
        assertEquals("ERR wrong number of arguments for 'zrank' command", err("ZRANK", "z", "a", "WITHSCORE", "x"));
        assertEquals("ERR wrong number of arguments for 'zrevrank' command", err("ZREVRANK", "z"));
    }

    // ------------------------------------------------------------ ZCOUNT, ZLEXCOUNT

    @Test
    void zcountRanges() {
        r("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        assertEquals(3L, r("ZCOUNT", "z", "2", "4"));
        assertEquals(2L, r("ZCOUNT", "z", "(2", "4"));
        assertEquals(2L, r("ZCOUNT", "z", "2", "(4"));
        assertEquals(1L, r("ZCOUNT", "z", "(2", "(4"));
        assertEquals(5L, r("ZCOUNT", "z", "-inf", "+inf"));
        assertEquals(0L, r("ZCOUNT", "z", "(1", "(1"));
        assertEquals(1L, r("ZCOUNT", "z", "1", "1"));
        assertEquals(0L, r("ZCOUNT", "z", "5", "1"));
        // Bounds are parsed with strtod up to the end: a leading space is fine, an empty bound is 0.
        assertEquals(3L, r("ZCOUNT", "z", " 2", "4"));
        assertEquals(3L, r("ZCOUNT", "z", "", "3"));
        assertEquals(3L, r("ZCOUNT", "z", "(", "3"));
        assertEquals(5L, r("ZCOUNT", "z", "-1e400", "1e400"));
        assertEquals(3L, r("ZCOUNT", "z", "0x1", "0x3"));
        for (String[] bad : new String[][] {{"a", "4"}, {"2", "b"}, {"2", "4 "}, {"((2", "4"}, {"nan", "4"}, {"1", "(nan"}}) {
            assertEquals(RANGE, err("ZCOUNT", "z", bad[0], bad[1]));
        }
        assertEquals(0L, r("ZCOUNT", "nokey", "0", "1"));
        assertEquals(RANGE, err("ZCOUNT", "nokey", "a", "1"));
    }

    @Test
    void zlexcountRanges() {
        r("ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "", "0", "ab");
        assertEquals(7L, r("ZLEXCOUNT", "l", "-", "+"));
        assertEquals(3L, r("ZLEXCOUNT", "l", "[b", "[d"));
        assertEquals(1L, r("ZLEXCOUNT", "l", "(b", "(d"));
        assertEquals(2L, r("ZLEXCOUNT", "l", "(b", "[d"));
        assertEquals(2L, r("ZLEXCOUNT", "l", "[a", "(b"));
        assertEquals(4L, r("ZLEXCOUNT", "l", "-", "(c"));
        assertEquals(3L, r("ZLEXCOUNT", "l", "[c", "+"));
        assertEquals(0L, r("ZLEXCOUNT", "l", "+", "-"));
        assertEquals(0L, r("ZLEXCOUNT", "l", "-", "-"));
        assertEquals(0L, r("ZLEXCOUNT", "l", "[d", "[b"));
        assertEquals(3L, r("ZLEXCOUNT", "l", "[", "(b"));
        for (String[] bad : new String[][] {{"a", "c"}, {"[a", "c"}, {"+a", "-"}, {"-", "-x"}, {"", "+"}}) {
            assertEquals(LEX, err("ZLEXCOUNT", "l", bad[0], bad[1]));
        }
        assertEquals(0L, r("ZLEXCOUNT", "nokey", "-", "+"));
    }

    // ------------------------------------------------------------ ZRANGE family

    @Test
    void zrangeByRank() {
        r("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        assertEquals(l("a", "b", "c", "d", "e"), r("ZRANGE", "z", "0", "-1"));
        assertEquals(l("a", "1", "b", "2"), r("ZRANGE", "z", "0", "1", "WITHSCORES"));
        assertEquals(l("d", "e"), r("ZRANGE", "z", "-2", "-1"));
        assertEquals(l("a", "b", "c", "d", "e"), r("ZRANGE", "z", "-100", "100"));
        assertEquals(l(), r("ZRANGE", "z", "3", "1"));
        assertEquals(l(), r("ZRANGE", "z", "10", "20"));
        assertEquals(l("e", "5", "d", "4"), r("ZRANGE", "z", "0", "1", "REV", "WITHSCORES"));
        assertEquals(l("a"), r("ZRANGE", "z", "-1", "-1", "rev"));
        assertEquals(l("e", "d"), r("ZREVRANGE", "z", "0", "1"));
        assertEquals(l("b", "2", "a", "1"), r("ZREVRANGE", "z", "3", "10", "WITHSCORES"));
        assertEquals(l(), r("ZRANGE", "nokey", "0", "-1"));
        assertEquals(NOT_INTEGER, err("ZRANGE", "z", "a", "1"));
        assertEquals(NOT_INTEGER, err("ZRANGE", "z", "0", "1.5"));
    }

    @Test
    void zrangeByScoreAndLex() {
        r("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        assertEquals(l("b", "c", "d"), r("ZRANGE", "z", "2", "4", "BYSCORE"));
        assertEquals(l("c", "3", "d", "4"), r("ZRANGE", "z", "(2", "4", "BYSCORE", "WITHSCORES"));
        assertEquals(l("b", "c"), r("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"));
        assertEquals(l("b", "c", "d", "e"), r("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "-1"));
        assertEquals(l(), r("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"));
        assertEquals(l(), r("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "5", "2"));
        assertEquals(l("e"), r("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "4", "2"));
        assertEquals(l(), r("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "0"));
        assertEquals(l("d", "c", "b"), r("ZRANGE", "z", "4", "2", "BYSCORE", "REV"));
        assertEquals(l(), r("ZRANGE", "z", "2", "4", "BYSCORE", "REV"));
        assertEquals(l("d", "4", "c", "3"), r("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2", "WITHSCORES"));
        assertEquals(l("c"), r("ZRANGE", "z", "(4", "(2", "BYSCORE", "REV"));
        assertEquals(l("b", "c", "d"), r("ZRANGEBYSCORE", "z", "2", "4"));
        assertEquals(l("c", "d", "e"), r("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "10"));
        assertEquals(l("d", "c", "b"), r("ZREVRANGEBYSCORE", "z", "4", "2"));
        assertEquals(l("c", "3", "b", "2"), r("ZREVRANGEBYSCORE", "z", "4", "2", "WITHSCORES", "LIMIT", "1", "5"));
        assertEquals(l("e"), r("ZREVRANGEBYSCORE", "z", "+inf", "(4"));
        r("ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e");
        assertEquals(l("a", "b", "c", "d", "e"), r("ZRANGEBYLEX", "l", "-", "+"));
        assertEquals(l("b", "c"), r("ZRANGEBYLEX", "l", "[b", "(d"));
        assertEquals(l("b", "c", "d"), r("ZRANGEBYLEX", "l", "-", "+", "LIMIT", "1", "3"));
        assertEquals(l("e", "d", "c", "b", "a"), r("ZREVRANGEBYLEX", "l", "+", "-"));
        assertEquals(l("c", "b"), r("ZREVRANGEBYLEX", "l", "(d", "[b"));
        assertEquals(l("c", "b"), r("ZREVRANGEBYLEX", "l", "+", "-", "LIMIT", "2", "2"));
        assertEquals(l("b", "c", "d"), r("ZRANGE", "l", "[b", "[d", "BYLEX"));
        assertEquals(l("d", "c", "b"), r("ZRANGE", "l", "[d", "[b", "BYLEX", "REV"));
    }

    @Test
    void zrangeOptionErrors() {
        r("ZADD", "z", "1", "a");
        assertEquals("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
                err("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"));
        assertEquals("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
                err("ZREVRANGE", "z", "0", "-1", "LIMIT", "0", "1"));
        assertEquals("ERR syntax error, WITHSCORES not supported in combination with BYLEX",
                err("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"));
        assertEquals("ERR syntax error, WITHSCORES not supported in combination with BYLEX",
                err("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"));
        assertEquals(SYNTAX, err("ZRANGE", "z", "0", "-1", "REV", "REV"));
        assertEquals(SYNTAX, err("ZRANGE", "z", "0", "-1", "BYSCORE", "BYSCORE"));
        assertEquals(SYNTAX, err("ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"));
        assertEquals(SYNTAX, err("ZRANGE", "z", "0", "-1", "LIMIT", "1"));
        assertEquals(SYNTAX, err("ZRANGE", "z", "0", "-1", "FOO"));
        assertEquals(SYNTAX, err("ZRANGEBYSCORE", "z", "0", "1", "REV"));
        assertEquals(SYNTAX, err("ZRANGEBYSCORE", "z", "0", "1", "BYSCORE"));
        assertEquals(SYNTAX, err("ZREVRANGE", "z", "0", "1", "REV"));
        assertEquals(NOT_INTEGER, err("ZRANGE", "z", "0", "-1", "BYSCORE", "LIMIT", "a", "b"));
        assertEquals(RANGE, err("ZRANGE", "z", "a", "b", "BYSCORE"));
        assertEquals(RANGE, err("ZRANGEBYSCORE", "z", "a", "1"));
        assertEquals(LEX, err("ZRANGE", "z", "a", "b", "BYLEX"));
        assertEquals(LEX, err("ZRANGEBYLEX", "z", "a", "b"));
        // Parse errors come before the key lookup.
        assertEquals(NOT_INTEGER, err("ZRANGE", "nokey", "a", "b"));
    }

    @Test
    void zrangestore() {
        r("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        assertEquals(3L, r("ZRANGESTORE", "dst", "z", "0", "2"));
        assertEquals(l("a", "1", "b", "2", "c", "3"), r("ZRANGE", "dst", "0", "-1", "WITHSCORES"));
        assertEquals(0L, r("ZRANGESTORE", "dst", "z", "2", "4", "BYSCORE", "REV"), "REV takes max before min");
        assertEquals(3L, r("ZRANGESTORE", "dst", "z", "4", "2", "BYSCORE", "REV"));
        assertEquals(l("b", "c", "d"), r("ZRANGE", "dst", "0", "-1"));
        assertEquals(1L, r("ZRANGESTORE", "dst", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "1"));
        assertEquals(l("b"), r("ZRANGE", "dst", "0", "-1"));
        r("ZADD", "lex", "0", "a", "0", "b", "0", "c");
        assertEquals(2L, r("ZRANGESTORE", "dst", "lex", "[b", "+", "BYLEX"));
        assertEquals(l("b", "c"), r("ZRANGE", "dst", "0", "-1"));
        r("EXPIRE", "dst", "100");
        assertEquals(2L, r("ZRANGESTORE", "dst", "z", "-2", "-1"));
        assertEquals(-1L, r("TTL", "dst"), "the destination is replaced, its TTL dropped");
        assertEquals(SYNTAX, err("ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"));
        assertEquals(0L, r("ZRANGESTORE", "dst", "z", "10", "20"));
        assertEquals(0L, r("EXISTS", "dst"));
        r("SET", "dst", "string");
        assertEquals(0L, r("ZRANGESTORE", "dst", "nokey", "0", "-1"));
        assertEquals(0L, r("EXISTS", "dst"));
        r("SET", "dst", "string");
        assertEquals(2L, r("ZRANGESTORE", "dst", "z", "0", "1"));
        assertEquals("zset", r("TYPE", "dst"));
        assertEquals(5L, r("ZRANGESTORE", "z", "z", "0", "-1"), "source and destination may be the same key");
        r("SET", "str", "v");
        assertEquals(WRONGTYPE, err("ZRANGESTORE", "dst", "str", "0", "-1"));
    }

    @Test
    void zremrangeByRankScoreLex() {
        r("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f");
        assertEquals(1L, r("ZREMRANGEBYRANK", "z", "0", "0"));
        assertEquals(1L, r("ZREMRANGEBYRANK", "z", "-1", "-1"));
        assertEquals(0L, r("ZREMRANGEBYRANK", "z", "10", "20"));
        assertEquals(0L, r("ZREMRANGEBYRANK", "z", "3", "1"));
        assertEquals(l("b", "c", "d", "e"), r("ZRANGE", "z", "0", "-1"));
        assertEquals(NOT_INTEGER, err("ZREMRANGEBYRANK", "z", "a", "1"));
        assertEquals(0L, r("ZREMRANGEBYRANK", "nokey", "0", "1"));
        assertEquals(2L, r("ZREMRANGEBYSCORE", "z", "(2", "4"));
        assertEquals(l("b", "e"), r("ZRANGE", "z", "0", "-1"));
        assertEquals(RANGE, err("ZREMRANGEBYSCORE", "z", "a", "4"));
        assertEquals(2L, r("ZREMRANGEBYSCORE", "z", "-inf", "+inf"));
        assertEquals(0L, r("EXISTS", "z"));
        r("ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d");
        assertEquals(2L, r("ZREMRANGEBYLEX", "l", "[b", "(d"));
        assertEquals(l("a", "d"), r("ZRANGE", "l", "0", "-1"));
        assertEquals(LEX, err("ZREMRANGEBYLEX", "l", "a", "b"));
        assertEquals(2L, r("ZREMRANGEBYLEX", "l", "-", "+"));
        assertEquals(0L, r("EXISTS", "l"));
        assertEquals(0L, r("ZREMRANGEBYLEX", "nokey", "-", "+"));
    }

    // ------------------------------------------------------------ set algebra

    @Test
    void unionInterDiff() {
        r("ZADD", "z1", "1", "a", "2", "b", "3", "c");
        r("ZADD", "z2", "10", "b", "20", "c", "30", "d");
        r("ZADD", "z3", "100", "c", "200", "d", "300", "e");
        assertEquals(l("a", "b", "c", "d"), r("ZUNION", "2", "z1", "z2"));
        assertEquals(l("a", "1", "b", "12", "c", "23", "d", "30"), r("ZUNION", "2", "z1", "z2", "WITHSCORES"));
        assertEquals(l("a", "1", "b", "2", "c", "3", "d", "30", "e", "300"),
                r("ZUNION", "3", "z1", "z2", "z3", "WITHSCORES", "AGGREGATE", "MIN"));
        assertEquals(l("a", "1", "b", "10", "c", "100", "d", "200", "e", "300"),
                r("ZUNION", "3", "z1", "z2", "z3", "WITHSCORES", "AGGREGATE", "max"));
        assertEquals(l("a", "2", "b", "34", "c", "66", "d", "90"), r("ZUNION", "2", "z1", "z2", "WEIGHTS", "2", "3", "WITHSCORES"));
        assertEquals(l("b", "12", "c", "23"), r("ZINTER", "2", "z1", "z2", "WITHSCORES"));
        assertEquals(l("c", "-17", "b", "-8"), r("ZINTER", "2", "z1", "z2", "WEIGHTS", "1", "-1", "WITHSCORES"));
        assertEquals(l("c", "123"), r("ZINTER", "3", "z1", "z2", "z3", "WITHSCORES"));
        assertEquals(l(), r("ZINTER", "2", "z1", "nokey"));
        assertEquals(l("a", "2", "b", "4", "c", "6"), r("ZINTER", "2", "z1", "z1", "WITHSCORES"));
        assertEquals(l("a"), r("ZDIFF", "2", "z1", "z2"));
        assertEquals(l("e", "300"), r("ZDIFF", "3", "z3", "z1", "z2", "WITHSCORES"));
        assertEquals(l("a", "1", "b", "2", "c", "3"), r("ZDIFF", "1", "z1", "WITHSCORES"));
        assertEquals(l(), r("ZDIFF", "2", "nokey", "z1"));
        // Stores.
        assertEquals(4L, r("ZUNIONSTORE", "out", "2", "z1", "z2"));
        assertEquals(l("a", "1", "b", "12", "c", "23", "d", "30"), r("ZRANGE", "out", "0", "-1", "WITHSCORES"));
        assertEquals("listpack", r("OBJECT", "ENCODING", "out"));
        assertEquals(4L, r("ZUNIONSTORE", "out", "2", "z1", "z2", "WEIGHTS", "1", "2", "AGGREGATE", "MAX"));
        assertEquals(l("a", "1", "b", "20", "c", "40", "d", "60"), r("ZRANGE", "out", "0", "-1", "WITHSCORES"));
        assertEquals(2L, r("ZINTERSTORE", "out", "2", "z1", "z2"));
        assertEquals(l("b", "12", "c", "23"), r("ZRANGE", "out", "0", "-1", "WITHSCORES"));
        assertEquals(1L, r("ZDIFFSTORE", "out", "2", "z1", "z2"));
        assertEquals(0L, r("ZDIFFSTORE", "out", "2", "z1", "z1"));
        assertEquals(0L, r("EXISTS", "out"));
        assertEquals(4L, r("ZUNIONSTORE", "z1", "2", "z1", "z2"), "a source may be the destination");
        assertEquals(l("a", "1", "b", "12", "c", "23", "d", "30"), r("ZRANGE", "z1", "0", "-1", "WITHSCORES"));
        // ZINTERCARD.
        assertEquals(3L, r("ZINTERCARD", "2", "z1", "z2"));
        assertEquals(1L, r("ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"));
        assertEquals(3L, r("ZINTERCARD", "2", "z1", "z2", "LIMIT", "0"));
        assertEquals(0L, r("ZINTERCARD", "1", "nokey"));
    }

    @Test
    void setAlgebraInfinitiesAndErrors() {
        r("ZADD", "i1", "inf", "a", "-inf", "b", "1", "c");
        r("ZADD", "i2", "-inf", "a", "inf", "b", "0", "c");
        // inf + -inf is taken as 0; inf * 0 as 0.
        assertEquals(l("a", "0", "b", "0", "c", "1"), r("ZUNION", "2", "i1", "i2", "WITHSCORES"));
        assertEquals(l("a", "-inf", "c", "0", "b", "inf"), r("ZUNION", "2", "i1", "i2", "WEIGHTS", "0", "1", "WITHSCORES"));
        assertEquals(l("a", "0", "b", "0", "c", "0"), r("ZINTER", "2", "i1", "i2", "WEIGHTS", "0", "0", "WITHSCORES"));
        assertEquals(SYNTAX, err("ZUNION", "2", "i1", "i2", "WEIGHTS", "2"));
        assertEquals("ERR weight value is not a float", err("ZUNION", "2", "i1", "i2", "WEIGHTS", "a", "3"));
        assertEquals(SYNTAX, err("ZUNION", "2", "i1", "i2", "AGGREGATE", "foo"));
        assertEquals(SYNTAX, err("ZUNION", "2", "i1", "i2", "AGGREGATE"));
        assertEquals(SYNTAX, err("ZUNION", "3", "i1", "i2"));
        assertEquals(SYNTAX, err("ZUNION", "2", "i1", "i2", "FOO"));
        assertEquals(SYNTAX, err("ZDIFF", "2", "i1", "i2", "WEIGHTS", "1", "2"));
        assertEquals(SYNTAX, err("ZDIFF", "2", "i1", "i2", "AGGREGATE", "SUM"));
        assertEquals(SYNTAX, err("ZUNIONSTORE", "o", "2", "i1", "i2", "WITHSCORES"));
        assertEquals(SYNTAX, err("ZINTERCARD", "2", "i1", "i2", "WITHSCORES"));
        assertEquals(NOT_INTEGER, err("ZUNION", "a", "i1"));
        assertEquals("ERR at least 1 input key is needed for 'zunion' command", err("ZUNION", "0", "i1"));
        assertEquals("ERR at least 1 input key is needed for 'zinterstore' command", err("ZINTERSTORE", "o", "-1", "i1"));
        assertEquals("ERR at least 1 input key is needed for 'zintercard' command", err("ZINTERCARD", "0", "i1"));
        assertEquals("ERR LIMIT can't be negative", err("ZINTERCARD", "2", "i1", "i2", "LIMIT", "-1"));
        assertEquals("ERR LIMIT can't be negative", err("ZINTERCARD", "2", "i1", "i2", "LIMIT", "a"));
        r("SET", "str", "v");
        assertEquals(WRONGTYPE, err("ZUNION", "2", "i1", "str"));
        assertEquals(WRONGTYPE, err("ZUNIONSTORE", "o", "2", "i1", "str"));
        // The type check comes before the options.
        assertEquals(WRONGTYPE, err("ZINTER", "2", "str", "i1", "FOO"));
    }

    @Test
    void plainSetsAreInputsWithScoreOne() {
        r("SADD", "set", "a", "b", "x");
        r("ZADD", "z", "5", "a", "7", "c");
        assertEquals(l("b", "1", "x", "1", "a", "6", "c", "7"), r("ZUNION", "2", "set", "z", "WITHSCORES"));
        assertEquals(l("a", "15"), r("ZINTER", "2", "set", "z", "WEIGHTS", "10", "1", "WITHSCORES"));
        assertEquals(l("b", "1", "x", "1"), r("ZDIFF", "2", "set", "z", "WITHSCORES"));
        assertEquals(l("c", "7"), r("ZDIFF", "2", "z", "set", "WITHSCORES"));
        assertEquals(1L, r("ZINTERCARD", "2", "z", "set"));
        assertEquals(3L, r("ZUNIONSTORE", "out", "1", "set"));
        assertEquals(l("a", "1", "b", "1", "x", "1"), r("ZRANGE", "out", "0", "-1", "WITHSCORES"));
        r("SADD", "ints", "1", "2");
        assertEquals(l("1", "1", "2", "1"), r("ZUNION", "1", "ints", "WITHSCORES"), "an intset is an input too");
        assertEquals(WRONGTYPE, err("ZRANGE", "set", "0", "-1"), "only the set algebra reads sets");
    }

    // ------------------------------------------------------------ pops

    @Test
    void zpopAndZmpop() {
        r("ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        assertEquals(l("a", "1"), r("ZPOPMIN", "p"));
        assertEquals(l("e", "5"), r("ZPOPMAX", "p"));
        assertEquals(l("b", "2", "c", "3"), r("ZPOPMIN", "p", "2"));
        assertEquals(l(), r("ZPOPMAX", "p", "0"));
        assertEquals("ERR value is out of range, must be positive", err("ZPOPMIN", "p", "-1"));
        assertEquals("ERR value is out of range, must be positive", err("ZPOPMIN", "p", "a"));
        assertEquals(SYNTAX, err("ZPOPMIN", "p", "1", "2"));
        assertEquals(l("d", "4"), r("ZPOPMAX", "p", "10"));
        assertEquals(0L, r("EXISTS", "p"));
        assertEquals(l(), r("ZPOPMIN", "p"));
        r("ZADD", "p", "1", "a", "2", "b", "3", "c");
        assertEquals(Arrays.asList("p", List.of(l("a", "1"))), r("ZMPOP", "1", "p", "MIN"));
        assertEquals(Arrays.asList("p", List.of(l("c", "3"), l("b", "2"))), r("ZMPOP", "2", "nokey", "p", "MAX", "COUNT", "5"));
        assertEquals(0L, r("EXISTS", "p"));
        assertNull(r("ZMPOP", "1", "p", "MIN"));
        assertEquals("ERR numkeys should be greater than 0", err("ZMPOP", "0", "p", "MIN"));
        assertEquals("ERR numkeys should be greater than 0", err("ZMPOP", "a", "p", "MIN"));
        assertEquals(SYNTAX, err("ZMPOP", "1", "p", "FOO"));
        assertEquals(SYNTAX, err("ZMPOP", "2", "p", "MIN"));
        assertEquals("ERR count should be greater than 0", err("ZMPOP", "1", "p", "MIN", "COUNT", "0"));
        assertEquals(SYNTAX, err("ZMPOP", "1", "p", "MIN", "COUNT", "1", "COUNT", "1"));
        r("SET", "str", "v");
        assertEquals(WRONGTYPE, err("ZMPOP", "2", "nokey", "str", "MIN"));
        assertEquals(WRONGTYPE, err("ZPOPMIN", "str"));
    }

    /** The serving half of the blocking pops, called on the command thread as the blocking framework will. */
    @Test
    void servingHalfOfBlockingPops() throws Exception {
        r("ZADD", "bz", "1", "a", "2", "b", "3", "c");
        r("SET", "str", "v");
        try (RawResp c = new RawResp(server.port())) {
            raw(c, "CLIENT", "SETNAME", "blocked");
            dev.podis.server.ServerContext ctx = server.server().context();
            SortedSetCommands family = new SortedSetCommands(ctx);
            int localPort = c.port();
            java.util.function.Function<String[], Boolean> serve = keysAndMode -> {
                try {
                    return ctx.commandLoop().submit(() -> {
                        dev.podis.server.Client client = null;
                        for (dev.podis.server.Client cl : ctx.clients().values()) {
                            if (cl.address().endsWith(":" + localPort)) {
                                client = cl;
                            }
                        }
                        byte[][] keys = new byte[keysAndMode.length - 1][];
                        for (int i = 1; i < keysAndMode.length; i++) {
                            keys[i - 1] = keysAndMode[i].getBytes(StandardCharsets.UTF_8);
                        }
                        String mode = keysAndMode[0];
                        boolean served = family.serveBlockingPop(client, keys, mode.startsWith("max"),
                                mode.endsWith("2") ? 2 : 1, mode.contains("multi"));
                        client.flush();
                        return served;
                    }).get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            assertEquals(false, serve.apply(new String[] {"min", "nokey", "other"}));
            assertEquals(true, serve.apply(new String[] {"min", "nokey", "bz"}));
            assertEquals("*3\r\n$2\r\nbz\r\n$1\r\na\r\n$1\r\n1\r\n", c.read());
            assertEquals(true, serve.apply(new String[] {"max-multi-2", "bz"}));
            assertEquals("*2\r\n$2\r\nbz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", c.read());
            assertEquals(0L, r("EXISTS", "bz"));
            assertEquals(true, serve.apply(new String[] {"min", "str", "bz"}));
            assertEquals("-" + WRONGTYPE + "\r\n", c.read());
        }
    }

    // ------------------------------------------------------------ ZRANDMEMBER

    @Test
    @SuppressWarnings("unchecked")
    void zrandmember() {
        r("ZADD", "z", "1", "a", "2", "b", "3", "c");
        Set<String> members = new HashSet<>(l("a", "b", "c"));
        assertTrue(members.contains((String) r("ZRANDMEMBER", "z")));
        assertNull(r("ZRANDMEMBER", "nokey"));
        assertEquals(l(), r("ZRANDMEMBER", "nokey", "5"));
        assertEquals(l(), r("ZRANDMEMBER", "z", "0"));
        // Asking for at least the whole set gives the whole set.
        assertEquals(l("c", "b", "a"), r("ZRANDMEMBER", "z", "3"));
        assertEquals(l("c", "3", "b", "2", "a", "1"), r("ZRANDMEMBER", "z", "10", "WITHSCORES"));
        for (int i = 0; i < 20; i++) {
            List<String> two = (List<String>) r("ZRANDMEMBER", "z", "2");
            assertEquals(2, new HashSet<>(two).size(), "positive count: distinct members");
            assertTrue(members.containsAll(two));
            List<String> five = (List<String>) r("ZRANDMEMBER", "z", "-5");
            assertEquals(5, five.size(), "negative count: repetitions allowed");
            assertTrue(members.containsAll(five));
            List<String> pairs = (List<String>) r("ZRANDMEMBER", "z", "-4", "WITHSCORES");
            assertEquals(8, pairs.size());
            for (int k = 0; k < 8; k += 2) {
                assertEquals(String.valueOf(pairs.get(k).charAt(0) - 'a' + 1), pairs.get(k + 1));
            }
        }
        // A larger set takes the other sampling paths.
        for (int i = 0; i < 300; i++) {
            r("ZADD", "big", String.valueOf(i), "m" + i);
        }
        for (String count : new String[] {"10", "150", "299"}) {
            List<String> got = (List<String>) r("ZRANDMEMBER", "big", count);
            assertEquals(Integer.parseInt(count), new HashSet<>(got).size());
        }
        assertEquals(NOT_INTEGER, err("ZRANDMEMBER", "z", "a"));
        assertEquals(SYNTAX, err("ZRANDMEMBER", "z", "1", "FOO"));
        assertEquals(SYNTAX, err("ZRANDMEMBER", "z", "1", "WITHSCORES", "x"));
        assertEquals("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                err("ZRANDMEMBER", "z", "-9223372036854775808"));
        assertEquals("ERR value is out of range", err("ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"));
    }

    // ------------------------------------------------------------ ZSCAN

    @Test
    @SuppressWarnings("unchecked")
    void zscanBothEncodings() {
        r("ZADD", "s", "1", "a", "2.5", "b", "inf", "c");
        assertEquals(Arrays.asList("0", l("a", "1", "b", "2.5", "c", "inf")), r("ZSCAN", "s", "0"));
        assertEquals(Arrays.asList("0", l("b", "2.5")), r("ZSCAN", "s", "0", "MATCH", "b*"));
        assertEquals(Arrays.asList("0", l()), r("ZSCAN", "nokey", "0"));
        assertEquals(SYNTAX, err("ZSCAN", "s", "0", "COUNT", "0"));
        assertEquals(NOT_INTEGER, err("ZSCAN", "s", "0", "COUNT", "a"));
        assertEquals(SYNTAX, err("ZSCAN", "s", "0", "TYPE", "zset"));
        assertEquals("ERR invalid cursor", err("ZSCAN", "s", "abc"));
        // A skiplist: a full iteration reports every member with its score at least once.
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            r("ZADD", "big", String.valueOf(i / 2.0), "m" + i);
            expected.put("m" + i, i % 2 == 0 ? String.valueOf(i / 2) : (i / 2) + ".5");
        }
        assertEquals("skiplist", r("OBJECT", "ENCODING", "big"));
        Map<String, String> seen = new HashMap<>();
        String cursor = "0";
        int steps = 0;
        do {
            List<Object> reply = (List<Object>) r("ZSCAN", "big", cursor, "COUNT", "50");
            cursor = (String) reply.get(0);
            List<String> items = (List<String>) reply.get(1);
            for (int k = 0; k < items.size(); k += 2) {
                seen.put(items.get(k), items.get(k + 1));
            }
            // Removing members mid-scan must not hide members that stay.
            if (steps == 3) {
                for (int i = 900; i < 1000; i++) {
                    r("ZREM", "big", "m" + i);
                    expected.remove("m" + i);
                }
            }
            steps++;
        } while (!cursor.equals("0") && steps < 10000);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertEquals(e.getValue(), seen.get(e.getKey()), e.getKey());
        }
        assertTrue(steps > 1, "a large set is scanned in several steps");
        List<Object> filtered = (List<Object>) r("ZSCAN", "big", "0", "MATCH", "m1?", "COUNT", "100000");
        assertEquals("0", filtered.get(0));
        assertEquals(20, ((List<?>) filtered.get(1)).size());
    }

    // ------------------------------------------------------------ types, encodings

    @Test
    void wrongTypeEverywhere() {
        r("SET", "str", "v");
        String[][] commands = {
            {"ZADD", "str", "1", "a"}, {"ZINCRBY", "str", "1", "a"}, {"ZREM", "str", "a"}, {"ZCARD", "str"},
            {"ZCOUNT", "str", "0", "1"}, {"ZLEXCOUNT", "str", "-", "+"}, {"ZSCORE", "str", "a"},
            {"ZMSCORE", "str", "a"}, {"ZRANK", "str", "a"}, {"ZREVRANK", "str", "a"}, {"ZRANGE", "str", "0", "-1"},
            {"ZRANGEBYSCORE", "str", "0", "1"}, {"ZREVRANGEBYSCORE", "str", "1", "0"}, {"ZRANGEBYLEX", "str", "-", "+"},
            {"ZREVRANGEBYLEX", "str", "+", "-"}, {"ZREVRANGE", "str", "0", "1"}, {"ZREMRANGEBYRANK", "str", "0", "1"},
            {"ZREMRANGEBYSCORE", "str", "0", "1"}, {"ZREMRANGEBYLEX", "str", "-", "+"}, {"ZUNION", "1", "str"},
            {"ZINTER", "1", "str"}, {"ZDIFF", "1", "str"}, {"ZINTERCARD", "1", "str"}, {"ZPOPMIN", "str"},
            {"ZPOPMAX", "str"}, {"ZRANDMEMBER", "str"}, {"ZRANDMEMBER", "str", "2"}, {"ZSCAN", "str", "0"},
            {"ZRANGESTORE", "d", "str", "0", "1"}, {"ZMPOP", "1", "str", "MIN"},
        };
        for (String[] c : commands) {
            assertEquals(WRONGTYPE, err(c), String.join(" ", c));
        }
        assertEquals("v", r("GET", "str"));
        r("ZADD", "z", "1", "a");
        assertEquals("WRONGTYPE Operation against a key holding the wrong kind of value", err("GET", "z"));
        assertEquals("zset", r("TYPE", "z"));
    }

    @Test
    void encodingConversionAtThresholds() {
        for (int i = 0; i < 128; i++) {
            r("ZADD", "z", String.valueOf(i), "m" + i);
        }
        assertEquals("listpack", r("OBJECT", "ENCODING", "z"));
        r("ZADD", "z", "128", "m128");
        assertEquals("skiplist", r("OBJECT", "ENCODING", "z"));
        // Never back to listpack by removals.
        r("ZREMRANGEBYRANK", "z", "0", "-3");
        assertEquals(2L, r("ZCARD", "z"));
        assertEquals("skiplist", r("OBJECT", "ENCODING", "z"));
        // Member length: 64 bytes fit, 65 do not.
        r("ZADD", "v", "1", "x".repeat(64));
        assertEquals("listpack", r("OBJECT", "ENCODING", "v"));
        r("ZADD", "v", "2", "y".repeat(65));
        assertEquals("skiplist", r("OBJECT", "ENCODING", "v"));
        assertEquals(l("x".repeat(64), "y".repeat(65)), r("ZRANGE", "v", "0", "-1"));
        // A ZADD of more than 128 pairs creates a skiplist at once.
        List<String> args = new ArrayList<>(l("ZADD", "many"));
        for (int i = 0; i < 129; i++) {
            args.add(String.valueOf(i));
            args.add("e" + i);
        }
        r(args.toArray(new String[0]));
        assertEquals("skiplist", r("OBJECT", "ENCODING", "many"));
        // New sets built by a command take the encoding their size calls for.
        r("ZRANGESTORE", "small", "z", "0", "-1");
        assertEquals("listpack", r("OBJECT", "ENCODING", "small"));
        r("ZUNIONSTORE", "u", "1", "many");
        assertEquals("skiplist", r("OBJECT", "ENCODING", "u"));
        r("ZINTERSTORE", "u", "1", "z");
        assertEquals("listpack", r("OBJECT", "ENCODING", "u"));
        // The thresholds follow CONFIG SET, also through the old ziplist names.
        r("CONFIG", "SET", "zset-max-ziplist-entries", "2");
        r("ZADD", "c", "1", "a", "2", "b");
        assertEquals("listpack", r("OBJECT", "ENCODING", "c"));
        r("ZADD", "c", "3", "c");
        assertEquals("skiplist", r("OBJECT", "ENCODING", "c"));
        r("CONFIG", "SET", "zset-max-listpack-entries", "0");
        r("ZADD", "d", "1", "a");
        assertEquals("skiplist", r("OBJECT", "ENCODING", "d"));
        r("CONFIG", "SET", "zset-max-listpack-entries", "128");
        r("CONFIG", "SET", "zset-max-ziplist-value", "3");
        r("ZADD", "e", "1", "abc");
        assertEquals("listpack", r("OBJECT", "ENCODING", "e"));
        r("ZADD", "e", "1", "abcd");
        assertEquals("skiplist", r("OBJECT", "ENCODING", "e"));
    }

    @Test
    void copyIsIndependent() {
        r("ZADD", "a", "1", "x", "2", "y");
        for (int i = 0; i < 200; i++) {
            r("ZADD", "b", String.valueOf(i), "m" + i);
        }
        assertEquals(1L, r("COPY", "a", "a2"));
        assertEquals(1L, r("COPY", "b", "b2"));
        assertEquals("listpack", r("OBJECT", "ENCODING", "a2"));
        assertEquals("skiplist", r("OBJECT", "ENCODING", "b2"));
        r("ZADD", "a2", "3", "z");
        r("ZREM", "b2", "m0");
        assertEquals(2L, r("ZCARD", "a"));
        assertEquals(200L, r("ZCARD", "b"));
        assertEquals(199L, r("ZCARD", "b2"));
        assertEquals(r("ZRANGE", "b", "1", "-1", "WITHSCORES"), r("ZRANGE", "b2", "0", "-1", "WITHSCORES"));
    }

    // ------------------------------------------------------------ RESP3

    @Test
    void resp3Replies() throws Exception {
        try (RawResp c = new RawResp(server.port())) {
            raw(c, "HELLO", "3");
            raw(c, "ZADD", "z", "1", "a", "2.5", "b", "inf", "c");
            assertEquals(",2.5\r\n", raw(c, "ZSCORE", "z", "b"));
            assertEquals(",inf\r\n", raw(c, "ZSCORE", "z", "c"));
            assertEquals("_\r\n", raw(c, "ZSCORE", "z", "x"));
            assertEquals("*3\r\n,1\r\n_\r\n,inf\r\n", raw(c, "ZMSCORE", "z", "a", "x", "c"));
            assertEquals(",2\r\n", raw(c, "ZADD", "z", "INCR", "1", "a"));
            assertEquals("_\r\n", raw(c, "ZADD", "z", "XX", "INCR", "1", "missing"));
            assertEquals(",2.5\r\n", raw(c, "ZINCRBY", "z", "0.5", "a"));
            assertEquals("*3\r\n*2\r\n$1\r\na\r\n,2.5\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,inf\r\n",
                    raw(c, "ZRANGE", "z", "0", "-1", "WITHSCORES"));
            assertEquals("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", raw(c, "ZRANGE", "z", "0", "-1"));
            assertEquals("*1\r\n*2\r\n$1\r\nc\r\n,inf\r\n", raw(c, "ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES", "LIMIT", "0", "1"));
            assertEquals("*2\r\n:0\r\n,2.5\r\n", raw(c, "ZRANK", "z", "a", "WITHSCORE"));
            assertEquals("_\r\n", raw(c, "ZRANK", "z", "x", "WITHSCORE"));
            assertEquals("_\r\n", raw(c, "ZRANK", "z", "x"));
            assertEquals("*3\r\n*2\r\n$1\r\na\r\n,2.5\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,inf\r\n",
                    raw(c, "ZDIFF", "2", "z", "nokey", "WITHSCORES"));
            assertEquals("*3\r\n*2\r\n$1\r\na\r\n,5\r\n*2\r\n$1\r\nb\r\n,5\r\n*2\r\n$1\r\nc\r\n,inf\r\n",
                    raw(c, "ZINTER", "2", "z", "z", "WITHSCORES"));
            assertEquals("*3\r\n*2\r\n$1\r\nc\r\n,inf\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\na\r\n,2.5\r\n",
                    raw(c, "ZRANDMEMBER", "z", "5", "WITHSCORES"));
            assertEquals("*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$3\r\n2.5\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nc\r\n$3\r\ninf\r\n",
                    raw(c, "ZSCAN", "z", "0"));
            // ZPOPMIN without a count is flat; with a count, pairs.
            assertEquals("*2\r\n$1\r\na\r\n,2.5\r\n", raw(c, "ZPOPMIN", "z"));
            assertEquals("*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n", raw(c, "ZPOPMIN", "z", "1"));
            assertEquals("*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n,inf\r\n", raw(c, "ZMPOP", "1", "z", "MAX"));
            assertEquals("_\r\n", raw(c, "ZMPOP", "1", "z", "MIN"));
            assertEquals("*0\r\n", raw(c, "ZPOPMIN", "z"));
        }
        try (RawResp c = new RawResp(server.port())) {
            raw(c, "ZADD", "r2", "1", "a");
            assertEquals("*-1\r\n", raw(c, "ZRANK", "r2", "x", "WITHSCORE"));
            assertEquals("$-1\r\n", raw(c, "ZRANK", "r2", "x"));
            assertEquals("*-1\r\n", raw(c, "ZMPOP", "1", "nokey", "MIN"));
            assertEquals("*2\r\n$1\r\na\r\n$1\r\n1\r\n", raw(c, "ZRANGE", "r2", "0", "-1", "WITHSCORES"));
        }
    }

    private static String raw(RawResp c, String... args) throws Exception {
        return c.call(args);
    }

    /** Sends commands and returns each reply's raw text, whatever its RESP2/RESP3 types. */
    private static final class RawResp implements AutoCloseable {
        private final java.net.Socket socket;
        private final java.io.InputStream in;

        RawResp(int port) throws java.io.IOException {
            socket = new java.net.Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new java.io.BufferedInputStream(socket.getInputStream());
        }

        int port() {
            return socket.getLocalPort();
        }

        /** Reads one reply that arrives without a command (written by the server on its own). */
        String read() throws java.io.IOException {
            StringBuilder out = new StringBuilder();
            readReply(out);
            return out.toString();
        }

        String call(String... args) throws java.io.IOException {
            StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) {
                sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
            }
            socket.getOutputStream().write(sb.toString().getBytes(StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder();
            readReply(out);
            return out.toString();
        }

        private void readReply(StringBuilder out) throws java.io.IOException {
            String line = line();
            out.append(line).append("\r\n");
            char t = line.charAt(0);
            int n = t == '$' || t == '*' || t == '%' || t == '~' || t == '>' ? Integer.parseInt(line.substring(1)) : 0;
            if (t == '$' && n >= 0) {
                byte[] b = in.readNBytes(n + 2);
                out.append(new String(b, StandardCharsets.UTF_8));
            } else if (t == '*' || t == '~' || t == '>') {
                for (int i = 0; i < n; i++) {
                    readReply(out);
                }
            } else if (t == '%') {
                for (int i = 0; i < 2 * n; i++) {
                    readReply(out);
                }
            }
        }

        private String line() throws java.io.IOException {
            StringBuilder b = new StringBuilder();
            int prev = -1;
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new java.io.IOException("closed");
                }
                if (prev == '\r' && c == '\n') {
                    return b.substring(0, b.length() - 1);
                }
                b.append((char) c);
                prev = c;
            }
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    // ------------------------------------------------------------ random operations against a model

    /** One member of the reference model. */
    private record Entry(String member, double score) {
    }

    private static final Comparator<Entry> ORDER = (a, b) -> {
        int c = Double.compare(a.score, b.score);
        return c != 0 ? c : Arrays.compareUnsigned(a.member.getBytes(StandardCharsets.UTF_8), b.member.getBytes(StandardCharsets.UTF_8));
    };

    @Test
    void randomOperationsMatchATreeSetModel() {
        // Small sets (listpack), sets crossing 128 members, and sets with long members (skiplist).
        assertEquals(false, randomRun(new Random(1), 60, 4, 0, 3000));
        assertEquals(true, randomRun(new Random(2), 400, 6, 300, 4000));
        assertEquals(true, randomRun(new Random(3), 150, 80, 0, 2000));
    }

    /** Returns whether the set was ever in the skiplist encoding. */
    @SuppressWarnings("unchecked")
    private boolean randomRun(Random rnd, int universe, int memberLength, int prefill, int steps) {
        jedis.flushAll();
        TreeSet<Entry> model = new TreeSet<>(ORDER);
        Map<String, Entry> byMember = new HashMap<>();
        boolean large = false;
        boolean everLarge = false;
        if (prefill > 0) {
            List<String> args = new ArrayList<>(l("ZADD", "z"));
            for (int i = 0; i < prefill; i++) {
                String m = member(rnd, universe, memberLength);
                double score = rnd.nextInt(40) - 20;
                args.add(fmt(score));
                args.add(m);
                put(model, byMember, m, score);
            }
            r(args.toArray(new String[0]));
        }
        for (int step = 0; step < steps; step++) {
            int op = rnd.nextInt(100);
            String m = member(rnd, universe, memberLength);
            double score = rnd.nextInt(40) - 20 + (rnd.nextBoolean() ? 0 : 0.5);
            if (op < 45) {
                Entry old = byMember.get(m);
                boolean gt = rnd.nextInt(5) == 0;
                if (gt) {
                    long ch = (Long) r("ZADD", "z", "GT", "CH", fmt(score), m);
                    boolean change = old == null || score > old.score;
                    assertEquals(change ? 1L : 0L, ch);
                    if (change) {
                        put(model, byMember, m, score);
                    }
                } else {
                    assertEquals(old == null ? 1L : 0L, r("ZADD", "z", fmt(score), m));
                    put(model, byMember, m, score);
                }
            } else if (op < 55) {
                Entry old = byMember.get(m);
                double next = (old == null ? 0 : old.score) + score;
                assertEquals(fmt(next), r("ZINCRBY", "z", fmt(score), m));
                put(model, byMember, m, next);
            } else if (op < 75) {
                Entry old = byMember.remove(m);
                if (old != null) {
                    model.remove(old);
                }
                assertEquals(old == null ? 0L : 1L, r("ZREM", "z", m));
            } else if (op < 80) {
                double a = rnd.nextInt(40) - 20;
                double b = a + rnd.nextInt(6);
                long expected = model.stream().filter(e -> e.score > a && e.score <= b).count();
                assertEquals(expected, r("ZREMRANGEBYSCORE", "z", "(" + fmt(a), fmt(b)));
                model.removeIf(e -> e.score > a && e.score <= b);
                byMember.values().removeIf(e -> e.score > a && e.score <= b);
            } else if (op < 83) {
                int start = rnd.nextInt(Math.max(1, model.size()));
                int stop = start + rnd.nextInt(4);
                List<Entry> all = new ArrayList<>(model);
                List<Entry> gone = all.subList(Math.min(start, all.size()), Math.min(stop + 1, all.size()));
                assertEquals((long) gone.size(), r("ZREMRANGEBYRANK", "z", String.valueOf(start), String.valueOf(stop)));
                for (Entry e : new ArrayList<>(gone)) {
                    model.remove(e);
                    byMember.remove(e.member);
                }
            } else if (op < 86) {
                Entry first = model.isEmpty() ? null : model.pollFirst();
                List<String> got = (List<String>) r("ZPOPMIN", "z");
                if (first == null) {
                    assertEquals(l(), got);
                } else {
                    byMember.remove(first.member);
                    assertEquals(l(first.member, fmt(first.score)), got);
                }
            } else if (op < 93) {
                // Rank of a random member, forwards and backwards.
                Entry e = byMember.get(m);
                if (e == null) {
                    assertNull(r("ZRANK", "z", m));
                } else {
                    long rank = model.headSet(e).size();
                    assertEquals(rank, r("ZRANK", "z", m));
                    assertEquals((long) model.size() - 1 - rank, r("ZREVRANK", "z", m));
                }
            } else if (op < 97) {
                double a = rnd.nextInt(40) - 20;
                double b = a + rnd.nextInt(10);
                int offset = rnd.nextInt(5);
                int count = rnd.nextInt(6) - 1;
                List<String> expected = new ArrayList<>();
                Iterator<Entry> it = model.iterator();
                int skipped = 0;
                while (it.hasNext()) {
                    Entry e = it.next();
                    if (e.score < a || e.score > b) {
                        continue;
                    }
                    if (skipped++ < offset) {
                        continue;
                    }
                    if (count >= 0 && expected.size() >= count * 2) {
                        break;
                    }
                    expected.add(e.member);
                    expected.add(fmt(e.score));
                }
                assertEquals(expected, r("ZRANGEBYSCORE", "z", fmt(a), fmt(b), "WITHSCORES", "LIMIT",
                        String.valueOf(offset), String.valueOf(count)));
                long inRange = model.stream().filter(e -> e.score >= a && e.score <= b).count();
                assertEquals(inRange, r("ZCOUNT", "z", fmt(a), fmt(b)));
            } else {
                int start = rnd.nextInt(Math.max(1, model.size() + 2)) - 1;
                int stop = start + rnd.nextInt(10);
                List<Entry> all = new ArrayList<>(model);
                List<String> expected = new ArrayList<>();
                int s = start < 0 ? Math.max(0, all.size() + start) : start;
                int t = stop < 0 ? all.size() + stop : Math.min(stop, all.size() - 1);
                for (int i = s; i <= t && i < all.size(); i++) {
                    expected.add(all.get(all.size() - 1 - i).member);
                }
                assertEquals(expected, r("ZREVRANGE", "z", String.valueOf(start), String.valueOf(stop)));
            }
            // The encoding: skiplist once the key held more than 128 members or a member longer
            // than 64 bytes, until it is emptied (and so deleted).
            if (model.isEmpty()) {
                large = false;
            } else if (model.size() > 128 || memberLength > 64) {
                large = true;
            }
            everLarge |= large;
            if (step % 250 == 0 || step == steps - 1) {
                assertFullContents(model);
                if (!model.isEmpty()) {
                    assertEquals(large ? "skiplist" : "listpack", r("OBJECT", "ENCODING", "z"), "step " + step);
                }
            }
        }
        return everLarge;
    }

    private void assertFullContents(TreeSet<Entry> model) {
        List<String> expected = new ArrayList<>();
        for (Entry e : model) {
            expected.add(e.member);
            expected.add(fmt(e.score));
        }
        assertEquals(expected, r("ZRANGE", "z", "0", "-1", "WITHSCORES"));
        assertEquals((long) model.size(), r("ZCARD", "z"));
        assertEquals(model.isEmpty() ? 0L : 1L, r("EXISTS", "z"));
    }

    private static void put(TreeSet<Entry> model, Map<String, Entry> byMember, String m, double score) {
        Entry old = byMember.remove(m);
        if (old != null) {
            model.remove(old);
        }
        Entry e = new Entry(m, score);
        model.add(e);
        byMember.put(m, e);
    }

    private static String member(Random rnd, int universe, int length) {
        StringBuilder sb = new StringBuilder("m").append(rnd.nextInt(universe));
        while (sb.length() < length) {
            sb.append('x');
        }
        return sb.toString();
    }

    /** Scores in these tests are multiples of 0.5 within ±1e6: Redis prints them exactly. */
    private static String fmt(double d) {
        if (d == Math.rint(d)) {
            return String.valueOf((long) d);
        }
        return String.valueOf(d);
    }
}
