package dev.podis.storage;

/**
 * Told about changes the keyspace makes by itself (not those a command asked for), so that
 * keyspace notifications, replication and the AOF can follow them. Called on the command thread.
 */
public interface KeyspaceListener {
    KeyspaceListener NONE = (db, key) -> { };

    /**
     * {@code key} of database {@code db} expired and was removed (lazily on access or by the active
     * cycle). The array may be the one a command passed in or the keyspace's own: copy it to keep it,
     * never change it.
     */
    void expired(int db, byte[] key);

    /**
     * {@code key} of database {@code db} was evicted by the maxmemory policy and removed. Counts
     * as a change of the key (WATCH), as Redis's signalModifiedKey; this is also where the
     * {@code evicted} keyspace notification and the propagated DEL belong. Same array rules as
     * {@link #expired}.
     */
    default void evicted(int db, byte[] key) {
    }

    /**
     * {@code key} of database {@code db} is about to be written or removed by a command (put, a
     * removal that finds the key, an expiry change). Called only while the keyspace tracks changes
     * ({@link Keyspace#trackChanges}), before the change; the array must not be kept.
     */
    default void modified(int db, byte[] key) {
    }

    /** Database {@code db} is about to be emptied (FLUSHDB, FLUSHALL); only while tracking changes. */
    default void clearing(int db) {
    }

    /** Databases {@code a} and {@code b} are about to be swapped (SWAPDB); only while tracking changes. */
    default void swapping(int a, int b) {
    }
}
