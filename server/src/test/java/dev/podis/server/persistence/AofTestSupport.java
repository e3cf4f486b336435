package dev.podis.server.persistence;

import dev.podis.protocol.ProtocolException;
import dev.podis.protocol.RespParser;
import dev.podis.server.TestServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.Tuple;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Reading AOF files and comparing datasets, for the persistence tests. */
final class AofTestSupport {
    private AofTestSupport() {
    }

    /** A Podis with its data in {@code dir} and these extra settings (name, value, ...). */
    static TestServer podis(Path dir, String... settings) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("dir", dir.toAbsolutePath().toString());
        config.put("enable-debug-command", "yes");
        for (int i = 0; i < settings.length; i += 2) {
            config.put(settings[i], settings[i + 1]);
        }
        return TestServer.start(config);
    }

    /** Waits until no AOF rewrite runs or is scheduled (a rewrite finishes in the background). */
    static void awaitRewrite(Jedis j) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            String info = j.info("persistence");
            if (info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0")) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("the rewrite did not finish: " + info);
            }
            Thread.sleep(5);
        }
    }

    /** The manifest of the AOF directory {@code aofDir} (named after appendonly.aof). */
    static AofManifest manifest(Path aofDir) throws Exception {
        return AofManifest.parse("appendonly.aof", Files.readAllBytes(aofDir.resolve("appendonly.aof.manifest")));
    }

    /** The commands of every incremental file of {@code aofDir}, in order. */
    static List<List<String>> incrCommands(Path aofDir) throws Exception {
        List<List<String>> out = new ArrayList<>();
        for (AofManifest.Entry e : manifest(aofDir).incrs()) {
            out.addAll(commands(aofDir.resolve(e.name())));
        }
        return out;
    }

    /** The commands of an AOF file in RESP form ({@code #} annotation lines skipped). */
    static List<List<String>> commands(Path file) throws IOException {
        return commands(Files.readAllBytes(file));
    }

    static List<List<String>> commands(byte[] content) throws IOException {
        List<List<String>> out = new ArrayList<>();
        ByteBuf in = Unpooled.wrappedBuffer(content);
        RespParser parser = new RespParser();
        try {
            while (in.isReadable()) {
                if (!parser.inProgress() && in.getByte(in.readerIndex()) == '#') {
                    int nl = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                    in.readerIndex(nl < 0 ? in.writerIndex() : nl + 1);
                    continue;
                }
                byte[][] argv = parser.parse(in);
                if (argv == null) {
                    throw new IOException("truncated at offset " + in.readerIndex());
                }
                List<String> cmd = new ArrayList<>();
                for (byte[] a : argv) {
                    cmd.add(new String(a, StandardCharsets.UTF_8));
                }
                out.add(cmd);
            }
        } catch (ProtocolException e) {
            throw new IOException(e.getMessage() + " at offset " + in.readerIndex(), e);
        }
        return out;
    }

    /**
     * Every key of databases 0..{@code dbs}-1 with its type, value and absolute expiry in ms, in a
     * canonical form (sets and hashes sorted): what two servers holding the same dataset agree on.
     */
    static Map<String, String> dump(Jedis j, int dbs) {
        Map<String, String> out = new TreeMap<>();
        for (int db = 0; db < dbs; db++) {
            j.select(db);
            for (String key : new TreeSet<>(j.keys("*"))) {
                String type = j.type(key);
                String value = switch (type) {
                    case "string" -> j.get(key);
                    case "list" -> j.lrange(key, 0, -1).toString();
                    case "set" -> new TreeSet<>(j.smembers(key)).toString();
                    case "zset" -> {
                        StringBuilder sb = new StringBuilder();
                        for (Tuple t : j.zrangeWithScores(key, 0, -1)) {
                            sb.append(t.getElement()).append('=').append(t.getScore()).append(' ');
                        }
                        yield sb.toString();
                    }
                    case "hash" -> new TreeMap<>(j.hgetAll(key)).toString();
                    default -> "?";
                };
                out.put(db + ":" + key, type + " " + value + " ttl=" + j.pexpireTime(key));
            }
        }
        j.select(0);
        return out;
    }

    /**
     * Fills databases 0, 3 and 9 with every type Podis holds, in small and large encodings,
     * with and without a time to live.
     */
    static void fill(Jedis j) {
        long later = System.currentTimeMillis() + 3_600_000;
        j.select(0);
        j.set("str", "hello");
        j.set("int", "12345");
        j.set("big", "x".repeat(20_000));
        j.set("bin", new String(new char[] {0, 1, 2, '\r', '\n', 255}));
        j.set("ttl", "v");
        j.pexpireAt("ttl", later);
        j.rpush("list-small", "a", "b", "c");
        for (int i = 0; i < 700; i++) {
            j.rpush("list-big", "element-" + i);
        }
        j.sadd("set-int", "1", "2", "3", "-7");
        j.sadd("set-small", "a", "b", "c");
        for (int i = 0; i < 600; i++) {
            j.sadd("set-big", "member-" + i);
        }
        j.zadd("zset-small", 1.5, "a");
        j.zadd("zset-small", -2, "b");
        j.zadd("zset-small", Double.POSITIVE_INFINITY, "inf");
        for (int i = 0; i < 200; i++) {
            j.zadd("zset-big", i * 0.1, "member-" + i);
        }
        j.hset("hash-small", Map.of("f1", "v1", "f2", "v2"));
        for (int i = 0; i < 600; i++) {
            j.hset("hash-big", "field-" + i, "value-" + i);
        }
        j.pexpireAt("hash-big", later);
        j.select(3);
        j.set("db3", "three");
        j.rpush("db3-list", "x");
        j.pexpireAt("db3-list", later);
        j.select(9);
        j.sadd("db9-set", "only");
        j.select(0);
    }
}
