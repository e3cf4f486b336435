package dev.podis.storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/** A database held on the Java heap: the keyspace for in-process servers that run without JVM flags. */
final class HeapDatabase implements Database, Keyspace.ActiveExpiry {
    private final int index;
    private final LongSupplier clock;
    private final Map<Key, StoredValue> map = new HashMap<>();
    private long volatileCount;
    private long bytes;

    HeapDatabase(int index, LongSupplier clock) {
        this.index = index;
        this.clock = clock;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public long size() {
        return map.size();
    }

    @Override
    public long volatileSize() {
        return volatileCount;
    }

    long estimatedBytes() {
        return bytes;
    }

    @Override
    public StoredValue get(byte[] key) {
        return peek(key);
    }

    @Override
    public StoredValue peek(byte[] key) {
        Key k = new Key(key);
        StoredValue v = map.get(k);
        if (v != null && v.hasExpiry() && v.expireAt() <= clock.getAsLong()) {
            removeEntry(k, v);
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
        Key k = new Key(key);
        StoredValue old = map.put(k, value);
        if (old != null) {
            account(k, old, -1);
        }
        account(k, value, 1);
    }

    private void account(Key k, StoredValue v, int sign) {
        if (v.hasExpiry()) {
            volatileCount += sign;
        }
        bytes += sign * (64L + k.bytes.length + (v.bytes() == null ? 16 : v.bytes().length));
    }

    private void removeEntry(Key k, StoredValue v) {
        map.remove(k);
        account(k, v, -1);
    }

    @Override
    public boolean remove(byte[] key) {
        Key k = new Key(key);
        StoredValue v = peek(key);
        if (v == null) {
            return false;
        }
        removeEntry(k, v);
        return true;
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
        put(key, v.withExpireAt(at));
        return true;
    }

    @Override
    public byte[] randomKey() {
        while (!map.isEmpty()) {
            int skip = ThreadLocalRandom.current().nextInt(map.size());
            Iterator<Key> it = map.keySet().iterator();
            Key k = it.next();
            for (int i = 0; i < skip; i++) {
                k = it.next();
            }
            if (peek(k.bytes) != null) {
                return k.bytes;
            }
        }
        return null;
    }

    @Override
    public long scan(long cursor, int count, Consumer<byte[]> sink) {
        // Placeholder: one step returns every live key.
        List<byte[]> keys = new ArrayList<>();
        for (Key k : map.keySet()) {
            keys.add(k.bytes);
        }
        for (byte[] k : keys) {
            if (peek(k) != null) {
                sink.accept(k);
            }
        }
        return 0;
    }

    @Override
    public void clear() {
        map.clear();
        volatileCount = 0;
        bytes = 0;
    }

    @Override
    public long expireSample(long budgetMicros) {
        return 0;
    }

    /** A byte[] with value equality, as a map key. */
    static final class Key {
        final byte[] bytes;
        private final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && Arrays.equals(bytes, ((Key) o).bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
