package dev.podis.storage;

import java.io.IOException;
import java.util.Arrays;

/**
 * Receives a copy of the keyspace, database by database: what SAVE, a fork-less snapshot
 * (BGSAVE, AOF rewrite) and DEBUG DIGEST produce, and what an RDB writer or an AOF base writer
 * consume. Calls come in this order: for each non-empty database, {@link #database} and then one
 * {@link #entry} per key; finally {@link #end}. A fork-less {@link Snapshot} may begin a database
 * again after another one (a key copied before a write while the walk is elsewhere), as RDB's
 * SELECTDB allows; its sink is called on the snapshot's writer thread.
 */
public interface KeyspaceSink {
    /** Database {@code db} begins; {@code keys} and {@code expires} are its sizes (hints, as RDB's RESIZEDB). */
    void database(int db, long keys, long expires) throws IOException;

    /**
     * One key of the current database with its value as it was at the snapshot's point in time
     * (type, payload, {@link StoredValue#expireAt()}, {@link StoredValue#lruOrLfu()}). The key
     * array and the value may be reused or changed after the call returns: copy what you keep.
     */
    void entry(byte[] key, StoredValue value) throws IOException;

    /**
     * A string key as {@link #entry} would receive it, with key and value given as ranges of
     * {@code bytes} that are only valid during the call: what a loader of an RDB file hands over,
     * so that a sink that copies them anyway (into the keyspace, into a batch) needs no array per
     * key. By default both are copied into arrays of their own for {@link #entry}.
     */
    default void stringEntry(byte[] bytes, int keyOffset, int keyLength, int valueOffset, int valueLength, long expireAt,
                             int lruOrLfu) throws IOException {
        entry(Arrays.copyOfRange(bytes, keyOffset, keyOffset + keyLength),
                StoredValue.decodedString(bytes, valueOffset, valueLength, expireAt, lruOrLfu));
    }

    /** Every database was sent. */
    void end() throws IOException;
}
