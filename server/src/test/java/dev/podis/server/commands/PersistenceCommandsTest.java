package dev.podis.server.commands;

import dev.podis.Podis;
import dev.podis.server.PodisServer;
import dev.podis.server.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.podis.server.commands.Cmd.error;
import static dev.podis.server.commands.Cmd.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SAVE, LASTSAVE, DEBUG RELOAD, INFO persistence and loading at start-up: files written
 * atomically, state as INFO reports it, -LOADING while a dataset loads, and damaged files that
 * stop the start with an error naming the offset.
 */
class PersistenceCommandsTest {
    private static Podis podis(Path dir) {
        return Podis.builder().config("keyspace-backend", "auto").config("enable-debug-command", "yes")
                .dataDir(dir).build().start();
    }

    static Map<String, String> info(Jedis j, String section) {
        return Cmd.info(j, section);
    }

    @Test
    void saveWritesTheFileAndResetsTheChangeCount(@TempDir Path dir) throws Exception {
        try (Podis p = podis(dir); Jedis j = new Jedis(p.host(), p.port(), 10_000)) {
            long start = (Long) run(j, "LASTSAVE");
            assertTrue(Math.abs(start - System.currentTimeMillis() / 1000) < 60);
            Map<String, String> before = info(j, "persistence");
            assertEquals("0", before.get("rdb_changes_since_last_save"));
            assertEquals("0", before.get("rdb_saves"));
            assertEquals("0", before.get("loading"));
            j.set("a", "1");
            j.rpush("l", "x", "y");
            j.hset("h", "f", "v");
            j.del("a");
            assertEquals("4", info(j, "persistence").get("rdb_changes_since_last_save"));
            assertEquals("OK", run(j, "SAVE"));
            Map<String, String> after = info(j, "persistence");
            assertEquals("0", after.get("rdb_changes_since_last_save"));
            assertEquals("1", after.get("rdb_saves"));
            assertEquals(after.get("rdb_last_save_time"), run(j, "LASTSAVE").toString());
            Path file = dir.resolve("dump.rdb");
            assertEquals("REDIS0010", new String(Files.readAllBytes(file), 0, 9, StandardCharsets.US_ASCII));
            try (Stream<Path> files = Files.list(dir)) {
                // (podis-dataset: the record of what the last save held, see DatasetMarker)
                assertEquals(List.of(file), files.filter(f -> !f.getFileName().toString().equals("podis-dataset")).toList(),
                        "no temporary file is left");
            }
            j.lpush("l", "z");
            assertEquals("1", info(j, "persistence").get("rdb_changes_since_last_save"));
            // SAVE is refused inside MULTI (no-multi), as in Redis
            run(j, "MULTI");
            assertEquals("ERR Command not allowed inside a transaction", error(j, "SAVE"));
            run(j, "DISCARD");
        }
        // the next start loads it, and nothing counts as changed
        try (Podis p = podis(dir); Jedis j = new Jedis(p.host(), p.port(), 10_000)) {
            assertEquals(List.of("x", "y"), j.lrange("l", 0, -1));
            assertEquals("v", j.hget("h", "f"));
            assertFalse(j.exists("a"));
            Map<String, String> info = info(j, "persistence");
            assertEquals("0", info.get("rdb_changes_since_last_save"));
            assertEquals("2", info.get("rdb_last_load_keys_loaded"));
        }
    }

