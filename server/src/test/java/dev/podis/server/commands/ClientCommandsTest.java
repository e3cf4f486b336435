package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ClientKillParams;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientCommandsTest {
    static TestServer server;

    /** The CLIENT LIST fields, in order, as Redis 7.2 prints them (7.0's list plus lib-name and lib-ver). */
    static final List<String> FIELDS = List.of("id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db",
            "sub", "psub", "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll",
            "omem", "tot-mem", "events", "cmd", "user", "redir", "resp", "lib-name", "lib-ver");

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Splits one CLIENT LIST line into its fields, keeping their order. */
    static Map<String, String> fields(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : line.split(" ")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    static Map<String, String> lineFor(String list, long id) {
        for (String line : list.split("\n")) {
            if (line.startsWith("id=" + id + " ")) {
                return fields(line);
            }
        }
        return null;
    }

    /** CLIENT with these arguments, its bulk reply as text. */
    static String client(Jedis j, String... args) {
        return new String((byte[]) j.sendCommand(() -> "CLIENT".getBytes(StandardCharsets.US_ASCII), args),
                StandardCharsets.UTF_8);
    }

    /** The text of a RESP2 bulk reply. */
    static String bulkText(String reply) {
        assertTrue(reply.startsWith("$"), reply);
        return reply.substring(reply.indexOf("\r\n") + 2, reply.length() - 2);
    }

    @Test
    void clientListLineHasRedisFieldsInOrder() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            long id = Long.parseLong(c.call("CLIENT", "ID").substring(1).trim());
            assertEquals("+OK\r\n", c.call("CLIENT", "SETNAME", "tester"));
            assertEquals("+OK\r\n", c.call("SELECT", "3"));
            String list = bulkText(c.call("CLIENT", "LIST"));
            assertTrue(list.endsWith("\n"), list);
            Map<String, String> f = lineFor(list, id);
            assertNotNull(f, list);
            assertEquals(FIELDS, new ArrayList<>(f.keySet()));
            assertEquals("127.0.0.1:" + c.socket().getLocalPort(), f.get("addr"));
            assertEquals("127.0.0.1:" + server.port(), f.get("laddr"));
            assertEquals("tester", f.get("name"));
            assertEquals("N", f.get("flags"));
            assertEquals("3", f.get("db"));
            assertEquals("0", f.get("sub"));
            assertEquals("0", f.get("psub"));
            assertEquals("0", f.get("ssub"));
            assertEquals("-1", f.get("multi"));
            assertEquals("10", f.get("argv-mem"), "\"CLIENT\" + \"LIST\"");
            assertEquals("0", f.get("idle"));
            assertEquals("r", f.get("events"));
            assertEquals("client|list", f.get("cmd"));
            assertEquals("default", f.get("user"));
            assertEquals("-1", f.get("redir"));
            assertEquals("2", f.get("resp"));
            assertEquals("", f.get("lib-name"));
            assertTrue(Integer.parseInt(f.get("fd")) > 0, f.get("fd"));
        }
    }

    @Test
    void clientInfoIsTheCallersLine() {
        try (Jedis j = server.jedis()) {
            long id = j.clientId();
            String info = j.clientInfo();
            assertTrue(info.endsWith("\n"));
            assertEquals(1, info.split("\n").length);
            Map<String, String> f = fields(info.trim());
            assertEquals(FIELDS, new ArrayList<>(f.keySet()));
            assertEquals(Long.toString(id), f.get("id"));
            assertEquals("client|info", f.get("cmd"));
        }
    }

    /**
     * Compares the field names with a real redis-server when one is installed: Redis 7.0 prints our
     * list without lib-name and lib-ver (added in 7.2); 7.2 and later print it all.
     */
    @Test
    void fieldNamesMatchRealRedis() throws Exception {
        Assumptions.assumeTrue(dev.podis.server.diff.RedisProcess.findExecutable() != null && onPath("redis-cli"),
                "redis-server not installed");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--save", "",
                "--appendonly", "no", "--bind", "127.0.0.1").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String line = null;
            for (int i = 0; i < 50 && (line == null || !line.startsWith("id=")); i++) {
                Thread.sleep(100);
                Process cli = new ProcessBuilder("redis-cli", "-p", Integer.toString(port), "CLIENT", "INFO")
                        .redirectErrorStream(true).start();
                line = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                cli.waitFor(5, TimeUnit.SECONDS);
            }
            assertNotNull(line);
            List<String> theirs = new ArrayList<>(fields(line).keySet());
            List<String> ours = FIELDS;
            if (!theirs.contains("lib-name")) {
                ours = FIELDS.subList(0, FIELDS.indexOf("lib-name"));
            }
            assertEquals(theirs, ours);
        } finally {
            redis.destroy();
            redis.waitFor(5, TimeUnit.SECONDS);
        }
    }

    static boolean onPath(String exe) {
        for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
            if (new File(dir, exe).canExecute()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void listFilters() {
        try (Jedis a = server.jedis(); Jedis b = server.jedis()) {
            long ida = a.clientId();
            long idb = b.clientId();
            String both = a.clientList(ida, idb);
            assertEquals(2, both.split("\n").length, both);
            assertTrue(both.startsWith("id=" + ida + " "), both);
            assertNotNull(lineFor(both, idb));
            assertEquals("", a.clientList(999_999L));
            assertNotNull(lineFor(client(a, "LIST", "TYPE", "normal"), ida));
            assertEquals("", client(a, "LIST", "TYPE", "pubsub"));
            JedisDataException e = assertThrows(JedisDataException.class,
                    () -> a.sendCommand(() -> "CLIENT".getBytes(), "LIST", "TYPE", "foo"));
            assertEquals("ERR Unknown client type 'foo'", e.getMessage());
            e = assertThrows(JedisDataException.class,
                    () -> a.sendCommand(() -> "CLIENT".getBytes(), "LIST", "ID", "abc"));
            assertEquals("ERR Invalid client ID", e.getMessage());
            e = assertThrows(JedisDataException.class,
                    () -> a.sendCommand(() -> "CLIENT".getBytes(), "LIST", "foo"));
            assertEquals("ERR syntax error", e.getMessage());
            e = assertThrows(JedisDataException.class,
                    () -> a.sendCommand(() -> "CLIENT".getBytes(), "LIST", "TYPE", "normal", "ID", "1"));
            assertEquals("ERR syntax error", e.getMessage());
        }
    }

    @Test
    void listInResp3IsVerbatimText() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            c.call("HELLO", "3");
            assertEquals("=4\r\ntxt:\r\n", c.call("CLIENT", "LIST", "ID", "999999"));
            String info = c.call("CLIENT", "INFO");
            assertTrue(info.startsWith("="), info);
            assertTrue(info.contains("\r\ntxt:id="), info);
            assertTrue(info.contains(" resp=3 "), info);
        }
    }

    @Test
    void setnameGetnameAndValidation() {
        try (Jedis j = server.jedis()) {
            assertNull(j.clientGetname());
            assertEquals("OK", j.clientSetname("my-conn_1"));
            assertEquals("my-conn_1", j.clientGetname());
            for (String bad : new String[] {"a b", "a\nb", "caf\u00e9", "tab\t"}) {
                JedisDataException e = assertThrows(JedisDataException.class, () -> j.clientSetname(bad));
                assertEquals("ERR Client names cannot contain spaces, newlines or special characters.", e.getMessage());
            }
            assertEquals("my-conn_1", j.clientGetname());
            assertEquals("OK", j.clientSetname(""));
            assertNull(j.clientGetname());
        }
    }

    @Test
    void setinfo() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            assertEquals("+OK\r\n", c.call("CLIENT", "SETINFO", "lib-name", "redis-py"));
            assertEquals("+OK\r\n", c.call("CLIENT", "SETINFO", "LIB-VER", "5.0.1"));
            assertEquals("-ERR Unrecognized option 'lib-foo'\r\n", c.call("CLIENT", "SETINFO", "lib-foo", "x"));
            assertEquals("-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n",
                    c.call("CLIENT", "SETINFO", "LIB-NAME", "a b"));
            assertEquals("-ERR wrong number of arguments for 'client|setinfo' command\r\n",
                    c.call("CLIENT", "SETINFO", "lib-name"));
            String info = c.call("CLIENT", "INFO");
            assertTrue(info.contains(" lib-name=redis-py lib-ver=5.0.1\n"), info);
            assertEquals("+OK\r\n", c.call("CLIENT", "SETINFO", "lib-ver", ""));
            assertTrue(c.call("CLIENT", "INFO").contains(" lib-ver=\n"));
        }
    }

    @Test
    void idIsStableAndUnique() {
        try (Jedis a = server.jedis(); Jedis b = server.jedis()) {
            long ida = a.clientId();
            assertEquals(ida, a.clientId());
            assertTrue(b.clientId() > ida);
        }
    }

    @Test
    void killById() throws IOException {
        try (Jedis a = server.jedis(); RawClient victim = new RawClient(server.port())) {
            long vid = Long.parseLong(victim.call("CLIENT", "ID").substring(1).trim());
            assertEquals(1L, a.clientKill(new ClientKillParams().id(Long.toString(vid))));
            assertTrue(victim.closedWithin(2000), "the killed connection is closed");
            assertNull(lineFor(a.clientList(), vid));
            assertEquals(0L, a.clientKill(new ClientKillParams().id(Long.toString(vid))));
            // By default the caller skips itself.
            long self = a.clientId();
            assertEquals(0L, a.clientKill(new ClientKillParams().id(Long.toString(self))));
            assertEquals("PONG", a.ping());
        }
    }

    @Test
    void killByAddrOldAndNewForm() throws IOException {
        try (Jedis a = server.jedis(); RawClient v1 = new RawClient(server.port());
             RawClient v2 = new RawClient(server.port())) {
            assertEquals("+PONG\r\n", v1.call("PING"));
            assertEquals("+PONG\r\n", v2.call("PING"));
            String addr1 = "127.0.0.1:" + v1.socket().getLocalPort();
            String addr2 = "127.0.0.1:" + v2.socket().getLocalPort();
            assertEquals("OK", a.clientKill(addr1));
            assertTrue(v1.closedWithin(2000));
            JedisDataException e = assertThrows(JedisDataException.class, () -> a.clientKill(addr1));
            assertEquals("ERR No such client", e.getMessage());
            assertEquals(1L, a.clientKill(new ClientKillParams().addr(addr2)));
            assertTrue(v2.closedWithin(2000));
        }
    }

    @Test
    void killFilterErrorsAndSelf() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            assertEquals("-ERR client-id should be greater than 0\r\n", c.call("CLIENT", "KILL", "ID", "0"));
            assertEquals("-ERR client-id should be greater than 0\r\n", c.call("CLIENT", "KILL", "ID", "abc"));
            assertEquals("-ERR Unknown client type 'foo'\r\n", c.call("CLIENT", "KILL", "TYPE", "foo"));
            assertEquals("-ERR No such user 'bob'\r\n", c.call("CLIENT", "KILL", "USER", "bob"));
            assertEquals("-ERR syntax error\r\n", c.call("CLIENT", "KILL", "SKIPME", "maybe"));
            assertEquals("-ERR syntax error\r\n", c.call("CLIENT", "KILL", "foo", "bar"));
            assertEquals("-ERR syntax error\r\n", c.call("CLIENT", "KILL", "ID", "1", "SKIPME"));
            assertEquals(":0\r\n", c.call("CLIENT", "KILL", "LADDR", "1.2.3.4:5"));
            assertEquals("-ERR No such client\r\n", c.call("CLIENT", "KILL", "1.2.3.4:5"));
            String id = c.call("CLIENT", "ID").substring(1).trim();
            // SKIPME no: the caller is killed too, after its reply.
            assertEquals(":1\r\n", c.call("CLIENT", "KILL", "ID", id, "SKIPME", "no", "USER", "default"));
            assertTrue(c.closedWithin(2000));
        }
    }

    @Test
    void replyOffAndSkip() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            // What real Redis sends for this pipeline: SKIP drops exactly the next reply, OFF drops all
            // (errors included) until ON, whose own +OK is sent.
            c.sendRaw("CLIENT REPLY SKIP\r\nPING 1\r\nPING 2\r\nCLIENT REPLY OFF\r\nPING 3\r\nFOO\r\n"
                    + "CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING 4\r\n");
            assertEquals("$1\r\n2\r\n", c.readReply());
            assertEquals("+OK\r\n", c.readReply());
            assertEquals("$1\r\n4\r\n", c.readReply());
            c.sendRaw("CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING 5\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\n"
                    + "PING 6\r\nPING 7\r\n");
            assertEquals("+OK\r\n", c.readReply());
            assertEquals("$1\r\n5\r\n", c.readReply());
            assertEquals("$1\r\n7\r\n", c.readReply());
            assertEquals("-ERR syntax error\r\n", c.call("CLIENT", "REPLY", "maybe"));
            // Commands still run while their replies are dropped.
            c.sendRaw("CLIENT REPLY OFF\r\nSET replied-off yes\r\nCLIENT REPLY ON\r\nGET replied-off\r\n");
            assertEquals("+OK\r\n", c.readReply());
            assertEquals("$3\r\nyes\r\n", c.readReply());
        }
    }

    @Test
    void noEvictAndNoTouchFlags() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            assertEquals("+OK\r\n", c.call("CLIENT", "NO-EVICT", "on"));
            assertTrue(c.call("CLIENT", "INFO").contains(" flags=e "));
            assertEquals("+OK\r\n", c.call("CLIENT", "NO-TOUCH", "ON"));
            assertTrue(c.call("CLIENT", "INFO").contains(" flags=eT "));
            assertEquals("+OK\r\n", c.call("CLIENT", "NO-EVICT", "off"));
            assertEquals("+OK\r\n", c.call("CLIENT", "NO-TOUCH", "off"));
            assertTrue(c.call("CLIENT", "INFO").contains(" flags=N "));
            assertEquals("-ERR syntax error\r\n", c.call("CLIENT", "NO-EVICT", "x"));
            assertEquals("-ERR syntax error\r\n", c.call("CLIENT", "NO-TOUCH", "x"));
        }
    }

    @Test
    void pauseWriteHoldsSetButNotGetUntilUnpause() throws IOException {
        try (RawClient admin = new RawClient(server.port()); RawClient writer = new RawClient(server.port());
             RawClient reader = new RawClient(server.port())) {
            assertEquals("+OK\r\n", admin.call("CLIENT", "PAUSE", "60000", "WRITE"));
            writer.sendRaw("SET paused-key v\r\nGET paused-key\r\n");
            assertNull(writer.readReplyWithin(300), "SET is held while writes are paused");
            // Reads from other clients go on, and see that the SET has not run.
            assertEquals("$-1\r\n", reader.call("GET", "paused-key"));
            assertEquals("+PONG\r\n", reader.call("PING"));
            String writerAddr = "addr=127.0.0.1:" + writer.socket().getLocalPort() + " ";
            String list = admin.call("CLIENT", "LIST");
            String held = null;
            for (String line : list.split("\n")) {
                if (line.contains(writerAddr)) {
                    held = line;
                }
            }
            assertNotNull(held, list);
            assertEquals("b", fields(held).get("flags"));
            assertEquals("set", fields(held).get("cmd"));
            assertEquals("+OK\r\n", admin.call("CLIENT", "UNPAUSE"));
            // The held SET runs first, then what was pipelined behind it.
            assertEquals("+OK\r\n", writer.readReply());
            assertEquals("$1\r\nv\r\n", writer.readReply());
            assertEquals("$1\r\nv\r\n", reader.call("GET", "paused-key"));
        }
    }

    @Test
    void pauseEndsByItself() throws IOException {
        try (RawClient admin = new RawClient(server.port()); RawClient writer = new RawClient(server.port())) {
            assertEquals("+OK\r\n", admin.call("CLIENT", "PAUSE", "300", "WRITE"));
            long start = System.nanoTime();
            assertEquals("+OK\r\n", writer.call("SET", "timed-pause", "1"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 200, "held for " + ms + " ms");
        }
    }

    @Test
    void pauseAllHoldsReadsAndErrorsStillAnswerAtOnce() throws IOException {
        try (RawClient admin = new RawClient(server.port()); RawClient other = new RawClient(server.port())) {
            assertEquals("+OK\r\n", admin.call("CLIENT", "PAUSE", "400"));
            // Rejected before the pause check, as in Redis: unknown commands and arity errors.
            assertEquals("-ERR wrong number of arguments for 'get' command\r\n", other.call("GET"));
            long start = System.nanoTime();
            assertEquals("+PONG\r\n", other.call("PING"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 250, "PING held for " + ms + " ms");
        }
    }

    @Test
    void pauseArgumentErrors() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            assertEquals("-ERR timeout is not an integer or out of range\r\n", c.call("CLIENT", "PAUSE", "abc"));
            assertEquals("-ERR timeout is negative\r\n", c.call("CLIENT", "PAUSE", "-1"));
            assertEquals("-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n", c.call("CLIENT", "PAUSE", "10", "foo"));
            assertEquals("-ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.\r\n",
                    c.call("CLIENT", "pause", "10", "WRITE", "x"));
            assertEquals("+OK\r\n", c.call("CLIENT", "PAUSE", "0"));
            assertEquals("+PONG\r\n", c.call("PING")); // a zero timeout pauses nothing
        }
    }

    @Test
    void unblockWithNothingBlocked() throws IOException {
        try (RawClient c = new RawClient(server.port()); RawClient other = new RawClient(server.port())) {
            String id = other.call("CLIENT", "ID").substring(1).trim();
            assertEquals(":0\r\n", c.call("CLIENT", "UNBLOCK", id));
            assertEquals(":0\r\n", c.call("CLIENT", "UNBLOCK", "999999", "ERROR"));
            assertEquals("-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n",
                    c.call("CLIENT", "UNBLOCK", "abc", "foo"));
            assertEquals("-ERR value is not an integer or out of range\r\n", c.call("CLIENT", "UNBLOCK", "abc"));
        }
    }

    @Test
    void helpAndUnknownSubcommand() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            String help = c.call("CLIENT", "HELP");
            assertTrue(help.startsWith("*"), help);
            assertTrue(help.contains("+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"), help);
            assertTrue(help.contains("+NO-TOUCH (ON|OFF)\r\n"), help);
            assertTrue(help.contains("+SETINFO <option> <value>\r\n"), help);
            assertTrue(help.endsWith("+HELP\r\n+    Prints this help.\r\n"), help);
            assertEquals("-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n", c.call("CLIENT", "foo"));
            assertEquals("-ERR wrong number of arguments for 'client' command\r\n", c.call("CLIENT"));
            assertFalse(c.closedWithin(50));
        }
    }
}
