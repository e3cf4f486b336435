package dev.podis.server;

import dev.podis.server.diff.RedisProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probes of a container that starts on a 2M-key dump.rdb (written by redis-server with DEBUG
 * POPULATE) in its volume: {@code /readyz} is 503 ("loading") while the dataset loads and 200
 * after, {@code /livez} is 200 meanwhile, and {@code /metrics} carries every redis_exporter
 * metric the specification lists, with its labels, plus the JVM's.
 */
@ExtendWith(PodisContainer.Cleanup.class)
class ContainerProbesIT {
    private static final int KEYS = 2_000_000;

    /**
     * The metrics /metrics must serve, as the specification (the Kubernetes issue, "Probes,
     * metrics, admin port") lists them: names, and in braces the labels they carry.
     */
    static final String SPECIFIED = "`redis_up`, `redis_uptime_in_seconds`, `redis_connected_clients`, "
            + "`redis_blocked_clients`, `redis_memory_used_bytes`, `redis_memory_used_rss_bytes`, `redis_memory_max_bytes`, "
            + "`redis_mem_fragmentation_ratio`, `redis_commands_processed_total`, `redis_commands_total{cmd}`, "
            + "`redis_commands_duration_seconds_total{cmd}`, `redis_keyspace_hits_total`, `redis_keyspace_misses_total`, "
            + "`redis_expired_keys_total`, `redis_evicted_keys_total`, `redis_connections_received_total`, "
            + "`redis_rejected_connections_total`, `redis_net_input_bytes_total`, `redis_net_output_bytes_total`, "
            + "`redis_db_keys{db}`, `redis_db_keys_expiring{db}`, `redis_loading_dump_file`, "
            + "`redis_rdb_changes_since_last_save`, `redis_rdb_last_save_timestamp_seconds`, `redis_rdb_last_bgsave_status`, "
            + "`redis_aof_enabled`, `redis_connected_slaves`, `redis_instance_info{role,redis_version}`, plus JVM metrics.";

    @TempDir
    Path tmp;

    @Test
    void readyOnlyOnceTheDatasetIsLoadedLiveMeanwhileAndRedisExporterMetrics() throws Exception {
        PodisContainer.image(); // podman first: skipped (or failed under CI) without it
        org.junit.jupiter.api.Assumptions.assumeTrue(RedisProcess.findExecutable() != null,
                "redis-server writes the dump (CI has it: .ci/run)");
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        try (RedisProcess redis = RedisProcess.startIn(data, "--save", "", "--appendonly", "no", "--enable-debug-command", "yes");
             Jedis r = new Jedis("127.0.0.1", redis.port(), 120_000)) {
            r.sendCommand(() -> "DEBUG".getBytes(), "POPULATE", Integer.toString(KEYS));
            assertEquals("OK", r.save());
        }
        for (String log : List.of("redis.log", "stdout.log")) {
            Files.deleteIfExists(data.resolve(log));
        }
        PodisContainer.volume(data);

        long t0 = System.nanoTime();
        PodisContainer c = PodisContainer.start(List.of("-v", data + ":/data"), "--save", "");
        int loading503 = 0;
        int liveWhileLoading = 0;
        String loadingMetrics = null;
        PodisContainer.Result ready;
        long deadline = System.currentTimeMillis() + 180_000;
        while (true) {
            ready = c.admin("/readyz");
            if (ready.code() == 200 || System.currentTimeMillis() > deadline) {
                break;
            }
            if (ready.code() == 503) {
                assertTrue(ready.output().contains("\"ready\":false") && ready.output().contains("loading"), ready.output());
                loading503++;
                PodisContainer.Result live = c.admin("/livez");
                assertEquals(200, live.code(), "/livez while loading: " + live.output());
                // still loading after /livez answered: it answered during the load
                if (c.admin("/readyz").code() == 503) {
                    liveWhileLoading++;
                    if (loadingMetrics == null) {
                        PodisContainer.Result m = c.admin("/metrics");
                        if (m.code() == 200 && c.admin("/readyz").code() == 503) {
                            loadingMetrics = m.output();
                        }
                    }
                }
            } else {
                assertEquals(-1, ready.code(), "/readyz before the load is done: " + ready.output());
            }
            Thread.sleep(100);
        }
        double readySeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("[container] %d keys: ready after %.1f s; /readyz 503 seen %d times, /livez 200 while loading %d times%n",
                KEYS, readySeconds, loading503, liveWhileLoading);
        assertEquals(200, ready.code(), "/readyz never 200: " + ready.output());
        assertEquals("{\"ready\":true}", ready.output().trim());
        assertTrue(loading503 > 0, "/readyz was never 503 during the load");
        assertTrue(liveWhileLoading > 0, "/livez never answered during the load");
        assertEquals(200, c.admin("/livez").code());
        assertTrue(loadingMetrics != null, "no /metrics scrape during the load");
        assertEquals(1.0, samples(loadingMetrics).get("redis_loading_dump_file"), "redis_loading_dump_file while loading");

        try (Jedis j = c.jedis(30_000)) {
            assertEquals(KEYS, j.dbSize());
            assertEquals("value:" + (KEYS - 1), j.get("key:" + (KEYS - 1)));
            j.get("key:1");
            j.get("no-such-key");
        }
        String text = c.admin("/metrics").output();
        checkSpecifiedMetrics(text);
        Map<String, Double> s = samples(text);
        assertEquals(1.0, s.get("redis_up"));
        assertEquals(0.0, s.get("redis_loading_dump_file"));
        assertEquals((double) KEYS, s.get("redis_db_keys{db=\"db0\"}"));
        assertEquals(0.0, s.get("redis_db_keys_expiring{db=\"db0\"}"));
        assertTrue(s.get("redis_keyspace_hits_total") >= 2 && s.get("redis_keyspace_misses_total") >= 1, text);
        assertTrue(s.get("redis_commands_total{cmd=\"dbsize\"}") >= 1, text);
    }

