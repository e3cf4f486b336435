package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.args.ListPosition;
import redis.clients.jedis.params.LPosParams;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.podis.server.commands.Cmd.error;
import static dev.podis.server.commands.Cmd.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The list commands over TCP with Jedis: results, error texts, encodings and their conversions. */
class ListCommandsTest {
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
        j.configSet("list-max-listpack-size", "-2");
        j.close();
    }

    private String encoding(String key) {
        return j.objectEncoding(key);
    }

    @Test
    void pushPopAndRanges() {
        assertEquals(3, j.rpush("l", "a", "b", "c"));
        assertEquals(5, j.lpush("l", "y", "z"));
        assertEquals(List.of("z", "y", "a", "b", "c"), j.lrange("l", 0, -1));
        assertEquals("z", j.lpop("l"));
        assertEquals("c", j.rpop("l"));
        assertEquals(List.of("b", "a"), j.rpop("l", 2));
        assertEquals(List.of("y"), j.lpop("l", 5));
        assertFalse(j.exists("l"), "an emptied list is removed");
        assertNull(j.lpop("l"));
        assertNull(j.lpop("l", 2));
        assertEquals(0, j.lpushx("l", "a"));
        assertFalse(j.exists("l"));
        j.rpush("l", "a");
        assertEquals(3, j.rpushx("l", "b", "c"));
        assertEquals(List.of(), run(j, "LPOP", "l", "0"));
        assertEquals("ERR value is out of range, must be positive", error(j, "LPOP", "l", "-1"));
        assertEquals("ERR wrong number of arguments for 'rpop' command", error(j, "RPOP", "l", "1", "2"));
        assertEquals(3, j.llen("l"));
        assertEquals(0, j.llen("missing"));
    }

    @Test
    void indexAndSet() {
        j.rpush("l", "a", "b", "c");
        assertEquals("a", j.lindex("l", 0));
        assertEquals("c", j.lindex("l", -1));
        assertNull(j.lindex("l", 3));
        assertNull(j.lindex("l", -4));
        assertEquals("OK", j.lset("l", -1, "C"));
        assertEquals(List.of("a", "b", "C"), j.lrange("l", 0, -1));
        assertEquals("ERR index out of range", error(j, "LSET", "l", "3", "x"));
        assertEquals("ERR no such key", error(j, "LSET", "nokey", "0", "x"));
        assertEquals("ERR value is not an integer or out of range", error(j, "LINDEX", "l", "1.0"));
    }

    @Test
    void insertRemoveTrim() {
        j.rpush("l", "a", "b", "a", "c", "a");
        assertEquals(6, j.linsert("l", ListPosition.BEFORE, "b", "x"));
        assertEquals(7, j.linsert("l", ListPosition.AFTER, "c", "y"));
        assertEquals(-1, j.linsert("l", ListPosition.AFTER, "nope", "y"));
        assertEquals(0, j.linsert("nokey", ListPosition.AFTER, "a", "y"));
        assertEquals(List.of("a", "x", "b", "a", "c", "y", "a"), j.lrange("l", 0, -1));
        assertEquals(1, j.lrem("l", -1, "a"));
        assertEquals(List.of("a", "x", "b", "a", "c", "y"), j.lrange("l", 0, -1));
        assertEquals(2, j.lrem("l", 0, "a"));
        assertEquals("OK", j.ltrim("l", 1, -2));
        assertEquals(List.of("b", "c"), j.lrange("l", 0, -1));
        assertEquals("OK", j.ltrim("l", 5, 10));
        assertFalse(j.exists("l"));
        assertEquals("ERR syntax error", error(j, "LINSERT", "l", "INSIDE", "a", "b"));
    }

    @Test
    void lpos() {
        j.rpush("l", "a", "b", "c", "1", "2", "3", "c", "c");
        assertEquals(2L, j.lpos("l", "c"));
        assertEquals(7L, j.lpos("l", "c", LPosParams.lPosParams().rank(-1)));
        assertEquals(List.of(6L, 7L), j.lpos("l", "c", LPosParams.lPosParams().rank(2), 0));
        assertEquals(List.of(7L, 6L), j.lpos("l", "c", LPosParams.lPosParams().rank(-1), 2));
        assertEquals(List.of(2L), j.lpos("l", "c", LPosParams.lPosParams().maxlen(3), 0));
        assertNull(j.lpos("l", "zz"));
        assertEquals(ListCommands.RANK_ZERO.substring(4), error(j, "LPOS", "l", "c", "RANK", "0").substring(4));
        assertEquals("ERR COUNT can't be negative", error(j, "LPOS", "l", "c", "COUNT", "-1"));
        assertEquals("ERR MAXLEN can't be negative", error(j, "LPOS", "l", "c", "MAXLEN", "-1"));
    }

    @Test
    void movesAndMultiPop() {
        j.rpush("src", "a", "b", "c");
        assertEquals("a", j.lmove("src", "dst", ListDirection.LEFT, ListDirection.RIGHT));
        assertEquals("c", j.rpoplpush("src", "dst"));
        assertEquals(List.of("c", "a"), j.lrange("dst", 0, -1));
        assertEquals("b", j.lmove("src", "src", ListDirection.LEFT, ListDirection.LEFT));
        assertEquals("b", j.lmove("src", "dst", ListDirection.LEFT, ListDirection.LEFT));
        assertFalse(j.exists("src"));
        assertNull(j.lmove("src", "dst", ListDirection.LEFT, ListDirection.LEFT));
        j.set("str", "v");
        assertEquals(Args.WRONGTYPE, error(j, "LMOVE", "dst", "str", "LEFT", "LEFT"));
        assertEquals(3, j.llen("dst"), "nothing popped when the destination has the wrong type");
        assertEquals(List.of("dst", List.of("a", "c")), run(j, "LMPOP", "2", "nokey", "dst", "RIGHT", "COUNT", "2"));
        assertEquals(List.of("dst", List.of("b")), run(j, "LMPOP", "1", "dst", "LEFT", "COUNT", "9"));
        assertNull(run(j, "LMPOP", "1", "dst", "LEFT"));
        assertEquals("ERR numkeys should be greater than 0", error(j, "LMPOP", "0", "dst", "LEFT"));
        assertEquals("ERR count should be greater than 0", error(j, "LMPOP", "1", "dst", "LEFT", "COUNT", "0"));
    }

    @Test
    void wrongType() {
        j.set("s", "v");
        for (String[] cmd : new String[][] {
            {"LPUSH", "s", "a"}, {"RPUSHX", "s", "a"}, {"LPOP", "s"}, {"LLEN", "s"}, {"LRANGE", "s", "0", "1"},
            {"LINDEX", "s", "0"}, {"LSET", "s", "0", "a"}, {"LINSERT", "s", "BEFORE", "a", "b"},
            {"LREM", "s", "0", "a"}, {"LTRIM", "s", "0", "1"}, {"LPOS", "s", "a"}, {"BLPOP", "s", "0"},
            {"LMPOP", "1", "s", "LEFT"}, {"BLMOVE", "s", "d", "LEFT", "LEFT", "0"},
        }) {
            assertEquals(Args.WRONGTYPE, error(j, cmd), String.join(" ", cmd));
        }
        j.rpush("l", "a");
        assertEquals("list", j.type("l"));
    }

    @Test
    void countLimitConversions() {
        // list-max-listpack-size 4: a node holds 4 elements; back to listpack at half of it
        j.configSet("list-max-listpack-size", "4");
        j.rpush("l", "a", "b", "c", "d");
        assertEquals("listpack", encoding("l"));
        j.rpush("l", "e");
        assertEquals("quicklist", encoding("l"));
        j.rpop("l");
        assertEquals("quicklist", encoding("l"), "4 elements: more than half the limit");
        j.rpop("l");
        assertEquals("quicklist", encoding("l"), "3 elements: more than half the limit");
        j.rpop("l");
        assertEquals("listpack", encoding("l"), "2 elements: half the limit");
        // one push of several elements converts before adding them
        j.rpush("m", "a", "b", "c", "d", "e");
        assertEquals("quicklist", encoding("m"));
    }

    @Test
    void sizeLimitConversions() {
        // -2: 8192 bytes. A listpack is 7 bytes plus its entries; a 1000-byte string takes 1004
        // (2-byte header, 2-byte back-length), a 150-byte one 154.
        String k1000 = "x".repeat(1000);
        String[] eight = new String[8];
        Arrays.fill(eight, k1000);
        j.rpush("l", eight);
        assertEquals("listpack", encoding("l")); // 7 + 8 * 1004 = 8039
        j.rpush("l", "y".repeat(150)); // checked as 8039 + 150 = 8189 <= 8192
        assertEquals("listpack", encoding("l")); // now 8193 bytes
        j.rpush("l", "z"); // 8193 + 1 > 8192
        assertEquals("quicklist", encoding("l"));
        j.rpop("l");
        j.rpop("l");
        assertEquals("quicklist", encoding("l")); // one node of 8039 bytes > 4096
        for (int i = 0; i < 3; i++) {
            j.rpop("l");
        }
        assertEquals("quicklist", encoding("l")); // 5 elements: 5027 bytes
        j.rpop("l");
        assertEquals("listpack", encoding("l")); // 4 elements: 4023 bytes <= 4096
        // one element over the limit makes a quicklist at once
        j.rpush("big", "b".repeat(8186));
        assertEquals("quicklist", encoding("big"));
        j.rpush("fits", "b".repeat(8185));
        assertEquals("listpack", encoding("fits"));
    }

    @Test
    void integersCountInTheirCompactSize() {
        // -1: 4096 bytes. "100" is a 7-bit integer in a listpack: 2 bytes per entry.
        j.configSet("list-max-listpack-size", "-1");
        String[] ints = new String[2000];
        Arrays.fill(ints, "100");
        j.rpush("l", ints); // checked as 7 + 2000 * 3 = 6007 > 4096
        assertEquals("quicklist", encoding("l"));
        j.del("l");
        String[] some = new String[1000];
        Arrays.fill(some, "100");
        j.rpush("l", some); // 7 + 3000 = 3007: listpack of 7 + 2000 = 2007 bytes
        j.rpush("l", some); // 2007 + 3000 = 5007 > 4096
        assertEquals("quicklist", encoding("l"));
    }

    @Test
    void largeListsKeepOrderAcrossNodes() {
        int n = 50_000;
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i += 1000) {
            String[] batch = new String[1000];
            for (int k = 0; k < 1000; k++) {
                batch[k] = "element-" + (i + k);
                expected.add(batch[k]);
            }
            j.rpush("big", batch);
        }
        assertEquals("quicklist", encoding("big"));
        assertEquals(n, j.llen("big"));
        assertEquals("element-25000", j.lindex("big", 25000));
        assertEquals("element-49999", j.lindex("big", -1));
        assertEquals(expected.subList(24990, 25010), j.lrange("big", 24990, 25009));
        j.lset("big", 30000, "changed");
        assertEquals("changed", j.lindex("big", 30000));
        assertEquals(n + 1, j.linsert("big", ListPosition.AFTER, "element-40000", "inserted"));
        assertEquals("inserted", j.lindex("big", 40001));
        assertEquals(2L, j.lpos("big", "element-2"));
        j.ltrim("big", 100, -101);
        assertEquals(n + 1 - 200, j.llen("big"));
        assertEquals("element-100", j.lindex("big", 0));
        assertEquals(1, j.lrem("big", 0, "inserted"));
        assertEquals("element-49899", j.lindex("big", -1));
    }

    @Test
    void copyIsIndependentAndRenameKeepsTheList() {
        j.rpush("l", "a", "b");
        assertTrue(j.copy("l", "c", false));
        j.rpush("c", "x");
        assertEquals(List.of("a", "b"), j.lrange("l", 0, -1));
        assertEquals(List.of("a", "b", "x"), j.lrange("c", 0, -1));
        assertEquals("listpack", encoding("c"));
        j.rename("c", "d");
        assertEquals(3, j.llen("d"));
    }

    @Test
    void resp3Replies() throws Exception {
        try (RespClient r = new RespClient(server.port())) {
            r.call("HELLO", "3");
            r.call("RPUSH", "r", "a", "b");
            assertEquals("_\r\n", new String(r.raw("LPOP", "missing")));
            assertEquals("_\r\n", new String(r.raw("LPOP", "missing", "2")));
            assertEquals("_\r\n", new String(r.raw("LMPOP", "1", "missing", "LEFT")));
            assertEquals("*2\r\n$1\r\nr\r\n*1\r\n$1\r\nb\r\n", new String(r.raw("LMPOP", "1", "r", "RIGHT")));
            assertEquals("_\r\n", new String(r.raw("BLPOP", "missing", "0.01")));
        }
        try (RespClient r = new RespClient(server.port())) {
            assertEquals("$-1\r\n", new String(r.raw("LPOP", "missing")));
            assertEquals("*-1\r\n", new String(r.raw("LPOP", "missing", "2")));
            assertEquals("*-1\r\n", new String(r.raw("BLMOVE", "missing", "d", "LEFT", "LEFT", "0.01")));
        }
    }
}
