package dev.podis.storage.rdb;

import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * String keys loaded from an RDB file go from the reader's buffer into the off-heap keyspace
 * without arrays of their own ({@link dev.podis.storage.KeyspaceSink#stringEntry}): the same
 * data as the general path, and no heap garbage per key (a load used to leave about as much
 * garbage on the heap as the dataset's size).
 */
class StringLoadTest {
    private static final int KEYS = 50_000;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i) {
        byte[] v = new byte[100];
        Arrays.fill(v, (byte) ('a' + i % 26)); // compressible: the file holds it LZF-compressed
        byte[] n = b(Integer.toString(i));
        System.arraycopy(n, 0, v, 0, n.length);
        return v;
    }

    /** Integers of every RDB encoding (8, 16 and 32 bits), both signs. */
    private static int counter(int i) {
        int[] scale = {1, 300, 70_000, 40_000};
        return (i % 2 == 0 ? 1 : -1) * (i * scale[i % 4] + (i % 4 == 3 ? Integer.MAX_VALUE / 2 : 0));
    }

    /**
     * A file of KEYS 100-byte strings in db 0, strings off the direct path (TTL, big, integer,
     * long key) in db 1, and KEYS integers (stored integer-encoded in the file) in db 2.
     */
    private static byte[] file() throws IOException {
        Keyspace ks = Keyspace.onHeap(16);
        for (int i = 0; i < KEYS; i++) {
            ks.db(0).put(b("key:" + i), StoredValue.string(value(i)));
        }
        ks.db(1).put(b("ttl"), StoredValue.string(b("expiring"), System.currentTimeMillis() + 100_000_000L));
        byte[] big = new byte[20_000];
        new java.util.Random(7).nextBytes(big);
        ks.db(1).put(b("big"), StoredValue.string(big));
        ks.db(1).put(b("int"), StoredValue.string(b("-12345")));
        ks.db(1).put(b("k".repeat(200)), StoredValue.string(b("long key")));
        for (int i = 0; i < KEYS; i++) {
            ks.db(2).put(b("counter:" + i), StoredValue.string(b(Integer.toString(counter(i)))));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ks.copyTo(new RdbWriter(out, new RdbWriter.Options()));
        return out.toByteArray();
    }

    private static long load(byte[] file, Keyspace into) throws IOException {
        RdbLoader loader = new RdbLoader(RdbInput.of(new ByteArrayInputStream(file), file.length), new RdbLoader.Options());
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        loader.loadAll(new KeyspaceLoader(into, true, false));
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    /** The value of one key holding {@code v}, written to a file (integer-encoded) and loaded off-heap. */
    private static byte[] loadedInteger(int v) throws IOException {
        Keyspace source = Keyspace.onHeap(16);
        source.db(0).put(b("i"), StoredValue.string(b(Integer.toString(v))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        source.copyTo(new RdbWriter(out, new RdbWriter.Options()));
        Keyspace ks = Keyspace.offHeap(16, 1L << 28);
        load(out.toByteArray(), ks);
        return ks.db(0).get(b("i")).bytes();
    }

    @Test
    void stringKeysLoadIntoTheOffHeapKeyspaceWithoutGarbagePerKey() throws IOException {
        byte[] file = file();
        load(file, Keyspace.offHeap(16, 1L << 30)); // the first load pays for class loading
        Keyspace ks = Keyspace.offHeap(16, 1L << 30);
        long allocated = load(file, ks);

        Database db0 = ks.db(0);
        assertEquals(KEYS, db0.size());
        for (int i = 0; i < KEYS; i += 997) {
            StoredValue v = db0.get(b("key:" + i));
            assertNotNull(v, "key:" + i);
            assertEquals(ValueType.STRING, v.type());
            assertArrayEquals(value(i), v.bytes(), "key:" + i);
            assertEquals(StoredValue.NO_EXPIRY, v.expireAt());
        }
        Database db1 = ks.db(1);
        assertEquals(4, db1.size());
        assertTrue(db1.get(b("ttl")).hasExpiry());
        assertEquals(20_000, db1.get(b("big")).bytes().length);
        assertArrayEquals(b("-12345"), db1.get(b("int")).bytes());
        assertArrayEquals(b("long key"), db1.get(b("k".repeat(200))).bytes());
        Database db2 = ks.db(2);
        assertEquals(KEYS, db2.size());
        for (int i = 0; i < KEYS; i += 7) {
            assertArrayEquals(b(Integer.toString(counter(i))), db2.get(b("counter:" + i)).bytes(), "counter:" + i);
        }
        assertArrayEquals(b("-2147483648"), loadedInteger(Integer.MIN_VALUE));
        assertArrayEquals(b("2147483647"), loadedInteger(Integer.MAX_VALUE));

        // The general path allocated a key array, a value array and a StoredValue per key (about
        // 240 bytes for the 100-byte values; an integer's text cost two more objects). What
        // remains is per map, per file and per key off the direct path.
        long perKey = allocated / (2 * KEYS);
        assertTrue(perKey < 20, "heap bytes allocated per loaded key: " + perKey);
    }
}
