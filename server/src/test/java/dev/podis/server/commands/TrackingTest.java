package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Client-side caching (CLIENT TRACKING) against a real redis-server: each scenario runs the same
 * steps on both servers over raw connections and records every reply and every invalidation
 * message, byte for byte; the two transcripts must be equal. Messages that arrive on their own
 * are collected by sending PING on the receiving connection and reading up to its PONG (Redis
 * writes pending invalidations, BCAST ones included, before it answers anything read later).
 */
class TrackingTest {
    static TestServer podis;
    static RealRedis redis;

    @BeforeAll
    static void start() {
        podis = TestServer.start(Map.of("enable-debug-command", "yes"));
        redis = RealRedis.start();
    }

    @AfterAll
    static void stop() {
        podis.close();
        if (redis != null) {
            redis.close();
        }
    }

    /** One scenario's record of what a server answered and pushed. */
    static final class Transcript {
        final int port;
        final List<String> lines = new ArrayList<>();
        final List<RespClient> open = new ArrayList<>();

        Transcript(int port) {
            this.port = port;
        }

        RespClient connect(int protocol) throws IOException {
            RespClient c = new RespClient(port);
            open.add(c);
            if (protocol == 3) {
                c.call("HELLO", "3");
            }
            return c;
        }

        /** Runs a command and records its reply. */
        void run(RespClient c, String... args) throws IOException {
            lines.add(String.join(" ", args) + " -> " + text(c.raw(args)));
        }

        /** Runs a command naming a client id, recorded as {@code label}. */
        void runLabeled(RespClient c, String label, String... args) throws IOException {
            lines.add(label + " -> " + text(c.raw(args)));
        }

