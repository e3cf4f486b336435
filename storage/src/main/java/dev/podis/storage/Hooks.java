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
    /** Whether writes are reported to {@link KeyspaceListener#modified}: one field read per write. */
    boolean trackChanges;
    /** How many users (WATCH, a snapshot, client tracking...) asked for change reports. */
    int changeTrackers;
    /**
     * Changes made to the data since start (Redis's {@code server.dirty}): one per key written or
     * removed, per expiry change, per in-place collection write, per key emptied by a flush.
     */
    long dirty;
    /** The snapshot in progress (or finishing its walk after an abort), else null: one field read per write. */
    Snapshot snapshot;
    /**
     * Bit 7 of an off-heap record's first byte as records are written now ({@code 0} or {@code 0x80}).
     * A snapshot flips it when it starts: a record still carrying the other value has not been
     * written since, nor visited by the snapshot's walk (see {@link Snapshot}).
     */
    int mark;
    /**
     * The heap databases' equivalent of {@link #mark}: the number of the latest snapshot. A heap
     * entry stamped with it ({@code KeyTable.Node.mark}) was written during that snapshot or already
     * handed to it. 0 (a new node's mark) only before the first snapshot.
     */
    int generation;

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
    /** Their keys: arrays the databases keep (never a caller's, which may be reused). */
    private byte[][] pendingKey = new byte[16][];
    /** Their payloads (the collection objects). */
    private Object[] pendingObject = new Object[16];
    /** How many of the latest pending collections a write looks for its own among. */
    private static final int RECENT = 8;
    private int pending;
    /** Measured again at once when this many are pending (otherwise at the next read of the memory in use). */
    static final int MAX_PENDING = 64;

    Hooks(LongSupplier clock) {
        this.clock = clock;
    }

    /** {@link #frozen} when no time is frozen. */
    static final long NOT_FROZEN = Long.MIN_VALUE;
    /** The time every read of the clock answers while a command runs ({@code Keyspace.beginCommand}), else {@link #NOT_FROZEN}. */
    long frozen = NOT_FROZEN;

    long now() {
        long f = frozen;
        return f != NOT_FROZEN ? f : clock.getAsLong();
    }

    /** How long a reading of the system clock serves {@link #timeAt} (it is read again after that). */
    private static final long SYNC_NANOS = 100_000_000L;
    /** The system clock in nanoseconds at {@link #syncNanos} on {@link System#nanoTime}'s scale. */
    private long syncWallNanos;
    private long syncNanos = Long.MIN_VALUE / 2;

    /**
     * The clock's time at {@code nanoTime} (a {@link System#nanoTime} just read). For the system
     * clock it is derived from that reading and a reading of the system clock at most
     * {@link #SYNC_NANOS} old (whose drift against {@code nanoTime} in that time is microseconds at
     * most): the caller's one clock read serves both. Another clock is asked.
     */
    long timeAt(long nanoTime) {
        if (clock != KeyspaceOptions.SYSTEM_CLOCK) {
            return clock.getAsLong();
        }
        long since = nanoTime - syncNanos;
        if (since < 0 || since >= SYNC_NANOS) {
            java.time.Instant wall = java.time.Instant.now();
            syncNanos = System.nanoTime();
            syncWallNanos = wall.getEpochSecond() * 1_000_000_000L + wall.getNano();
            since = Math.max(0, nanoTime - syncNanos);
        }
        return (syncWallNanos + since) / 1_000_000L;
    }

    /**
     * While true nothing expires (Redis does not expire keys while it loads a dataset: an AOF
     * replays commands against keys as they were when the commands ran).
     */
    boolean expiryPaused;
    /** {@code activerehashing}: whether the background step moves the key tables' resizes forward. */
    boolean activeRehashing = true;

    /** The time expiry decisions compare with: {@link #now()}, or before every time while expiry is paused. */
    long expiryNow() {
        return expiryPaused ? Long.MIN_VALUE : now();
    }

    /** {@link #expiryNow()} for a time {@code now} just read from {@link #now} (one clock read for both). */
    long expiryNow(long now) {
        return expiryPaused ? Long.MIN_VALUE : now;
    }

    /** Redis's LRU clock: seconds, 24 bits. */
    int lruClock() {
        return lruClock(now());
    }

    /** The LRU clock at {@code nowMillis} (a time already read from {@link #now}). */
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

    /**
     * {@code o} (the payload of a collection of {@code db} under {@code key}, an array the
     * database keeps) may change in place: measure it later.
     */
    void collectionWritten(BaseDatabase db, byte[] key, Object o) {
        int n = pending;
        // The same collection is usually written again and again (a queue's list): compare the
        // payloads of the last few (two lists in turn, RPOPLPUSH, stay pending once each).
        for (int i = n - 1; i >= 0 && i >= n - RECENT && o != null; i--) {
            if (pendingObject[i] == o && pendingDb[i] == db) {
                return;
            }
        }
        if (n == MAX_PENDING) {
            settle();
            n = 0;
        }
        if (n == pendingDb.length) {
            int grown = Math.min(MAX_PENDING, n * 2);
            pendingDb = java.util.Arrays.copyOf(pendingDb, grown);
            pendingKey = java.util.Arrays.copyOf(pendingKey, grown);
            pendingObject = java.util.Arrays.copyOf(pendingObject, grown);
        }
        pendingDb[n] = db;
        pendingKey[n] = key;
        pendingObject[n] = o;
        pending = n + 1;
    }

    /** Measures the pending collections again (their memory in use changes accordingly). */
    void settle() {
        int n = pending;
        pending = 0;
        for (int i = 0; i < n; i++) {
            pendingDb[i].remeasure(pendingKey[i], pendingObject[i]);
            pendingDb[i] = null;
            pendingKey[i] = null;
            pendingObject[i] = null;
        }
    }

    boolean hasPending() {
        return pending > 0;
    }
}
