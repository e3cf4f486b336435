package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SortingParams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.podis.server.commands.Cmd.error;
import static dev.podis.server.commands.Cmd.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** SORT and SORT_RO over TCP with Jedis: every option, each source type, STORE and its wake-ups. */
class SortCommandsTest {
    static final String NOT_DOUBLE = "ERR One or more scores can't be converted into double";
    static final String SYNTAX = "ERR syntax error";
    static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

    static TestServer server;
    Jedis j;

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
        j = server.jedis();
        j.flushAll();
    }

    @AfterEach
    void disconnect() {
        j.close();
    }

    private Object sort(String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = "SORT";
        System.arraycopy(args, 0, argv, 1, args.length);
        return run(j, argv);
    }

    private Object sortRo(String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = "SORT_RO";
        System.arraycopy(args, 0, argv, 1, args.length);
        return run(j, argv);
    }

    // ------------------------------------------------------------------ numeric and ALPHA

    @Test
    void numericSortOfAList() {
        j.rpush("l", "3", "1", "2", "10", "-1", "2.5", "1e1", "-inf", "inf");
        assertEquals(List.of("-inf", "-1", "1", "2", "2.5", "3", "10", "1e1", "inf"), j.sort("l"));
        assertEquals(List.of("inf", "1e1", "10", "3", "2.5", "2", "1", "-1", "-inf"),
                j.sort("l", new SortingParams().desc()));
        assertEquals(j.sort("l"), sort("l", "ASC"));
        // the last of ASC / DESC wins
        assertEquals(j.sort("l"), sort("l", "DESC", "ASC"));
        assertEquals(j.sort("l", new SortingParams().desc()), sortRo("l", "asc", "desc"));
        // the source is untouched
        assertEquals(List.of("3", "1", "2", "10", "-1", "2.5", "1e1", "-inf", "inf"), j.lrange("l", 0, -1));
    }

    @Test
    void equalNumbersAreOrderedByTheirBytes() {
        // 10 and 1e1 are equal numbers: "10" < "1e1" byte-wise; "01" < "1" < "1.0" < "1e0"
        j.rpush("l", "1e0", "1.0", "1", "01", "0", "-0", "0.0");
        assertEquals(List.of("-0", "0", "0.0", "01", "1", "1.0", "1e0"), j.sort("l"));
        assertEquals(List.of("1e0", "1.0", "1", "01", "0.0", "0", "-0"), j.sort("l", new SortingParams().desc()));
    }

    @Test
    void numbersAsStrtodReadsThem() {
        // leading blanks, hex, exponents, an empty value (0) and a value cut at a NUL byte
        j.rpush("l", "  7", "0x10", ".5", "", "-1.5e2", "5.");
        j.rpush("l".getBytes(StandardCharsets.UTF_8), "2\0junk".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("-1.5e2", "", ".5", "2\0junk", "5.", "  7", "0x10"), j.sort("l"));
        for (String bad : new String[] {"abc", "nan", "1e400", "-1e400", "1e-310", "1 ", " ", "1x"}) {
            j.del("b");
            j.rpush("b", "1", bad, "2");
            assertEquals(NOT_DOUBLE, error(j, "SORT", "b"), bad);
            assertEquals(NOT_DOUBLE, error(j, "SORT", "b", "DESC", "LIMIT", "0", "1"), bad);
            // ALPHA does not parse numbers
            assertEquals(3, ((List<?>) sort("b", "ALPHA")).size());
        }
    }

    @Test
    void alphaIsByteOrder() {
        j.rpush("l", "banana", "apple", "Cherry", "apple2", "", "a", "10", "9");
        assertEquals(List.of("", "10", "9", "Cherry", "a", "apple", "apple2", "banana"),
                j.sort("l", new SortingParams().alpha()));
        assertEquals(List.of("banana", "apple2", "apple", "a", "Cherry", "9", "10", ""),
                j.sort("l", new SortingParams().alpha().desc()));
        assertEquals(List.of("9", "Cherry", "a"), sort("l", "ALPHA", "LIMIT", "2", "3"));
        byte[] k = "bin".getBytes(StandardCharsets.UTF_8);
        j.rpush(k, new byte[] {(byte) 0xff}, new byte[] {(byte) 0x80}, new byte[] {0x7f});
        List<byte[]> sorted = j.sort(k, new SortingParams().alpha());
        assertArrayEquals(new byte[] {0x7f}, sorted.get(0));
        assertArrayEquals(new byte[] {(byte) 0x80}, sorted.get(1));
        assertArrayEquals(new byte[] {(byte) 0xff}, sorted.get(2));
    }

    @Test
    void alphaRepliesCompareUpToNulButStoreComparesAllBytes() {
        // strcoll sees "a\0c" and "a\0b" as "a": equal, so they keep their order; STORE compares
        // every byte
        byte[] k = "l".getBytes(StandardCharsets.UTF_8);
        j.rpush(k, bytes("a\0c"), bytes("a"), bytes("a\0b"));
        assertEquals(List.of("a\0c", "a", "a\0b"), sort("l", "ALPHA"));
        assertEquals(3L, sort("l", "ALPHA", "STORE", "d"));
        assertEquals(List.of("a", "a\0b", "a\0c"), j.lrange("d", 0, -1));
    }

    // ------------------------------------------------------------------ LIMIT

    @Test
    void limitClampsLikeRedis() {
        j.rpush("n", "5", "4", "3", "2", "1", "6", "7", "8", "9", "10");
        assertEquals(List.of("1", "2", "3"), sort("n", "LIMIT", "0", "3"));
        assertEquals(List.of("3", "4", "5"), sort("n", "LIMIT", "2", "3"));
        assertEquals(List.of("9", "10"), sort("n", "LIMIT", "8", "5"));
        assertEquals(List.of("10"), sort("n", "LIMIT", "9", "1"));
        assertEquals(List.of(), sort("n", "LIMIT", "10", "1"));
        assertEquals(List.of(), sort("n", "LIMIT", "0", "0"));
        // a negative count means "to the end"
        assertEquals(List.of("4", "5", "6", "7", "8", "9", "10"), sort("n", "LIMIT", "3", "-1"));
        assertEquals(List.of("4", "5", "6", "7", "8", "9", "10"), sort("n", "LIMIT", "3", "-7"));
        // a negative offset counts as 0
        assertEquals(List.of("1", "2"), sort("n", "LIMIT", "-3", "2"));
        assertEquals(10, ((List<?>) sort("n", "LIMIT", "-3", "-2")).size());
        assertEquals(List.of(), sort("n", "LIMIT", "9223372036854775807", "9223372036854775807"));
        assertEquals(10, ((List<?>) sort("n", "LIMIT", "-9223372036854775808", "-9223372036854775808")).size());
        assertEquals(List.of("3", "4", "5", "6", "7", "8", "9", "10"), sort("n", "LIMIT", "2", "9223372036854775807"));
        assertEquals(List.of("9", "8"), sort("n", "DESC", "LIMIT", "1", "2"));
        // the last LIMIT wins
        assertEquals(List.of("4", "5"), sort("n", "LIMIT", "1", "2", "LIMIT", "3", "2"));
        assertEquals(List.of(), sort("nokey", "LIMIT", "0", "1"));
        assertEquals(List.of(), sort("nokey", "BY", "nosort", "DESC", "LIMIT", "-1", "-1"));
    }

    // ------------------------------------------------------------------ BY

    @Test
    void byStringKeys() {
        j.rpush("u", "1", "2", "3", "4", "5");
        j.mset("w_1", "50", "w_2", "10", "w_3", "30", "w_4", "20");
        // w_5 is missing: it sorts as 0
        assertEquals(List.of("5", "2", "4", "3", "1"), j.sort("u", new SortingParams().by("w_*")));
        assertEquals(List.of("1", "3", "4", "2", "5"), j.sort("u", new SortingParams().by("w_*").desc()));
        assertEquals(List.of("2", "4"), sort("u", "BY", "w_*", "LIMIT", "1", "2"));
        // ALPHA by the values: "10" < "20" < "30" < "50"; a missing key sorts first
        assertEquals(List.of("5", "2", "4", "3", "1"), sort("u", "BY", "w_*", "ALPHA"));
        // every key missing: all 0, so the elements decide
        assertEquals(List.of("1", "2", "3", "4", "5"), sort("u", "BY", "nothing_*"));
        // a key that is not a string counts as missing; a string that is not a number fails
        j.rpush("w_5", "x");
        assertEquals(List.of("5", "2", "4", "3", "1"), sort("u", "BY", "w_*"));
        j.del("w_5");
        j.set("w_5", "many");
        assertEquals(NOT_DOUBLE, error(j, "SORT", "u", "BY", "w_*"));
        assertEquals(List.of("2", "4", "3", "1", "5"), sort("u", "BY", "w_*", "ALPHA"));
    }

    @Test
    void byHashFields() {
        j.rpush("u", "1", "2", "3", "4");
        j.hset("h_1", "f", "3");
        j.hset("h_1", "g", "b");
        j.hset("h_2", "f", "1");
        j.hset("h_2", "g", "a");
        j.hset("h_3", "f", "2");
        j.hset("h_3", "g", "c");
        j.hset("h_4", "g", "d");
        assertEquals(List.of("4", "2", "3", "1"), sort("u", "BY", "h_*->f"));
        assertEquals(List.of("1", "3", "2", "4"), sort("u", "BY", "h_*->f", "DESC"));
        assertEquals(List.of("2", "1", "3", "4"), sort("u", "BY", "h_*->g", "ALPHA"));
        assertEquals(List.of("4", "3", "1"), sort("u", "BY", "h_*->g", "ALPHA", "DESC", "LIMIT", "0", "3"));
        // "->" at the end is part of the key name: "h_2->" is a string key
        j.set("h_2->", "-5");
        assertEquals(List.of("2", "1", "3", "4"), sort("u", "BY", "h_*->"));
        // "->" before the '*' is part of the key name too
        j.set("x->1", "9");
        assertEquals(List.of("2", "3", "4", "1"), sort("u", "BY", "x->*"));
        // a hash field on a string key, or a string lookup of a hash, finds nothing
        j.set("s_1", "-1");
        assertEquals(List.of("1", "2", "3", "4"), sort("u", "BY", "s_*->f"));
        assertEquals(List.of("1", "2", "3", "4"), sort("u", "BY", "h_*"));
    }

    @Test
    void byWithoutStarSkipsSorting() {
        j.rpush("u", "3", "1", "5", "2", "4");
        j.mset("w_1", "5", "w_2", "4", "w_3", "3", "w_4", "2", "w_5", "1");
        assertEquals(List.of("3", "1", "5", "2", "4"), sort("u", "BY", "nosort"));
        assertEquals(List.of("4", "2", "5", "1", "3"), sort("u", "BY", "nosort", "DESC"));
        assertEquals(List.of("1", "5"), sort("u", "BY", "nosort", "LIMIT", "1", "2"));
        assertEquals(List.of("2", "5"), sort("u", "BY", "nosort", "DESC", "LIMIT", "1", "2"));
        assertEquals(List.of("4"), sort("u", "BY", "nosort", "LIMIT", "4", "5"));
        assertEquals(List.of(), sort("u", "BY", "nosort", "LIMIT", "5", "5"));
        assertEquals(List.of("3", "1"), sort("u", "BY", "nosort", "LIMIT", "-2", "2"));
        // ALPHA changes nothing without something to sort by
        assertEquals(List.of("3", "1", "5", "2", "4"), sort("u", "BY", "constant", "ALPHA"));
        // a '*' after a NUL byte does not count
        assertEquals(List.of("3", "1", "5", "2", "4"), sort("u", "BY", "w_\0*"));
        // once a BY without '*' was seen, a later BY does not bring sorting back
        assertEquals(List.of("3", "1", "5", "2", "4"), sort("u", "BY", "nosort", "BY", "w_*"));
        assertEquals(List.of("5", "4", "3", "2", "1"), sort("u", "BY", "w_*", "BY", "w_*"));
    }

    @Test
    void equalAlphaKeysKeepTheirOrderUnlessLimitedPartialSortMovesThem() {
        j.rpush("t", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12");
        j.mset("tk_3", "b", "tk_7", "a", "tk_11", "b", "tk_1", "a");
        // missing keys first, in list order (a stable sort), then "a" (1, 7) and "b" (3, 11)
        assertEquals(List.of("2", "4", "5", "6", "8", "9", "10", "12", "1", "7", "3", "11"),
                sort("t", "BY", "tk_*", "ALPHA"));
        // DESC reverses the comparison, not the order of equal keys
        assertEquals(List.of("3", "11", "1", "7", "2", "4", "5", "6", "8", "9", "10", "12"),
                sort("t", "BY", "tk_*", "ALPHA", "DESC"));
        // with a LIMIT Redis's partial quicksort runs; real Redis answers these
        assertEquals(List.of("8", "10", "12", "4", "5"), sort("t", "BY", "tk_*", "ALPHA", "LIMIT", "0", "5"));
        assertEquals(List.of("12", "4", "5", "6", "2", "9"), sort("t", "BY", "tk_*", "ALPHA", "LIMIT", "2", "6"));
    }

    // ------------------------------------------------------------------ GET

    @Test
    void getPatterns() {
        j.rpush("u", "1", "2", "3");
        j.mset("w_1", "30", "w_2", "10", "o_1", "one", "o_3", "three");
        j.hset("h_2", "f", "two");
        assertEquals(List.of("1", "2", "3"), sort("u", "GET", "#"));
        assertEquals(Arrays.asList("one", null, "three"), sort("u", "GET", "o_*"));
        assertEquals(Arrays.asList("3", "three", null, "2", null, "two", "1", "one", null),
                sort("u", "BY", "w_*", "GET", "#", "GET", "o_*", "GET", "h_*->f"));
        // a pattern without '*' names nothing
        assertEquals(Arrays.asList(null, null, null), sort("u", "GET", "o_1"));
        // "#" followed by a NUL byte is still "#"; "##" is not
        assertEquals(List.of("1", "2", "3"), sort("u", "GET", "#\0x"));
        assertEquals(Arrays.asList(null, null, null), sort("u", "GET", "##"));
        assertEquals(Arrays.asList("one", null), sort("u", "BY", "nosort", "GET", "o_*", "LIMIT", "0", "2"));
        assertEquals(Arrays.asList("three", "3", null, "2", "one", "1"), sort("u", "DESC", "GET", "o_*", "GET", "#"));
        // GET of a list key finds nothing
        j.rpush("o_2", "x");
        assertEquals(Arrays.asList("one", null, "three"), sort("u", "GET", "o_*"));
    }

    @Test
    void getPatternsWithNulBytes() {
        j.rpush("u", "1");
        j.set(bytes("k_1\0x"), bytes("b"));
        j.hset(bytes("hh_1"), bytes("f\0x"), bytes("z"));
        // the text after the NUL still belongs to the key and the field
        assertEquals(List.of("b"), sort("u", "GET", "k_*\0x"));
        assertEquals(List.of("z"), sort("u", "GET", "hh_*->f\0x"));
        // but "->" after a NUL is not seen
        assertEquals(Arrays.asList((Object) null), sort("u", "GET", "hh_*\0->f"));
    }

    // ------------------------------------------------------------------ sources

    @Test
    void sets() {
        j.sadd("si", "5", "3", "9", "-2", "0");
        assertEquals(List.of("-2", "0", "3", "5", "9"), j.sort("si"));
        assertEquals(List.of("5", "3"), sort("si", "DESC", "LIMIT", "1", "2"));
        // an intset iterates in order
        assertEquals(List.of("-2", "0", "3", "5", "9"), sort("si", "BY", "nosort"));
        assertEquals(List.of("-2", "0", "3", "5", "9"), sortRo("si", "BY", "nosort"));
        j.sadd("sl", "c", "a", "b", "10", "2");
        assertEquals(List.of("10", "2", "a", "b", "c"), sort("sl", "ALPHA"));
        assertEquals(NOT_DOUBLE, error(j, "SORT", "sl"));
        // a small set of strings is a listpack in insertion order (Redis 7.2)
        assertEquals(List.of("c", "a", "b", "10", "2"), sort("sl", "BY", "nosort"));
        assertEquals(List.of("a", "b"), sort("sl", "BY", "nosort", "LIMIT", "1", "2"));
        // storing a set without sorting sorts it as strings, so the list does not depend on the layout
        assertEquals(5L, sort("sl", "BY", "nosort", "STORE", "d"));
        assertEquals(List.of("10", "2", "a", "b", "c"), j.lrange("d", 0, -1));
        assertEquals(5L, sort("sl", "BY", "nosort", "DESC", "STORE", "d"));
        assertEquals(List.of("c", "b", "a", "2", "10"), j.lrange("d", 0, -1));
    }

    @Test
    void sortedSets() {
        j.zadd("z", 3, "c");
        j.zadd("z", 1, "a");
        j.zadd("z", 2, "b");
        j.zadd("z", 0, "d");
        assertEquals("listpack", j.objectEncoding("z"));
        // BY nosort keeps the score order
        assertEquals(List.of("d", "a", "b", "c"), sort("z", "BY", "nosort"));
        // sorting converts the set to a skiplist, as in Redis
        assertEquals("skiplist", j.objectEncoding("z"));
        assertEquals(List.of("c", "b", "a", "d"), sort("z", "BY", "nosort", "DESC"));
        assertEquals(List.of("a", "b"), sort("z", "BY", "nosort", "LIMIT", "1", "2"));
        assertEquals(List.of("b", "a"), sort("z", "BY", "nosort", "DESC", "LIMIT", "1", "2"));
        assertEquals(List.of("c"), sort("z", "BY", "nosort", "LIMIT", "3", "10"));
        assertEquals(List.of(), sort("z", "BY", "nosort", "DESC", "LIMIT", "4", "1"));
        // without BY the members themselves are sorted, not the scores
        assertEquals(List.of("a", "b", "c", "d"), sort("z", "ALPHA"));
        assertEquals(NOT_DOUBLE, error(j, "SORT", "z"));
        j.zadd("zn", 1, "30");
        j.zadd("zn", 2, "10");
        j.zadd("zn", 3, "20");
        assertEquals(List.of("10", "20", "30"), j.sort("zn"));
        assertEquals(List.of("30", "20"), sortRo("zn", "DESC", "LIMIT", "0", "2"));
        assertEquals(List.of("30", "10", "20"), sort("zn", "BY", "nosort"));
        j.zadd("zb", 1, "x");
        assertEquals(List.of("x"), sortRo("zb", "ALPHA"));
        assertEquals("skiplist", j.objectEncoding("zb"));
    }

    @Test
    void missingKeyAndWrongTypes() {
        assertEquals(List.of(), sort("nokey"));
        assertEquals(List.of(), sortRo("nokey", "BY", "nosort", "GET", "#"));
        j.set("str", "v");
        assertEquals(WRONGTYPE, error(j, "SORT", "str"));
        assertEquals(WRONGTYPE, error(j, "SORT_RO", "str"));
        assertEquals(WRONGTYPE, error(j, "SORT", "str", "STORE", "d"));
        j.hset("hash", "a", "1");
        assertEquals(WRONGTYPE, error(j, "SORT", "hash", "BY", "nosort"));
        // option errors come before the type check
        assertEquals(SYNTAX, error(j, "SORT", "str", "foo"));
        assertEquals(NOT_INTEGER, error(j, "SORT", "str", "LIMIT", "x", "1"));
    }

    // ------------------------------------------------------------------ STORE

    @Test
    void store() {
        j.rpush("u", "3", "1", "2");
        j.mset("o_1", "one", "o_3", "three");
        assertEquals(3L, sort("u", "STORE", "out"));
        assertEquals(List.of("1", "2", "3"), j.lrange("out", 0, -1));
        assertEquals("list", j.type("out"));
        assertEquals("listpack", j.objectEncoding("out"));
        // a missing GET value is stored as an empty string
        assertEquals(6L, sort("u", "GET", "o_*", "GET", "#", "STORE", "out"));
        assertEquals(List.of("one", "1", "", "2", "three", "3"), j.lrange("out", 0, -1));
        // an empty result deletes the destination
        assertEquals(0L, sort("u", "LIMIT", "0", "0", "STORE", "out"));
        assertFalse(j.exists("out"));
        assertEquals(0L, sort("nokey", "STORE", "out"));
        // the destination is replaced whatever it was, and loses its TTL
        j.set("out", "string");
        j.expire("out", 100);
        assertEquals(3L, sort("u", "DESC", "STORE", "out"));
        assertEquals(-1L, j.ttl("out"));
        assertEquals(List.of("3", "2", "1"), j.lrange("out", 0, -1));
        // the last STORE wins; storing over the source works
        assertEquals(3L, sort("u", "STORE", "a", "STORE", "b"));
        assertFalse(j.exists("a"));
        assertEquals(List.of("1", "2", "3"), j.lrange("b", 0, -1));
        assertEquals(2L, sort("u", "DESC", "STORE", "u", "LIMIT", "0", "2"));
        assertEquals(List.of("3", "2"), j.lrange("u", 0, -1));
        // a failed numeric sort stores nothing
        j.rpush("bad", "x");
        assertEquals(NOT_DOUBLE, error(j, "SORT", "bad", "STORE", "d"));
        assertFalse(j.exists("d"));
        // SORT_RO has no STORE
        assertEquals(SYNTAX, error(j, "SORT_RO", "u", "STORE", "d"));
        assertFalse(j.exists("d"));
    }

    @Test
    void storeOfALargeResultIsAQuicklist() {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            values.add("element-" + (100000 + i));
        }
        j.rpush("big", values.toArray(new String[0]));
        assertEquals(1000L, sort("big", "ALPHA", "STORE", "out"));
        assertEquals("quicklist", j.objectEncoding("out"));
        assertEquals(values, j.lrange("out", 0, -1));
    }

    @Test
    void storeWakesABlockedPop() throws Exception {
        j.rpush("src", "b", "a", "c");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Jedis blocked = server.jedis()) {
            Future<List<String>> popped = pool.submit(() -> blocked.blpop(5, "dst"));
            long deadline = System.currentTimeMillis() + 5000;
            while (!j.info("clients").contains("blocked_clients:1")) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("the BLPOP did not block");
                }
                Thread.sleep(5);
            }
            assertEquals(3L, sort("src", "ALPHA", "STORE", "dst"));
            assertEquals(List.of("dst", "a"), popped.get(5, TimeUnit.SECONDS));
            assertEquals(List.of("b", "c"), j.lrange("dst", 0, -1));
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ errors and RESP3

    @Test
    void syntaxErrors() {
        j.rpush("l", "1");
        assertEquals("ERR wrong number of arguments for 'sort' command", error(j, "SORT"));
        assertEquals("ERR wrong number of arguments for 'sort_ro' command", error(j, "SORT_RO"));
        assertEquals(SYNTAX, error(j, "SORT", "l", "foo"));
        assertEquals(SYNTAX, error(j, "SORT", "l", "LIMIT"));
        assertEquals(SYNTAX, error(j, "SORT", "l", "LIMIT", "1"));
        assertEquals(NOT_INTEGER, error(j, "SORT", "l", "LIMIT", "a", "1"));
        assertEquals(NOT_INTEGER, error(j, "SORT", "l", "LIMIT", "1", "a"));
        assertEquals(NOT_INTEGER, error(j, "SORT", "l", "LIMIT", "1.5", "1"));
        assertEquals(NOT_INTEGER, error(j, "SORT", "l", "LIMIT", "9223372036854775808", "1"));
        assertEquals(SYNTAX, error(j, "SORT", "l", "LIMIT", "0", "1", "foo"));
        assertEquals(SYNTAX, error(j, "SORT", "l", "BY"));
        assertEquals(SYNTAX, error(j, "SORT", "l", "GET"));
        assertEquals(SYNTAX, error(j, "SORT", "l", "STORE"));
        assertEquals(SYNTAX, error(j, "SORT_RO", "l", "ALPHA", "STORE"));
        assertEquals(SYNTAX, error(j, "SORT", "l", "GET", "#", "LIMIT", "0"));
    }

    @Test
    void resp3() throws Exception {
        j.rpush("u", "2", "1");
        j.set("o_1", "one");
        try (RespClient c = new RespClient(server.port())) {
            c.call("HELLO", "3");
            assertEquals("*4\r\n$1\r\n1\r\n$3\r\none\r\n$1\r\n2\r\n_\r\n",
                    new String(c.raw("SORT", "u", "GET", "#", "GET", "o_*"), StandardCharsets.UTF_8));
            assertEquals("*0\r\n", new String(c.raw("SORT", "nokey"), StandardCharsets.UTF_8));
            assertEquals(":2\r\n", new String(c.raw("SORT", "u", "STORE", "d"), StandardCharsets.UTF_8));
            assertEquals("-" + SYNTAX + "\r\n", new String(c.raw("SORT_RO", "u", "STORE", "d"), StandardCharsets.UTF_8));
        }
        try (RespClient c = new RespClient(server.port())) {
            assertEquals("*2\r\n$-1\r\n$3\r\none\r\n",
                    new String(c.raw("SORT", "u", "DESC", "GET", "o_*"), StandardCharsets.UTF_8));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
