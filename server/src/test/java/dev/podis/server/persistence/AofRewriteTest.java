package dev.podis.server.persistence;

import dev.podis.server.TestServer;
import dev.podis.server.commands.Cmd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The AOF while the server runs: BGREWRITEAOF and the automatic rewrite replace base and
 * incremental files through the manifest; CONFIG SET appendonly yes|no starts and stops it; INFO
 * persistence reports it; a file that cannot be written makes writes fail with MISCONF until a
 * rewrite recovers (everysec), or stops the server without acknowledging (always).
 */
class AofRewriteTest {
    @TempDir
    Path dir;

    private Path aofDir() {
        return dir.resolve("appendonlydir");
    }

    private static String field(Jedis j, String name) {
        for (String line : j.info("persistence").split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1);
            }
        }
        return null;
    }

    private static void await(Jedis j, String name, String value) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!value.equals(field(j, name))) {
            assertTrue(System.currentTimeMillis() < deadline, name + " never became " + value + ": " + j.info("persistence"));
            Thread.sleep(5);
        }
    }

    @Test
    void bgrewriteaofStartsANewBaseAndIncrementalFileAndKeepsTheData() throws Exception {
        Map<String, String> before;
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes", "aof-timestamp-enabled", "yes",
                "aof-use-rdb-preamble", "no"); Jedis j = podis.jedis()) {
            AofTestSupport.fill(j);
            assertEquals("1", field(j, "aof_enabled"));
            assertEquals("0", field(j, "aof_rewrites"));
            long sizeBefore = Long.parseLong(field(j, "aof_current_size"));
            assertTrue(sizeBefore > 0);
            assertEquals("Background append only file rewriting started", j.bgrewriteaof());
            assertEquals("1", field(j, "aof_rewrites"));
            AofTestSupport.awaitRewrite(j);
            assertEquals("ok", field(j, "aof_last_bgrewrite_status"));
            assertEquals("0", field(j, "aof_rewrite_in_progress"));
            long base = Long.parseLong(field(j, "aof_base_size"));
            assertEquals(Files.size(aofDir().resolve("appendonly.aof.2.base.aof")), base);
            assertEquals(base, Long.parseLong(field(j, "aof_current_size")));
            j.set("after", "1");
            assertTrue(Long.parseLong(field(j, "aof_current_size")) > base);
            // inside a transaction it is scheduled for the cron
            Cmd.run(j, "MULTI");
            Cmd.run(j, "BGREWRITEAOF");
            assertEquals(List.of("Background append only file rewriting scheduled"), Cmd.run(j, "EXEC"));
            await(j, "aof_rewrites", "2");
            AofTestSupport.awaitRewrite(j);
            before = AofTestSupport.dump(j, 16);
        }
        AofManifest m = AofTestSupport.manifest(aofDir());
        assertEquals("appendonly.aof.3.base.aof", m.base().name());
        assertEquals(List.of("appendonly.aof.3.incr.aof"), m.incrs().stream().map(AofManifest.Entry::name).toList());
        try (var files = Files.list(aofDir())) {
            assertEquals(List.of("appendonly.aof.3.base.aof", "appendonly.aof.3.incr.aof", "appendonly.aof.manifest"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "history files were removed");
        }
        assertTrue(Files.readString(aofDir().resolve("appendonly.aof.3.base.aof"), StandardCharsets.ISO_8859_1)
                .startsWith("#TS:"));
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals(before, AofTestSupport.dump(j, 16));
        }
    }

    @Test
    void writesDuringABackgroundRewriteGoToTheNewIncrementalFile() throws Exception {
        Object digest;
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            AofTestSupport.fill(j);
            for (int i = 0; i < 2000; i++) {
                j.set("n" + i, Integer.toString(i));
            }
            j.configSet("rdb-key-save-delay", "200"); // µs per key written: the rewrite takes a while
            assertEquals("Background append only file rewriting started", j.bgrewriteaof());
            assertEquals("1", field(j, "aof_rewrite_in_progress"));
            assertEquals("ERR Background append only file rewriting already in progress",
                    assertThrows(JedisDataException.class, j::bgrewriteaof).getMessage());
            assertTrue(assertThrows(JedisDataException.class, j::bgsave).getMessage().startsWith("ERR Another child"),
                    "one snapshot at a time");
            // keys the walk has and has not reached yet, changed in every way
            for (int i = 0; i < 2000; i += 7) {
                j.incr("n" + i);
            }
            j.del("n1", "n2", "list-big");
            j.lpush("list-small", "new");
            j.hset("hash-big", "field-1", "changed");
            j.set("created-during", "1");
            j.select(3);
            j.flushDB();
            j.set("db3-after-flush", "1");
            j.select(0);
            assertEquals("1", field(j, "aof_rewrite_in_progress"), "the writes ran while the rewrite did");
            j.configSet("rdb-key-save-delay", "0");
            AofTestSupport.awaitRewrite(j);
            assertEquals("ok", field(j, "aof_last_bgrewrite_status"));
            digest = Cmd.run(j, "DEBUG", "DIGEST");
        }
        AofManifest m = AofTestSupport.manifest(aofDir());
        assertEquals("appendonly.aof.2.base.rdb", m.base().name());
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals(digest, Cmd.run(j, "DEBUG", "DIGEST"));
        }
    }

    @Test
    void theAofRewritesItselfWhenItGrew() throws Exception {
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes", "auto-aof-rewrite-percentage", "100",
                "auto-aof-rewrite-min-size", "4096"); Jedis j = podis.jedis()) {
            for (int i = 0; i < 200; i++) {
                j.set("key", "value-" + i); // one key: a rewrite shrinks the AOF back to it
            }
            await(j, "aof_rewrites", "1");
            AofTestSupport.awaitRewrite(j);
            assertTrue(Long.parseLong(field(j, "aof_current_size")) < 4096);
            assertEquals("value-199", j.get("key"));
        }
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals("value-199", j.get("key"));
        }
    }

    @Test
    void configSetAppendonlyStartsTheAofFromTheDatasetAndStopsIt() throws Exception {
        try (TestServer podis = AofTestSupport.podis(dir); Jedis j = podis.jedis()) {
            j.set("before", "1");
            j.rpush("list", "a", "b");
            assertFalse(Files.exists(aofDir()));
            assertEquals("0", field(j, "aof_enabled"));
            assertEquals("OK", j.configSet("appendonly", "yes"));
            assertEquals("1", field(j, "aof_enabled"));
            AofTestSupport.awaitRewrite(j);
            AofManifest m = AofTestSupport.manifest(aofDir());
            assertEquals("appendonly.aof.1.base.rdb", m.base().name(), "aof-use-rdb-preamble yes: an RDB base");
            assertEquals("appendonly.aof.1.incr.aof", m.incrs().get(0).name());
            j.set("during", "1");
            assertEquals("OK", j.configSet("appendonly", "no"));
            assertEquals("0", field(j, "aof_enabled"));
            long size = Files.size(aofDir().resolve("appendonly.aof.1.incr.aof"));
            j.set("after", "1");
            assertEquals(size, Files.size(aofDir().resolve("appendonly.aof.1.incr.aof")), "off: nothing written");
        }
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals("1", j.get("before"));
            assertEquals(List.of("a", "b"), j.lrange("list", 0, -1));
            assertEquals("1", j.get("during"));
            assertNull(j.get("after"));
        }
    }

    @Test
    void bgrewriteaofWithTheAofOffWritesABaseOnly() throws Exception {
        try (TestServer podis = AofTestSupport.podis(dir); Jedis j = podis.jedis()) {
            j.set("k", "v");
            assertEquals("Background append only file rewriting started", j.bgrewriteaof());
            AofTestSupport.awaitRewrite(j);
        }
        AofManifest m = AofTestSupport.manifest(aofDir());
        assertEquals("appendonly.aof.1.base.rdb", m.base().name());
        assertTrue(m.incrs().isEmpty());
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals("v", j.get("k"));
        }
    }

    /** An AOF whose incremental file cannot take a byte: a link to /dev/full (ENOSPC on write). */
    private void aofOnAFullDisk() throws Exception {
        assumeTrue(Files.isWritable(Path.of("/dev/full")), "needs /dev/full");
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            j.set("old", "1");
            j.bgrewriteaof();
            AofTestSupport.awaitRewrite(j);
        }
        Path incr = aofDir().resolve("appendonly.aof.2.incr.aof");
        Files.delete(incr);
        Files.createSymbolicLink(incr, Path.of("/dev/full"));
    }

    @Test
    void writesAreRefusedWithMisconfWhileTheAofCannotBeWrittenAndNothingAcknowledgedIsLost() throws Exception {
        aofOnAFullDisk();
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes", "appendfsync", "everysec");
             Jedis j = podis.jedis()) {
            assertEquals("1", j.get("old"));
            assertEquals("OK", j.set("acked", "1")); // everysec: acknowledged, kept in the buffer
            assertEquals("err", field(j, "aof_last_write_status"));
            String misconf = "MISCONF Errors writing to the AOF file: No space left on device";
            assertEquals(misconf, assertThrows(JedisDataException.class, () -> j.set("refused", "1")).getMessage());
            assertEquals(misconf, assertThrows(JedisDataException.class, j::ping).getMessage());
            assertEquals("1", j.get("acked"), "reads go on");
            Cmd.run(j, "MULTI");
            assertThrows(JedisDataException.class, () -> Cmd.run(j, "SET", "refused", "1"));
            assertTrue(assertThrows(JedisDataException.class, () -> Cmd.run(j, "EXEC")).getMessage()
                    .startsWith("EXECABORT"));
            // a rewrite moves to a new incremental file: the data owed is in its base
            assertEquals("Background append only file rewriting started", j.bgrewriteaof());
            assertEquals("ok", field(j, "aof_last_write_status"));
            assertEquals("OK", j.set("later", "1"));
            assertEquals("PONG", j.ping());
        }
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            assertEquals("1", j.get("old"));
            assertEquals("1", j.get("acked"));
            assertEquals("1", j.get("later"));
            assertNull(j.get("refused"));
        }
    }

    @Test
    void underAppendfsyncAlwaysAWriteThatCannotBePersistedIsNeverAcknowledged() throws Exception {
        aofOnAFullDisk();
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes", "appendfsync", "always");
             Jedis j = podis.jedis()) {
            assertEquals("1", j.get("old"));
            assertThrows(JedisConnectionException.class, () -> j.set("never", "1"));
            long deadline = System.currentTimeMillis() + 10_000;
            while (true) { // the server stops, as Redis exits
                try (Jedis probe = podis.jedis()) {
                    probe.ping();
                } catch (JedisConnectionException stopped) {
                    break;
                }
                assertTrue(System.currentTimeMillis() < deadline, "the server did not stop");
                Thread.sleep(10);
            }
        }
    }
}