        /** Waits until the server has seen the connection of client {@code id} close. */
        void awaitGone(RespClient c, long id) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                Object r = c.call("CLIENT", "LIST", "ID", Long.toString(id));
                String list = r instanceof RespClient.Verbatim v ? v.text() : (String) r;
                if (list.isEmpty()) {
                    return;
                }
                Thread.sleep(5);
            }
            throw new AssertionError("client " + id + " is still connected");
        }

        /** Runs a command naming a client id, recording {@code label} and whether it was answered with an error. */
        Object call(RespClient c, String label, String... args) throws IOException {
            Object r = c.call(args);
            lines.add(label + " -> " + (r instanceof RespClient.Err ? "error" : "answered"));
            return r;
        }

        /** Records what {@code c} received since its last reply: everything before the reply to a PING. */
        void pushes(RespClient c, String who) throws IOException {
            c.send("PING");
            List<String> got = new ArrayList<>();
            while (true) {
                String s = new String(c.readRaw(), StandardCharsets.UTF_8);
                if (s.equals("+PONG\r\n") || s.equals("*2\r\n$4\r\npong\r\n$0\r\n\r\n")) {
                    break;
                }
                got.add(text(s.getBytes(StandardCharsets.UTF_8)));
            }
            lines.add(who + " received " + got);
        }

        void note(String what, Object value) {
            lines.add(what + ": " + value);
        }

        void close() throws IOException {
            for (RespClient c : open) {
                c.close();
            }
        }
    }

    @FunctionalInterface
    interface Scenario {
        void run(Transcript t) throws Exception;
    }

    /** Runs {@code s} on both servers (Redis flushed first) and compares the transcripts. */
    private static void compare(Scenario s) throws Exception {
        assumeTrue(redis != null, "redis-server is not installed");
        List<String> expected = play(s, redis.port());
        List<String> actual = play(s, podis.port());
        assertEquals(String.join("\n", expected), String.join("\n", actual));
        assertTrue(expected.stream().anyMatch(l -> l.contains("invalidate")) || expected.size() > 3,
                "the scenario should exercise something");
    }

    private static List<String> play(Scenario s, int port) throws Exception {
        Transcript t = new Transcript(port);
        try {
            RespClient admin = t.connect(2);
            admin.call("FLUSHALL");
            admin.call("CONFIG", "SET", "tracking-table-max-keys", "1000000");
            s.run(t);
            return t.lines;
        } finally {
            t.close();
        }
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8).replace("\r\n", "\\r\\n");
    }

    private static String info(RespClient c, String field) throws IOException {
        Object r = c.call("INFO", "all");
        String all = r instanceof RespClient.Verbatim v ? v.text() : (String) r;
        for (String line : all.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line;
            }
        }
        return field + " missing";
    }

    private static String clientListField(RespClient c, String field) throws IOException {
        Object r = c.call("CLIENT", "INFO");
        String line = r instanceof RespClient.Verbatim v ? v.text() : (String) r;
        for (String part : line.trim().split(" ")) {
            if (part.startsWith(field + "=")) {
                return part;
            }
        }
        return field + " missing";
    }

    // ---------------------------------------------------------------- default mode

    @Test
    void defaultModeInvalidatesKeysReadInResp3() throws Exception {
        compare(t -> {
            RespClient tracked = t.connect(3);
            RespClient other = t.connect(2);
            t.run(tracked, "CLIENT", "TRACKING", "ON");
            t.run(tracked, "CLIENT", "TRACKINGINFO");
            t.run(tracked, "CLIENT", "GETREDIR");
            t.note("flags", clientListField(tracked, "flags"));
            t.note("redir", clientListField(tracked, "redir"));
            t.run(other, "SET", "k", "1");
            t.run(tracked, "GET", "k");
            t.run(tracked, "MGET", "k", "k2", "k3");
            t.note("clients", info(other, "tracking_clients"));
            t.note("keys", info(other, "tracking_total_keys"));
            t.note("items", info(other, "tracking_total_items"));
            t.run(other, "SET", "k", "2");
            t.run(other, "DEL", "k3");
            t.pushes(tracked, "tracked");
            // k is no longer tracked until it is read again; k2 still is
            t.run(other, "SET", "k", "3");
            t.run(other, "APPEND", "k2", "x");
            t.pushes(tracked, "tracked");
            t.note("keys", info(other, "tracking_total_keys"));
            // reads of every family, changed by every family
            t.run(other, "RPUSH", "l", "a");
            t.run(other, "HSET", "h", "f", "v");
            t.run(other, "SADD", "s", "m");
            t.run(other, "ZADD", "z", "1", "m");
            t.run(tracked, "LRANGE", "l", "0", "-1");
            t.run(tracked, "HGET", "h", "f");
            t.run(tracked, "SISMEMBER", "s", "m");
            t.run(tracked, "ZSCORE", "z", "m");
            t.run(tracked, "EXISTS", "e1", "e2");
            t.run(tracked, "TTL", "l");
            t.run(other, "LPUSH", "l", "b");
            t.run(other, "HDEL", "h", "f");
            t.run(other, "SREM", "s", "m");
            t.run(other, "ZINCRBY", "z", "1", "m");
            t.run(other, "SET", "e2", "v");
            t.run(other, "EXPIRE", "l", "100");
            t.pushes(tracked, "tracked");
            // writes are not tracked; its own change follows its reply
            t.run(tracked, "SET", "mine", "1");
            t.run(tracked, "GET", "mine");
            t.run(tracked, "INCR", "mine");
            t.pushes(tracked, "tracked");
            // tracking is per key name, whatever the database
            t.run(tracked, "GET", "x");
            t.run(other, "SELECT", "5");
            t.run(other, "SET", "x", "1");
            t.pushes(tracked, "tracked");
            // flushes invalidate everything, once
            t.run(tracked, "GET", "y");
            t.run(other, "FLUSHALL");
            t.pushes(tracked, "tracked");
            t.run(other, "FLUSHDB");
            t.pushes(tracked, "tracked");
            t.run(tracked, "FLUSHALL");
            t.pushes(tracked, "tracked");
            t.note("keys after flush", info(other, "tracking_total_keys"));
            t.run(tracked, "CLIENT", "TRACKING", "OFF");
            t.run(tracked, "CLIENT", "TRACKINGINFO");
            t.note("flags", clientListField(tracked, "flags"));
            t.run(tracked, "GET", "z1");
            t.run(other, "SET", "z1", "1");
            t.pushes(tracked, "tracked");
            t.note("clients", info(other, "tracking_clients"));
        });
    }

    @Test
    void expiryAndTransactionsInvalidate() throws Exception {
        compare(t -> {
            RespClient tracked = t.connect(3);
            RespClient other = t.connect(2);
            t.run(other, "DEBUG", "SET-ACTIVE-EXPIRE", "0");
            t.run(tracked, "CLIENT", "TRACKING", "ON");
            t.run(other, "SET", "warm", "up"); // the first write after a flush may take a while (off-heap map)
            t.run(other, "SET", "e", "v", "PX", "500");
            t.run(tracked, "GET", "e");
            t.run(other, "DEBUG", "SLEEP", "0.55");
            t.run(other, "EXISTS", "e"); // expires it
            t.pushes(tracked, "tracked");
            t.run(tracked, "MULTI");
            t.run(tracked, "GET", "a");
            t.run(tracked, "SET", "a", "1");
            t.run(tracked, "GET", "b");
            t.run(tracked, "SET", "b", "1");
            t.run(tracked, "EXEC");
            t.pushes(tracked, "tracked");
            t.run(tracked, "GET", "b");
            t.run(other, "MULTI");
            t.run(other, "SET", "b", "2");
            t.run(other, "SET", "c", "2");
            t.run(other, "EXEC");
            t.pushes(tracked, "tracked");
            t.run(other, "DEBUG", "SET-ACTIVE-EXPIRE", "1");
        });
    }

    // ---------------------------------------------------------------- redirection

    @Test
    void resp2RedirectGoesThroughTheInvalidateChannel() throws Exception {
        compare(t -> {
            RespClient receiver = t.connect(2);
            RespClient tracked = t.connect(2);
            RespClient other = t.connect(2);
            long id = (Long) receiver.call("CLIENT", "ID");
            t.run(receiver, "SUBSCRIBE", "__redis__:invalidate");
            t.call(tracked, "CLIENT TRACKING ON REDIRECT receiver", "CLIENT", "TRACKING", "ON", "REDIRECT", Long.toString(id));
            t.note("getredir is the receiver", id == (Long) tracked.call("CLIENT", "GETREDIR"));
            t.note("redir field is the receiver", clientListField(tracked, "redir").equals("redir=" + id));
            t.run(tracked, "GET", "k");
            t.run(tracked, "GET", "j");
            t.run(other, "SET", "k", "1");
            t.run(tracked, "SET", "j", "1"); // no NOLOOP: its own change is reported too
            t.pushes(receiver, "receiver");
            t.run(other, "FLUSHDB");
            t.pushes(receiver, "receiver");
            // RESP2 without a redirect: accepted, nothing is ever sent
            t.run(other, "CLIENT", "TRACKING", "ON");
            t.run(other, "GET", "k");
            t.run(tracked, "SET", "k", "2");
            t.run(other, "PING");
            // the receiver goes: the redirect breaks
            t.run(tracked, "GET", "k");
            receiver.close();
            t.awaitGone(other, id);
            t.run(other, "SET", "k", "3");
            t.run(tracked, "PING");
            t.note("flags", clientListField(tracked, "flags"));
            t.run(tracked, "CLIENT", "TRACKING", "OFF");
            t.note("flags", clientListField(tracked, "flags"));
        });
    }

    @Test
    void resp3RedirectToAGoneClientIsReported() throws Exception {
        compare(t -> {
            RespClient receiver = t.connect(3);
            RespClient tracked = t.connect(3);
            RespClient other = t.connect(2);
            long id = (Long) receiver.call("CLIENT", "ID");
            t.call(tracked, "CLIENT TRACKING ON REDIRECT receiver", "CLIENT", "TRACKING", "ON", "REDIRECT", Long.toString(id));
            t.run(tracked, "GET", "k");
            t.run(other, "SET", "k", "1");
            t.pushes(receiver, "receiver (RESP3, not subscribed)");
            t.run(tracked, "GET", "k");
            receiver.close();
            t.awaitGone(other, id);
            t.run(other, "SET", "k", "2");
            Object broken = tracked.call("PING");
            List<Object> pushes = new ArrayList<>();
            while (!(broken instanceof RespClient.Status)) {
                pushes.add(broken instanceof List<?> l ? l.get(0) + " " + (l.get(1).equals(id)) : broken);
                broken = tracked.read();
            }
            t.note("tracked received", pushes);
            Object info = tracked.call("CLIENT", "TRACKINGINFO");
            t.note("trackinginfo flags", ((Map<?, ?>) info).get("flags"));
            t.note("flags", clientListField(tracked, "flags"));
        });
    }

    // ---------------------------------------------------------------- BCAST, OPTIN, OPTOUT, NOLOOP

    @Test
    void broadcastModeWithPrefixes() throws Exception {
        compare(t -> {
            RespClient tracked = t.connect(3);
            RespClient other = t.connect(2);
            t.run(tracked, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:", "PREFIX", "obj:");
            t.run(tracked, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a");
            t.run(tracked, "CLIENT", "TRACKINGINFO");
            t.note("flags", clientListField(tracked, "flags"));
            t.note("prefixes", info(other, "tracking_total_prefixes"));
            t.run(other, "MSET", "user:2", "x", "user:1", "y", "obj:9", "z", "other", "w", "abc", "v");
            t.pushes(tracked, "tracked");
            t.run(other, "DEL", "user:1");
            t.run(other, "SET", "nothing", "1");
            t.pushes(tracked, "tracked");
            // its own changes are broadcast too without NOLOOP
            t.run(tracked, "SET", "obj:1", "1");
            t.pushes(tracked, "tracked");
            t.run(tracked, "CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP");
            t.run(tracked, "SET", "obj:2", "1");
            t.run(tracked, "PING");
            t.run(other, "SET", "obj:3", "1");
            t.pushes(tracked, "tracked");
            // reads are not tracked in BCAST mode
            t.run(tracked, "GET", "zzz");
            t.run(other, "SET", "zzz", "1");
            t.pushes(tracked, "tracked");
            t.run(tracked, "CLIENT", "TRACKING", "OFF");
            t.note("prefixes", info(other, "tracking_total_prefixes"));
            // the empty prefix: every key
            t.run(tracked, "CLIENT", "TRACKING", "ON", "BCAST");
            t.run(tracked, "CLIENT", "TRACKINGINFO");
            t.run(other, "SET", "anything", "1");
            t.run(other, "FLUSHALL");
            t.pushes(tracked, "tracked");
        });
    }

    @Test
    void optInOptOutAndNoLoop() throws Exception {
        compare(t -> {
            RespClient tracked = t.connect(3);
            RespClient other = t.connect(2);
            t.run(tracked, "CLIENT", "TRACKING", "ON", "OPTIN");
            t.run(tracked, "GET", "a");
            t.run(tracked, "CLIENT", "CACHING", "YES");
            t.run(tracked, "CLIENT", "TRACKINGINFO");
            t.run(tracked, "GET", "b");
            t.run(tracked, "GET", "c"); // CACHING covered only the command after it
            t.run(tracked, "CLIENT", "CACHING", "YES");
            t.run(tracked, "MULTI");
            t.run(tracked, "GET", "d");
            t.run(tracked, "GET", "e");
            t.run(tracked, "EXEC");
            t.run(other, "MSET", "a", "1", "b", "1", "c", "1", "d", "1", "e", "1");
            t.pushes(tracked, "tracked");
            t.run(tracked, "CLIENT", "TRACKING", "ON", "OPTOUT");
            t.run(tracked, "CLIENT", "TRACKING", "OFF");
            t.run(tracked, "CLIENT", "TRACKING", "ON", "OPTOUT");
            t.run(tracked, "CLIENT", "CACHING", "YES");
            t.run(tracked, "GET", "a");
            t.run(tracked, "CLIENT", "CACHING", "NO");
            t.run(tracked, "CLIENT", "TRACKINGINFO");
            t.run(tracked, "GET", "b");
            t.run(tracked, "GET", "c");
            t.run(other, "MSET", "a", "2", "b", "2", "c", "2");
            t.pushes(tracked, "tracked");
            t.run(tracked, "CLIENT", "TRACKING", "OFF");
            t.run(tracked, "CLIENT", "TRACKING", "ON", "NOLOOP");
            t.run(tracked, "CLIENT", "TRACKINGINFO");
            t.run(tracked, "GET", "a");
            t.run(tracked, "GET", "b");
            t.run(tracked, "SET", "a", "3");
            t.run(other, "SET", "b", "3");
            t.pushes(tracked, "tracked");
        });
    }

    @Test
    void errorsAsRedis() throws Exception {
        compare(t -> {
            RespClient c = t.connect(3);
            String self = Long.toString((Long) c.call("CLIENT", "ID"));
            t.runLabeled(c, "REDIRECT self REDIRECT self", "CLIENT", "TRACKING", "ON", "REDIRECT", self, "REDIRECT", self);
            t.run(c, "CLIENT", "CACHING", "YES");
            t.run(c, "CLIENT", "TRACKING", "ON", "REDIRECT", "0");
            t.run(c, "CLIENT", "TRACKING", "ON", "REDIRECT", "999999");
            t.run(c, "CLIENT", "TRACKING", "ON", "REDIRECT", "x");
            t.run(c, "CLIENT", "TRACKING", "ON", "PREFIX", "a");
            t.run(c, "CLIENT", "TRACKING", "ON", "BCAST", "OPTIN");
            t.run(c, "CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT");
            t.run(c, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab", "PREFIX", "a");
            t.run(c, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "x", "PREFIX", "x");
            t.run(c, "CLIENT", "TRACKING", "ON", "NOPE");
            t.run(c, "CLIENT", "TRACKING", "ON", "PREFIX");
            t.run(c, "CLIENT", "TRACKING", "MAYBE");
            t.run(c, "CLIENT", "TRACKING");
            t.run(c, "CLIENT", "GETREDIR", "x");
            t.run(c, "CLIENT", "TRACKINGINFO", "x");
            t.run(c, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab");
            t.run(c, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "abc");
            t.run(c, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab");
            t.run(c, "CLIENT", "TRACKING", "ON");
            t.run(c, "CLIENT", "CACHING", "YES");
            t.run(c, "CLIENT", "TRACKING", "OFF");
            t.run(c, "CLIENT", "TRACKING", "ON", "OPTIN");
            t.run(c, "CLIENT", "TRACKING", "ON", "OPTOUT");
            t.run(c, "CLIENT", "CACHING", "NO");
            t.run(c, "CLIENT", "CACHING", "MAYBE");
            t.run(c, "CLIENT", "TRACKING", "ON", "OPTIN", "NOLOOP");
            t.run(c, "CLIENT", "TRACKINGINFO");
            t.run(c, "RESET");
            t.run(c, "CLIENT", "TRACKINGINFO");
        });
    }

    // ---------------------------------------------------------------- the table's limit

    @Test
    void trackingTableMaxKeysForgetsKeysAsIfChanged() throws Exception {
        assumeTrue(redis != null, "redis-server is not installed");
        // Which keys go is random in both servers: compare how many messages and keys remain.
        List<String> outcome = new ArrayList<>();
        for (int port : new int[] {redis.port(), podis.port()}) {
            try (RespClient tracked = new RespClient(port); RespClient other = new RespClient(port)) {
                other.call("FLUSHALL");
                tracked.call("HELLO", "3");
                tracked.call("CLIENT", "TRACKING", "ON");
                other.call("CONFIG", "SET", "tracking-table-max-keys", "3");
                // every command first trims the table to the limit, invalidating what it forgets
                int invalidations = 0;
                for (int i = 0; i < 10; i++) {
                    tracked.send("GET", "k" + i);
                    while (tracked.read() instanceof List<?>) {
                        invalidations++;
                    }
                }
                tracked.send("PING");
                while (!(tracked.read() instanceof RespClient.Status)) {
                    invalidations++;
                }
                String keys = info(other, "tracking_total_keys");
                other.call("CONFIG", "SET", "tracking-table-max-keys", "1000000");
                outcome.add(invalidations + " invalidations, " + keys);
            }
        }
        assertEquals(outcome.get(0), outcome.get(1));
    }
}
