package dev.podis.storage;

import net.openhft.chronicle.bytes.BytesStore;

import java.util.HashMap;
import java.util.Map;

/**
 * Off-heap store for string values too large for one Chronicle Map entry (up to
 * {@code proto-max-bulk-len}, 512 MB): one native allocation per value, freed explicitly when the
 * value is overwritten or deleted, on flush and on close. Values are referenced from the record by
 * an id.
 */
final class LargeValueStore {
    private final Map<Long, BytesStore<?, ?>> values = new HashMap<>();
    private long nextId = 1;
    private long bytes;

    long store(byte[] value) {
        BytesStore<?, ?> s = BytesStore.nativeStoreWithFixedCapacity(Math.max(1, value.length));
        s.write(0, value, 0, value.length);
        long id = nextId++;
        values.put(id, s);
        bytes += value.length;
        return id;
    }

    byte[] load(long id, long length) {
        BytesStore<?, ?> s = values.get(id);
        if (s == null) {
            throw new IllegalStateException("large value " + id + " is missing");
        }
        byte[] out = new byte[(int) length];
        s.read(0, out, 0, out.length);
        return out;
    }

    void free(long id, long length) {
        BytesStore<?, ?> s = values.remove(id);
        if (s != null) {
            bytes -= length;
            s.releaseLast();
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
    }
}
