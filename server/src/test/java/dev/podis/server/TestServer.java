package dev.podis.server;

import dev.podis.Podis;
import redis.clients.jedis.Jedis;

import java.util.Map;

/**
 * A real Podis started in-process on a free loopback port, for tests that talk to it over TCP: a
 * thin use of the embedding API ({@link Podis}), on the keyspace the JVM supports best
 * ({@code keyspace-backend auto}: off-heap under the test JVM's flags).
 */
public final class TestServer implements AutoCloseable {
    private final Podis podis;

    private TestServer(Podis podis) {
        this.podis = podis;
    }

    public static TestServer start() {
        return start(Map.of());
    }

    /** Starts with extra config parameters (redis.conf names). */
    public static TestServer start(Map<String, String> config) {
        Podis.Builder b = Podis.builder().config("keyspace-backend", "auto");
        for (Map.Entry<String, String> e : config.entrySet()) {
            b.config(e.getKey(), e.getValue());
        }
        return new TestServer(b.build().start());
    }

    public int port() {
        return podis.port();
    }

    public PodisServer server() {
        return podis.server();
    }

    public Jedis jedis() {
        return new Jedis("127.0.0.1", port());
    }

    @Override
    public void close() {
        podis.close();
    }
}
