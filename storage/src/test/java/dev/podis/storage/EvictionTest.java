package dev.podis.storage;

import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.ListValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The maxmemory policies on both keyspaces. The limits here count keys instead of bytes (the
 * eviction takes any measure of "over"), so that what must survive is exact.
 */
class EvictionTest {
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final List<Keyspace> opened = new ArrayList<>();

    private Keyspace open(KeyspaceOptions.Backend backend) {
        Keyspace ks = Keyspace.create(new KeyspaceOptions().databases(2).backend(backend).clock(clock::get)
                .maxmemory(256L << 20).initialEntries(backend == KeyspaceOptions.Backend.OFFHEAP ? 4096 : 0));
        opened.add(ks);
        return ks;
    }

    @AfterEach
    void close() {
        opened.forEach(Keyspace::close);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long keys(Keyspace ks) {
        long n = 0;
        for (int i = 0; i < ks.count(); i++) {
            n += ks.db(i).size();
        }
        return n;
    }

    /** Evicts until at most {@code target} keys are left. */
    private static Eviction.Result evictTo(Eviction e, Keyspace ks, long target) {
        Eviction.Result r;
        do {
            r = e.perform(() -> keys(ks) - target, () -> 0);
        } while (r == Eviction.Result.RUNNING);
        return r;
    }

    private Eviction eviction(Keyspace ks, String policy) {
        Eviction e = new Eviction(ks);
        e.policy(Eviction.Policy.of(policy));
        return e;
    }

    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void noevictionEvictsNothing(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        for (int i = 0; i < 100; i++) {
            ks.db(0).put(b("k" + i), StoredValue.string(b("v")));
        }
        Eviction e = eviction(ks, "noeviction");
        assertEquals(Eviction.Result.FAIL, evictTo(e, ks, 50));
        assertEquals(100, keys(ks));
        assertEquals(0, ks.evictedKeys());
        assertEquals(Eviction.Result.OK, evictTo(e, ks, 100), "within the limit");
    }

    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void volatilePoliciesNeverEvictKeysWithoutATtl(KeyspaceOptions.Backend backend) {
        for (String policy : new String[] {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}) {
            Keyspace ks = open(backend);
            long now = clock.get();
            for (int i = 0; i < 1000; i++) {
                ks.db(i % 2).put(b("p" + i), StoredValue.string(b("v")));
                ks.db(i % 2).put(b("t" + i), StoredValue.string(b("v"), now + 3_600_000 + i));
            }
            Eviction e = eviction(ks, policy);
            assertEquals(Eviction.Result.OK, evictTo(e, ks, 1500), policy);
            assertEquals(1500, keys(ks), policy);
            assertEquals(500, ks.db(0).volatileSize() + ks.db(1).volatileSize(), policy);
            for (int i = 0; i < 1000; i++) {
                assertTrue(ks.db(i % 2).exists(b("p" + i)), policy + " evicted p" + i);
            }
            // Once no key has a TTL, nothing can be evicted.
            assertEquals(Eviction.Result.FAIL, evictTo(e, ks, 900), policy);
            assertEquals(1000, keys(ks), policy);
            assertEquals(1000, ks.evictedKeys(), policy);
        }
    }

    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void allkeysLruKeepsTheRecentlyUsedKeys(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        Database db = ks.db(0);
        for (int i = 0; i < 4000; i++) {
            db.put(b("k" + i), StoredValue.string(b("v" + i)));
        }
        clock.addAndGet(100_000); // the keys are 100 s old
        Set<String> hot = new HashSet<>();
        for (int i = 0; i < 4000; i += 20) {
            assertNotNull(db.get(b("k" + i))); // an access: idle 0
            hot.add("k" + i);
        }
        clock.addAndGet(5_000);
        Eviction e = eviction(ks, "allkeys-lru");
        assertEquals(Eviction.Result.OK, evictTo(e, ks, 2000));
        assertEquals(2000, db.size());
        int lost = 0;
        for (String k : hot) {
            if (!db.exists(b(k))) {
                lost++;
            }
        }
        assertTrue(lost <= 2, lost + " of the " + hot.size() + " recently used keys were evicted");
    }

    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void allkeysLfuKeepsTheFrequentlyUsedKeys(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        Eviction e = eviction(ks, "allkeys-lfu"); // before the writes: new keys start at counter 5
        Database db = ks.db(0);
        for (int i = 0; i < 4000; i++) {
            db.put(b("k" + i), StoredValue.string(b("v" + i)));
        }
        Set<String> hot = new HashSet<>();
        for (int i = 0; i < 4000; i += 20) {
            for (int j = 0; j < 30; j++) {
                db.get(b("k" + i));
            }
            hot.add("k" + i);
            assertTrue(ks.lfuCounter(db.peek(b("k" + i)).lruOrLfu()) >= 6, "the first access always counts");
        }
        assertEquals(5, ks.lfuCounter(db.peek(b("k1")).lruOrLfu()), "a new key starts at 5");
        assertEquals(Eviction.Result.OK, evictTo(e, ks, 2000));
        int lost = 0;
        for (String k : hot) {
            if (!db.exists(b(k))) {
                lost++;
            }
        }
        assertTrue(lost <= 2, lost + " of the " + hot.size() + " frequently used keys were evicted");
    }

    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void volatileTtlEvictsTheKeysThatExpireSoonest(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        Database db = ks.db(0);
        long now = clock.get();
        int n = 2000;
        for (int i = 0; i < n; i++) {
            db.put(b("t" + i), StoredValue.string(b("v"), now + 60_000 + 1000L * i)); // t0 expires first
        }
        Eviction e = eviction(ks, "volatile-ttl");
        assertEquals(Eviction.Result.OK, evictTo(e, ks, n * 3 / 4));
        int evictedFromFirstHalf = 0;
        int evicted = 0;
        for (int i = 0; i < n; i++) {
            if (!db.exists(b("t" + i))) {
                evicted++;
                if (i < n / 2) {
                    evictedFromFirstHalf++;
                }
            }
        }
        assertEquals(n / 4, evicted);
        // Sampling picks the soonest of ~16 candidates: nearly all come from the first half.
        assertTrue(evictedFromFirstHalf >= evicted * 9 / 10,
                evictedFromFirstHalf + " of " + evicted + " evicted keys are among the half that expires first");
    }

    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void randomPoliciesEvictAnyCandidate(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        long now = clock.get();
        for (int i = 0; i < 1000; i++) {
            ks.db(i % 2).put(b("p" + i), StoredValue.string(b("v")));
            ks.db(i % 2).put(b("t" + i), StoredValue.string(b("v"), now + 3_600_000));
        }
        Eviction e = eviction(ks, "allkeys-random");
        assertEquals(Eviction.Result.OK, evictTo(e, ks, 1000));
        long persistent = 0;
        for (int i = 0; i < 1000; i++) {
            persistent += ks.db(i % 2).exists(b("p" + i)) ? 1 : 0;
        }
        assertTrue(persistent > 350 && persistent < 650, "allkeys-random takes both kinds: " + persistent + " persistent left");
        assertTrue(ks.db(0).size() > 350 && ks.db(1).size() > 350, "and from every database");
    }

    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void evictionIsReportedAndCounted(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        List<String> reported = new ArrayList<>();
        ks.listener(new KeyspaceListener() {
            @Override
            public void expired(int db, byte[] key) {
                fail("expired " + new String(key, StandardCharsets.UTF_8));
            }

            @Override
            public void evicted(int db, byte[] key) {
                reported.add(db + ":" + new String(key, StandardCharsets.UTF_8));
            }
        });
        for (int i = 0; i < 50; i++) {
            ks.db(1).put(b("k" + i), StoredValue.string(b("v")));
        }
        assertEquals(Eviction.Result.OK, evictTo(eviction(ks, "allkeys-lru"), ks, 20));
        assertEquals(30, reported.size());
        assertEquals(30, ks.evictedKeys());
        for (String r : reported) {
            assertTrue(r.startsWith("1:"), r);
            assertFalse(ks.db(1).exists(b(r.substring(2))), r + " is gone");
        }
    }

    @Test
    void tenacityLimitsTheTimeOfOneCall() {
        Keyspace ks = open(KeyspaceOptions.Backend.HEAP);
        for (int i = 0; i < 1000; i++) {
            ks.db(0).put(b("k" + i), StoredValue.string(b("v")));
        }
        Eviction e = eviction(ks, "allkeys-random");
        e.tenacity(0); // no time at all: stops after the first 16 keys
        assertEquals(Eviction.Result.RUNNING, e.perform(() -> keys(ks) - 100, () -> 0));
        assertEquals(1000 - 16, keys(ks));
        assertEquals(500, new Eviction(ks).timeLimitMicros(), "the default tenacity 10: 500 us");
        e.tenacity(10);
        assertEquals(500, e.timeLimitMicros());
        e.tenacity(11);
        assertEquals(575, e.timeLimitMicros());
        e.tenacity(100);
        assertEquals(Long.MAX_VALUE, e.timeLimitMicros());
        assertEquals(Eviction.Result.OK, e.perform(() -> keys(ks) - 100, () -> 0));
        assertEquals(100, keys(ks));
    }

    @Test
    void whileOnlyTheHeapPartIsOverOnlyCollectionsAreEvicted() {
        Keyspace ks = open(KeyspaceOptions.Backend.OFFHEAP);
        Database db = ks.db(0);
        for (int i = 0; i < 500; i++) {
            db.put(b("s" + i), StoredValue.string(b("v")));
        }
        for (int i = 0; i < 50; i++) {
            HashValue h = HashValue.create();
            h.set(b("f"), b("v"), 128, 64);
            db.put(b("h" + i), StoredValue.object(ValueType.HASH, h, StoredValue.NO_EXPIRY));
        }
        int[] hashes = {50};
        Eviction e = eviction(ks, "allkeys-lru");
        ks.listener(new KeyspaceListener() {
            @Override
            public void expired(int d, byte[] key) {
            }

            @Override
            public void evicted(int d, byte[] key) {
                assertEquals('h', (char) key[0], "only collections live on the heap");
                hashes[0]--;
            }
        });
        Eviction.Result r;
        do {
            r = e.perform(() -> 0, () -> hashes[0] - 10);
        } while (r == Eviction.Result.RUNNING);
        assertEquals(Eviction.Result.OK, r);
        assertEquals(10, hashes[0]);
        assertEquals(510, db.size());
    }

    private static StoredValue hash(int fields) {
        HashValue h = HashValue.create();
        for (int f = 0; f < fields; f++) {
            h.set(b("f" + f), b("v" + f), 128, 64);
        }
        return StoredValue.object(ValueType.HASH, h, StoredValue.NO_EXPIRY);
    }

    /**
     * Collections (off-heap: kept in the heap index, their records in Chronicle hold no access
     * data) are sampled with their own LRU clock and evicted like strings.
     */
    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void allkeysLruEvictsCollectionsByTheirOwnAccessTime(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        Database db = ks.db(0);
        for (int i = 0; i < 2000; i++) {
            db.put(b("h" + i), hash(3));
            db.put(b("s" + i), StoredValue.string(b("v" + i)));
        }
        clock.addAndGet(100_000);
        Set<String> hot = new HashSet<>();
        for (int i = 0; i < 2000; i += 10) {
            assertNotNull(db.get(b("h" + i)));
            hot.add("h" + i);
        }
        clock.addAndGet(5_000);
        long full = ks.usedMemory();
        assertEquals(Eviction.Result.OK, evictTo(eviction(ks, "allkeys-lru"), ks, 1000));
        int lost = 0;
        int collections = 0;
        for (int i = 0; i < 2000; i++) {
            if (db.exists(b("h" + i))) {
                collections++;
            } else if (hot.contains("h" + i)) {
                lost++;
            }
        }
        assertTrue(lost <= 2, lost + " of the " + hot.size() + " recently used hashes were evicted");
        assertTrue(collections > hot.size() && collections < 1000, collections + " hashes left: cold ones were evicted too");
        assertTrue(ks.usedMemory() < full * 2 / 3, "memory given back: " + full + " -> " + ks.usedMemory());
    }

    /** FLUSHALL gives back everything the keys were accounted at, strings and collections alike. */
    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void flushGivesBackTheAccountedMemory(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        long empty = ks.usedMemory();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 3000; i++) {
                ks.db(i % 2).put(b("h" + i), hash(50));
                ks.db(i % 2).put(b("s" + i), StoredValue.string(new byte[200], clock.get() + 1_000_000));
            }
            long full = ks.usedMemory();
            assertTrue(full - empty > 3000 * 50 * 10, "the hashes count: " + empty + " -> " + full);
            ks.flushAll();
            assertEquals(empty, ks.usedMemory(), "round " + round);
        }
    }

    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void collectionsCountInUsedMemoryAsTheyChange(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        Database db = ks.db(0);
        db.put(b("warm"), StoredValue.string(b("v"))); // the off-heap map exists from here on
        long before = ks.usedMemory();
        HashValue h = HashValue.create();
        db.put(b("h"), StoredValue.object(ValueType.HASH, h, StoredValue.NO_EXPIRY));
        long empty = ks.usedMemory();
        // A command fills it in place after looking it up for writing.
        StoredValue v = db.get(b("h"));
        for (int i = 0; i < 5000; i++) {
            h.set(b("field:" + i), b("value:" + i), 128, 64);
        }
        ks.collectionWritten(0, b("h"), v);
        long full = ks.usedMemory();
        long expected = h.memoryUsage();
        assertTrue(full - empty >= expected * 9 / 10 && full - empty <= expected * 11 / 10 + 1024,
                "used memory grew by " + (full - empty) + ", the hash holds " + expected);
        assertTrue(db.remove(b("h")));
        long after = ks.usedMemory();
        assertTrue(Math.abs(after - before) < 1024, "removing the hash gives its memory back: " + before + " -> " + after);
    }

    /**
     * Lists written in turn, each command looking its list up anew (a new holder each time) and
     * reporting it before changing it, as LPUSH does: the memory in use follows them all.
     */
    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void collectionsWrittenInTurnCountInUsedMemory(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        Database db = ks.db(0);
        db.put(b("warm"), StoredValue.string(b("v")));
        long empty = ks.usedMemory();
        ListValue[] lists = new ListValue[3];
        for (int k = 0; k < lists.length; k++) {
            lists[k] = new ListValue();
            db.put(b("l" + k), StoredValue.object(ValueType.LIST, lists[k], StoredValue.NO_EXPIRY));
        }
        byte[] e = new byte[100];
        for (int i = 0; i < 30_000; i++) {
            int k = i % 7 == 0 ? 2 : i % 2; // two lists in turn, a third now and then
            ks.collectionWritten(0, b("l" + k), db.get(b("l" + k)));
            lists[k].convertForAppend(-2, e);
            lists[k].push(e, true, -2);
            if (i == 12_345) {
                ks.usedMemory(); // a read of the memory in the middle measures what is pending
            }
        }
        long expected = 0;
        for (ListValue l : lists) {
            expected += l.accountedBytes();
        }
        long grown = ks.usedMemory() - empty;
        assertTrue(grown >= expected && grown <= expected + 4096, "used memory grew by " + grown + ", the lists hold " + expected);
    }

    @ParameterizedTest
    @EnumSource(value = KeyspaceOptions.Backend.class, names = {"HEAP", "OFFHEAP"})
    void lfuCountsAccessesAndDecays(KeyspaceOptions.Backend backend) {
        Keyspace ks = open(backend);
        Eviction e = eviction(ks, "allkeys-lfu");
        e.lfu(0, 1); // log factor 0: every access counts
        Database db = ks.db(0);
        db.put(b("k"), StoredValue.string(b("v")));
        assertEquals(5, ks.lfuCounter(db.peek(b("k")).lruOrLfu()));
        for (int i = 0; i < 10; i++) {
            db.get(b("k"));
        }
        assertEquals(15, ks.lfuCounter(db.peek(b("k")).lruOrLfu()), "peek does not count");
        db.put(b("k"), StoredValue.string(b("w"))); // a write without a read counts once, and keeps the counter
        assertEquals(16, ks.lfuCounter(db.peek(b("k")).lruOrLfu()));
        byte[] key = b("k");
        db.get(key);
        db.put(key, StoredValue.string(b("x"))); // read then write under the same argument: one access
        assertEquals(17, ks.lfuCounter(db.peek(b("k")).lruOrLfu()));
        clock.addAndGet(3 * 60_000L); // three minutes, lfu-decay-time 1: three less
        assertEquals(14, ks.lfuCounter(db.peek(b("k")).lruOrLfu()));
        e.lfu(0, 3);
        assertEquals(16, ks.lfuCounter(db.peek(b("k")).lruOrLfu()), "one period of three minutes");
        e.lfu(0, 0);
        assertEquals(17, ks.lfuCounter(db.peek(b("k")).lruOrLfu()), "lfu-decay-time 0: no decay");
        e.lfu(0, 1);
        db.get(b("k")); // decays to 14, then counts
        assertEquals(15, ks.lfuCounter(db.peek(b("k")).lruOrLfu()));
        // Under LRU the field is the clock: idle time in seconds.
        eviction(ks, "allkeys-lru");
        db.get(b("k"));
        clock.addAndGet(42_000);
        assertEquals(42, ks.idleSeconds(db.peek(b("k")).lruOrLfu()));
    }

    @Test
    void lfuIncrementIsLogarithmic() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        int c = Lfu.INIT_COUNTER;
        int accesses = 0;
        while (c < 10) {
            c = Lfu.increment(c, 10, r);
            accesses++;
        }
        // Expected accesses from 5 to 10: 1 + 11 + 21 + 31 + 41 = 105.
        assertTrue(accesses > 40 && accesses < 250, accesses + " accesses to reach 10");
        assertEquals(255, Lfu.increment(255, 10, r));
        assertEquals(6, Lfu.increment(5, 10, r), "at or below the initial value every access counts");
        // Minutes wrap around at 2^16, as Redis's LFUTimeElapsed computes it (65535 - ldt + now).
        long t = 65535L * 60_000;
        assertEquals(1, Lfu.elapsedMinutes(Lfu.minutes(t), t + 2 * 60_000));
        assertEquals(2, Lfu.elapsedMinutes(Lfu.minutes(t + 60_000), t + 3 * 60_000));
    }
}
