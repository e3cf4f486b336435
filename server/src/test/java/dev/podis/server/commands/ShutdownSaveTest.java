package dev.podis.server.commands;

import dev.podis.Podis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static dev.podis.server.commands.BackgroundSaveTest.awaitBgsave;
import static dev.podis.server.commands.BackgroundSaveTest.info;
import static dev.podis.server.commands.RdbInteropTest.call;
import static dev.podis.server.commands.RdbInteropTest.reply;
import static dev.podis.server.commands.RdbInteropTest.str;
import static dev.podis.server.commands.SaveFailureTest.deleteTree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] and the signal's shutdown: the final RDB when save
 * points are configured (or SAVE), none with NOSAVE, refusal when it cannot be written (unless
 * FORCE), a background save stopped first; FLUSHALL and save points.
 */
class ShutdownSaveTest {
    static Podis start(Path dir, String save) {
        return Podis.builder().config("keyspace-backend", "heap").config("save", save).config("enable-debug-command", "yes")
                .dataDir(dir).build().start();
    }

    static String digest(Jedis j) {
        return str(call(j, "DEBUG", "DIGEST"));
    }

    /** SHUTDOWN that succeeds: no reply, the connection closes, the server stops. */
    static void shutdown(Podis p, Jedis j, String... flags) throws InterruptedException {
        Object[] argv = new Object[flags.length + 1];
        argv[0] = "SHUTDOWN";
        System.arraycopy(flags, 0, argv, 1, flags.length);
        assertThrows(JedisConnectionException.class, () -> call(j, argv));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (p.isRunning() && !p.server().shuttingDown()) {
            assertTrue(System.nanoTime() < deadline);
            Thread.sleep(10);
        }
    }

