package dev.podis.storage;

import java.util.function.LongSupplier;

/** What the databases of one keyspace share: the clock, the expiry listener and counter. */
final class Hooks {
    final LongSupplier clock;
    KeyspaceListener listener = KeyspaceListener.NONE;
    long expiredKeys;
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
     * entry stamped with it was written during that snapshot or already handed to it.
     */
    long generation;

    Hooks(LongSupplier clock) {
        this.clock = clock;
    }

    long now() {
        return clock.getAsLong();
    }

    /**
     * While true nothing expires (Redis does not expire keys while it loads a dataset: an AOF
     * replays commands against keys as they were when the commands ran).
     */
    boolean expiryPaused;

    /** The time expiry decisions compare with: {@link #now()}, or before every time while expiry is paused. */
    long expiryNow() {
        return expiryPaused ? Long.MIN_VALUE : clock.getAsLong();
    }

    /** {@link #expiryNow()} for a time {@code now} just read from {@link #clock} (one clock read for both). */
    long expiryNow(long now) {
        return expiryPaused ? Long.MIN_VALUE : now;
    }

    /** Redis's LRU clock: seconds, 24 bits. */
    int lruClock() {
        return lruClock(clock.getAsLong());
    }

    /** The LRU clock at {@code nowMillis} (a time already read from {@link #clock}). */
    static int lruClock(long nowMillis) {
        return (int) ((nowMillis / 1000) & 0xFFFFFF);
    }
}
