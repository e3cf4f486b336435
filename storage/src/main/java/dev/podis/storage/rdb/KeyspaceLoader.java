package dev.podis.storage.rdb;

import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.StoredValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Puts what an {@link RdbLoader} reads into a {@link Keyspace} (rdbLoadRio's key handling): keys
 * go into the database of the last SELECTDB (sized by RESIZEDB's hint), keys already expired are
 * dropped and counted when asked (start-up on a primary, not an AOF preamble), and a key that is
 * already there is an error unless duplicates may replace it (DEBUG RELOAD MERGE).
 *
 * <p>Takes ownership of the key arrays and values it is given: use it with sources that hand out
 * fresh ones, as {@link RdbLoader} does.
 */
public final class KeyspaceLoader implements KeyspaceSink {
    private final Keyspace keyspace;
    private final boolean dropExpired;
    private final boolean replaceDuplicates;
    private Database db;
    private int dbIndex;
    private long loaded;
    private long expired;

    public KeyspaceLoader(Keyspace keyspace, boolean dropExpired, boolean replaceDuplicates) {
        this.keyspace = keyspace;
        this.dropExpired = dropExpired;
        this.replaceDuplicates = replaceDuplicates;
    }

    /** Keys put into the keyspace. */
    public long loaded() {
        return loaded;
    }

    /** Keys dropped because they had expired. */
    public long expired() {
        return expired;
    }

    @Override
    public void database(int index, long keys, long expires) throws IOException {
        if (index < 0 || index >= keyspace.count()) {
            throw new RdbException("FATAL: Data file was created with a Redis server configured to handle more than "
                    + keyspace.count() + " databases", -1);
        }
        db = keyspace.db(index);
        dbIndex = index;
        keyspace.expectKeys(index, keys);
    }

    @Override
    public void entry(byte[] key, StoredValue value) throws IOException {
        if (dropped(value.expireAt())) {
            return;
        }
        long before = db.size();
        db.load(key, value);
        added(before, key, 0, key.length);
    }

    @Override
    public void stringEntry(byte[] bytes, int keyOffset, int keyLength, int valueOffset, int valueLength, long expireAt,
                            int lruOrLfu) throws IOException {
        if (dropped(expireAt)) {
            return;
        }
        long before = db.size();
        db.loadString(bytes, keyOffset, keyLength, valueOffset, valueLength, expireAt, lruOrLfu);
        added(before, bytes, keyOffset, keyLength);
    }

    /** Whether a key expiring at {@code expireAt} is dropped (and counted) instead of loaded. */
    private boolean dropped(long expireAt) {
        if (dropExpired && expireAt != StoredValue.NO_EXPIRY && expireAt < keyspace.now()) {
            expired++;
            return true;
        }
        return false;
    }

    /** Counts a key put into a database that held {@code before} keys; a duplicate is an error unless allowed. */
    private void added(long before, byte[] key, int offset, int length) throws RdbException {
        loaded++;
        if (db.size() == before && !replaceDuplicates) {
            throw new RdbException("RDB has duplicated key '" + new String(key, offset, length, StandardCharsets.UTF_8)
                    + "' in DB " + dbIndex, -1);
        }
    }

    @Override
    public void end() {
    }
}
