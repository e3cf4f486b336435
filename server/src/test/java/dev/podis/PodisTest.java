package dev.podis;

import dev.podis.storage.Keyspace;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PodisTest {

    @Test
    void defaultsSuitTests() {
        try (Podis podis = Podis.builder().build().start(); Jedis j = new Jedis(podis.host(), podis.port())) {
            assertTrue(podis.port() > 0);
            assertEquals("127.0.0.1", podis.host());
            assertEquals("redis://127.0.0.1:" + podis.port(), podis.uri());
            assertEquals("PONG", j.ping());
            assertEquals("", j.configGet("save").get("save"));
            assertEquals("no", j.configGet("appendonly").get("appendonly"));
            assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize().toString(),
                    j.configGet("dir").get("dir"));
            assertTrue(j.info("server").contains("podis_keyspace_backend:heap\r\n"));
        }
    }

    @Test
    void configAndDataDirAreApplied(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        try (Podis podis = Podis.builder().config("maxmemory", "10mb").config("databases", "4").dataDir(data)
                .build().start(); Jedis j = new Jedis(podis.host(), podis.port())) {
            assertEquals("10485760", j.configGet("maxmemory").get("maxmemory"));
            assertEquals("4", podis.config("databases"));
            assertEquals(data.toAbsolutePath().toString(), j.configGet("dir").get("dir"));
            assertTrue(Files.isDirectory(data));
        }
        try (var files = Files.list(data)) {
            assertEquals(0, files.count(), "nothing is written to the data directory");
        }
    }

    @Test
    void badConfigIsRefusedAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Podis.builder().config("no-such-parameter", "1").build());
        assertTrue(e.getMessage().contains("no-such-parameter"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Podis.builder().config("maxmemory", "lots").build());
        assertThrows(IllegalArgumentException.class, () -> Podis.builder().port(70000).build());
    }

    @Test
    void explicitPortAndLifecycleErrors() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket(0)) {
            free = s.getLocalPort();
        }
        Podis podis = Podis.builder().port(free).build();
        assertThrows(IllegalStateException.class, podis::port, "not started");
        podis.start();
        try (Jedis j = new Jedis("127.0.0.1", free)) {
            assertEquals(free, podis.port());
            assertEquals("PONG", j.ping());
            assertThrows(IllegalStateException.class, podis::start);
        } finally {
            podis.close();
        }
        podis.close(); // idempotent
        assertThrows(IllegalStateException.class, podis::start);
        assertThrows(IllegalStateException.class, podis::uri);
    }

    @Test
    void aBusyPortFailsTheStart() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress("127.0.0.1", 0));
            Podis podis = Podis.builder().port(busy.getLocalPort()).build();
            assertThrows(IllegalStateException.class, podis::start);
            podis.close();
        }
    }

    @Test
    void flushAllEmptiesEveryDatabase() {
        try (Podis podis = Podis.builder().build().start(); Jedis j = new Jedis(podis.host(), podis.port())) {
            j.set("a", "1");
            j.select(3);
            j.set("b", "2");
            podis.flushAll();
            assertEquals(0, j.dbSize());
            j.select(0);
            assertNull(j.get("a"));
        }
    }

    @Test
    void severalServersAtOnceAreIndependent() {
        try (Podis one = Podis.builder().build().start(); Podis two = Podis.builder().build().start();
             Jedis j1 = new Jedis(one.host(), one.port()); Jedis j2 = new Jedis(two.host(), two.port())) {
            j1.set("k", "one");
            j2.set("k", "two");
            one.flushAll();
            assertNull(j1.get("k"));
            assertEquals("two", j2.get("k"));
        }
    }

    /** Twenty servers started and stopped (four at a time) leave no thread running and every port free. */
    @Test
    void startingAndStoppingLeaksNoThreadsOrPorts() throws Exception {
        // Servers of other test classes in this JVM may still be finishing: only threads that
        // appear from here on count.
        Set<Thread> preexisting = new HashSet<>(Thread.getAllStackTraces().keySet());
        // Warm up once so JVM-wide helper threads started on first use are in the baseline.
        try (Podis warm = Podis.builder().build().start(); Jedis j = new Jedis(warm.host(), warm.port())) {
            j.ping();
        }
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        Set<Integer> ports = new HashSet<>();
        for (int round = 0; round < 5; round++) {
            Podis[] running = new Podis[4];
            for (int i = 0; i < running.length; i++) {
                running[i] = Podis.builder().build().start();
                ports.add(running[i].port());
                try (Jedis j = new Jedis(running[i].host(), running[i].port())) {
                    assertEquals("OK", j.set("k", "v".repeat(1000)));
                }
            }
            for (Podis p : running) {
                p.close();
                assertFalse(p.isRunning());
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        Set<String> leaked;
        do {
            leaked = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && !before.contains(t))
                    .map(Thread::getName).collect(Collectors.toSet());
            if (leaked.isEmpty()) {
                break;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertEquals(Set.of(), leaked, "threads left behind by closed servers");
        Set<String> podisThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !preexisting.contains(t) && t.getName().startsWith("podis-"))
                .map(Thread::getName).collect(Collectors.toSet());
        assertEquals(Set.of(), podisThreads, "no podis thread outlives its server (the warm-up one included)");
        for (int port : ports) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", port)); // throws if a listener was left open
            }
        }
    }

    /**
     * Off-heap servers (this test JVM has Chronicle's flags) give their native memory back on
     * close: each round stores 64 MB of large values off the heap, and the process's resident
     * memory does not keep that much per round.
     */
    @Test
    void offHeapServersReleaseTheirNativeMemory() throws Exception {
        assumeTrue(Keyspace.offHeapAvailable(), "needs the JVM flags of the off-heap keyspace");
        Path statm = Path.of("/proc/self/statm");
        assumeTrue(Files.isReadable(statm), "needs Linux's /proc");
        byte[] value = new byte[8 << 20];
        java.util.Arrays.fill(value, (byte) 'x');
        long[] rss = new long[20];
        for (int round = 0; round < rss.length; round++) {
            try (Podis podis = Podis.builder().config("keyspace-backend", "offheap").build().start();
                 Jedis j = new Jedis(podis.host(), podis.port())) {
                assertTrue(j.info("server").contains("podis_keyspace_backend:offheap\r\n"));
                for (int i = 0; i < 8; i++) {
                    j.set(("big" + i).getBytes(), value);
                }
                assertEquals(value.length, j.strlen("big7"));
            }
            System.gc();
            rss[round] = Long.parseLong(Files.readString(statm).trim().split("\\s+")[1]) * 4096;
        }
        // A leak would keep about 64 MB per round: 640 MB between rounds 5-9 and 15-19. Without
        // one, resident memory still drifts up while the heap and Netty's buffer pools grow (up to
        // about 110 MB measured, the same with the heap keyspace), so the bar is half a leak.
        long early = median(java.util.Arrays.copyOfRange(rss, 5, 10));
        long late = median(java.util.Arrays.copyOfRange(rss, 15, 20));
        assertTrue(late - early < 320L << 20, "resident memory grew by " + ((late - early) >> 20)
                + " MB over 10 rounds of 64 MB off-heap each: " + java.util.Arrays.toString(rss));
    }

    private static long median(long[] values) {
        long[] v = values.clone();
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }
}
