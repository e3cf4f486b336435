package dev.podis.storage.types;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EntryTable} while an incremental resize is in progress (two tables), against java.util
 * sets and maps: lookups, inserts, removals, iteration, scans across a grow and a shrink, random
 * picks, copies and the memory counts.
 */
class EntryTableRehashTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] e) {
        return new String(e, StandardCharsets.UTF_8);
    }

    private static boolean add(EntryTable t, String m) {
        byte[] k = b(m);
        int h = EntryTable.hash(k, 0, k.length);
        if (t.find(h, k, 0, k.length) >= 0) {
            return false;
        }
        t.insertNew(h, k);
        return true;
    }

    private static boolean remove(EntryTable t, String m) {
        byte[] k = b(m);
        int slot = t.find(k, 0, k.length);
        if (slot < 0) {
            return false;
        }
        t.removeAt(slot);
        return true;
    }

    private static Set<String> all(EntryTable t) {
        Set<String> out = new HashSet<>();
        for (int i = 0, n = t.capacity(); i < n; i++) {
            byte[] e = t.entryAt(i);
            if (e != null) {
                assertTrue(out.add(s(e)), "an entry twice");
            }
        }
        return out;
    }

    private static long bytesOf(Set<String> model) {
        long n = 0;
        for (String m : model) {
            n += EntryTable.arrayBytes(b(m));
        }
        return n;
    }

    private static void check(EntryTable t, Set<String> model) {
        assertEquals(model.size(), t.size());
        assertEquals(model, all(t));
        assertEquals(bytesOf(model), t.entryBytes());
    }

    @Test
    void growAndShrinkWithInterleavedOperations() {
        Random rnd = new Random(7);
        EntryTable t = new EntryTable(false, 0);
        Set<String> model = new HashSet<>();
        int migratingOps = 0;
        // grow to 150K members with one removal per four inserts, checking lookups along the way
        for (int i = 0; i < 200_000; i++) {
            String m = "m" + rnd.nextInt(400_000);
            if (rnd.nextInt(4) == 0) {
                assertEquals(model.remove(m), remove(t, m));
            } else {
                assertEquals(model.add(m), add(t, m));
            }
            if (t.rehashing()) {
                migratingOps++;
                String probe = "m" + rnd.nextInt(400_000);
                assertEquals(model.contains(probe), t.find(b(probe), 0, b(probe).length) >= 0);
                if (migratingOps % 997 == 0) {
                    check(t, model);
                }
            }
        }
        check(t, model);
        assertTrue(migratingOps > 1000, "the grows went through migrations: " + migratingOps);
        // shrink to nothing, with a few inserts
        int shrinking = 0;
        List<String> members = new ArrayList<>(model);
        java.util.Collections.shuffle(members, rnd);
        for (String m : members) {
            assertTrue(remove(t, m));
            model.remove(m);
            if (rnd.nextInt(10) == 0) {
                String n = "n" + rnd.nextInt(1000);
                assertEquals(model.add(n), add(t, n));
            }
            if (t.rehashing()) {
                shrinking++;
                if (shrinking % 499 == 0) {
                    check(t, model);
                    for (String x : model) {
                        assertTrue(t.find(b(x), 0, b(x).length) >= 0);
                        break;
                    }
                }
            }
        }
        check(t, model);
        assertTrue(shrinking > 100, "the shrinks went through migrations: " + shrinking);
        for (String x : new ArrayList<>(model)) {
            assertTrue(remove(t, x));
            model.remove(x);
        }
        check(t, model);
        assertTrue(t.capacity() <= 64, "shrunk back: " + t.capacity());
    }

    /** Grows (or shrinks) {@code t} until a migration is in progress. */
    private static void untilRehashing(EntryTable t, Set<String> model, boolean grow, Random rnd) {
        List<String> members = grow ? null : new ArrayList<>(model);
        int i = 0;
        while (!t.rehashing()) {
            if (grow) {
                String m = "g" + rnd.nextLong();
                model.add(m);
                add(t, m);
            } else {
                String m = members.get(i++);
                model.remove(m);
                assertTrue(remove(t, m));
            }
        }
    }

    private void scanAcross(boolean grow) {
        Random rnd = new Random(grow ? 11 : 12);
        EntryTable t = new EntryTable(false, 0);
        Set<String> model = new HashSet<>();
        for (int i = 0; i < (grow ? 12_000 : 100_000); i++) { // a grow is 288 inserts away
            String m = "s" + i;
            model.add(m);
            add(t, m);
        }
        Set<String> always = new HashSet<>(model);
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        boolean sawRehash = false;
        int steps = 0;
        List<String> order = new ArrayList<>(model);
        java.util.Collections.shuffle(order, rnd);
        int next = 0;
        do {
            cursor = t.scanBucket(cursor, e -> seen.add(s(e)));
            steps++;
            sawRehash |= t.rehashing();
            // between steps: a burst of writes in the direction of the test, and one the other way
            for (int k = 0; k < 8; k++) {
                if (grow) {
                    if (k > 0 || steps % 2 == 0) {
                        continue; // one insert per two buckets: the scan keeps ahead of the growth
                    }
                    String m = "x" + rnd.nextInt(1 << 30);
                    model.add(m);
                    add(t, m);
                } else if (next < order.size() - 1000) {
                    String m = order.get(next++);
                    if (model.remove(m)) {
                        always.remove(m);
                        assertTrue(remove(t, m));
                    }
                }
            }
            String victim = order.get(rnd.nextInt(order.size()));
            if (steps % 4 == 0 && model.remove(victim)) {
                always.remove(victim);
                assertTrue(remove(t, victim));
            }
            if (rnd.nextInt(4) == 0) {
                // a random pick must be a member
                assertTrue(model.contains(s(t.entryAt(t.randomSlot(rnd)))));
            }
        } while (cursor != 0 && steps < 10_000_000);
        assertEquals(0, cursor);
        assertTrue(sawRehash, "a migration ran during the scan");
        for (String m : always) {
            assertTrue(seen.contains(m), "scan missed " + m);
        }
        for (String m : seen) {
            assertTrue(m.startsWith("s") || m.startsWith("x"), m);
        }
        check(t, model);
    }

    @Test
    void scanAcrossAGrowReturnsEveryStayingMember() {
        scanAcross(true);
    }

    @Test
    void scanAcrossAShrinkReturnsEveryStayingMember() {
        scanAcross(false);
    }

    @Test
    void scanStartedDuringAMigrationAndFinishedAfterIt() {
        for (boolean grow : new boolean[] {true, false}) {
            Random rnd = new Random(3);
            EntryTable t = new EntryTable(false, 0);
            Set<String> model = new HashSet<>();
            for (int i = 0; i < 50_000; i++) {
                model.add("p" + i);
                add(t, "p" + i);
            }
            untilRehashing(t, model, grow, rnd);
            Set<String> start = new HashSet<>(model);
            Set<String> seen = new HashSet<>();
            long cursor = 0;
            int steps = 0;
            do {
                cursor = t.scanBucket(cursor, e -> seen.add(s(e)));
                if (steps++ % 16 == 0) {
                    t.rehashStep(EntryTable.REHASH_STEP); // finishes the migration somewhere mid-scan
                }
            } while (cursor != 0);
            assertFalse(t.rehashing());
            assertTrue(seen.containsAll(start));
            assertEquals(start, seen);
        }
    }

    @Test
    void randomPicksStayUniformWhileMigrating() {
        Random rnd = new Random(5);
        EntryTable t = new EntryTable(false, 0);
        Set<String> model = new HashSet<>();
        untilRehashing(t, model, true, rnd);
        for (int i = 0; i < 60; i++) { // part-way through the migration (it takes 128 writes)
            String m = "q" + i;
            model.add(m);
            add(t, m);
        }
        assertTrue(t.rehashing());
        int newSlots = t.newTableLength();
        long inNew = 0;
        for (int i = 0; i < newSlots; i++) {
            if (t.entryAt(i) != null) {
                inNew++;
            }
        }
        assertTrue(inNew > 1000 && inNew < t.size() - 1000, "entries in both tables: " + inNew);
        Map<String, Integer> counts = new HashMap<>();
        int picks = 400_000;
        long pickedNew = 0;
        for (int i = 0; i < picks; i++) {
            int slot = t.randomSlot(rnd);
            byte[] e = t.entryAt(slot);
            assertNotNull(e);
            counts.merge(s(e), 1, Integer::sum);
            if (slot < newSlots) {
                pickedNew++;
            }
        }
        double expected = (double) inNew / t.size();
        double got = (double) pickedNew / picks;
        assertEquals(expected, got, 0.01, "share of picks from the new table");
        // every member is about equally likely: no member far above the mean
        double mean = (double) picks / t.size();
        int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        assertTrue(max < mean * 6 + 10, "max " + max + " mean " + mean);
    }

    @Test
    void hashValuesUpdateInBothTablesAndCopiesStayIndependent() {
        HashValue h = HashValue.create();
        Map<String, String> model = new HashMap<>();
        h.convertToTable(0);
        Random rnd = new Random(9);
        int i = 0;
        while (true) {
            String f = "f" + i++;
            model.put(f, "v" + f);
            h.set(b(f), b("v" + f), 0, 0);
            if (i > 10_000 && h.positions() != Integer.highestOneBit(h.positions())) {
                break; // two tables
            }
        }
        HashValue copy = h.copy();
        Map<String, String> copyModel = new HashMap<>(model);
        // same-length updates (in place when owned), longer ones, removals: in both tables
        int migrating = 0;
        for (int k = 0; k < 20_000; k++) {
            if (h.positions() != Integer.highestOneBit(h.positions())) {
                migrating++;
            }
            String f = "f" + rnd.nextInt(i);
            int op = rnd.nextInt(3);
            if (op == 0) {
                String v = "w" + f.substring(1);
                assertEquals(!model.containsKey(f), h.set(b(f), b(v), 0, 0));
                model.put(f, v);
            } else if (op == 1) {
                String v = "longer-" + f + "-" + k;
                assertEquals(!model.containsKey(f), h.set(b(f), b(v), 0, 0));
                model.put(f, v);
            } else {
                assertEquals(model.remove(f) != null, h.remove(b(f)));
            }
            ByteSlice out = new ByteSlice();
            String g = "f" + rnd.nextInt(i);
            assertEquals(model.containsKey(g), h.get(b(g), out));
        }
        assertTrue(migrating > 100, "operations during the migration: " + migrating);
        assertEquals(model, contents(h));
        assertEquals(copyModel, contents(copy));
        // HRANDFIELD's positions cover both tables
        Set<String> picked = new HashSet<>();
        int[] offsets = null;
        for (int k = 0; k < 1000; k++) {
            int pos = h.randomPosition(rnd);
            assertTrue(h.visitAt(pos, offsets, (f, fo, fl, v, vo, vl) -> picked.add(new String(f, fo, fl, StandardCharsets.UTF_8))));
        }
        assertTrue(model.keySet().containsAll(picked));
    }

    private static Map<String, String> contents(HashValue h) {
        Map<String, String> m = new HashMap<>();
        h.forEach((f, fo, fl, v, vo, vl) -> m.put(new String(f, fo, fl, StandardCharsets.UTF_8),
                new String(v, vo, vl, StandardCharsets.UTF_8)));
        return m;
    }
}
