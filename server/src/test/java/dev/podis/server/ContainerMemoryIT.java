package dev.podis.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisDataException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

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
 * .ci/run installs it). Podman reads docker/podman-containers.conf unless CONTAINERS_CONF is set.
 */
class ContainerMemoryIT {
    private static final long MIB = 1L << 20;
    private static final long LIMIT = 512 * MIB;
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final String BASE = "localhost/podis-base:bookworm-jdk17";
    private static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";
    private static String image;
    private static String containersConf;
    private static final List<String> CONTAINERS = new ArrayList<>();

    @BeforeAll
    static void buildImage() throws Exception {
        if (TestTools.onPath("podman") == null) {
            TestTools.missing("container", "podman is not installed: the container test needs podman, buildah, "
                    + "debootstrap and runc (apt-get install podman buildah debootstrap runc; .ci/run installs them)");
        }
        String given = System.getenv("CONTAINERS_CONF");
        containersConf = given != null && !given.isEmpty() ? given
                : ROOT.resolve("docker/podman-containers.conf").toString();
        assertTrue(Files.isRegularFile(ROOT.resolve("server/target/podis.jar")), "the jar is built before the ITs");
        run(15, "sh", ROOT.resolve("docker/build-local-base.sh").toString(), BASE);
        image = "localhost/podis-it:" + UUID.randomUUID().toString().substring(0, 8);
        run(10, "podman", "build", "-q", "-f", ROOT.resolve("docker/Dockerfile").toString(),
                "--build-arg", "JAR_FROM=prebuilt", "--build-arg", "BASE_IMAGE=" + BASE,
                "--build-arg", "BUILD_IMAGE=" + BASE, "-t", image, ROOT.toString());
    }

    @AfterAll
    static void cleanUp() throws Exception {
        for (String c : CONTAINERS) {
            run(2, "podman", "rm", "-f", c);
        }
        if (image != null) {
            run(2, "podman", "rmi", "-f", image);
        }
    }

    /** Runs a command to completion (failing the test on a non-zero exit) and returns its output. */
    private static String run(int minutes, String... cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile("podis-it", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("CONTAINERS_CONF", containersConf);
        Process p = pb.start();
        boolean done = p.waitFor(minutes, TimeUnit.MINUTES);
        String text = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        // The end of a long log (debootstrap, podman build) is where the failure is.
        String tail = text.length() > 30_000 ? "...\n" + text.substring(text.length() - 30_000) : text;
        if (!done) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish in " + minutes + " min:\n" + tail);
        }
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + tail);
        return text.trim();
    }

    /** Starts the image with --memory 512m and the given Podis arguments; returns {name, port}. */
    private static String[] start(String... podisArgs) throws Exception {
        String name = "podis-it-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> cmd = new ArrayList<>(List.of("podman", "run", "-d", "--name", name, "--memory", "512m",
                "--memory-swap", "512m", "-p", "127.0.0.1::6379", image));
        cmd.addAll(List.of(podisArgs));
        run(2, cmd.toArray(new String[0]));
        CONTAINERS.add(name);
        String mapped = run(1, "podman", "port", name, "6379/tcp"); // 127.0.0.1:PORT
        String port = mapped.substring(mapped.lastIndexOf(':') + 1).trim();
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            try (Jedis j = new Jedis("127.0.0.1", Integer.parseInt(port))) {
                j.ping();
                return new String[] {name, port};
            } catch (RuntimeException e) {
                if (System.currentTimeMillis() > deadline) {
                    fail("the container did not answer:\n" + run(1, "podman", "logs", name));
                }
                Thread.sleep(200);
            }
        }
    }

    private static Map<String, String> info(Jedis j, String section) {
        return dev.podis.server.commands.Cmd.info(j, section);
    }

    private static long num(Map<String, String> m, String field) {
        assertTrue(m.containsKey(field), field + " in " + m);
        return Long.parseLong(m.get(field));
    }

    /** Never OOM-killed, still running, still answering; returns the cgroup's peak memory use. */
    private static long assertAlive(String name, Jedis j) throws Exception {
        assertEquals("false running", run(1, "podman", "inspect", name, "--format", "{{.State.OOMKilled}} {{.State.Status}}"));
        assertEquals("PONG", j.ping());
        String peak = run(1, "podman", "exec", name, "sh", "-c",
                "cat /sys/fs/cgroup/memory.peak 2>/dev/null || cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes");
        return Long.parseLong(peak.trim());
    }

    @Test
    void maxmemoryComesFromTheLimitAndEvictionKeepsThePodAlive() throws Exception {
        String[] c = start("--save", "", "--maxmemory-policy", "allkeys-lru");
        try (Jedis j = new Jedis("127.0.0.1", Integer.parseInt(c[1]), 30_000)) {
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
            long peak = assertAlive(c[0], j);
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
            peak = assertAlive(c[0], j);
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
            assertAlive(c[0], j);
        }
    }
}
