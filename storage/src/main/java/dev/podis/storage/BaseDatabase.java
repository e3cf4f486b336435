package dev.podis.storage;

import dev.podis.storage.types.CollectionValue;

import java.util.ArrayList;
import java.util.List;

/**
 * What both database implementations share: their index (changed by SWAPDB), the expiry index
 * and the active expiry sampling over it.
 *
 * <p>The expiry index is a {@link KeyTable} of the keys with a TTL ({@code aux} = expiry in ms);
 * its size is {@link #volatileSize()}, exact. The active cycle walks it with a reverse-binary
 * cursor that survives resizes, so every key with a TTL is eventually sampled.
 */
abstract class BaseDatabase implements Database {
    /** Keys sampled per loop of the active expiry cycle (Redis: ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP). */
    static final int KEYS_PER_LOOP = 20;
    /** The cycle goes on in a database while more than this percentage of a sample had expired. */
    static final int ACCEPTABLE_STALE = 10;

    private int index;
    final Hooks hooks;
    final KeyTable expires = new KeyTable();
    private long expireCursor;
    private final List<byte[]> expiredScratch = new ArrayList<>();
    private final long[] sampleResult = new long[2];

    BaseDatabase(int index, Hooks hooks) {
        this.index = index;
        this.hooks = hooks;
    }

    @Override
    public final int index() {
        return index;
    }

    final void index(int i) {
        this.index = i;
    }

    @Override
    public final long volatileSize() {
        return expires.size();
    }

    /** Records the expiry of {@code key} in the index (NO_EXPIRY removes it). */
    final void indexExpiry(byte[] key, long expireAt) {
        if (expireAt == StoredValue.NO_EXPIRY) {
            expires.remove(key);
        } else {
            expires.insert(key).aux = expireAt;
        }
    }

    /** Called when a key was found expired and removed: counts it and tells the listener. */
    final void expired(byte[] key) {
        hooks.expiredKeys++;
        hooks.listener.expired(index, key);
    }

    /**
     * A copy of {@code key} for a write that keeps it, standing in for {@code key} as the key the
     * command read last ({@link Hooks#lastTouched}), so that the write is still seen as following
     * that read (one access under LFU, as Redis counts it).
     */
    final byte[] keptCopy(byte[] key) {
        byte[] copy = key.clone();
        if (hooks.lastTouched == key) {
            hooks.lastTouched = copy;
        }
        return copy;
    }

    @Override
    public void putMutableString(byte[] key, byte[] bytes, long expireAt) {
        put(keptCopy(key), MutableString.stored(bytes, expireAt));
    }

    /** Counts a write of {@code key}, and reports it to the listener while the keyspace tracks changes. */
    final void modified(byte[] key) {
        hooks.dirty++;
        if (hooks.trackChanges) {
            hooks.listener.modified(index, key);
        }
    }

    /**
     * Counts the emptying of this database (one change per key, plus one so that flushing an empty
     * database still counts, as Redis propagates every FLUSHDB), and reports it while the keyspace
     * tracks changes.
     */
    final void clearing() {
        hooks.dirty += size() + 1;
        if (hooks.trackChanges) {
            hooks.listener.clearing(index);
        }
    }

    /** Removes {@code key} if it is present and expired at {@code now}; true if it was removed. */
    abstract boolean removeIfExpired(byte[] key, long now);

    /**
     * One loop of the active cycle: samples up to {@link #KEYS_PER_LOOP} keys of the expiry index
     * and removes the expired ones.
     *
     * @return {sampled, expired}
     */
    final long[] expireLoop(long now) {
        expiredScratch.clear();
        long[] r = sampleResult;
        r[0] = 0;
        r[1] = 0;
        if (expires.size() == 0) {
            expireCursor = 0;
            return r;
        }
        int want = Math.min(KEYS_PER_LOOP, expires.size());
        int sampled = 0;
        // A step visits whole buckets; continue until enough keys were sampled (the cursor may wrap).
        do {
            expireCursor = expires.scan(expireCursor, want - sampled, n -> {
                r[0]++;
                if (n.aux <= now) {
                    expiredScratch.add(n.key);
                }
            });
            sampled = (int) r[0];
        } while (sampled < want && expireCursor != 0);
        for (byte[] key : expiredScratch) {
            if (removeIfExpired(key, now)) {
                r[1]++;
                expired(key);
            }
        }
        expiredScratch.clear();
        return r;
    }

    // ---- memory of collections (heap objects changed in place)

    /**
     * The bytes a collection payload is accounted at: its own estimate (as Redis would account
     * it) plus what the JVM adds around a small one (object headers of the value and its encoding
     * object, measured with a class histogram: about 48 bytes) and the StoredValue around it.
     */
    static long collectionBytes(Object o) {
        return 64 + (o instanceof CollectionValue ? ((CollectionValue) o).accountedBytes() : 64);
    }

    /**
     * Measures the collection {@code payload} under {@code key} again, if it is still stored there
     * ({@link Keyspace#collectionWritten}).
     */
    abstract void remeasure(byte[] key, Object payload);

    /**
     * {@link Keyspace#collectionForWrite}'s lookup: {@link #collection(byte[], boolean)} with the
     * access recorded and, for a collection, its memory measured again later
     * ({@link Hooks#collectionWritten} with the database's own key array: {@code key} is not kept).
     */
    abstract Object collectionForWrite(byte[] key);

