package dev.podis.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code appendfsync always} against a crash: a separate Podis (the runnable jar) under a write
 * load from several clients is killed with SIGKILL; started again on the same directory, it has
 * every write it had acknowledged (and at most the one in flight per client beyond).
 */
class AofCrashIT {
    private static final Path JAR = Path.of(System.getProperty("podis.jar", "target/podis.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final int CLIENTS = 4;

    @TempDir
    Path dir;

    private Process start(int port) throws IOException {
        return new ProcessBuilder(JAVA, "-jar", JAR.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                "--admin-port", "-1", "--enable-debug-command", "yes")
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("out.log").toFile())).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String output() throws IOException {
        return Files.readString(dir.resolve("out.log"), StandardCharsets.UTF_8);
    }

    private Jedis connect(int port, Process p) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                Jedis j = new Jedis("127.0.0.1", port);
                j.ping();
                return j;
            } catch (RuntimeException e) {
                if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                    throw new AssertionError("the server did not answer on port " + port + ": " + output(), e);
                }
                Thread.sleep(50);
            }
        }
    }

    @Test
    void everyAcknowledgedWriteSurvivesAKill() throws Exception {
        int port = freePort();
        Process p = start(port);
        AtomicLongArray acked = new AtomicLongArray(CLIENTS);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        try {
            try (Jedis j = connect(port, p)) {
                // Each write of the AOF takes 20 ms longer: replies sent before their write would be
                // acknowledged long before it is done, and the kill would lose them.
                j.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "AOF-FLUSH-SLEEP", "20000");
            }
            for (int c = 0; c < CLIENTS; c++) {
                int id = c;
                Thread t = new Thread(() -> {
                    try (Jedis j = new Jedis("127.0.0.1", port)) {
                        for (long i = 1; !stop.get(); i++) {
                            j.set("key:" + id + ":" + i, Long.toString(i));
                            j.rpush("list:" + id, Long.toString(i));
                            j.incr("counter:" + id);
                            acked.set(id, i); // all three acknowledged
                        }
                    } catch (RuntimeException killed) {
                        // the server died under us: what was acknowledged is in acked
                    }
                });
                t.start();
                writers.add(t);
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (acked.get(CLIENTS - 1) < 30 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            p.destroyForcibly(); // SIGKILL, writes in flight
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            stop.set(true);
            p.destroyForcibly();
            for (Thread t : writers) {
                t.join(10_000);
            }
        }
        Process again = start(port);
        try (Jedis j = connect(port, again)) {
            for (int c = 0; c < CLIENTS; c++) {
                long n = acked.get(c);
                assertTrue(n > 0, "client " + c + " wrote nothing");
                long counter = Long.parseLong(j.get("counter:" + c));
                assertTrue(counter == n || counter == n + 1, "counter " + c + ": " + counter + " after " + n + " acknowledged");
                long len = j.llen("list:" + c);
                assertTrue(len == n || len == n + 1, "list " + c + ": " + len + " after " + n);
                for (long i = 1; i <= n; i++) {
                    assertEquals(Long.toString(i), j.get("key:" + c + ":" + i), "client " + c + " write " + i);
                }
            }
        } finally {
            again.destroyForcibly();
            again.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
