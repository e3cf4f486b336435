package dev.podis.server;

import dev.podis.server.config.ServerConfig;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * maxmemory derived from a container memory limit: the formula, and a server started under a
 * given limit (as the standalone server is under its cgroup's) reporting it in INFO. The
 * container test (ContainerMemoryIT) checks the same against a real cgroup limit.
 */
class MaxmemoryDerivationTest {
    private static final long MIB = 1L << 20;

    @Test
    void theFormula() {
        // 512 MiB limit, the entrypoint's 128 MiB heap and 32 MiB of direct memory:
        // 512 - 128 - 32 - (96 + 32) = 224 MiB.
        Maxmemory.Derivation d = Maxmemory.derive(512 * MIB, 128 * MIB, 32 * MIB);
        assertEquals(224 * MIB, d.maxmemory());
        assertEquals(128 * MIB, d.reserved());
        assertFalse(d.tooSmall());
        // 4 GiB: heap 1 GiB, direct 256 MiB: 4096 - 1024 - 256 - (96 + 256) = 2464 MiB.
        assertEquals(2464 * MIB, Maxmemory.derive(4096 * MIB, 1024 * MIB, 256 * MIB).maxmemory());
        // A limit the JVM alone nearly fills: limit / 16, flagged.
        Maxmemory.Derivation small = Maxmemory.derive(256 * MIB, 128 * MIB, 32 * MIB);
        assertTrue(small.tooSmall());
        assertEquals(16 * MIB, small.maxmemory());
    }

    private static Map<String, String> memoryInfo(Jedis j) {
        Map<String, String> m = new HashMap<>();
        for (String line : j.info("memory").split("\r\n")) {
            int c = line.indexOf(':');
            if (c > 0) {
                m.put(line.substring(0, c), line.substring(c + 1));
            }
        }
        return m;
    }

    @Test
    void aServerUnderALimitDerivesItsMaxmemoryAndAnExplicitOneWins() throws Exception {
        long heap = Runtime.getRuntime().maxMemory();
        long direct = Maxmemory.directMemoryMax();
        // A limit that leaves `room` bytes for data next to this JVM: L - heap - direct - 96 MiB - L/16 = room
        // (room big enough that the floor of L/16 does not apply).
        long room = Math.max(64 * MIB, (heap + direct) / 4);
        long limit = (room + Maxmemory.JVM_OVERHEAD + heap + direct) * 16 / 15;
        long expected = Maxmemory.derive(limit, heap, direct).maxmemory();
        assertTrue(Math.abs(expected - room) < MIB, expected + " bytes, expected about " + room);
        ServerConfig config = new ServerConfig();
        config.set("port", "0");
        config.set("bind", "127.0.0.1");
        config.set("admin-port", "-1");
        config.set("save", "");
        config.set("keyspace-backend", "heap");
        try (PodisServer server = new PodisServer(config, limit).start(); Jedis j = new Jedis("127.0.0.1", server.port())) {
            Map<String, String> mem = memoryInfo(j);
            assertEquals(Long.toString(expected), mem.get("maxmemory"));
            assertEquals("container-limit", mem.get("podis_maxmemory_source"));
            assertEquals(Long.toString(limit), mem.get("podis_memory_limit"));
            assertEquals(Long.toString(heap), mem.get("podis_maxmemory_heap_reserved"));
            assertEquals(Long.toString(direct), mem.get("podis_maxmemory_direct_reserved"));
            assertEquals(Long.toString(Maxmemory.JVM_OVERHEAD + limit / 16), mem.get("podis_maxmemory_jvm_reserved"));
            assertEquals("0", j.configGet("maxmemory").get("maxmemory"), "CONFIG keeps what was configured: 0");
            // An explicit value wins; 0 goes back to the derived one.
            j.configSet("maxmemory", "10mb");
            mem = memoryInfo(j);
            assertEquals("10485760", mem.get("maxmemory"));
            assertEquals("config", mem.get("podis_maxmemory_source"));
            j.configSet("maxmemory", "0");
            mem = memoryInfo(j);
            assertEquals(Long.toString(expected), mem.get("maxmemory"));
            assertEquals("container-limit", mem.get("podis_maxmemory_source"));
        }
        // Explicit from the start: the limit is not used.
        config.set("maxmemory", "20mb");
        try (PodisServer server = new PodisServer(config, limit).start(); Jedis j = new Jedis("127.0.0.1", server.port())) {
            Map<String, String> mem = memoryInfo(j);
            assertEquals("20971520", mem.get("maxmemory"));
            assertEquals("config", mem.get("podis_maxmemory_source"));
        }
    }
}
