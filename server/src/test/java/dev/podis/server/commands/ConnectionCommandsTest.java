package dev.podis.server.commands;

import dev.podis.server.TestServer;
import dev.podis.server.Version;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.io.IOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionCommandsTest {
    static TestServer server;
    static TestServer secured;

    static final String NOAUTH = "-NOAUTH Authentication required.\r\n";
    static final String WRONGPASS = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";

    @BeforeAll
    static void start() {
        server = TestServer.start();
        secured = TestServer.start(Map.of("requirepass", "secret"));
    }

    @AfterAll
    static void stop() {
        server.close();
        secured.close();
    }

    static String bulk(String s) {
        return "$" + s.length() + "\r\n" + s + "\r\n";
    }

    /** The HELLO reply Redis sends, built from its documented fields, in the given protocol. */
    static String helloReply(int proto, long id) {
        return (proto == 3 ? "%7\r\n" : "*14\r\n")
                + bulk("server") + bulk("redis")
                + bulk("version") + bulk(Version.REDIS)
                + bulk("proto") + ":" + proto + "\r\n"
                + bulk("id") + ":" + id + "\r\n"
                + bulk("mode") + bulk("standalone")
                + bulk("role") + bulk("master")
                + bulk("modules") + "*0\r\n";
    }

    static long clientId(RawClient c) throws IOException {
        String r = c.call("CLIENT", "ID");
        assertTrue(r.startsWith(":"), r);
        return Long.parseLong(r.substring(1, r.length() - 2));
    }

    @Test
    void hello3SwitchesToResp3WithRedisMap() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            long id = clientId(c);
            assertEquals("$-1\r\n", c.call("GET", "missing"));
            assertEquals(helloReply(3, id), c.call("HELLO", "3"));
            // RESP3 from here on: null is "_", and HELLO without arguments reports proto 3.
            assertEquals("_\r\n", c.call("GET", "missing"));
            assertEquals("+PONG\r\n", c.call("PING"));
            assertEquals(helloReply(3, id), c.call("HELLO"));
            assertEquals("_\r\n", c.call("CLIENT", "GETNAME"));
            assertEquals(helloReply(2, id), c.call("HELLO", "2"));
            assertEquals("$-1\r\n", c.call("GET", "missing"));
        }
    }

    @Test
    void helloErrors() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            assertEquals("-NOPROTO unsupported protocol version\r\n", c.call("HELLO", "4"));
            assertEquals("-NOPROTO unsupported protocol version\r\n", c.call("HELLO", "1"));
            assertEquals("-ERR Protocol version is not an integer or out of range\r\n", c.call("HELLO", "abc"));
            assertEquals("-ERR Protocol version is not an integer or out of range\r\n", c.call("HELLO", "03"));
            assertEquals("-ERR Syntax error in HELLO option 'foo'\r\n", c.call("HELLO", "3", "foo"));
            assertEquals("-ERR Syntax error in HELLO option 'setname'\r\n", c.call("HELLO", "3", "setname"));
            assertEquals("-ERR Syntax error in HELLO option 'AUTH'\r\n", c.call("HELLO", "3", "AUTH", "default"));
            assertEquals("-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
                    c.call("HELLO", "3", "SETNAME", "a b"));
            // None of the failed HELLOs switched the protocol.
            assertEquals("$-1\r\n", c.call("GET", "missing"));
        }
    }

    @Test
    void helloSetnameAndAuthWithoutPassword() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            long id = clientId(c);
            // The default user has no password: HELLO AUTH default <anything> succeeds.
            assertEquals(helloReply(3, id), c.call("HELLO", "3", "AUTH", "default", "whatever", "SETNAME", "conn1"));
            assertEquals(bulk("conn1"), c.call("CLIENT", "GETNAME"));
            assertEquals(WRONGPASS, c.call("HELLO", "3", "AUTH", "bob", "x"));
        }
    }

    @Test
    void authWithoutRequirepass() {
        try (Jedis j = server.jedis()) {
            JedisDataException e = assertThrows(JedisDataException.class, () -> j.auth("x"));
            assertEquals("ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?", e.getMessage());
            assertEquals("OK", j.auth("default", "anything"));
            e = assertThrows(JedisDataException.class, () -> j.auth("bob", "x"));
            assertEquals("WRONGPASS invalid username-password pair or user is disabled.", e.getMessage());
            e = assertThrows(JedisDataException.class,
                    () -> j.sendCommand(() -> "AUTH".getBytes(), "a", "b", "c"));
            assertEquals("ERR syntax error", e.getMessage());
        }
    }

    @Test
    void requirepassNeedsAuthFirst() throws IOException {
        try (RawClient c = new RawClient(secured.port())) {
            assertEquals(NOAUTH, c.call("PING"));
            assertEquals(NOAUTH, c.call("CLIENT", "LIST"));
            assertEquals("-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                    + "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
                    + "select the RESP protocol version at the same time\r\n", c.call("HELLO", "3"));
            assertEquals(WRONGPASS, c.call("AUTH", "wrong"));
            assertEquals(WRONGPASS, c.call("AUTH", "bob", "secret"));
            assertEquals(NOAUTH, c.call("PING"));
            assertEquals("+OK\r\n", c.call("AUTH", "secret"));
            assertEquals("+PONG\r\n", c.call("PING"));
            // A failed AUTH does not log an authenticated connection out.
            assertEquals(WRONGPASS, c.call("AUTH", "default", "wrong"));
            assertEquals("+PONG\r\n", c.call("PING"));
        }
        try (RawClient c = new RawClient(secured.port())) {
            assertEquals("+OK\r\n", c.call("AUTH", "default", "secret"));
            assertEquals("+PONG\r\n", c.call("PING"));
        }
    }

    @Test
    void helloAuthenticatesAndSwitchesAtOnce() throws IOException {
        try (RawClient c = new RawClient(secured.port())) {
            assertEquals(WRONGPASS, c.call("HELLO", "3", "AUTH", "default", "bad", "SETNAME", "x"));
            assertEquals(NOAUTH, c.call("PING"));
            String r = c.call("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "bob");
            assertTrue(r.startsWith("%7\r\n"), r);
            long id = Long.parseLong(r.substring(r.indexOf("$2\r\nid\r\n:") + 9, r.indexOf("\r\n$4\r\nmode")));
            assertEquals(helloReply(3, id), r);
            assertEquals(bulk("bob"), c.call("CLIENT", "GETNAME"));
            assertEquals("_\r\n", c.call("GET", "nothing"));
        }
    }

    @Test
    void resetDeauthenticatesWhenPasswordIsSet() throws IOException {
        try (RawClient c = new RawClient(secured.port())) {
            assertEquals("+OK\r\n", c.call("AUTH", "secret"));
            assertEquals("+PONG\r\n", c.call("PING"));
            assertEquals("+RESET\r\n", c.call("RESET"));
            assertEquals(NOAUTH, c.call("PING"));
        }
    }

    @Test
    void resetRestoresConnectionDefaults() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            long id = clientId(c);
            c.call("HELLO", "3");
            assertEquals("+OK\r\n", c.call("SELECT", "5"));
            assertEquals("+OK\r\n", c.call("CLIENT", "SETNAME", "before"));
            assertEquals("+OK\r\n", c.call("CLIENT", "SETINFO", "LIB-NAME", "mylib"));
            assertEquals("+OK\r\n", c.call("CLIENT", "NO-EVICT", "on"));
            assertEquals("+OK\r\n", c.call("CLIENT", "NO-TOUCH", "on"));
            c.send("CLIENT", "REPLY", "OFF");
            assertEquals("+RESET\r\n", c.call("RESET")); // RESET turns replies back on, its own included
            String info = c.call("CLIENT", "INFO");
            assertTrue(info.startsWith("$"), "RESP2 again: verbatim text downgrades to a bulk string: " + info);
            assertTrue(info.contains("id=" + id + " "), info);
            assertTrue(info.contains(" name= "), info);
            assertTrue(info.contains(" db=0 "), info);
            assertTrue(info.contains(" flags=N "), info);
            assertTrue(info.contains(" resp=2 "), info);
            assertTrue(info.contains(" lib-name=mylib "), "RESET keeps the library name: " + info);
            assertEquals("$-1\r\n", c.call("CLIENT", "GETNAME"));
        }
    }

    @Test
    void resetClearsReplySkipOnlyForLaterCommands() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            // Redis: after CLIENT REPLY SKIP the next command (here RESET) is skipped; later ones reply.
            c.sendRaw("CLIENT REPLY SKIP\r\nRESET\r\nPING\r\n");
            assertEquals("+PONG\r\n", c.readReply());
        }
    }

    @Test
    void pingAndEcho() {
        try (Jedis j = server.jedis()) {
            assertEquals("PONG", j.ping());
            assertEquals("hello", j.ping("hello"));
            assertEquals("x y", j.echo("x y"));
            JedisDataException e = assertThrows(JedisDataException.class,
                    () -> j.sendCommand(() -> "PING".getBytes(), "a", "b"));
            assertEquals("ERR wrong number of arguments for 'ping' command", e.getMessage());
        }
    }

    @Test
    void pingInResp3() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            c.call("HELLO", "3");
            assertEquals("+PONG\r\n", c.call("PING"));
            assertEquals("$2\r\nhi\r\n", c.call("PING", "hi"));
        }
    }

    @Test
    void selectAndQuit() throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            assertEquals("-ERR DB index is out of range\r\n", c.call("SELECT", "16"));
            assertEquals("-ERR value is not an integer or out of range\r\n", c.call("SELECT", "x"));
            assertEquals("+OK\r\n", c.call("SELECT", "15"));
            assertEquals("+OK\r\n", c.call("QUIT"));
            assertTrue(c.closedWithin(2000));
        }
    }

    @Test
    void jedisStillConnectsAndGetsNullNames() {
        try (Jedis j = server.jedis()) {
            assertNull(j.clientGetname());
        }
    }
}
