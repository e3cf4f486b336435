package dev.podis.storage;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** {@link KeyTable}: nodes it makes ({@code insert}) and nodes a caller makes ({@code put}), side by side. */
class KeyTableTest {
    /** A caller's node carrying its data in a field of its own, as the off-heap heap index's entries do. */
    static final class Entry extends KeyTable.Node {
        final String data;

        Entry(String key, String data) {
            super(b(key), KeyTable.hash(b(key)));
            this.data = data;
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void putAddsOrReplacesTheNodeOfAnEqualKey() {
        KeyTable t = new KeyTable();
        assertNull(t.put(new Entry("a", "1")));
        assertEquals(1, t.size());
        long bytes = t.estimatedBytes();
        Entry second = new Entry("a", "2");
        KeyTable.Node replaced = t.put(second); // an equal key in another array
        assertEquals("1", ((Entry) replaced).data);
        assertNull(replaced.next, "a replaced node is unlinked");
        assertEquals(1, t.size());
        assertEquals(bytes, t.estimatedBytes(), "a replacement counts the key once");
        assertSame(second, t.find(b("a")));
        assertSame(second, t.remove(b("a")));
        assertEquals(0, t.size());
        assertNull(t.find(b("a")));
    }

    @Test
    void callersNodesAndTableNodesMixThroughGrowthShrinkScanAndSampling() {
        KeyTable t = new KeyTable();
        Map<String, KeyTable.Node> expected = new HashMap<>();
        for (int i = 0; i < 5000; i++) {
            String k = "k" + i;
            KeyTable.Node n;
            if (i % 2 == 0) {
                n = new Entry(k, "v" + i);
                assertNull(t.put(n));
            } else {
                n = t.insert(b(k));
                n.value = "v" + i;
            }
            expected.put(k, n);
        }
        // replace every third key by a caller's node, in the middle of chains and at their heads
        for (int i = 0; i < 5000; i += 3) {
            String k = "k" + i;
            Entry e = new Entry(k, "w" + i);
            assertSame(expected.get(k), t.put(e));
            expected.put(k, e);
        }
        assertEquals(5000, t.size());
        for (Map.Entry<String, KeyTable.Node> e : expected.entrySet()) {
            assertSame(e.getValue(), t.find(b(e.getKey())), e.getKey());
        }
        Set<String> scanned = new HashSet<>();
        long cursor = 0;
        do {
            cursor = t.scan(cursor, 100, n -> scanned.add(s(n.key)));
        } while (cursor != 0);
        assertEquals(expected.keySet(), scanned);
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 100; i++) {
            KeyTable.Node n = t.random(rnd);
            assertSame(expected.get(s(n.key)), n);
        }
        // shrink: removals keep the rest reachable
        for (int i = 0; i < 4900; i++) {
            assertSame(expected.remove("k" + i), t.remove(b("k" + i)));
        }
        assertEquals(100, t.size());
        for (Map.Entry<String, KeyTable.Node> e : expected.entrySet()) {
            assertSame(e.getValue(), t.find(b(e.getKey())));
        }
        assertEquals("w4902", ((Entry) t.find(b("k4902"))).data); // a replacement that survived the shrink
        assertEquals("v4903", t.find(b("k4903")).value);
    }
}
