package dev.podis.junit5;

import dev.podis.Podis;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The extension as users declare it: one server for the class, empty at the start of each test. */
@ExtendWith(PodisExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodisExtensionTest {
    static Podis fromBeforeAll;
    private final Podis fromConstructor;

    PodisExtensionTest(Podis podis) {
        this.fromConstructor = podis;
    }

    @BeforeAll
    static void before(Podis podis) {
        fromBeforeAll = podis;
    }

    @Test
    @Order(1)
    void writes(Podis podis) {
        assertSame(fromBeforeAll, podis, "one server per class");
        assertSame(fromBeforeAll, fromConstructor);
        try (Jedis j = new Jedis(podis.host(), podis.port())) {
            assertEquals("PONG", j.ping());
            j.set("left", "behind");
            j.select(2);
            j.set("other", "db");
        }
    }

    @Test
    @Order(2)
    void startsEmpty(Podis podis) {
        assertSame(fromBeforeAll, podis);
        try (Jedis j = new Jedis(podis.host(), podis.port())) {
            assertNull(j.get("left"), "flushed between tests");
            j.select(2);
            assertEquals(0, j.dbSize());
        }
    }

    @Nested
    class Inner {
        @Test
        void sharesTheOuterServer(Podis podis) {
            assertSame(fromBeforeAll, podis);
        }
    }
}
