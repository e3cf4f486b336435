package dev.podis.server.persistence;

import dev.podis.server.TestServer;
import dev.podis.server.commands.Cmd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Function libraries are part of the dataset, as in Redis 7: saved in RDB files (FUNCTION2
 * records), written to the AOF when loaded, deleted or flushed, and back after a restart.
 */
class FunctionPersistenceTest {
    private static final String LIB = "#!lua name=counters\n"
            + "redis.register_function('bump', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)";
    private static final String OTHER = "#!lua name=other\n"
            + "redis.register_function('hello', function() return 'hi' end)";

    @TempDir
    Path dir;

    private static Object bump(Jedis j) {
        return Cmd.run(j, "FCALL", "bump", "1", "n", "5");
    }

    @Test
    void librariesSurviveARestartThroughTheRdbFile() {
        try (TestServer podis = AofTestSupport.podis(dir); Jedis j = podis.jedis()) {
            assertEquals("counters", Cmd.run(j, "FUNCTION", "LOAD", LIB));
            assertEquals(5L, bump(j));
            assertEquals("OK", j.save());
        }
        try (TestServer podis = AofTestSupport.podis(dir); Jedis j = podis.jedis()) {
            assertEquals(10L, bump(j), "the library and the key came back from dump.rdb");
            assertEquals("OK", Cmd.run(j, "DEBUG", "RELOAD"));
            assertEquals(15L, bump(j), "DEBUG RELOAD keeps the library");
        }
    }

    @Test
    void libraryChangesGoToTheAofAndAreReplayed() throws Exception {
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            AofTestSupport.awaitRewrite(j);
            Cmd.run(j, "FUNCTION", "LOAD", LIB);
            Cmd.run(j, "FUNCTION", "LOAD", OTHER);
            assertThrows(Exception.class, () -> Cmd.run(j, "FUNCTION", "LOAD", LIB), "already exists: not logged");
            Cmd.run(j, "FUNCTION", "DELETE", "other");
            assertEquals(5L, bump(j));
            List<List<String>> logged = AofTestSupport.incrCommands(dir.resolve("appendonlydir"));
            assertEquals(2, logged.stream().filter(c -> c.size() > 1 && c.get(0).equalsIgnoreCase("FUNCTION")
                    && c.get(1).equalsIgnoreCase("LOAD")).count(), logged.toString());
            assertTrue(logged.contains(List.of("FUNCTION", "DELETE", "other")), logged.toString());
        }
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals(10L, bump(j), "replayed from the AOF");
            assertThrows(Exception.class, () -> Cmd.run(j, "FCALL", "hello", "0"), "deleted library stays deleted");
            // a rewrite puts the library into the new base (RDB preamble)
            assertEquals("Background append only file rewriting started", Cmd.run(j, "BGREWRITEAOF"));
            AofTestSupport.awaitRewrite(j);
        }
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals(15L, bump(j), "the library came back from the rewritten base");
        }
    }
}
