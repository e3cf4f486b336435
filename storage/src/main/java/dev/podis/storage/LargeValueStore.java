package dev.podis.storage;

import net.openhft.chronicle.bytes.BytesStore;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Off-heap store for string values too large for one Chronicle Map entry (up to
 * {@code proto-max-bulk-len}, 512 MB): one native allocation per value, freed explicitly when the
 * value is overwritten or deleted, on flush and on close. Values are referenced from the record by
 * an id.
 *
 * <p>A value never changes once stored (a write stores a new one under a new id), so the heap
 * copies of the values read or written last can be handed out again: a small cache by id of
 * values up to {@link #CACHED_MAX} bytes saves copying a hot value (a dense HyperLogLog, a bitmap)
 * on every read. Callers treat the arrays as read-only, as they do the heap keyspace's.
 */
final class LargeValueStore {
    static final int CACHED_MAX = 64 * 1024;
    private static final int CACHE_SLOTS = 8;

    private final Map<Long, BytesStore<?, ?>> values = new HashMap<>();
    private final long[] cachedIds = new long[CACHE_SLOTS];
    private final byte[][] cached = new byte[CACHE_SLOTS][];
    private long nextId = 1;
    private long bytes;

    long store(byte[] value) {
        BytesStore<?, ?> s = BytesStore.nativeStoreWithFixedCapacity(Math.max(1, value.length));
        s.write(0, value, 0, value.length);
        long id = nextId++;
        values.put(id, s);
        bytes += value.length;
        cache(id, value);
        return id;
    }

    byte[] load(long id, long length) {
        int slot = (int) (id & (CACHE_SLOTS - 1));
        if (cachedIds[slot] == id && cached[slot] != null) {
            return cached[slot];
        }
        BytesStore<?, ?> s = values.get(id);
        if (s == null) {
            throw new IllegalStateException("large value " + id + " is missing");
        }
        byte[] out = new byte[(int) length];
        s.read(0, out, 0, out.length);
        cache(id, out);
        return out;
    }

    private void cache(long id, byte[] value) {
        if (value.length <= CACHED_MAX) {
            int slot = (int) (id & (CACHE_SLOTS - 1));
            cachedIds[slot] = id;
            cached[slot] = value;
        }
    }

    void free(long id, long length) {
        BytesStore<?, ?> s = values.remove(id);
        if (s != null) {
            bytes -= length;
            s.releaseLast();
        }
        int slot = (int) (id & (CACHE_SLOTS - 1));
        if (cachedIds[slot] == id) {
            cached[slot] = null;
        }
    }

    /** Bytes held, including a small per-value overhead. */
    long usedBytes() {
        return bytes + values.size() * 96L;
    }

    int count() {
        return values.size();
    }

    void clear() {
        for (BytesStore<?, ?> s : values.values()) {
            s.releaseLast();
        }
        values.clear();
        bytes = 0;
        Arrays.fill(cached, null);
    }
}
