package dev.podis.server.net;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests the parser lends (small, complete in one read, arguments of the same lengths one after
 * another, so that it reuses the same arrays) to commands that keep some of their arguments
 * (the collection pushes and adds, the counters): what they stored must be what each request
 * said, not the bytes of a later request written into a reused array.
 */
class BorrowedArgumentsTest {
    private static final int N = 300;

    private static byte[] request(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes all requests in one write and reads one reply (a line, or a bulk string) for each. */
    private static void pipeline(int port, List<byte[]> requests) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] r : requests) {
            all.write(r);
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(all.toByteArray());
            out.flush();
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            for (int replies = 0; replies < requests.size(); replies++) {
                String line = readLine(in);
                if (line.startsWith("-")) {
                    throw new AssertionError("an error reply after " + replies + " replies: " + line);
                }
                if (line.startsWith("$") && !line.equals("$-1")) {
                    in.readNBytes(Integer.parseInt(line.substring(1)) + 2); // the bulk string and its CRLF
                }
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in a reply");
            }
            if (prev == '\r' && b == '\n') {
                return sb.substring(0, sb.length() - 1);
            }
            sb.append((char) b);
            prev = b;
        }
    }

    @Test
    void keptArgumentsAreTheRequestsOwn() throws IOException {
        try (TestServer server = TestServer.start(); Jedis j = server.jedis()) {
            List<byte[]> requests = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                String n = String.format("%03d", i);
                // existing keys, new elements of the same length
                requests.add(request("SADD", "set", "m" + n));
                requests.add(request("HSET", "hash", "f" + n, "v" + n));
                requests.add(request("ZADD", "zset", String.valueOf(i % 10), "m" + n));
                requests.add(request("RPUSH", "list", "e" + n));
                requests.add(request("LPUSH", "list", "h" + n));
                requests.add(request("XADD", "stream", "*", "f", "s" + n));
                // a new key each time (the keyspace keeps the key), names of the same length
                requests.add(request("SADD", "s:" + n, "x"));
                requests.add(request("HSET", "h:" + n, "f", "v"));
                requests.add(request("ZADD", "z:" + n, "1", "m"));
                requests.add(request("RPUSH", "l:" + n, "a", "b"));
                requests.add(request("XADD", "x:" + n, "1-" + (i + 1), "f", "v" + n, "g", "w"));
                requests.add(request("INCRBY", "c:" + n, String.valueOf(i)));
                requests.add(request("INCR", "c:" + n));
            }
            for (int i = 0; i < N; i += 2) {
                requests.add(request("RPOP", "l:" + String.format("%03d", i)));
            }
            for (int i = 1; i < N; i += 2) {
                // emptied (and deleted) by a pop with a count, or pushed to only if it exists
                String key = "l:" + String.format("%03d", i);
                requests.add(i % 4 == 1 ? request("LPOP", key, "2") : request("LPUSHX", key, "z"));
            }
            for (int i = 0; i < N; i += 3) {
                // a value of the same length, overwritten in the hash table's entry
                requests.add(request("HSET", "hash", "f" + String.format("%03d", i), "w" + String.format("%03d", i)));
            }
            pipeline(server.port(), requests);

            Set<String> members = new HashSet<>();
            Map<String, String> hash = new HashMap<>();
            List<String> list = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                String n = String.format("%03d", i);
                members.add("m" + n);
                hash.put("f" + n, (i % 3 == 0 ? "w" : "v") + n);
                list.add(0, "h" + n);
            }
            for (int i = 0; i < N; i++) {
                list.add("e" + String.format("%03d", i));
            }
            assertEquals(members, j.smembers("set"));
            assertEquals(hash, j.hgetAll("hash"));
            assertEquals(members, new HashSet<>(j.zrange("zset", 0, -1)));
            for (int i = 0; i < N; i += 37) {
                assertEquals(i % 10, j.zscore("zset", "m" + String.format("%03d", i)));
            }
            assertEquals(list, j.lrange("list", 0, -1));
            List<String> streamValues = new ArrayList<>();
            for (StreamEntry e : j.xrange("stream", (StreamEntryID) null, null)) {
                streamValues.add(e.getFields().get("f"));
            }
            List<String> added = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                added.add("s" + String.format("%03d", i));
            }
            assertEquals(added, streamValues);
            for (int i = 0; i < N; i++) {
                String n = String.format("%03d", i);
                assertEquals(Set.of("x"), j.smembers("s:" + n), n);
                assertEquals(Map.of("f", "v"), j.hgetAll("h:" + n), n);
                assertEquals(List.of("m"), j.zrange("z:" + n, 0, -1), n);
                List<String> l = i % 2 == 0 ? List.of("a") : i % 4 == 1 ? List.of() : List.of("z", "a", "b");
                assertEquals(l, j.lrange("l:" + n, 0, -1), n);
                assertEquals(String.valueOf(i + 1), j.get("c:" + n), n);
                List<StreamEntry> x = j.xrange("x:" + n, (StreamEntryID) null, null);
                assertEquals(1, x.size(), n);
                assertEquals(new StreamEntryID(1, i + 1), x.get(0).getID(), n);
                assertEquals(Map.of("f", "v" + n, "g", "w"), x.get(0).getFields(), n);
            }
            assertEquals(5 + 6L * N - N / 4, j.dbSize()); // the lists emptied by LPOP are gone
            assertTrue(j.keys("*").containsAll(List.of("s:000", "h:" + String.format("%03d", N - 1))));
        }
    }

    /**
     * SADD and HSET run on borrowed keys; the collection they looked up is measured again later
     * under the keyspace's own key, not the reused array (which the last request of the batch,
     * with another key of the same length, overwrote).
     */
    @Test
    void collectionsWrittenFromBorrowedKeysAreMeasured() throws IOException {
        try (TestServer server = TestServer.start(); Jedis j = server.jedis()) {
            j.sadd("big", "seed");
            j.hset("hbig", "seed", "v");
            j.sadd("bag", "x");
            j.hset("hbag", "x", "v");
            long before = usedMemory(j);
            List<byte[]> requests = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                requests.add(request("SADD", "big", String.format("member:%06d", i)));
            }
            requests.add(request("SADD", "bag", String.format("member:%06d", 0)));
            for (int i = 0; i < 2000; i++) {
                requests.add(request("HSET", "hbig", String.format("field:%06d", i), "v".repeat(50)));
            }
            requests.add(request("HSET", "hbag", String.format("field:%06d", 0), "v".repeat(50)));
            pipeline(server.port(), requests);
            long grown = usedMemory(j) - before;
            assertEquals(2001, j.scard("big"));
            assertEquals(2001, j.hlen("hbig"));
            // at least the members' and values' own bytes
            assertTrue(grown > 2000L * (13 + 12 + 50), "used_memory grew by " + grown);
        }
    }

    private static long usedMemory(Jedis j) {
        for (String line : j.info("memory").split("\r\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()));
            }
        }
        throw new AssertionError("no used_memory in INFO");
    }

    @Test
    void requestsOfManyArgumentsKeepTheirOwnToo() throws IOException {
        try (TestServer server = TestServer.start(); Jedis j = server.jedis()) {
            List<byte[]> requests = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                String n = String.format("%03d", i);
                // MSET of 10 keys (21 arguments) and HSET of 8 fields (18), same lengths every time
                List<String> mset = new ArrayList<>(List.of("MSET"));
                List<String> hset = new ArrayList<>(List.of("HSET", "wide:" + n));
                for (int k = 0; k < 10; k++) {
                    mset.add("k" + k + ":" + n);
                    mset.add("v" + k + ":" + n);
                }
                for (int k = 0; k < 8; k++) {
                    hset.add("f" + k);
                    hset.add("v" + k + ":" + n);
                }
                requests.add(request(mset.toArray(new String[0])));
                requests.add(request(hset.toArray(new String[0])));
            }
            pipeline(server.port(), requests);
            for (int i = 0; i < N; i++) {
                String n = String.format("%03d", i);
                Map<String, String> wide = new HashMap<>();
                for (int k = 0; k < 10; k++) {
                    assertEquals("v" + k + ":" + n, j.get("k" + k + ":" + n));
                }
                for (int k = 0; k < 8; k++) {
                    wide.put("f" + k, "v" + k + ":" + n);
                }
                assertEquals(wide, j.hgetAll("wide:" + n));
            }
            assertEquals(11L * N, j.dbSize());
        }
    }
}