    /** Every metric of {@link #SPECIFIED} is in the scrape, with at least the labels listed; and JVM metrics. */
    private static void checkSpecifiedMetrics(String text) {
        Map<String, Set<String>> expected = new HashMap<>();
        Matcher m = Pattern.compile("`(redis_[a-z_]+)(?:\\{([a-z_,]+)})?`").matcher(SPECIFIED);
        while (m.find()) {
            expected.put(m.group(1), m.group(2) == null ? Set.of() : Set.of(m.group(2).split(",")));
        }
        assertEquals(28, expected.size(), "metrics parsed from the specification");

        Map<String, Set<Set<String>>> served = new HashMap<>(); // name -> label-name sets of its samples
        for (String key : samples(text).keySet()) {
            int brace = key.indexOf('{');
            String name = brace < 0 ? key : key.substring(0, brace);
            Set<String> labels = new TreeSet<>();
            if (brace >= 0) {
                Matcher l = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"").matcher(key.substring(brace));
                while (l.find()) {
                    labels.add(l.group(1));
                }
            }
            served.computeIfAbsent(name, k -> new HashSet<>()).add(labels);
        }
        Set<String> missing = new TreeSet<>();
        for (Map.Entry<String, Set<String>> e : expected.entrySet()) {
            Set<Set<String>> got = served.get(e.getKey());
            if (got == null || got.stream().noneMatch(labels -> labels.containsAll(e.getValue()))) {
                missing.add(e.getKey() + e.getValue() + (got == null ? " (absent)" : " (labels " + got + ")"));
            }
        }
        assertTrue(missing.isEmpty(), "metrics missing from /metrics: " + missing + "\n" + text);
        assertTrue(served.keySet().stream().anyMatch(n -> n.startsWith("jvm_memory_")), "JVM metrics");
        assertTrue(served.keySet().stream().anyMatch(n -> n.startsWith("jvm_gc_")), "JVM metrics");
    }

    /** The samples of a Prometheus text exposition: {@code name{labels}} as written, and the value. */
    private static Map<String, Double> samples(String text) {
        Map<String, Double> s = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = line.lastIndexOf('}');
            int space = line.indexOf(' ', end < 0 ? 0 : end);
            assertTrue(space > 0, "a sample line: " + line);
            String value = line.substring(space + 1).trim().split(" ")[0]; // an optional timestamp follows
            s.put(line.substring(0, space), Double.parseDouble(value));
        }
        assertFalse(s.isEmpty(), "no samples in /metrics");
        return s;
    }
}
