package dev.podis.storage;

import org.junit.jupiter.api.Test;

import net.openhft.chronicle.map.ChronicleMap;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class OffHeapKeyspaceTest extends KeyspaceContractTest {
    @Override
    KeyspaceOptions.Backend backend() {
        return KeyspaceOptions.Backend.OFFHEAP;
    }

    @Override
    KeyspaceOptions options() {
        // Start the maps small so that the tests exercise growth by tiers and extra shards.
        return super.options().initialEntries(2048);
    }

    @Test
    void flagsArePresentUnderTheBuild() {
        assertTrue(Keyspace.offHeapAvailable());
        assertEquals("offheap", ks.backend());
    }

    @Test
    void fullBudgetRefusesWritesCleanly() {
        try (Keyspace small = Keyspace.create(new KeyspaceOptions().databases(1).backend(KeyspaceOptions.Backend.OFFHEAP)
                .maxmemory(1 << 20).initialEntries(1024))) {
            Database d = small.db(0);
            int stored = 0;
            KeyspaceFullException full = null;
            for (int i = 0; i < 1_000_000 && full == null; i++) {
                try {
                    d.put(b("key:" + i), StoredValue.string(new byte[100]));
                    stored++;
                } catch (KeyspaceFullException e) {
                    full = e;
                }
            }
            assertNotNull(full, "a 1 MB keyspace must refuse writes at some point");
            assertEquals(stored, d.size());
            assertTrue(small.usedMemory() >= 1 << 20);
            assertArrayEquals(new byte[100], d.get(b("key:" + (stored - 1))).bytes());
            assertNull(d.get(b("key:" + stored)));
            // Overwrites and deletes still work; deleting makes room again.
            for (int i = 0; i < stored / 2; i++) {
                assertTrue(d.remove(b("key:" + i)));
            }
            d.put(b("key:" + stored), StoredValue.string(new byte[100]));
            assertEquals(stored / 2 + stored % 2 + 1, d.size());
            // A bigger budget (CONFIG SET maxmemory) lets it grow again.
            small.maxmemory(64 << 20);
            for (int i = 0; i < stored; i++) {
                d.put(b("more:" + i), StoredValue.string(new byte[100]));
            }
            assertEquals(stored / 2 + stored % 2 + 1 + stored, d.size());
        }
    }

    @Test
    void aLoadSizedByItsKeyCountStaysInOneMap() {
        // RESIZEDB's count sizes the map: loading that many keys must neither replace the map
        // (growEarly at TARGET_FILL) nor move entries while the load runs, nor have a bigger map
        // made ahead for it (at PREPARE_FILL) before writes go past the count.
        int keys = 50_000;
        ks.expectKeys(1, keys);
        OffHeapDatabase d = (OffHeapDatabase) ks.db(1);
        assertEquals(1, d.shardCount());
        for (int i = 0; i < keys; i++) {
            d.put(b("l:" + i), StoredValue.string(new byte[100]));
            if (d.shardCount() != 1) {
                fail("the map was replaced after " + (i + 1) + " of " + keys + " keys: " + d.describeShards());
            }
        }
        assertEquals(keys, d.size());
        assertFalse(d.growthPrepared(), "a bigger map was prepared for the keys announced");
        d.put(b("after-the-load"), StoredValue.string(new byte[100]));
        assertTrue(d.growthPrepared(), "past the announced keys, the next map is made ahead");
    }

    @Test
    void growthMovesEntriesIntoABiggerMapStepByStep() {
        OffHeapDatabase d = (OffHeapDatabase) db;
        int n = 0;
        while (n < 200_000 && d.shardCount() < 2) {
            d.put(b("g:" + n), StoredValue.string(b("v" + n), n % 3 == 0 ? clock.get() + 60_000 : StoredValue.NO_EXPIRY));
            n++;
        }
        assertEquals(2, d.shardCount(), "the first map must fill up and be replaced");
        // Mid-move: every key readable, counted, scanned, and writable.
        assertEquals(n, d.size());
        assertEquals((n + 2) / 3, d.volatileSize());
        for (int i = 0; i < n; i++) {
            assertEquals("v" + i, s(d.peek(b("g:" + i)).bytes()));
        }
        Set<String> seen = new java.util.HashSet<>();
        long cursor = 0;
        do {
            cursor = d.scan(cursor, 100, k -> seen.add(s(k)));
            d.put(b("g:" + n), StoredValue.string(b("v" + n))); // each write moves some entries
            n++;
        } while (cursor != 0);
        for (int i = 0; i < 1000; i++) {
            assertTrue(seen.contains("g:" + i));
        }
        for (int i = 0; i < 100 && d.shardCount() > 1; i++) {
            ks.activeExpireCycle(100_000);
        }
        assertEquals(1, d.shardCount(), "the background cycle finishes the move");
        assertEquals(n, d.size());
        for (int i = 0; i < n; i++) {
            assertEquals("v" + i, s(d.get(b("g:" + i)).bytes()));
        }
        assertEquals(n, scanAll(d, 1000).size());
        clock.addAndGet(60_000);
        assertNull(d.get(b("g:0")));
        assertNotNull(d.get(b("g:1")));
    }

    @Test
    void sizingFollowsTheBudget() {
        OffHeapSizing small = new OffHeapSizing(64L << 20, 0);
        assertEquals(OffHeapSizing.INITIAL, small.initialEntries());
        OffHeapSizing big = new OffHeapSizing(24L << 30, 0);
        assertEquals(OffHeapSizing.INITIAL, big.initialEntries());
        assertEquals(4096, new OffHeapSizing(24L << 30, 4096).initialEntries());
        // A full map (70% of its entries) is replaced by one twice as big; more when the keys need it.
        assertEquals(2 * 262_144, big.nextEntries(262_144, 180_000, 116));
        assertEquals(1_000_000, big.nextEntries(262_144, 500_000, 116));
        // A replacing map never reserves more than the budget (about 154 bytes per entry of 116 bytes,
        // twice that for entries twice as big), but always leaves room for the keys present.
        assertEquals((64L << 20) / 154, small.nextEntries(400_000, 10, 116));
        assertEquals((64L << 20) / OffHeapSizing.reservedPerEntry(232), small.nextEntries(400_000, 10, 232));
        assertEquals(2_000_000, small.nextEntries(400_000, 1_000_000, 116));
        assertTrue(MemoryBudget.machineLimit() > 0);
        assertEquals(123, MemoryBudget.budget(123));
    }

    /** Waits (up to 10 s) for the map made in the background to be ready. */
    private static ChronicleMap<byte[], byte[]> awaitSpare(OffHeapSizing sizing, ChronicleMap<byte[], byte[]> not)
            throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        ChronicleMap<byte[], byte[]> m;
        while (((m = sizing.spare()) == null || m == not) && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertNotNull(m, "a spare map is made in the background");
        assertNotSame(not, m);
        return m;
    }

    @Test
    void aFlushedDatabaseTakesAMapMadeAheadAndTheOldOneIsClosedOffTheCommandThread() throws Exception {
        ChronicleMap<byte[], byte[]> first;
        ChronicleMap<byte[], byte[]> next;
        try (Keyspace k = Keyspace.create(new KeyspaceOptions().databases(2).backend(KeyspaceOptions.Backend.OFFHEAP)
                .initialEntries(4096))) {
            OffHeapSizing sizing = k.sizing();
            OffHeapDatabase d = (OffHeapDatabase) k.db(0);
            first = awaitSpare(sizing, null);
            d.put(b("a"), StoredValue.string(b("1")));
            assertSame(first, d.newestMap(), "the first write takes the map made at creation");
            next = awaitSpare(sizing, first);
            k.flushAll();
            assertEquals(0, d.size());
            assertNull(d.get(b("a")));
            d.put(b("b"), StoredValue.string(b("2")));
            assertSame(next, d.newestMap(), "the write after FLUSHALL takes the next spare");
            assertEquals("2", s(d.get(b("b")).bytes()));
            assertEquals(1, d.size());
            long end = System.nanoTime() + 10_000_000_000L;
            while (!first.isClosed() && System.nanoTime() < end) {
                Thread.sleep(1);
            }
            assertTrue(first.isClosed(), "the flushed map is closed");
            // Another database's first write takes the spare made since, or makes its own map.
            k.db(1).put(b("c"), StoredValue.string(b("3")));
            assertEquals("3", s(k.db(1).get(b("c")).bytes()));
        }
        long end = System.nanoTime() + 10_000_000_000L;
        while (!next.isClosed() && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertTrue(next.isClosed(), "closing the keyspace closes its maps");
    }

    @Test
    void aGrowingDatabaseTakesTheBiggerMapMadeAhead() throws Exception {
        try (Keyspace k = Keyspace.create(new KeyspaceOptions().databases(1).backend(KeyspaceOptions.Backend.OFFHEAP)
                .initialEntries(4096))) {
            OffHeapSizing sizing = k.sizing();
            OffHeapDatabase d = (OffHeapDatabase) k.db(0);
            int i = 0;
            while (i <= 4096 * OffHeapSizing.PREPARE_FILL) {
                d.put(b("key:" + i), StoredValue.string(b("v" + i)));
                i++;
            }
            long end = System.nanoTime() + 10_000_000_000L;
            ChronicleMap<byte[], byte[]> ahead;
            while ((ahead = sizing.preparedGrowth()) == null && System.nanoTime() < end) {
                Thread.sleep(1);
            }
            assertNotNull(ahead, "past the preparing fill a bigger map is made in the background");
            ChronicleMap<byte[], byte[]> first = d.newestMap();
            while (d.newestMap() == first) {
                d.put(b("key:" + i), StoredValue.string(b("v" + i)));
                i++;
            }
            assertSame(ahead, d.newestMap(), "the growth takes the map made ahead");
            assertNull(sizing.preparedGrowth());
            assertEquals(i, d.size());
            for (int j = 0; j < i; j++) {
                assertEquals("v" + j, s(d.get(b("key:" + j)).bytes()));
            }
        }
    }
}
