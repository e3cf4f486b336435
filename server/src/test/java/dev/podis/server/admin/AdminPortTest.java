package dev.podis.server.admin;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin HTTP port over real HTTP: probes, Prometheus metrics under redis_exporter's names, 404. */
class AdminPortTest {
    /** Every metric name redis_exporter dashboards use that /metrics promises (docs/operations.md). */
    static final List<String> NAMES = List.of("redis_up", "redis_uptime_in_seconds", "redis_connected_clients",
            "redis_blocked_clients", "redis_memory_used_bytes", "redis_memory_used_rss_bytes", "redis_memory_max_bytes",
            "redis_mem_fragmentation_ratio", "redis_commands_processed_total", "redis_commands_total",
            "redis_commands_duration_seconds_total", "redis_keyspace_hits_total", "redis_keyspace_misses_total",
            "redis_expired_keys_total", "redis_evicted_keys_total", "redis_connections_received_total",
            "redis_rejected_connections_total", "redis_net_input_bytes_total", "redis_net_output_bytes_total",
            "redis_db_keys", "redis_db_keys_expiring", "redis_loading_dump_file", "redis_rdb_changes_since_last_save",
            "redis_rdb_last_save_timestamp_seconds", "redis_rdb_last_bgsave_status", "redis_aof_enabled",
            "redis_connected_slaves", "redis_instance_info");

    private TestServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() {
        server = TestServer.start(Map.of("admin-port", "0"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.server().adminPort() + path))
                .timeout(Duration.ofSeconds(20)).GET().build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the sample line that starts with {@code series} (name and labels, exactly). */
    private static double sample(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + series + " in\n" + text);
    }

    @Test
    void adminPortIsItsOwnPort() {
        int admin = server.server().adminPort();
        assertTrue(admin > 0, "admin-port 0 picks a free port: " + admin);
        assertNotEquals(server.port(), admin);
    }

    @Test
    void livezAndReadyzAreOkWhileRunning() throws Exception {
        HttpResponse<String> live = get("/livez");
        assertEquals(200, live.statusCode(), live.body());
        HttpResponse<String> ready = get("/readyz");
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals("{\"ready\":true}", ready.body().trim());
    }

    @Test
    void readinessFailsWithAReasonOnceAShutdownBegins() throws Exception {
        assertEquals(200, get("/readyz").statusCode());
        // A client that keeps sending holds the shutdown in its drain phase (up to shutdown-timeout),
        // while the admin port still answers.
        java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread busy = new Thread(() -> {
            try (Jedis j = server.jedis()) {
                while (sending.get()) {
                    j.ping();
                }
            } catch (RuntimeException closedAtTheEnd) {
                // the server closes the connection once the drain ends
            }
        });
        busy.start();
        Thread stopper = new Thread(() -> server.server().shutdown("test"));
        try {
            Thread.sleep(100);
            stopper.start();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!server.server().shuttingDown() && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            HttpResponse<String> r = get("/readyz");
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("{\"ready\":false,\"reason\":\"shutting down\"}", r.body().trim());
            assertEquals(200, get("/livez").statusCode(), "still live while draining");
        } finally {
            sending.set(false);
            stopper.join(30_000);
            busy.join(30_000);
        }
        assertTrue(server.server().context().commandLoop().terminationFuture().await(10, java.util.concurrent.TimeUnit.SECONDS),
                "the server closed");
    }

    @Test
    void aFailingCheckMakesReadinessFalse() throws Exception {
        server.server().context().readiness().add(() -> "loading the dataset");
        HttpResponse<String> r = get("/readyz");
        assertEquals(503, r.statusCode());
        assertEquals("{\"ready\":false,\"reason\":\"loading the dataset\"}", r.body().trim());
        assertEquals(200, get("/livez").statusCode(), "liveness does not depend on readiness");
    }

    @Test
    void metricsHaveRedisExporterNames() throws Exception {
        try (Jedis j = server.jedis()) {
            j.set("k", "v");
            j.get("k");
        }
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"), r.headers().toString());
        String text = r.body();
        for (String name : NAMES) {
            Pattern p = Pattern.compile("(?m)^" + Pattern.quote(name) + "[ {]");
            assertTrue(p.matcher(text).find(), "exactly " + name + " in\n" + text);
        }
        assertEquals(1.0, sample(text, "redis_up"));
        assertEquals(1.0, sample(text, "redis_instance_info{redis_version=\"" + dev.podis.server.Version.REDIS + "\",role=\"master\"}"));
        assertEquals(1.0, sample(text, "redis_db_keys{db=\"db0\"}"));
        assertEquals(0.0, sample(text, "redis_db_keys_expiring{db=\"db0\"}"));
        assertEquals(1.0, sample(text, "redis_keyspace_hits_total"));
        assertEquals(1.0, sample(text, "redis_commands_total{cmd=\"get\"}"));
        assertTrue(sample(text, "redis_connected_clients") >= 0);
        // JVM metrics too
        assertTrue(text.contains("\njvm_memory_used_bytes{"), "JVM memory metrics");
        assertTrue(text.contains("\njvm_threads_live_threads "), "JVM thread metrics");
        assertTrue(text.contains("\nsystem_cpu_count "), "processor metrics");
    }

    @Test
    void countersMoveAfterCommands() throws Exception {
        String before = get("/metrics").body();
        double processed = sample(before, "redis_commands_processed_total");
        double sets = before.contains("redis_commands_total{cmd=\"set\"}") ? sample(before, "redis_commands_total{cmd=\"set\"}") : 0;
        try (Jedis j = server.jedis()) {
            for (int i = 0; i < 5; i++) {
                j.set("k" + i, "v");
            }
            j.expire("k0", 100);
        }
        String after = get("/metrics").body();
        assertEquals(sets + 5, sample(after, "redis_commands_total{cmd=\"set\"}"));
        assertTrue(sample(after, "redis_commands_processed_total") >= processed + 6, after);
        assertTrue(sample(after, "redis_commands_duration_seconds_total{cmd=\"set\"}") > 0);
        assertEquals(5.0, sample(after, "redis_db_keys{db=\"db0\"}"));
        assertEquals(1.0, sample(after, "redis_db_keys_expiring{db=\"db0\"}"));
        assertTrue(sample(after, "redis_connections_received_total") >= 1);
        assertTrue(sample(after, "redis_net_input_bytes_total") > 0);
    }

    @Test
    void livezFailsWhileTheCommandLoopIsStuck() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        server.server().context().commandLoop().execute(() -> {
            try {
                release.await(10, java.util.concurrent.TimeUnit.SECONDS); // a command that never ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            HttpResponse<String> live = get("/livez");
            assertEquals(503, live.statusCode(), live.body());
            assertEquals("{\"live\":false,\"reason\":\"command loop not responding\"}", live.body().trim());
            assertEquals(503, get("/metrics").statusCode());
        } finally {
            release.countDown();
        }
        assertEquals(200, get("/livez").statusCode(), "live again once the loop runs");
    }

    @Test
    void otherPathsAre404() throws Exception {
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/metricsx").statusCode());
        assertEquals(200, get("/livez?verbose").statusCode());
    }

    @Test
    void noAdminPortWhenDisabled() {
        try (TestServer off = TestServer.start(Map.of("admin-port", "-1"))) {
            assertEquals(-1, off.server().adminPort());
        }
    }
}
