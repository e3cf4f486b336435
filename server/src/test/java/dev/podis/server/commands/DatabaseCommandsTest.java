package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.Map;

import static dev.podis.server.commands.Cmd.error;
import static dev.podis.server.commands.Cmd.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Database-level commands over TCP; expected replies are Redis 7's (checked against redis-server). */
class DatabaseCommandsTest {
    static TestServer server;
    Jedis j;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("databases", "4"));
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

    private Jedis clientOn(int db) {
        Jedis c = server.jedis();
        c.select(db);
        return c;
    }

    @Test
    void dbsizeCountsTheSelectedDatabase() {
        assertEquals(0L, run(j, "DBSIZE"));
        j.set("a", "1");
        j.set("b", "2");
        assertEquals(2L, run(j, "DBSIZE"));
        try (Jedis other = clientOn(1)) {
            assertEquals(0L, run(other, "DBSIZE"));
            other.set("x", "1");
            assertEquals(1L, run(other, "DBSIZE"));
        }
        assertEquals(2L, run(j, "DBSIZE"));
        assertEquals("ERR wrong number of arguments for 'dbsize' command", error(j, "DBSIZE", "x"));
    }

    @Test
    void swapdbIsVisibleToClientsOfBothDatabases() {
        j.set("in0", "zero");
        try (Jedis on1 = clientOn(1)) {
            on1.set("in1", "one");
            assertEquals("OK", run(j, "SWAPDB", "0", "1"));
            // each client keeps its selected index and now sees the other data set
            assertEquals("one", j.get("in1"));
            assertNull(j.get("in0"));
            assertEquals("zero", on1.get("in0"));
            assertNull(on1.get("in1"));
            assertEquals("OK", run(on1, "SWAPDB", "1", "0"));
            assertEquals("zero", j.get("in0"));
            assertEquals("one", on1.get("in1"));
        }
        assertEquals("OK", run(j, "SWAPDB", "2", "2"));
        assertEquals("zero", j.get("in0"));
    }

    @Test
    void swapdbKeepsExpiries() {
        j.set("k", "v");
        run(j, "PEXPIREAT", "k", "5000000000001");
        assertEquals("OK", run(j, "SWAPDB", "0", "3"));
        try (Jedis on3 = clientOn(3)) {
            assertEquals(5000000000001L, run(on3, "PEXPIRETIME", "k"));
        }
    }

    @Test
    void swapdbErrors() {
        assertEquals("ERR invalid first DB index", error(j, "SWAPDB", "abc", "0"));
        assertEquals("ERR invalid second DB index", error(j, "SWAPDB", "0", "abc"));
        assertEquals("ERR invalid first DB index", error(j, "SWAPDB", "abc", "def"));
        assertEquals("ERR invalid second DB index", error(j, "SWAPDB", "0", "2147483648"));
        assertEquals("ERR DB index is out of range", error(j, "SWAPDB", "0", "4"));
        assertEquals("ERR DB index is out of range", error(j, "SWAPDB", "-1", "0"));
        assertEquals("ERR wrong number of arguments for 'swapdb' command", error(j, "SWAPDB", "0"));
    }

    @Test
    void moveTakesTheKeyAndItsTtlToTheOtherDatabase() {
        j.set("k", "v");
        run(j, "PEXPIREAT", "k", "5000000000002");
        assertEquals(1L, run(j, "MOVE", "k", "2"));
        assertEquals(0L, run(j, "EXISTS", "k"));
        try (Jedis on2 = clientOn(2)) {
            assertEquals("v", on2.get("k"));
            assertEquals(5000000000002L, run(on2, "PEXPIRETIME", "k"));
        }
    }

    @Test
    void moveDoesNothingWhenTheKeyIsMissingOrTakenInTheTarget() {
        assertEquals(0L, run(j, "MOVE", "nokey", "1"));
        j.set("k", "here");
        try (Jedis on1 = clientOn(1)) {
            on1.set("k", "there");
            assertEquals(0L, run(j, "MOVE", "k", "1"));
            assertEquals("there", on1.get("k"));
        }
        assertEquals("here", j.get("k"));
    }

    @Test
    void moveErrors() {
        j.set("k", "v");
        assertEquals("ERR source and destination objects are the same", error(j, "MOVE", "k", "0"));
        assertEquals("ERR source and destination objects are the same", error(j, "MOVE", "nokey", "0"));
        assertEquals("ERR DB index is out of range", error(j, "MOVE", "k", "4"));
        assertEquals("ERR DB index is out of range", error(j, "MOVE", "k", "-1"));
        assertEquals(Args.NOT_INTEGER, error(j, "MOVE", "k", "abc"));
        assertEquals("ERR value is out of range, value must between -2147483648 and 2147483647",
                error(j, "MOVE", "k", "2147483648"));
        try (Jedis on1 = clientOn(1)) {
            assertEquals("ERR source and destination objects are the same", error(on1, "MOVE", "k", "1"));
        }
        assertEquals("v", j.get("k"));
    }

    @Test
    void flushdbEmptiesOnlyTheSelectedDatabase() {
        for (String mode : new String[] {null, "ASYNC", "SYNC", "async", "sync"}) {
            j.set("a", "1");
            try (Jedis on1 = clientOn(1)) {
                on1.set("b", "2");
                assertEquals("OK", mode == null ? run(on1, "FLUSHDB") : run(on1, "FLUSHDB", mode));
                assertEquals(0L, run(on1, "DBSIZE"));
                assertNull(on1.get("b"));
            }
            assertEquals("1", j.get("a"));
        }
    }

    @Test
    void flushallEmptiesEveryDatabase() {
        for (String mode : new String[] {null, "ASYNC", "SYNC"}) {
            j.set("a", "1");
            try (Jedis on3 = clientOn(3)) {
                on3.set("b", "2");
                assertEquals("OK", mode == null ? run(j, "FLUSHALL") : run(j, "FLUSHALL", mode));
                assertEquals(0L, run(on3, "DBSIZE"));
            }
            assertEquals(0L, run(j, "DBSIZE"));
        }
    }

    @Test
    void flushOptionErrors() {
        j.set("a", "1");
        assertEquals(Args.SYNTAX, error(j, "FLUSHDB", "foo"));
        assertEquals(Args.SYNTAX, error(j, "FLUSHDB", "SYNC", "ASYNC"));
        assertEquals(Args.SYNTAX, error(j, "FLUSHALL", "now"));
        assertEquals(Args.SYNTAX, error(j, "FLUSHALL", "ASYNC", "ASYNC"));
        assertEquals(1L, run(j, "DBSIZE"));
    }
}
