package dev.podis.storage;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KeyTable} while an incremental resize is in progress, against a java.util map:
 * inserts, puts, removals, lookups, iteration, scans across a grow and a shrink, random picks.
 */
class KeyTableRehashTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void check(KeyTable t, Map<String, Object> model) throws Exception {
        assertEquals(model.size(), t.size());
        Map<String, Object> all = new HashMap<>();
        t.forEach(n -> assertNull(all.put(s(n.key), n.value), "a node twice"));
        assertEquals(model, all);
    }

    @Test
    void operationsWhileMigrating() throws Exception {
        Random rnd = new Random(41);
        KeyTable t = new KeyTable();
        Map<String, Object> model = new HashMap<>();
        int migrating = 0;
        for (int i = 0; i < 200_000; i++) {
            String k = "k" + rnd.nextInt(150_000);
            int op = rnd.nextInt(8);
            if (op < 4) {
                KeyTable.Node n = t.insert(b(k));
                n.value = "v" + i;
                model.put(k, n.value);
            } else if (op == 4) {
                KeyTable.Node n = new KeyTable.Node(b(k), KeyTable.hash(b(k)));
                n.value = "p" + i;
                KeyTable.Node replaced = t.put(n);
                assertEquals(model.put(k, n.value), replaced == null ? null : replaced.value);
            } else if (op == 5) {
                KeyTable.Node n = t.remove(b(k));
                assertEquals(model.remove(k), n == null ? null : n.value);
            } else {
                KeyTable.Node n = t.find(b(k));
                assertEquals(model.get(k), n == null ? null : n.value);
            }
            if (t.rehashing() && ++migrating % 3000 == 0) {
                check(t, model);
                assertTrue(model.containsKey(s(t.random(new SplittableRandom(i)).key)));
            }
        }
        assertTrue(migrating > 1000, "grows went through migrations: " + migrating);
        check(t, model);
        List<String> keys = new ArrayList<>(model.keySet());
        Collections.shuffle(keys, rnd);
        int shrinking = 0;
        for (String k : keys) {
            assertEquals(model.remove(k), t.remove(b(k)).value);
            if (t.rehashing() && ++shrinking % 500 == 0) {
                check(t, model);
            }
        }
        assertTrue(shrinking > 100, "shrinks went through migrations: " + shrinking);
        check(t, model);
    }

    private void scanAcross(boolean grow) throws Exception {
        Random rnd = new Random(grow ? 51 : 52);
        KeyTable t = new KeyTable();
        Map<String, Object> model = new HashMap<>();
        // a grow is due at 16385 keys; a shrink once under 1/8 of 131072 buckets
        int start = grow ? 16_000 : 120_000;
        for (int i = 0; i < start; i++) {
            t.insert(b("s" + i)).value = i;
            model.put("s" + i, i);
        }
        Set<String> always = new HashSet<>(model.keySet());
        Set<String> seen = new HashSet<>();
        List<String> order = new ArrayList<>(model.keySet());
        Collections.shuffle(order, rnd);
        int next = 0;
        boolean sawRehash = false;
        long cursor = 0;
        do {
            cursor = t.scan(cursor, 1, n -> seen.add(s(n.key)));
            sawRehash |= t.rehashing();
            if (grow) {
                String k = "x" + rnd.nextInt(1 << 30);
                t.insert(b(k)).value = 0;
                model.put(k, 0);
            } else {
                for (int j = 0; j < 12 && next < order.size() - 1000; j++) {
                    String k = order.get(next++);
                    model.remove(k);
                    always.remove(k);
                    assertNotNull(t.remove(b(k)));
                }
            }
        } while (cursor != 0);
        assertTrue(sawRehash, "a migration ran during the scan");
        assertTrue(seen.containsAll(always), "the scan missed keys present throughout");
        check(t, model);
    }

    @Test
    void scanAcrossAGrow() throws Exception {
        scanAcross(true);
    }

    @Test
    void scanAcrossAShrink() throws Exception {
        scanAcross(false);
    }

    @Test
    void backgroundStepsFinishAMigration() throws Exception {
        KeyTable t = new KeyTable();
        Map<String, Object> model = new HashMap<>();
        int i = 0;
        while (!t.rehashing()) {
            t.insert(b("k" + i)).value = i;
            model.put("k" + i, i);
            i++;
        }
        long bytes = t.estimatedBytes();
        while (t.rehashStep(100)) {
            assertNotNull(t.find(b("k0")));
        }
        assertFalse(t.rehashing());
        assertTrue(t.estimatedBytes() < bytes, "the old bucket array is no longer counted");
        check(t, model);
    }

    @Test
    void activeRehashingOffLeavesTheResizeToWrites() throws Exception {
        try (Keyspace k = Keyspace.create(new KeyspaceOptions().databases(1).backend(KeyspaceOptions.Backend.HEAP))) {
            java.lang.reflect.Field f = HeapDatabase.class.getDeclaredField("map");
            f.setAccessible(true);
            KeyTable t = (KeyTable) f.get(k.db(0));
            int i = 0;
            while (!t.rehashing()) {
                k.db(0).put(b("k" + i), StoredValue.string(b("v" + i)));
                i++;
            }
            k.activeRehashing(false);
            for (int n = 0; n < 100; n++) {
                k.activeExpireCycle(1000);
            }
            assertTrue(t.rehashing(), "activerehashing no: the background step leaves the resize alone");
            k.activeRehashing(true);
            for (int n = 0; n < 1000 && t.rehashing(); n++) {
                k.activeExpireCycle(1000);
            }
            assertFalse(t.rehashing(), "activerehashing yes: the background step finishes it");
            for (int j = 0; j < i; j++) {
                assertEquals("v" + j, s(k.db(0).get(b("k" + j)).bytes()));
            }
        }
    }
}
