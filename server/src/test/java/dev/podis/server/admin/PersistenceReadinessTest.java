package dev.podis.server.admin;

import dev.podis.server.Main;
import dev.podis.server.PodisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /readyz and the persistence metrics over real HTTP: not ready while the dataset loads, while the
 * last background save failed (with save points), and when the data directory says a dataset was
 * saved but none loaded (refuse-empty-start); ready again when that is over.
 */
class PersistenceReadinessTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static PodisServer start(Path dir, String... extra) throws Exception {
        Files.createDirectories(dir);
        List<String> args = new ArrayList<>(List.of("--port", "0", "--bind", "127.0.0.1", "--admin-port", "0",
                "--keyspace-backend", "heap", "--dir", dir.toString(), "--save", "3600 1"));
        args.addAll(List.of(extra));
        return new PodisServer(Main.configure(args, Map.of())).start();
    }

    private HttpResponse<String> get(PodisServer s, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.adminPort() + path))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private String readyz(PodisServer s) throws Exception {
        HttpResponse<String> r = get(s, "/readyz");
        return r.statusCode() + " " + r.body().trim();
    }

    private double metric(PodisServer s, String series) throws Exception {
        for (String line : get(s, "/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + series);
    }

    static void await(PodisServer s, Check c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.holds()) {
            assertTrue(System.nanoTime() < deadline, "not reached in 20 s");
            Thread.sleep(10);
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static String bgsave(Jedis j) throws Exception {
        assertEquals("Background saving started", j.bgsave());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (j.info("persistence").contains("rdb_bgsave_in_progress:1")) {
            assertTrue(System.nanoTime() < deadline);
            Thread.sleep(10);
        }
        return j.info("persistence").contains("rdb_last_bgsave_status:ok") ? "ok" : "err";
    }

    @Test
    void notReadyWhileLoading(@TempDir Path dir) throws Exception {
        PodisServer first = start(dir);
        try (Jedis j = new Jedis("127.0.0.1", first.port())) {
            Pipeline p = j.pipelined();
            for (int i = 0; i < 3000; i++) {
                p.set("k" + i, "v");
            }
            p.sync();
            j.save();
        } finally {
            first.close();
        }
        // 0.5 ms per key: 1.5 s of loading at least
        PodisServer s = start(dir, "--key-load-delay", "500");
        try {
            assertEquals("503 {\"ready\":false,\"reason\":\"loading the dataset\"}", readyz(s));
            assertEquals(1.0, metric(s, "redis_loading_dump_file"));
            s.loaded().get(30, TimeUnit.SECONDS);
            assertEquals("200 {\"ready\":true}", readyz(s));
            assertEquals(0.0, metric(s, "redis_loading_dump_file"));
        } finally {
            s.close();
        }
    }

    @Test
    void notReadyWhileTheLastBackgroundSaveFailed(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("data");
        PodisServer s = start(dir);
        try (Jedis j = new Jedis("127.0.0.1", s.port())) {
            assertEquals("200 {\"ready\":true}", readyz(s));
            j.set("a", "1");
            j.set("b", "1");
            assertEquals(2.0, metric(s, "redis_rdb_changes_since_last_save"));
            assertEquals(1.0, metric(s, "redis_rdb_last_bgsave_status"));
            deleteTree(dir);
            assertEquals("err", bgsave(j));
            assertEquals("503 {\"ready\":false,\"reason\":\"last background save failed (writes refused: MISCONF)\"}", readyz(s));
            assertEquals(0.0, metric(s, "redis_rdb_last_bgsave_status"));
            j.configSet("stop-writes-on-bgsave-error", "no");
            assertEquals("503 {\"ready\":false,\"reason\":\"last background save failed\"}", readyz(s));
            j.configSet("save", "");
            assertEquals("200 {\"ready\":true}", readyz(s), "no save points: a failed BGSAVE is not a persistence failure");
            j.configSet("save", "3600 1");
            Files.createDirectories(dir);
            assertEquals("ok", bgsave(j));
            assertEquals("200 {\"ready\":true}", readyz(s));
            assertEquals(1.0, metric(s, "redis_rdb_last_bgsave_status"));
            assertEquals(0.0, metric(s, "redis_rdb_changes_since_last_save"));
            assertEquals((double) j.lastsave(), metric(s, "redis_rdb_last_save_timestamp_seconds"));
        } finally {
            s.close();
        }
    }

    /** A server on {@code dir} that saves one key and stops. */
    static void saveOneKey(Path dir) throws Exception {
        PodisServer first = start(dir);
        try (Jedis j = new Jedis("127.0.0.1", first.port())) {
            j.set("a", "1");
            j.save();
        } finally {
            first.close();
        }
    }

    @Test
    void anEmptyStartIsRefusedWhenADatasetWasSaved(@TempDir Path dir) throws Exception {
        saveOneKey(dir);
        assertEquals("keys:1", Files.readAllLines(dir.resolve("podis-dataset")).get(0));
        Files.delete(dir.resolve("dump.rdb")); // the volume lost the file, or dbfilename changed
        PodisServer s = start(dir, "--save", "1 1");
        try (Jedis j = new Jedis("127.0.0.1", s.port())) {
            s.loaded().get(30, TimeUnit.SECONDS);
            String refused = "503 {\"ready\":false,\"reason\":\"dataset expected but none loaded (see the log; "
                    + "refuse-empty-start no to serve it anyway)\"}";
            assertEquals(refused, readyz(s));
            j.set("x", "1");
            j.set("y", "1");
            // save points do not replace the evidence meanwhile: "1 1" is due after a second (the cron
            // checks ten times a second), so nothing happening for 1.5 s is the point
            Thread.sleep(1500);
            assertFalse(Files.exists(dir.resolve("dump.rdb")), "no automatic save");
            assertTrue(j.info("persistence").contains("rdb_bgsave_in_progress:0"));
            j.configSet("save", ""); // once served, the save point would start a BGSAVE at any moment
            j.configSet("refuse-empty-start", "no");
            assertEquals("200 {\"ready\":true}", readyz(s));
            j.configSet("refuse-empty-start", "yes");
            assertEquals(refused, readyz(s));
            // an explicit save is the operator's decision: the new dataset is the expected one
            j.save();
            assertEquals("200 {\"ready\":true}", readyz(s));
            assertEquals("keys:2", Files.readAllLines(dir.resolve("podis-dataset")).get(0));
        } finally {
            s.close();
        }
        // an empty dataset that was saved empty is fine
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        PodisServer empty = start(dir);
        try (Jedis j = new Jedis("127.0.0.1", empty.port())) {
            j.save();
        } finally {
            empty.close();
        }
        PodisServer again = start(dir);
        try {
            again.loaded().get(30, TimeUnit.SECONDS);
            assertEquals("200 {\"ready\":true}", readyz(again));
        } finally {
            again.close();
        }
    }

    @Test
    void aRefusedEmptyStartIsNotSavedOverAtShutdown(@TempDir Path dir) throws Exception {
        saveOneKey(dir);
        Path rdb = dir.resolve("dump.rdb");
        Files.move(rdb, dir.resolve("elsewhere.rdb"));
        PodisServer s = start(dir);
        s.loaded().get(30, TimeUnit.SECONDS);
        assertTrue(s.shutdown("SIGTERM"));
        assertFalse(Files.exists(rdb), "the final save did not write an empty dataset");
    }

    static void deleteTree(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(x);
            }
        }
    }
}
