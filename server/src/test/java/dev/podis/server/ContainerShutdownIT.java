package dev.podis.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM to the container ({@code podman stop}) while clients write with {@code appendfsync
 * always} and go on writing (so the shutdown drains commands until {@code shutdown-timeout}): the
 * process exits 0 soon after {@code shutdown-timeout}, not killed, and a new container on the
 * same volume has every write a client got a reply for, loaded from the AOF, and again from the
 * final RDB alone (save points are set, so the shutdown writes one).
 */
@ExtendWith(PodisContainer.Cleanup.class)
class ContainerShutdownIT {
    private static final int CLIENTS = 4;
    /** The writers never pause, so the drain of commands in flight lasts this long (seconds). */
    private static final int SHUTDOWN_TIMEOUT = 3;

    @TempDir
    Path tmp;

    @Test
    void sigtermUnderWriteLoadExitsZeroAndKeepsEveryAcknowledgedWrite() throws Exception {
        Path data = PodisContainer.volume(tmp.resolve("data"));
        List<String> volume = List.of("-v", data + ":/data");
        PodisContainer first = PodisContainer.start(volume, "--appendonly", "yes", "--appendfsync", "always",
                "--save", "3600 1", "--shutdown-timeout", Integer.toString(SHUTDOWN_TIMEOUT)).awaitPing();

        // acked[c] = n: client c got replies for SET key:c:1..n and n INCRs of counter:c
        AtomicLongArray acked = new AtomicLongArray(CLIENTS);
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> surprises = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> writers = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int id = c;
            Thread t = new Thread(() -> {
                try (Jedis j = first.jedis(30_000)) {
                    for (long i = 1; !stop.get(); i++) {
                        j.set("key:" + id + ":" + i, Long.toString(i));
                        long counter = j.incr("counter:" + id);
                        if (counter != i) {
                            surprises.add(new AssertionError("client " + id + ": INCR gave " + counter + " at " + i));
                        }
                        acked.set(id, i);
                    }
                } catch (redis.clients.jedis.exceptions.JedisConnectionException closed) {
                    // the server went away: what it acknowledged is in acked
                } catch (RuntimeException e) {
                    surprises.add(e);
                }
            }, "writer-" + c);
            t.start();
            writers.add(t);
        }
        long deadline = System.currentTimeMillis() + 60_000;
        while (min(acked) < 300 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(min(acked) >= 300, "writes too slow: " + acked);

        long t0 = System.nanoTime();
        PodisContainer.run(2, "podman", "stop", "-t", "30", first.name()); // SIGTERM, SIGKILL after 30 s
        double stopSeconds = (System.nanoTime() - t0) / 1e9;
        stop.set(true);
        for (Thread t : writers) {
            t.join(30_000);
            assertFalse(t.isAlive(), t.getName() + " still writing after the shutdown");
        }
        assertTrue(surprises.isEmpty(), "writers failed otherwise than by the closed connection: " + surprises);
        String log = first.logs();
        System.out.printf("[container] SIGTERM after %s acknowledged writes per client: stopped in %.1f s%n", acked, stopSeconds);
        assertEquals("0", first.inspect("{{.State.ExitCode}}"), "exit code after SIGTERM");
        assertEquals("false", first.inspect("{{.State.OOMKilled}}"));
        assertTrue(stopSeconds < SHUTDOWN_TIMEOUT + 10, "stopped in " + stopSeconds + " s, shutdown-timeout " + SHUTDOWN_TIMEOUT);
        assertTrue(log.contains("Shutting down (SIGTERM)"), "the shutdown sequence ran");
        assertFalse(log.contains("did not finish in time"), "the graceful shutdown timed out");
        assertTrue(Files.isRegularFile(data.resolve("dump.rdb")), "the final RDB");
        first.close();

        // From the AOF (appendonly yes), then from the final RDB alone.
        for (String appendonly : List.of("yes", "no")) {
            try (PodisContainer again = PodisContainer.start(volume, "--appendonly", appendonly, "--save", "").awaitPing();
                 Jedis j = again.jedis(30_000)) {
                checkAcknowledged(j, acked, "appendonly " + appendonly);
            }
        }
    }

    /** Every acknowledged write is there; of the one write in flight per client, either outcome. */
    private static void checkAcknowledged(Jedis j, AtomicLongArray acked, String how) {
        long keys = 0;
        for (int c = 0; c < CLIENTS; c++) {
            long n = acked.get(c);
            long counter = Long.parseLong(j.get("counter:" + c));
            assertTrue(counter == n || counter == n + 1, how + ": counter " + c + " is " + counter + " after " + n + " acknowledged");
            Pipeline p = j.pipelined();
            List<Response<String>> values = new ArrayList<>();
            for (long i = 1; i <= n; i++) {
                values.add(p.get("key:" + c + ":" + i));
            }
            p.sync();
            for (int i = 0; i < values.size(); i++) {
                assertEquals(Long.toString(i + 1), values.get(i).get(), how + ": client " + c + " write " + (i + 1));
            }
            keys += n;
        }
        long dbsize = j.dbSize();
        assertTrue(dbsize >= keys + CLIENTS && dbsize <= keys + 2L * CLIENTS, how + ": " + dbsize + " keys for " + keys + " acknowledged SETs");
    }

    private static long min(AtomicLongArray a) {
        long m = Long.MAX_VALUE;
        for (int i = 0; i < a.length(); i++) {
            m = Math.min(m, a.get(i));
        }
        return m;
    }
}
