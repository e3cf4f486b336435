package dev.podis.compat;

import dev.podis.Podis;
import dev.podis.junit5.PodisExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.data.redis.support.atomic.RedisAtomicLong;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spring Data Redis (over Lettuce) as a Spring application uses it: StringRedisTemplate's value,
 * hash, list and sorted-set operations, a SessionCallback transaction, RedisAtomicLong, and a
 * RedisMessageListenerContainer receiving published messages.
 */
@ExtendWith(PodisExtension.class)
class SpringDataRedisCompatTest {
    static LettuceConnectionFactory factory;
    static StringRedisTemplate template;

    @BeforeAll
    static void connect(Podis podis) {
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(podis.host(), podis.port()));
        factory.afterPropertiesSet();
        factory.start();
        template = new StringRedisTemplate(factory);
    }

    @AfterAll
    static void close() {
        factory.destroy();
    }

    @Test
    void templateOperations() {
        template.opsForValue().set("greeting", "hello", Duration.ofMinutes(5));
        assertEquals("hello", template.opsForValue().get("greeting"));
        assertTrue(template.getExpire("greeting", TimeUnit.SECONDS) > 250);
        assertTrue(template.opsForValue().setIfAbsent("lock", "me", Duration.ofSeconds(30)));
        assertFalse(template.opsForValue().setIfAbsent("lock", "you", Duration.ofSeconds(30)));

        template.opsForHash().putAll("user:1", Map.of("name", "Ada", "visits", "1"));
        assertEquals(2L, template.opsForHash().increment("user:1", "visits", 1));
        assertEquals(Map.of("name", "Ada", "visits", "2"), template.opsForHash().entries("user:1"));

        template.opsForList().rightPushAll("jobs", "a", "b", "c");
        assertEquals("a", template.opsForList().leftPop("jobs"));
        assertEquals(List.of("b", "c"), template.opsForList().range("jobs", 0, -1));

        template.opsForZSet().add("board", "ann", 30);
        template.opsForZSet().add("board", "bob", 10);
        template.opsForZSet().incrementScore("board", "bob", 25);
        Set<ZSetOperations.TypedTuple<String>> top = template.opsForZSet().reverseRangeWithScores("board", 0, 0);
        ZSetOperations.TypedTuple<String> first = top.iterator().next();
        assertEquals("bob", first.getValue());
        assertEquals(35.0, first.getScore());

        assertEquals(new LinkedHashSet<>(List.of("board", "greeting", "jobs", "lock", "user:1")),
                new java.util.TreeSet<>(template.keys("*")));
        assertTrue(template.delete("lock"));
        assertNull(template.opsForValue().get("lock"));
    }

    @Test
    void sessionCallbackTransaction() {
        template.opsForValue().set("stock", "5");
        List<Object> results = template.execute(new SessionCallback<List<Object>>() {
            @Override
            @SuppressWarnings({"unchecked", "rawtypes"})
            public List<Object> execute(RedisOperations ops) throws DataAccessException {
                ops.watch("stock");
                ops.multi();
                ops.opsForValue().decrement("stock");
                ops.opsForValue().get("stock");
                return ops.exec();
            }
        });
        assertEquals(List.of(4L, "4"), results);
    }

    @Test
    void atomicCounter() {
        RedisAtomicLong counter = new RedisAtomicLong("hits", factory);
        assertEquals(1, counter.incrementAndGet());
        assertEquals(11, counter.addAndGet(10));
        assertTrue(counter.compareAndSet(11, 50));
        assertEquals(50, counter.get());
    }

    @Test
    void listenerContainerReceivesMessages() throws Exception {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(factory);
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        container.addMessageListener((message, pattern) -> got.add(
                new String(message.getChannel(), StandardCharsets.UTF_8) + "="
                        + new String(message.getBody(), StandardCharsets.UTF_8)), new ChannelTopic("events"));
        container.afterPropertiesSet();
        container.start();
        try {
            // The container subscribes asynchronously: publish until the subscription is there.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (template.convertAndSend("events", "ping") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("events=ping", got.poll(5, TimeUnit.SECONDS));
            assertEquals(1L, template.convertAndSend("events", "second"));
            assertEquals("events=second", got.poll(5, TimeUnit.SECONDS));
        } finally {
            container.stop();
            container.destroy();
        }
    }
}
