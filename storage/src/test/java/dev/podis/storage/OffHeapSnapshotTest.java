package dev.podis.storage;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Off-heap: keys inserted during the walk fill the maps, which grow and move entries meanwhile. */
class OffHeapSnapshotTest extends SnapshotTest {
    @Override
    KeyspaceOptions.Backend backend() {
        return KeyspaceOptions.Backend.OFFHEAP;
    }

    @Override
    KeyspaceOptions options() {
        return super.options().initialEntries(1024);
    }

    @Test
    void mapsGrowDuringTheWalk() throws Exception {
        Random rnd = new Random(11);
        fill(rnd, 3000);
        Map<Integer, Map<String, String>> expected = dataset();
        Collector c = new Collector();
        Snapshot s = ks.snapshot(c, null);
        int i = 0;
        while (!s.step(5_000)) {
            for (int j = 0; j < 200; j++, i++) {
                ks.db(i % DBS).put(b("grow:" + i), StoredValue.string(new byte[64]));
            }
            mutate(rnd, 3000, i);
            ks.activeExpireCycle(500); // moves entries into the newest maps
        }
        assertTrue(i > 1000, "inserted " + i);
        assertEquals(expected, await(s, c));
    }
}
