package dev.podis.server;

import dev.podis.server.config.ConfigException;
import dev.podis.server.config.ServerConfig;
import redis.clients.jedis.Jedis;

import java.util.Map;

/** A real Podis started in-process on a free loopback port, for tests that talk to it over TCP. */
public final class TestServer implements AutoCloseable {
    private final PodisServer server;

    private TestServer(PodisServer server) {
        this.server = server;
    }

    public static TestServer start() {
        return start(Map.of());
    }

    /** Starts with extra config parameters (redis.conf names). */
    public static TestServer start(Map<String, String> config) {
        ServerConfig c = new ServerConfig();
        try {
            c.set("port", "0");
            c.set("bind", "127.0.0.1");
            c.set("save", "");
            for (Map.Entry<String, String> e : config.entrySet()) {
                c.set(e.getKey(), e.getValue());
            }
            return new TestServer(new PodisServer(c).start());
        } catch (ConfigException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return server.port();
    }

    public PodisServer server() {
        return server;
    }

    public Jedis jedis() {
        return new Jedis("127.0.0.1", port());
    }

    @Override
    public void close() {
        server.close();
    }
}
