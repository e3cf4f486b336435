package dev.podis.storage;

import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.SetValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fork-less snapshots on both keyspaces: whatever commands do while the walk runs (overwrite,
 * delete, create, change collections in place, expire, FLUSHDB, FLUSHALL, SWAPDB, grow the
 * maps), the sink receives exactly the dataset as it was at the start, each key once.
 */
abstract class SnapshotTest {
    static final int DBS = 4;
    final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    Keyspace ks;

    abstract KeyspaceOptions.Backend backend();

    KeyspaceOptions options() {
        return new KeyspaceOptions().databases(DBS).backend(backend()).clock(clock::get).maxmemory(512L << 20);
    }

    @BeforeEach
    void open() {
        ks = Keyspace.create(options());
    }

    @AfterEach
    void close() {
        ks.close();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A value as text, independent of encoding: strings as is, sets and hashes sorted. */
    static String render(StoredValue v) {
        String ttl = v.hasExpiry() ? "@" + v.expireAt() : "";
        switch (v.type()) {
            case STRING:
                return "s:" + new String(v.bytes(), StandardCharsets.ISO_8859_1) + ttl;
            case SET: {
                List<String> m = new ArrayList<>();
                for (byte[] x : ((SetValue) v.object()).toArray()) {
                    m.add(new String(x, StandardCharsets.ISO_8859_1));
                }
                m.sort(null);
                return "set:" + m + ttl;
            }
            case HASH: {
                TreeMap<String, String> m = new TreeMap<>();
                ((HashValue) v.object()).forEach((f, fo, fl, x, xo, xl) -> m.put(
                        new String(f, fo, fl, StandardCharsets.ISO_8859_1), new String(x, xo, xl, StandardCharsets.ISO_8859_1)));
                return "hash:" + m + ttl;
            }
            default:
                throw new AssertionError(v.type());
        }
    }

    /** The live dataset now, read through SCAN and peek: db -> key -> rendered value. */
    Map<Integer, Map<String, String>> dataset() {
        Map<Integer, Map<String, String>> out = new TreeMap<>();
        for (int i = 0; i < DBS; i++) {
            Database d = ks.db(i);
            Map<String, String> m = new TreeMap<>();
            long cursor = 0;
            do {
                cursor = d.scan(cursor, 100, k -> {
                    StoredValue v = d.peek(k);
                    if (v != null) {
                        m.put(new String(k, StandardCharsets.ISO_8859_1), render(v));
                    }
                });
            } while (cursor != 0);
            if (!m.isEmpty()) {
                out.put(i, m);
            }
        }
        return out;
    }

    /** Collects what a snapshot emits (on the writer thread), failing on a key emitted twice. */
    static final class Collector implements KeyspaceSink {
        final Map<Integer, Map<String, String>> data = new ConcurrentHashMap<>();
        final List<String> problems = new ArrayList<>();
        volatile int db = -1;
        volatile boolean ended;
        final CountDownLatch release = new CountDownLatch(0);
        volatile CountDownLatch gate;
        volatile IOException failWith;
        volatile long entries;

        @Override
        public void database(int db, long keys, long expires) {
            this.db = db;
        }

        @Override
        public void entry(byte[] key, StoredValue value) throws IOException {
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            if (failWith != null) {
                throw failWith;
            }
            entries++;
            String k = new String(key, StandardCharsets.ISO_8859_1);
            String prev = data.computeIfAbsent(db, x -> new TreeMap<>()).put(k, render(value));
            if (prev != null) {
                problems.add("db " + db + " key " + k + " emitted twice");
            }
        }

        @Override
        public void end() {
            ended = true;
        }
    }

    void finish(Snapshot s) {
        while (!s.step(1_000_000)) {
            Thread.onSpinWait();
        }
    }

    Map<Integer, Map<String, String>> await(Snapshot s, Collector c) throws Exception {
        s.done().get(30, TimeUnit.SECONDS);
        assertTrue(c.ended);
        assertEquals(List.of(), c.problems);
        return new TreeMap<>(c.data);
    }

    void fill(Random rnd, int n) {
        for (int i = 0; i < n; i++) {
            Database d = ks.db(rnd.nextInt(DBS));
            String k = "key:" + i;
            int kind = rnd.nextInt(10);
            long ttl = rnd.nextInt(5) == 0 ? clock.get() + 1000 + rnd.nextInt(100_000) : StoredValue.NO_EXPIRY;
            if (kind < 7) {
                byte[] v = new byte[rnd.nextInt(5) == 0 ? 9000 + rnd.nextInt(3000) : rnd.nextInt(120)];
                rnd.nextBytes(v);
                d.put(b(k), StoredValue.string(v, ttl));
            } else if (kind < 9) {
                HashValue h = HashValue.create();
                int fields = rnd.nextInt(3) == 0 ? 300 : 5;
                for (int f = 0; f < fields; f++) {
                    h.set(b("f" + f), b("v" + rnd.nextInt(1000)), 128, 64);
                }
                d.put(b(k), StoredValue.object(ValueType.HASH, h, ttl));
            } else {
                SetValue set = SetValue.create(b("1"), 4, 512, 128);
                for (int m = 0; m < 20; m++) {
                    set.add(b(Integer.toString(rnd.nextInt(100))), 512, 128, 64);
                }
                d.put(b(k), StoredValue.object(ValueType.SET, set, ttl));
            }
        }
    }

    /** One random command-like change. */
    void mutate(Random rnd, int n, int round) {
        int dbi = rnd.nextInt(DBS);
        Database d = ks.db(dbi);
        byte[] k = b("key:" + rnd.nextInt(n + n / 4));
        int op = rnd.nextInt(100);
        if (op < 40) {
            d.put(k, StoredValue.string(b("new" + round)));
        } else if (op < 55) {
            d.remove(k);
        } else if (op < 75) {
            StoredValue v = d.get(k);
            if (v != null && v.type() == ValueType.HASH) {
                ks.modifiedInPlace(dbi, k);
                ((HashValue) v.object()).set(b("f" + rnd.nextInt(400)), b("changed" + round), 128, 64);
            } else if (v != null && v.type() == ValueType.SET) {
                ks.modifiedInPlace(dbi, k);
                SetValue set = (SetValue) v.object();
                set.add(b("m" + round), 512, 128, 64);
                set.remove(b("5"));
            } else if (v != null) {
                d.put(k, StoredValue.string(Arrays.copyOf(v.bytes(), v.bytes().length + 1), v.expireAt()));
            }
        } else if (op < 85) {
            d.setExpireAt(k, rnd.nextBoolean() ? StoredValue.NO_EXPIRY : clock.get() + rnd.nextInt(5000));
        } else if (op < 95) {
            d.put(b("fresh:" + round), StoredValue.string(b("x")));
        } else if (op < 98) {
            clock.addAndGet(rnd.nextInt(300)); // some TTLs pass: lazy and active expiry remove keys
            ks.activeExpireCycle(1000);
        } else if (op == 98) {
            ks.swap(rnd.nextInt(DBS), rnd.nextInt(DBS));
        } else if (rnd.nextInt(4) == 0) {
            d.clear();
        }
    }

    @Test
    void emptyKeyspaceEndsAtOnce() throws Exception {
        Collector c = new Collector();
        Snapshot s = ks.snapshot(c, null);
        assertTrue(s.step(1_000_000_000));
        assertEquals(Map.of(), await(s, c));
    }

    @Test
    void quietSnapshotEqualsTheDataset() throws Exception {
        fill(new Random(1), 3000);
        Map<Integer, Map<String, String>> expected = dataset();
        Collector c = new Collector();
        Snapshot s = ks.snapshot(c, null);
        finish(s);
        assertEquals(expected, await(s, c));
        assertEquals(3000, s.keysTotal());
        assertEquals(0, s.keysCopiedOnWrite());
    }

    @Test
    void writesDuringTheWalkDoNotShowInTheSnapshot() throws Exception {
        long copies = 0;
        for (long seed = 1; seed <= 2; seed++) {
            Random rnd = new Random(seed);
            int n = 3000;
            fill(rnd, n);
            for (int snap = 0; snap < 3; snap++) {
                Map<Integer, Map<String, String>> expected = dataset();
                Collector c = new Collector();
                Snapshot s = ks.snapshot(c, new Snapshot.Options().bufferBytes(SnapshotPipe.CHUNK));
                int round = 0;
                while (!s.step(20_000)) {
                    for (int i = 0; i < 40; i++) {
                        mutate(rnd, n, snap * 1_000_000 + round++);
                    }
                }
                assertEquals(expected, await(s, c), "seed " + seed + " snapshot " + snap);
                copies += s.keysCopiedOnWrite();
            }
            ks.flushAll();
        }
        assertTrue(copies > 0, "writes reached keys ahead of the walk");
    }

    /** Keys in all databases. */
    long keys() {
        long n = 0;
        for (int i = 0; i < DBS; i++) {
            n += ks.db(i).size();
        }
        return n;
    }

    @Test
    void evictionDuringTheWalkHandsOverTheOldValues() throws Exception {
        for (String policy : new String[] {"allkeys-lru", "volatile-random"}) {
            Random rnd = new Random(policy.hashCode());
            fill(rnd, 2000);
            Map<Integer, Map<String, String>> expected = dataset();
            Eviction eviction = new Eviction(ks);
            eviction.policy(Eviction.Policy.of(policy));
            eviction.tenacity(100);
            long evictedBefore = ks.evictedKeys();
            Collector c = new Collector();
            Snapshot s = ks.snapshot(c, null);
            s.step(0);
            long target = keys();
            long floor = target / 2;
            int round = 0;
            while (!s.step(20_000)) {
                // a tenth of the keys evicted at each step (down to half), ahead of the walk and behind it
                target = Math.max(floor, target * 9 / 10);
                long t = target;
                eviction.perform(() -> keys() - t, () -> 0);
                for (int i = 0; i < 10; i++) {
                    mutate(rnd, 2000, round++);
                }
            }
            assertEquals(expected, await(s, c), policy);
            assertTrue(ks.evictedKeys() - evictedBefore > 100, policy + ": " + (ks.evictedKeys() - evictedBefore));
            ks.flushAll();
        }
    }

    @Test
    void flushAndSwapDuringTheWalk() throws Exception {
        fill(new Random(7), 4000);
        Map<Integer, Map<String, String>> expected = dataset();
        Collector c = new Collector();
        Snapshot s = ks.snapshot(c, null);
        s.step(0);
        ks.swap(0, 1);
        ks.db(2).clear();
        ks.db(2).put(b("after-flush"), StoredValue.string(b("x")));
        ks.db(2).clear();
        ks.flushAll();
        ks.db(0).put(b("key:1"), StoredValue.string(b("after-flushall")));
        finish(s);
        assertEquals(expected, await(s, c));
        assertEquals(1, ks.db(0).size());
        assertEquals(0, ks.db(2).size());
    }

    @Test
    void failedSinkAndAbortLeaveTheNextSnapshotCorrect() throws Exception {
        Random rnd = new Random(3);
        fill(rnd, 3000);
        Collector bad = new Collector();
        bad.failWith = new IOException("No space left on device");
        Snapshot s = ks.snapshot(bad, null);
        for (int i = 0; i < 5; i++) {
            s.step(10_000);
            mutate(rnd, 3000, i);
        }
        ExecutionException e = assertThrows(ExecutionException.class, () -> s.done().get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("No space"), e.toString());
        assertFalse(bad.ended);

        // an aborted one, half walked
        Collector aborted = new Collector();
        Snapshot a = ks.snapshot(aborted, null);
        for (int i = 0; i < 3; i++) {
            a.step(10_000);
            mutate(rnd, 3000, 100 + i);
        }
        a.abort("test");
        assertThrows(ExecutionException.class, () -> a.done().get(30, TimeUnit.SECONDS));
        for (int i = 0; i < 200; i++) {
            mutate(rnd, 3000, 200 + i);
        }

        Map<Integer, Map<String, String>> expected = dataset();
        Collector c = new Collector();
        Snapshot good = ks.snapshot(c, null);
        int round = 1000;
        while (!good.step(20_000)) {
            mutate(rnd, 3000, round++);
        }
        assertEquals(expected, await(good, c));
    }

    @Test
    void oneSnapshotAtATime() {
        Snapshot s = ks.snapshot(new Collector(), null);
        ks.db(0).put(b("k"), StoredValue.string(b("v")));
        assertThrows(IllegalStateException.class, () -> ks.snapshot(new Collector(), null));
        assertSame(s, ks.runningSnapshot());
        finish(s);
        assertNull(ks.runningSnapshot());
    }

    @Test
    void aSlowWriterPausesTheWalk() throws Exception {
        fill(new Random(5), 2000);
        Map<Integer, Map<String, String>> expected = dataset();
        Collector c = new Collector();
        c.gate = new CountDownLatch(1);
        long budget = SnapshotPipe.CHUNK * 2;
        Snapshot s = ks.snapshot(c, new Snapshot.Options().bufferBytes(budget));
        for (int i = 0; i < 50; i++) {
            assertFalse(s.step(1_000_000));
        }
        long walked = s.keysWalked();
        assertTrue(walked < 2000, "walk paused at " + walked);
        // the walk checks between units (a Chronicle segment, 128 heap buckets)
        assertTrue(s.bufferedBytes() <= budget + 2 * 1024 * 1024, "buffered " + s.bufferedBytes());
        c.gate.countDown();
        finish(s);
        assertEquals(expected, await(s, c));
    }
}
