package dev.podis.junit5;

import dev.podis.Podis;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** @RegisterExtension with configuration of one's own, and data kept across tests on request. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegisteredExtensionTest {
    @RegisterExtension
    static final PodisExtension PODIS = new PodisExtension(
            Podis.builder().config("maxmemory", "10mb").config("databases", "2")).flushBeforeEach(false);

    @Test
    @Order(1)
    void configured(Podis podis) {
        assertSame(PODIS.podis(), podis);
        try (Jedis j = new Jedis(podis.host(), podis.port())) {
            assertEquals("10485760", j.configGet("maxmemory").get("maxmemory"));
            assertEquals("2", j.configGet("databases").get("databases"));
            j.set("kept", "yes");
        }
    }

    @Test
    @Order(2)
    void notFlushed() {
        try (Jedis j = new Jedis(PODIS.podis().host(), PODIS.podis().port())) {
            assertEquals("yes", j.get("kept"));
        }
    }
}
