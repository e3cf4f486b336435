package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.Main;
import dev.podis.server.PodisServer;
import dev.podis.server.TestServer;
import dev.podis.server.config.ServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CONFIG GET/SET/RESETSTAT/REWRITE/HELP over TCP, with Redis 7's replies and error texts. */
class ConfigCommandsTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String error(Jedis j, String... args) {
        return assertThrows(JedisDataException.class,
                () -> j.sendCommand(() -> "CONFIG".getBytes(StandardCharsets.US_ASCII), args)).getMessage();
    }

    @Test
    void getExactGlobAliasesAndSeveralPatterns() {
        try (Jedis j = server.jedis()) {
            assertEquals(Map.of("maxmemory-policy", "noeviction"), j.configGet("maxmemory-policy"));
            // an exact name answers under the name as given; duplicates collapse
            assertEquals(Map.of("PORT", String.valueOf(0)), j.configGet("PORT", "port", "Port"));
            assertEquals(Map.of(), j.configGet("no-such-parameter"));
            assertEquals(Map.of("slaveof", "", "replicaof", ""), j.configGet("*of"));
            Map<String, String> entries = j.configGet("*max*entries*");
            assertEquals(Map.of("stream-node-max-entries", "100", "zset-max-listpack-entries", "128",
                    "zset-max-ziplist-entries", "128", "set-max-intset-entries", "512",
                    "set-max-listpack-entries", "128", "hash-max-listpack-entries", "512",
                    "hash-max-ziplist-entries", "512"), entries);
            assertEquals(Map.of("maxmemory-policy", "noeviction", "timeout", "0"),
                    j.configGet("maxmemory-p[a-z]licy", "TIME?UT"));
            // hidden parameters answer only to their exact name
            assertEquals(Map.of("key-load-delay", "0"), j.configGet("key-load-delay"));
            assertFalse(j.configGet("*").containsKey("key-load-delay"));
            // Redis 7.2's names plus keyspace-backend, admin-port, admin-bind, refuse-empty-start,
            // snapshot-buffer-size, snapshot-cpu-percent, network-transport
            assertEquals(196 + 7, j.configGet("*").size());
            assertEquals("ERR wrong number of arguments for 'config|get' command", error(j, "GET"));
        }
    }

    @Test
    void getIsAMapInResp3() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("+PONG\r\n", read(in, 7));
            // HELLO belongs to another family; switch this connection to RESP3 directly.
            PodisServer p = server.server();
            p.context().commandLoop().submit(() -> {
                for (Client c : p.context().clients().values()) {
                    c.protocol(3);
                }
            }).get();
            out.write("CONFIG GET maxmemory-policy\r\n".getBytes(StandardCharsets.US_ASCII));
            String expected = "%1\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n";
            assertEquals(expected, read(in, expected.length()));
        }
    }

    private static String read(InputStream in, int n) throws Exception {
        byte[] b = in.readNBytes(n);
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void setSeveralAtomicallyWithRedisErrors() {
        try (Jedis j = server.jedis()) {
            assertEquals("OK", j.configSet("maxmemory", "100mb", "maxmemory-policy", "ALLKEYS-LRU"));
            assertEquals(Map.of("maxmemory", "104857600", "maxmemory-policy", "allkeys-lru"),
                    j.configGet("maxmemory", "maxmemory-policy"));
            assertEquals("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer",
                    error(j, "SET", "maxmemory", "1mb", "timeout", "abc"));
            assertEquals("104857600", j.configGet("maxmemory").get("maxmemory"));
            assertEquals("ERR Unknown option or number of arguments for CONFIG SET - 'x'", error(j, "SET", "x", "1"));
            assertEquals("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config",
                    error(j, "SET", "databases", "3"));
            assertEquals("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
                    error(j, "SET", "dir", "/tmp"));
            assertEquals("ERR CONFIG SET failed (possibly related to argument 'maxclients') - duplicate parameter",
                    error(j, "SET", "maxclients", "10", "maxclients", "20"));
            assertEquals("ERR syntax error", error(j, "SET", "a", "b", "c"));
            assertEquals("ERR wrong number of arguments for 'config|set' command", error(j, "SET", "maxclients"));
            assertEquals("OK", j.configSet("maxmemory", "0", "maxmemory-policy", "noeviction"));
        }
    }

    @Test
    void protoMaxBulkLenTakesEffectOnTheConnection() throws Exception {
        try (Jedis j = server.jedis()) {
            assertEquals("OK", j.configSet("proto-max-bulk-len", "1mb"));
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.getOutputStream().write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n".getBytes(StandardCharsets.US_ASCII));
                String expected = "-ERR Protocol error: invalid bulk length\r\n";
                assertEquals(expected, read(s.getInputStream(), expected.length()));
            } finally {
                j.configSet("proto-max-bulk-len", "512mb");
            }
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.getOutputStream().write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(("x".repeat(1048577) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                assertEquals("+OK\r\n", read(s.getInputStream(), 5));
            }
        }
    }

    @Test
    void maxclientsRejectsWithRedisText() throws Exception {
        try (TestServer s = TestServer.start(Map.of("maxclients", "1")); Jedis first = s.jedis()) {
            assertEquals("PONG", first.ping());
            try (Socket second = new Socket("127.0.0.1", s.port())) {
                String expected = "-ERR max number of clients reached\r\n";
                assertEquals(expected, read(second.getInputStream(), expected.length()));
                assertEquals(-1, second.getInputStream().read()); // then closed
            }
            assertEquals("OK", first.configSet("maxclients", "10"));
            try (Jedis third = s.jedis()) {
                assertEquals("PONG", third.ping());
            }
        }
    }

    @Test
    void resetstatClearsServerAndCommandStats() {
        try (Jedis j = server.jedis()) {
            j.ping();
            j.get("nothing");
            assertTrue(server.server().context().stats().totalCommandsProcessed > 0);
            assertEquals("OK", j.configResetStat());
            // CONFIG RESETSTAT itself is counted after the reset, as in Redis
            assertEquals(1, server.server().context().stats().totalCommandsProcessed);
            assertEquals(0, server.server().context().stats().keyspaceMisses);
        }
    }

    @Test
    void helpListsSubcommands() {
        try (Jedis j = server.jedis()) {
            @SuppressWarnings("unchecked")
            List<Object> help = (List<Object>) j.sendCommand(() -> "CONFIG".getBytes(), "HELP");
            assertEquals(11, help.size());
            assertEquals("CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    new String((byte[]) help.get(0), StandardCharsets.UTF_8));
        }
    }

    @Test
    void rewriteWithoutAndWithConfigFile(@TempDir Path tmp) throws Exception {
        try (Jedis j = server.jedis()) {
            assertEquals("ERR The server is running without a config file", error(j, "REWRITE"));
        }
        Path f = tmp.resolve("podis.conf");
        Files.writeString(f, "# test server\nport 0\nbind 127.0.0.1\nsave \"\"\nadmin-port -1\n");
        ServerConfig c = Main.configure(List.of(f.toString(), "--dir", tmp.toString()), Map.of());
        try (PodisServer p = new PodisServer(c).start(); Jedis j = new Jedis("127.0.0.1", p.port())) {
            assertEquals("OK", j.configSet("timeout", "300", "maxmemory", "1gb"));
            assertEquals("OK", j.configRewrite());
            String text = Files.readString(f);
            assertTrue(text.startsWith("# test server\nport 0\nbind 127.0.0.1\nsave \"\"\nadmin-port -1\n"), text);
            assertTrue(text.contains("\ntimeout 300\n") && text.contains("\nmaxmemory 1gb\n"), text);
            ServerConfig reloaded = Main.configure(List.of(f.toString()), Map.of());
            assertEquals("300", reloaded.get("timeout"));
            assertEquals("1073741824", reloaded.get("maxmemory"));
        }
    }

    @Test
    void configSetPortMovesTheListener() throws Exception {
        try (TestServer s = TestServer.start(); Jedis j = s.jedis()) {
            int newPort;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                newPort = free.getLocalPort();
            }
            assertEquals("OK", j.configSet("port", String.valueOf(newPort)));
            assertEquals(newPort, s.port());
            for (int i = 0; i < 50; i++) {
                try (Jedis k = new Jedis("127.0.0.1", newPort)) {
                    assertEquals("PONG", k.ping());
                    break;
                } catch (redis.clients.jedis.exceptions.JedisConnectionException e) {
                    Thread.sleep(20);
                }
            }
            // a port already in use is refused and nothing changes
            try (java.net.ServerSocket taken = new java.net.ServerSocket(0);
                 Jedis k = new Jedis("127.0.0.1", newPort)) {
                assertEquals("ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port",
                        error(k, "SET", "port", String.valueOf(taken.getLocalPort())));
                assertEquals(String.valueOf(newPort), k.configGet("port").get("port"));
            }
        }
    }
}
