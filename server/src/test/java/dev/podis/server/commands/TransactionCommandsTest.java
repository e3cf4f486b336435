package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** MULTI, EXEC, DISCARD, WATCH and UNWATCH over several real connections. */
class TransactionCommandsTest {
    static TestServer server;
    Jedis j;
    Jedis other;
    final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void connect() {
        j = server.jedis();
        other = server.jedis();
        j.flushAll();
    }

    @AfterEach
    void disconnect() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        j.close();
        other.close();
    }

    private RawClient raw() throws Exception {
        RawClient c = new RawClient(server.port());
        opened.add(c);
        return c;
    }

    private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.currentTimeMillis() + 5000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    // ---- queuing and EXEC replies ----

    @Test
    void queuedCommandsRunInOrderAndExecRepliesWithTheirRepliesResp2() throws Exception {
        RawClient c = raw();
        assertEquals("+OK\r\n", c.call("MULTI"));
        assertEquals("+QUEUED\r\n", c.call("SET", "k", "v"));
        assertEquals("+QUEUED\r\n", c.call("GET", "k"));
        assertEquals("+QUEUED\r\n", c.call("GET", "missing"));
        assertEquals("+QUEUED\r\n", c.call("RPUSH", "l", "a", "b"));
        assertEquals("+QUEUED\r\n", c.call("LRANGE", "l", "0", "-1"));
        assertEquals("+QUEUED\r\n", c.call("HSET", "h", "f", "1"));
        assertEquals("+QUEUED\r\n", c.call("HGETALL", "h"));
        // nothing ran yet: another client sees no key
        assertEquals(null, other.get("k"));
        assertEquals("*7\r\n+OK\r\n$1\r\nv\r\n$-1\r\n:2\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n:1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n",
                c.call("EXEC"));
        assertEquals("v", other.get("k"));
        assertEquals("-ERR EXEC without MULTI\r\n", c.call("EXEC"));
    }

    @Test
    void execRepliesInResp3() throws Exception {
        RawClient c = raw();
        c.call("HELLO", "3");
        assertEquals("+OK\r\n", c.call("MULTI"));
        c.call("HSET", "h", "f", "1");
        c.call("HGETALL", "h");
        c.call("GET", "missing");
        c.call("ZADD", "z", "1.5", "m");
        c.call("ZSCORE", "z", "m");
        assertEquals("*5\r\n:1\r\n%1\r\n$1\r\nf\r\n$1\r\n1\r\n_\r\n:1\r\n,1.5\r\n", c.call("EXEC"));
        // a failed WATCH answers the RESP3 null
        assertEquals("+OK\r\n", c.call("WATCH", "h"));
        other.hset("h", "g", "2");
        c.call("MULTI");
        c.call("HGETALL", "h");
        assertEquals("_\r\n", c.call("EXEC"));
    }

    @Test
    void errorsOutsideAndInsideMulti() throws Exception {
        RawClient c = raw();
        assertEquals("-ERR EXEC without MULTI\r\n", c.call("EXEC"));
        assertEquals("-ERR DISCARD without MULTI\r\n", c.call("DISCARD"));
        assertEquals("+OK\r\n", c.call("MULTI"));
        assertEquals("-ERR MULTI calls can not be nested\r\n", c.call("MULTI"));
        assertEquals("-ERR WATCH inside MULTI is not allowed\r\n", c.call("WATCH", "k"));
        assertEquals("+QUEUED\r\n", c.call("SET", "k", "1"));
        // neither error aborts the transaction
        assertEquals("*1\r\n+OK\r\n", c.call("EXEC"));
        assertEquals("+OK\r\n", c.call("MULTI"));
        assertEquals("+QUEUED\r\n", c.call("SET", "k", "2"));
        assertEquals("+OK\r\n", c.call("DISCARD"));
        assertEquals("-ERR DISCARD without MULTI\r\n", c.call("DISCARD"));
        assertEquals("1", other.get("k"));
    }

    @Test
    void queuingErrorsAbortTheWholeTransaction() throws Exception {
        RawClient c = raw();
        c.call("MULTI");
        assertEquals("+QUEUED\r\n", c.call("SET", "k", "1"));
        assertEquals("-ERR unknown command 'NOPE', with args beginning with: 'x' \r\n", c.call("NOPE", "x"));
        assertEquals("+QUEUED\r\n", c.call("SET", "k2", "1"));
        assertEquals("-EXECABORT Transaction discarded because of previous errors.\r\n", c.call("EXEC"));
        assertNull(other.get("k"));
        assertNull(other.get("k2"));
        // the client is out of MULTI afterwards
        assertEquals("-ERR EXEC without MULTI\r\n", c.call("EXEC"));
        c.call("MULTI");
        assertEquals("-ERR wrong number of arguments for 'get' command\r\n", c.call("GET"));
        assertEquals("-EXECABORT Transaction discarded because of previous errors.\r\n", c.call("EXEC"));
        // pipelined: the refusal of the last command before EXEC counts too
        c.sendRaw("MULTI\r\nSET k 1\r\nGET\r\nEXEC\r\n");
        assertEquals("+OK\r\n", c.readReply());
        assertEquals("+QUEUED\r\n", c.readReply());
        assertTrue(c.readReply().startsWith("-ERR wrong number"));
        assertEquals("-EXECABORT Transaction discarded because of previous errors.\r\n", c.readReply());
        assertNull(other.get("k"));
    }

    @Test
    void aRefusedExecDiscardsTheTransactionAndCountsOneExecabortError() throws Exception {
        RawClient c = raw();
        other.configResetStat();
        assertEquals("+OK\r\n", c.call("MULTI"));
        assertEquals("+QUEUED\r\n", c.call("SET", "k", "1"));
        assertEquals("-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n",
                c.call("EXEC", "now"));
        // out of MULTI at once: the next command runs
        assertEquals("+OK\r\n", c.call("SET", "k2", "2"));
        assertNull(other.get("k"));
        String stats = other.info("errorstats");
        assertTrue(stats.contains("errorstat_EXECABORT:count=1"), stats);
        assertTrue(!stats.contains("errorstat_ERR"), stats);
    }

    @Test
    void aRuntimeErrorInsideExecDoesNotStopTheRest() {
        j.set("s", "text");
        Transaction t = j.multi();
        Response<Long> push = t.lpush("s", "x");
        Response<Long> incr = t.incr("n");
        Response<String> get = t.get("s");
        List<Object> replies = t.exec();
        assertEquals(3, replies.size());
        assertInstanceOf(JedisDataException.class, replies.get(0));
        assertTrue(((JedisDataException) replies.get(0)).getMessage().startsWith("WRONGTYPE"));
        assertEquals(1L, replies.get(1));
        assertEquals("text", replies.get(2));
        assertEquals(1L, incr.get());
        assertEquals("text", get.get());
        assertEquals("1", other.get("n"));
    }

    // ---- WATCH ----

    @ParameterizedTest
    @ValueSource(strings = {"set", "del", "expire", "persist", "rename", "renameTarget", "lpush", "hset", "sadd",
            "zadd", "incr", "append", "flushall", "flushdb", "swapdb", "move", "copy", "getdel", "lpop"})
    void watchIsInvalidatedByAnotherClientsChange(String change) {
        j.set("w", "1");
        j.rpush("list", "a");
        j.hset("hash", "f", "v");
        j.sadd("set", "a");
        j.zadd("zset", 1, "a");
        String key = switch (change) {
            case "lpush", "lpop" -> "list";
            case "hset" -> "hash";
            case "sadd" -> "set";
            case "zadd" -> "zset";
            case "renameTarget" -> "target";
            default -> "w";
        };
        if (change.equals("persist")) {
            j.expire("w", 1000);
        }
        j.watch(key);
        switch (change) {
            case "set" -> other.set("w", "2");
            case "del" -> other.del("w");
            case "expire" -> other.expire("w", 100);
            case "persist" -> other.persist("w");
            case "rename" -> other.rename("w", "w2");
            case "renameTarget" -> other.rename("w", "target");
            case "lpush" -> other.lpush("list", "b");
            case "lpop" -> other.lpop("list");
            case "hset" -> other.hset("hash", "f", "changed");
            case "sadd" -> other.sadd("set", "b");
            case "zadd" -> other.zadd("zset", 2, "a");
            case "incr" -> other.incr("w");
            case "append" -> other.append("w", "x");
            case "flushall" -> other.flushAll();
            case "flushdb" -> other.flushDB();
            case "swapdb" -> other.swapDB(0, 1);
            case "move" -> other.move("w", 1);
            case "copy" -> {
                other.set("src", "x");
                other.copy("src", "w", true);
            }
            case "getdel" -> other.getDel("w");
            default -> fail(change);
        }
        Transaction t = j.multi();
        t.set("result", "ran");
        assertNull(t.exec(), change + " must invalidate the WATCH");
        j.select(0);
        assertNull(other.get("result"), "nothing of the transaction ran");
    }

    @Test
    void watchIsInvalidatedByTheClientsOwnWrite() {
        j.watch("w");
        j.set("w", "mine");
        Transaction t = j.multi();
        t.get("w");
        assertNull(t.exec());
    }

    @Test
    void watchIsNotInvalidatedByReadsOrUnrelatedWrites() {
        j.set("w", "1");
        j.rpush("list", "a", "b");
        j.hset("hash", "f", "v");
        j.watch("w", "list", "hash", "missing");
        other.get("w");
        other.exists("w", "missing");
        other.ttl("w");
        other.type("list");
        other.lrange("list", 0, -1);
        other.hgetAll("hash");
        other.strlen("w");
        other.set("unrelated", "x");
        other.select(1);
        other.set("w", "in db 1");   // another database's key of the same name
        other.flushDB();             // flushing db 1 leaves db 0's watched keys alone
        other.select(0);
        other.del("missing");
        Transaction t = j.multi();
        t.get("w");
        List<Object> r = t.exec();
        assertNotNull(r, "reads and unrelated changes leave the WATCH intact");
        assertEquals(List.of("1"), r);
        assertEquals(3L, j.exists("w", "list", "hash"));
    }

    @Test
    void flushAndSwapOnlyInvalidateWatchedKeysThatExist() {
        j.watch("absent");
        other.flushAll();
        other.swapDB(0, 1);
        Transaction t = j.multi();
        t.get("absent");
        assertEquals(java.util.Collections.singletonList(null), t.exec());
        // a key watched in db 0 that exists only in db 1 is replaced by SWAPDB: changed
        other.select(1);
        other.set("x", "from db 1");
        j.watch("x");
        other.swapDB(0, 1);
        t = j.multi();
        t.get("x");
        assertNull(t.exec());
    }

    @Test
    void unwatchForgetsTheWatchedKeys() {
        j.watch("w");
        j.unwatch();
        other.set("w", "changed");
        Transaction t = j.multi();
        t.get("w");
        assertEquals(List.of("changed"), t.exec());
        // a dirty client is clean again after UNWATCH
        j.watch("w");
        other.set("w", "again");
        j.unwatch();
        t = j.multi();
        t.get("w");
        assertEquals(List.of("again"), t.exec());
    }

    @Test
    void execAndDiscardUnwatch() {
        j.watch("w");
        Transaction t = j.multi();
        t.get("w");
        assertEquals(1, t.exec().size());
        other.set("w", "1");
        t = j.multi();
        t.get("w");
        assertEquals(List.of("1"), t.exec(), "the EXEC before unwatched the key");
        j.watch("w");
        t = j.multi();
        t.discard();
        other.set("w", "2");
        t = j.multi();
        t.get("w");
        assertEquals(List.of("2"), t.exec(), "DISCARD unwatched the key");
    }

    @Test
    void watchIsInvalidatedByLazyExpiry() throws Exception {
        j.psetex("e", 100, "v");
        j.watch("e");
        Thread.sleep(200);
        Transaction t = j.multi();
        t.get("e");
        assertNull(t.exec(), "the key expired between WATCH and EXEC");
    }

    @Test
    void watchIsInvalidatedByActiveExpiry() throws Exception {
        j.psetex("e", 50, "v");
        j.watch("e");
        waitUntil(() -> other.dbSize() == 0, "the active expiry cycle to remove the key");
        Transaction t = j.multi();
        t.get("e");
        assertNull(t.exec());
    }

    @Test
    void keyAlreadyExpiredAtWatchTimeDoesNotInvalidate() throws Exception {
        j.psetex("e", 50, "v");
        Thread.sleep(100);
        j.watch("e");
        Transaction t = j.multi();
        t.get("e");
        List<Object> r = t.exec();
        assertNotNull(r);
        assertEquals(1, r.size());
        assertNull(r.get(0));
    }

    @Test
    void resetAndDisconnectDiscardTransactionAndWatches() throws Exception {
        RawClient c = raw();
        assertEquals("+OK\r\n", c.call("WATCH", "w"));
        assertEquals("+OK\r\n", c.call("MULTI"));
        assertEquals("+QUEUED\r\n", c.call("SET", "k", "1"));
        assertEquals("+RESET\r\n", c.call("RESET"));
        assertEquals("-ERR EXEC without MULTI\r\n", c.call("EXEC"));
        assertNull(other.get("k"));
        other.set("w", "changed");
        assertEquals("+OK\r\n", c.call("MULTI"));
        c.call("GET", "w");
        assertEquals("*1\r\n$7\r\nchanged\r\n", c.call("EXEC"), "RESET forgot the watched key");

        RawClient gone = raw();
        gone.call("WATCH", "w");
        gone.call("MULTI");
        gone.call("SET", "k", "1");
        gone.close();
        waitUntil(() -> !other.clientList().contains("multi=1"), "the closed client to go");
        other.set("w", "after close"); // must not touch a closed client
        assertNull(other.get("k"));
    }

    // ---- blocking commands ----

    @Test
    void blockingCommandsInsideMultiAnswerAtOnce() throws Exception {
        Transaction t = j.multi();
        t.blpop(0, "empty");
        t.brpoplpush("empty", "dst", 0);
        long start = System.currentTimeMillis();
        List<Object> r = t.exec();
        assertTrue(System.currentTimeMillis() - start < 2000);
        assertEquals(2, r.size());
        assertNull(r.get(0));
        assertNull(r.get(1));
    }

    @Test
    void clientsBlockedOnKeysFilledInsideExecAreServedAfterIt() throws Exception {
        RawClient blocked = raw();
        blocked.send("BLPOP", "q", "0");
        waitUntil(() -> other.clientList().contains("cmd=blpop"), "BLPOP to block");
        Transaction t = j.multi();
        t.rpush("q", "a");
        t.llen("q");
        List<Object> r = t.exec();
        // the element was still there for the rest of the transaction
        assertEquals(List.of(1L, 1L), r);
        assertEquals("*2\r\n$1\r\nq\r\n$1\r\na\r\n", blocked.readReply());
        assertEquals(0L, other.llen("q"));
    }

    // ---- CLIENT PAUSE ----

    @Test
    void pauseWriteHoldsExecOfWritesButNotOfReads() throws Exception {
        RawClient admin = raw();
        RawClient writer = raw();
        RawClient reader = raw();
        assertEquals("+OK\r\n", writer.call("MULTI"));
        assertEquals("+QUEUED\r\n", writer.call("SET", "p", "1"));
        assertEquals("+OK\r\n", reader.call("MULTI"));
        assertEquals("+QUEUED\r\n", reader.call("GET", "p"));
        try {
            assertEquals("+OK\r\n", admin.call("CLIENT", "PAUSE", "60000", "WRITE"));
            writer.send("EXEC");
            assertNull(writer.readReplyWithin(300), "EXEC of a write is held");
            assertEquals("*1\r\n$-1\r\n", reader.call("EXEC"), "EXEC of reads runs");
            // a write queued while paused is held at once, as in Redis (before queuing)
            assertEquals("+OK\r\n", reader.call("MULTI"));
            reader.send("SET", "p2", "1");
            assertNull(reader.readReplyWithin(200));
        } finally {
            assertEquals("+OK\r\n", admin.call("CLIENT", "UNPAUSE"));
        }
        assertEquals("*1\r\n+OK\r\n", writer.readReply());
        assertEquals("+QUEUED\r\n", reader.readReply());
        assertEquals("*1\r\n+OK\r\n", reader.call("EXEC"), "the held command was queued, not refused");
        assertEquals("1", other.get("p"));
        assertEquals("1", other.get("p2"));
    }

    // ---- CLIENT LIST ----

    @Test
    void clientListShowsQueuedCountAndFlags() throws Exception {
        RawClient c = raw();
        String idReply = c.call("CLIENT", "ID");
        long id = Long.parseLong(idReply.substring(1, idReply.length() - 2));
        Map<String, String> f = ClientCommandsTest.lineFor(other.clientList(), id);
        assertEquals("-1", f.get("multi"));
        assertEquals("N", f.get("flags"));
        c.call("WATCH", "w");
        c.call("MULTI");
        c.call("GET", "a");
        c.call("GET", "b");
        f = ClientCommandsTest.lineFor(other.clientList(), id);
        assertEquals("2", f.get("multi"));
        assertEquals("x", f.get("flags"));
        other.set("w", "1");
        f = ClientCommandsTest.lineFor(other.clientList(), id);
        assertEquals("xd", f.get("flags"));
        assertEquals("*-1\r\n", c.call("EXEC"));
        f = ClientCommandsTest.lineFor(other.clientList(), id);
        assertEquals("-1", f.get("multi"));
        assertEquals("N", f.get("flags"));
    }
}
