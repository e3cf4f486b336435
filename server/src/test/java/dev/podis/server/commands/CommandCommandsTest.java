package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CommandCommandsTest {
    static TestServer server;
    static RealRedis redis;

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

    private static RespClient podis(int protocol) throws IOException {
        return protocol == 3 ? Resp3.connect(server) : new RespClient(server.port());
    }

    private static RespClient real(int protocol) throws IOException {
        RespClient c = new RespClient(redis.port());
        if (protocol == 3) {
            c.call("HELLO", "3");
        }
        return c;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void commandInfoGetIsByteIdenticalToRedis() throws IOException {
        // What Redis 7.0 replies for COMMAND INFO get in RESP2, spelled out from its documented shape.
        String expected = "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
                + "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n"
                + "$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n"
                + "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n"
                + "$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
        try (RespClient p = podis(2)) {
            assertEquals(expected, text(p.raw("COMMAND", "INFO", "get")));
        }
        assumeTrue(redis != null, "redis-server is not installed");
        for (int proto : new int[] {2, 3}) {
            try (RespClient p = podis(proto); RespClient r = real(proto)) {
                for (String cmd : new String[] {"get", "set", "info", "time", "monitor", "echo", "memory|usage",
                    "slowlog|get", "latency|histogram", "command|getkeys", "shutdown", "debug"}) {
                    assertEquals(text(r.raw("COMMAND", "INFO", cmd)), text(p.raw("COMMAND", "INFO", cmd)), cmd + " RESP" + proto);
                    assertEquals(text(r.raw("COMMAND", "DOCS", cmd)), text(p.raw("COMMAND", "DOCS", cmd)), cmd + " docs RESP" + proto);
                }
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void containerListsItsSubcommandsAsRedisDoes() throws IOException {
        assumeTrue(redis != null, "redis-server is not installed");
        try (RespClient p = podis(3); RespClient r = real(3)) {
            // Redis's subcommand order depends on its hash seed: compare as sets of entries.
            for (String cmd : new String[] {"slowlog", "latency", "memory", "command"}) {
                List<Object> pe = (List<Object>) ((List<Object>) p.call("COMMAND", "INFO", cmd)).get(0);
                List<Object> re = (List<Object>) ((List<Object>) r.call("COMMAND", "INFO", cmd)).get(0);
                assertEquals(re.subList(0, 9), pe.subList(0, 9), cmd);
                assertEquals(new HashSet<>((List<Object>) re.get(9)), new HashSet<>((List<Object>) pe.get(9)), cmd);
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void infoCountListAndUnknownNames() throws IOException {
        try (RespClient p = podis(2)) {
            List<Object> all = (List<Object>) p.call("COMMAND");
            long count = (Long) p.call("COMMAND", "COUNT");
            assertEquals(all.size(), count);
            Set<String> names = new HashSet<>();
            for (Object e : all) {
                names.add((String) ((List<Object>) e).get(0));
            }
            assertTrue(names.containsAll(List.of("get", "set", "ping", "command", "info", "slowlog")), names.toString());
            assertFalse(names.contains("asking"), "not implemented, so not listed");

            List<Object> info = (List<Object>) p.call("COMMAND", "INFO", "get", "nosuchcommand", "asking");
            assertEquals(3, info.size());
            assertNull(info.get(1));
            assertNull(info.get(2));
            assertEquals(all.size(), ((List<Object>) p.call("COMMAND", "INFO")).size());

            List<Object> list = (List<Object>) p.call("COMMAND", "LIST");
            assertTrue(list.contains("slowlog|get"));
            assertEquals(count, list.stream().filter(n -> !((String) n).contains("|")).count());
            assertEquals(List.of("slowlog|get", "slowlog|len", "slowlog|reset", "slowlog|help").stream().sorted().toList(),
                    ((List<Object>) p.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "SLOWLOG|*")).stream()
                            .map(Object::toString).sorted().toList());
            List<Object> fast = (List<Object>) p.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "fast");
            assertTrue(fast.contains("get") && !fast.contains("set"), fast.toString());
            assertEquals(List.of(), p.call("COMMAND", "LIST", "FILTERBY", "MODULE", "x"));
            assertEquals(List.of(), p.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcategory"));
            assertEquals(new RespClient.Err("ERR syntax error"), p.call("COMMAND", "LIST", "FILTERBY", "FOO", "x"));
            assertEquals(new RespClient.Err("ERR syntax error"), p.call("COMMAND", "LIST", "FILTERBY"));

            Map<Object, Object> docs = toMap((List<Object>) p.call("COMMAND", "DOCS", "get", "nosuch"));
            assertEquals(Set.of("get"), docs.keySet());
            List<Object> help = (List<Object>) p.call("COMMAND", "HELP");
            assertEquals(new RespClient.Status("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"), help.get(0));
            assertEquals(new RespClient.Status("    Prints this help."), help.get(help.size() - 1));
        }
    }

    private static Map<Object, Object> toMap(List<Object> flat) {
        Map<Object, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < flat.size(); i += 2) {
            m.put(flat.get(i), flat.get(i + 1));
        }
        return m;
    }

    @Test
    void getkeysFromKeySpecs() throws IOException {
        try (RespClient p = podis(2)) {
            assertEquals(List.of("a", "b"), p.call("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"));
            assertEquals(List.of("k"), p.call("COMMAND", "GETKEYS", "SET", "k", "v"));
            assertEquals(List.of("a", "b"), p.call("COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c"));
            assertEquals(List.of(), p.call("COMMAND", "GETKEYS", "EVAL", "return 1", "0"));
            assertEquals(List.of("d", "a", "b"), p.call("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"));
            assertEquals(List.of("a", "b"), p.call("COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT"));
            assertEquals(List.of("a", "b"), p.call("COMMAND", "GETKEYS", "XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0"));
            assertEquals(List.of("a", "c"), p.call("COMMAND", "GETKEYS", "SORT", "a", "STORE", "b", "BY", "STORE", "GET", "x", "STORE", "c"));
            assertEquals(List.of("a", "b"), p.call("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b"));
            assertEquals(List.of("x"), p.call("COMMAND", "GETKEYS", "MEMORY", "USAGE", "x"));
            assertEquals(new RespClient.Err("ERR Invalid arguments specified for command"),
                    p.call("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "0", "a"));
            assertEquals(new RespClient.Err("ERR Invalid command specified"), p.call("COMMAND", "GETKEYS", "NOSUCH", "a"));
            assertEquals(new RespClient.Err("ERR The command has no key arguments"), p.call("COMMAND", "GETKEYS", "PING", "a"));
            assertEquals(new RespClient.Err("ERR The command has no key arguments"), p.call("COMMAND", "GETKEYS", "SLOWLOG", "GET"));
            assertEquals(new RespClient.Err("ERR Invalid number of arguments specified for command"),
                    p.call("COMMAND", "GETKEYS", "SET", "k"));
            assertEquals(new RespClient.Err("ERR wrong number of arguments for 'command|getkeys' command"),
                    p.call("COMMAND", "GETKEYS", "GET"));
            assertEquals(List.of(List.of("k", List.of(new RespClient.Status("OW"), new RespClient.Status("update")))),
                    p.call("COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v"));
            assertEquals(List.of(List.of("k", List.of(new RespClient.Status("RW"), new RespClient.Status("access"),
                            new RespClient.Status("update")))),
                    p.call("COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v", "GET"));
        }
    }

    @Test
    void getkeysMatchesRedis() throws IOException {
        assumeTrue(redis != null, "redis-server is not installed");
        String[][] lines = {
            {"MSET", "a", "1", "b", "2"}, {"MSET", "a", "1", "b"}, {"SET", "k", "v"}, {"SET", "k", "v", "NX", "GET"},
            {"EVAL", "", "2", "a", "b", "c"}, {"EVAL", "", "0"}, {"EVAL", "", "5", "a"}, {"EVAL", "", "-1", "a"},
            {"FCALL", "f", "1", "a"}, {"ZUNIONSTORE", "d", "2", "a", "b"}, {"ZUNIONSTORE", "d", "0", "a"},
            {"ZINTER", "2", "a", "b"}, {"LMPOP", "2", "a", "b", "LEFT"}, {"BLMPOP", "0", "2", "a", "b", "LEFT"},
            {"XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0"}, {"XREAD", "STREAMS", "a", "b", "c"},
            {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"}, {"XREAD", "COUNT", "5", "BLOCK"},
            {"SORT", "a", "STORE", "b", "BY", "STORE", "GET", "x", "STORE", "c"}, {"SORT_RO", "a", "BY", "x"},
            {"MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b"}, {"MIGRATE", "h", "1", "k", "0", "5"},
            {"MIGRATE", "h", "1", "k", "0", "5", "AUTH", "p", "KEYS", "a"},
            {"GEORADIUS", "k", "0", "0", "1", "m", "STORE", "s", "STOREDIST", "t"},
            {"BITFIELD", "k", "GET", "u8", "0"}, {"BITFIELD", "k", "SET", "u8", "0", "1"},
            {"MEMORY", "USAGE", "k"}, {"OBJECT", "ENCODING", "k"}, {"RENAME", "a", "b"}, {"LCS", "a", "b"},
            {"SPUBLISH", "ch", "m"}, {"PING", "a"}, {"CONFIG", "GET", "x"}, {"NOSUCH", "a"}, {"SET", "k"},
            {"ZINTERSTORE", "d", "2", "a"}, {"SINTERCARD", "2", "a", "b", "LIMIT", "1"}, {"DEL", "a", "b", "c"},
            {"MSETNX", "a"}, {"LMOVE", "a", "b", "LEFT", "RIGHT"}, {"BLPOP", "a", "b", "0"}, {"XADD", "s", "*", "f", "v"},
        };
        for (int proto : new int[] {2, 3}) {
            try (RespClient p = podis(proto); RespClient r = real(proto)) {
                for (String[] line : lines) {
                    for (String sub : new String[] {"GETKEYS", "GETKEYSANDFLAGS"}) {
                        String[] cmd = new String[line.length + 2];
                        cmd[0] = "COMMAND";
                        cmd[1] = sub;
                        System.arraycopy(line, 0, cmd, 2, line.length);
                        assertEquals(text(r.raw(cmd)), text(p.raw(cmd)), String.join(" ", cmd) + " RESP" + proto);
                    }
                }
            }
        }
    }

    @Test
    void listFilterMatchesRedisForImplementedCommands() throws IOException {
        assumeTrue(redis != null, "redis-server is not installed");
        try (RespClient p = podis(2); RespClient r = real(2)) {
            @SuppressWarnings("unchecked")
            List<Object> mine = (List<Object>) p.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "*e*");
            @SuppressWarnings("unchecked")
            List<Object> theirs = new ArrayList<>((List<Object>) r.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "*e*"));
            theirs.retainAll(new HashSet<>((List<Object>) p.call("COMMAND", "LIST")));
            // The reference server is Redis 7.0; these subcommands arrived in 7.2.
            mine.removeAll(List.of("client|no-touch", "client|setinfo"));
            assertEquals(new HashSet<>(theirs), new HashSet<>(mine));
            assertInstanceOf(RespClient.Err.class, p.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "x", "y"));
        }
    }
}
