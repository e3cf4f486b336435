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
    private KeyTable map = new KeyTable();
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

    @Override
    void rehashTables(long deadlineNanos) {
        rehash(map, deadlineNanos);
        super.rehashTables(deadlineNanos);
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
        if (v.hasExpiry() && v.expireAt() <= hooks.expiryNow()) {
            removeNode(key);
            expired(n.key);
            return null;
        }
        return v;
    }

    @Override
    Object collectionForWrite(byte[] key) {
        StoredValue v = get(key);
        if (v == null) {
            return null;
        }
        if (v.type() == ValueType.STRING) {
            return STRING_VALUE;
        }
        hooks.collectionWritten(this, map.find(key).key, v.object());
        return v.object();
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
        Snapshot s = hooks.snapshot;
        if (s != null && n.mark != hooks.generation) {
            if (old != null) {
                handOver(s, n.key, old, true);
            }
            n.mark = hooks.generation; // written during the snapshot: the walk skips it
        }
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
            hooks.collectionWritten(this, n.key, value.object()); // it may be filled in place next
        }
        valueBytes += valueCost(value, n.aux);
        if (value.hasExpiry() || (old != null && old.hasExpiry())) {
            indexExpiry(n.key, value.expireAt());
        }
    }

    /** Removes the node of {@code key} (present), handing its value to a running snapshot first. */
    private void removeNode(byte[] key) {
        KeyTable.Node n = map.remove(key);
        StoredValue v = (StoredValue) n.value;
        Snapshot s = hooks.snapshot;
        if (s != null && n.mark != hooks.generation) {
            handOver(s, n.key, v, true);
        }
        valueBytes -= valueCost(v, n.aux);
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
        removeNode(key);
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
            removeNode(key);
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
        long now = hooks.expiryNow();
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

    /** Hands {@code v} to the snapshot: string arrays are never changed in place, collections are copied. */
    private void handOver(Snapshot s, byte[] key, StoredValue v, boolean cow) {
        Object payload = v.type() == ValueType.STRING ? v.bytes() : Snapshot.frozenCopy(v.object());
        s.ref(this, v.type(), v.lruOrLfu(), v.expireAt(), key, payload, cow);
    }

    @Override
    long snapshotWalk(long cursor, Snapshot s) {
        int generation = hooks.generation;
        boolean emit = s.emitting();
        return map.scan(cursor, 128, n -> {
            if (n.mark != generation) {
                n.mark = generation;
                if (emit) {
                    handOver(s, n.key, (StoredValue) n.value, false);
                }
            }
        });
    }

    @Override
    void snapshotBeforeInPlace(byte[] key, Snapshot s) {
        KeyTable.Node n = map.find(key);
        if (n != null && n.mark != hooks.generation) {
            n.mark = hooks.generation;
            handOver(s, n.key, (StoredValue) n.value, true);
        }
    }

    @Override
    BaseDatabase detachEntries() {
        HeapDatabase frozen = new HeapDatabase(index(), hooks);
        frozen.map = map;
        frozen.valueBytes = valueBytes;
        map = new KeyTable();
        valueBytes = 0;
        return frozen;
    }

    @Override
    void copyEntries(KeyspaceSink sink, long now) throws java.io.IOException {
        map.forEach(n -> {
            StoredValue v = (StoredValue) n.value;
            if (!v.hasExpiry() || v.expireAt() > now) {
                sink.entry(n.key, v);
            }
        });
    }

    @Override
    void remeasure(byte[] key, Object payload) {
        KeyTable.Node n = map.find(key);
        if (n == null || payload == null || ((StoredValue) n.value).object() != payload) {
            return;
        }
        long bytes = collectionBytes(payload);
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
        removeNode(n.key); // hands the old value to a running snapshot, as any removal
        return true;
    }

    @Override
    public void clear() {
        clearing();
        if (detachForSnapshot()) {
            return;
        }
        map.clear();
        expires.clear();
        valueBytes = 0;
    }

    @Override
    void release() {
        map.clear();
        expires.clear();
        valueBytes = 0;
    }
}
