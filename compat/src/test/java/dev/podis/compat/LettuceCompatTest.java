package dev.podis.compat;

import dev.podis.Podis;
import dev.podis.junit5.PodisExtension;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lettuce as applications use it: its default handshake (HELLO 3, so every reply is RESP3), the
 * RESP2 fallback, pipelined async commands, transactions, pub/sub and SCAN iteration.
 */
@ExtendWith(PodisExtension.class)
class LettuceCompatTest {
    static RedisClient client;

    @BeforeAll
    static void connect(Podis podis) {
        client = RedisClient.create(RedisURI.create(podis.uri()));
    }

    @AfterAll
    static void shutdown() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static StatefulRedisConnection<String, String> connect(ProtocolVersion protocol) {
        client.setOptions(ClientOptions.builder().protocolVersion(protocol).build());
        return client.connect();
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void everyTypeThroughTheSyncApi(ProtocolVersion protocol) {
        try (StatefulRedisConnection<String, String> conn = connect(protocol)) {
            RedisCommands<String, String> r = conn.sync();
            assertEquals("OK", r.set("s", "v", SetArgs.Builder.ex(100)));
            assertEquals("v", r.get("s"));
            assertTrue(r.ttl("s") > 90);
            assertEquals(5L, r.incrby("n", 5));
            assertEquals(7.5, r.incrbyfloat("n", 2.5));

            assertEquals(3L, r.hset("h", Map.of("a", "1", "b", "2", "c", "3")));
            assertEquals(Map.of("a", "1", "b", "2", "c", "3"), r.hgetall("h"));
            assertEquals(List.of(KeyValue.just("a", "1"), KeyValue.empty("zz")), r.hmget("h", "a", "zz"));

            assertEquals(3L, r.rpush("l", "x", "y", "z"));
            assertEquals(List.of("x", "y", "z"), r.lrange("l", 0, -1));
            assertEquals("x", r.lpop("l"));

            assertEquals(2L, r.sadd("set", "m1", "m2"));
            assertEquals(Set.of("m1", "m2"), r.smembers("set"));
            assertTrue(r.sismember("set", "m1"));

            assertEquals(3L, r.zadd("z", ScoredValue.just(1.5, "one"), ScoredValue.just(2, "two"),
                    ScoredValue.just(Double.POSITIVE_INFINITY, "inf")));
            assertEquals(List.of(ScoredValue.just(1.5, "one"), ScoredValue.just(2, "two")),
                    r.zrangebyscoreWithScores("z", Range.create(0, 10)));
            assertEquals(Double.POSITIVE_INFINITY, r.zscore("z", "inf"));
            assertEquals(1L, r.zrank("z", "two"));

            assertEquals("hash", r.type("h"));
            assertEquals(6L, r.dbsize());
            assertNull(r.get("missing"));
        }
    }

    @Test
    void pipelinedAsyncCommandsKeepTheirOrder() throws Exception {
        try (StatefulRedisConnection<String, String> conn = connect(ProtocolVersion.RESP3)) {
            RedisAsyncCommands<String, String> a = conn.async();
            conn.setAutoFlushCommands(false);
            List<RedisFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                futures.add(a.incr("counter"));
            }
            conn.flushCommands();
            assertTrue(LettuceFutures.awaitAll(Duration.ofSeconds(10), futures.toArray(new RedisFuture[0])));
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(i + 1, futures.get(i).get());
            }
            conn.setAutoFlushCommands(true);
        }
    }

    @Test
    void transactionsWithWatch() {
        try (StatefulRedisConnection<String, String> conn = connect(ProtocolVersion.RESP3);
             StatefulRedisConnection<String, String> other = client.connect()) {
            RedisCommands<String, String> r = conn.sync();
            r.set("balance", "10");
            r.watch("balance");
            r.multi();
            r.decrby("balance", 3);
            r.get("balance");
            TransactionResult ok = r.exec();
            assertFalse(ok.wasDiscarded());
            assertEquals(List.of(7L, "7"), List.of(ok.get(0), ok.get(1)));

            r.watch("balance");
            other.sync().set("balance", "100"); // a change by someone else aborts the next EXEC
            r.multi();
            r.decrby("balance", 3);
            assertTrue(r.exec().wasDiscarded());
            assertEquals("100", r.get("balance"));
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void pubSubMessagesAndPatterns(ProtocolVersion protocol) throws Exception {
        client.setOptions(ClientOptions.builder().protocolVersion(protocol).build());
        try (StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
             StatefulRedisConnection<String, String> pub = client.connect()) {
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    got.add(channel + "=" + message);
                }

                @Override
                public void message(String pattern, String channel, String message) {
                    got.add(pattern + ":" + channel + "=" + message);
                }
            });
            sub.sync().subscribe("news");
            sub.sync().psubscribe("n*");
            assertEquals(2L, pub.sync().publish("news", "hello"));
            Set<String> first = new HashSet<>();
            first.add(got.poll(5, TimeUnit.SECONDS));
            first.add(got.poll(5, TimeUnit.SECONDS));
            assertEquals(Set.of("news=hello", "n*:news=hello"), first);
            assertEquals(Map.of("news", 1L), pub.sync().pubsubNumsub("news"));
            sub.sync().unsubscribe("news");
            sub.sync().punsubscribe("n*");
            assertEquals(0L, pub.sync().publish("news", "nobody"));
        }
    }

    @Test
    void scanIteratorVisitsEveryKeyOnce() {
        try (StatefulRedisConnection<String, String> conn = connect(ProtocolVersion.RESP3)) {
            RedisCommands<String, String> r = conn.sync();
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < 2500; i++) {
                r.set("key:" + i, "v");
                expected.add("key:" + i);
            }
            r.set("other", "v");
            List<String> seen = new ArrayList<>();
            ScanIterator<String> it = ScanIterator.scan(r, io.lettuce.core.ScanArgs.Builder.matches("key:*").limit(100));
            it.forEachRemaining(seen::add);
            assertEquals(expected, new HashSet<>(seen));
            assertEquals(expected.size(), seen.size(), "no key twice while nothing changes");
        }
    }

    @Test
    void blockingPopIsServedByAPushFromAnotherConnection() throws Exception {
        try (StatefulRedisConnection<String, String> waiter = connect(ProtocolVersion.RESP3);
             StatefulRedisConnection<String, String> pusher = client.connect()) {
            CompletableFuture<KeyValue<String, String>> popped =
                    waiter.async().blpop(5, "queue").toCompletableFuture();
            // The pop must be waiting on the server before the push, or it would not need to block.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!pusher.sync().clientList().contains("cmd=blpop") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            pusher.sync().rpush("queue", "job-1");
            assertEquals(KeyValue.just("queue", "job-1"), popped.get(5, TimeUnit.SECONDS));
        }
    }
}