    // ---- eviction (see Eviction)

    /**
     * Receives sampled keys: the key (a copy or the keyspace's own array; never changed), its
     * access field, its expiry, and whether evicting it frees Java heap (its value is a heap
     * object, or it has a TTL and so an entry in the heap expiry index).
     */
    interface Sampler {
        void accept(byte[] key, int access, long expireAt, boolean onHeap);
    }

    /** Passes about {@code count} keys picked at random (Redis's dictGetSomeKeys), expired ones included. */
    abstract void sampleKeys(int count, Sampler sink);

    /**
     * Like {@link #sampleKeys}, but only keys whose eviction frees Java heap (see {@link Sampler}),
     * picked uniformly among them however few they are: eviction while only the heap part of the
     * memory is over its limit. By default {@link #sampleKeys} (a heap database: every key).
     */
    void sampleHeapKeys(int count, Sampler sink) {
        sampleKeys(count, sink);
    }

    /** Bit of {@link #probe}'s result: evicting the key frees Java heap (see {@link Sampler}). */
    static final long ON_HEAP = 1L << 32;

    /**
     * The access field of {@code key} (low 32 bits), or'ed with {@link #ON_HEAP} when its value
     * lives on the Java heap, without recording an access or expiring it; -1 when missing.
     */
    abstract long probe(byte[] key);

    /** Whether {@code key} is stored (expired or not). */
    final boolean holds(byte[] key) {
        return probe(key) >= 0;
    }

    /** Removes {@code key} (expired or not) without reporting it; true if it was there. */
    abstract boolean removeForEviction(byte[] key);

    /**
     * Passes up to {@code count} keys with a TTL picked at random, with their expiry; their access
     * field and heap flag only when {@code probe} (it costs a lookup), else 0 and true.
     */
    final void sampleVolatileKeys(int count, boolean probe, Sampler sink) {
        for (int i = 0; i < count && expires.size() > 0; i++) {
            KeyTable.Node n = expires.random(hooks.random);
            long p = probe ? probe(n.key) : ON_HEAP;
            if (p >= 0) {
                sink.accept(n.key, (int) p, n.aux, (p & ON_HEAP) != 0);
            }
        }
    }

    /** Whether {@code key} has a TTL (is in the expiry index). */
    final boolean isVolatile(byte[] key) {
        return expires.find(key) != null;
    }

    /**
     * Evicts {@code key}: removes it and reports it as evicted ({@link KeyspaceListener#evicted},
     * which also counts as a change for WATCH). False if it was not there.
     */
    final boolean evict(byte[] key) {
        if (!removeForEviction(key)) {
            return false;
        }
        hooks.evictedKeys++;
        hooks.listener.evicted(index, key);
        return true;
    }

    // ------------------------------------------------------------------ snapshots (see Snapshot)

    /** The number this database had when the running snapshot started (its entries go there). */
    int snapshotIndex;

    /**
     * One step of a snapshot's walk: visits whole units (a Chronicle segment, a few hash buckets)
     * from {@code cursor} (0 at the start), hands every entry not yet handled to {@code s} and
     * marks it handled.
     *
     * @return the next cursor, 0 when the walk of this database is complete
     */
    abstract long snapshotWalk(long cursor, Snapshot s);

    /**
     * A command is about to change the collection at {@code key} in place: hands its value to the
     * running snapshot first, if the snapshot has not got it yet.
     */
    abstract void snapshotBeforeInPlace(byte[] key, Snapshot s);

    /**
     * Empties this database by moving its entries into a new, frozen database, which the running
     * snapshot walks and then releases (FLUSHDB while a snapshot runs). Called from {@link #clear}.
     */
    abstract BaseDatabase detachEntries();

    /** From {@code clear()}: true if the running snapshot took this database's entries (nothing left to free). */
    final boolean detachForSnapshot() {
        Snapshot s = hooks.snapshot;
        if (s == null || !s.wantsDetach(this)) {
            return false;
        }
        s.detached(this, detachEntries());
        expires.clear();
        return true;
    }

    /**
     * Hands every key that is live at {@code now} to {@code sink} exactly once, with its value as
     * stored (the key array and value may be the database's own: the sink must not change them).
     * Nothing may change the database meanwhile; expired keys are skipped, not removed.
     */
    abstract void copyEntries(KeyspaceSink sink, long now) throws java.io.IOException;

    /** A hint that about {@code keys} keys are about to be added (RDB loading): sizes an empty database for them. */
    void expectKeys(long keys) {
    }

    /**
     * Background work until the deadline: finishing the key tables' incremental resizes (and, in
     * the off-heap database, moving entries into a grown map).
     */
    void background(long deadlineNanos) {
        rehashTables(deadlineNanos);
    }

    /** Redis's activerehashing: moves the heap key tables' pending resizes forward until the deadline. */
    void rehashTables(long deadlineNanos) {
        rehash(expires, deadlineNanos);
    }

    /** Moves {@code t}'s resize forward until the deadline, unless {@code activerehashing} is off. */
    void rehash(KeyTable t, long deadlineNanos) {
        while (hooks.activeRehashing && t.rehashStep(128) && System.nanoTime() < deadlineNanos) {
            // 128 buckets a step, as dictRehashMicroseconds checks the clock every 100
        }
    }

    /** Frees everything; the database stays usable (and empty). */
    abstract void release();
}
