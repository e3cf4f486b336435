package dev.podis.server.config;

import dev.podis.server.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** redis.conf parsing, the command line, and the three layers. */
class ConfigLoaderTest {
    @TempDir
    Path tmp;

    private Path write(String name, String content) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private ServerConfig load(Path file, Map<String, String> env, String... flags) throws ConfigException {
        List<String> args = new java.util.ArrayList<>();
        if (file != null) {
            args.add(file.toString());
        }
        args.addAll(List.of(flags));
        return Main.configure(args, env);
    }

    private String failure(Path file, Map<String, String> env, String... flags) {
        return assertThrows(ConfigException.class, () -> load(file, env, flags)).getMessage();
    }

    // ------------------------------------------------------------------ the file

    @Test
    void fileSyntaxAsRedis() throws Exception {
        Path f = write("podis.conf", String.join("\n",
                "# a comment",
                "   ",
                "port 7000",
                "  requirepass \"s3cr\\x65t \\\"q\\\"\"   ",
                "masterauth 'it\\'s'",
                "MAXMEMORY 100mb\r",
                "save 900 1",
                "save 300 10",
                "bind 127.0.0.1 ::1",
                "slaveof 10.0.0.1 6380",
                "list-max-ziplist-entries 512",
                "dir " + tmp,
                ""));
        ServerConfig c = load(f, Map.of());
        assertEquals("7000", c.get("port"));
        assertEquals("s3cret \"q\"", c.get("requirepass"));
        assertEquals("it's", c.get("masterauth"));
        assertEquals("104857600", c.get("maxmemory"));
        assertEquals("900 1 300 10", c.get("save")); // repeated save lines add up
        assertEquals("127.0.0.1 ::1", c.get("bind"));
        assertEquals("10.0.0.1 6380", c.get("replicaof"));
        assertEquals(tmp.toAbsolutePath().toString(), c.get("dir"));
        assertEquals(f.toAbsolutePath(), c.configFile());
    }

    @Test
    void saveEmptyResetsAndBindLastWins() throws Exception {
        Path f = write("a.conf", "save 900 1\nsave \"\"\nsave 60 5\nbind 1.2.3.4\nbind 127.0.0.1\n");
        ServerConfig c = load(f, Map.of());
        assertEquals("60 5", c.get("save"));
        assertEquals("127.0.0.1", c.get("bind"));
    }

    @Test
    void includeAndIncludeGlob() throws Exception {
        Path d = Files.createDirectory(tmp.resolve("conf.d"));
        Files.writeString(d.resolve("10-a.conf"), "hz 20\ntimeout 5\n");
        Files.writeString(d.resolve("20-b.conf"), "timeout 7\n");
        Files.writeString(d.resolve("ignored.txt"), "bogus directive\n");
        Path f = write("main.conf", "port 7001\ninclude " + d + "/*.conf\ninclude " + tmp.resolve("empty.d") + "/*.conf\n");
        ServerConfig c = load(f, Map.of());
        assertEquals("20", c.get("hz"));
        assertEquals("7", c.get("timeout"));
        assertEquals("7001", c.get("port"));

        Path missing = write("m.conf", "include /no/such/file.conf\n");
        String e = failure(missing, Map.of());
        assertTrue(e.contains("can't open config file '/no/such/file.conf'"), e);
        assertTrue(e.contains("at line 1"), e);
    }

    @Test
    void fileErrorsNameFileLineAndDirective() throws Exception {
        Path f = write("bad.conf", "port 7000\n# fine\nfoo \"bar\"\n");
        String e = failure(f, Map.of());
        assertTrue(e.contains("*** FATAL CONFIG FILE ERROR"), e);
        assertTrue(e.contains("Reading the configuration file " + f + ", at line 3"), e);
        assertTrue(e.contains(">>> 'foo \"bar\"'"), e);
        assertTrue(e.contains("Bad directive or wrong number of arguments: 'foo' is not a configuration parameter"), e);

        assertTrue(failure(write("q.conf", "port 1\nrequirepass \"open\n"), Map.of())
                .endsWith("at line 2\n>>> 'requirepass \"open'\nUnbalanced quotes in configuration line"));
        assertTrue(failure(write("n.conf", "port 1 2\n"), Map.of()).endsWith("wrong number of arguments"));
        assertTrue(failure(write("i.conf", "port abc\n"), Map.of())
                .endsWith("argument couldn't be parsed into an integer"));
        assertTrue(failure(write("r.conf", "rename-command FLUSHALL \"\"\n"), Map.of())
                .endsWith("'rename-command' is a Redis directive that Podis does not support"));
        assertTrue(failure(tmp.resolve("absent.conf"), Map.of()).contains("No such file or directory"));
    }

