package dev.podis.storage.types;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * StreamValue against a plain sorted map of entries: random appends (with and without the master
 * entry's fields), deletions and exact trims, checked by forward and reverse range reads.
 */
class StreamValueTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> read(StreamValue s, StreamId start, StreamId end, boolean rev) {
        List<String> out = new ArrayList<>();
        StreamValue.Iterator it = s.iterator(start, end, rev);
        Listpack.Element f = new Listpack.Element();
        Listpack.Element v = new Listpack.Element();
        while (it.next()) {
            StringBuilder sb = new StringBuilder(it.id().toString());
            for (int i = 0; i < it.numFields(); i++) {
                it.field(f, v);
                sb.append(' ').append(new String(f.toBytes(), StandardCharsets.UTF_8)).append('=')
                        .append(new String(v.toBytes(), StandardCharsets.UTF_8));
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static List<String> model(NavigableMap<StreamId, String> m, StreamId start, StreamId end, boolean rev) {
        List<String> out = new ArrayList<>();
        if (start.compareTo(end) > 0) {
            return out;
        }
        NavigableMap<StreamId, String> sub = m.subMap(start, true, end, true);
        for (Map.Entry<StreamId, String> e : (rev ? sub.descendingMap() : sub).entrySet()) {
            out.add(e.getKey() + e.getValue());
        }
        return out;
    }

    private static StreamId randomId(Random rnd, long maxMs) {
        return new StreamId(rnd.nextInt((int) maxMs + 2), rnd.nextInt(4));
    }

    @Test
    void matchesASortedMapUnderRandomWrites() {
        for (long seed = 1; seed <= 6; seed++) {
            Random rnd = new Random(seed);
            int nodeEntries = 1 + rnd.nextInt(8);
            int nodeBytes = rnd.nextBoolean() ? 4096 : 80;
            StreamValue s = new StreamValue();
            TreeMap<StreamId, String> m = new TreeMap<>();
            long ms = 0;
            for (int op = 0; op < 3000; op++) {
                int kind = rnd.nextInt(10);
                if (kind < 6) {
                    ms += rnd.nextInt(3);
                    StreamId last = s.lastId();
                    StreamId id = Long.compareUnsigned(ms, last.ms()) > 0 ? new StreamId(ms, rnd.nextInt(3)) : last.increment();
                    int nf = 1 + rnd.nextInt(3);
                    byte[][] argv = new byte[nf * 2][];
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < nf; i++) {
                        String field = rnd.nextInt(3) == 0 ? "f" + rnd.nextInt(3) : "f" + i;
                        String value = switch (rnd.nextInt(4)) {
                            case 0 -> Integer.toString(rnd.nextInt(100000) - 50000);
                            case 1 -> "v".repeat(rnd.nextInt(70));
                            case 2 -> Long.toString(rnd.nextLong());
                            default -> "0" + rnd.nextInt(10);
                        };
                        argv[2 * i] = b(field);
                        argv[2 * i + 1] = b(value);
                        sb.append(' ').append(field).append('=').append(value);
                    }
                    s.append(id, argv, 0, nf, nodeBytes, nodeEntries);
                    m.put(id, sb.toString());
                } else if (kind < 8) {
                    StreamId id = m.isEmpty() || rnd.nextInt(4) == 0 ? randomId(rnd, ms) : randomKey(rnd, m);
                    assertEquals(m.remove(id) != null, s.delete(id), "XDEL " + id);
                } else if (kind == 8) {
                    long maxLen = rnd.nextInt(m.size() + 2);
                    long removed = s.trim(maxLen, null, false, 0);
                    long expected = Math.max(0, m.size() - maxLen);
                    assertEquals(expected, removed);
                    while (m.size() > maxLen) {
                        m.pollFirstEntry();
                    }
                } else {
                    StreamId min = randomId(rnd, ms);
                    long removed = s.trim(0, min, false, 0);
                    int before = m.size();
                    m.headMap(min, false).clear();
                    assertEquals(before - m.size(), removed);
                }
                assertEquals(m.size(), s.length());
                if (op % 50 == 0 || op > 2950) {
                    StreamId a = randomId(rnd, ms);
                    StreamId z = randomId(rnd, ms);
                    assertEquals(model(m, a, z, false), read(s, a, z, false), "seed " + seed + " op " + op);
                    assertEquals(model(m, a, z, true), read(s, a, z, true));
                    assertEquals(model(m, StreamId.MIN, StreamId.MAX, true), read(s, null, null, true));
                    assertEquals(m.isEmpty() ? null : m.firstKey(), s.firstValidId());
                    assertEquals(m.isEmpty() ? null : m.lastKey(), s.lastValidId());
                    assertEquals(m.isEmpty() ? StreamId.MIN : m.firstKey(), s.firstId());
                }
            }
            assertEquals(model(m, StreamId.MIN, StreamId.MAX, false), read(s, null, null, false));
            StreamValue copy = s.copy();
            assertEquals(read(s, null, null, false), read(copy, null, null, false));
            assertEquals(s.radixTreeNodes(), copy.radixTreeNodes());
        }
    }

    private static StreamId randomKey(Random rnd, TreeMap<StreamId, String> m) {
        Iterator<StreamId> it = m.keySet().iterator();
        int skip = rnd.nextInt(Math.min(m.size(), 20));
        StreamId id = it.next();
        for (int i = 0; i < skip; i++) {
            id = it.next();
        }
        return rnd.nextBoolean() ? id : m.lastKey();
    }

    @Test
    void approximateTrimDropsWholeNodesOnly() {
        StreamValue s = new StreamValue();
        for (int i = 1; i <= 25; i++) {
            s.append(new StreamId(i, 0), new byte[][] {b("f"), b("v")}, 0, 1, 4096, 10);
        }
        assertEquals(3, s.nodeCount());
        assertEquals(0, s.trim(16, null, true, 0), "the first node holds 10: dropping it leaves 15 < 16");
        assertEquals(10, s.trim(15, null, true, 0));
        assertEquals(0, s.trim(0, null, true, 5), "LIMIT below a node's size removes nothing");
        assertEquals(new StreamId(11, 0), s.firstId());
        assertEquals(10, s.trim(0, new StreamId(25, 0), true, 0));
        assertEquals(5, s.length());
    }

    @Test
    void groupsConsumersAndPelCopyIndependently() {
        StreamValue s = new StreamValue();
        s.append(new StreamId(1, 1), new byte[][] {b("a"), b("1")}, 0, 1, 4096, 100);
        StreamValue.Group g = s.createGroup(b("g"), StreamId.MIN, 0);
        assertNull(s.createGroup(b("g"), StreamId.MIN, 0));
        StreamValue.Consumer c = g.createConsumer(b("alice"), 5);
        StreamValue.Nack n = new StreamValue.Nack(5, 1, c);
        g.pel().put(new StreamId(1, 1), n);
        c.pel().put(new StreamId(1, 1), n);
        StreamValue copy = s.copy();
        StreamValue.Group cg = copy.group(b("g"));
        assertNotSame(g, cg);
        StreamValue.Nack cn = cg.pel().get(new StreamId(1, 1));
        assertNotSame(n, cn);
        assertTrue(cn.consumer == cg.consumer(b("alice")), "the copied PEL entry belongs to the copied consumer");
        assertTrue(cg.consumer(b("alice")).pel().get(new StreamId(1, 1)) == cn);
        assertEquals(1, g.deleteConsumer(c));
        assertTrue(g.pel().isEmpty());
        assertFalse(cg.pel().isEmpty());
    }

    @Test
    void radixTreeNodeCountsFollowRaxLayout() {
        // values Redis 7 reports for these keys, one entry per node
        StreamValue s = new StreamValue();
        assertEquals(1, s.radixTreeNodes());
        long[][] ids = {{1, 1}, {1, 2}, {1, 3}, {2, 1}, {3, 5}, {256, 1}, {257, 0}, {65536, 0}, {65536, 1}};
        long[] expected = {2, 4, 5, 9, 11, 14, 17, 20, 22};
        for (int i = 0; i < ids.length; i++) {
            s.append(new StreamId(ids[i][0], ids[i][1]), new byte[][] {b("f"), b("v")}, 0, 1, 4096, 1);
            assertEquals(expected[i], s.radixTreeNodes(), "after " + i);
        }
    }
}
