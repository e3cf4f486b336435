package dev.podis.server.clients;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RBlockingQueue;
import org.redisson.api.RLock;
import org.redisson.api.RMapCache;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redisson, a Lua-heavy client, against an in-process Podis: locks with leases, a map cache with
 * per-entry TTLs, a rate limiter and a blocking queue, as applications use them.
 */
class RedissonTest {
    static TestServer server;
    static RedissonClient redisson;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        Config config = new Config();
        config.useSingleServer().setAddress("redis://127.0.0.1:" + server.port())
                .setConnectionMinimumIdleSize(2).setConnectionPoolSize(4)
                .setSubscriptionConnectionMinimumIdleSize(1).setSubscriptionConnectionPoolSize(2);
        config.setNettyThreads(2);
        redisson = Redisson.create(config);
    }

    @AfterAll
    static void stop() {
        if (redisson != null) {
            redisson.shutdown(0, 2, TimeUnit.SECONDS);
        }
        server.close();
    }

    @BeforeEach
    void clean() {
        redisson.getKeys().flushall();
    }

    @Test
    void lockWithLeaseIsExclusiveReentrantAndUnlocks() throws Exception {
        RLock lock = redisson.getLock("lock");
        assertTrue(lock.tryLock(1, 10, TimeUnit.SECONDS));
        assertTrue(lock.isLocked());
        assertTrue(lock.isHeldByCurrentThread());
        long ttl = lock.remainTimeToLive();
        assertTrue(ttl > 0 && ttl <= 10_000, "lease " + ttl);
        assertTrue(lock.tryLock(1, 10, TimeUnit.SECONDS)); // reentrant
        assertEquals(2, lock.getHoldCount());
        // another thread cannot take it while it is held
        boolean other = CompletableFuture.supplyAsync(() -> {
            try {
                return redisson.getLock("lock").tryLock(100, 10_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return true;
            }
        }).get(10, TimeUnit.SECONDS);
        assertFalse(other);
        lock.unlock();
        lock.unlock();
        assertFalse(lock.isLocked());
        // a waiter gets it once the holder unlocks (the unlock message over pub/sub wakes it)
        assertTrue(lock.tryLock(1, 10, TimeUnit.SECONDS));
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            RLock l = redisson.getLock("lock");
            try {
                boolean got = l.tryLock(10, 5, TimeUnit.SECONDS);
                if (got) {
                    l.unlock();
                }
                return got;
            } catch (InterruptedException e) {
                return false;
            }
        });
        Thread.sleep(100);
        lock.unlock();
        assertTrue(waiter.get(10, TimeUnit.SECONDS));
        // a lease expires by itself
        assertTrue(lock.tryLock(1, 300, TimeUnit.MILLISECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lock.isLocked() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(lock.isLocked());
    }

    @Test
    void mapCacheKeepsEntriesForTheirTtl() throws Exception {
        RMapCache<String, String> map = redisson.getMapCache("cache");
        map.put("forever", "a");
        map.put("short", "b", 2, TimeUnit.SECONDS);
        map.put("idle", "c", 0, TimeUnit.SECONDS, 10, TimeUnit.SECONDS);
        assertEquals("a", map.get("forever"));
        assertEquals("b", map.get("short"));
        assertEquals("c", map.get("idle"));
        assertEquals(3, map.size());
        assertNull(map.putIfAbsent("absent", "new"));
        assertEquals("new", map.remove("absent"));
        assertEquals("a", map.putIfAbsent("forever", "z"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (map.get("short") != null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertNull(map.get("short"));
        assertEquals("a", map.remove("forever"));
        assertFalse(map.containsKey("forever"));
        assertFalse(map.containsKey("short"));
        assertEquals(java.util.Set.of("idle"), map.readAllKeySet());
    }

    @Test
    void rateLimiterHandsOutPermitsPerInterval() {
        RRateLimiter limiter = redisson.getRateLimiter("limiter");
        assertTrue(limiter.trySetRate(RateType.OVERALL, 5, Duration.ofSeconds(10)));
        int granted = 0;
        for (int i = 0; i < 10; i++) {
            if (limiter.tryAcquire()) {
                granted++;
            }
        }
        assertEquals(5, granted);
        assertFalse(limiter.tryAcquire());
        assertEquals(0, limiter.availablePermits());
    }

    @Test
    void blockingQueueHandsElementsToWaitingConsumers() throws Exception {
        RBlockingQueue<String> queue = redisson.getBlockingQueue("queue");
        AtomicInteger received = new AtomicInteger();
        CompletableFuture<String> consumer = CompletableFuture.supplyAsync(() -> {
            try {
                String v = queue.poll(10, TimeUnit.SECONDS);
                received.incrementAndGet();
                return v;
            } catch (InterruptedException e) {
                return null;
            }
        });
        Thread.sleep(100);
        assertTrue(queue.offer("job-1"));
        assertEquals("job-1", consumer.get(10, TimeUnit.SECONDS));
        queue.put("job-2");
        queue.put("job-3");
        assertEquals(2, queue.size());
        assertEquals("job-2", queue.take());
        assertEquals("job-3", queue.poll(1, TimeUnit.SECONDS));
        assertNull(queue.poll(100, TimeUnit.MILLISECONDS));
        assertEquals(1, received.get());
    }
}