    // ------------------------------------------------------------------ the command line

    @Test
    void commandLineInRedisServerForm() throws Exception {
        ServerConfig c = load(null, Map.of(), "--port", "7000", "--dir", tmp.toString(), "--save", "900 1 300 10",
                "--appendonly", "no", "--bind", "127.0.0.1", "-::1", "--maxmemory", "2gb");
        assertEquals("7000", c.get("port"));
        assertEquals("900 1 300 10", c.get("save"));
        assertEquals("127.0.0.1 -::1", c.get("bind"));
        assertEquals("2147483648", c.get("maxmemory"));
        assertNull(c.configFile());

        assertEquals("", load(null, Map.of(), "--save", "", "--port", "1").get("save"));
        assertEquals("", load(null, Map.of(), "--save", "--port", "1").get("save"));
        assertEquals("", load(null, Map.of(), "--port", "1", "--save").get("save"));
        assertEquals("60 5", load(null, Map.of(), "--save", "60", "5").get("save"));
        assertEquals("7001", load(null, Map.of(), "--port 7001").get("port"));
        // a value that looks like an option is a value right after a name
        assertEquals("--x", load(null, Map.of(), "--requirepass", "--x").get("requirepass"));
    }

    @Test
    void picocliLeavesConfigFlagsAlone() throws Exception {
        Path f = write("p.conf", "timeout 9\n");
        ServerConfig c = Main.configure(new String[] {f.toString(), "--save", "", "--port", "7000",
            "--requirepass", "-h", "--masterauth", "@file", "--bind", "127.0.0.1", "::1"}, Map.of("X", "y"));
        assertEquals("9", c.get("timeout"));
        assertEquals("", c.get("save"));
        assertEquals("7000", c.get("port"));
        assertEquals("-h", c.get("requirepass"));
        assertEquals("@file", c.get("masterauth"));
        assertEquals("127.0.0.1 ::1", c.get("bind"));
        // as in redis-server, --help after the first flag is just an unknown parameter
        String e = assertThrows(ConfigException.class,
                () -> Main.configure(new String[] {"--port", "1", "--help"}, Map.of())).getMessage();
        assertTrue(e.contains("'help' is not a configuration parameter"), e);
        c = Main.configure(new String[] {"--port", "7000", "--requirepass", "--version"}, Map.of());
        assertEquals("--version", c.get("requirepass"));
    }

    @Test
    void commandLineErrorsNameTheOption() {
        String e = failure(null, Map.of(), "--port", "7000", "--no-such-thing", "1");
        assertTrue(e.contains("Reading the command line, at option --no-such-thing"), e);
        assertTrue(e.contains("'no-such-thing' is not a configuration parameter Podis knows"), e);
        e = failure(null, Map.of(), "--port", "seven");
        assertTrue(e.contains(">>> 'port \"seven\"'") && e.endsWith("argument couldn't be parsed into an integer"), e);
        assertTrue(failure(null, Map.of(), "--port").endsWith("wrong number of arguments"));
    }

