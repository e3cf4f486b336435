package dev.podis.storage;

import org.junit.jupiter.api.Test;

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
        }
    }

    @Test
    void sizingFollowsTheBudget() {
        OffHeapSizing small = new OffHeapSizing(64L << 20, 0);
        assertEquals(OffHeapSizing.MIN_INITIAL, small.initialEntries());
        OffHeapSizing big = new OffHeapSizing(24L << 30, 0);
        assertEquals(OffHeapSizing.MAX_INITIAL, big.initialEntries());
        assertEquals(4 * OffHeapSizing.MAX_INITIAL, big.nextEntries(OffHeapSizing.MAX_INITIAL, 500_000));
        // Growth never goes far past what the budget can hold, but always leaves room for the keys present.
        assertEquals(2 * ((64L << 20) / OffHeapSizing.BYTES_PER_ENTRY), small.nextEntries(400_000, 10));
        assertEquals(2_000_000, small.nextEntries(400_000, 1_000_000));
        assertTrue(MemoryBudget.machineLimit() > 0);
        assertEquals(123, MemoryBudget.budget(123));
    }
}
