package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.podis.server.commands.Cmd.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key commands work on any value type: they see collections only through
 * {@code StoredValue.type()} and the {@code CollectionValue} interface (encoding, copy, memory).
 */
class KeyCommandsCollectionTest {
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
        j.rpush("list", "a", "b");
        j.hset("hash", "f", "v");
        j.sadd("set", "1", "2");
    }

    @AfterEach
    void disconnect() {
        j.close();
    }

    private Set<Object> scanType(String type) {
        Set<Object> seen = new HashSet<>();
        String cursor = "0";
        do {
            List<?> reply = (List<?>) run(j, "SCAN", cursor, "TYPE", type);
            cursor = (String) reply.get(0);
            seen.addAll((List<?>) reply.get(1));
        } while (!cursor.equals("0"));
        return seen;
    }

    @Test
    void inspectionCommandsSeeTheType() {
        j.set("str", "v");
        assertEquals("list", run(j, "TYPE", "list"));
        assertEquals(1L, run(j, "EXISTS", "list"));
        assertEquals("listpack", run(j, "OBJECT", "ENCODING", "list"));
        assertEquals("listpack", run(j, "OBJECT", "ENCODING", "hash"));
        assertEquals("intset", run(j, "OBJECT", "ENCODING", "set"));
        assertEquals(1L, run(j, "OBJECT", "REFCOUNT", "list"));
        assertEquals(Set.of("list"), scanType("list"));
        assertEquals(Set.of("str"), scanType("string"));
        assertEquals(Set.of("list", "hash", "set", "str"), Set.copyOf((List<?>) run(j, "KEYS", "*")));
        assertTrue((Long) run(j, "MEMORY", "USAGE", "list") > 0);
    }

    @Test
    void copyMakesAnIndependentValueOfEveryType() {
        assertEquals(1L, run(j, "COPY", "list", "list2"));
        assertEquals(1L, run(j, "COPY", "hash", "hash2"));
        assertEquals(1L, run(j, "COPY", "set", "set2"));
        j.rpush("list2", "c");
        j.hset("hash2", "g", "w");
        j.sadd("set2", "3");
        assertEquals(List.of("a", "b"), j.lrange("list", 0, -1));
        assertEquals(List.of("a", "b", "c"), j.lrange("list2", 0, -1));
        assertEquals(1L, j.hlen("hash"));
        assertEquals(2L, j.hlen("hash2"));
        assertEquals(Set.of("1", "2"), j.smembers("set"));
        assertEquals(Set.of("1", "2", "3"), j.smembers("set2"));
    }

    @Test
    void renameMoveExpireAndDelCarryAnyType() {
        assertEquals("OK", run(j, "RENAME", "list", "l2"));
        assertEquals(1L, run(j, "PEXPIREAT", "l2", "5000000000003"));
        assertEquals(1L, run(j, "MOVE", "l2", "1"));
        try (Jedis on1 = server.jedis()) {
            on1.select(1);
            assertEquals("list", run(on1, "TYPE", "l2"));
            assertEquals(5000000000003L, run(on1, "PEXPIRETIME", "l2"));
            assertEquals(List.of("a", "b"), on1.lrange("l2", 0, -1));
            assertEquals(1L, run(on1, "DEL", "l2"));
            assertEquals("none", run(on1, "TYPE", "l2"));
        }
        assertEquals(Set.of("hash", "set"), Set.copyOf((List<?>) run(j, "KEYS", "*")));
    }
}