    @Test
    void mainExitCodes() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream o = new java.io.PrintStream(out, true);
        java.io.PrintStream e = new java.io.PrintStream(err, true);
        assertEquals(0, Main.run(new String[] {"--version"}, o, e, Map.of()));
        assertTrue(out.toString().contains("Podis v=") && out.toString().contains("redis_version=7.2"), out.toString());
        out.reset();
        assertEquals(0, Main.run(new String[] {"--help"}, o, e, Map.of()));
        assertTrue(out.toString().contains("--<config-name> <value>"), out.toString());
        assertEquals(1, Main.run(new String[] {"--port", "1", "--bogus", "2"}, o, e, Map.of()));
        assertTrue(err.toString().contains("'bogus' is not a configuration parameter Podis knows"), err.toString());
    }

    // ------------------------------------------------------------------ layers and secrets

    @Test
    void laterLayersWin() throws Exception {
        Path f = write("l.conf", "port 7000\ntimeout 10\nsave 900 1\nsave 300 10\n");
        Map<String, String> env = Map.of("PODIS_PORT", "7001", "PODIS_MAXMEMORY_POLICY", "allkeys-lru",
                "PODIS_SAVE", "60 5", "HOME", "/root", "PODIS_LIST_MAX_LISTPACK_SIZE", "-3");
        ServerConfig c = load(f, env);
        assertEquals("7001", c.get("port"));
        assertEquals("10", c.get("timeout"));
        assertEquals("allkeys-lru", c.get("maxmemory-policy"));
        assertEquals("60 5", c.get("save")); // a later layer replaces the file's save lines
        assertEquals("-3", c.get("list-max-listpack-size"));
        c = load(f, env, "--port", "7002");
        assertEquals("7002", c.get("port"));
        assertEquals("PODIS_MAXMEMORY_POLICY", ConfigLoader.envName("maxmemory-policy"));
    }

    /** What Kubernetes injects for Services named podis and podis-admin when service links are on. */
    private static final Map<String, String> SERVICE_LINKS = Map.ofEntries(
            Map.entry("PODIS_SERVICE_HOST", "10.0.0.1"), Map.entry("PODIS_SERVICE_PORT", "6379"),
            Map.entry("PODIS_SERVICE_PORT_REDIS", "6379"), Map.entry("PODIS_PORT", "tcp://10.0.0.1:6379"),
            Map.entry("PODIS_PORT_6379_TCP", "tcp://10.0.0.1:6379"), Map.entry("PODIS_PORT_6379_TCP_PROTO", "tcp"),
            Map.entry("PODIS_PORT_6379_TCP_PORT", "6379"), Map.entry("PODIS_PORT_6379_TCP_ADDR", "10.0.0.1"),
            Map.entry("PODIS_ADMIN_SERVICE_HOST", "10.0.0.2"), Map.entry("PODIS_ADMIN_PORT", "tcp://10.0.0.2:9121"),
            Map.entry("PODIS_HEADLESS_PORT", "tcp://10.0.0.3:6379"));

    @Test
    void otherPodisVariablesAndServiceLinksAreIgnored() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(SERVICE_LINKS);
        env.put("PODIS_CONFIG_MAXMEMORY", "1gb"); // not a parameter's name
        env.put("PODIS_MAXMEMRY", "1gb");
        ServerConfig c = load(null, env);
        assertEquals("6379", c.get("port"));
        assertEquals("9121", c.get("admin-port"));
        assertEquals("0", c.get("maxmemory"));
        // A real setting next to them still applies, and a server starts with them.
        env.put("PODIS_TIMEOUT", "30");
        assertEquals("30", load(null, env).get("timeout"));
        ServerConfig started = Main.configure(new String[] {"--port", "0", "--bind", "127.0.0.1", "--admin-port", "0",
            "--save", "", "--keyspace-backend", "heap"}, env);
        try (dev.podis.server.PodisServer server = new dev.podis.server.PodisServer(started).start();
             redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis("127.0.0.1", server.port())) {
            assertEquals("PONG", j.ping());
            assertEquals("30", j.configGet("timeout").get("timeout"));
            assertTrue(server.adminPort() > 0);
        }
    }

    @Test
    void aBadValueInTheEnvironmentFails() {
        String e = failure(null, Map.of("PODIS_REQUIREPASS", "x", "PODIS_PORT", "abc"));
        assertTrue(e.contains("PODIS_PORT=abc"), e);
        assertTrue(e.contains("the environment variable PODIS_PORT"), e);
        e = failure(null, Map.of("PODIS_MAXMEMORY_POLICY", "lru"));
        assertTrue(e.contains("PODIS_MAXMEMORY_POLICY=lru"), e);
        // A service link's value is ignored only for ports.
        e = failure(null, Map.of("PODIS_TIMEOUT", "tcp://10.0.0.1:6379"));
        assertTrue(e.contains("PODIS_TIMEOUT"), e);
    }

    @Test
    void secretsFromFiles() throws Exception {
        Path secret = write("pass", "top secret\n");
        Path f = write("s.conf", "requirepass-file " + secret + "\n");
        assertEquals("top secret", load(f, Map.of()).get("requirepass"));
        assertEquals("top secret", load(null, Map.of(), "--requirepass-file", secret.toString()).get("requirepass"));
        assertEquals("top secret", load(null, Map.of("PODIS_MASTERAUTH_FILE", secret.toString()))
                .get("masterauth"));
        String e = failure(null, Map.of(), "--requirepass-file", tmp.resolve("none").toString());
        assertTrue(e.endsWith("No such file or directory"), e);
        // only secrets have the -file form
        assertTrue(failure(null, Map.of(), "--port-file", secret.toString()).contains("'port-file' is not"));
    }
}
