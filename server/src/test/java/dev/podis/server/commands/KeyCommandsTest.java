package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static dev.podis.server.commands.Cmd.error;
import static dev.podis.server.commands.Cmd.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generic key commands over TCP; expected replies are Redis 7's (checked against redis-server). */
class KeyCommandsTest {
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
        run(j, "FLUSHALL");
    }

    @AfterEach
    void disconnect() {
        j.close();
    }

    private void set(String key, String value) {
        assertEquals("OK", run(j, "SET", key, value));
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Object reply) {
        return (List<String>) reply;
    }

    // ---- DEL, UNLINK, EXISTS, TYPE, TOUCH, RANDOMKEY

    @Test
    void delAndUnlinkCountKeysActuallyRemoved() {
        set("a", "1");
        set("b", "2");
        set("c", "3");
        assertEquals(2L, run(j, "DEL", "a", "a", "b", "nokey"));
        assertEquals(0L, run(j, "EXISTS", "a", "b"));
        assertEquals(1L, run(j, "UNLINK", "c", "nokey"));
        assertEquals(0L, run(j, "UNLINK", "c"));
        assertEquals("ERR wrong number of arguments for 'del' command", error(j, "DEL"));
    }

    @Test
    void existsCountsRepeatedKeys() {
        set("a", "1");
        set("b", "2");
        assertEquals(3L, run(j, "EXISTS", "a", "a", "nokey", "b"));
        assertEquals(0L, run(j, "EXISTS", "nokey"));
    }

    @Test
    void typeNamesTheValueType() {
        set("s", "v");
        assertEquals("string", run(j, "TYPE", "s"));
        assertEquals("none", run(j, "TYPE", "nokey"));
    }

    @Test
    void touchCountsExistingKeys() {
        set("a", "1");
        set("b", "2");
        assertEquals(3L, run(j, "TOUCH", "a", "b", "a", "nokey"));
    }

    @Test
    void randomKeyIsNullWhenEmptyAndOneOfTheKeysOtherwise() {
        assertNull(run(j, "RANDOMKEY"));
        Set<String> keys = Set.of("x", "y", "z");
        for (String k : keys) {
            set(k, "v");
        }
        for (int i = 0; i < 20; i++) {
            assertTrue(keys.contains((String) run(j, "RANDOMKEY")));
        }
    }

    // ---- expiry

    @Test
    void ttlIsMinusTwoForMissingAndMinusOneForPersistentKeys() {
        set("k", "v");
        assertEquals(-2L, run(j, "TTL", "nokey"));
        assertEquals(-2L, run(j, "PTTL", "nokey"));
        assertEquals(-2L, run(j, "EXPIRETIME", "nokey"));
        assertEquals(-2L, run(j, "PEXPIRETIME", "nokey"));
        assertEquals(-1L, run(j, "TTL", "k"));
        assertEquals(-1L, run(j, "PTTL", "k"));
        assertEquals(-1L, run(j, "EXPIRETIME", "k"));
        assertEquals(-1L, run(j, "PEXPIRETIME", "k"));
    }

    @Test
    void expireSetsSecondsAndPexpireMilliseconds() {
        set("k", "v");
        assertEquals(1L, run(j, "EXPIRE", "k", "100"));
        long pttl = (Long) run(j, "PTTL", "k");
        assertTrue(pttl > 90_000 && pttl <= 100_000, "pttl " + pttl);
        assertEquals(1L, run(j, "PEXPIRE", "k", "100900"));
        pttl = (Long) run(j, "PTTL", "k");
        assertTrue(pttl > 95_000 && pttl <= 100_900, "pttl " + pttl);
        // TTL rounds to the nearest second: 100.9 s left reads as 101 (unless 400 ms went by).
        assertEquals(101L, run(j, "TTL", "k"));
        assertEquals(0L, run(j, "EXPIRE", "nokey", "100"));
    }

    @Test
    void absoluteExpiryIsExactInMillisecondsAndRoundedInSeconds() {
        set("k", "v");
        assertEquals(1L, run(j, "PEXPIREAT", "k", "5000000000499"));
        assertEquals(5000000000499L, run(j, "PEXPIRETIME", "k"));
        assertEquals(5000000000L, run(j, "EXPIRETIME", "k"));
        assertEquals(1L, run(j, "PEXPIREAT", "k", "5000000000500"));
        assertEquals(5000000001L, run(j, "EXPIRETIME", "k"));
        assertEquals(1L, run(j, "EXPIREAT", "k", "4000000000"));
        assertEquals(4000000000000L, run(j, "PEXPIRETIME", "k"));
        assertEquals(4000000000L, run(j, "EXPIRETIME", "k"));
        long ttl = (Long) run(j, "TTL", "k");
        long expected = 4000000000L - System.currentTimeMillis() / 1000;
        assertTrue(Math.abs(ttl - expected) <= 2, ttl + " vs " + expected);
    }

    @Test
    void aTimeInThePastDeletesTheKey() {
        for (String[] cmd : new String[][] {
                {"EXPIRE", "k", "0"}, {"EXPIRE", "k", "-1"}, {"PEXPIRE", "k", "-100"},
                {"EXPIREAT", "k", "1"}, {"PEXPIREAT", "k", "0"}, {"EXPIRE", "k", "-9223372036854775"}}) {
            set("k", "v");
            assertEquals(1L, run(j, cmd), String.join(" ", cmd));
            assertEquals(0L, run(j, "EXISTS", "k"), String.join(" ", cmd));
            assertEquals(-2L, run(j, "TTL", "k"));
        }
    }

    @Test
    void expiredKeysDisappear() throws InterruptedException {
        set("k", "v");
        set("keep", "v");
        assertEquals(1L, run(j, "PEXPIRE", "k", "30"));
        assertEquals(1L, run(j, "EXISTS", "k"));
        Thread.sleep(80);
        assertEquals(0L, run(j, "EXISTS", "k"));
        assertEquals(-2L, run(j, "PTTL", "k"));
        assertEquals(List.of("keep"), run(j, "KEYS", "*"));
        assertNull(j.get("k"));
    }

    @Test
    void expireOptionsNxXxGtLt() {
        set("k", "v");
        assertEquals(0L, run(j, "EXPIRE", "k", "10", "XX"));   // no ttl yet
        assertEquals(0L, run(j, "EXPIRE", "k", "10", "GT"));   // no ttl counts as infinite
        assertEquals(1L, run(j, "EXPIRE", "k", "100", "NX"));
        assertEquals(0L, run(j, "EXPIRE", "k", "200", "nx"));
        assertEquals(1L, run(j, "EXPIRE", "k", "50", "XX"));
        assertEquals(1L, run(j, "EXPIRE", "k", "60", "GT"));
        assertEquals(0L, run(j, "EXPIRE", "k", "40", "gt"));
        assertEquals(1L, run(j, "EXPIRE", "k", "45", "LT"));
        assertEquals(0L, run(j, "EXPIRE", "k", "70", "lt"));
        assertEquals(1L, run(j, "EXPIRE", "k", "80", "XX", "GT"));
        assertEquals(0L, run(j, "EXPIRE", "k", "90", "XX", "LT"));
        long ttl = (Long) run(j, "TTL", "k");
        assertTrue(ttl > 75 && ttl <= 80, "ttl " + ttl);
        assertEquals(1L, run(j, "PERSIST", "k"));
        assertEquals(1L, run(j, "EXPIRE", "k", "10", "LT")); // no ttl: any time is less
        assertEquals(1L, run(j, "PERSIST", "k"));
        assertEquals(1L, run(j, "EXPIRE", "k", "10", "nx", "nx")); // repeating an option is fine
        // options are checked before the key
        assertEquals(0L, run(j, "PEXPIRE", "nokey", "10", "NX"));
    }

    @Test
    void expireOptionErrors() {
        set("k", "v");
        String incompatible = "ERR NX and XX, GT or LT options at the same time are not compatible";
        assertEquals(incompatible, error(j, "EXPIRE", "k", "10", "NX", "XX"));
        assertEquals(incompatible, error(j, "EXPIRE", "k", "10", "nx", "gt"));
        assertEquals(incompatible, error(j, "PEXPIRE", "k", "10", "LT", "GT", "NX"));
        assertEquals("ERR GT and LT options at the same time are not compatible",
                error(j, "EXPIREAT", "k", "10", "GT", "LT"));
        assertEquals("ERR Unsupported option foo", error(j, "EXPIRE", "k", "10", "foo", "bar"));
        // options are parsed before the time
        assertEquals(incompatible, error(j, "EXPIRE", "k", "abc", "NX", "XX"));
        assertEquals(Args.NOT_INTEGER, error(j, "EXPIRE", "k", "abc"));
        assertEquals(Args.NOT_INTEGER, error(j, "EXPIRE", "k", "1.5"));
        assertEquals(Args.NOT_INTEGER, error(j, "PEXPIRE", "k", "9223372036854775808"));
        assertEquals("ERR wrong number of arguments for 'expire' command", error(j, "EXPIRE", "k"));
    }

    @Test
    void expireTimesThatOverflowAreInvalid() {
        set("k", "v");
        assertEquals("ERR invalid expire time in 'expire' command", error(j, "EXPIRE", "k", "9223372036854776"));
        assertEquals("ERR invalid expire time in 'expire' command", error(j, "EXPIRE", "k", "-9223372036854776"));
        assertEquals("ERR invalid expire time in 'pexpire' command", error(j, "PEXPIRE", "k", "9223372036854775807"));
        assertEquals("ERR invalid expire time in 'expireat' command", error(j, "EXPIREAT", "k", "9223372036854775807"));
        assertEquals(1L, run(j, "EXISTS", "k"));
        assertEquals(1L, run(j, "PEXPIREAT", "k", "9223372036854775807"));
        assertEquals(9223372036854775807L, run(j, "PEXPIRETIME", "k"));
    }

    @Test
    void persistRemovesTheTtl() {
        set("k", "v");
        assertEquals(0L, run(j, "PERSIST", "k"));
        assertEquals(0L, run(j, "PERSIST", "nokey"));
        assertEquals(1L, run(j, "EXPIRE", "k", "100"));
        assertEquals(1L, run(j, "PERSIST", "k"));
        assertEquals(0L, run(j, "PERSIST", "k"));
        assertEquals(-1L, run(j, "TTL", "k"));
        assertEquals("v", j.get("k"));
    }

    // ---- RENAME, RENAMENX

    @Test
    void renameMovesTheValueAndItsTtl() {
        set("a", "1");
        assertEquals(1L, run(j, "PEXPIREAT", "a", "5000000000123"));
        set("b", "old");
        assertEquals("OK", run(j, "RENAME", "a", "b"));
        assertEquals(0L, run(j, "EXISTS", "a"));
        assertEquals("1", j.get("b"));
        assertEquals(5000000000123L, run(j, "PEXPIRETIME", "b"));
        set("c", "2");
        assertEquals("OK", run(j, "RENAME", "c", "b")); // overwrites, and the ttl goes with it
        assertEquals(-1L, run(j, "TTL", "b"));
        assertEquals("2", j.get("b"));
    }

    @Test
    void renameErrorsAndSameKey() {
        assertEquals("ERR no such key", error(j, "RENAME", "nokey", "x"));
        assertEquals("ERR no such key", error(j, "RENAME", "nokey", "nokey"));
        assertEquals("ERR no such key", error(j, "RENAMENX", "nokey", "nokey"));
        set("k", "v");
        assertEquals("OK", run(j, "RENAME", "k", "k"));
        assertEquals(0L, run(j, "RENAMENX", "k", "k"));
        assertEquals("v", j.get("k"));
    }

    @Test
    void renamenxOnlyWhenTheDestinationIsFree() {
        set("a", "1");
        set("b", "2");
        assertEquals(0L, run(j, "RENAMENX", "a", "b"));
        assertEquals("1", j.get("a"));
        assertEquals("2", j.get("b"));
        assertEquals(1L, run(j, "RENAMENX", "a", "c"));
        assertNull(j.get("a"));
        assertEquals("1", j.get("c"));
    }

    // ---- KEYS, SCAN

    @Test
    void keysMatchesGlobPatterns() {
        for (String k : new String[] {"hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "other"}) {
            set(k, "v");
        }
        assertEquals(Set.of("hello", "hallo", "hxllo", "h*llo"), new HashSet<>(list(run(j, "KEYS", "h?llo"))));
        assertEquals(Set.of("hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo"),
                new HashSet<>(list(run(j, "KEYS", "h*llo"))));
        assertEquals(Set.of("hello", "hallo"), new HashSet<>(list(run(j, "KEYS", "h[ae]llo"))));
        assertEquals(Set.of("hallo", "hxllo", "h*llo"), new HashSet<>(list(run(j, "KEYS", "h[^e]llo"))));
        assertEquals(Set.of("hallo"), new HashSet<>(list(run(j, "KEYS", "h[a-b]llo"))));
        assertEquals(List.of("h*llo"), run(j, "KEYS", "h\\*llo"));
        assertEquals(7, list(run(j, "KEYS", "*")).size());
        assertEquals(List.of(), run(j, "KEYS", "nomatch*"));
    }

    @Test
    void keysStarMatchesTheEmptyKeyButDoubleStarDoesNot() {
        set("", "empty");
        assertEquals(List.of(""), run(j, "KEYS", "*"));
        assertEquals(List.of(), run(j, "KEYS", "**"));
    }

    @Test
    void scanReturnsEveryKeyAndEndsWithCursorZero() {
        Set<String> all = new TreeSet<>();
        for (int i = 0; i < 500; i++) {
            set("key:" + i, "v");
            all.add("key:" + i);
        }
        Set<String> seen = new TreeSet<>();
        String cursor = "0";
        int calls = 0;
        do {
            List<?> reply = (List<?>) run(j, "SCAN", cursor, "COUNT", "7");
            assertEquals(2, reply.size());
            cursor = (String) reply.get(0);
            seen.addAll(list(reply.get(1)));
            assertTrue(++calls < 10_000);
        } while (!cursor.equals("0"));
        assertEquals(all, seen);
    }

    @Test
    void scanReturnsKeysPresentForTheWholeIterationWhileOthersComeAndGo() {
        Set<String> stable = new TreeSet<>();
        for (int i = 0; i < 400; i++) {
            set("stable:" + i, "v");
            stable.add("stable:" + i);
            set("doomed:" + i, "v");
        }
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        int step = 0;
        do {
            List<?> reply = (List<?>) run(j, "SCAN", cursor, "COUNT", "5");
            cursor = (String) reply.get(0);
            seen.addAll(list(reply.get(1)));
            // between calls: add keys, remove keys, change expiries
            set("new:" + step, "v");
            run(j, "DEL", "doomed:" + step);
            if (step % 3 == 0) {
                run(j, "EXPIRE", "stable:" + step, "1000");
            }
            step++;
        } while (!cursor.equals("0"));
        assertTrue(seen.containsAll(stable), "missing " + difference(stable, seen));
        for (String k : seen) {
            assertTrue(k.startsWith("stable:") || k.startsWith("doomed:") || k.startsWith("new:"), k);
        }
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> d = new TreeSet<>(a);
        d.removeAll(b);
        return d;
    }

    private Set<String> scanAll(String... options) {
        Set<String> seen = new TreeSet<>();
        String cursor = "0";
        do {
            List<String> argv = new ArrayList<>(List.of("SCAN", cursor));
            argv.addAll(List.of(options));
            List<?> reply = (List<?>) run(j, argv.toArray(new String[0]));
            cursor = (String) reply.get(0);
            seen.addAll(list(reply.get(1)));
        } while (!cursor.equals("0"));
        return seen;
    }

    @Test
    void scanMatchAndType() {
        set("user:1", "a");
        set("user:2", "b");
        set("item:1", "c");
        assertEquals(Set.of("user:1", "user:2"), scanAll("MATCH", "user:*"));
        assertEquals(Set.of("user:1", "user:2"), scanAll("match", "user:*", "count", "1"));
        assertEquals(Set.of("user:1", "user:2", "item:1"), scanAll("TYPE", "string"));
        assertEquals(Set.of("user:1", "user:2", "item:1"), scanAll("TYPE", "STRING"));
        assertEquals(Set.of("item:1"), scanAll("TYPE", "string", "MATCH", "item*", "COUNT", "100"));
        assertEquals(Set.of(), scanAll("TYPE", "list"));
        assertEquals(Set.of(), scanAll("TYPE", "nosuchtype")); // Redis 7.2 does not reject it
    }

    @Test
    void scanDoesNotReturnExpiredKeys() throws InterruptedException {
        set("live", "v");
        set("gone", "v");
        run(j, "PEXPIRE", "gone", "20");
        Thread.sleep(60);
        assertEquals(Set.of("live"), scanAll());
        assertEquals(Set.of("live"), scanAll("MATCH", "*"));
    }

    @Test
    void scanOptionErrors() {
        assertEquals(Args.SYNTAX, error(j, "SCAN", "0", "COUNT", "0"));
        assertEquals(Args.SYNTAX, error(j, "SCAN", "0", "COUNT", "-1"));
        assertEquals(Args.NOT_INTEGER, error(j, "SCAN", "0", "COUNT", "abc"));
        assertEquals(Args.SYNTAX, error(j, "SCAN", "0", "MATCH"));
        assertEquals(Args.SYNTAX, error(j, "SCAN", "0", "foo", "bar"));
        assertEquals(Args.SYNTAX, error(j, "SCAN", "0", "TYPE"));
        assertEquals("ERR invalid cursor", error(j, "SCAN", "abc", "COUNT", "0")); // cursor first
        assertEquals("ERR wrong number of arguments for 'scan' command", error(j, "SCAN"));
    }

    @Test
    void scanCursorIsAnUnsignedDecimalAsRedisParsesIt() {
        set("k", "v");
        for (String ok : new String[] {"0", "00", "+0", "-0", "", "+5", "-1", "18446744073709551615",
                "-18446744073709551615", "9223372036854775808"}) {
            List<?> reply = (List<?>) run(j, "SCAN", ok, "COUNT", "1");
            assertEquals(2, reply.size(), "cursor '" + ok + "'");
        }
        for (String bad : new String[] {"abc", "-", "+", " 1", "1 ", "0x1", "1.0", "18446744073709551616",
                "-18446744073709551616", "99999999999999999999"}) {
            assertEquals("ERR invalid cursor", error(j, "SCAN", bad), "cursor '" + bad + "'");
        }
    }

    @Test
    void cursorParsingEdgeCases() {
        assertTrue(Scan.validCursor("1\u0000junk".getBytes()));
        assertEquals(1L, Scan.cursorValue("1\u0000junk".getBytes()));
        assertEquals(-1L, Scan.cursorValue("18446744073709551615".getBytes()));
        assertEquals(-1L, Scan.cursorValue("-1".getBytes()));
        assertEquals(1L, Scan.cursorValue("-18446744073709551615".getBytes()));
        assertEquals(Long.MIN_VALUE, Scan.cursorValue("9223372036854775808".getBytes()));
        assertEquals(42L, Scan.cursorValue("0042".getBytes()));
        assertFalse(Scan.validCursor("\t1".getBytes()));
        assertFalse(Scan.validCursor("18446744073709551620".getBytes()));
    }

    // ---- OBJECT

    @Test
    void objectEncodingOfStrings() {
        String[][] cases = {
                {"100", "int"}, {"-1", "int"}, {"9223372036854775807", "int"}, {"-9223372036854775808", "int"},
                {"12345678901234567890", "embstr"}, {"01", "embstr"}, {"+1", "embstr"}, {"1.5", "embstr"},
                {"hello", "embstr"}, {"x".repeat(44), "embstr"}, {"x".repeat(45), "raw"}, {"", "embstr"},
                {"1".repeat(21), "embstr"},
        };
        for (String[] c : cases) {
            set("k", c[0]);
            assertEquals(c[1], run(j, "OBJECT", "ENCODING", "k"), c[0]);
        }
        assertNull(run(j, "OBJECT", "ENCODING", "nokey"));
    }

    @Test
    void objectRefcountIsSharedForSmallIntegers() {
        String[][] cases = {{"0", "2147483647"}, {"100", "2147483647"}, {"9999", "2147483647"},
                {"10000", "1"}, {"-1", "1"}, {"hello", "1"}, {"01", "1"}};
        for (String[] c : cases) {
            set("k", c[0]);
            assertEquals(Long.parseLong(c[1]), run(j, "OBJECT", "REFCOUNT", "k"), c[0]);
        }
        assertNull(run(j, "OBJECT", "REFCOUNT", "nokey"));
    }

    @Test
    void objectIdletimeAndFreq() {
        set("k", "v");
        long idle = (Long) run(j, "OBJECT", "IDLETIME", "k");
        assertTrue(idle >= 0 && idle < 5, "idle " + idle);
        assertNull(run(j, "OBJECT", "IDLETIME", "nokey"));
        assertEquals("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that"
                + " when switching between policies at runtime LRU and LFU data will take some time to adjust.",
                error(j, "OBJECT", "FREQ", "k"));
        assertNull(run(j, "OBJECT", "FREQ", "nokey")); // the key is looked up first
    }

    @Test
    void objectHelpAndErrors() {
        List<String> help = list(run(j, "OBJECT", "HELP"));
        assertEquals("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", help.get(0));
        assertEquals(15, help.size());
        assertTrue(help.contains("REFCOUNT <key>"));
        assertEquals("HELP", help.get(13));
        assertEquals("ERR unknown subcommand 'foo'. Try OBJECT HELP.", error(j, "OBJECT", "foo", "k"));
        assertEquals("ERR wrong number of arguments for 'object|encoding' command", error(j, "OBJECT", "ENCODING"));
        assertEquals("ERR wrong number of arguments for 'object|encoding' command",
                error(j, "OBJECT", "encoding", "a", "b"));
        assertEquals("ERR wrong number of arguments for 'object' command", error(j, "OBJECT"));
    }

    // ---- COPY

    @Test
    void copyDuplicatesValueAndTtl() {
        set("src", "v");
        assertEquals(1L, run(j, "PEXPIREAT", "src", "5000000000777"));
        assertEquals(1L, run(j, "COPY", "src", "dst"));
        assertEquals("v", j.get("dst"));
        assertEquals(5000000000777L, run(j, "PEXPIRETIME", "dst"));
        assertEquals("v", j.get("src"));
        set("src", "changed");
        assertEquals("v", j.get("dst"));
    }

    @Test
    void copyKeepsAnExistingDestinationUnlessReplace() {
        set("src", "new");
        set("dst", "old");
        run(j, "EXPIRE", "dst", "100");
        assertEquals(0L, run(j, "COPY", "src", "dst"));
        assertEquals("old", j.get("dst"));
        assertEquals(1L, run(j, "COPY", "src", "dst", "REPLACE"));
        assertEquals("new", j.get("dst"));
        assertEquals(-1L, run(j, "TTL", "dst"));
        assertEquals(1L, run(j, "COPY", "src", "dst", "replace", "replace"));
        assertEquals(0L, run(j, "COPY", "nokey", "dst", "REPLACE"));
        assertEquals("new", j.get("dst"));
    }

    @Test
    void copyToAnotherDatabase() {
        set("k", "v");
        assertEquals(1L, run(j, "COPY", "k", "k", "DB", "3"));
        assertEquals(0L, run(j, "COPY", "k", "k", "DB", "3"));
        try (Jedis other = server.jedis()) {
            other.select(3);
            assertEquals("v", other.get("k"));
        }
        assertEquals("v", j.get("k"));
    }

    @Test
    void copyErrors() {
        set("k", "v");
        String same = "ERR source and destination objects are the same";
        assertEquals(same, error(j, "COPY", "k", "k"));
        assertEquals(same, error(j, "COPY", "k", "k", "DB", "0"));
        assertEquals(same, error(j, "COPY", "nokey", "nokey"));
        assertEquals("ERR DB index is out of range", error(j, "COPY", "k", "x", "DB", "16"));
        assertEquals("ERR DB index is out of range", error(j, "COPY", "k", "x", "DB", "-1"));
        assertEquals(Args.NOT_INTEGER, error(j, "COPY", "k", "x", "DB", "abc"));
        assertEquals("ERR value is out of range, value must between -2147483648 and 2147483647",
                error(j, "COPY", "k", "x", "DB", "2147483648"));
        assertEquals(Args.SYNTAX, error(j, "COPY", "k", "x", "DB"));
        assertEquals(Args.SYNTAX, error(j, "COPY", "k", "x", "foo"));
        assertEquals(Args.SYNTAX, error(j, "COPY", "k", "x", "foo", "DB", "abc")); // left to right
        assertEquals(0L, run(j, "EXISTS", "x"));
    }
}
