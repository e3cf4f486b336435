package dev.podis.server.commands;

import dev.podis.Podis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.podis.server.commands.BackgroundSaveTest.awaitBgsave;
import static dev.podis.server.commands.BackgroundSaveTest.info;
import static dev.podis.server.commands.RdbInteropTest.call;
import static dev.podis.server.commands.RdbInteropTest.reply;
import static dev.podis.server.commands.RdbInteropTest.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A background save that cannot write (missing directory, read-only or full file system): status
 * err, Redis's MISCONF error for writes and PING while save points and stop-writes-on-bgsave-error
 * say so, reads still served, never a half-written dump.rdb, and recovery with the next good save.
 */
class SaveFailureTest {
    static Podis start(Path dir, String save) {
        return Podis.builder().config("keyspace-backend", "heap").config("save", save).dataDir(dir).build().start();
    }

    /** Runs {@code argv}, returning the reply or "error: " + its error text (as RdbInteropTest.reply). */
    static String r(Jedis j, Object... argv) {
        return reply(j, argv);
    }

    /** The MISCONF text real Redis gives (it is checked against a running redis-server when there is one). */
    static String redisMisconf(Path dir) throws Exception {
        Path rd = Files.createDirectories(dir.resolve("redis-misconf"));
        RealRedis redis = RealRedis.start(rd, "dump.rdb");
        if (redis == null) {
            return null;
        }
        try (redis; Jedis j = new Jedis("127.0.0.1", redis.port(), 15_000)) {
            call(j, "CONFIG", "SET", "save", "3600 1");
            call(j, "SET", "a", "1");
            deleteTree(rd); // the directory Redis works in is gone: its child cannot create the file
            assertEquals("Background saving started", str(call(j, "BGSAVE")));
            assertEquals("err", awaitBgsave(j));
            return r(j, "SET", "b", "1");
        }
    }

    static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(x);
            }
        }
    }

    @Test
    void aFailedBgsaveRefusesWritesUntilASaveSucceeds(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("data");
        try (Podis p = start(dir, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            call(j, "SET", "a", "1");
            assertEquals("OK", str(call(j, "SAVE")));
            byte[] good = Files.readAllBytes(dir.resolve("dump.rdb"));
            call(j, "SET", "a", "2");
            deleteTree(dir);
            assertEquals("Background saving started", str(call(j, "BGSAVE")));
            assertEquals("err", awaitBgsave(j));

            String misconf = r(j, "SET", "b", "1");
            assertTrue(misconf.startsWith("error: MISCONF "), misconf);
            String redis = redisMisconf(tmp);
            if (redis != null) {
                assertEquals(redis, misconf);
            }
            assertEquals(misconf, r(j, "PING"));
            assertEquals(misconf, r(j, "INCR", "counter"));
            assertEquals("2", r(j, "GET", "a"));
            assertEquals("1", r(j, "EXISTS", "a"));
            // a transaction with a write is refused at EXEC (its queued write already was)
            assertEquals("OK", r(j, "MULTI"));
            assertEquals(misconf, r(j, "SET", "c", "1"));
            assertTrue(r(j, "EXEC").startsWith("error: EXECABORT"));
            assertEquals("err", info(j).get("rdb_last_bgsave_status"));

            // off: writes go on although the status stays err
            call(j, "CONFIG", "SET", "stop-writes-on-bgsave-error", "no");
            assertEquals("OK", r(j, "SET", "b", "1"));
            call(j, "CONFIG", "SET", "stop-writes-on-bgsave-error", "yes");
            assertEquals(misconf, r(j, "SET", "b", "2"));
            // without save points there is no MISCONF either
            call(j, "CONFIG", "SET", "save", "");
            assertEquals("OK", r(j, "SET", "b", "3"));
            call(j, "CONFIG", "SET", "save", "3600 1");
            assertEquals(misconf, r(j, "SET", "b", "4"));

            // the disk comes back: the next BGSAVE succeeds and writes are accepted again
            Files.createDirectories(dir);
            assertEquals("Background saving started", str(call(j, "BGSAVE")));
            assertEquals("ok", awaitBgsave(j));
            assertEquals("OK", r(j, "SET", "b", "5"));
            assertEquals("PONG", r(j, "PING"));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of("dump.rdb", "podis-dataset"), files.map(f -> f.getFileName().toString()).sorted().toList(),
                        "no temporary file left behind");
            }
            assertFalse(java.util.Arrays.equals(good, Files.readAllBytes(dir.resolve("dump.rdb"))));
        }
    }

    @Test
    void aSuccessfulSaveAlsoEndsTheRefusal(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("data");
        try (Podis p = start(dir, "3600 1"); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
            call(j, "SET", "a", "1");
            deleteTree(dir);
            call(j, "BGSAVE");
            assertEquals("err", awaitBgsave(j));
            assertTrue(r(j, "SET", "b", "1").startsWith("error: MISCONF"));
            assertEquals("error: ERR", r(j, "SAVE"));
            Files.createDirectories(dir);
            assertEquals("OK", r(j, "SAVE"));
            assertEquals("ok", info(j).get("rdb_last_bgsave_status"));
            assertEquals("OK", r(j, "SET", "b", "1"));
        }
    }

    /**
     * A file system that fills up in the middle of the file: the save fails, the temporary file
     * goes, and the dump.rdb of the previous save stays as it was and loads. Needs root (mount).
     */
    @Test
    void aFullFileSystemNeverLeavesAHalfWrittenFile(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("small"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir.toString()), "cannot mount a tmpfs here");
        try {
            String digest;
            try (Podis p = Podis.builder().config("keyspace-backend", "heap").config("save", "3600 1")
                    .config("rdbcompression", "no").config("enable-debug-command", "yes").dataDir(dir).build().start();
                 Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
                call(j, "SET", "small", "dataset");
                call(j, "BGSAVE");
                assertEquals("ok", awaitBgsave(j));
                digest = str(call(j, "DEBUG", "DIGEST"));
                byte[] good = Files.readAllBytes(dir.resolve("dump.rdb"));
                // ~4 MB that does not compress: more than the file system holds
                java.util.Random rnd = new java.util.Random(1);
                for (int i = 0; i < 400; i++) {
                    byte[] v = new byte[10_000];
                    rnd.nextBytes(v);
                    j.set(("big:" + i).getBytes(StandardCharsets.UTF_8), v);
                }
                call(j, "BGSAVE");
                assertEquals("err", awaitBgsave(j));
                assertTrue(r(j, "SET", "x", "1").startsWith("error: MISCONF"));
                assertArrayEquals(good, Files.readAllBytes(dir.resolve("dump.rdb")), "the previous file is intact");
                try (Stream<Path> files = Files.list(dir)) {
                    assertEquals(List.of("dump.rdb", "podis-dataset"), files.map(f -> f.getFileName().toString()).sorted().toList());
                }
                // SHUTDOWN cannot save either: refused, the server goes on
                assertEquals("error: ERR Errors trying to SHUTDOWN. Check logs.", r(j, "SHUTDOWN"));
                assertEquals("1", r(j, "EXISTS", "big:1"));
                assertArrayEquals(good, Files.readAllBytes(dir.resolve("dump.rdb")));
            }
            try (Podis p = Podis.builder().config("keyspace-backend", "heap").config("enable-debug-command", "yes")
                    .dataDir(dir).build().start(); Jedis j = new Jedis(p.host(), p.port(), 15_000)) {
                assertEquals(digest, str(call(j, "DEBUG", "DIGEST")));
            }
        } finally {
            run("umount", dir.toString());
        }
    }

    static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
