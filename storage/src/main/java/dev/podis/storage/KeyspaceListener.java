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
     * {@code key} of database {@code db} is about to be written or removed by a command (put, a
     * removal that finds the key, an expiry change). Called only while the keyspace tracks changes
     * ({@link Keyspace#startTrackingChanges}), before the change; the array must not be kept.
     */
    default void modified(int db, byte[] key) {
    }

    /**
     * The collection at {@code key} is about to be changed in place by a command (it keeps its key
     * and type); reported like {@link #modified} unless a listener tells the two apart.
     */
    default void modifiedInPlace(int db, byte[] key) {
        modified(db, key);
    }

    /** Database {@code db} is about to be emptied (FLUSHDB, FLUSHALL); only while tracking changes. */
    default void clearing(int db) {
    }

    /**
     * {@code key} of database {@code db} was removed by maxmemory eviction ({@link Eviction} calls it
     * after the removal): it counts as a change of the key (WATCH), as Redis's signalModifiedKey,
     * keyspace notifications report it as {@code evicted} and the write stream gets a DEL or UNLINK.
     * Always called, whether or not the keyspace tracks changes; the array must not be kept.
     */
    default void evicted(int db, byte[] key) {
    }

    /** Databases {@code a} and {@code b} are about to be swapped (SWAPDB); only while tracking changes. */
    default void swapping(int a, int b) {
    }
}
