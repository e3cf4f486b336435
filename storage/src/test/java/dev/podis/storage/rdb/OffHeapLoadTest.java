package dev.podis.storage.rdb;

import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.ListValue;
import dev.podis.storage.types.SetValue;
import dev.podis.storage.types.SortedSetValue;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of key a file holds (collections of each type, strings with an expiry, in several
 * databases) loads into the off-heap keyspace, whose load inserts records straight into the map's
 * segments (SegmentInsert), with the same contents as the keyspace it was saved from (type, expiry
and value of every key, as {@link RdbCodecTest#contents} describes them), and the
 * keyspace takes reads, overwrites and deletes afterwards as usual.
 */
class OffHeapLoadTest {
    private static final int PER_TYPE = 3_000;
    private static final long FAR = System.currentTimeMillis() + 100_000_000L;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Keyspace source() {
        Keyspace ks = Keyspace.onHeap(16);
        for (int i = 0; i < PER_TYPE; i++) {
            HashValue h = HashValue.create();
            h.set(b("name"), b("user-" + i), 128, 64);
            h.set(b("age"), b(Integer.toString(i % 90)), 128, 64);
            ks.db(0).put(b("hash:" + i), StoredValue.object(ValueType.HASH, h, i % 3 == 0 ? FAR + i : StoredValue.NO_EXPIRY));

            SetValue s = SetValue.create(b(Integer.toString(i)), 3, 512, 128);
            s.add(b(Integer.toString(i + 1)), 512, 128, 64);
            s.add(b("m" + i), 512, 128, 64);
            ks.db(0).put(b("set:" + i), StoredValue.object(ValueType.SET, s, StoredValue.NO_EXPIRY));

            SortedSetValue z = SortedSetValue.create(2, 8, 128, 64);
            z.insert(b("a" + i), i, 128, 64);
            z.insert(b("b" + i), -i / 2.0, 128, 64);
            ks.db(3).put(b("zset:" + i), StoredValue.object(ValueType.ZSET, z, StoredValue.NO_EXPIRY));

            ListValue l = new ListValue();
            l.push(b("x" + i), false, -2);
            l.push(b("y" + i), false, -2);
            ks.db(3).put(b("list:" + i), StoredValue.object(ValueType.LIST, l, StoredValue.NO_EXPIRY));

            ks.db(5).put(b("ttl:" + i), StoredValue.string(b("v" + i), FAR + i));
        }
        return ks;
    }

    private static byte[] save(Keyspace ks) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ks.copyTo(new RdbWriter(out, new RdbWriter.Options()));
        return out.toByteArray();
    }

    @Test
    void everyKindOfKeyLoadsOffHeapWithTheSameContents() throws IOException {
        Keyspace source = source();
        byte[] file = save(source);
        Keyspace loaded = Keyspace.offHeap(16, 1L << 30);
        new RdbLoader(RdbInput.of(new ByteArrayInputStream(file), file.length), new RdbLoader.Options())
                .loadAll(new KeyspaceLoader(loaded, true, false));

        Map<String, String> expected = RdbCodecTest.contents(source);
        assertEquals(5 * PER_TYPE, expected.size());
        Map<String, String> actual = RdbCodecTest.contents(loaded);
        assertEquals(expected.size(), actual.size());
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertEquals(e.getValue(), actual.get(e.getKey()), "key " + e.getKey());
        }
        assertEquals(2 * PER_TYPE, loaded.db(0).size());
        assertEquals(PER_TYPE, loaded.db(5).size());

        // Afterwards the keys are the keyspace's as any others: overwritten, deleted, read.
        Database db0 = loaded.db(0);
        for (int i = 0; i < PER_TYPE; i += 2) {
            db0.put(b("hash:" + i), StoredValue.string(b("now a string")));
            assertTrue(db0.remove(b("set:" + i)));
        }
        assertEquals(ValueType.STRING, db0.get(b("hash:0")).type());
        assertEquals(ValueType.HASH, db0.get(b("hash:1")).type());
        assertNull(db0.get(b("set:0")));
        assertEquals(ValueType.SET, db0.get(b("set:1")).type());
        assertEquals(PER_TYPE + PER_TYPE / 2, db0.size());
        assertEquals(FAR + 7, loaded.db(5).get(b("ttl:7")).expireAt());
    }
}
