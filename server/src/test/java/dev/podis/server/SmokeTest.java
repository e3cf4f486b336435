package dev.podis.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SmokeTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void pingSetGetOverTcp() {
        try (Jedis j = server.jedis()) {
            assertEquals("PONG", j.ping());
            assertEquals("OK", j.set("k", "v"));
            assertEquals("v", j.get("k"));
            assertNull(j.get("missing"));
        }
    }

    @Test
    void unknownCommandAndArityUseRedisTexts() {
        try (Jedis j = server.jedis()) {
            JedisDataException e = assertThrows(JedisDataException.class,
                    () -> j.sendCommand(() -> "NOSUCH".getBytes(), "a", "b"));
            assertEquals("ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ", e.getMessage());
            e = assertThrows(JedisDataException.class, () -> j.sendCommand(() -> "GET".getBytes()));
            assertEquals("ERR wrong number of arguments for 'get' command", e.getMessage());
        }
    }
}
