package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import redis.clients.jedis.Jedis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Base of the tests that check Podis against a real redis-server: both are started once per test
 * class, and each test gets a flushed connection to each ({@link #jedis} to Podis, {@link #ref}
 * to Redis, null when redis-server is not installed; tests that need it call {@link #needRedis}).
 */
abstract class AgainstRealRedis {
    static TestServer server;
    static RealRedis redis;
    Jedis jedis;
    Jedis ref;

    @BeforeAll
    static void startServers() {
        server = TestServer.start();
        redis = RealRedis.start();
    }

    @AfterAll
    static void stopServers() {
        server.close();
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void connect() {
        jedis = server.jedis();
        jedis.flushAll();
        if (redis != null) {
            ref = new Jedis("127.0.0.1", redis.port());
            ref.flushAll();
        }
    }

    @AfterEach
    void disconnect() {
        jedis.close();
        if (ref != null) {
            ref.close();
        }
    }

    void needRedis() {
        assumeTrue(redis != null, "redis-server is not installed");
    }
}