    @Test
    void aFailedSaveRepliesErrAndKeepsTheOldFile(@TempDir Path dir) throws Exception {
        try (Podis p = Podis.builder().config("enable-protected-configs", "yes").dataDir(dir).build().start();
             Jedis j = new Jedis(p.host(), p.port(), 10_000)) {
            j.set("k", "v");
            assertEquals("OK", run(j, "SAVE"));
            byte[] saved = Files.readAllBytes(dir.resolve("dump.rdb"));
            j.set("k2", "v2");
            // the target name is taken by a non-empty directory: the rename fails
            Files.createDirectories(dir.resolve("blocked").resolve("inside"));
            run(j, "CONFIG", "SET", "dbfilename", "blocked");
            assertEquals("ERR", error(j, "SAVE"));
            assertNotEquals("0", info(j, "persistence").get("rdb_changes_since_last_save"));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(2, files.filter(f -> !f.getFileName().toString().equals("podis-dataset")).count(),
                        "dump.rdb and the directory: no temporary file left");
            }
            assertTrue(java.util.Arrays.equals(saved, Files.readAllBytes(dir.resolve("dump.rdb"))));
        }
    }

    @Test
    void debugReloadKeepsTheDataset(@TempDir Path dir) throws Exception {
        try (Podis p = podis(dir); Jedis j = new Jedis(p.host(), p.port(), 10_000)) {
            RdbInteropTest.populate(j);
            String digest = (String) run(j, "DEBUG", "DIGEST");
            long ttl = j.pttl("str:ttl");
            assertEquals("OK", run(j, "DEBUG", "RELOAD"));
            assertEquals(digest, run(j, "DEBUG", "DIGEST"));
            assertTrue(j.pttl("str:ttl") > ttl - 10_000);
            assertEquals("0", info(j, "persistence").get("rdb_changes_since_last_save"));
            assertEquals("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
                    error(j, "DEBUG", "RELOAD", "SOON"));
            // NOSAVE NOFLUSH MERGE: the file's keys are added to (and replace) what is there
            j.set("str:small", "changed");
            j.set("only-here", "1");
            assertEquals("OK", run(j, "DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"));
            assertEquals("hello", j.get("str:small"));
            assertEquals("1", j.get("only-here"));
            // NOFLUSH without MERGE: a key in both is an error
            assertEquals("ERR Error trying to load the RDB dump, check server logs.",
                    error(j, "DEBUG", "RELOAD", "NOSAVE", "NOFLUSH"));
            // NOSAVE without a file
            Files.delete(dir.resolve("dump.rdb"));
            assertEquals("ERR Error trying to load the RDB dump, check server logs.", error(j, "DEBUG", "RELOAD", "NOSAVE"));
        }
    }

    @Test
    void debugObjectReportsTheSerializedLengthRedisDoes() {
        RealRedis redis = RealRedis.start();
        org.junit.jupiter.api.Assumptions.assumeTrue(redis != null, "redis-server is not installed");
        try (redis; Podis p = Podis.builder().config("keyspace-backend", "auto").config("enable-debug-command", "yes").build().start();
             Jedis pj = new Jedis(p.host(), p.port(), 10_000); Jedis rj = new Jedis("127.0.0.1", redis.port(), 10_000)) {
            for (Jedis j : new Jedis[] {pj, rj}) {
                RdbInteropTest.populate(j);
                run(j, "CONFIG", "SET", "rdbcompression", "no"); // LZF output may differ between implementations
            }
            for (int db : RdbInteropTest.DBS) {
                pj.select(db);
                rj.select(db);
                for (byte[] k : rj.keys("*".getBytes(StandardCharsets.UTF_8))) {
                    String name = new String(k, StandardCharsets.UTF_8);
                    if (name.equals("list:plain") || name.equals("zset:small")) {
                        // Redis 7.0 keeps a 20 KB element in a listpack node and writes a listpack score
                        // 0.1 as "%.17g" text; 7.2 (and Podis) use a plain node and the shortest text
                        continue;
                    }
                    String want = serializedLength(RdbInteropTest.str(RdbInteropTest.call(rj, "DEBUG", "OBJECT", k)));
                    String got = serializedLength(RdbInteropTest.str(RdbInteropTest.call(pj, "DEBUG", "OBJECT", k)));
                    assertEquals(want, got, "db " + db + " key " + new String(k, StandardCharsets.UTF_8));
                }
            }
            assertEquals("ERR no such key", error(pj, "DEBUG", "OBJECT", "missing"));
        }
    }

    private static String serializedLength(String debugObject) {
        for (String part : debugObject.split(" ")) {
            if (part.startsWith("serializedlength:")) {
                return part;
            }
        }
        throw new AssertionError(debugObject);
    }

    @Test
    void damagedFilesStopTheStartWithTheOffset(@TempDir Path dir) throws Exception {
        try (Podis p = podis(dir); Jedis j = new Jedis(p.host(), p.port(), 10_000)) {
            RdbInteropTest.populate(j);
            assertEquals("OK", run(j, "SAVE"));
        }
        Path file = dir.resolve("dump.rdb");
        byte[] good = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(good, good.length / 2));
        IllegalStateException truncated = assertThrows(IllegalStateException.class, () -> podis(dir));
        assertTrue(truncated.getMessage().contains("Unexpected EOF reading RDB file at offset"), truncated.getMessage());
        byte[] flipped = good.clone();
        flipped[good.length / 3] ^= 0x5a;
        Files.write(file, flipped);
        IllegalStateException corrupt = assertThrows(IllegalStateException.class, () -> podis(dir));
        assertTrue(corrupt.getMessage().contains("offset"), corrupt.getMessage());
        Files.write(file, "REDIS0099garbage".getBytes(StandardCharsets.US_ASCII));
        IllegalStateException version = assertThrows(IllegalStateException.class, () -> podis(dir));
        assertTrue(version.getMessage().contains("Can't handle RDB format version 0099"), version.getMessage());
        Files.write(file, good);
        try (Podis p = podis(dir); Jedis j = new Jedis(p.host(), p.port(), 10_000)) {
            assertEquals("hello", j.get("str:small"));
        }
    }

    @Test
    void aStreamFromRedisIsNotSupportedYet(@TempDir Path dir) throws Exception {
        RealRedis redis = RealRedis.start(dir, "dump.rdb");
        org.junit.jupiter.api.Assumptions.assumeTrue(redis != null, "redis-server is not installed");
        try (redis; Jedis rj = new Jedis("127.0.0.1", redis.port(), 10_000)) {
            run(rj, "XADD", "stream", "1-1", "f", "v");
            assertEquals("OK", run(rj, "SAVE"));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> podis(dir));
        assertTrue(e.getMessage().contains("type stream not supported"), e.getMessage());
    }

    @Test
    void clientsGetLoadingWhileTheDatasetLoads(@TempDir Path dir) throws Exception {
        int keys = 10_000;
        try (Podis p = podis(dir); Jedis j = new Jedis(p.host(), p.port(), 10_000)) {
            Pipeline pipe = j.pipelined();
            for (int i = 0; i < keys; i++) {
                pipe.set("key:" + i, "value:" + i);
            }
            pipe.sync();
            assertEquals("OK", run(j, "SAVE"));
        }
        ServerConfig c = new ServerConfig(dir.toString());
        c.set("port", "0");
        c.set("bind", "127.0.0.1");
        c.set("admin-port", "0");
        c.set("admin-bind", "127.0.0.1");
        c.set("save", "");
        c.set("keyspace-backend", "heap");
        c.set("key-load-delay", "300"); // µs per key: three seconds or more for the whole file
        c.set("loading-process-events-interval-bytes", "1024");
        HttpClient http = HttpClient.newHttpClient();
        PodisServer s = new PodisServer(c).start();
        try (s; RespClient client = new RespClient(s.port())) {
            assertEquals(new RespClient.Err("LOADING Redis is loading the dataset in memory"), client.call("PING"));
            assertEquals(new RespClient.Err("LOADING Redis is loading the dataset in memory"), client.call("GET", "key:1"));
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + s.adminPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("loading"), ready.body());
            String info = (String) client.call("INFO", "persistence");
            assertTrue(info.contains("loading:1\r\n"), info);
            for (String field : List.of("loading_start_time:", "loading_total_bytes:", "loading_loaded_bytes:",
                    "loading_loaded_perc:", "loading_eta_seconds:", "loading_rdb_used_mem:")) {
                assertTrue(info.contains(field), field + " in " + info);
            }
            s.loaded().get(60, TimeUnit.SECONDS);
            assertEquals(new RespClient.Status("PONG"), client.call("PING"));
            assertEquals((long) keys, client.call("DBSIZE"));
            String after = (String) client.call("INFO", "persistence");
            assertTrue(after.contains("loading:0\r\n") && after.contains("rdb_last_load_keys_loaded:" + keys + "\r\n"), after);
            assertFalse(after.contains("loading_eta_seconds"), after);
            HttpResponse<String> readyAfter = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + s.adminPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, readyAfter.statusCode());
        }
    }
    @Test
    void closingDuringALoadStopsTheReader(@TempDir Path dir) throws Exception {
        try (Podis p = podis(dir); Jedis j = new Jedis(p.host(), p.port(), 10_000)) {
            Pipeline pipe = j.pipelined();
            for (int i = 0; i < 3000; i++) {
                pipe.set("key:" + i, "value:" + i);
            }
            pipe.sync();
            assertEquals("OK", run(j, "SAVE"));
        }
        ServerConfig c = new ServerConfig(dir.toString());
        c.set("port", "0");
        c.set("bind", "127.0.0.1");
        c.set("admin-port", "-1");
        c.set("keyspace-backend", "heap");
        c.set("key-load-delay", "10000"); // 10 ms per key: 30 s for the file
        PodisServer s = new PodisServer(c).start();
        s.close();
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> s.loaded().get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("closed while loading"), e.getCause().getMessage());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("podis-rdb-reader"))) {
            assertTrue(System.nanoTime() < deadline, "the reader thread still runs");
            Thread.sleep(20);
        }
    }
}
