package dev.podis.storage;

import net.openhft.chronicle.bytes.BytesUtil;
import net.openhft.chronicle.core.Memory;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.hash.impl.BigSegmentHeader;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.VanillaChronicleMap;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link SegmentInsert} writes Chronicle Map's own layout: the same inserts (and removals in
 * between) made through it and through the map's {@code put} leave byte-identical segments, and
 * what it writes reads back, iterates, removes and grows through Chronicle's own code.
 */
class SegmentInsertTest {
    private static final Memory MEMORY = OS.memory();

    private static ChronicleMap<byte[], byte[]> map(long entries) {
        return ChronicleMapBuilder.of(byte[].class, byte[].class).entries(entries)
                .averageKeySize(OffHeapSizing.AVERAGE_KEY).averageValueSize(120).create();
    }

    /** Keys and values of varied sizes: stop-bit sizes of one and two bytes, entries of one to many chunks. */
    private static List<byte[][]> entries(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[][]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] key = ("key:" + i + ":").getBytes();
            if (random.nextInt(20) == 0) {
                key = Arrays.copyOf(key, key.length + 130 + random.nextInt(100)); // a key over 127 bytes
                key[key.length - 1] = (byte) random.nextInt();
            }
            byte[] value = new byte[random.nextInt(10) == 0 ? 128 + random.nextInt(600) : random.nextInt(128)];
            random.nextBytes(value);
            out.add(new byte[][]{key, value});
        }
        return out;
    }

    @Test
    void writesTheSameBytesAsTheMapsOwnInsert() {
        try (ChronicleMap<byte[], byte[]> own = map(100_000); ChronicleMap<byte[], byte[]> direct = map(100_000)) {
            SegmentInsert insert = SegmentInsert.of(direct);
            assertNotNull(insert, "a map made as Podis makes them has the layout SegmentInsert writes");
            List<byte[][]> data = entries(60_000, 1);
            for (byte[][] e : data) {
                own.put(e[0], e[1]);
                assertEquals(SegmentInsert.INSERTED, insert.insert(e[0], 0, e[0].length, e[1], e[1].length));
            }
            assertSameSegments(own, direct);

            // Holes in the free lists: every third key removed, then new keys and the removed ones back.
            for (int i = 0; i < data.size(); i += 3) {
                own.remove(data.get(i)[0]);
                direct.remove(data.get(i)[0]);
            }
            List<byte[][]> more = entries(20_000, 2);
            for (int i = 0; i < more.size(); i++) {
                byte[][] e = more.get(i);
                e[0] = ("more:" + i).getBytes();
                own.put(e[0], e[1]);
                assertEquals(SegmentInsert.INSERTED, insert.insert(e[0], 0, e[0].length, e[1], e[1].length));
            }
            for (int i = 0; i < data.size(); i += 3) {
                byte[][] e = data.get(i);
                own.put(e[0], e[1]);
                assertEquals(SegmentInsert.INSERTED, insert.insert(e[0], 0, e[0].length, e[1], e[1].length));
            }
            assertSameSegments(own, direct);
            assertEquals(own.size(), direct.size());
        }
    }

    @Test
    void aPresentKeyIsReportedAndKeepsItsValue() {
        try (ChronicleMap<byte[], byte[]> m = map(1_000)) {
            SegmentInsert insert = SegmentInsert.of(m);
            byte[] buffer = "xxkey:1yy".getBytes(); // the key in the middle of a buffer, as the loader passes it
            assertEquals(SegmentInsert.INSERTED, insert.insert(buffer, 2, 5, "one".getBytes(), 3));
            assertEquals(SegmentInsert.PRESENT, insert.insert(buffer, 2, 5, "two".getBytes(), 3));
            assertArrayEquals("one".getBytes(), m.get("key:1".getBytes()));
            assertEquals(1, m.size());
            // The same hash-lookup bits are not enough: a different key of another length is absent.
            assertEquals(SegmentInsert.INSERTED, insert.insert("key:10".getBytes(), 0, 6, new byte[0], 0));
            assertArrayEquals(new byte[0], m.get("key:10".getBytes()));
        }
    }

    @Test
    void declinesAFullSegmentAndTheMapsOwnInsertTakesOver() {
        // Sized for 2 000 entries, given 40 000: segments fill, the map's put adds tiers, and the
        // tiered segments are the map's from then on.
        try (ChronicleMap<byte[], byte[]> m = ChronicleMapBuilder.of(byte[].class, byte[].class).entries(2_000)
                .averageKeySize(OffHeapSizing.AVERAGE_KEY).averageValueSize(120).maxBloatFactor(40).create()) {
            SegmentInsert insert = SegmentInsert.of(m);
            List<byte[][]> data = entries(40_000, 3);
            int declined = 0;
            for (byte[][] e : data) {
                int r = insert.insert(e[0], 0, e[0].length, e[1], e[1].length);
                if (r == SegmentInsert.DECLINED) {
                    declined++;
                    assertNull(m.put(e[0], e[1]), "a declined key was not written");
                } else {
                    assertEquals(SegmentInsert.INSERTED, r);
                }
            }
            assertTrue(declined > 0 && declined < data.size(), "some declined, some inserted: " + declined);
            assertTrue(((VanillaChronicleMap<?, ?, ?>) m).hasExtraTierBulks(), "the map added tiers");
            assertContents(m, data);
        }
    }

    @Test
    void whatItWritesReadsIteratesAndRemovesThroughChronicle() {
        try (ChronicleMap<byte[], byte[]> m = map(50_000)) {
            SegmentInsert insert = SegmentInsert.of(m);
            List<byte[][]> data = entries(30_000, 4);
            for (byte[][] e : data) {
                assertEquals(SegmentInsert.INSERTED, insert.insert(e[0], 0, e[0].length, e[1], e[1].length));
            }
            assertContents(m, data);
            for (int i = 0; i < data.size(); i += 2) {
                assertNotNull(m.remove(data.get(i)[0]));
            }
            for (int i = 1; i < data.size(); i += 2) {
                byte[][] e = data.get(i);
                e[1] = ByteBuffer.allocate(200).putInt(i).array(); // replaced by the map, bigger: moves
                m.put(e[0], e[1]);
            }
            List<byte[][]> left = new ArrayList<>();
            for (int i = 1; i < data.size(); i += 2) {
                left.add(data.get(i));
            }
            assertContents(m, left);
        }
    }

    @Test
    void declinesAClosedMap() {
        ChronicleMap<byte[], byte[]> m = map(1_000);
        SegmentInsert insert = SegmentInsert.of(m);
        m.close();
        assertEquals(SegmentInsert.DECLINED, insert.insert(new byte[]{1}, 0, 1, new byte[]{2}, 1));
    }

    /** The sizes as the entries hold them (Chronicle's stop-bit numbers, which SegmentInsert writes with Chronicle's own writer). */
    @Test
    void stopBitLengths() {
        assertEquals(1, BytesUtil.stopBitLength(0));
        assertEquals(1, BytesUtil.stopBitLength(127));
        assertEquals(2, BytesUtil.stopBitLength(128));
        assertEquals(2, BytesUtil.stopBitLength(16_383));
        assertEquals(3, BytesUtil.stopBitLength(16_384));
    }

    /** Every key reads back its value through {@code get}, and iteration sees exactly these entries. */
    private static void assertContents(ChronicleMap<byte[], byte[]> m, List<byte[][]> data) {
        Map<String, byte[]> expected = new HashMap<>();
        for (byte[][] e : data) {
            assertArrayEquals(e[1], m.get(e[0]));
            expected.put(Arrays.toString(e[0]), e[1]);
        }
        assertEquals(expected.size(), m.size());
        int[] seen = {0};
        m.forEachEntry(entry -> {
            byte[] v = expected.get(Arrays.toString(entry.key().get()));
            if (v == null) {
                fail("iteration found a key never inserted");
            }
            assertArrayEquals(v, entry.value().get());
            seen[0]++;
        });
        assertEquals(expected.size(), seen[0]);
    }

    /** Segment headers' counters and every segment's memory (hash lookup, free list, entries) equal. */
    private static void assertSameSegments(ChronicleMap<byte[], byte[]> a, ChronicleMap<byte[], byte[]> b) {
        VanillaChronicleMap<?, ?, ?> x = (VanillaChronicleMap<?, ?, ?>) a;
        VanillaChronicleMap<?, ?, ?> y = (VanillaChronicleMap<?, ?, ?>) b;
        assertEquals(x.actualSegments, y.actualSegments);
        assertEquals(x.tierSize, y.tierSize);
        BigSegmentHeader headers = BigSegmentHeader.INSTANCE;
        for (int s = 0; s < x.actualSegments; s++) {
            long hx = x.segmentHeaderAddress(s);
            long hy = y.segmentHeaderAddress(s);
            assertEquals(headers.entries(hx), headers.entries(hy), "entries of segment " + s);
            assertEquals(headers.deleted(hx), headers.deleted(hy), "deleted of segment " + s);
            assertEquals(headers.lowestPossiblyFreeChunk(hx), headers.lowestPossiblyFreeChunk(hy),
                    "lowest possibly free chunk of segment " + s);
            assertEquals(0, headers.nextTierIndex(hx));
            assertEquals(0, headers.nextTierIndex(hy));
            long bx = x.segmentBaseAddr(s);
            long by = y.segmentBaseAddr(s);
            for (long i = 0; i < x.tierSize; i += 8) {
                if (MEMORY.readLong(bx + i) != MEMORY.readLong(by + i)) {
                    fail("segment " + s + " differs at byte " + i + " of " + x.tierSize);
                }
            }
        }
    }
}
