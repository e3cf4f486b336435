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
}
