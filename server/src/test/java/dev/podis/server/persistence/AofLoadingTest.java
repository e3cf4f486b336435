package dev.podis.server.persistence;

import dev.podis.protocol.RespParser;
import dev.podis.server.PodisServer;
import dev.podis.server.TestServer;
import dev.podis.server.config.ServerConfig;
import dev.podis.server.commands.Cmd;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Start-up from a damaged AOF: a file cut anywhere loads up to its last whole command (and is cut
 * there) with {@code aof-load-truncated yes} and refuses to start with no; damage in the middle
 * refuses to start whatever the setting, naming the file and the offset; an unfinished MULTI
 * block is dropped; a broken manifest, a missing file or an unknown command refuse to start.
 */
class AofLoadingTest {
    private static final String INCR = "appendonly.aof.1.incr.aof";

    @TempDir
    Path dir;

    private Path aofDir() {
        return dir.resolve("appendonlydir");
    }

    /** Writes an AOF with Podis: SETs of varying sizes and MULTI blocks of two INCRs. */
    private void writeAof(int sets) {
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes"); Jedis j = podis.jedis()) {
            Random r = new Random(7);
            for (int i = 0; i < sets; i++) {
                j.set("k" + i, "v".repeat(1 + r.nextInt(200)));
                if (i % 10 == 0) {
                    Cmd.run(j, "MULTI");
                    Cmd.run(j, "INCR", "counter");
                    Cmd.run(j, "INCR", "counter");
                    Cmd.run(j, "EXEC");
                }
            }
        }
    }

    /** End offset of each command of {@code content}, with the command's name and key. */
    private static List<long[]> commandEnds(byte[] content, List<String[]> names) throws Exception {
        List<long[]> ends = new ArrayList<>();
        ByteBuf in = Unpooled.wrappedBuffer(content);
        RespParser p = new RespParser();
        while (in.isReadable()) {
            byte[][] argv = p.parse(in);
            ends.add(new long[] {in.readerIndex()});
            names.add(new String[] {new String(argv[0], StandardCharsets.US_ASCII),
                    argv.length > 1 ? new String(argv[1], StandardCharsets.US_ASCII) : ""});
        }
        return ends;
    }

    private TestServer start(String truncated) {
        return AofTestSupport.podis(dir, "appendonly", "yes", "aof-load-truncated", truncated);
    }

    @Test
    void aFileCutAtRandomOffsetsLoadsUpToItsLastWholeCommandOrRefusesToStart() throws Exception {
        writeAof(200);
        byte[] original = Files.readAllBytes(aofDir().resolve(INCR));
        List<String[]> names = new ArrayList<>();
        List<long[]> ends = commandEnds(original, names);
        long seed = System.nanoTime();
        Random r = new Random(seed);
        for (int round = 0; round < 6; round++) {
            int cut = 1 + r.nextInt(original.length - 1);
            String why = "seed " + seed + ", cut at " + cut + " of " + original.length;
            // what survives: whole commands before the cut, a MULTI block only with its EXEC
            Set<String> keys = new HashSet<>();
            long counter = 0;
            long valid = 0;
            long pendingIncr = 0;
            long beforeMulti = -1;
            boolean boundary = false;
            for (int i = 0; i < ends.size() && ends.get(i)[0] <= cut; i++) {
                String cmd = names.get(i)[0];
                if (cmd.equals("MULTI")) {
                    beforeMulti = valid;
                    pendingIncr = 0;
                } else if (cmd.equals("INCR")) {
                    pendingIncr++;
                } else if (cmd.equals("EXEC")) {
                    counter += pendingIncr;
                    beforeMulti = -1;
                } else if (cmd.equals("SET")) {
                    keys.add(names.get(i)[1]);
                }
                valid = ends.get(i)[0];
                boundary = valid == cut;
            }
            long expectedSize = beforeMulti >= 0 ? beforeMulti : valid;
            Files.write(aofDir().resolve(INCR), Arrays.copyOf(original, cut));
            if (boundary && beforeMulti < 0) {
                continue; // a cut between commands is no damage
            }
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> start("no"), why);
            assertTrue(refused.getMessage().contains("Unexpected end of file reading the append only file " + INCR),
                    refused.getMessage());
            assertEquals(cut, Files.size(aofDir().resolve(INCR)), "a refused start leaves the file alone");
            try (TestServer podis = start("yes"); Jedis j = podis.jedis()) {
                assertEquals(expectedSize, Files.size(aofDir().resolve(INCR)), "cut to the last whole command: " + why);
                Set<String> loaded = new HashSet<>(j.keys("k*"));
                assertEquals(keys, loaded, why);
                assertEquals(counter, counter == 0 && j.get("counter") == null ? 0 : Long.parseLong(j.get("counter")),
                        why);
            }
        }
    }

    @Test
    void clientsGetLoadingWhileTheAofLoads() throws Exception {
        writeAof(3000);
        ServerConfig c = new ServerConfig(dir.toString());
        c.set("port", "0");
        c.set("bind", "127.0.0.1");
        c.set("save", "");
        c.set("appendonly", "yes");
        c.set("keyspace-backend", "heap");
        c.set("key-load-delay", "300"); // µs per command: about a second for the whole AOF
        PodisServer s = new PodisServer(c).start();
        try (s; Jedis j = new Jedis("127.0.0.1", s.port())) {
            assertEquals("LOADING Redis is loading the dataset in memory",
                    assertThrows(JedisDataException.class, () -> j.get("k1")).getMessage());
            String info = j.info("persistence");
            assertTrue(info.contains("loading:1\r\n") && info.contains("loading_total_bytes:"), info);
            assertTrue(info.contains("aof_enabled:0\r\n"), "the AOF opens once loaded: " + info);
            s.loaded().get(60, TimeUnit.SECONDS);
            assertEquals(3000, j.keys("k*").size());
            info = j.info("persistence");
            assertTrue(info.contains("loading:0\r\n") && info.contains("aof_enabled:1\r\n"), info);
            assertEquals("0", info.split("rdb_changes_since_last_save:")[1].split("\r\n")[0], "loading is no change");
        }
    }

    @Test
    void damageInTheMiddleRefusesToStartNamingFileAndOffset() throws Exception {
        writeAof(30);
        byte[] original = Files.readAllBytes(aofDir().resolve(INCR));
        List<String[]> names = new ArrayList<>();
        List<long[]> ends = commandEnds(original, names);
        int victim = (int) ends.get(ends.size() / 2)[0]; // the start of a command in the middle
        byte[] damaged = original.clone();
        damaged[victim] = '+';
        Files.write(aofDir().resolve(INCR), damaged);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> start("yes"));
        assertTrue(e.getMessage().endsWith("Bad file format reading the append only file " + INCR + " at offset " + victim
                + ": make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"), e.getMessage());
        // a broken length line inside a command
        damaged = original.clone();
        damaged[victim + 4] = 'x'; // "*3\r\n$x..."
        Files.write(aofDir().resolve(INCR), damaged);
        e = assertThrows(IllegalStateException.class, () -> start("yes"));
        assertTrue(e.getMessage().contains(INCR + " at offset " + victim), e.getMessage());
        assertEquals(original.length, Files.size(aofDir().resolve(INCR)), "nothing was cut");
    }

    @Test
    void anUnfinishedMultiBlockAtTheEndIsDropped() throws Exception {
        writeAof(1);
        Path incr = aofDir().resolve(INCR);
        long size = Files.size(incr);
        Files.writeString(incr, "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$1\r\n1\r\n",
                StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.APPEND);
        try (TestServer podis = start("yes"); Jedis j = podis.jedis()) {
            assertNull(j.get("lost"));
            assertEquals("v", j.get("k0").substring(0, 1));
        }
        assertEquals(size, Files.size(incr));
    }

    @Test
    void commandsReplayAgainstKeysWhoseTimeRanOutSince() throws Exception {
        writeAof(0);
        long past = System.currentTimeMillis() - 1000;
        // When these ran, k was alive; had it expired during loading, INCR would make a k without TTL.
        Files.writeString(aofDir().resolve(INCR), "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n5\r\n$4\r\nPXAT\r\n$13\r\n" + past
                + "\r\n*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$5\r\nalive\r\n$1\r\n1\r\n", StandardCharsets.US_ASCII);
        try (TestServer podis = start("yes"); Jedis j = podis.jedis()) {
            assertFalse(j.exists("k"), "k expired once loaded");
            assertEquals("1", j.get("alive"));
        }
    }

    @Test
    void aCutFileThatIsNotTheLastRefusesToStart() throws Exception {
        try (TestServer podis = AofTestSupport.podis(dir, "appendonly", "yes", "aof-use-rdb-preamble", "no");
             Jedis j = podis.jedis()) {
            j.set("a", "1");
            j.bgrewriteaof();
            AofTestSupport.awaitRewrite(j);
            j.set("b", "2");
        }
        Path base = aofDir().resolve("appendonly.aof.2.base.aof");
        byte[] b = Files.readAllBytes(base);
        Files.write(base, Arrays.copyOf(b, b.length - 3));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> start("yes"));
        assertTrue(e.getMessage().endsWith("Fatal error: the truncated file is not the last file"), e.getMessage());
    }

    @Test
    void aFileTheManifestNamesMustExist() throws Exception {
        writeAof(1);
        Files.delete(aofDir().resolve(INCR));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> start("yes"));
        assertTrue(e.getMessage().endsWith("Unable to obtain the AOF file " + INCR + " length. stat: No such file or directory"),
                e.getMessage());
    }

    @Test
    void anUnknownCommandRefusesToStart() throws Exception {
        writeAof(0);
        Files.writeString(aofDir().resolve(INCR), "*1\r\n$4\r\nPING\r\n*2\r\n$7\r\nNOTACMD\r\n$1\r\nx\r\n",
                StandardCharsets.US_ASCII);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> start("yes"));
        assertTrue(e.getMessage().endsWith("Unknown command 'NOTACMD' reading the append only file " + INCR + " at offset 14"),
                e.getMessage());
    }

    @Test
    void aBrokenManifestRefusesToStartWithRedisReason() throws Exception {
        writeAof(0);
        Path manifest = aofDir().resolve("appendonly.aof.manifest");
        Files.writeString(manifest, "file appendonly.aof.1.base.aof seq 1 type b\nfile x seq 1 type b\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> start("yes"));
        assertTrue(e.getMessage().endsWith("Found duplicate base file information"), e.getMessage());
        Files.writeString(manifest, "file appendonly.aof.1.base.aof seq 1\n");
        e = assertThrows(IllegalStateException.class, () -> start("yes"));
        assertTrue(e.getMessage().endsWith("Invalid AOF manifest file format"), e.getMessage());
        Files.writeString(manifest, "");
        e = assertThrows(IllegalStateException.class, () -> start("yes"));
        assertTrue(e.getMessage().endsWith("Found an empty AOF manifest"), e.getMessage());
        Files.writeString(manifest, "file a/b seq 1 type b\n");
        e = assertThrows(IllegalStateException.class, () -> start("yes"));
        assertTrue(e.getMessage().endsWith("File can't be a path, just a filename"), e.getMessage());
        Files.writeString(manifest, "file a seq 2 type i\nfile b seq 1 type i\n");
        e = assertThrows(IllegalStateException.class, () -> start("yes"));
        assertTrue(e.getMessage().endsWith("Found a non-monotonic sequence number"), e.getMessage());
    }

    @Test
    void manifestLinesRoundTripAsRedisWritesThem() throws Exception {
        String redis = "file appendonly.aof.2.base.rdb seq 2 type b\n"
                + "file appendonly.aof.1.incr.aof seq 1 type h\n"
                + "file appendonly.aof.4.incr.aof seq 4 type i\n"
                + "file appendonly.aof.5.incr.aof seq 5 type i\n";
        AofManifest m = AofManifest.parse("appendonly.aof", redis.getBytes(StandardCharsets.US_ASCII));
        assertEquals(redis, m.format());
        assertEquals("appendonly.aof.6.incr.aof", m.newIncr());
        assertEquals("appendonly.aof.3.base.aof", m.newBase(false));
        m.markRewrittenIncrsAsHistory(true);
        assertEquals("file appendonly.aof.3.base.aof seq 3 type b\n"
                + "file appendonly.aof.4.incr.aof seq 4 type h\n"
                + "file appendonly.aof.5.incr.aof seq 5 type h\n"
                + "file appendonly.aof.2.base.rdb seq 2 type h\n"
                + "file appendonly.aof.1.incr.aof seq 1 type h\n"
                + "file appendonly.aof.6.incr.aof seq 6 type i\n", m.format());
        AofManifest quoted = new AofManifest("my file.aof");
        quoted.newIncr();
        assertEquals("file \"my file.aof.1.incr.aof\" seq 1 type i\n", quoted.format());
        assertEquals("my file.aof.1.incr.aof",
                AofManifest.parse("my file.aof", quoted.format().getBytes(StandardCharsets.UTF_8)).incrs().get(0).name());
    }
}
