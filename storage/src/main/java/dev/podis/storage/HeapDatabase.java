package dev.podis.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A database held on the Java heap: the keyspace for in-process servers that run without the JVM
 * flags Chronicle Map needs. Keys live in a {@link KeyTable} (SCAN-safe cursor, O(1) random key);
 * values are the {@link StoredValue} objects themselves. Keys and string payloads passed to
 * {@link #put} are kept, not copied.
 */
final class HeapDatabase extends BaseDatabase {
    private final KeyTable map = new KeyTable();
    private final SplittableRandom random = new SplittableRandom();
    private final List<byte[]> scratch = new ArrayList<>();
    private long valueBytes;

    HeapDatabase(int index, Hooks hooks) {
        super(index, hooks);
    }

    @Override
    public long size() {
        return map.size();
    }

    long estimatedBytes() {
        return map.estimatedBytes() + expires.estimatedBytes() + valueBytes;
    }

    /** A value's bytes: the StoredValue and its payload ({@code aux}: the node's collection bytes). */
    private static long valueCost(StoredValue v, long aux) {
        return 40 + (v.bytes() == null ? 16 + aux : 16 + v.bytes().length);
    }

    @Override
    public StoredValue get(byte[] key) {
        StoredValue v = peek(key);
        if (v != null) {
            v.lruOrLfu(hooks.access(v.lruOrLfu(), hooks.now()));
            hooks.lastTouched = key;
        }
        return v;
    }

    @Override
    public StoredValue peek(byte[] key) {
        KeyTable.Node n = map.find(key);
        if (n == null) {
            return null;
        }
        StoredValue v = (StoredValue) n.value;
        if (v.hasExpiry() && v.expireAt() <= hooks.now()) {
            removeNode(key, v);
            expired(n.key);
            return null;
        }
        return v;
    }

    @Override
    public boolean exists(byte[] key) {
        return peek(key) != null;
    }

    @Override
    public void put(byte[] key, StoredValue value) {
        modified(key);
        KeyTable.Node n = map.insert(key);
        StoredValue old = (StoredValue) n.value;
        if (old != null) {
            valueBytes -= valueCost(old, n.aux);
        }
        if (value.lruOrLfu() == 0) {
            long now = hooks.now();
            value.lruOrLfu(old != null ? hooks.overwrite(old.lruOrLfu(), key, now) : hooks.initialAccess(now));
        }
        n.value = value;
        n.aux = 0;
        if (value.object() != null) {
            n.aux = collectionBytes(value.object());
            hooks.collectionWritten(this, n.key, value); // it may be filled in place next
        }
        valueBytes += valueCost(value, n.aux);
        if (value.hasExpiry() || (old != null && old.hasExpiry())) {
            indexExpiry(n.key, value.expireAt());
        }
    }

    private void removeNode(byte[] key, StoredValue v) {
        KeyTable.Node n = map.remove(key);
        valueBytes -= valueCost(v, n == null ? 0 : n.aux);
        if (v.hasExpiry()) {
            expires.remove(key);
        }
    }

    @Override
    public boolean remove(byte[] key) {
        StoredValue v = peek(key);
        if (v == null) {
            return false;
        }
        modified(key);
        removeNode(key, v);
        return true;
    }

    @Override
    boolean removeIfExpired(byte[] key, long now) {
        KeyTable.Node n = map.find(key);
        if (n == null) {
            expires.remove(key);
            return false;
        }
        StoredValue v = (StoredValue) n.value;
        if (v.hasExpiry() && v.expireAt() <= now) {
            removeNode(key, v);
            return true;
        }
        return false;
    }

    @Override
    public long expireAt(byte[] key) {
        StoredValue v = peek(key);
        return v == null ? -2 : v.expireAt();
    }

    @Override
    public boolean setExpireAt(byte[] key, long at) {
        StoredValue v = peek(key);
        if (v == null) {
            return false;
        }
        if (v.expireAt() != at) {
            put(key, v.withExpireAt(at)); // reports the change
        } else {
            modified(key);
        }
        return true;
    }

    @Override
    public byte[] randomKey() {
        while (map.size() > 0) {
            KeyTable.Node n = map.random(random);
            if (peek(n.key) != null) {
                return n.key;
            }
        }
        return null;
    }

    @Override
    public long scan(long cursor, int count, Consumer<byte[]> sink) {
        scratch.clear();
        long next = map.scan(cursor, Math.max(1, count), n -> scratch.add(n.key));
        // Expired keys found on the way are removed now (the table is not touched during the scan).
        long now = hooks.now();
        for (byte[] k : scratch) {
            if (removeIfExpired(k, now)) {
                expired(k);
            } else {
                sink.accept(k);
            }
        }
        scratch.clear();
        return next;
    }

    @Override
    void remeasure(byte[] key, StoredValue v) {
        KeyTable.Node n = map.find(key);
        if (n == null || v.object() == null || ((StoredValue) n.value).object() != v.object()) {
            return;
        }
        long bytes = collectionBytes(v.object());
        valueBytes += bytes - n.aux;
        n.aux = bytes;
    }

    @Override
    void sampleKeys(int count, Sampler sink) {
        for (int i = 0; i < count && map.size() > 0; i++) {
            KeyTable.Node n = map.random(random);
            StoredValue v = (StoredValue) n.value;
            sink.accept(n.key, v.lruOrLfu(), v.expireAt(), true);
        }
    }

    @Override
    long probe(byte[] key) {
        KeyTable.Node n = map.find(key);
        return n == null ? -1 : (((StoredValue) n.value).lruOrLfu() & 0xFFFFFFFFL) | ON_HEAP; // all of it is on the heap
    }

    @Override
    boolean removeForEviction(byte[] key) {
        KeyTable.Node n = map.find(key);
        if (n == null) {
            return false;
        }
        removeNode(n.key, (StoredValue) n.value);
        return true;
    }

    @Override
    public void clear() {
        clearing();
        map.clear();
        expires.clear();
        valueBytes = 0;
    }

    @Override
    void release() {
        clear();
    }
}
