package dev.podis.storage.types;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both encodings of {@link SortedSetValue} against a TreeSet model, with many random operations. */
class SortedSetValueTest {
    private record E(byte[] member, double score) {
        String key() {
            return new String(member, StandardCharsets.ISO_8859_1);
        }
    }

    private static final Comparator<E> ORDER = (a, b) -> {
        int c = Double.compare(a.score == 0 ? 0.0 : a.score, b.score == 0 ? 0.0 : b.score);
        return c != 0 ? c : Arrays.compareUnsigned(a.member, b.member);
    };

    @Test
    void listpackStaysCompactUnderTheLimits() {
        SortedSetValue z = SortedSetValue.create(0, 0, 128, 64);
        for (int i = 0; i < 128; i++) {
            z.insert(("m" + i).getBytes(StandardCharsets.US_ASCII), i * 0.5, 128, 64);
        }
        assertTrue(z.isCompact());
        z.insert("x".getBytes(StandardCharsets.US_ASCII), 1, 128, 64);
        assertFalse(z.isCompact());
        assertEquals(129, z.size());
        assertEquals(0.5, z.score("m1".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void memoryEstimateIsCloseToTheHeap() {
        SortedSetValue small = SortedSetValue.create(0, 0, 128, 64);
        for (int i = 0; i < 100; i++) {
            small.insert(("member:" + i).getBytes(StandardCharsets.US_ASCII), i, 128, 64);
        }
        long lp = small.memoryUsage(0);
        assertTrue(lp > 100 * 10 && lp < 100 * 20, "listpack estimate " + lp);
        SortedSetValue big = SortedSetValue.create(0, 0, 0, 0);
        for (int i = 0; i < 10000; i++) {
            big.insert(("member:" + i).getBytes(StandardCharsets.US_ASCII), i, 0, 0);
        }
        long all = big.memoryUsage(0);
        // 32-byte member arrays, the leaves (12 bytes per entry) and the index (16 bytes a slot): 50 to 110 per member.
        assertTrue(all > 10000 * 50 && all < 10000 * 110, "skiplist estimate " + all);
        long sampled = big.memoryUsage(5);
        assertTrue(Math.abs(sampled - all) < all / 2, "sampled " + sampled + " vs " + all);
    }

    @Test
    void scoresRoundTripThroughTheListpack() {
        double[] scores = {0, -0.0, 1, -1, 63, 64, -64, -65, 1e15, -1e15, 9007199254740991.0, 9007199254740992.0,
            -9007199254740993.0, 1.5, 0.1, 1e300, -1e-300, Double.MIN_VALUE, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Long.MAX_VALUE, Long.MIN_VALUE};
        SortedSetValue z = SortedSetValue.create(0, 0, 1000, 64);
        for (int i = 0; i < scores.length; i++) {
            z.insert(new byte[] {(byte) i}, scores[i], 1000, 64);
        }
        assertTrue(z.isCompact());
        for (int i = 0; i < scores.length; i++) {
            double expected = scores[i] == 0 ? 0.0 : scores[i];
            assertEquals(expected, z.score(new byte[] {(byte) i}), "score " + scores[i]);
        }
        double last = Double.NEGATIVE_INFINITY;
        for (SortedSetValue.Cursor it = z.at(0); it.valid(); it.next()) {
            assertTrue(it.score() >= last);
            last = it.score();
        }
    }

    @Test
    void skiplistGrowsAndShrinks() {
        SortedSetValue z = SortedSetValue.create(0, 0, 0, 0);
        TreeSet<E> model = new TreeSet<>(ORDER);
        for (int i = 0; i < 5000; i++) {
            byte[] m = ("m" + i).getBytes(StandardCharsets.US_ASCII);
            z.insert(m, i % 100, 0, 0);
            model.add(new E(m, i % 100));
        }
        checkAll(z, model);
        // Remove all but a few: the hash index shrinks, and every remaining member is still found.
        List<E> all = new ArrayList<>(model);
        for (int i = 0; i < all.size(); i++) {
            if (i % 500 != 0) {
                assertTrue(z.remove(all.get(i).member));
                model.remove(all.get(i));
            }
        }
        checkAll(z, model);
        for (E e : model) {
            assertEquals(e.score, z.score(e.member));
        }
        assertEquals(0, z.removeRange(3, 3), "an empty rank range removes nothing");
        assertEquals(10, z.removeRange(0, 100));
        assertEquals(0, z.size());
        z.insert("again".getBytes(StandardCharsets.US_ASCII), 1, 0, 0);
        assertEquals(0, z.rank("again".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(z.isCompact());
    }

    @Test
    void randomOperationsListpack() {
        run(new Random(11), 40_000, 60, Long.MAX_VALUE, 200);
    }

    @Test
    void randomOperationsSkiplist() {
        run(new Random(12), 40_000, 2000, 0, 0);
    }

    @Test
    void randomOperationsAcrossConversion() {
        run(new Random(13), 40_000, 400, 128, 64);
    }

    @Test
    void randomOperationsOnADeepTree() {
        // Nodes of four entries: a few thousand members make a tree of many levels, so splits,
        // merges and root changes happen all the time.
        run(SortedSetValue.withTree(4, 4), new Random(14), 30_000, 1500, 0, 0);
        run(SortedSetValue.withTree(5, 6), new Random(15), 30_000, 300, 0, 0);
    }

    @Test
    void ascendingAndDescendingInsertsFillTheLeaves() {
        SortedSetValue up = SortedSetValue.create(0, 0, 0, 0);
        SortedSetValue down = SortedSetValue.create(0, 0, 0, 0);
        TreeSet<E> model = new TreeSet<>(ORDER);
        for (int i = 0; i < 20000; i++) {
            byte[] m = ("member:" + i).getBytes(StandardCharsets.US_ASCII);
            up.insert(m, i, 0, 0);
            down.insert(m, -i, 0, 0);
            model.add(new E(m, i));
        }
        checkAll(up, model);
        // 13-byte members: 32-byte arrays; the tree and index cost about 40 bytes more per member
        // when the leaves are full.
        assertTrue(up.memoryUsage(0) < 20000L * 80, "ascending " + up.memoryUsage(0));
        assertTrue(down.memoryUsage(0) < 20000L * 80, "descending " + down.memoryUsage(0));
        assertEquals(0, down.rank("member:19999".getBytes(StandardCharsets.US_ASCII)));
    }

    private static void run(Random rnd, int steps, int universe, long maxEntries, long maxValue) {
        run(SortedSetValue.create(0, 0, maxEntries, maxValue), rnd, steps, universe, maxEntries, maxValue);
    }

    private static void run(SortedSetValue z, Random rnd, int steps, int universe, long maxEntries, long maxValue) {
        TreeSet<E> model = new TreeSet<>(ORDER);
        Map<String, E> byMember = new HashMap<>();
        for (int step = 0; step < steps; step++) {
            int op = rnd.nextInt(100);
            byte[] m = ("k" + rnd.nextInt(universe)).getBytes(StandardCharsets.ISO_8859_1);
            double score = rnd.nextInt(50) - 25 + (rnd.nextInt(4) == 0 ? 0.25 : 0);
            String key = new String(m, StandardCharsets.ISO_8859_1);
            if (op < 40) {
                E old = byMember.get(key);
                if (old == null) {
                    z.insert(m, score, maxEntries, maxValue);
                } else {
                    model.remove(old);
                    z.update(m, score);
                }
                E e = new E(m, score);
                model.add(e);
                byMember.put(key, e);
            } else if (op < 60) {
                E old = byMember.remove(key);
                if (old != null) {
                    model.remove(old);
                }
                assertEquals(old != null, z.remove(m));
            } else if (op < 63) {
                int from = rnd.nextInt(model.size() + 1);
                int to = from + (rnd.nextInt(10) == 0 ? rnd.nextInt(200) : rnd.nextInt(5));
                List<E> all = new ArrayList<>(model);
                int expected = Math.max(0, Math.min(to, all.size()) - from);
                assertEquals(expected, z.removeRange(from, to));
                for (E e : all.subList(from, from + expected)) {
                    model.remove(e);
                    byMember.remove(e.key());
                }
            } else if (op < 80) {
                E e = byMember.get(key);
                assertEquals(e == null ? -1 : model.headSet(e).size(), z.rank(m));
                assertEquals(e == null ? Double.NaN : e.score, z.score(m));
            } else if (op < 90) {
                double v = rnd.nextInt(60) - 30 + (rnd.nextBoolean() ? 0.25 : 0);
                boolean inclusive = rnd.nextBoolean();
                int expected = (int) model.stream().filter(x -> x.score < v || (inclusive && x.score == v)).count();
                assertEquals(expected, z.countBelow(v, inclusive));
            } else if (op < 99) {
                if (!model.isEmpty()) {
                    int r = rnd.nextInt(model.size());
                    E expected = new ArrayList<>(model).get(r);
                    SortedSetValue.Cursor it = z.at(r);
                    assertArrayEquals(expected.member, it.member());
                    assertEquals(expected.score, it.score());
                    assertArrayEquals(expected.member, Arrays.copyOfRange(it.memberArray(), it.memberOffset(),
                            it.memberOffset() + it.memberLength()));
                }
            } else {
                checkAll(z, model);
            }
            assertEquals(model.size(), z.size());
            if (step % 97 == 0) {
                assertTrue(z.structureCountsConsistent(), "node counts at step " + step);
            }
        }
        checkAll(z, model);
        assertTrue(z.structureCountsConsistent());
        SortedSetValue copy = z.copy();
        checkAll(copy, model);
        if (!model.isEmpty()) {
            copy.removeRange(0, 1);
            assertEquals(model.size(), z.size(), "a copy is independent");
        }
    }

    private static void checkAll(SortedSetValue z, TreeSet<E> model) {
        SortedSetValue.Cursor it = z.at(0);
        for (E e : model) {
            assertTrue(it.valid());
            assertArrayEquals(e.member, it.member());
            assertEquals(e.score, it.score());
            it.next();
        }
        assertFalse(it.valid());
        it = z.at(model.size() - 1);
        for (E e : model.descendingSet()) {
            assertTrue(it.valid());
            assertArrayEquals(e.member, it.member());
            it.prev();
        }
        assertFalse(it.valid());
        // A full scan reports every member with its score.
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int steps = 0;
        do {
            cursor = z.scan(cursor, 7, (m, s) -> {
                seen.add(new String(m, StandardCharsets.ISO_8859_1));
                assertEquals(z.score(m), s);
            });
            steps++;
        } while (cursor != 0 && steps < 1_000_000);
        assertEquals(model.size(), seen.size());
    }
}
