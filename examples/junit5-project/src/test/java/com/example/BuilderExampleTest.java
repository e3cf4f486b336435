package com.example;

import dev.podis.Podis;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Podis started and stopped by hand, with configuration of its own. */
class BuilderExampleTest {

    @Test
    void startTalkStop() {
        Podis podis = Podis.builder().config("maxmemory", "16mb").build().start();
        try (Jedis redis = new Jedis(URI.create(podis.uri()))) {
            redis.hset("user:1", Map.of("name", "Ada", "lang", "en"));
            assertEquals("Ada", redis.hget("user:1", "name"));
            assertEquals("16777216", redis.configGet("maxmemory").get("maxmemory"));
        } finally {
            podis.close();
        }
        assertFalse(podis.isRunning());
        assertThrows(IllegalStateException.class, podis::port);
    }
}
