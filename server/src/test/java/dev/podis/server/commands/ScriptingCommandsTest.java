package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.args.FunctionRestorePolicy;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * EVAL, SCRIPT and FUNCTION behaviour across connections: busy scripts (BUSY for others,
 * SCRIPT KILL, FUNCTION KILL, UNKILLABLE, SHUTDOWN), atomicity, commands of scripts going
 * through the normal execution path (statistics, WATCH, blocked clients), pipelines, and
 * FUNCTION DUMP payloads exchanged with a real Redis.
 */
class ScriptingCommandsTest {
    static final String LOOP = "local i = 0 while true do i = i + 1 end";
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
        j.scriptFlush();
        j.functionFlush();
    }

    @AfterEach
    void disconnect() throws Exception {
        j.configSet("busy-reply-threshold", "5000");
        for (AutoCloseable c : opened) {
            c.close();
        }
        j.close();
        other.close();
    }

    Jedis open() {
        Jedis c = server.jedis();
        opened.add(c);
        return c;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** PING from {@code c}: "PONG", or the error text. */
    static String ping(Jedis c) {
        try {
            return c.ping();
        } catch (JedisDataException e) {
            return e.getMessage();
        }
    }

    /** Runs {@code script} on a new connection in the background; the future holds the reply or the exception. */
    CompletableFuture<Object> evalInBackground(String script) {
        Jedis runner = open();
        return CompletableFuture.supplyAsync(() -> runner.eval(script));
    }

    static Throwable failure(CompletableFuture<Object> f) throws InterruptedException {
        try {
            f.get(20, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            fail("the script did not end");
            return null;
        }
    }

    @Test
    void busyScriptGetsOtherClientsBusyAndScriptKillStopsIt() throws Exception {
        j.configSet("busy-reply-threshold", "50");
        CompletableFuture<Object> script = evalInBackground(LOOP);
        await(() -> ping(other).startsWith("BUSY"), "BUSY");
        assertEquals("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.", ping(other));
        // a pipelining client gets BUSY for each command, in order
        Pipeline p = other.pipelined();
        Response<String> a = p.set("a", "1");
        Response<String> b = p.get("a");
        p.sync();
        assertThrows(JedisDataException.class, a::get);
        assertThrows(JedisDataException.class, b::get);
        // MULTI is allowed, commands inside get BUSY and EXEC aborts
        assertEquals("OK", Cmd.run(other, "MULTI"));
        assertTrue(Cmd.error(other, "GET", "a").startsWith("BUSY"));
        assertTrue(Cmd.error(other, "EXEC").startsWith("EXECABORT Transaction discarded because of: BUSY"));
        assertEquals("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
                Cmd.error(other, "FUNCTION", "KILL"));
        assertTrue(Cmd.error(other, "FUNCTION", "STATS").startsWith("BUSY"));
        assertEquals("OK", other.scriptKill());
        Throwable t = failure(script);
        assertInstanceOf(JedisDataException.class, t);
        assertTrue(t.getMessage().startsWith("ERR Script killed by user with SCRIPT KILL... script: "), t.getMessage());
        assertEquals("PONG", other.ping());
        assertEquals("NOTBUSY No scripts in execution right now.", Cmd.error(other, "SCRIPT", "KILL"));
        assertEquals(null, other.get("a"));
    }

    @Test
    void pcallCannotCatchScriptKill() throws Exception {
        j.configSet("busy-reply-threshold", "50");
        CompletableFuture<Object> script = evalInBackground("while true do pcall(function() local i = 0 while true do i = i + 1 end end) end");
        await(() -> ping(other).startsWith("BUSY"), "BUSY");
        assertEquals("OK", other.scriptKill());
        assertTrue(failure(script).getMessage().contains("Script killed by user with SCRIPT KILL..."));
        assertEquals("PONG", other.ping());
    }

    @Test
    void scriptThatWroteIsUnkillableAndRunsToItsEnd() throws Exception {
        j.configSet("busy-reply-threshold", "50");
        CompletableFuture<Object> script = evalInBackground(
                "redis.call('set', 'w', '1') local start = redis.call('time') "
                        + "while true do local now = redis.call('time') "
                        + "if (now[1] - start[1]) * 1000000 + (now[2] - start[2]) > 1500000 then break end end "
                        + "return 'done'");
        await(() -> ping(other).startsWith("BUSY"), "BUSY");
        assertTrue(Cmd.error(other, "SCRIPT", "KILL").startsWith("UNKILLABLE Sorry the script already executed write commands"));
        assertTrue(Cmd.error(other, "FUNCTION", "KILL").startsWith("UNKILLABLE"));
        assertTrue(Cmd.error(other, "SHUTDOWN").startsWith("BUSY"));
        assertEquals("done", script.get(20, TimeUnit.SECONDS));
        assertEquals("1", other.get("w"));
    }

    @Test
    void functionKillStopsABusyFunction() throws Exception {
        j.configSet("busy-reply-threshold", "50");
        j.functionLoad("#!lua name=spin\nredis.register_function('spin', function() " + LOOP + " end)");
        Jedis runner = open();
        CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> runner.fcall("spin", List.of(), List.of()));
        await(() -> ping(other).startsWith("BUSY"), "BUSY");
        assertEquals("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.", ping(other));
        @SuppressWarnings("unchecked")
        List<Object> stats = (List<Object>) Cmd.run(other, "FUNCTION", "STATS");
        @SuppressWarnings("unchecked")
        List<Object> running = (List<Object>) stats.get(1);
        assertEquals("spin", running.get(1));
        assertEquals(List.of("fcall", "spin", "0"), ((List<?>) running.get(3)).stream().map(o -> o.toString().toLowerCase()).toList());
        assertTrue(Cmd.error(other, "SCRIPT", "KILL").startsWith("BUSY Redis is busy running a script. You can only call FUNCTION KILL"));
        assertEquals("OK", Cmd.run(other, "FUNCTION", "KILL"));
        assertTrue(failure(f).getMessage().contains("Script killed by user with SCRIPT KILL... script: spin, on @user_function:2."),
                failure(f).getMessage());
        assertEquals("PONG", other.ping());
    }

    @Test
    void nothingInterleavesWithAScript() throws Exception {
        CompletableFuture<Object> script = evalInBackground(
                "redis.call('set', 'a', '1') for i = 1, 500000 do end redis.call('set', 'a', '2') return 'ok'");
        List<String> seen = new ArrayList<>();
        Jedis reader = new Jedis("127.0.0.1", server.port(), 30_000); // a loaded machine may run the loop slowly
        opened.add(reader);
        while (!script.isDone()) {
            seen.add(reader.get("a"));
        }
        assertEquals("ok", script.get());
        seen.add(reader.get("a"));
        for (String v : seen) {
            assertTrue(v == null || v.equals("2"), "a reader saw the script half done: " + v);
        }
        assertEquals("2", seen.get(seen.size() - 1));
    }

    @Test
    void commandsOfScriptsCountInStatistics() {
        j.configResetStat();
        assertEquals(2L, j.eval("redis.call('incr', 'n') return redis.call('incr', 'n')"));
        String stats = j.info("commandstats");
        assertTrue(stats.contains("cmdstat_incr:calls=2,"), stats);
        assertTrue(stats.contains("cmdstat_eval:calls=1,"), stats);
    }

    @Test
    void scriptWritesInvalidateWatchAndServeBlockedClientsAfterTheScript() throws Exception {
        other.watch("k");
        j.eval("return redis.call('set', 'k', 'v')");
        Transaction tx = other.multi();
        tx.get("k");
        assertNull(tx.exec());

        Jedis blocked = open();
        CompletableFuture<List<String>> pop = CompletableFuture.supplyAsync(() -> blocked.blpop(10, "q"));
        await(() -> j.clientList().contains("cmd=blpop"), "the BLPOP to block");
        // the element is still there while the script runs; the blocked client gets it afterwards
        assertEquals(1L, j.eval("redis.call('lpush', 'q', 'x') return redis.call('llen', 'q')"));
        assertEquals(List.of("q", "x"), pop.get(10, TimeUnit.SECONDS));
    }

    @Test
    void pipelinedScriptsKeepTheirOrderWithOtherCommands() {
        String sha = j.scriptLoad("return redis.call('incr', KEYS[1])");
        Pipeline p = j.pipelined();
        List<Response<?>> rs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            rs.add(p.incr("c"));
            rs.add(p.evalsha(sha, 1, "c"));
            rs.add(p.eval("return redis.call('get', KEYS[1])", 1, "c"));
        }
        p.sync();
        for (int i = 0; i < 50; i++) {
            assertEquals((long) (2 * i + 1), rs.get(3 * i).get());
            assertEquals((long) (2 * i + 2), rs.get(3 * i + 1).get());
            assertEquals(Long.toString(2 * i + 2), rs.get(3 * i + 2).get());
        }
    }

    @Test
    void scriptsInsideMultiExec() {
        Transaction tx = j.multi();
        tx.set("m", "1");
        tx.eval("return redis.call('incr', 'm')");
        tx.eval("return redis.call('lpop', 'none')");
        List<Object> r = tx.exec();
        assertEquals("OK", r.get(0));
        assertEquals(2L, r.get(1));
        assertNull(r.get(2));
    }

    @Test
    void selectInsideAScriptStaysInTheScript() {
        j.select(2);
        assertEquals("OK", j.eval("redis.call('select', 3) return redis.call('set', 'x', 'y')"));
        assertNull(j.get("x"));
        j.select(3);
        assertEquals("y", j.get("x"));
    }

    @Test
    void functionDumpPayloadsMoveBothWaysBetweenPodisAndRedis() throws Exception {
        RealRedis redis = RealRedis.start();
        Assumptions.assumeTrue(redis != null, "redis-server is not installed");
        String code = "#!lua name=moved\nredis.register_function('moved', function(keys, args) "
                + "return 'moved with a body long enough to be compressed by LZF: ' .. args[1] .. args[1] .. args[1] end)";
        try (redis; Jedis r = new Jedis("127.0.0.1", redis.port())) {
            r.functionFlush();
            r.functionLoad(code);
            byte[] fromRedis = r.functionDump();
            assertEquals("OK", j.functionRestore(fromRedis));
            assertEquals("moved with a body long enough to be compressed by LZF: xxx",
                    j.fcall("moved", List.of(), List.of("x")));
            assertTrue(Cmd.error(j, "FUNCTION", "RESTORE", new String(fromRedis, java.nio.charset.StandardCharsets.ISO_8859_1))
                    .startsWith("ERR"));

            r.functionFlush();
            byte[] fromPodis = j.functionDump();
            assertEquals("OK", r.functionRestore(fromPodis));
            assertEquals("moved with a body long enough to be compressed by LZF: yyy",
                    r.fcall("moved", List.of(), List.of("y")));
            assertEquals("OK", j.functionRestore(fromPodis, FunctionRestorePolicy.REPLACE));
            assertEquals("OK", j.functionRestore(fromPodis, FunctionRestorePolicy.FLUSH));
            assertEquals(1, j.functionList().size());
            byte[] corrupt = fromPodis.clone();
            corrupt[corrupt.length - 1] ^= 1;
            assertThrows(JedisDataException.class, () -> j.functionRestore(corrupt));
        }
    }

    @Test
    void shutdownNosaveStopsTheServerWhileAScriptIsBusy() throws Exception {
        TestServer own = TestServer.start(Map.of("busy-reply-threshold", "50"));
        try {
            Jedis runner = new Jedis("127.0.0.1", own.port());
            Jedis admin = new Jedis("127.0.0.1", own.port());
            CompletableFuture<Object> script = CompletableFuture.supplyAsync(() -> runner.eval(LOOP));
            await(() -> ping(admin).startsWith("BUSY"), "BUSY");
            try {
                Cmd.run(admin, "SHUTDOWN", "NOSAVE");
            } catch (JedisConnectionException | JedisDataException e) {
                // the connection closes without a reply
            }
            failure(script);
            await(() -> {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", own.port())) {
                    return false;
                } catch (java.io.IOException e) {
                    return true;
                }
            }, "the server to stop");
            runner.close();
            admin.close();
        } finally {
            own.close();
        }
    }
}
