package dev.podis.server.config;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parameter table, validation and CONFIG SET semantics, without a server. */
class ServerConfigTest {
    private static String setError(ServerConfig c, String... pairs) {
        return assertThrows(ConfigException.class, () -> c.setAll(List.of(pairs), true)).getMessage();
    }

    @Test
    void everyDefaultIsValidAndCanonical() throws ConfigException {
        ServerConfig c = new ServerConfig("/");
        for (ConfigParam p : c.params()) {
            if (p.name().equals("replicaof")) {
                continue; // its default is "no master", which only "no one" sets
            }
            List<String> args = p.multiArg() ? splitWords(p.defaultValue()) : List.of(p.defaultValue());
            if (p.multiArg() && p.defaultValue().isEmpty()) {
                args = List.of("");
            }
            assertEquals(p.defaultValue(), ServerConfig.normalize(p, args, p.defaultValue()), p.name());
        }
    }

    private static List<String> splitWords(String s) {
        return s.isEmpty() ? List.of() : List.of(s.split(" "));
    }

    @Test
    void tableHasRedis72NamesAndAliasesOnce() {
        ServerConfig c = new ServerConfig("/");
        Set<String> names = new HashSet<>();
        for (String n : c.names()) {
            assertTrue(names.add(n), "duplicate name " + n);
        }
        // Redis 7.0's CONFIG GET * lists 192 names (aliases included) with TLS; 7.2 adds four;
        // Podis adds its own keyspace-backend, admin-port, admin-bind, refuse-empty-start,
        // snapshot-buffer-size, snapshot-cpu-percent and network-transport.
        assertEquals(196 + 7, c.names().size() - hidden(c));
        assertNotNull(c.param("keyspace-backend"));
        assertSame(c.param("replicaof"), c.param("slaveof"));
        assertSame(c.param("hash-max-listpack-entries"), c.param("HASH-MAX-ZIPLIST-ENTRIES"));
        assertSame(c.param("busy-reply-threshold"), c.param("lua-time-limit"));
        assertNotNull(c.param("enable-debug-command"));
        assertFalse(c.param("enable-debug-command").active());
        assertTrue(c.param("maxclients").active());
    }

    private static int hidden(ServerConfig c) {
        int n = 0;
        for (ConfigParam p : c.params()) {
            if (p.hidden()) {
                n++;
            }
        }
        return n;
    }

    @Test
    void defaultsAsRedisReportsThem() {
        ServerConfig c = new ServerConfig("/data");
        assertEquals("6379", c.get("port"));
        assertEquals("* -::*", c.get("bind"));
        assertEquals("3600 1 300 100 60 10000", c.get("save"));
        assertEquals("536870912", c.get("proto-max-bulk-len"));
        assertEquals("1073741824", c.get("client-query-buffer-limit"));
        assertEquals("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
                c.get("client-output-buffer-limit"));
        assertEquals("/data", c.get("dir"));
        assertEquals("noeviction", c.get("maxmemory-policy"));
        assertEquals(10000, c.getInt("maxclients"));
        assertEquals(536870912L, c.getLong("proto-max-bulk-len"));
        assertTrue(c.getBool("protected-mode"));
    }

    @Test
    void setErrorsUseRedisTexts() {
        ServerConfig c = new ServerConfig("/");
        assertEquals("Unknown option or number of arguments for CONFIG SET - 'xyz'", setError(c, "xyz", "1"));
        assertEquals("Unknown option or number of arguments for CONFIG SET - 'xyz'",
                setError(c, "port", "abc", "xyz", "1"));
        assertEquals("CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer",
                setError(c, "maxclients", "abc"));
        assertEquals("CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive",
                setError(c, "maxclients", "-5"));
        assertEquals("CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config",
                setError(c, "maxclients", "10", "databases", "3"));
        assertEquals("CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
                setError(c, "dir", "/tmp"));
        assertEquals("CONFIG SET failed (possibly related to argument 'maxclients') - duplicate parameter",
                setError(c, "maxclients", "10", "maxclients", "20"));
        assertEquals("CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer",
                setError(c, "timeout", "007"));
        assertEquals("CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer",
                setError(c, "SLAVE-PRIORITY", "x"));
        assertEquals("CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'",
                setError(c, "appendonly", "maybe"));
        assertEquals("CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value",
                setError(c, "maxmemory", "1.5gb"));
        assertEquals("CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive",
                setError(c, "proto-max-bulk-len", "1000"));
        assertEquals("CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
                setError(c, "maxmemory-policy", "foo"));
        assertEquals("CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters",
                setError(c, "save", "1"));
        assertEquals("CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
                setError(c, "notify-keyspace-events", "Q"));
        assertEquals("CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100",
                setError(c, "maxmemory-clients", "200%"));
        assertEquals("CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.",
                setError(c, "client-output-buffer-limit", "master 1 1 1"));
    }