    static List<String> files(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void shutdownSavesWithSavePointsAndNotWithNosave(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("a");
        String digest;
        try (Podis p = start(dir, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            call(j, "SET", "a", "1");
            call(j, "HSET", "h", "f", "v");
            digest = digest(j);
            shutdown(p, j);
        }
        assertEquals(List.of("dump.rdb", "podis-dataset"), files(dir));
        try (Podis p = start(dir, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            assertEquals(digest, digest(j));
            call(j, "SET", "b", "2");
            shutdown(p, j, "NOSAVE");
        }
        try (Podis p = start(dir, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            assertEquals(digest, digest(j), "NOSAVE wrote nothing");
            assertEquals("0", reply(j, "EXISTS", "b"));
        }

        Path none = tmp.resolve("b");
        try (Podis p = start(none, ""); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            call(j, "SET", "a", "1");
            shutdown(p, j, "NOW");
        }
        assertEquals(List.of(), files(none), "no save points: nothing saved");
        try (Podis p = start(none, ""); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            call(j, "SET", "a", "1");
            digest = digest(j);
            shutdown(p, j, "SAVE", "NOW");
        }
        try (Podis p = start(none, ""); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            assertEquals(digest, digest(j), "SHUTDOWN SAVE saved without save points");
        }
    }

    @Test
    void aFailingFinalSaveRefusesTheShutdownUnlessForce(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("gone");
        try (Podis p = start(dir, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            call(j, "SET", "a", "1");
            deleteTree(dir);
            assertEquals("error: ERR Errors trying to SHUTDOWN. Check logs.", reply(j, "SHUTDOWN"));
            assertEquals("error: ERR Errors trying to SHUTDOWN. Check logs.", reply(j, "SHUTDOWN", "SAVE"));
            assertEquals("PONG", reply(j, "PING"));
            assertEquals("1", reply(j, "GET", "a"));
            assertTrue(p.isRunning());
            shutdown(p, j, "FORCE");
        }
    }

    @Test
    void argumentErrorsAsRedis(@TempDir Path tmp) throws Exception {
        RealRedis redis = RealRedis.start();
        assumeTrue(redis != null, "redis-server is not installed");
        try (redis; Podis p = start(tmp, ""); Jedis rj = new Jedis("127.0.0.1", redis.port(), 15_000);
             Jedis pj = new Jedis(p.host(), p.port(), 15_000)) {
            for (Object[] cmd : new Object[][] {{"SHUTDOWN", "NOSAVE", "SAVE"}, {"SHUTDOWN", "ABORT", "NOW"},
                {"SHUTDOWN", "ABORT", "NOSAVE"}, {"SHUTDOWN", "BOGUS"}, {"SHUTDOWN", "ABORT"}, {"SHUTDOWN", "SAVE", "BOGUS"},
                {"BGSAVE", "SCHEDULE", "SCHEDULE"}}) {
                assertEquals(reply(rj, cmd), reply(pj, cmd), String.valueOf(List.of(cmd)));
            }
        }
    }

    @Test
    void shutdownStopsABackgroundSaveAndSavesEverything(@TempDir Path tmp) throws Exception {
        String digest;
        try (Podis p = start(tmp, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            for (int i = 0; i < 200; i++) {
                call(j, "SET", "k" + i, "v" + i);
            }
            call(j, "CONFIG", "SET", "rdb-key-save-delay", "100000"); // 100 ms per key: this save never ends by itself
            assertEquals("Background saving started", str(call(j, "BGSAVE")));
            call(j, "SET", "after-bgsave", "must be in the file");
            assertEquals("1", info(j).get("rdb_bgsave_in_progress"));
            digest = digest(j);
            shutdown(p, j);
        }
        assertEquals(List.of("dump.rdb", "podis-dataset"), files(tmp), "no temporary file left");
        try (Podis p = start(tmp, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            assertEquals(digest, digest(j));
        }
    }

    @Test
    void signalShutdownSavesOrIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("data");
        String digest;
        try (Podis p = start(dir, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            call(j, "SET", "a", "1");
            deleteTree(dir);
            assertFalse(p.server().shutdown("SIGTERM"), "the final save failed: the server goes on");
            assertFalse(p.server().shuttingDown());
            try (Jedis again = new Jedis(p.host(), p.port(), 15_000)) {
                assertEquals("PONG", reply(again, "PING"), "listening again");
            }
            assertEquals("1", reply(j, "GET", "a"), "the old connection is served too");
            Files.createDirectories(dir);
            call(j, "SET", "b", "2");
            digest = digest(j);
            assertTrue(p.server().shutdown("SIGTERM"));
            assertFalse(p.isRunning() && !p.server().shuttingDown());
        }
        try (Podis p = start(dir, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            assertEquals(digest, digest(j));
            // shutdown-on-sigterm nosave: nothing saved
            call(j, "CONFIG", "SET", "shutdown-on-sigterm", "nosave");
            call(j, "SET", "c", "3");
            assertTrue(p.server().shutdown("SIGTERM"));
        }
        try (Podis p = start(dir, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            assertEquals(digest, digest(j));
        }
    }

    @Test
    void shutdownAbortCancelsASignalShutdownWhileItDrains(@TempDir Path tmp) throws Exception {
        try (Podis p = start(tmp, ""); Jedis j = new Jedis(p.host(), p.port(), 15_000);
             Jedis busy = new Jedis(p.host(), p.port(), 15_000)) {
            assertEquals("error: ERR No shutdown in progress.", reply(j, "SHUTDOWN", "ABORT"));
            AtomicBoolean stop = new AtomicBoolean();
            // keeps input arriving, so that the shutdown keeps draining until ABORT
            CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    busy.ping();
                }
            });
            CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> p.server().shutdown("SIGTERM"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!p.server().shuttingDown()) {
                assertTrue(System.nanoTime() < deadline);
                Thread.sleep(1);
            }
            assertEquals("OK", reply(j, "SHUTDOWN", "ABORT"));
            assertFalse(stopped.get(20, TimeUnit.SECONDS), "aborted");
            stop.set(true);
            traffic.get(10, TimeUnit.SECONDS);
            try (Jedis again = new Jedis(p.host(), p.port(), 15_000)) {
                assertEquals("PONG", reply(again, "PING"));
            }
            assertEquals("error: ERR No shutdown in progress.", reply(j, "SHUTDOWN", "ABORT"));
        }
    }

    @Test
    void flushallStopsABackgroundSaveAndSavesTheEmptyDataset(@TempDir Path tmp) throws Exception {
        try (Podis p = start(tmp, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            for (int i = 0; i < 100; i++) {
                call(j, "SET", "k" + i, "v");
            }
            call(j, "SAVE");
            call(j, "CONFIG", "SET", "rdb-key-save-delay", "100000");
            call(j, "BGSAVE");
            assertEquals("OK", str(call(j, "FLUSHALL")));
            Await.until(() -> info(j).get("rdb_bgsave_in_progress").equals("0"));
            assertEquals("ok", info(j).get("rdb_last_bgsave_status"), "stopping it is not a failure");
            call(j, "CONFIG", "SET", "rdb-key-save-delay", "0");
        }
        try (Podis p = start(tmp, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            assertEquals(0L, j.dbSize(), "the flushed dataset was saved");
        }
    }

    @Test
    void savePointsStartBackgroundSaves(@TempDir Path tmp) throws Exception {
        try (Podis p = start(tmp, "1 2"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            long saves = Long.parseLong(info(j).get("rdb_saves"));
            call(j, "SET", "a", "1");
            call(j, "SET", "b", "1");
            Await.until(() -> Long.parseLong(info(j).get("rdb_saves")) > saves);
            assertEquals("ok", awaitBgsave(j));
            assertEquals("0", info(j).get("rdb_changes_since_last_save"));
            assertTrue(Files.exists(tmp.resolve("dump.rdb")));
            // one change is below the point: no save
            call(j, "CONFIG", "SET", "save", "1 5");
            call(j, "SET", "c", "1");
            long now = Long.parseLong(info(j).get("rdb_saves"));
            assertEquals(now, Long.parseLong(info(j).get("rdb_saves")));
            assertEquals("1", info(j).get("rdb_changes_since_last_save"));
        }
    }

    /** Polling for a condition the server reaches by itself (a cron, a background thread). */
    static final class Await {
        interface Condition {
            boolean holds() throws Exception;
        }

        static void until(Condition c) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!c.holds()) {
                assertTrue(System.nanoTime() < deadline, "condition not reached in 20 s");
                Thread.sleep(10);
            }
        }
    }
}
