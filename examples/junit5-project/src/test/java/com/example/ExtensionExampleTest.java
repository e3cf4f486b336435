package com.example;

import dev.podis.Podis;
import dev.podis.junit5.PodisExtension;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One Podis for the class, emptied before each test, injected as a parameter. */
@ExtendWith(PodisExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExtensionExampleTest {

    @Test
    @Order(1)
    void talksToPodis(Podis podis) {
        try (JedisPooled redis = new JedisPooled(podis.host(), podis.port())) {
            assertEquals("PONG", redis.ping());
            redis.set("greeting", "hello");
            assertEquals("hello", redis.get("greeting"));
            assertEquals(3, redis.rpush("queue", "a", "b", "c"));
            assertEquals("a", redis.lpop("queue"));
            // No JVM flags here: the embedded server runs on the heap keyspace.
            assertTrue(redis.info("server").contains("podis_keyspace_backend:heap"));
        }
    }

    @Test
    @Order(2)
    void eachTestStartsEmpty(Podis podis) {
        try (JedisPooled redis = new JedisPooled(podis.host(), podis.port())) {
            assertNull(redis.get("greeting"));
            assertFalse(redis.exists("queue"));
        }
    }
}