    @Test
    void setIsAllOrNothing() throws ConfigException {
        ServerConfig c = new ServerConfig("/");
        setError(c, "maxclients", "10", "timeout", "abc");
        assertEquals("10000", c.get("maxclients"));
        setError(c, "maxclients", "10", "bogus", "1");
        assertEquals("10000", c.get("maxclients"));
        c.setAll(List.of("maxclients", "10", "timeout", "30", "maxmemory", "1gb"), true);
        assertEquals("10", c.get("maxclients"));
        assertEquals("30", c.get("timeout"));
        assertEquals("1073741824", c.get("maxmemory"));
        // a parameter and its alias in one command: Redis accepts it and the later one wins
        c.setAll(List.of("replica-priority", "1", "slave-priority", "2"), true);
        assertEquals("2", c.get("replica-priority"));
    }

    @Test
    void rejectingListenerRestoresEveryValue() throws ConfigException {
        ServerConfig c = new ServerConfig("/");
        List<String> seen = new ArrayList<>();
        c.onChange("maxclients", seen::add);
        c.onApply("timeout", v -> {
            if (v.equals("99")) {
                throw new ConfigException("Unable to apply");
            }
        });
        String e = setError(c, "maxclients", "50", "timeout", "99");
        assertEquals("CONFIG SET failed (possibly related to argument 'timeout') - Unable to apply", e);
        assertEquals("10000", c.get("maxclients"));
        assertEquals("0", c.get("timeout"));
        assertEquals(List.of("50", "10000"), seen); // applied, then restored
    }

    @Test
    void hotPathHandleFollowsConfigSet() throws ConfigException {
        ServerConfig c = new ServerConfig("/");
        ConfigValue bulk = c.value("proto-max-bulk-len");
        assertEquals(512L * 1024 * 1024, bulk.asLong());
        c.setAll(List.of("proto-max-bulk-len", "2mb"), true);
        assertEquals(2L * 1024 * 1024, bulk.asLong());
        assertEquals("2097152", c.get("proto-max-bulk-len"));
        ConfigValue maxmemory = c.value("maxmemory");
        c.set("maxmemory", "99999999999999999999999");
        assertEquals("18446744073709551615", c.get("maxmemory"));
        assertEquals(Long.MAX_VALUE, maxmemory.asLong());
    }

    @Test
    void valuesNormalizedAsRedisShowsThem() throws ConfigException {
        ServerConfig c = new ServerConfig("/");
        c.set("hz", "0");
        assertEquals("1", c.get("hz"));
        c.set("hz", "100000");
        assertEquals("500", c.get("hz"));
        c.set("loglevel", "WARNING");
        assertEquals("warning", c.get("loglevel"));
        c.set("oom-score-adj", "relative");
        assertEquals("yes", c.get("oom-score-adj"));
        c.set("notify-keyspace-events", "KA");
        assertEquals("AK", c.get("notify-keyspace-events"));
        c.set("notify-keyspace-events", "Egx$m");
        assertEquals("g$xEm", c.get("notify-keyspace-events"));
        c.set("shutdown-on-sigint", "now save");
        assertEquals("save now", c.get("shutdown-on-sigint"));
        c.set("client-output-buffer-limit", "normal 1mb 2mb 3");
        assertEquals("normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
                c.get("client-output-buffer-limit"));
        c.set("latency-tracking-info-percentiles", "50.5000 99");
        assertEquals("50.5 99", c.get("latency-tracking-info-percentiles"));
        c.set("maxmemory-clients", "10%");
        assertEquals("10%", c.get("maxmemory-clients"));
        assertEquals(-10, c.getLong("maxmemory-clients"));
        c.set("save", "");
        assertEquals("", c.get("save"));
        c.set("maxmemory", "");
        assertEquals("0", c.get("maxmemory"));
        c.set("slaveof", "10.0.0.1 6380");
        assertEquals("10.0.0.1 6380", c.get("replicaof"));
        c.set("replicaof", "no one");
        assertEquals("", c.get("replicaof"));
    }

    @Test
    void protectedConfigsFollowEnableProtectedConfigs() throws ConfigException {
        ServerConfig c = new ServerConfig("/");
        c.set("enable-protected-configs", "local");
        assertEquals("CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config",
                assertThrows(ConfigException.class, () -> c.setAll(List.of("dbfilename", "x.rdb"), false)).getMessage());
        c.setAll(List.of("dbfilename", "x.rdb"), true);
        assertEquals("x.rdb", c.get("dbfilename"));
        assertEquals("CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename",
                setError(c, "dbfilename", "a/b"));
        assertEquals("CONFIG SET failed (possibly related to argument 'dir') - No such file or directory",
                setError(c, "dir", "/no/such/directory/here"));
    }
}
