package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.commands.ProtocolCommand;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * list-compress-depth changes memory only: every list command replies the same on a multi-node
 * list with compression off and on.
 */
class ListCompressDepthTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Object normalize(Object o) {
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object x : l) {
                out.add(normalize(x));
            }
            return out;
        }
        return o;
    }

    private static Object send(Jedis j, List<Object> log, ProtocolCommand cmd, String... args) {
        Object reply;
        try {
            reply = normalize(j.sendCommand(cmd, args));
        } catch (RuntimeException e) {
            reply = "error: " + e.getMessage();
            if (e instanceof redis.clients.jedis.exceptions.JedisConnectionException) {
                String line = String.join(" ", args);
                throw new AssertionError(log.size() + " " + cmd + " " + line.substring(0, Math.min(50, line.length())), e);
            }
        }
        log.add(cmd + " " + String.join(" ", args) + " -> " + reply);
        return reply;
    }

    private static String value(Random r) {
        int k = r.nextInt(6);
        if (k == 0) {
            return Integer.toString(r.nextInt(50));
        }
        return "item-" + r.nextInt(8) + "-" + "abcabc".repeat(1 + r.nextInt(k == 5 ? 40 : 6));
    }

    /** Runs a fixed random script of every list command; returns the replies. */
    private static List<Object> script(Jedis j) {
        List<Object> log = new ArrayList<>();
        Random r = new Random(99);
        for (int i = 0; i < 40; i++) {
            String[] args = new String[101];
            args[0] = "L";
            for (int k = 1; k < args.length; k++) {
                args[k] = value(r);
            }
            send(j, log, i % 2 == 0 ? Protocol.Command.RPUSH : Protocol.Command.LPUSH, args);
        }
        send(j, log, Protocol.Command.RPUSH, "M", "m1", "m2");
        for (int step = 0; step < 400; step++) {
            long len = (Long) j.sendCommand(Protocol.Command.LLEN, "L");
            String idx = Long.toString(r.nextInt((int) Math.max(1, len)) - (r.nextBoolean() ? len : 0));
            String pivot = "item-" + r.nextInt(8) + "-abcabc";
            switch (r.nextInt(20)) {
                case 0 -> send(j, log, Protocol.Command.LINDEX, "L", idx);
                case 1 -> send(j, log, Protocol.Command.LSET, "L", idx, value(r));
                case 2 -> send(j, log, Protocol.Command.LINSERT, "L", r.nextBoolean() ? "BEFORE" : "AFTER",
                        pivot, value(r));
                case 3 -> send(j, log, Protocol.Command.LRANGE, "L", idx, Integer.toString(r.nextInt(3000) - 1500));
                case 4 -> send(j, log, Protocol.Command.LREM, "L", Integer.toString(r.nextInt(5) - 2), pivot);
                case 5 -> {
                    if (r.nextInt(8) == 0) {
                        send(j, log, Protocol.Command.LTRIM, "L", Integer.toString(r.nextInt(20)), "-" + (1 + r.nextInt(20)));
                    }
                }
                case 6 -> send(j, log, Protocol.Command.LPOS, "L", pivot, "RANK", Integer.toString(r.nextInt(7) - 3 == 0 ? 1 : r.nextInt(3) + 1),
                        "COUNT", Integer.toString(r.nextInt(4)), "MAXLEN", Integer.toString(r.nextInt(2000)));
                case 7 -> send(j, log, r.nextBoolean() ? Protocol.Command.LPOP : Protocol.Command.RPOP, "L",
                        Integer.toString(1 + r.nextInt(5)));
                case 8 -> send(j, log, Protocol.Command.LMOVE, r.nextBoolean() ? "L" : "M", r.nextBoolean() ? "L" : "M",
                        r.nextBoolean() ? "LEFT" : "RIGHT", r.nextBoolean() ? "LEFT" : "RIGHT");
                case 9 -> send(j, log, Protocol.Command.RPOPLPUSH, "L", "M");
                case 10 -> send(j, log, Protocol.Command.LMPOP, "2", "NOSUCH", "L", r.nextBoolean() ? "LEFT" : "RIGHT",
                        "COUNT", Integer.toString(1 + r.nextInt(4)));
                case 11 -> send(j, log, r.nextBoolean() ? Protocol.Command.BLPOP : Protocol.Command.BRPOP, "L", "0.01");
                case 12 -> send(j, log, Protocol.Command.BLMOVE, "M", "L", "RIGHT", r.nextBoolean() ? "LEFT" : "RIGHT", "0.01");
                case 13 -> send(j, log, Protocol.Command.BRPOPLPUSH, "M", "L", "0.01");
                case 14 -> send(j, log, Protocol.Command.BLMPOP, "0.01", "1", "L", "RIGHT", "COUNT", "2");
                case 15 -> send(j, log, r.nextBoolean() ? Protocol.Command.LPUSHX : Protocol.Command.RPUSHX, "L",
                        value(r), value(r));
                case 16 -> send(j, log, Protocol.Command.LLEN, "L");
                case 17 -> send(j, log, Protocol.Command.RPUSH, "L", value(r), value(r), value(r));
                case 18 -> send(j, log, Protocol.Command.SORT, "L", "BY", "nosort", "LIMIT", "0", "5");
                default -> send(j, log, Protocol.Command.LRANGE, "L", "0", "-1");
            }
        }
        send(j, log, Protocol.Command.LRANGE, "L", "0", "-1");
        send(j, log, Protocol.Command.LRANGE, "M", "0", "-1");
        send(j, log, Protocol.Command.OBJECT, "ENCODING", "L");
        return log;
    }

    @Test
    void everyListCommandRepliesTheSameAtAnyDepth() {
        try (Jedis j = server.jedis()) {
            j.flushAll();
            j.configSet("list-compress-depth", "0");
            List<Object> plain = script(j);
            assertTrue(plain.toString().contains("quicklist"), "the script works on a multi-node list");
            for (String depth : new String[] {"1", "2", "3"}) {
                j.flushAll();
                j.configSet("list-compress-depth", depth);
                List<Object> compressed = script(j);
                assertEquals(plain.size(), compressed.size());
                for (int i = 0; i < plain.size(); i++) {
                    assertEquals(plain.get(i), compressed.get(i), "depth " + depth + " step " + i);
                }
            }
            j.configSet("list-compress-depth", "0");
        }
    }

    @Test
    void memoryUsageReflectsCompression() {
        try (Jedis j = server.jedis()) {
            j.flushAll();
            j.configSet("list-compress-depth", "0");
            String[] args = new String[1000];
            for (int i = 0; i < args.length; i++) {
                args[i] = "element-" + (i % 10) + "-xxxxxxxxxxxxxxxxxxxxxxxx";
            }
            for (int k = 0; k < 50; k++) {
                j.rpush("plain", args);
            }
            j.configSet("list-compress-depth", "1");
            for (int k = 0; k < 50; k++) {
                j.rpush("small", args);
            }
            long plain = j.memoryUsage("plain", 0);
            long small = j.memoryUsage("small", 0);
            assertTrue(small * 3 < plain, small + " vs " + plain);
            // the uncompressed list is compressed once it changes under the new setting
            j.rpush("plain", "one more");
            assertTrue(j.memoryUsage("plain", 0) * 3 < plain);
            assertEquals(j.lrange("small", 0, -1), j.lrange("plain", 0, -2));
            assertEquals("element-5-xxxxxxxxxxxxxxxxxxxxxxxx", j.lindex("small", 25005));
            // and back to raw when compression is turned off
            j.configSet("list-compress-depth", "0");
            j.rpush("small", "x");
            assertTrue(j.memoryUsage("small", 0) * 3 > plain);
        }
    }
}
