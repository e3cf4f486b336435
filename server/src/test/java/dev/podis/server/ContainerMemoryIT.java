package dev.podis.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The container image under a memory limit, with podman (no registry needed): builds the base
 * image with {@code docker/build-local-base.sh} (once per machine), builds docker/Dockerfile with
 * the jar of this build, and runs it with {@code --memory 512m}:
 * <ul>
 *   <li>maxmemory is derived from the limit and the JVM the entrypoint sized (INFO);</li>
 *   <li>strings written far past it with allkeys-lru are evicted, and so are hashes (the heap
 *       part), and the container is never OOM-killed and still answers;</li>
 *   <li>with noeviction, writes get Redis's OOM error.</li>
 * </ul>
 * Skipped when podman is not installed (failed instead when the environment variable CI is set:
 * .ci/run installs it); see {@link PodisContainer}.
 */
@ExtendWith(PodisContainer.Cleanup.class)
class ContainerMemoryIT {
    private static final long MIB = 1L << 20;
    private static final long LIMIT = 512 * MIB;
    private static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";

    /** Starts the image with --memory 512m (no swap) and the given Podis arguments, answering PING. */
    private static PodisContainer start(String... podisArgs) throws Exception {
        return PodisContainer.start(List.of("--memory", "512m", "--memory-swap", "512m"), podisArgs).awaitPing();
    }

    private static Map<String, String> info(Jedis j, String section) {
        return dev.podis.server.commands.Cmd.info(j, section);
    }

    private static long num(Map<String, String> m, String field) {
        assertTrue(m.containsKey(field), field + " in " + m);
        return Long.parseLong(m.get(field));
    }

    /** Never OOM-killed, still running, still answering; returns the cgroup's peak memory use. */
    private static long assertAlive(PodisContainer c, Jedis j) throws Exception {
        assertEquals("false running", c.inspect("{{.State.OOMKilled}} {{.State.Status}}"));
        assertEquals("PONG", j.ping());
        String peak = PodisContainer.run(1, "podman", "exec", c.name(), "sh", "-c",
                "cat /sys/fs/cgroup/memory.peak 2>/dev/null || cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes");
        return Long.parseLong(peak.trim());
    }

    @Test
    void maxmemoryComesFromTheLimitAndEvictionKeepsThePodAlive() throws Exception {
        PodisContainer c = start("--save", "", "--maxmemory-policy", "allkeys-lru");
        try (Jedis j = c.jedis(30_000)) {
            Map<String, String> mem = info(j, "memory");
            // The entrypoint: heap = limit / 4, direct memory = limit / 16; the server:
            // maxmemory = limit - heap - direct - (96 MiB + limit / 16) = 224 MiB.
            assertEquals("container-limit", mem.get("podis_maxmemory_source"));
            assertEquals(LIMIT, num(mem, "podis_memory_limit"));
            assertEquals(LIMIT / 4, num(mem, "podis_maxmemory_heap_reserved"));
            assertEquals(LIMIT / 16, num(mem, "podis_maxmemory_direct_reserved"));
            long max = num(mem, "maxmemory");
            assertEquals(LIMIT - LIMIT / 4 - LIMIT / 16 - (96 * MIB + LIMIT / 16), max);
            assertEquals(224 * MIB, max);
            assertEquals("224.00M", mem.get("maxmemory_human"));
            assertEquals("0", j.configGet("maxmemory").get("maxmemory"), "derived, not configured");

            // Strings: 700 MB of values, three times maxmemory.
            String value = "s".repeat(1000);
            for (int batch = 0; batch < 700; batch++) {
                Pipeline p = j.pipelined();
                for (int i = 0; i < 1000; i++) {
                    p.set("str:" + batch + ":" + i, value);
                }
                for (Object r : p.syncAndReturnAll()) {
                    assertFalse(r instanceof JedisDataException, "a write failed: " + r);
                }
            }
            mem = info(j, "memory");
            long used = num(mem, "used_memory");
            long evicted = num(info(j, "stats"), "evicted_keys");
            System.out.printf("[container] strings: used_memory %d of maxmemory %d, rss %d, evicted %d, keys %d%n",
                    used, max, num(mem, "used_memory_rss"), evicted, j.dbSize());
            assertTrue(used <= max + MIB, "used_memory " + used);
            assertTrue(evicted > 400_000, evicted + " evicted");
            assertTrue(j.dbSize() > 20_000, "what fits stays: " + j.dbSize());
            long peak = assertAlive(c, j);
            System.out.printf("[container] strings: cgroup peak %d of %d%n", peak, LIMIT);

            // Hashes live on the JVM heap: past half of it they are evicted too (no OutOfMemoryError).
            String field = "h".repeat(500); // 100 MB in all, past the 64 MB the heap part may use
            for (int batch = 0; batch < 200; batch++) {
                Pipeline p = j.pipelined();
                for (int i = 0; i < 1000; i++) {
                    p.hset("hash:" + batch + ":" + (i % 100), "f" + i, field);
                }
                for (Object r : p.syncAndReturnAll()) {
                    assertFalse(r instanceof JedisDataException, "a write failed: " + r);
                }
            }
            mem = info(j, "memory");
            System.out.printf("[container] hashes: used_memory %d, heap part %d of %d, jvm heap used %d, evicted %d%n",
                    num(mem, "used_memory"), num(mem, "podis_used_memory_heap"), num(mem, "podis_used_memory_heap_limit"),
                    num(mem, "podis_jvm_heap_used"), num(info(j, "stats"), "evicted_keys"));
            assertTrue(num(mem, "podis_used_memory_heap") <= num(mem, "podis_used_memory_heap_limit") + MIB);
            assertEquals(10, j.hlen("hash:199:99"));
            peak = assertAlive(c, j);
            System.out.printf("[container] after hashes: cgroup peak %d of %d%n", peak, LIMIT);
            assertTrue(peak < LIMIT, "peak " + peak);

            // noeviction at the limit: writes are refused with Redis's error, reads still work.
            assertEquals("OK", j.configSet("maxmemory-policy", "noeviction"));
            JedisDataException refused = null;
            for (int i = 0; i < 100_000 && refused == null; i++) {
                try {
                    j.set("more:" + i, value);
                } catch (JedisDataException e) {
                    refused = e;
                }
            }
            assertNotNull(refused, "writes past maxmemory are refused under noeviction");
            assertEquals(OOM, refused.getMessage());
            assertTrue(j.dbSize() > 0);
            assertAlive(c, j);
        }
    }
}
