package dev.podis.storage;

import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * What the databases of one keyspace share: the clock, the listener and counters, how key
 * accesses are recorded in the 24-bit LRU/LFU field, and the collections changed since their
 * memory was last measured.
 */
final class Hooks {
    final LongSupplier clock;
    KeyspaceListener listener = KeyspaceListener.NONE;
    long expiredKeys;
    long evictedKeys;
    /** Whether writes are reported to {@link KeyspaceListener#modified} (WATCH): one field read per write. */
    boolean trackChanges;

    /** The access field holds LFU data (an LFU maxmemory policy) instead of the LRU clock. */
    boolean lfu;
    int lfuLogFactor = Lfu.DEFAULT_LOG_FACTOR;
    int lfuDecayTime = Lfu.DEFAULT_DECAY_TIME;
    final SplittableRandom random = new SplittableRandom();
    /**
     * The key array of the last read that recorded an access. A command that reads a key and then
     * writes a new value under the same argument (INCR, APPEND) has counted its access already;
     * a write without a read (SET) counts one, as Redis's lookupKeyWrite does.
     */
    byte[] lastTouched;

    /** Collections looked up for writing or stored, whose memory is measured again later. */
    private BaseDatabase[] pendingDb = new BaseDatabase[16];
    private byte[][] pendingKey = new byte[16][];
    private StoredValue[] pendingValue = new StoredValue[16];
    private int pending;
    /** Measured again at once when this many are pending (otherwise at the next read of the memory in use). */
    static final int MAX_PENDING = 64;

    Hooks(LongSupplier clock) {
        this.clock = clock;
    }

    long now() {
        return clock.getAsLong();
    }

    /** Redis's LRU clock: seconds, 24 bits. */
    int lruClock() {
        return lruClock(clock.getAsLong());
    }

    /** The LRU clock at {@code nowMillis} (a time already read from {@link #clock}). */
    static int lruClock(long nowMillis) {
        return (int) ((nowMillis / 1000) & Lfu.FIELD_MASK);
    }

    /** The access field of a new key (createObject: the LRU clock, or LFU's initial counter now). */
    int initialAccess(long nowMillis) {
        return lfu ? Lfu.initial(nowMillis) : lruClock(nowMillis);
    }

    /** The access field after an access to a key whose field is {@code old} (Redis's lookupKey). */
    int access(int old, long nowMillis) {
        if (!lfu) {
            return lruClock(nowMillis);
        }
        return Lfu.access(old, nowMillis, lfuLogFactor, lfuDecayTime, random);
    }

    /**
     * The access field of a value written over an existing key whose field is {@code old}: under
     * LFU the counter stays with the key (Redis's dbSetValue) and counts this write as an access
     * unless the command has read the key already; under LRU the new value is fresh.
     */
    int overwrite(int old, byte[] key, long nowMillis) {
        if (!lfu) {
            return lruClock(nowMillis);
        }
        return key == lastTouched ? old : access(old, nowMillis);
    }

    // ---- collections to measure again

    /** {@code v} (a collection of {@code db} under {@code key}) may change in place: measure it later. */
    void collectionWritten(BaseDatabase db, byte[] key, StoredValue v) {
        int n = pending;
        if (n > 0 && pendingValue[n - 1] == v) {
            return;
        }
        if (n == MAX_PENDING) {
            settle();
            n = 0;
        }
        if (n == pendingDb.length) {
            int grown = Math.min(MAX_PENDING, n * 2);
            pendingDb = java.util.Arrays.copyOf(pendingDb, grown);
            pendingKey = java.util.Arrays.copyOf(pendingKey, grown);
            pendingValue = java.util.Arrays.copyOf(pendingValue, grown);
        }
        pendingDb[n] = db;
        pendingKey[n] = key;
        pendingValue[n] = v;
        pending = n + 1;
    }

    /** Measures the pending collections again (their memory in use changes accordingly). */
    void settle() {
        int n = pending;
        pending = 0;
        for (int i = 0; i < n; i++) {
            pendingDb[i].remeasure(pendingKey[i], pendingValue[i]);
            pendingDb[i] = null;
            pendingKey[i] = null;
            pendingValue[i] = null;
        }
    }

    boolean hasPending() {
        return pending > 0;
    }
}
