package dev.podis.storage;

import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.bytes.RandomDataOutput;
import net.openhft.chronicle.core.io.ClosedIllegalStateException;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapAbsentEntry;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A database whose keys and records live off-heap in Chronicle Map.
 *
 * <h2>Layout</h2>
 * Each key maps to a {@link Record}: type, expiry, LRU clock and the payload (inline string bytes,
 * or a reference into the {@link LargeValueStore} for strings over {@link Record#INLINE_MAX}).
 * The expiry index is on the heap ({@link BaseDatabase}).
 *
 * <h2>Collections: a heap index in front of Chronicle</h2>
 * A collection is a heap object already, so its off-heap record holds nothing but type and expiry.
 * The database keeps a heap {@link KeyTable} of its collection keys ({@code objectIndex}: key →
 * type, object, LRU clock; {@code aux} = expiry), consulted before Chronicle on every read. A
 * collection command (HSET, SADD, ZADD, LPUSH... on an existing key) therefore costs one heap
 * hash lookup (tens of ns) instead of a Chronicle query (context, segment lock, hash lookup in
 * off-heap memory: 0.5-0.8 µs measured under load), and a string read pays one heap miss when the
 * database holds collections. The record stays in the map so that everything that walks the map
 * (SCAN, RANDOMKEY, DBSIZE, growing into a new map) sees every key in one place. An index entry
 * is one object, the table's node itself ({@link HeapObject}, a {@link MutableString} for a
 * string), so a lookup reaches type, clock and value in the object whose hash it compares. The index is the
 * truth for a collection's value and LRU clock; its expiry is written to both (set only through
 * {@link #put} and {@link #setExpireAt}). Every write that replaces or removes a record of a
 * collection removes its index entry in the same step ({@code freeRef}).
 *
 * <h2>Strings changed in place: on the heap too</h2>
 * A string stored with {@link #putMutableString} (a HyperLogLog that PFADD keeps changing) goes
 * into the same heap index as a {@link MutableString}, its record in the map holding type and
 * expiry only, like a collection's. A command changes it in place ({@link #mutableString}): one
 * heap lookup, no Chronicle query, no entry relocation, and no allocation (a new array per change
 * would be promoted to the old generation, since a key is changed again only after many other
 * commands, and cost more in GC than it saved). Readers get the buffer itself when it has the
 * exact length (it is then copied before the next change) or a copy. Any other write of the key
 * ({@link #put}: SET, RESTORE, RENAME...) replaces the record as for a collection, which moves
 * the string back into the map.
 *
 * <h2>Capacity</h2>
 * A database holds one Chronicle Map ("shard"), created on the first write with
 * {@link OffHeapSizing#initialEntries} entries; it grows by Chronicle's extra segment tiers up to
 * {@link OffHeapSizing#MAX_BLOAT} times that (tiers cost memory only when used). When it is full, a
 * bigger map is added and the older one's entries move into it a few at a time, on writes and in
 * the background cycle (as Redis rehashes incrementally); meanwhile lookups try both. Only when the
 * keyspace's memory in use has reached the budget is the write refused with
 * {@link KeyspaceFullException}, leaving the keyspace unchanged. A key lives in exactly one shard
 * and only ever moves to a newer one.
 *
 * <h2>SCAN</h2>
 * Chronicle Map never rehashes, so a key stays in its segment for as long as it stays in its map,
 * and it only ever moves to a newer map (which the scan visits later). The cursor is
 * {@code shardId << 32 | segment}, shard ids only grow: each step returns every key of one or more whole segments (at
 * least COUNT keys unless the scan ends), so a step may return more than COUNT keys. A key present
 * for the whole scan is returned exactly once (keys only ever move to a later shard).
 *
 * <h2>Access</h2>
 * Reads go through {@code queryContext} and read the record in place: only the returned value's
 * bytes are copied out. The LRU clock is rewritten only when its second changes.
 */
final class OffHeapDatabase extends BaseDatabase {
    private final OffHeapSizing sizing;
    private final List<Shard> shards = new ArrayList<>();
    private long nextShardId;
    /** Segment of the oldest shard being moved into the newest one, while {@code shards.size() > 1}. */
    private int migrateSegment;

    /** One Chronicle Map of this database, with an id that only grows (SCAN cursors name shards by id). */
    static final class Shard {
        final long id;
        final ChronicleMap<byte[], byte[]> map;
        final long entries;
        /** Keys in this map. */
        long keys;
        /** A load's insert into this map ({@link SegmentInsert}); null if the map is laid out otherwise. */
        final SegmentInsert segments;
        /** Whether the map to replace this one was asked for ahead ({@code growEarly}). */
        boolean growthPrepared;
        /** Keys past which the map to replace this one is asked for ahead ({@code growEarly}). */
        long prepareAt;
        /** The map's reservation when created, and what a key costs of it (per entry, over the target fill). */
        private final long reserved;
        private final double reservedPerEntry;
        /** {@link #cost()}'s slow parts as last computed, and the key count they were computed for. */
        private long overhead;
        private long tiers;
        private long costKeys = -1;

        Shard(long id, ChronicleMap<byte[], byte[]> map, long entries) {
            this.id = id;
            this.map = map;
            this.entries = entries;
            this.segments = SegmentInsert.of(map);
            this.reserved = map.offHeapMemoryUsed();
            this.reservedPerEntry = (double) reserved / entries / OffHeapSizing.TARGET_FILL;
            this.prepareAt = (long) (entries * OffHeapSizing.PREPARE_FILL);
        }

        /**
         * What this map costs for its keys: each key at least its share of the map's reservation
         * at {@link OffHeapSizing#TARGET_FILL} (under churn all of it becomes resident, and a map
         * is never sized past the budget), at
         * least the resident hash lookups of the segments its keys are spread over
         * ({@link OffHeapSizing#mapOverhead}), plus every extra tier the map has allocated since
         * (tiers are never given back). The share follows every key; the other two parts are
         * recomputed when the key count has moved by more than 1/64.
         */
        long cost() {
            long k = keys;
            if (costKeys < 0 || Math.abs(k - costKeys) > Math.max(16, costKeys >> 6)) {
                // The slow parts (an exponential, Chronicle's walk over its tiers), refreshed when
                // the key count has moved by 1/64. The share is exact per key: cached with them it
                // was up to 1/64 of the map's cost stale, megabytes of used_memory that eviction
                // did not see.
                overhead = OffHeapSizing.mapOverhead(map.segments(), k);
                tiers = Math.max(0, map.offHeapMemoryUsed() - reserved);
                costKeys = k;
            }
            return Math.max((long) (k * reservedPerEntry), overhead) + tiers;
        }
    }
    private LargeValueStore large = new LargeValueStore();
    /**
     * The collection keys: key → {@link HeapObject}, {@code aux} = expiry. Authoritative for a
     * collection's value, type, expiry and LRU clock, so reads and in-place writes of collections
     * never touch Chronicle (see the class comment).
     */
    private KeyTable objectIndex = new KeyTable();
    /** The collections' bytes as last measured (the sum of their {@link HeapObject#bytes}). */
    private long objectBytes;
    private final SplittableRandom random = new SplittableRandom();
    private final List<byte[]> scratch = new ArrayList<>();
    private final List<byte[]> expiredScratch = new ArrayList<>();
    /** The key of the operation in progress, as Chronicle reads it (reused: no wrapper per query). */
    private final HeapData keyData = new HeapData(0);
    /** The record being written (reused: built here, copied into the map by Chronicle). */
    private final HeapData recData = new HeapData(128);
    private long count;
    private long entryBytes;
    /** Where {@link #readString} copies an inline value for its sink (reused; grows to the largest inline value read). */
    private byte[] valueScratch = new byte[256];
    /** The reference {@link #refOf} noted: its kind, and for a large value its id and length. */
    private int refKind;
    private long refId;
    private long refLength;

    /**
     * An entry of {@link #objectIndex}, the index's node itself (key, hash, chain link, expiry in
     * {@code aux}) with the collection in {@code value}, its type and LRU clock: a lookup reaches
     * the collection's fields in the object it compares the hash in. A string's entry
     * ({@link #putMutableString}) is a {@link MutableString}, whose {@code value} is null.
     */
    static class HeapObject extends KeyTable.Node {
        /**
         * Heap bytes of one beyond what {@link KeyTable#estimatedBytes} counts for a node: the
         * type, the LRU clock and {@link #accounted}.
         */
        static final long BYTES = 16;
        final ValueType type;
        int lru;
        /**
         * What it is counted for in {@code objectBytes}: a collection as last measured
         * ({@link BaseDatabase#collectionBytes}), a string for its own fields and buffer
         * ({@link #heapStringCost}, kept as it changes in place).
         */
        long accounted;

        HeapObject(byte[] key, ValueType type, Object value, int lru) {
            super(key, KeyTable.hash(key));
            this.type = type;
            this.value = value;
            this.lru = lru;
        }
    }

    OffHeapDatabase(int index, Hooks hooks, OffHeapSizing sizing) {
        super(index, hooks);
        this.sizing = sizing;
    }

    @Override
    public long size() {
        return count;
    }

    int shardCount() {
        return shards.size();
    }

    /** For tests: the map new keys go into (null before the first write). */
    ChronicleMap<byte[], byte[]> newestMap() {
        return shards.isEmpty() ? null : shards.get(shards.size() - 1).map;
    }

    /** For tests: whether the map to replace the newest one was asked for ahead. */
    boolean growthPrepared() {
        return !shards.isEmpty() && shards.get(shards.size() - 1).growthPrepared;
    }

    /** For tests and diagnostics: each map's entries, keys, reservation now and at creation. */
    String describeShards() {
        StringBuilder sb = new StringBuilder();
        for (Shard sh : shards) {
            sb.append(String.format("[entries %d keys %d allocated %d reserved %d cost %d] ", sh.entries, sh.keys,
                    sh.map.offHeapMemoryUsed(), sh.reserved, sh.cost()));
        }
        return sb.toString();
    }

    /** Off-heap and heap bytes this database holds (estimate of Chronicle entry space in use, collections as last measured). */
    long usedBytes() {
        return offHeapBytes() + expires.estimatedBytes() + objectIndex.estimatedBytes()
                + objectIndex.size() * HeapObject.BYTES + objectBytes;
    }

    /**
     * Bytes outside the Java heap: the maps (each {@link Shard#cost()}, or the entries' own size
     * when that is more) and the large values.
     */
    long offHeapBytes() {
        long maps = 0;
        for (int i = 0, n = shards.size(); i < n; i++) {
            maps += shards.get(i).cost();
        }
        return Math.max(entryBytes, maps) + large.usedBytes();
    }

    /** Estimated Chronicle space of one entry: chunk-rounded key + record and size fields (the map's part is {@link OffHeapSizing#mapOverhead}). */
    static long entryCost(long keyLen, long recordLen) {
        return 10 + ((keyLen + recordLen + 2 + 7) & ~7L);
    }

    // ------------------------------------------------------------------ reads

    @Override
    public StoredValue get(byte[] key) {
        return read(key, true);
    }

    @Override
    public StoredValue peek(byte[] key) {
        return read(key, false);
    }

    @Override
    public Object collection(byte[] key, boolean touch) {
        return collection(key, touch, false);
    }

    @Override
    Object collectionForWrite(byte[] key) {
        return collection(key, true, true);
    }

    /**
     * {@link #collection(byte[], boolean)}: a collection's payload straight from its
     * {@link #objectIndex} entry (no {@link StoredValue}); with {@code written}, its memory is
     * measured again later ({@link BaseDatabase#collectionForWrite}).
     */
    private Object collection(byte[] key, boolean touch, boolean written) {
        if (objectIndex.size() > 0) {
            KeyTable.Node n = objectIndex.find(key);
            if (n != null) {
                long now = hooks.now();
                HeapObject o = liveObject(n, key, touch, now, hooks.expiryNow(now));
                if (o == null) {
                    return null; // expired
                }
                if (o.type == ValueType.STRING) {
                    return STRING_VALUE;
                }
                if (written) {
                    hooks.collectionWritten(this, n.key, o.value);
                }
                return o.value;
            }
        }
        return payload(read(key, touch)); // a string, or no key
    }

    private static Object payload(StoredValue v) {
        return v == null ? null : v.type() == ValueType.STRING ? STRING_VALUE : v.object();
    }

    private StoredValue read(byte[] key, boolean touch) {
        long now = hooks.now();
        long expiryNow = hooks.expiryNow(now);
        if (objectIndex.size() > 0) {
            KeyTable.Node n = objectIndex.find(key);
            if (n != null) {
                return readObject(n, key, touch, now, expiryNow);
            }
        }
        HeapData k = keyData.of(key);
        for (int s = 0; s < shards.size(); s++) {
            ChronicleMap<byte[], byte[]> m = shards.get(s).map;
            try (ExternalMapQueryContext<byte[], byte[], ?> c = m.queryContext(k)) {
                c.updateLock().lock();
                MapEntry<byte[], byte[]> e = c.entry();
                if (e == null) {
                    continue;
                }
                Data<byte[]> d = e.value();
                RandomDataInput in = d.bytes();
                long off = d.offset();
                int header = Record.header(in, off);
                long exp = Record.expireAt(in, off, header);
                if (exp != StoredValue.NO_EXPIRY && exp <= expiryNow) {
                    removeEntry(shards.get(s), c, e, key, true);
                    expired(key);
                    return null;
                }
                if (touch) {
                    d = touch(c, e, d, key, header, exp, now);
                    in = d.bytes();
                    off = d.offset();
                    header = Record.header(in, off);
                }
                long size = d.size();
                int lru = Record.lru(header);
                return decode(key, in, off, size, header, exp, lru);
            }
        }
        return null;
    }

    /**
     * Records an access in the entry's LRU/LFU field ({@link Hooks#access}), rewriting it only if it
     * changed (update lock held); returns the entry's value now.
     */
    private Data<byte[]> touch(ExternalMapQueryContext<byte[], byte[], ?> c, MapEntry<byte[], byte[]> e, Data<byte[]> d,
                               byte[] key, int header, long exp, long now) {
        hooks.lastTouched = key;
        int clock = hooks.access(Record.lru(header), now);
        if (clock == Record.lru(header)) {
            return d;
        }
        RandomDataInput in = d.bytes();
        if (in instanceof RandomDataOutput) {
            Record.writeLru((RandomDataOutput) in, d.offset(), clock); // in place: the record's size does not change
            return d;
        }
        c.replaceValue(e, Record.withHeader(recData, in, d.offset(), d.size(), exp, clock, Record.mark(header)));
        return e.value();
    }

    @Override
    public int readString(byte[] key, boolean touch, StringSink sink) {
        // The map first, the heap index only for a record that says its value is there: a GET of an
        // ordinary string costs one lookup however many collections and counters the heap holds.
        boolean onHeap = false;
        long now = hooks.now();
        long expiryNow = hooks.expiryNow(now);
        HeapData k = keyData.of(key);
        for (int s = 0; s < shards.size(); s++) {
            try (ExternalMapQueryContext<byte[], byte[], ?> c = shards.get(s).map.queryContext(k)) {
                c.updateLock().lock();
                MapEntry<byte[], byte[]> e = c.entry();
                if (e == null) {
                    continue;
                }
                Data<byte[]> d = e.value();
                RandomDataInput in = d.bytes();
                long off = d.offset();
                int header = Record.header(in, off);
                if (Record.kind(header) == Record.OBJECT) {
                    onHeap = true;
                    break;
                }
                long exp = Record.expireAt(in, off, header);
                if (exp != StoredValue.NO_EXPIRY && exp <= expiryNow) {
                    byte[] kept = key.clone(); // the caller may reuse key; a snapshot or listener may keep this
                    removeEntry(shards.get(s), c, e, kept, true);
                    expired(kept);
                    return MISSING;
                }
                if (touch) {
                    d = touch(c, e, d, key, header, exp, now);
                    in = d.bytes();
                    off = d.offset();
                }
                if (Record.type(header) != ValueType.STRING) {
                    return NOT_STRING;
                }
                int p = Record.payloadOffset(header);
                if (Record.kind(header) == Record.LARGE) {
                    byte[] b = large.load(Record.readLongLE(in, off + p), Record.readLongLE(in, off + p + 8));
                    sink.accept(b, 0, b.length);
                    return STRING;
                }
                // Copied while the entry is locked into one reused array: no allocation per GET.
                int n = (int) (d.size() - p);
                if (valueScratch.length < n) {
                    valueScratch = new byte[Math.max(n, valueScratch.length * 2)];
                }
                in.read(off + p, valueScratch, 0, n);
                sink.accept(valueScratch, 0, n);
                return STRING;
            }
        }
        if (onHeap) {
            // a collection or a string held on the heap (or just expired: the copy is what the expiry's listeners may keep)
            return Database.passString(read(key.clone(), touch), sink);
        }
        return MISSING;
    }

    /** A collection, read through the heap index: no Chronicle access unless it has expired. */
    private StoredValue readObject(KeyTable.Node n, byte[] key, boolean touch, long now, long expiryNow) {
        HeapObject o = liveObject(n, key, touch, now, expiryNow);
        return o == null ? null : decoded(o, n.aux);
    }

    /**
     * The {@link #objectIndex} entry {@code n} of {@code key} with the access recorded if
     * {@code touch}; null once it has expired (the key is then removed).
     */
    private HeapObject liveObject(KeyTable.Node n, byte[] key, boolean touch, long now, long expiryNow) {
        if (n.aux != StoredValue.NO_EXPIRY && n.aux <= expiryNow) {
            if (removeIfExpired(key, expiryNow)) {
                expired(key);
            }
            return null;
        }
        HeapObject o = (HeapObject) n;
        if (touch) {
            o.lru = hooks.access(o.lru, now);
            hooks.lastTouched = key;
        }
        return o;
    }

    /** The value of an {@link #objectIndex} entry: a collection, or a string's bytes (an array nobody changes). */
    private static StoredValue decoded(HeapObject o, long exp) {
        return o.type == ValueType.STRING
                ? StoredValue.decodedString(((MutableString) o).frozen(), exp, o.lru, ((MutableString) o).raw())
                : StoredValue.decoded(o.type, null, o.value, exp, o.lru);
    }

    /** The value of an {@link #objectIndex} entry for a snapshot: a copy nothing changes. */
    private static Object frozenValue(HeapObject o) {
        return o.type == ValueType.STRING ? ((MutableString) o).frozen() : Snapshot.frozenCopy(o.value);
    }

    private StoredValue decode(byte[] key, RandomDataInput in, long off, long size, int header, long exp, int lru) {
        ValueType type = Record.type(header);
        int p = Record.payloadOffset(header);
        switch (Record.kind(header)) {
            case Record.INLINE: {
                byte[] b = new byte[(int) (size - p)];
                in.read(off + p, b, 0, b.length);
                return type == ValueType.STRING ? StoredValue.decodedString(b, exp, lru, Record.raw(header))
                        : StoredValue.decoded(type, b, null, exp, lru);
            }
            case Record.LARGE:
                return StoredValue.decoded(type,
                        large.load(Record.readLongLE(in, off + p), Record.readLongLE(in, off + p + 8)), null, exp, lru);
            default: {
                // Collections (and heap strings) are read through objectIndex; its entry is the truth for them.
                KeyTable.Node n = objectIndex.find(key);
                return decoded((HeapObject) n, n.aux);
            }
        }
    }

    @Override
    public boolean exists(byte[] key) {
        return expireAtOrMissing(key) != -2;
    }

    @Override
    public long expireAt(byte[] key) {
        return expireAtOrMissing(key);
    }

    /** Expiry of a live key (NO_EXPIRY for none), -2 if missing; removes it if expired. */
    private long expireAtOrMissing(byte[] key) {
        long now = hooks.expiryNow();
        if (objectIndex.size() > 0) {
            KeyTable.Node n = objectIndex.find(key);
            if (n != null) {
                if (n.aux != StoredValue.NO_EXPIRY && n.aux <= now) {
                    if (removeIfExpired(key, now)) {
                        expired(key);
                    }
                    return -2;
                }
                return n.aux;
            }
        }
        for (int s = 0; s < shards.size(); s++) {
            try (ExternalMapQueryContext<byte[], byte[], ?> c = shards.get(s).map.queryContext(keyData.of(key))) {
                c.updateLock().lock();
                MapEntry<byte[], byte[]> e = c.entry();
                if (e == null) {
                    continue;
                }
                Data<byte[]> d = e.value();
                long exp = Record.expireAt(d.bytes(), d.offset());
                if (exp != StoredValue.NO_EXPIRY && exp <= now) {
                    removeEntry(shards.get(s), c, e, key, true);
                    expired(key);
                    return -2;
                }
                return exp;
            }
        }
        return -2;
    }

    // ------------------------------------------------------------------ writes

    @Override
    public void put(byte[] key, StoredValue value) {
        put(key, value, false, false);
    }

    @Override
    public void load(byte[] key, StoredValue value) {
        // As direct(): while a snapshot runs, every write takes the path that knows about it.
        put(key, value, false, hooks.snapshot == null);
    }

    @Override
    public void putMutableString(byte[] key, byte[] bytes, long expireAt) {
        if (objectIndex.size() > 0) {
            KeyTable.Node n = objectIndex.find(key);
            if (n != null && n.aux == expireAt && ((HeapObject) n).type == ValueType.STRING) {
                // Already on the heap with this expiry: only the index entry changes.
                if (hooks.snapshot != null) {
                    snapshotBeforeInPlace(key.clone(), hooks.snapshot);
                }
                MutableString m = (MutableString) n;
                m.bytes = bytes;
                m.length = bytes.length;
                m.shared = false;
                m.lru = hooks.access(m.lru, hooks.now());
                mutableStringChanged(key, m);
                return;
            }
        }
        put(keptCopy(key), StoredValue.string(bytes, expireAt), true, false);
    }

    @Override
    public MutableString mutableString(byte[] key) {
        MutableString m = counter(key);
        if (m != null) {
            m.unshare(); // the digits written and a private buffer, for the caller to change
        }
        return m;
    }

    @Override
    public MutableString counter(byte[] key) {
        if (objectIndex.size() == 0) {
            return null;
        }
        KeyTable.Node n = objectIndex.find(key);
        if (n == null || ((HeapObject) n).type != ValueType.STRING) {
            return null;
        }
        long now = hooks.now();
        if (n.aux != StoredValue.NO_EXPIRY && n.aux <= hooks.expiryNow(now)) {
            return null; // the caller's get() removes it
        }
        HeapObject o = (HeapObject) n;
        o.lru = hooks.access(o.lru, now);
        if (hooks.snapshot != null) {
            snapshotBeforeInPlace(key.clone(), hooks.snapshot); // hands the value over before it changes
        }
        return (MutableString) o;
    }

    @Override
    public void counterChanged(byte[] key, MutableString m) {
        modified(hooks.trackChanges ? key.clone() : key); // a change listener may keep the key
    }

    @Override
    public void mutableStringChanged(byte[] key, MutableString m) {
        m.forgetNumber();
        modified(hooks.trackChanges ? key.clone() : key); // a change listener may keep the key
        long cost = heapStringCost(m);
        objectBytes += cost - m.accounted;
        m.accounted = cost;
    }

    /**
     * Bytes a string held in {@link #objectIndex} is counted for beyond its entry's node and
     * {@link HeapObject#BYTES}: its own fields, the buffer's array header and the buffer.
     */
    private static long heapStringCost(MutableString m) {
        return 24 + 16 + ((m.bytes.length + 7) & ~7L);
    }

    /**
     * {@link #put}; with {@code onHeap} a string goes into {@link #objectIndex} as collections do.
     * {@code loading}: the key is most likely new (a load), so its record is first offered to
     * {@link #insertIntoSegment}.
     */
    private void put(byte[] key, StoredValue value, boolean onHeap, boolean loading) {
        modified(key);
        if (shards.isEmpty()) {
            addShard(sizing.initialEntries());
        } else if (shards.size() > 1) {
            migrateStep(MIGRATE_PER_WRITE);
        }
        long exp = value.expireAt();
        boolean fresh = value.lruOrLfu() == 0;
        int lru = fresh ? hooks.initialAccess(hooks.now()) : value.lruOrLfu();
        long largeId = 0;
        HeapData rec;
        boolean indexed = onHeap || value.type() != ValueType.STRING;
        if (!indexed) {
            byte[] b = value.bytes();
            if (b.length > Record.INLINE_MAX) {
                largeId = large.store(b);
                rec = Record.large(recData, ValueType.STRING, exp, lru, hooks.mark, largeId, b.length);
            } else {
                rec = Record.inline(recData, ValueType.STRING, exp, lru, hooks.mark, b, value.raw());
            }
        } else {
            rec = Record.object(recData, value.type(), exp, lru, hooks.mark);
        }
        try {
            if (!loading || !insertIntoSegment(key, rec)) {
                lru = store(key, rec, value, lru, fresh && hooks.lfu);
            }
        } catch (RuntimeException e) {
            if (largeId != 0) {
                large.free(largeId, value.bytes().length);
            }
            throw e;
        }
        if (indexed) {
            // After the record is stored (a full keyspace throws above and leaves the index as it was).
            HeapObject o;
            if (onHeap) {
                MutableString m = new MutableString(key, value.bytes(), value.bytes().length, lru);
                m.accounted = heapStringCost(m);
                o = m;
            } else {
                o = new HeapObject(key, value.type(), value.object(), lru);
                o.accounted = collectionBytes(value.object());
            }
            o.aux = exp;
            objectBytes += o.accounted;
            HeapObject replaced = (HeapObject) objectIndex.put(o);
            if (replaced != null) {
                objectBytes -= replaced.accounted;
            }
            if (!onHeap) {
                hooks.collectionWritten(this, key, value.object()); // it may be filled in place next
            }
        }
        if (exp != StoredValue.NO_EXPIRY || expires.size() > 0) {
            indexExpiry(key, exp);
        }
    }

    /** Strings up to this long are written by {@link #putString} straight from the caller's array. */
    static final int PUT_STRING_DIRECT = 1024;

    @Override
    public void putString(byte[] key, byte[] value, long expireAt) {
        if (!direct(value.length, expireAt)) {
            put(keptCopy(key), StoredValue.string(value.clone(), expireAt));
            return;
        }
        putStringDirect(key, value, 0, value.length, 0, false);
    }

    @Override
    public void loadString(byte[] bytes, int keyOffset, int keyLength, int valueOffset, int valueLength, long expireAt,
                           int lruOrLfu) {
        if (!direct(valueLength, expireAt)) {
            super.loadString(bytes, keyOffset, keyLength, valueOffset, valueLength, expireAt, lruOrLfu);
            return;
        }
        putStringDirect(loadKey(bytes, keyOffset, keyLength), bytes, valueOffset, valueLength, lruOrLfu, true);
    }

    /**
     * Whether a string of {@code length} bytes expiring at {@code expireAt} may be written by
     * {@link #putStringDirect}: otherwise something keeps the key (the expiry index, a change
     * listener, a snapshot) or the value (the large store), and the general path copies both.
     */
    private boolean direct(int length, long expireAt) {
        return length <= PUT_STRING_DIRECT && expireAt == StoredValue.NO_EXPIRY && !hooks.trackChanges
                && hooks.snapshot == null;
    }

    /** Keys up to this long are copied by {@link #loadKey} into an array of this database's, one per length. */
    private static final int LOAD_KEY_REUSED = 64;
    private final byte[][] loadKeys = new byte[LOAD_KEY_REUSED + 1][];

    /** The key at {@code bytes[offset, offset + length)} in an array of exactly its length, reused for short keys. */
    private byte[] loadKey(byte[] bytes, int offset, int length) {
        byte[] key;
        if (length > LOAD_KEY_REUSED) {
            key = new byte[length];
        } else if ((key = loadKeys[length]) == null) {
            key = loadKeys[length] = new byte[length];
        }
        System.arraycopy(bytes, offset, key, 0, length);
        return key;
    }

    /**
     * Writes an inline string without expiry straight into the map: {@code key} and
     * {@code value[offset, offset + length)} are copied into the record, nothing below keeps
     * either (the callers made sure: no expiry index entry, change listener or snapshot), so the
     * caller may reuse both. {@code lruOrLfu} 0: a fresh key's access data. {@code loading}: the
     * key is most likely new (a start-up load), so it is first offered to {@link #insertIntoSegment}.
     */
    private void putStringDirect(byte[] key, byte[] value, int offset, int length, int lruOrLfu, boolean loading) {
        modified(key);
        if (shards.isEmpty()) {
            addShard(sizing.initialEntries());
        } else if (shards.size() > 1) {
            migrateStep(MIGRATE_PER_WRITE);
        }
        boolean fresh = lruOrLfu == 0;
        int lru = fresh ? hooks.initialAccess(hooks.now()) : lruOrLfu;
        HeapData rec = Record.inline(recData, ValueType.STRING, StoredValue.NO_EXPIRY, lru, hooks.mark, value, offset,
                length, false);
        if (!loading || !insertIntoSegment(key, rec)) {
            store(key, rec, null, lru, fresh && hooks.lfu);
        }
        if (expires.size() > 0) {
            expires.remove(key);
        }
    }

    /**
     * Inserts {@code key} with {@code rec} through {@link SegmentInsert} if the key is absent, the
     * database has one map and that map's segment has room; returns whether it did (otherwise
     * nothing changed, and {@link #store} does the write).
     */
    private boolean insertIntoSegment(byte[] key, HeapData rec) {
        if (shards.size() != 1) {
            return false;
        }
        Shard shard = shards.get(0);
        if (shard.segments == null
                || shard.segments.insert(key, 0, key.length, rec.array(), (int) rec.size()) != SegmentInsert.INSERTED) {
            return false;
        }
        count++;
        shard.keys++;
        entryBytes += entryCost(key.length, rec.size());
        growEarly(shard);
        return true;
    }

    /**
     * Writes {@code rec} (whose access field is {@code lru}) under {@code key}. {@code keepLfu}: the
     * record carries a new key's LFU data, to be replaced by the existing key's (counting this write
     * as an access) when the key exists. Returns the access field stored.
     */
    private int store(byte[] key, HeapData rec, StoredValue value, int lru, boolean keepLfu) {
        HeapData k = keyData.of(key);
        for (int s = 0; s < shards.size(); s++) {
            Shard shard = shards.get(s);
            ChronicleMap<byte[], byte[]> m = shard.map;
            try (ExternalMapQueryContext<byte[], byte[], ?> c = m.queryContext(k)) {
                c.updateLock().lock();
                MapEntry<byte[], byte[]> e = c.entry();
                if (e == null) {
                    if (s == shards.size() - 1) {
                        // Absent everywhere: insert into the newest map with this same lookup.
                        try {
                            c.insert(c.absentEntry(), rec);
                            count++;
                            shard.keys++;
                            entryBytes += entryCost(key.length, rec.size());
                            growEarly(shard);
                            return lru;
                        } catch (IllegalStateException | IllegalArgumentException full) {
                            rethrowIfClosed(m, full);
                            break; // insertNew grows the keyspace or stores the value as large
                        }
                    }
                    continue;
                }
                Data<byte[]> d = e.value();
                if (hooks.snapshot != null) {
                    handOver(key, d);
                }
                long oldSize = d.size();
                refOf(d.bytes(), d.offset());
                if (keepLfu) {
                    lru = hooks.overwrite(accessOf(key, d.bytes(), d.offset()), key, hooks.now());
                    Record.lru(rec, lru);
                }
                try {
                    c.replaceValue(e, rec);
                } catch (IllegalStateException | IllegalArgumentException full) {
                    rethrowIfClosed(m, full);
                    // No room in this segment for the bigger record: it moves to the newest shard.
                    insertNew(key, rec, shard, value);
                    removeEntry(shard, c, c.entry(), key, false);
                    return lru;
                }
                entryBytes += entryCost(key.length, rec.size()) - entryCost(key.length, oldSize);
                freeRef(key);
                return lru;
            }
        }
        insertNew(key, rec, null, value);
        return lru;
    }

    /** The access field of the stored record at {@code off} of {@code key} (a collection's is in its index entry). */
    private int accessOf(byte[] key, RandomDataInput in, long off) {
        int header = Record.header(in, off);
        if (Record.kind(header) == Record.OBJECT) {
            KeyTable.Node n = objectIndex.find(key);
            if (n != null) {
                return ((HeapObject) n).lru;
            }
        }
        return Record.lru(header);
    }

    /** Inserts an absent key into the newest shard (never {@code avoid}), growing when it is full. */
    private void insertNew(byte[] key, HeapData rec, Shard avoid, StoredValue value) {
        while (true) {
            Shard target = shards.get(shards.size() - 1);
            if (target == avoid) {
                grow();
                continue;
            }
            ChronicleMap<byte[], byte[]> m = target.map;
            try (ExternalMapQueryContext<byte[], byte[], ?> c = m.queryContext(keyData.of(key))) {
                c.updateLock().lock();
                c.insert(c.absentEntry(), rec);
                count++;
                target.keys++;
                entryBytes += entryCost(key.length, rec.size());
                return;
            } catch (IllegalArgumentException tooLarge) {
                // An inline record bigger than this map's entries may be: keep it in the large store.
                if (value == null || value.type() != ValueType.STRING || Record.kind(rec) != Record.INLINE) {
                    throw tooLarge;
                }
                byte[] b = value.bytes();
                long id = large.store(b);
                rec = Record.large(recData, ValueType.STRING, value.expireAt(), Record.lru(rec), hooks.mark, id, b.length);
            } catch (IllegalStateException full) {
                rethrowIfClosed(m, full);
                grow();
            }
        }
    }

    private static void rethrowIfClosed(ChronicleMap<?, ?> m, RuntimeException e) {
        if (e instanceof ClosedIllegalStateException || m.isClosed()) {
            throw e;
        }
    }

    private void addShard(long entries) {
        shards.add(new Shard(nextShardId++, sizing.newMap(entries), entries));
    }

    /**
     * The newest map is full: add a bigger one and move the older maps' entries into it step by
     * step (on writes and in the background cycle), as Redis rehashes incrementally. Refused when
     * the memory budget is used up.
     */
    private void grow() {
        if (sizing.atBudget()) {
            throw new KeyspaceFullException("keyspace memory budget of " + sizing.budgetBytes()
                    + " bytes reached (maxmemory or the machine's memory)");
        }
        if (shards.size() == 1) {
            migrateSegment = 0;
        }
        long entries = sizing.nextEntries(shards.get(shards.size() - 1).entries, count, averageEntry());
        ChronicleMap<byte[], byte[]> map = sizing.takeGrowth(entries, averageEntry());
        shards.add(new Shard(nextShardId++, map != null ? map : sizing.newMap(entries, averageEntry()), entries));
    }

    private long averageEntry() {
        return count > 0 ? entryBytes / count : OffHeapSizing.AVERAGE_KEY + OffHeapSizing.AVERAGE_RECORD;
    }

    /**
     * Replaces the only map by a bigger one as soon as its keys pass {@link OffHeapSizing#TARGET_FILL}
     * of its entries, before it allocates extra tiers (which are never given back), when the budget
     * allows a bigger one.
     */
    private void growEarly(Shard shard) {
        if (shards.size() != 1 || shard.keys <= shard.prepareAt || sizing.atBudget()) {
            return;
        }
        if (!shard.growthPrepared) {
            // The bigger map is made ahead on the map worker: making one of 1 M entries or more takes
            // milliseconds (5 ms for 1 M, 11 ms for 4 M here), which the write that grows would wait.
            shard.growthPrepared = true;
            long expected = (long) (shard.entries * OffHeapSizing.TARGET_FILL);
            sizing.prepareGrowth(sizing.nextEntries(shard.entries, expected, averageEntry()), averageEntry());
        }
        if (shard.keys <= shard.entries * OffHeapSizing.TARGET_FILL) {
            return;
        }
        if (sizing.nextEntries(shard.entries, count, averageEntry()) > shard.entries + shard.entries / 4) {
            grow();
        }
    }

    /**
     * Entries moved from an older map into the newest one per write while a migration runs. Each
     * step walks a segment's hash lookup from its start over the slots already emptied, so small
     * steps spend more on walking than on moving: 1 M fresh keys put in-process took 1.9-2.0 s with
     * 32 per write, 1.3-1.4 s with 128 (a put that migrates: 99.9th percentile 43 vs 80 µs).
     */
    static final int MIGRATE_PER_WRITE = 128;

    /** Moves up to {@code max} entries from the oldest map into the newest; closes maps left empty. */
    void migrateStep(int max) {
        int[] moved = {0};
        boolean[] blocked = {false};
        while (moved[0] < max && shards.size() > 1 && !blocked[0]) {
            Shard from = shards.get(0);
            Shard toShard = shards.get(shards.size() - 1);
            ChronicleMap<byte[], byte[]> to = toShard.map;
            if (migrateSegment >= from.map.segments()) {
                OffHeapSizing.retire(from.map);
                shards.remove(0);
                migrateSegment = 0;
                continue;
            }
            int limit = max - moved[0];
            int[] seen = {0};
            try (MapSegmentContext<byte[], byte[], ?> c = from.map.segmentContext(migrateSegment)) {
                // Entries are copied straight from one map's memory into the other's, then removed here.
                c.forEachSegmentEntryWhile(e -> {
                    seen[0]++;
                    try (ExternalMapQueryContext<byte[], byte[], ?> t = to.queryContext(e.key())) {
                        t.updateLock().lock();
                        MapAbsentEntry<byte[], byte[]> absent = t.absentEntry();
                        if (absent != null) {
                            t.insert(absent, e.value());
                        }
                    } catch (IllegalStateException | IllegalArgumentException full) {
                        rethrowIfClosed(to, full);
                        blocked[0] = true; // the newest map is full: a later write grows it again
                        return false;
                    }
                    e.doRemove();
                    from.keys--;
                    toShard.keys++;
                    moved[0]++;
                    return seen[0] < limit;
                });
            }
            if (!blocked[0] && seen[0] < limit) {
                migrateSegment++; // the segment is empty now
            }
        }
    }

    @Override
    void background(long deadlineNanos) {
        sizing.dropStaleGrowth();
        while (shards.size() > 1) {
            migrateStep(256);
            if (System.nanoTime() >= deadlineNanos) {
                return;
            }
        }
        rehashTables(deadlineNanos);
    }

    @Override
    void rehashTables(long deadlineNanos) {
        rehash(objectIndex, deadlineNanos);
        super.rehashTables(deadlineNanos);
    }

    /**
     * Notes the payload reference of the record at {@code off}, to free with {@link #freeRef} once the
     * record is replaced or removed (fields, not an object: one reference is in flight at a time).
     */
    private void refOf(RandomDataInput in, long off) {
        int header = Record.header(in, off);
        refKind = Record.kind(header);
        if (refKind == Record.LARGE) {
            int p = Record.payloadOffset(header);
            refId = Record.readLongLE(in, off + p);
            refLength = Record.readLongLE(in, off + p + 8);
        }
    }

    /** Frees what {@link #refOf} noted: a large value, or the heap index entry of a collection. */
    private void freeRef(byte[] key) {
        if (refKind == Record.LARGE) {
            large.free(refId, refLength);
        } else if (refKind == Record.OBJECT) {
            KeyTable.Node n = objectIndex.remove(key);
            if (n != null) {
                objectBytes -= ((HeapObject) n).accounted;
            }
        }
        refKind = Record.INLINE;
    }

    /** Removes the entry the context holds (update lock held), freeing its payload and index entry. */
    private void removeEntry(Shard shard, ExternalMapQueryContext<byte[], byte[], ?> c, MapEntry<byte[], byte[]> e,
                             byte[] key, boolean unindex) {
        Data<byte[]> d = e.value();
        if (hooks.snapshot != null) {
            handOver(key, d);
        }
        RandomDataInput in = d.bytes();
        long off = d.offset();
        boolean hadExpiry = Record.hasExpiry(in, off);
        refOf(in, off);
        long size = d.size();
        c.remove(e);
        count--;
        shard.keys--;
        entryBytes -= entryCost(key.length, size);
        freeRef(key);
        if (unindex && hadExpiry) {
            expires.remove(key);
        }
    }

    @Override
    public boolean remove(byte[] key) {
        long now = hooks.expiryNow();
        for (int s = 0; s < shards.size(); s++) {
            try (ExternalMapQueryContext<byte[], byte[], ?> c = shards.get(s).map.queryContext(keyData.of(key))) {
                c.updateLock().lock();
                MapEntry<byte[], byte[]> e = c.entry();
                if (e == null) {
                    continue;
                }
                Data<byte[]> d = e.value();
                long exp = Record.expireAt(d.bytes(), d.offset());
                removeEntry(shards.get(s), c, e, key, true);
                if (exp != StoredValue.NO_EXPIRY && exp <= now) {
                    expired(key);
                    return false;
                }
                modified(key);
                return true;
            }
        }
        return false;
    }

    @Override
    boolean removeIfExpired(byte[] key, long now) {
        for (int s = 0; s < shards.size(); s++) {
            try (ExternalMapQueryContext<byte[], byte[], ?> c = shards.get(s).map.queryContext(keyData.of(key))) {
                c.updateLock().lock();
                MapEntry<byte[], byte[]> e = c.entry();
                if (e == null) {
                    continue;
                }
                Data<byte[]> d = e.value();
                long exp = Record.expireAt(d.bytes(), d.offset());
                if (exp != StoredValue.NO_EXPIRY && exp <= now) {
                    removeEntry(shards.get(s), c, e, key, true);
                    return true;
                }
                return false;
            }
        }
        expires.remove(key);
        return false;
    }

    @Override
    public boolean setExpireAt(byte[] key, long at) {
        long now = hooks.expiryNow();
        for (int s = 0; s < shards.size(); s++) {
            ChronicleMap<byte[], byte[]> m = shards.get(s).map;
            try (ExternalMapQueryContext<byte[], byte[], ?> c = m.queryContext(keyData.of(key))) {
                c.updateLock().lock();
                MapEntry<byte[], byte[]> e = c.entry();
                if (e == null) {
                    continue;
                }
                Data<byte[]> d = e.value();
                RandomDataInput in = d.bytes();
                long off = d.offset();
                long exp = Record.expireAt(in, off);
                if (exp != StoredValue.NO_EXPIRY && exp <= now) {
                    removeEntry(shards.get(s), c, e, key, true);
                    expired(key);
                    return false;
                }
                modified(key);
                if (exp == at) {
                    return true;
                }
                if (hooks.snapshot != null) {
                    handOver(key, d);
                }
                long oldSize = d.size();
                boolean object = Record.kind(in, off) == Record.OBJECT;
                HeapData rec = Record.withHeader(recData, in, off, oldSize, at, Record.lru(in, off), hooks.mark);
                try {
                    c.replaceValue(e, rec);
                } catch (IllegalStateException full) {
                    rethrowIfClosed(m, full);
                    insertNew(key, rec, shards.get(s), null);
                    // The payload reference moved with the record: remove the old entry without freeing it.
                    c.remove(c.entry());
                    count--;
                    shards.get(s).keys--;
                    entryBytes -= entryCost(key.length, oldSize);
                    indexExpiry(key, at);
                    if (object) {
                        objectIndex.find(key).aux = at;
                    }
                    return true;
                }
                entryBytes += entryCost(key.length, rec.size()) - entryCost(key.length, oldSize);
                indexExpiry(key, at);
                if (object) {
                    objectIndex.find(key).aux = at;
                }
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ accounting and eviction

    @Override
    void remeasure(byte[] key, Object payload) {
        KeyTable.Node n = objectIndex.size() > 0 ? objectIndex.find(key) : null;
        if (n == null || payload == null || n.value != payload) {
            return; // replaced or removed since
        }
        HeapObject o = (HeapObject) n;
        long bytes = collectionBytes(o.value);
        objectBytes += bytes - o.accounted;
        o.accounted = bytes;
    }

    @Override
    long probe(byte[] key) {
        if (objectIndex.size() > 0) {
            KeyTable.Node n = objectIndex.find(key);
            if (n != null) {
                return (((HeapObject) n).lru & 0xFFFFFFFFL) | ON_HEAP; // a collection: on the heap
            }
        }
        for (int s = 0; s < shards.size(); s++) {
            try (ExternalMapQueryContext<byte[], byte[], ?> c = shards.get(s).map.queryContext(keyData.of(key))) {
                c.readLock().lock();
                MapEntry<byte[], byte[]> e = c.entry();
                if (e != null) {
                    Data<byte[]> d = e.value();
                    int header = Record.header(d.bytes(), d.offset());
                    boolean heap = Record.kind(header) == Record.OBJECT || Record.expireAt(d.bytes(), d.offset(), header) != StoredValue.NO_EXPIRY;
                    return Record.lru(header) | (heap ? ON_HEAP : 0);
                }
            }
        }
        return -1;
    }

    @Override
    boolean removeForEviction(byte[] key) {
        for (int s = 0; s < shards.size(); s++) {
            try (ExternalMapQueryContext<byte[], byte[], ?> c = shards.get(s).map.queryContext(keyData.of(key))) {
                c.updateLock().lock();
                MapEntry<byte[], byte[]> e = c.entry();
                if (e != null) {
                    removeEntry(shards.get(s), c, e, key, true);
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Collections from the heap index and keys with a TTL from the expiry index, in proportion to
     * the two indexes' sizes: both are heap tables with O(1) random picks.
     */
    @Override
    void sampleHeapKeys(int count, Sampler sink) {
        for (int i = 0; i < count; i++) {
            long objects = objectIndex.size();
            long total = objects + expires.size();
            if (total == 0) {
                return;
            }
            if (random.nextLong(total) < objects) {
                KeyTable.Node n = objectIndex.random(random);
                sink.accept(n.key, ((HeapObject) n).lru, n.aux, true);
            } else {
                KeyTable.Node n = expires.random(random);
                long p = probe(n.key);
                if (p >= 0) {
                    sink.accept(n.key, (int) p, n.aux, true);
                }
            }
        }
    }

    /** Candidates gathered by one walk of a segment (see {@link #sampleKeys}). */
    static final int SAMPLE_BUFFER = 256;
    /** Segments looked at for each walk; the fullest is walked. */
    private static final int SAMPLE_SEGMENT_CHOICES = 4;
    /** Candidates older than this are gathered again (the LRU clock's resolution is a second). */
    private static final long SAMPLE_MAX_AGE_NANOS = 1_000_000_000L;
    private final byte[][] sampleKey = new byte[SAMPLE_BUFFER][];
    private final int[] sampleAccess = new int[SAMPLE_BUFFER];
    private final long[] sampleExpiry = new long[SAMPLE_BUFFER];
    private final boolean[] sampleHeap = new boolean[SAMPLE_BUFFER];
    /** Candidates left to hand out; those handed out are swapped behind this. */
    private int sampleLeft;
    private long sampledAt;

    /**
     * Random keys for eviction. Chronicle Map can only walk a segment from its start, and a walk
     * costs about as much as a hundred lookups; so one walk gathers up to {@value #SAMPLE_BUFFER}
     * evenly spaced entries of a segment, and later calls take random ones of them, without
     * repeats, until all are taken or a second has passed: a walk serves about fifty evictions. A
     * segment is a slice of the hash space, so its keys are as random as any others (Redis's
     * dictGetSomeKeys likewise takes neighbouring buckets). The segment walked is the fullest of
     * {@value #SAMPLE_SEGMENT_CHOICES} random ones (of a shard picked by its size): evictions then
     * keep the segments evenly filled, as inserts do, and no segment fills up and makes the map
     * allocate extra tiers while others are half empty.
     */
    @Override
    void sampleKeys(int count, Sampler sink) {
        for (int i = 0; i < count && this.count > 0; i++) {
            if (sampleLeft == 0 || System.nanoTime() - sampledAt > SAMPLE_MAX_AGE_NANOS) {
                gatherSamples();
                if (sampleLeft == 0) {
                    return;
                }
            }
            int k = random.nextInt(sampleLeft);
            sink.accept(sampleKey[k], sampleAccess[k], sampleExpiry[k], sampleHeap[k]);
            int last = --sampleLeft;
            swapSample(k, last);
        }
    }

    private void swapSample(int a, int b) {
        byte[] key = sampleKey[a];
        sampleKey[a] = sampleKey[b];
        sampleKey[b] = key;
        int ac = sampleAccess[a];
        sampleAccess[a] = sampleAccess[b];
        sampleAccess[b] = ac;
        long ex = sampleExpiry[a];
        sampleExpiry[a] = sampleExpiry[b];
        sampleExpiry[b] = ex;
        boolean h = sampleHeap[a];
        sampleHeap[a] = sampleHeap[b];
        sampleHeap[b] = h;
    }

    private void clearSamples() {
        java.util.Arrays.fill(sampleKey, null);
        sampleLeft = 0;
    }

    private void gatherSamples() {
        clearSamples();
        sampledAt = System.nanoTime();
        ChronicleMap<byte[], byte[]> m = pickShard().map;
        int segments = m.segments();
        int seg = -1;
        long fullest = 0;
        for (int i = 0; i < SAMPLE_SEGMENT_CHOICES; i++) {
            int candidate = random.nextInt(segments);
            try (MapSegmentContext<byte[], byte[], ?> c = m.segmentContext(candidate)) {
                long n = c.size();
                if (n > fullest) {
                    fullest = n;
                    seg = candidate;
                }
            }
        }
        if (seg < 0) {
            seg = random.nextInt(segments);
        }
        int[] taken = {0};
        for (int visited = 0; visited < segments && taken[0] == 0; visited++, seg = (seg + 1) % segments) {
            try (MapSegmentContext<byte[], byte[], ?> c = m.segmentContext(seg)) {
                long n = c.size();
                if (n == 0) {
                    continue;
                }
                long stride = Math.max(1, n / SAMPLE_BUFFER);
                long[] next = {random.nextLong(stride)};
                long[] index = {0};
                c.forEachSegmentEntryWhile(e -> {
                    if (index[0]++ != next[0]) {
                        return true;
                    }
                    next[0] += stride;
                    Data<byte[]> d = e.value();
                    RandomDataInput in = d.bytes();
                    long off = d.offset();
                    int header = Record.header(in, off);
                    int k = taken[0]++;
                    sampleKey[k] = keyOf(e);
                    sampleAccess[k] = accessOf(sampleKey[k], in, off); // a collection's is in objectIndex
                    sampleExpiry[k] = Record.expireAt(in, off, header);
                    // on the heap: a collection, or a TTL (the expiry index entry)
                    sampleHeap[k] = Record.kind(header) == Record.OBJECT || sampleExpiry[k] != StoredValue.NO_EXPIRY;
                    return taken[0] < SAMPLE_BUFFER;
                });
            }
        }
        sampleLeft = taken[0];
    }

    // ------------------------------------------------------------------ iteration

    @Override
    public byte[] randomKey() {
        while (count > 0) {
            ChronicleMap<byte[], byte[]> m = pickShard().map;
            int segments = m.segments();
            int start = random.nextInt(segments);
            byte[][] found = new byte[1][];
            long[] exp = new long[1];
            for (int i = 0; i < segments + 8 && found[0] == null; i++) {
                // A few random segments first, then a walk over all from a random one: O(segments), never O(keys).
                int seg = i < 8 ? random.nextInt(segments) : (start + i - 8) % segments;
                try (MapSegmentContext<byte[], byte[], ?> c = m.segmentContext(seg)) {
                    long n = c.size();
                    if (n == 0) {
                        continue;
                    }
                    long[] skip = {random.nextLong(n)};
                    c.forEachSegmentEntryWhile(e -> {
                        if (skip[0]-- > 0) {
                            return true;
                        }
                        found[0] = keyOf(e);
                        Data<byte[]> d = e.value();
                        exp[0] = Record.expireAt(d.bytes(), d.offset());
                        return false;
                    });
                }
            }
            if (found[0] == null) {
                return null;
            }
            if (exp[0] == StoredValue.NO_EXPIRY || exp[0] > hooks.expiryNow()) {
                return found[0];
            }
            if (removeIfExpired(found[0], hooks.expiryNow())) {
                expired(found[0]);
            }
        }
        return null;
    }

    private Shard pickShard() {
        if (shards.size() == 1) {
            return shards.get(0);
        }
        long total = 0;
        for (Shard m : shards) {
            total += m.map.longSize();
        }
        long r = random.nextLong(Math.max(1, total));
        for (Shard m : shards) {
            r -= m.map.longSize();
            if (r < 0) {
                return m;
            }
        }
        return shards.get(shards.size() - 1);
    }

    private static byte[] keyOf(MapEntry<byte[], byte[]> e) {
        Data<byte[]> k = e.key();
        byte[] b = new byte[(int) k.size()];
        k.bytes().read(k.offset(), b, 0, b.length);
        return b;
    }

    @Override
    public long scan(long cursor, int count, Consumer<byte[]> sink) {
        long shardId = cursor >>> 32;
        int seg = (int) cursor;
        if (seg < 0) {
            return 0;
        }
        int si = 0;
        while (si < shards.size() && shards.get(si).id < shardId) {
            si++;
        }
        if (si < shards.size() && shards.get(si).id != shardId) {
            seg = 0; // that map was emptied into a newer one meanwhile
        }
        scratch.clear();
        expiredScratch.clear();
        long now = hooks.expiryNow();
        int want = Math.max(1, count);
        while (si < shards.size() && scratch.size() < want) {
            ChronicleMap<byte[], byte[]> m = shards.get(si).map;
            if (seg < m.segments()) {
                try (MapSegmentContext<byte[], byte[], ?> c = m.segmentContext(seg)) {
                    c.forEachSegmentEntry(e -> {
                        Data<byte[]> d = e.value();
                        long exp = Record.expireAt(d.bytes(), d.offset());
                        (exp != StoredValue.NO_EXPIRY && exp <= now ? expiredScratch : scratch).add(keyOf(e));
                    });
                }
                seg++;
            }
            if (seg >= m.segments()) {
                si++;
                seg = 0;
            }
        }
        for (byte[] k : expiredScratch) {
            if (removeIfExpired(k, now)) {
                expired(k);
            }
        }
        expiredScratch.clear();
        for (byte[] k : scratch) {
            sink.accept(k);
        }
        scratch.clear();
        return si >= shards.size() ? 0 : (shards.get(si).id << 32) | seg;
    }

    @Override
    void copyEntries(KeyspaceSink sink, long now) throws java.io.IOException {
        try {
            for (Shard shard : shards) {
                ChronicleMap<byte[], byte[]> m = shard.map;
                for (int seg = 0, n = m.segments(); seg < n; seg++) {
                    try (MapSegmentContext<byte[], byte[], ?> c = m.segmentContext(seg)) {
                        c.forEachSegmentEntry(e -> {
                            Data<byte[]> d = e.value();
                            RandomDataInput in = d.bytes();
                            long off = d.offset();
                            int header = Record.header(in, off);
                            long exp = Record.expireAt(in, off, header);
                            if (exp != StoredValue.NO_EXPIRY && exp <= now) {
                                return;
                            }
                            byte[] key = keyOf(e);
                            StoredValue v = decode(key, in, off, d.size(), header, exp, Record.lru(header));
                            try {
                                sink.entry(key, v);
                            } catch (java.io.IOException io) {
                                throw new java.io.UncheckedIOException(io);
                            }
                        });
                    }
                }
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Entries of a map that holds {@code keys} keys below {@link OffHeapSizing#TARGET_FILL}, with
     * room for about 9% more keys before {@code growEarly} replaces it. (The accounting charges each key
     * its share of the reservation at that fill, so the extra room costs address space, not
     * {@code used_memory}.)
     */
    static long expectedEntries(long keys) {
        return (long) Math.ceil(keys / OffHeapSizing.TARGET_FILL) + keys / 8;
    }

    @Override
    void expectKeys(long keys) {
        if (shards.isEmpty() && keys > sizing.initialEntries()) {
            // One map big enough from the start: no growth and migration while loading. The keys
            // must stay under TARGET_FILL of it, or growEarly replaces it while the load runs; nor
            // is a bigger map prepared for the keys announced (on the map worker, near the load's
            // end), only once writes go past them.
            addShard(Math.max(sizing.initialEntries(), expectedEntries(keys)));
            Shard shard = shards.get(0);
            shard.prepareAt = Math.max(shard.prepareAt, keys);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void clear() {
        clearing();
        if (detachForSnapshot()) {
            return;
        }
        releaseShards();
    }

    // ------------------------------------------------------------------ snapshots (see Snapshot)

    /**
     * A write is about to change or remove the record {@code d} of {@code key}: unless the running
     * snapshot has it already, hands it over and marks it handled (in place, so that a second
     * change during the same command does not hand it over again).
     */
    private void handOver(byte[] key, Data<byte[]> d) {
        Snapshot s = hooks.snapshot;
        RandomDataInput in = d.bytes();
        long off = d.offset();
        int header = Record.header(in, off);
        if (Record.mark(header) == hooks.mark) {
            return;
        }
        mark(in, off, header);
        long exp = Record.expireAt(in, off, header);
        if (!s.wants(exp)) {
            return;
        }
        ValueType type = Record.type(header);
        int lru = Record.lru(header);
        int p = Record.payloadOffset(header);
        switch (Record.kind(header)) {
            case Record.INLINE:
                s.inline(this, type, lru, exp, key, in, off + p, (int) (d.size() - p));
                break;
            case Record.LARGE:
                s.ref(this, type, lru, exp, key,
                        large.load(Record.readLongLE(in, off + p), Record.readLongLE(in, off + p + 8)), true);
                break;
            default: {
                HeapObject o = (HeapObject) objectIndex.find(key);
                s.ref(this, type, o.lru, exp, key, frozenValue(o), true);
            }
        }
    }

    /** Sets the record's snapshot mark to the current one, in place. */
    private void mark(RandomDataInput in, long off, int header) {
        if (!(in instanceof RandomDataOutput)) {
            throw new IllegalStateException("Chronicle record memory is not writable in place");
        }
        ((RandomDataOutput) in).writeByte(off, (byte) ((header & 0x7F) | hooks.mark));
    }

    @Override
    long snapshotWalk(long cursor, Snapshot s) {
        long shardId = cursor >>> 32;
        int seg = (int) cursor;
        int si = 0;
        while (si < shards.size() && shards.get(si).id < shardId) {
            si++;
        }
        if (si >= shards.size()) {
            return 0;
        }
        if (shards.get(si).id != shardId) {
            seg = 0; // that map was emptied into a newer one meanwhile
        }
        ChronicleMap<byte[], byte[]> m = shards.get(si).map;
        if (seg < m.segments()) {
            try (MapSegmentContext<byte[], byte[], ?> c = m.segmentContext(seg)) {
                c.forEachSegmentEntry(e -> walkEntry(e, s));
            }
            seg++;
        }
        if (seg >= m.segments()) {
            si++;
            seg = 0;
        }
        return si >= shards.size() ? 0 : (shards.get(si).id << 32) | seg;
    }

    private void walkEntry(MapEntry<byte[], byte[]> e, Snapshot s) {
        Data<byte[]> d = e.value();
        RandomDataInput in = d.bytes();
        long off = d.offset();
        int header = Record.header(in, off);
        if (Record.mark(header) == hooks.mark) {
            return; // written since the start, or handed over already
        }
        mark(in, off, header);
        long exp = Record.expireAt(in, off, header);
        if (!s.wants(exp)) {
            return;
        }
        Data<byte[]> k = e.key();
        ValueType type = Record.type(header);
        int lru = Record.lru(header);
        int p = Record.payloadOffset(header);
        switch (Record.kind(header)) {
            case Record.INLINE:
                s.inline(this, type, lru, exp, k.bytes(), k.offset(), (int) k.size(), in, off + p, (int) (d.size() - p));
                break;
            case Record.LARGE:
                s.ref(this, type, lru, exp, k.bytes(), k.offset(), (int) k.size(),
                        large.load(Record.readLongLE(in, off + p), Record.readLongLE(in, off + p + 8)));
                break;
            default: {
                HeapObject o = (HeapObject) objectIndex.find(keyOf(e));
                s.ref(this, type, o.lru, exp, k.bytes(), k.offset(), (int) k.size(), frozenValue(o));
            }
        }
    }

    @Override
    void snapshotBeforeInPlace(byte[] key, Snapshot s) {
        for (int i = 0; i < shards.size(); i++) {
            try (ExternalMapQueryContext<byte[], byte[], ?> c = shards.get(i).map.queryContext(keyData.of(key))) {
                c.updateLock().lock();
                MapEntry<byte[], byte[]> e = c.entry();
                if (e != null) {
                    handOver(key, e.value());
                    return;
                }
            }
        }
    }

    @Override
    BaseDatabase detachEntries() {
        OffHeapDatabase frozen = new OffHeapDatabase(index(), hooks, sizing);
        frozen.shards.addAll(shards);
        frozen.large = large;
        frozen.objectIndex = objectIndex;
        frozen.count = count;
        frozen.entryBytes = entryBytes;
        frozen.objectBytes = objectBytes;
        shards.clear();
        large = new LargeValueStore();
        objectIndex = new KeyTable();
        count = 0;
        entryBytes = 0;
        objectBytes = 0;
        migrateSegment = 0;
        clearSamples();
        return frozen;
    }

    private void releaseShards() {
        for (Shard m : shards) {
            OffHeapSizing.retire(m.map);
        }
        shards.clear();
        migrateSegment = 0;
        clearSamples();
        large.clear();
        objectIndex.clear();
        expires.clear();
        count = 0;
        entryBytes = 0;
        objectBytes = 0;
    }

    @Override
    void release() {
        releaseShards();
    }
}
