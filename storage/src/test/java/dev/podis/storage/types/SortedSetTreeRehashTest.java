package dev.podis.storage.types;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sorted set tree's member index while an incremental resize is in progress, against a
 * java.util map: scores, updates, removals, ranks, range removal, scans across a grow and a
 * shrink, and the memory counts.
 */
class SortedSetTreeRehashTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] m) {
        return new String(m, StandardCharsets.UTF_8);
    }

    private static void check(SortedSetTree t, Map<String, Double> model) {
        assertEquals(model.size(), t.size());
        Map<String, Double> all = new HashMap<>();
        long c = 0;
        do {
            c = t.scan(c, 1000, (m, sc) -> all.put(s(m), sc));
        } while (c != 0);
        assertEquals(model, all);
        assertEquals(t.structureBytesWalked(), t.structureBytes());
    }

    @Test
    void operationsWhileTheIndexMigrates() {
        Random rnd = new Random(21);
        SortedSetTree t = new SortedSetTree();
        Map<String, Double> model = new HashMap<>();
        int migrating = 0;
        for (int i = 0; i < 150_000; i++) {
            String m = "z" + rnd.nextInt(200_000);
            byte[] mb = b(m);
            int op = rnd.nextInt(6);
            Double old = model.get(m);
            if (op < 3) {
                double sc = rnd.nextInt(1000);
                if (old == null) {
                    t.insert(mb, sc);
                } else {
                    t.update(mb, sc);
                }
                model.put(m, sc);
            } else if (op == 3) {
                assertEquals(old != null, t.remove(mb));
                model.remove(m);
            } else {
                assertEquals(old == null ? Double.NaN : old, t.score(mb));
                if (old != null) {
                    // rank: members below in (score, bytes) order
                    assertTrue(t.rank(mb) >= 0);
                }
            }
            if (t.rehashing()) {
                migrating++;
                if (migrating % 2000 == 0) {
                    check(t, model);
                }
            }
        }
        check(t, model);
        assertTrue(migrating > 1000, "grows went through migrations: " + migrating);
        // shrink by range removals and single removals
        int shrinking = 0;
        List<String> order = new ArrayList<>(model.keySet());
        Collections.shuffle(order, rnd);
        for (String m : order) {
            if (model.size() < 2000) {
                break;
            }
            if (model.remove(m) != null) {
                assertTrue(t.remove(b(m)));
            }
            if (t.rehashing()) {
                shrinking++;
                if (shrinking % 500 == 0) {
                    check(t, model);
                    assertEquals(model.get(order.get(order.size() - 1)), t.score(b(order.get(order.size() - 1))));
                }
            }
        }
        assertTrue(shrinking > 100, "shrinks went through migrations: " + shrinking);
        check(t, model);
        // remove the lowest ranks in one go; the model drops the same members
        TreeMap<String, String> byRank = new TreeMap<>();
        for (Map.Entry<String, Double> e : model.entrySet()) {
            byRank.put(String.format("%012.1f", e.getValue()) + "\u0000" + e.getKey(), e.getKey());
        }
        int k = model.size() / 2;
        assertEquals(k, t.removeRange(0, k));
        int n = 0;
        for (String key : byRank.values()) {
            if (n++ >= k) {
                break;
            }
            model.remove(key);
        }
        check(t, model);
    }

    private void scanAcross(boolean grow) {
        Random rnd = new Random(grow ? 31 : 32);
        SortedSetTree t = new SortedSetTree();
        Map<String, Double> model = new HashMap<>();
        int start = grow ? 12_000 : 100_000;
        for (int i = 0; i < start; i++) {
            model.put("s" + i, (double) i);
            t.insert(b("s" + i), i);
        }
        Map<String, Double> always = new HashMap<>(model);
        Map<String, Double> seen = new HashMap<>();
        List<String> order = new ArrayList<>(model.keySet());
        Collections.shuffle(order, rnd);
        int next = 0;
        boolean sawRehash = false;
        long cursor = 0;
        int steps = 0;
        do {
            cursor = t.scan(cursor, 1, (m, sc) -> seen.put(s(m), sc));
            sawRehash |= t.rehashing();
            steps++;
            if (grow) {
                if (steps % 2 == 0) {
                    String m = "x" + rnd.nextInt(1 << 30);
                    if (!model.containsKey(m)) {
                        model.put(m, 1.0);
                        t.insert(b(m), 1.0);
                    }
                }
            } else {
                for (int j = 0; j < 8 && next < order.size() - 1000; j++) {
                    String m = order.get(next++);
                    model.remove(m);
                    always.remove(m);
                    assertTrue(t.remove(b(m)));
                }
            }
        } while (cursor != 0);
        assertTrue(sawRehash, "a migration ran during the scan");
        for (Map.Entry<String, Double> e : always.entrySet()) {
            assertEquals(e.getValue(), seen.get(e.getKey()), "scan missed or misreported " + e.getKey());
        }
        check(t, model);
    }

    @Test
    void scanAcrossAGrow() {
        scanAcross(true);
    }

    @Test
    void scanAcrossAShrink() {
        scanAcross(false);
    }

    @Test
    void backgroundStepsFinishAMigration() {
        SortedSetTree t = new SortedSetTree();
        int i = 0;
        while (!t.rehashing()) {
            t.insert(b("m" + i), i);
            i++;
        }
        while (t.rehashStep(EntryTable.REHASH_STEP)) {
            assertEquals(i - 1.0, t.score(b("m" + (i - 1))));
            assertEquals(0.0, t.score(b("m0")));
        }
        for (int j = 0; j < i; j++) {
            assertEquals(j, t.score(b("m" + j)));
        }
    }
}
