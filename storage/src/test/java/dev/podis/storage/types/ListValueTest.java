package dev.podis.storage.types;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The list payload against a plain java.util.List model, under random operations. */
class ListValueTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static List<String> contents(ListValue l) {
        List<String> out = new ArrayList<>();
        l.visit(0, true, (buf, off, len) -> {
            out.add(new String(buf, off, len, StandardCharsets.UTF_8));
            return true;
        });
        return out;
    }

    private static List<String> contentsBackwards(ListValue l) {
        List<String> out = new ArrayList<>();
        l.visit(l.size() - 1, false, (buf, off, len) -> {
            out.add(0, new String(buf, off, len, StandardCharsets.UTF_8));
            return true;
        });
        return out;
    }

    private static String randomValue(Random r) {
        int kind = r.nextInt(10);
        if (kind < 5) {
            return "v" + r.nextInt(20);
        }
        if (kind < 8) {
            return Integer.toString(r.nextInt(100000) - 50000);
        }
        return "x".repeat(r.nextInt(kind == 9 ? 10000 : 300));
    }

    @Test
    void randomOperationsMatchModel() {
        for (int fill : new int[] {-2, -1, 4, 128, 1}) {
            runModel(fill, 0, false, 42 + fill);
        }
    }

    /** Repetitive values (long runs of one character and a counter) that LZF really compresses. */
    private static String repetitiveValue(Random r) {
        int kind = r.nextInt(10);
        if (kind < 4) {
            return "v" + r.nextInt(20);
        }
        if (kind < 6) {
            return Integer.toString(r.nextInt(1000));
        }
        char c = (char) ('a' + r.nextInt(3));
        return String.valueOf(c).repeat(10 + r.nextInt(kind == 9 ? 3000 : 120)) + r.nextInt(10);
    }

    @Test
    void randomOperationsWithCompressionMatchModel() {
        for (int depth : new int[] {0, 1, 2}) {
            for (int fill : new int[] {-2, 4, 32}) {
                int maxCompressed = runModel(fill, depth, true, 7 + depth * 31 + fill);
                if (depth > 0) {
                    assertTrue(maxCompressed > 0, "nodes compressed at depth " + depth + " fill " + fill);
                } else if (depth == 0) {
                    assertEquals(0, maxCompressed);
                }
            }
        }
    }

    /** The end zones are raw, and with more than 2*depth nodes nothing raw and compressible is inside. */
    private static void checkZones(ListValue l) {
        int d = l.compressDepth();
        int n = l.nodeCount();
        for (int i = 0; i < n; i++) {
            boolean end = d == 0 || i < d || i >= n - d;
            if (end) {
                assertFalse(l.nodeCompressed(i), "node " + i + " of " + n + " compressed at depth " + d);
            }
        }
    }

    /** Random operations against a java.util.List; returns the most nodes seen compressed at once. */
    private static int runModel(int fill, int depth, boolean repetitive, long seed) {
        int maxCompressed = 0;
        {
            Random r = new Random(seed);
            ListValue l = new ListValue();
            l.compressDepth(depth);
            List<String> m = new ArrayList<>();
            for (int step = 0; step < 20000; step++) {
                int op = r.nextInt(repetitive ? 14 : 12); // 12, 13: more pushes, so the list grows
                String v = repetitive ? repetitiveValue(r) : randomValue(r);
                switch (op) {
                    case 0, 1, 2, 12, 13 -> {
                        boolean head = r.nextBoolean();
                        l.convertForAppend(fill, b(v));
                        l.push(b(v), head, fill);
                        if (head) {
                            m.add(0, v);
                        } else {
                            m.add(v);
                        }
                    }
                    case 3, 4 -> {
                        boolean head = r.nextBoolean();
                        byte[] got;
                        if (r.nextBoolean()) {
                            got = l.pop(head);
                        } else {
                            byte[][] seen = new byte[1][];
                            boolean popped = l.popTo(head, (buf, off, len) -> {
                                seen[0] = java.util.Arrays.copyOfRange(buf, off, off + len);
                                return true;
                            });
                            assertEquals(popped, seen[0] != null);
                            got = seen[0];
                        }
                        if (m.isEmpty()) {
                            assertNull(got);
                        } else {
                            assertEquals(head ? m.remove(0) : m.remove(m.size() - 1), s(got));
                        }
                        l.convertIfShrunk(fill);
                    }
                    case 5 -> {
                        if (!m.isEmpty()) {
                            int i = r.nextInt(m.size());
                            assertEquals(m.get(i), s(l.get(i)));
                        }
                    }
                    case 6 -> {
                        if (!m.isEmpty()) {
                            int i = r.nextInt(m.size());
                            l.convertForAppend(fill, b(v));
                            l.set(i, b(v), fill);
                            m.set(i, v);
                            l.convertIfShrunk(fill);
                        }
                    }
                    case 7 -> {
                        String pivot = "v" + r.nextInt(20);
                        boolean before = r.nextBoolean();
                        int i = m.indexOf(pivot);
                        l.convertForAppend(fill, b(v));
                        boolean done = l.insert(b(pivot), b(v), before, fill);
                        assertEquals(i >= 0, done);
                        if (i >= 0) {
                            m.add(before ? i : i + 1, v);
                        }
                    }
                    case 8 -> {
                        String target = "v" + r.nextInt(20);
                        int count = r.nextInt(3) - 1;
                        long removed = l.remove(b(target), Math.abs(count), count >= 0);
                        long expected = 0;
                        if (count >= 0) {
                            for (int i = 0; i < m.size() && (count == 0 || expected < count); ) {
                                if (m.get(i).equals(target)) {
                                    m.remove(i);
                                    expected++;
                                } else {
                                    i++;
                                }
                            }
                        } else {
                            for (int i = m.size() - 1; i >= 0 && expected < 1; i--) {
                                if (m.get(i).equals(target)) {
                                    m.remove(i);
                                    expected++;
                                }
                            }
                        }
                        assertEquals(expected, removed);
                        l.convertIfShrunk(fill);
                    }
                    case 9 -> {
                        if (m.size() > 2 && r.nextInt(10) == 0) {
                            int a = r.nextInt(m.size());
                            int z = a + r.nextInt(m.size() - a);
                            l.trim(a, z);
                            m = new ArrayList<>(m.subList(a, z + 1));
                            l.convertIfShrunk(fill);
                        }
                    }
                    default -> {
                        if (r.nextInt(50) == 0) {
                            ListValue c = l.copy();
                            assertEquals(m, contents(c));
                        }
                    }
                }
                assertEquals(m.size(), l.size());
                maxCompressed = Math.max(maxCompressed, l.compressedNodeCount());
                if (step % 97 == 0) {
                    assertEquals(m, contents(l));
                    assertEquals(m, contentsBackwards(l));
                    checkZones(l);
                }
                if (depth > 0 && step % 5000 == 4999) {
                    // CONFIG SET list-compress-depth while the list lives: applied at once
                    l.compressDepth(l.compressDepth() == depth ? depth + 1 : depth);
                    checkZones(l);
                    assertEquals(m, contents(l));
                }
            }
            assertEquals(m, contents(l));
            checkZones(l);
        }
        return maxCompressed;
    }

    /**
     * redis-benchmark's LPUSH: 100-byte elements pushed at one end. The contents stay right, and
     * the memory per element stays at or below Redis's quicklist of 8 KB listpacks: 79 entries of
     * 103 bytes (2-byte header, 1-byte back-length) in a listpack of 8144 bytes, allocated as
     * 8192, plus a 32-byte node.
     */
    @Test
    void longListOfHundredByteElementsTakesNoMoreThanRedis() {
        int n = 100_000;
        int perNode = 0;
        while (7 + 103L * perNode + 100 + 8 <= 8192) { // _quicklistNodeAllowInsert at fill -2
            perNode++;
        }
        double redisPerElement = (8192 + 32) / (double) perNode;
        for (boolean head : new boolean[] {true, false}) {
            ListValue l = new ListValue();
            for (int i = 0; i < n; i++) {
                byte[] e = hundredBytes(i);
                l.convertForAppend(-2, e);
                l.push(e, head, -2);
            }
            assertEquals("quicklist", l.encoding());
            assertEquals(n, l.size());
            double perElement = l.memoryUsage() / (double) n;
            assertTrue(perElement <= redisPerElement, perElement + " > " + redisPerElement);
            List<String> got = contents(l);
            for (int i = 0; i < n; i += 997) {
                assertEquals(s(hundredBytes(head ? n - 1 - i : i)), got.get(i));
            }
            List<String> backwards = new ArrayList<>();
            l.visit(n - 1, false, (buf, off, len) -> backwards.add(new String(buf, off, len, StandardCharsets.UTF_8)));
            java.util.Collections.reverse(backwards);
            assertEquals(got, backwards);
        }
    }

    /** 100 bytes: 'x' and then the number {@code i}. */
    private static byte[] hundredBytes(int i) {
        byte[] e = new byte[100];
        java.util.Arrays.fill(e, (byte) 'x');
        byte[] digits = b(Integer.toString(i));
        System.arraycopy(digits, 0, e, e.length - digits.length, digits.length);
        return e;
    }

    @Test
    void compressionLowersMemoryOfRepetitiveList() {
        ListValue plain = new ListValue();
        ListValue packed = new ListValue();
        packed.compressDepth(1);
        for (int i = 0; i < 100_000; i++) {
            byte[] e = b("item-" + (i % 10) + "-aaaaaaaaaaaaaaaaaaaa");
            plain.convertForAppend(-2, e);
            plain.push(e, false, -2);
            packed.convertForAppend(-2, e);
            packed.push(e, false, -2);
        }
        assertEquals(plain.nodeCount(), packed.nodeCount());
        assertTrue(packed.compressedNodeCount() >= packed.nodeCount() - 2);
        assertTrue(packed.memoryUsage() * 3 < plain.memoryUsage(),
                packed.memoryUsage() + " vs " + plain.memoryUsage());
        // middle access decompresses only for the access
        assertEquals("item-0-aaaaaaaaaaaaaaaaaaaa", s(packed.get(50_000)));
        assertTrue(packed.compressedNodeCount() >= packed.nodeCount() - 2);
        assertEquals(contents(plain), contents(packed));
        assertTrue(packed.compressedNodeCount() >= packed.nodeCount() - 2);
        // depth 0 again: everything raw, same memory as never compressed
        packed.compressDepth(0);
        assertEquals(0, packed.compressedNodeCount());
        assertEquals(contents(plain), contents(packed));
    }

    @Test
    void smallOrIncompressibleNodesStayRaw() {
        Random r = new Random(5);
        ListValue l = new ListValue();
        l.compressDepth(1);
        for (int i = 0; i < 2000; i++) {
            byte[] e = new byte[40];
            r.nextBytes(e);
            l.convertForAppend(-2, e);
            l.push(e, false, -2);
        }
        assertTrue(l.nodeCount() > 3);
        assertEquals(0, l.compressedNodeCount());
        // fill 1: one tiny element per node, under MIN_COMPRESS_BYTES
        ListValue tiny = new ListValue();
        tiny.compressDepth(1);
        for (int i = 0; i < 100; i++) {
            byte[] e = b("aaaaaaaaaaaaaaaaaaaa");
            tiny.convertForAppend(1, e);
            tiny.push(e, false, 1);
        }
        assertEquals(100, tiny.nodeCount());
        assertEquals(0, tiny.compressedNodeCount());
    }

    @Test
    void conversionsAtCountLimit() {
        int fill = 4;
        ListValue l = new ListValue();
        byte[][] args = {b("a"), b("b"), b("c"), b("d")};
        l.convertForAppend(fill, args, 0, 3);
        for (byte[] a : args) {
            l.push(a, false, fill);
        }
        assertTrue(l.isPacked());
        l.convertForAppend(fill, b("e"));
        assertFalse(l.isPacked());
        l.push(b("e"), false, fill);
        assertEquals(2, l.nodeCount());
        l.pop(false);
        l.convertIfShrunk(fill);
        assertEquals("quicklist", l.encoding()); // 4 elements > 4/2
        l.pop(false);
        l.convertIfShrunk(fill);
        assertEquals("quicklist", l.encoding()); // 3 > 2
        l.pop(false);
        l.convertIfShrunk(fill);
        assertEquals("listpack", l.encoding());
    }

    @Test
    void listpackSizeOfEntriesFollowsRedis() {
        assertEquals(2, ListValue.lpEntrySize(b("1"), 0, 1)); // 7-bit uint
        assertEquals(3, ListValue.lpEntrySize(b("-1"), 0, 2)); // 13-bit int
        assertEquals(3, ListValue.lpEntrySize(b("4095"), 0, 4));
        assertEquals(4, ListValue.lpEntrySize(b("4096"), 0, 4)); // 16-bit
        assertEquals(10, ListValue.lpEntrySize(b("9223372036854775807"), 0, 19));
        assertEquals(4, ListValue.lpEntrySize(b("ab"), 0, 2)); // 6-bit str: header, 2 bytes, backlen
        assertEquals(4, ListValue.lpEntrySize(b("01"), 0, 2)); // not canonical: string
        byte[] s63 = new byte[63];
        assertEquals(65, ListValue.lpEntrySize(s63, 0, 63));
        byte[] s64 = new byte[64];
        assertEquals(67, ListValue.lpEntrySize(s64, 0, 64)); // 12-bit str header
        byte[] s200 = new byte[200];
        assertEquals(204, ListValue.lpEntrySize(s200, 0, 200)); // 2-byte header, 2-byte backlen
    }

    @Test
    void manyElementsAtBothEnds() {
        ListValue l = new ListValue();
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            l.convertForAppend(-2, b("e" + i));
            l.push(b("e" + i), i % 2 == 0, -2);
        }
        assertEquals(n, l.size());
        assertTrue(l.nodeCount() > 100);
        assertEquals("e" + (n - 2), s(l.get(0)));
        assertEquals("e" + (n - 1), s(l.get(n - 1)));
        for (int i = 0; i < n; i++) {
            assertTrue(l.pop(i % 2 == 0) != null);
        }
        assertTrue(l.isEmpty());
        assertEquals(0, l.nodeCount());
    }
}
