package dev.podis.server.commands;

import dev.podis.server.TestServer;
import dev.podis.server.Version;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ServerCommandsTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("enable-debug-command", "yes"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static RespClient client() throws IOException {
        return new RespClient(server.port());
    }

    /** INFO text → section name → (field → value), in order. */
    static Map<String, Map<String, String>> parseInfo(String text) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String line : text.split("\r\n")) {
            if (line.startsWith("# ")) {
                current = new LinkedHashMap<>();
                out.put(line.substring(2), current);
            } else if (!line.isEmpty()) {
                int colon = line.indexOf(':');
                current.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return out;
    }

    @Test
    void infoSectionsInRedisOrder() throws IOException {
        try (RespClient c = client()) {
            String all = (String) c.call("INFO");
            assertEquals(List.of("Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
                    "Errorstats", "Cluster", "Keyspace"), new ArrayList<>(parseInfo(all).keySet()));
            assertTrue(all.endsWith("\r\n"));
            assertTrue(all.contains("\r\n\r\n# Clients\r\n"), "sections are separated by an empty line");
            assertEquals(List.of("Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
                    "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"),
                    new ArrayList<>(parseInfo((String) c.call("INFO", "everything")).keySet()));
            assertEquals(List.of("Clients", "Keyspace"), new ArrayList<>(parseInfo((String) c.call("INFO", "keyspace", "CLIENTS")).keySet()));
            assertEquals("", c.call("INFO", "nosuchsection"));

            Map<String, String> srv = parseInfo((String) c.call("INFO", "server")).get("Server");
            assertEquals(Version.REDIS, srv.get("redis_version"));
            assertEquals(Version.PODIS, srv.get("podis_version"));
            assertEquals(Integer.toString(server.port()), srv.get("tcp_port"));
            assertEquals("standalone", srv.get("redis_mode"));
            Map<String, String> mem = parseInfo((String) c.call("INFO", "memory")).get("Memory");
            long used = Long.parseLong(mem.get("used_memory"));
            assertTrue(used > 0);
            assertTrue(mem.get("used_memory_human").matches("[0-9.]+[BKMGTP]"), mem.get("used_memory_human"));
            assertEquals("0", mem.get("maxmemory"));
            assertEquals("noeviction", mem.get("maxmemory_policy"));
        }
    }

    @Test
    void infoFieldNamesFollowRealRedis() throws IOException {
        RealRedis redis = RealRedis.start();
        assumeTrue(redis != null, "redis-server is not installed");
        try (redis; RespClient p = client(); RespClient r = new RespClient(redis.port())) {
            Map<String, Map<String, String>> mine = parseInfo((String) p.call("INFO", "everything"));
            Map<String, Map<String, String>> theirs = parseInfo((String) r.call("INFO", "everything"));
            for (String section : List.of("Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Cluster")) {
                List<String> expected = new ArrayList<>(theirs.get(section).keySet());
                List<String> actual = new ArrayList<>(mine.get(section).keySet());
                actual.retainAll(expected); // Podis adds fields of its own (podis_version)
                assertEquals(expected, actual, section);
            }
        }
    }

    private static long memoryField(redis.clients.jedis.Jedis j, String name) {
        for (String line : j.info("memory").split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no " + name + " in INFO memory");
    }

    @Test
    void usedMemoryFollowsTheDataset() {
        try (redis.clients.jedis.Jedis j = server.jedis()) {
            j.select(7);
            long datasetBefore = memoryField(j, "used_memory_dataset");
            byte[] value = new byte[16 * 1024]; // above the inline limit: held in native memory
            for (int i = 0; i < 1000; i++) {
                j.set(("mem:" + i).getBytes(), value);
            }
            long dataset = memoryField(j, "used_memory_dataset");
            long used = memoryField(j, "used_memory");
            assertTrue(dataset - datasetBefore >= 1000L * value.length, "dataset grew by " + (dataset - datasetBefore));
            assertTrue(used >= dataset - datasetBefore, "used_memory " + used + " holds the values' " + (dataset - datasetBefore));
            j.flushDB();
            assertTrue(memoryField(j, "used_memory_dataset") < dataset - 1000L * value.length / 2, "flush frees the values");
        }
    }

    @Test
    void infoOverResp3IsVerbatimText() throws IOException {
        try (RespClient c = Resp3.connect(server)) {
            Object reply = c.call("INFO", "cluster");
            assertEquals(new RespClient.Verbatim("txt", "# Cluster\r\ncluster_enabled:0\r\n"), reply);
        }
    }

    @Test
    void keyspaceCommandstatsAndErrorstats() throws IOException {
        try (RespClient c = client()) {
            c.call("SELECT", "9");
            c.call("SET", "ks1", "v");
            c.call("SET", "ks2", "v");
            Map<String, String> ks = parseInfo((String) c.call("INFO", "keyspace")).get("Keyspace");
            assertEquals("keys=2,expires=0,avg_ttl=0", ks.get("db9"));

            Map<String, String> before = parseInfo((String) c.call("INFO", "commandstats")).get("Commandstats");
            long setCalls = calls(before.get("cmdstat_set"));
            long getCalls = calls(before.get("cmdstat_get"));
            c.call("SET", "a", "1");
            c.call("SET", "b", "2");
            c.call("GET", "a");
            c.call("GET");                  // rejected: arity
            c.call("SELECT", "x");          // failed: not an integer
            Map<String, String> after = parseInfo((String) c.call("INFO", "commandstats")).get("Commandstats");
            assertEquals(setCalls + 2, calls(after.get("cmdstat_set")));
            assertEquals(getCalls + 1, calls(after.get("cmdstat_get")));
            assertTrue(after.get("cmdstat_get").matches(
                    "calls=\\d+,usec=\\d+,usec_per_call=\\d+\\.\\d\\d,rejected_calls=[1-9]\\d*,failed_calls=\\d+"), after.get("cmdstat_get"));
            assertTrue(after.get("cmdstat_select").matches(".*failed_calls=[1-9]\\d*"), after.get("cmdstat_select"));
            Map<String, String> errors = parseInfo((String) c.call("INFO", "errorstats")).get("Errorstats");
            assertTrue(errors.get("errorstat_ERR").matches("count=[1-9]\\d*"), errors.toString());
            Map<String, String> lat = parseInfo((String) c.call("INFO", "latencystats")).get("Latencystats");
            assertTrue(lat.get("latency_percentiles_usec_set").matches("p50=\\d+\\.\\d{3},p99=\\d+\\.\\d{3},p99\\.9=\\d+\\.\\d{3}"),
                    lat.toString());
            Map<String, String> stats = parseInfo((String) c.call("INFO", "stats")).get("Stats");
            assertTrue(Long.parseLong(stats.get("total_commands_processed")) >= 5);
        }
    }

    private static long calls(String stat) {
        if (stat == null) {
            return 0;
        }
        Matcher m = Pattern.compile("calls=(\\d+)").matcher(stat);
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    @Test
    @SuppressWarnings("unchecked")
    void timeIsNow() throws IOException {
        try (RespClient c = client()) {
            long before = System.currentTimeMillis() / 1000;
            List<Object> t = (List<Object>) c.call("TIME");
            long secs = Long.parseLong((String) t.get(0));
            long micros = Long.parseLong((String) t.get(1));
            assertTrue(secs >= before && secs <= before + 2);
            assertTrue(micros >= 0 && micros < 1_000_000);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void slowlogRecordsTrimmedArguments() throws IOException {
        try (TestServer s = TestServer.start(Map.of("slowlog-log-slower-than", "0", "slowlog-max-len", "3"));
             RespClient c = new RespClient(s.port())) {
            c.call("SLOWLOG", "RESET");
            String big = "x".repeat(200);
            c.call("SET", "k", big);
            List<Object> entries = (List<Object>) c.call("SLOWLOG", "GET", "1");
            assertEquals(1, entries.size());
            List<Object> e = (List<Object>) entries.get(0);
            assertEquals(6, e.size());
            assertInstanceOf(Long.class, e.get(0));
            long ts = (Long) e.get(1);
            assertTrue(Math.abs(ts - System.currentTimeMillis() / 1000) <= 2);
            assertTrue((Long) e.get(2) >= 0);
            assertEquals(List.of("SET", "k", "x".repeat(128) + "... (72 more bytes)"), e.get(3));
            assertEquals("127.0.0.1:" + c.socket().getLocalPort(), e.get(4));
            assertEquals("", e.get(5));

            String[] many = new String[40];
            many[0] = "ECHO";
            for (int i = 1; i < many.length; i++) {
                many[i] = "a" + i;
            }
            c.call(many); // an arity error: rejected before execution, so not logged
            c.call("ECHO", "hi");
            assertEquals(3L, c.call("SLOWLOG", "LEN"), "capped by slowlog-max-len");
            List<Object> all = (List<Object>) c.call("SLOWLOG", "GET", "-1");
            assertEquals(3, all.size());
            assertEquals(List.of("SLOWLOG", "LEN"), ((List<Object>) all.get(0)).get(3));
            assertTrue((Long) ((List<Object>) all.get(0)).get(0) > (Long) ((List<Object>) all.get(1)).get(0), "newest first");
            assertEquals(new RespClient.Err("ERR count should be greater than or equal to -1"), c.call("SLOWLOG", "GET", "-2"));
            assertEquals(new RespClient.Err("ERR count should be greater than or equal to -1"), c.call("SLOWLOG", "GET", "x"));
            assertEquals(new RespClient.Err("ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP."),
                    c.call("SLOWLOG", "get", "1", "2"));
            assertEquals(new RespClient.Status("OK"), c.call("SLOWLOG", "RESET"));
            assertEquals(1L, c.call("SLOWLOG", "LEN"), "the RESET itself is logged");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void slowlogCapsArgumentCount() throws IOException {
        try (TestServer s = TestServer.start(Map.of("slowlog-log-slower-than", "0"));
             RespClient c = new RespClient(s.port())) {
            String[] cmd = new String[40];
            cmd[0] = "SET";
            cmd[1] = "k";
            cmd[2] = "v";
            for (int i = 3; i < cmd.length; i++) {
                cmd[i] = "x"; // a syntax error for SET, but SET executes and is logged
            }
            c.call(cmd);
            List<Object> e = (List<Object>) ((List<Object>) c.call("SLOWLOG", "GET", "1")).get(0);
            List<Object> argv = (List<Object>) e.get(3);
            assertEquals(32, argv.size());
            assertEquals("... (9 more arguments)", argv.get(31));
            assertEquals("x", argv.get(30));
        }
    }

    @Test
    void monitorStreamsExecutedCommands() throws Exception {
        try (RespClient m = client(); RespClient w = client()) {
            assertEquals(new RespClient.Status("OK"), m.call("MONITOR"));
            w.call("SET", "mk", "a\"b\n\u0001");
            w.call("GET", "mk");
            w.call("MONITOR"); // admin commands are not shown
            w.call("PING");
            String addr = "127.0.0.1:" + w.socket().getLocalPort();
            Pattern p = Pattern.compile("\\+\\d{10}\\.\\d{6} \\[0 " + Pattern.quote(addr) + "\\] (.*)");
            List<String> expected = List.of("\"SET\" \"mk\" \"a\\\"b\\n\\x01\"", "\"GET\" \"mk\"", "\"PING\"");
            for (String e : expected) {
                String line = m.line();
                Matcher mm = p.matcher(line);
                assertTrue(mm.matches(), line);
                assertEquals(e, mm.group(1));
            }
        }
    }

    @Test
    void debugCommands() throws IOException {
        try (RespClient c = client()) {
            assertEquals(new RespClient.Status("OK"), c.call("DEBUG", "SLEEP", "0"));
            long t0 = System.nanoTime();
            assertEquals(new RespClient.Status("OK"), c.call("DEBUG", "SLEEP", "0.05"));
            assertTrue(System.nanoTime() - t0 >= 50_000_000L);
            assertEquals(new RespClient.Status("OK"), c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0"));
            assertFalse(server.server().context().activeExpire());
            assertEquals(new RespClient.Status("OK"), c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1"));
            assertTrue(server.server().context().activeExpire());
            c.call("SELECT", "4");
            c.call("SET", "dk", "hello");
            c.call("SET", "dn", "12345");
            Object obj = c.call("DEBUG", "OBJECT", "dk");
            assertTrue(((RespClient.Status) obj).text().matches(
                    "Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:6 lru:\\d+ lru_seconds_idle:\\d+"), obj.toString());
            assertTrue(((RespClient.Status) c.call("DEBUG", "OBJECT", "dn")).text().contains("encoding:int serializedlength:3 "));
            assertEquals(new RespClient.Err("ERR no such key"), c.call("DEBUG", "OBJECT", "nosuch"));
            assertEquals(new RespClient.Err("ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP."),
                    c.call("DEBUG", "foo"));
            assertEquals(new RespClient.Err("ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP."),
                    c.call("DEBUG", "sleep"));
            assertInstanceOf(List.class, c.call("DEBUG", "HELP"));
        }
        try (TestServer s = TestServer.start(); RespClient c = new RespClient(s.port())) {
            assertEquals(new RespClient.Err("ERR DEBUG command not allowed. If the enable-debug-command option is set to "
                    + "\"local\", you can run it from a local connection, otherwise you need to set this option in the "
                    + "configuration file, and then restart the server."), c.call("DEBUG", "SLEEP", "0"));
        }
    }

    @Test
    void memoryUsageAsRedisAccountsIt() throws IOException {
        try (RespClient c = client()) {
            c.call("SELECT", "3");
            c.call("SET", "k", "hello");
            c.call("SET", "n", "12345");
            c.call("SET", "r", "y".repeat(100));
            // Redis 7.0 on jemalloc: embstr object 32 + key 8 + dict entry 24; an integer lives in the header (16).
            assertEquals(64L, c.call("MEMORY", "USAGE", "k"));
            assertEquals(48L, c.call("MEMORY", "USAGE", "n"));
            // raw: header 16 + sds (3 + 100 + 1 -> 112) + key 8 + entry 24
            assertEquals(160L, c.call("MEMORY", "USAGE", "r"));
            assertEquals(64L, c.call("MEMORY", "USAGE", "k", "SAMPLES", "0"));
            assertNull(c.call("MEMORY", "USAGE", "nosuch"));
            assertEquals(new RespClient.Err("ERR syntax error"), c.call("MEMORY", "USAGE", "k", "SAMPLES"));
            assertEquals(new RespClient.Err("ERR syntax error"), c.call("MEMORY", "USAGE", "k", "SAMPLES", "-1"));
            assertEquals(new RespClient.Err("ERR value is not an integer or out of range"), c.call("MEMORY", "USAGE", "k", "SAMPLES", "x"));
            @SuppressWarnings("unchecked")
            Map<Object, Object> stats = flat((List<Object>) c.call("MEMORY", "STATS"));
            assertTrue(stats.containsKey("db.3"));
            assertTrue((Long) stats.get("keys.count") >= 3);
            assertTrue(stats.containsKey("dataset.percentage"));
            assertTrue(c.call("MEMORY", "DOCTOR") instanceof String);
            assertTrue(c.call("MEMORY", "MALLOC-STATS") instanceof String);
            assertEquals(new RespClient.Status("OK"), c.call("MEMORY", "PURGE"));
        }
    }

    private static Map<Object, Object> flat(List<Object> l) {
        Map<Object, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < l.size(); i += 2) {
            m.put(l.get(i), l.get(i + 1));
        }
        return m;
    }

    @Test
    @SuppressWarnings("unchecked")
    void latencyMonitorAndHistogram() throws IOException {
        try (TestServer s = TestServer.start(Map.of("latency-monitor-threshold", "1", "enable-debug-command", "yes"));
             RespClient c = new RespClient(s.port())) {
            assertTrue(((String) c.call("LATENCY", "DOCTOR")).startsWith("Dave, no latency spike was observed"));
            c.call("DEBUG", "SLEEP", "0.02");
            List<Object> latest = (List<Object>) c.call("LATENCY", "LATEST");
            assertEquals(1, latest.size());
            List<Object> ev = (List<Object>) latest.get(0);
            assertEquals("command", ev.get(0));
            assertTrue((Long) ev.get(2) >= 20 && (Long) ev.get(3) >= 20, ev.toString());
            List<Object> history = (List<Object>) c.call("LATENCY", "HISTORY", "command");
            assertEquals(1, history.size());
            assertEquals(List.of(), c.call("LATENCY", "HISTORY", "nosuch"));
            assertTrue(((String) c.call("LATENCY", "DOCTOR")).contains("1. command: 1 latency spikes"));
            assertTrue(((String) c.call("LATENCY", "GRAPH", "command")).startsWith("command - high "));
            assertEquals(new RespClient.Err("ERR No samples available for event 'nosuch'"), c.call("LATENCY", "GRAPH", "nosuch"));
            assertEquals(0L, c.call("LATENCY", "RESET", "nosuch"));
            assertEquals(1L, c.call("LATENCY", "RESET"));
            assertEquals(List.of(), c.call("LATENCY", "LATEST"));

            c.call("SET", "a", "1");
            c.call("SET", "a", "2");
            Map<Object, Object> h = flat((List<Object>) c.call("LATENCY", "HISTOGRAM", "set", "nosuch"));
            assertEquals(List.of("set"), new ArrayList<>(h.keySet()));
            Map<Object, Object> set = flat((List<Object>) h.get("set"));
            assertEquals(2L, set.get("calls"));
            List<Object> buckets = (List<Object>) set.get("histogram_usec");
            assertEquals(2L, buckets.get(buckets.size() - 1), "cumulative: the last bucket counts every call");
        }
    }

    @Test
    void shutdownStopsTheInProcessServer() throws Exception {
        TestServer s = TestServer.start();
        int port = s.port();
        try (RespClient c = new RespClient(port)) {
            assertEquals(new RespClient.Err("ERR No shutdown in progress."), c.call("SHUTDOWN", "ABORT"));
            assertEquals(new RespClient.Err("ERR syntax error"), c.call("SHUTDOWN", "ABORT", "NOW"));
            assertEquals(new RespClient.Err("ERR syntax error"), c.call("SHUTDOWN", "SAVE", "NOSAVE"));
            assertEquals(new RespClient.Err("ERR syntax error"), c.call("SHUTDOWN", "foo"));
            c.send("SHUTDOWN", "NOSAVE");
            assertEquals(-1, c.readByte(), "the connection closes without a reply");
        }
        assertTrue(s.server().context().commandLoop().terminationFuture().await(5, java.util.concurrent.TimeUnit.SECONDS),
                "the command loop thread stops");
        assertThrows(IOException.class, () -> new Socket("127.0.0.1", port).close(), "nothing listens any more");
        s.close(); // idempotent after SHUTDOWN
    }
}
