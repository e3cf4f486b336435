package dev.podis.server.commands;

import dev.podis.server.TestServer;
import dev.podis.storage.StoredValue;
import dev.podis.storage.types.Listpack;
import dev.podis.storage.types.StreamValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.params.XTrimParams;
import redis.clients.jedis.resps.StreamConsumerInfo;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamInfo;
import redis.clients.jedis.resps.StreamPendingEntry;
import redis.clients.jedis.resps.StreamPendingSummary;

import java.io.ByteArrayOutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Streams over TCP: Jedis's stream API, blocking reads with several connections, and two
 * comparisons with a real redis-server: the nodes' bytes against Redis's DUMP, and random
 * writes whose replies must be byte for byte Redis's.
 */
class StreamCommandsTest {
    static TestServer server;
    static RealRedis redis;
    Jedis j;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        redis = RealRedis.start();
    }

    @AfterAll
    static void stop() {
        server.close();
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void connect() throws Exception {
        j = server.jedis();
        j.flushAll();
        waitBlocked(0);
    }

    @AfterEach
    void disconnect() {
        j.close();
    }

    private long blockedClients() {
        for (String line : j.info("clients").split("\r\n")) {
            if (line.startsWith("blocked_clients:")) {
                return Long.parseLong(line.substring("blocked_clients:".length()));
            }
        }
        throw new AssertionError("no blocked_clients in INFO");
    }

    private void waitBlocked(long n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (blockedClients() != n) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("expected " + n + " blocked clients, got " + blockedClients());
            }
            Thread.sleep(5);
        }
    }

    private static List<Object> entry(String id, String... fieldsAndValues) {
        return List.of(id, List.of(fieldsAndValues));
    }

    // ------------------------------------------------------------------ Jedis API

    @Test
    void jedisStreamApi() {
        StreamEntryID first = j.xadd("s", XAddParams.xAddParams().id("1-1"), Map.of("a", "1"));
        assertEquals(new StreamEntryID(1, 1), first);
        StreamEntryID auto = j.xadd("s", XAddParams.xAddParams(), Map.of("b", "2"));
        assertTrue(auto.getTime() >= System.currentTimeMillis() - 60_000);
        assertEquals(2, j.xlen("s"));
        List<StreamEntry> all = j.xrange("s", (StreamEntryID) null, null);
        assertEquals(List.of(first, auto), all.stream().map(StreamEntry::getID).toList());
        assertEquals(Map.of("a", "1"), all.get(0).getFields());
        assertEquals(auto, j.xrevrange("s", (StreamEntryID) null, null, 1).get(0).getID());

        assertEquals("OK", j.xgroupCreate("s", "g", new StreamEntryID(0, 0), false));
        List<Map.Entry<String, List<StreamEntry>>> read = j.xreadGroup("g", "alice",
                XReadGroupParams.xReadGroupParams().count(1), Map.of("s", StreamEntryID.UNRECEIVED_ENTRY));
        assertEquals("s", read.get(0).getKey());
        assertEquals(first, read.get(0).getValue().get(0).getID());
        StreamPendingSummary summary = j.xpending("s", "g");
        assertEquals(1, summary.getTotal());
        assertEquals(Map.of("alice", 1L), summary.getConsumerMessageCount());
        List<StreamPendingEntry> pending = j.xpending("s", "g", XPendingParams.xPendingParams().count(10));
        assertEquals("alice", pending.get(0).getConsumerName());
        assertEquals(1, pending.get(0).getDeliveredTimes());

        List<StreamEntryID> claimed = j.xclaimJustId("s", "g", "bob", 0, XClaimParams.xClaimParams(), first);
        assertEquals(List.of(first), claimed);
        Map.Entry<StreamEntryID, List<StreamEntryID>> auto2 = j.xautoclaimJustId("s", "g", "carol", 0,
                new StreamEntryID(0, 0), XAutoClaimParams.xAutoClaimParams().count(10));
        assertEquals(List.of(first), auto2.getValue());
        assertEquals(1, j.xack("s", "g", first));
        assertEquals(0, j.xpending("s", "g").getTotal());

        StreamInfo info = j.xinfoStream("s");
        assertEquals(2, info.getLength());
        assertEquals(1, info.getGroups());
        assertEquals(auto, info.getLastGeneratedId());
        List<StreamGroupInfo> groups = j.xinfoGroups("s");
        assertEquals("g", groups.get(0).getName());
        assertEquals(3, groups.get(0).getConsumers());
        List<StreamConsumerInfo> consumers = j.xinfoConsumers2("s", "g");
        assertEquals(List.of("alice", "bob", "carol"), consumers.stream().map(StreamConsumerInfo::getName).toList());
        assertTrue(consumers.get(0).getInactive() >= 0, "alice read an entry");

        assertEquals(1, j.xdel("s", first));
        assertEquals(1, j.xtrim("s", XTrimParams.xTrimParams().maxLen(0)));
        assertEquals(0, j.xlen("s"));
        assertTrue(j.exists("s"), "an empty stream stays");
        List<Map.Entry<String, List<StreamEntry>>> none = j.xread(XReadParams.xReadParams().count(1),
                Map.of("s", new StreamEntryID(0, 0)));
        assertTrue(none == null || none.isEmpty());
    }

    @Test
    void genericKeyCommands() {
        j.xadd("s", XAddParams.xAddParams().id("1-1"), Map.of("f", "v"));
        assertEquals("stream", j.type("s"));
        assertEquals("stream", j.objectEncoding("s"));
        assertTrue(j.memoryUsage("s") > 0);
        j.xgroupCreate("s", "g", new StreamEntryID(0, 0), false);
        j.xreadGroup("g", "c", XReadGroupParams.xReadGroupParams(), Map.of("s", StreamEntryID.UNRECEIVED_ENTRY));
        assertTrue(j.copy("s", "c", false));
        j.xadd("c", XAddParams.xAddParams().id("2-1"), Map.of("f", "v"));
        j.xack("c", "g", new StreamEntryID(1, 1));
        assertEquals(1, j.xlen("s"), "the copy is independent");
        assertEquals(1, j.xpending("s", "g").getTotal());
        assertEquals(0, j.xpending("c", "g").getTotal());
        j.rename("c", "d");
        assertEquals(2, j.xlen("d"));
        assertEquals(List.of("s"), j.scan("0", new redis.clients.jedis.params.ScanParams(), "stream").getResult()
                .stream().filter(k -> k.equals("s")).toList());
        assertEquals(1, j.del("s", "d") - 1);
    }

    @Test
    void largeStreamAcrossManyNodes() {
        Transaction t = j.multi();
        for (int i = 1; i <= 5000; i++) {
            t.xadd("big", XAddParams.xAddParams().id(i + "-0"), Map.of("n", Integer.toString(i), "tag", i % 7 == 0 ? "x" : "y"));
        }
        t.exec();
        assertEquals(5000, j.xlen("big"));
        assertEquals(50, j.xinfoStream("big").getRadixTreeKeys());
        List<StreamEntry> mid = j.xrange("big", new StreamEntryID(2495, 0), new StreamEntryID(2505, 0));
        assertEquals(11, mid.size());
        assertEquals("2500", mid.get(5).getFields().get("n"));
        List<StreamEntry> rev = j.xrevrange("big", new StreamEntryID(3001, 0), new StreamEntryID(2990, 0), 5);
        assertEquals(List.of(3001L, 3000L, 2999L, 2998L, 2997L), rev.stream().map(e -> e.getID().getTime()).toList());
        assertEquals(4000, j.xtrim("big", XTrimParams.xTrimParams().maxLen(1000).approximateTrimming()));
        assertEquals(1000, j.xlen("big"));
        assertEquals(new StreamEntryID(4001, 0), j.xrange("big", (StreamEntryID) null, null, 1).get(0).getID());
    }

    // ------------------------------------------------------------------ blocking

    @Test
    void blockedReadersAreServedByXaddFromAnotherClient() throws Exception {
        j.xadd("s", XAddParams.xAddParams().id("1-1"), Map.of("f", "v"));
        try (RespClient a = new RespClient(server.port()); RespClient b = new RespClient(server.port());
             RespClient c = new RespClient(server.port())) {
            a.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
            b.send("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "x", "s", "$", "1-1");
            c.send("XREAD", "BLOCK", "0", "STREAMS", "s", "0-0");
            assertEquals(List.of(List.of("s", List.of(entry("1-1", "f", "v")))), c.read(), "data at hand: no wait");
            waitBlocked(2);
            j.xadd("s", XAddParams.xAddParams().id("2-1"), Map.of("g", "w"));
            List<Object> expected = List.of(List.of("s", List.of(entry("2-1", "g", "w"))));
            assertEquals(expected, a.read());
            assertEquals(expected, b.read());
            assertEquals(0, blockedClients());
        }
    }

    @Test
    void consumersOfOneGroupShareNewEntriesFirstComeFirstServed() throws Exception {
        j.xgroupCreate("q", "workers", StreamEntryID.XGROUP_LAST_ENTRY, true);
        try (RespClient a = new RespClient(server.port()); RespClient b = new RespClient(server.port())) {
            a.send("XREADGROUP", "GROUP", "workers", "a", "COUNT", "1", "BLOCK", "0", "STREAMS", "q", ">");
            waitBlocked(1);
            b.send("XREADGROUP", "GROUP", "workers", "b", "COUNT", "1", "BLOCK", "0", "STREAMS", "q", ">");
            waitBlocked(2);
            j.xadd("q", XAddParams.xAddParams().id("1-1"), Map.of("job", "1"));
            assertEquals(List.of(List.of("q", List.of(entry("1-1", "job", "1")))), a.read());
            waitBlocked(1);
            Transaction t = j.multi();
            t.xadd("q", XAddParams.xAddParams().id("2-1"), Map.of("job", "2"));
            t.xadd("q", XAddParams.xAddParams().id("3-1"), Map.of("job", "3"));
            t.exec();
            assertEquals(List.of(List.of("q", List.of(entry("2-1", "job", "2")))), b.read(), "COUNT 1, after EXEC");
            assertEquals(Map.of("a", 1L, "b", 1L), j.xpending("q", "workers").getConsumerMessageCount());
            assertEquals(1L, j.xinfoGroups("q").get(0).getGroupInfo().get("lag"));
        }
    }

    @Test
    void blockedXreadgroupGetsAnErrorWhenItsKeyOrGroupGoes() throws Exception {
        try (RespClient a = new RespClient(server.port())) {
            j.xgroupCreate("q", "g", StreamEntryID.XGROUP_LAST_ENTRY, true);
            a.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "q", ">");
            waitBlocked(1);
            j.del("q");
            assertEquals(new RespClient.Err("NOGROUP No such key 'q' or consumer group 'g' in XREADGROUP with GROUP option"),
                    a.read());

            j.xgroupCreate("q", "g", StreamEntryID.XGROUP_LAST_ENTRY, true);
            a.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "q", ">");
            waitBlocked(1);
            j.xgroupDestroy("q", "g");
            assertEquals(new RespClient.Err("NOGROUP No such key 'q' or consumer group 'g' in XREADGROUP with GROUP option"),
                    a.read());

            j.xgroupCreate("q", "g", StreamEntryID.XGROUP_LAST_ENTRY, false);
            a.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "q", ">");
            waitBlocked(1);
            j.set("q", "now a string");
            assertEquals(new RespClient.Err(Args.WRONGTYPE), a.read());

            j.del("q");
            j.xgroupCreate("q", "g", StreamEntryID.XGROUP_LAST_ENTRY, true);
            j.pexpire("q", 30);
            a.send("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "q", ">");
            // the active expiry removes the key; the waiter hears about it without any other command
            Object expired = a.read();
            assertEquals(new RespClient.Err("NOGROUP No such key 'q' or consumer group 'g' in XREADGROUP with GROUP option"),
                    expired);
            assertEquals(0, blockedClients());
        }
    }

    @Test
    void xreadKeepsWaitingWhenTheKeyIsDeletedOrRetyped() throws Exception {
        j.xadd("s", XAddParams.xAddParams().id("5-1"), Map.of("f", "v"));
        try (RespClient a = new RespClient(server.port())) {
            a.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
            waitBlocked(1);
            j.del("s");
            j.set("s", "x");
            j.del("s");
            j.xadd("s", XAddParams.xAddParams().id("1-1"), Map.of("f", "old"));
            j.xadd("s", XAddParams.xAddParams().id("6-1"), Map.of("f", "new"));
            // "$" was 5-1 when the wait began: the re-created stream serves only what is above it
            assertEquals(List.of(List.of("s", List.of(entry("6-1", "f", "new")))), a.read());
        }
    }

    @Test
    void timeoutsUnblockAndDisconnects() throws Exception {
        try (RespClient a = new RespClient(server.port())) {
            long start = System.nanoTime();
            assertEquals("*-1\r\n", new String(a.raw("XREAD", "BLOCK", "100", "STREAMS", "s", "$")));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(95));
            long id = (Long) a.call("CLIENT", "ID");
            a.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
            waitBlocked(1);
            assertEquals(1L, j.clientUnblock(id));
            assertNull(a.read());
            j.xgroupCreate("s", "g", StreamEntryID.XGROUP_LAST_ENTRY, true);
            a.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
            waitBlocked(1);
            assertEquals(1L, (Long) Cmd.run(j, "CLIENT", "UNBLOCK", Long.toString(id), "ERROR"));
            assertEquals(new RespClient.Err("UNBLOCKED client unblocked via CLIENT UNBLOCK"), a.read());
            a.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
            a.send("PING");
            waitBlocked(1);
            a.socket().setSoTimeout(150);
            assertThrows(SocketTimeoutException.class, a::read, "nothing answered while blocked");
            a.socket().setSoTimeout(10_000);
        }
        waitBlocked(0); // the closed connection left nothing behind
        j.xadd("s", XAddParams.xAddParams().id("9-9"), Map.of("f", "v"));
        assertEquals(1, j.xlen("s"));
    }

    @Test
    void jedisBlockingReadOnAThread() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Jedis reader = server.jedis()) {
            Future<List<Map.Entry<String, List<StreamEntry>>>> f = pool.submit(() -> reader.xread(
                    XReadParams.xReadParams().block(0), Map.of("events", StreamEntryID.XREAD_NEW_ENTRY)));
            waitBlocked(1);
            StreamEntryID id = j.xadd("events", XAddParams.xAddParams(), Map.of("type", "click"));
            List<Map.Entry<String, List<StreamEntry>>> got = f.get(5, TimeUnit.SECONDS);
            assertEquals(id, got.get(0).getValue().get(0).getID());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void xaddInvalidatesWatch() {
        j.xadd("s", XAddParams.xAddParams().id("1-1"), Map.of("f", "v"));
        j.watch("s");
        try (Jedis other = server.jedis()) {
            other.xadd("s", XAddParams.xAddParams().id("2-1"), Map.of("f", "v"));
        }
        Transaction t = j.multi();
        t.xlen("s");
        assertNull(t.exec());
    }

    // ------------------------------------------------------------------ against a real Redis

    private static StreamValue podisStream(String key) throws Exception {
        var context = server.server().context();
        return context.commandLoop().submit(() -> {
            StoredValue v = context.keyspace().db(0).peek(key.getBytes(StandardCharsets.UTF_8));
            return (StreamValue) v.object();
        }).get();
    }

    /** The (master ID, listpack) pairs of a stream in Redis's DUMP payload (RDB stream type, uncompressed). */
    private static List<byte[][]> dumpNodes(byte[] dump) {
        int[] pos = {1};
        long n = rdbLen(dump, pos);
        List<byte[][]> nodes = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            byte[] key = rdbString(dump, pos);
            byte[] lp = rdbString(dump, pos);
            nodes.add(new byte[][] {key, lp});
        }
        return nodes;
    }

    private static long rdbLen(byte[] b, int[] pos) {
        int first = b[pos[0]] & 0xFF;
        int type = first >> 6;
        if (type == 0) {
            pos[0]++;
            return first & 0x3F;
        }
        if (type == 1) {
            long v = (first & 0x3F) << 8 | (b[pos[0] + 1] & 0xFF);
            pos[0] += 2;
            return v;
        }
        if (first == 0x80) {
            long v = (b[pos[0] + 1] & 0xFFL) << 24 | (b[pos[0] + 2] & 0xFF) << 16 | (b[pos[0] + 3] & 0xFF) << 8
                    | (b[pos[0] + 4] & 0xFF);
            pos[0] += 5;
            return v;
        }
        throw new AssertionError("unexpected RDB length encoding " + first);
    }

    private static byte[] rdbString(byte[] b, int[] pos) {
        int len = (int) rdbLen(b, pos);
        byte[] out = Arrays.copyOfRange(b, pos[0], pos[0] + len);
        pos[0] += len;
        return out;
    }

    @Test
    void nodesAreByteIdenticalToRedis() throws Exception {
        assumeTrue(redis != null, "redis-server is not installed");
        try (Jedis r = new Jedis("127.0.0.1", redis.port())) {
            r.flushAll();
            r.configSet("rdbcompression", "no");
            r.configSet("stream-node-max-entries", "7");
            j.configSet("stream-node-max-entries", "7");
            Random rnd = new Random(42);
            for (Jedis c : List.of(r, j)) {
                rnd.setSeed(42);
                for (int i = 1; i <= 60; i++) {
                    int nf = 1 + rnd.nextInt(3);
                    List<String> args = new ArrayList<>(List.of("XADD", "s", (i * 1000 + rnd.nextInt(999)) + "-" + rnd.nextInt(5)));
                    for (int k = 0; k < nf; k++) {
                        args.add(rnd.nextInt(4) == 0 ? "other" + k : "field" + k);
                        args.add(switch (rnd.nextInt(5)) {
                            case 0 -> Integer.toString(rnd.nextInt(1 << 20) - (1 << 19));
                            case 1 -> Long.toString(rnd.nextLong());
                            case 2 -> "v".repeat(rnd.nextInt(80));
                            case 3 -> "0" + rnd.nextInt(100);
                            default -> Integer.toString(rnd.nextInt(128));
                        });
                    }
                    Cmd.run(c, args.toArray(new String[0]));
                }
                Cmd.run(c, "XDEL", "s", "5000-0", "5000-1", "5000-2", "5000-3", "5000-4", "9000-1", "9000-2");
                Cmd.run(c, "XTRIM", "s", "MAXLEN", "50");
            }
            r.configSet("stream-node-max-entries", "100");
            j.configSet("stream-node-max-entries", "100");
            List<byte[][]> expected = dumpNodes(r.dump("s"));
            StreamValue s = podisStream("s");
            assertEquals(expected.size(), s.nodeCount());
            for (int i = 0; i < expected.size(); i++) {
                ByteArrayOutputStream key = new ByteArrayOutputStream();
                long ms = s.nodeMasterId(i).ms();
                long seq = s.nodeMasterId(i).seq();
                for (int k = 7; k >= 0; k--) {
                    key.write((int) (ms >>> (8 * k)));
                }
                for (int k = 7; k >= 0; k--) {
                    key.write((int) (seq >>> (8 * k)));
                }
                assertArrayEquals(expected.get(i)[0], key.toByteArray(), "master ID of node " + i);
                assertArrayEquals(expected.get(i)[1], Listpack.shrinkToFit(s.nodeListpack(i)), "listpack of node " + i);
            }
            r.configSet("rdbcompression", "yes");
        }
    }

    @Test
    void randomWritesReplyAsRedisDoes() throws Exception {
        assumeTrue(redis != null, "redis-server is not installed");
        try (RespClient p = new RespClient(server.port()); RespClient r = new RespClient(redis.port())) {
            r.call("FLUSHALL");
            for (RespClient c : List.of(p, r)) {
                c.call("CONFIG", "SET", "stream-node-max-entries", "4");
                c.call("CONFIG", "SET", "stream-node-max-bytes", "120");
            }
            Random rnd = new Random(5);
            long ms = 1;
            for (int op = 0; op < 1500; op++) {
                List<String> cmd = new ArrayList<>();
                switch (rnd.nextInt(12)) {
                    case 0, 1, 2, 3 -> {
                        ms += rnd.nextInt(3);
                        cmd.addAll(List.of("XADD", "k"));
                        if (rnd.nextInt(5) == 0) {
                            cmd.addAll(List.of("MAXLEN", rnd.nextBoolean() ? "~" : "=", Integer.toString(rnd.nextInt(40))));
                        }
                        cmd.add(rnd.nextInt(3) == 0 ? ms + "-*" : ms + "-" + rnd.nextInt(3));
                        int nf = 1 + rnd.nextInt(2);
                        for (int i = 0; i < nf; i++) {
                            cmd.add(rnd.nextBoolean() ? "f" + i : "g" + i);
                            cmd.add(rnd.nextBoolean() ? Integer.toString(rnd.nextInt(5000)) : "x".repeat(rnd.nextInt(30)));
                        }
                    }
                    case 4 -> cmd.addAll(List.of("XDEL", "k", rnd.nextInt((int) ms + 1) + "-" + rnd.nextInt(3),
                            rnd.nextInt((int) ms + 1) + "-" + rnd.nextInt(3)));
                    case 5 -> cmd.addAll(List.of("XTRIM", "k", "MAXLEN", rnd.nextBoolean() ? "~" : "=",
                            Integer.toString(rnd.nextInt(50))));
                    case 6 -> cmd.addAll(List.of("XTRIM", "k", "MINID", rnd.nextBoolean() ? "~" : "=",
                            rnd.nextInt((int) ms + 1) + "-" + rnd.nextInt(3)));
                    case 7 -> cmd.addAll(List.of("XRANGE", "k", rnd.nextInt((int) ms + 1) + "", "+", "COUNT",
                            Integer.toString(1 + rnd.nextInt(6))));
                    case 8 -> cmd.addAll(List.of("XREVRANGE", "k", "+", "(" + rnd.nextInt((int) ms + 1) + "-1"));
                    case 9 -> cmd.addAll(List.of("XINFO", "STREAM", "k"));
                    case 10 -> cmd.addAll(List.of("XINFO", "STREAM", "k", "FULL", "COUNT", "3"));
                    default -> cmd.addAll(List.of("XREAD", "COUNT", "3", "STREAMS", "k",
                            rnd.nextInt((int) ms + 1) + "-" + rnd.nextInt(3)));
                }
                String[] args = cmd.toArray(new String[0]);
                String expected = new String(r.raw(args), StandardCharsets.ISO_8859_1);
                String actual = new String(p.raw(args), StandardCharsets.ISO_8859_1);
                assertEquals(expected, actual, "op " + op + ": " + String.join(" ", cmd));
            }
            for (RespClient c : List.of(p, r)) {
                c.call("CONFIG", "SET", "stream-node-max-entries", "100");
                c.call("CONFIG", "SET", "stream-node-max-bytes", "4096");
            }
            assertFalse(p.call("XLEN", "k").equals(0L) && r.call("XLEN", "k").equals(0L), "the run ends with entries");
        }
    }
}
