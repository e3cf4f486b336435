package dev.podis.storage.rdb;

import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Puts what an {@link RdbLoader} reads into a {@link Keyspace} (rdbLoadRio's key handling): keys
 * go into the database of the last SELECTDB (sized by RESIZEDB's hint), keys already expired are
 * dropped and counted when asked (start-up on a primary, not an AOF preamble), and a key that is
 * already there is an error unless duplicates may replace it (DEBUG RELOAD MERGE).
 *
 * <p>Takes ownership of the key arrays and values it is given: use it with sources that hand out
 * fresh ones, as {@link RdbLoader} does. String keys without expiry come as bytes
 * ({@link PackedSink}) and go into the keyspace with no objects per key
 * ({@link Keyspace#loadString}) where it can.
 */
public final class KeyspaceLoader implements PackedSink {
    private final Keyspace keyspace;
    private final boolean dropExpired;
    private final boolean replaceDuplicates;
    private Database db;
    private int dbIndex;
    private long loaded;
    private long expired;
    /** Where {@link RdbLoader} reads the next string key (one at a time: inserted at once). */
    private final PackedStrings scratch = new PackedStrings(256);

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
        if (dropExpired && value.hasExpiry() && value.expireAt() < keyspace.now()) {
            expired++;
            return;
        }
        long before = db.size();
        db.put(key, value);
        loaded++;
        if (db.size() == before && !replaceDuplicates) {
            throw duplicate(key);
        }
    }

    @Override
    public PackedStrings packed() {
        scratch.clear();
        return scratch;
    }

    @Override
    public void packedEntry(int pos) throws IOException {
        insertPacked(scratch, pos);
    }

    /** Puts the string key without expiry at {@code pos} of {@code p} (its record header room is overwritten). */
    public void insertPacked(PackedStrings p, int pos) throws IOException {
        byte[] a = p.array();
        int keyOff = PackedStrings.keyOffset(pos);
        int keyLen = p.keyLength(pos);
        int recOff = p.recordOffset(pos);
        int recLen = p.recordLength(pos);
        int access = p.accessData(pos);
        int r = replaceDuplicates ? Keyspace.LOAD_UNHANDLED
                : keyspace.loadString(dbIndex, a, keyOff, keyLen, recOff, recLen, access);
        if (r == Keyspace.LOAD_INSERTED) {
            loaded++;
            return;
        }
        byte[] key = Arrays.copyOfRange(a, keyOff, keyOff + keyLen);
        if (r == Keyspace.LOAD_EXISTS) {
            throw duplicate(key);
        }
        entry(key, StoredValue.decoded(ValueType.STRING, Arrays.copyOfRange(a, recOff + 4, recOff + recLen), null,
                StoredValue.NO_EXPIRY, access));
    }

    private RdbException duplicate(byte[] key) {
        return new RdbException("RDB has duplicated key '" + new String(key, StandardCharsets.UTF_8) + "' in DB "
                + dbIndex, -1);
    }

    @Override
    public void end() {
    }
}
