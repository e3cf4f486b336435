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

    /** A file of KEYS 100-byte strings in db 0, plus strings off the direct path (TTL, big, integer) in db 1. */
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

        // The general path allocated a key array, a value array and a StoredValue per key: about
        // 200 bytes for these. What remains is per map, per file and per key off the direct path.
        long perKey = allocated / KEYS;
        assertTrue(perKey < 20, "heap bytes allocated per loaded key: " + perKey);
    }
}
