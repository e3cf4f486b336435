package dev.podis.server.commands;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.RestoreParams;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Counters: a key counted more than once is kept where INCR changes its digits in place (on the
 * off-heap keyspace, the heap index beside the map). Whatever happens between two INCRs, replies,
 * values and TTLs must stay Redis's.
 */
class CountersTest extends AgainstRealRedis {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The same command on both servers: the same reply, or the same error text. */
    private void same(String what, Function<Jedis, Object> command) {
        Object expected;
        try {
            expected = command.apply(ref);
        } catch (JedisDataException e) {
            expected = "error: " + e.getMessage();
        }
        Object actual;
        try {
            actual = command.apply(jedis);
        } catch (JedisDataException e) {
            actual = "error: " + e.getMessage();
        }
        if (expected instanceof byte[]) {
            assertArrayEquals((byte[]) expected, (byte[]) actual, what);
        } else {
            assertEquals(expected, actual, what);
        }
    }

    @Test
    void countersChangedInPlaceAnswerAsRedisWhateverHappensBetween() {
        needRedis();
        Random rnd = new Random(5);
        for (int round = 0; round < 3000; round++) {
            String k = "c" + rnd.nextInt(15);
            long by = rnd.nextInt(4) == 0 ? rnd.nextLong() : rnd.nextInt(2000) - 1000; // overflows now and then
            switch (rnd.nextInt(4)) {
                case 0 -> same("INCR " + k, j -> j.incr(k));
                case 1 -> same("DECR " + k, j -> j.decr(k));
                case 2 -> same("INCRBY " + k + " " + by, j -> j.incrBy(k, by));
                default -> same("DECRBY " + k + " " + by, j -> j.decrBy(k, by == Long.MIN_VALUE ? 1 : by));
            }
            switch (rnd.nextInt(40)) {
                case 0 -> same("GET " + k, j -> j.get(b(k)));
                case 1 -> same("APPEND " + k, j -> j.append(k, "7")); // still a number, now written elsewhere
                case 2 -> same("SET " + k, j -> j.set(k, Long.toString(Long.MAX_VALUE - 1)));
                case 3 -> same("SET " + k + " text", j -> j.set(k, "not a number"));
                case 4 -> same("EXPIRE " + k, j -> j.expire(k, 1000));
                case 5 -> same("STRLEN " + k, j -> j.strlen(k));
                case 6 -> same("GETRANGE " + k, j -> j.getrange(k, 0, 3));
                case 7 -> {
                    byte[] podis = jedis.dump(b(k));
                    byte[] redisDump = ref.dump(b(k));
                    if (podis != null && redisDump != null) {
                        jedis.restore(b(k), 0, podis, RestoreParams.restoreParams().replace());
                        ref.restore(b(k), 0, redisDump, RestoreParams.restoreParams().replace());
                    }
                }
                case 8 -> {
                    same("RENAME " + k, j -> j.exists(k) ? j.rename(k, k + ":moved") : "none");
                    same("RENAME back " + k, j -> j.exists(k + ":moved") ? j.rename(k + ":moved", k) : "none");
                }
                case 9 -> same("DEL " + k, j -> j.del(k));
                default -> { }
            }
        }
        for (int i = 0; i < 15; i++) {
            String k = "c" + i;
            same("GET " + k, j -> j.get(b(k)));
            assertEquals(ref.ttl(k) > 0, jedis.ttl(k) > 0, "TTL of " + k);
        }
    }

    @Test
    void anInPlaceIncrementIsAWriteForWatchAndKeepsTheTimeToLive() {
        jedis.incr("w");
        jedis.incr("w"); // now a counter kept for changes in place
        jedis.expire("w", 1000);
        assertEquals(3, jedis.incr("w"));
        long ttl = jedis.ttl("w");
        assertEquals(true, ttl > 990 && ttl <= 1000, "TTL kept: " + ttl);
        try (Jedis other = server.jedis()) {
            jedis.watch("w");
            Transaction t = jedis.multi();
            t.get("w");
            assertNotNull(t.exec(), "nothing changed w");
            jedis.watch("w");
            assertEquals(4, other.incr("w"));
            t = jedis.multi();
            t.get("w");
            assertNull(t.exec(), "an INCR of a watched key aborts EXEC");
        }
        assertEquals("4", jedis.get("w"));
        assertEquals(Long.MAX_VALUE, jedis.incrBy("w", Long.MAX_VALUE - 4));
        JedisDataException overflow = org.junit.jupiter.api.Assertions.assertThrows(JedisDataException.class,
                () -> jedis.incr("w"));
        assertEquals("ERR increment or decrement would overflow", overflow.getMessage());
        assertEquals(Long.toString(Long.MAX_VALUE), jedis.get("w"));
    }

    /** A counter whose digits are not written yet (INCR after INCR) read and changed by every other kind of command. */
    @Test
    void countersReadByOtherCommandsAnswerAsRedis() {
        needRedis();
        String[] readers = {"GET", "STRLEN", "GETRANGE", "PFADD", "PFCOUNT", "SETRANGE", "APPEND", "INCRBYFLOAT",
            "GETSET", "GETDEL", "SETBIT", "BITCOUNT", "LCS", "COPY", "GETRANGE-END"};
        for (String reader : readers) {
            for (long start : new long[] {-1, 0, 9, 99, -100, Long.MAX_VALUE - 5, Long.MIN_VALUE + 5}) {
                String k = "n:" + reader + ":" + start;
                same("SET " + k, j -> j.set(k, Long.toString(start)));
                for (int i = 0; i < 4; i++) {
                    int by = i % 2 == 0 ? 3 : -1;
                    same("INCRBY " + k + " " + by, j -> j.incrBy(k, by));
                }
                same(reader + " " + k, j -> switch (reader) {
                    case "GET" -> j.get(k);
                    case "STRLEN" -> j.strlen(k);
                    case "GETRANGE" -> j.getrange(k, 1, 4);
                    case "PFADD" -> j.pfadd(k, "a");
                    case "PFCOUNT" -> j.pfcount(k);
                    case "SETRANGE" -> j.setrange(k, 1, "7");
                    case "APPEND" -> j.append(k, "1");
                    case "INCRBYFLOAT" -> j.incrByFloat(k, 0.5);
                    case "GETSET" -> j.getSet(k, "12");
                    case "GETDEL" -> j.getDel(k);
                    case "SETBIT" -> j.setbit(k, 3, true);
                    case "BITCOUNT" -> j.bitcount(k);
                    case "LCS" -> j.lcs(k, k, new redis.clients.jedis.params.LCSParams()).getMatchString();
                    case "COPY" -> j.copy(k, k + ":copy", true) + " " + j.get(k + ":copy");
                    default -> j.getrange(k, -2, -1);
                });
                same("INCR " + k + " after " + reader, j -> j.incr(k));
                same("GET " + k + " after " + reader, j -> j.get(k));
            }
        }
    }
}
