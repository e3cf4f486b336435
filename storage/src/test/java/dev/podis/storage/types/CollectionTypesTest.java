package dev.podis.storage.types;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hash and set payloads against plain Java collections as models, under random operations. */
class CollectionTypesTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] a, int off, int len) {
        return new String(a, off, len, StandardCharsets.UTF_8);
    }

    private static Map<String, String> contents(HashValue h) {
        Map<String, String> m = new LinkedHashMap<>();
        h.forEach((f, fo, fl, v, vo, vl) -> m.put(s(f, fo, fl), s(v, vo, vl)));
        return m;
    }

    private static Set<String> contents(SetValue v) {
        Set<String> out = new HashSet<>();
        for (byte[] m : v.toArray()) {
            out.add(new String(m, StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void hashMatchesModelThroughConversions() {
        Random r = new Random(42);
        for (int maxEntries : new int[] {4, 64, 100_000}) {
            HashValue h = HashValue.create();
            Map<String, String> model = new LinkedHashMap<>();
            ByteSlice slice = new ByteSlice();
            for (int op = 0; op < 40_000; op++) {
                String f = "f" + r.nextInt(3000);
                int kind = r.nextInt(10);
                if (kind < 6) {
                    String v = "v" + r.nextInt(1000) + (r.nextInt(50) == 0 ? "x".repeat(80) : "");
                    assertEquals(!model.containsKey(f), h.set(b(f), b(v), maxEntries, 64));
                    model.put(f, v);
                } else if (kind < 9) {
                    assertEquals(model.remove(f) != null, h.remove(b(f)));
                } else {
                    boolean found = h.get(b(f), slice);
                    assertEquals(model.containsKey(f), found);
                    if (found) {
                        assertEquals(model.get(f), s(slice.array, slice.offset, slice.length));
                    }
                }
                assertEquals(model.size(), h.size());
            }
            Map<String, String> got = contents(h);
            assertEquals(model, new HashMap<>(got));
            if (h.isPacked()) {
                // the packed form keeps insertion order
                assertEquals(new ArrayList<>(model.keySet()), new ArrayList<>(got.keySet()));
            }
        }
    }

    @Test
    void smallHashKeepsOrderAndConvertsAtThresholds() {
        HashValue h = HashValue.create();
        h.set(b("a"), b("1"), 3, 5);
        h.set(b("b"), b("2"), 3, 5);
        h.set(b("a"), b("updated"), 3, 10);
        assertEquals(List.of("a", "b"), new ArrayList<>(contents(h).keySet()));
        assertEquals("listpack", h.encoding());
        h.set(b("c"), b("12345"), 3, 5);
        assertEquals("listpack", h.encoding());
        h.set(b("d"), b("4"), 3, 5);
        assertEquals("hashtable", h.encoding());
        HashValue v = HashValue.create();
        v.set(b("f"), b("123456"), 3, 5);
        assertEquals("hashtable", v.encoding());
        HashValue copy = h.copy();
        copy.set(b("a"), b("changed"), 3, 5);
        ByteSlice slice = new ByteSlice();
        assertTrue(h.get(b("a"), slice));
        assertEquals("updated", s(slice.array, slice.offset, slice.length));
    }

    /**
     * A hash table overwrites a value of the same length in place, but never in an entry it
     * shares with a copy (a snapshot's, COPY's): every copy keeps the contents it was made with
     * plus its own writes, through resizes and removals on either side.
     */
    @Test
    void copiesStayIndependentOfValuesOverwrittenInPlace() {
        Random r = new Random(11);
        List<HashValue> hashes = new ArrayList<>();
        List<Map<String, String>> models = new ArrayList<>();
        HashValue first = HashValue.create();
        first.convertToTable(0);
        hashes.add(first);
        models.add(new HashMap<>());
        for (int op = 0; op < 30_000; op++) {
            int k = r.nextInt(4) == 0 ? r.nextInt(hashes.size()) : 0; // mostly the original
            HashValue h = hashes.get(k);
            Map<String, String> model = models.get(k);
            String f = "f" + r.nextInt(800);
            if (r.nextInt(8) == 0) {
                assertEquals(model.remove(f) != null, h.remove(b(f)));
            } else {
                // mostly 8 characters (same length: in place when the entry is owned), sometimes longer
                String v = String.format("%08d", r.nextInt(100_000_000)) + (r.nextInt(10) == 0 ? "+" : "");
                assertEquals(!model.containsKey(f), h.set(b(f), b(v), 0, 64));
                model.put(f, v);
            }
            if (op % 1500 == 0) {
                hashes.add(h.copy());
                models.add(new HashMap<>(model));
            }
        }
        for (int i = 0; i < hashes.size(); i++) {
            assertEquals(models.get(i), contents(hashes.get(i)), "hash " + i);
        }
    }

    @Test
    void scanReturnsStableEntriesAcrossResizes() {
        Random r = new Random(7);
        for (int round = 0; round < 20; round++) {
            HashValue h = HashValue.create();
            h.convertToTable(0);
            Set<String> stable = new HashSet<>();
            for (int i = 0; i < 1000; i++) {
                h.set(b("s" + i), b("v"), 0, 64);
                stable.add("s" + i);
            }
            Set<String> seen = new HashSet<>();
            long cursor = 0;
            int step = 0;
            do {
                cursor = h.scan(cursor, 1 + r.nextInt(30), (f, fo, fl, v, vo, vl) -> seen.add(s(f, fo, fl)));
                // churn: grow a lot, then shrink below the start
                int n = r.nextInt(400);
                if (step % 3 != 2) {
                    for (int i = 0; i < n; i++) {
                        h.set(b("t" + step + ":" + i), b("v"), 0, 64);
                    }
                } else {
                    for (int s2 = 0; s2 < step; s2++) {
                        for (int i = 0; i < 400; i++) {
                            h.remove(b("t" + s2 + ":" + i));
                        }
                    }
                }
                step++;
            } while (cursor != 0);
            assertTrue(seen.containsAll(stable), "missed stable fields in round " + round);
        }
    }

    @Test
    void setMatchesModelInEveryEncoding() {
        Random r = new Random(3);
        for (int[] limits : new int[][] {{512, 128}, {8, 4}, {0, 0}, {100_000, 100_000}}) {
            SetValue set = null;
            Set<String> model = new HashSet<>();
            for (int op = 0; op < 30_000; op++) {
                boolean intOnly = op < 15_000;
                String m = intOnly || r.nextBoolean() ? Integer.toString(r.nextInt(2000) - 1000) : "m" + r.nextInt(2000);
                if (set == null) {
                    set = SetValue.create(b(m), 1, limits[0], limits[1]);
                }
                int kind = r.nextInt(10);
                if (kind < 6) {
                    assertEquals(model.add(m), set.add(b(m), limits[0], limits[1], 64));
                } else if (kind < 9) {
                    assertEquals(model.remove(m), set.remove(b(m)));
                } else {
                    assertEquals(model.contains(m), set.contains(b(m)));
                }
                assertEquals(model.size(), set.size());
            }
            assertEquals(model, contents(set));
            if (!model.isEmpty()) {
                Random rr = new Random(1);
                for (int i = 0; i < 100; i++) {
                    assertTrue(model.contains(new String(set.random(rr), StandardCharsets.UTF_8)));
                }
                while (set.size() > 0) {
                    String p = new String(set.popRandom(rr), StandardCharsets.UTF_8);
                    assertTrue(model.remove(p));
                }
                assertTrue(model.isEmpty());
            }
        }
    }

    @Test
    void intsetOrderWidthsAndConversions() {
        SetValue s = SetValue.newIntSet();
        for (String m : new String[] {"5", "-3", "40000", "-9223372036854775808", "9223372036854775807", "0", "5"}) {
            s.add(b(m), 512, 128, 64);
        }
        assertEquals("intset", s.encoding());
        List<String> order = new ArrayList<>();
        for (byte[] m : s.toArray()) {
            order.add(new String(m, StandardCharsets.US_ASCII));
        }
        assertEquals(List.of("-9223372036854775808", "-3", "0", "5", "40000", "9223372036854775807"), order);
        assertTrue(s.contains(b("-9223372036854775808")));
        assertFalse(s.contains(b("05")));
        assertFalse(s.contains(b("+5")));
        assertFalse(s.contains(b("9223372036854775808")));
        s.add(b("x"), 512, 128, 64);
        assertEquals("listpack", s.encoding());
        SetValue t = SetValue.newIntSet();
        for (int i = 0; i < 5; i++) {
            t.add(b(Integer.toString(i)), 4, 128, 64);
        }
        assertEquals("hashtable", t.encoding());
        SetValue u = SetValue.newListpack();
        u.add(b("3"), 512, 128, 64);
        u.add(b("1"), 512, 128, 64);
        u.maybeConvertToIntSet(512);
        assertEquals("intset", u.encoding());
        assertEquals(new TreeSet<>(List.of("1", "3")), new TreeSet<>(contents(u)));
    }
}
