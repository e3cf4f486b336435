package dev.podis.storage;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One numbered database of the keyspace.
 *
 * <p>Threading: a database is used by one thread at a time (the server's command thread); it
 * has no locks of its own. Expired keys are never visible: every read checks the expiry and
 * deletes the key lazily, and {@link Keyspace#activeExpireCycle} removes the rest.
 */
public interface Database {
    int index();

    /** Number of keys, as DBSIZE reports it (may include expired keys not yet removed, as Redis does). */
    long size();

    /** Number of keys with a time to live (INFO keyspace {@code expires=}). */
    long volatileSize();

    /** The live value of {@code key}, or null; updates the key's access time. */
    StoredValue get(byte[] key);

    /** Like {@link #get} but leaves the access time alone (OBJECT, TYPE under CLIENT NO-TOUCH...). */
    StoredValue peek(byte[] key);

    boolean exists(byte[] key);

    /** {@link #collection}'s answer for a key that holds a string. */
    Object STRING_VALUE = new Object() {
        @Override
        public String toString() {
            return "STRING_VALUE";
        }
    };

    /**
     * A collection command's lookup without a {@link StoredValue} around the answer: the payload
     * of the collection at {@code key} (its {@code ListValue}, {@code HashValue}, {@code SetValue},
     * {@code SortedSetValue} or {@code StreamValue}, which tells its type), {@link #STRING_VALUE}
     * when the key holds a string, null when there is no live key. Records an access if
     * {@code touch} (as {@link #get}, else as {@link #peek}). Does not keep {@code key}.
     */
    default Object collection(byte[] key, boolean touch) {
        StoredValue v = touch ? get(key) : peek(key);
        return v == null ? null : v.type() == ValueType.STRING ? STRING_VALUE : v.object();
    }

    /** {@link #readString}: the key holds a string, which was passed to the sink. */
    int STRING = 1;
    /** {@link #readString}: no live key. */
    int MISSING = 0;
    /** {@link #readString}: the key holds another type (nothing was passed to the sink). */
    int NOT_STRING = -1;

    /** Receives a string value from {@link #readString}: bytes valid only during the call. */
    @FunctionalInterface
    interface StringSink {
        void accept(byte[] bytes, int offset, int length);
    }

    /**
     * GET's path: passes the string at {@code key} to {@code sink} without handing out a copy
     * (the off-heap database passes a reused buffer), updating the access time if {@code touch}.
     * The database does not keep {@code key} (it copies it where it must, e.g. to report the
     * key expired): the caller may reuse the array afterwards.
     *
     * @return {@link #STRING}, {@link #MISSING} or {@link #NOT_STRING}
     */
    default int readString(byte[] key, boolean touch, StringSink sink) {
        return passString(touch ? get(key) : peek(key), sink);
    }

    /** {@link #readString}'s answer for a value already read: passes a string to {@code sink}. */
    static int passString(StoredValue v, StringSink sink) {
        if (v == null) {
            return MISSING;
        }
        if (v.type() != ValueType.STRING) {
            return NOT_STRING;
        }
        sink.accept(v.bytes(), 0, v.length());
        return STRING;
    }

    /**
     * Stores {@code value} under {@code key}, replacing any value (its expiry comes from {@code value}).
     * The keyspace may keep {@code key} and the value's arrays: the caller must not change them afterwards.
     *
     * @throws KeyspaceFullException if the keyspace's memory budget is used up (the database is unchanged)
     */
    void put(byte[] key, StoredValue value);

    /**
     * SET's path: stores the string {@code value} under {@code key} with expiry {@code expireAt}
     * ({@link StoredValue#NO_EXPIRY} for none), replacing any value, as
     * {@code put(key, StoredValue.string(value, expireAt))} does, but without keeping either
     * array: the database copies what it keeps, so the caller may reuse both afterwards. The
     * off-heap database writes a small value straight into its map (no {@code StoredValue}, no
     * copy of the key on the heap unless something must keep it).
     *
     * @throws KeyspaceFullException if the keyspace's memory budget is used up (the database is unchanged)
     */
    default void putString(byte[] key, byte[] value, long expireAt) {
        put(key.clone(), StoredValue.string(value.clone(), expireAt));
    }

    /**
     * A loader's path: stores a key read from a file (a collection, or a string not given to
     * {@link #loadString}) as {@link #put} does; the key is most likely absent, which a database
     * may use to insert it more cheaply.
     *
     * @throws KeyspaceFullException as {@link #put}
     */
    default void load(byte[] key, StoredValue value) {
        put(key, value);
    }

    /**
     * A loader's path: stores a string read from a file, key and value given as ranges of
     * {@code bytes} that the database copies what it keeps of (the caller reuses the array), with
     * its expiry and access data (LRU clock or LFU counter; 0 for a fresh one), replacing any
     * value, as {@code put} of copies with {@code StoredValue.decoded} does.
     *
     * @throws KeyspaceFullException as {@link #put}
     */
    default void loadString(byte[] bytes, int keyOffset, int keyLength, int valueOffset, int valueLength, long expireAt,
                            int lruOrLfu) {
        load(Arrays.copyOfRange(bytes, keyOffset, keyOffset + keyLength),
                StoredValue.decodedString(bytes, valueOffset, valueLength, expireAt, lruOrLfu));
    }

    /**
     * Stores a string that commands keep changing (a HyperLogLog under PFADD), as {@link #put}
     * with {@code StoredValue.string(bytes, expireAt)} does; the keyspace may keep it where the
     * next change is cheap (the off-heap database: on the heap, beside its collections). Readers
     * see an ordinary string. Keeps {@code bytes} but not {@code key} (copied where it is kept),
     * as {@link #mutableString} and {@link #mutableStringChanged} keep no key: a command may pass
     * the parser's borrowed arrays.
     *
     * @throws KeyspaceFullException as {@link #put}
     */
    default void putMutableString(byte[] key, byte[] bytes, long expireAt) {
        put(key.clone(), MutableString.stored(bytes, expireAt));
    }

    /**
     * The live string at {@code key} for a change in place, if the keyspace keeps it that way
     * (stored by {@link #putMutableString}), else null (the key is missing, expired, of another
     * type, or kept otherwise: read it with {@link #get} and store a changed copy). Updates the
     * access time. The caller may change the buffer (see {@link MutableString}) during the current
     * command and must then call {@link #mutableStringChanged}. Neither keeps {@code key} (the
     * caller may reuse the array): they copy it where something keeps it.
     */
    default MutableString mutableString(byte[] key) {
        return null;
    }

    /** After a change in place of {@code s}, the value of {@code key}: counts the write as {@link #put} does. */
    default void mutableStringChanged(byte[] key, MutableString s) {
        throw new IllegalStateException("no string is changed in place here");
    }

    /**
     * {@link #mutableString} for a counter's change ({@link MutableString#countTo}): the same
     * lookup, with the buffer left as it is (possibly without the digits of the value; read
     * {@link MutableString#number()} when {@link MutableString#numberKnown()}, else use
     * {@link #mutableString}).
     */
    default MutableString counter(byte[] key) {
        return mutableString(key);
    }

    /** After {@link MutableString#countTo} on {@code s}, the value of {@code key}: counts the write (its size is unchanged). */
    default void counterChanged(byte[] key, MutableString s) {
        mutableStringChanged(key, s);
    }

    /** Removes the key; true if a live key was removed. */
    boolean remove(byte[] key);

    /** Absolute expiry in ms, {@link StoredValue#NO_EXPIRY} (-1) for none, -2 for a missing key. */
    long expireAt(byte[] key);

    /**
     * Sets (or with {@link StoredValue#NO_EXPIRY} clears) the expiry of an existing key; false if missing.
     *
     * @throws KeyspaceFullException if the keyspace's memory budget is used up (the database is unchanged)
     */
    boolean setExpireAt(byte[] key, long at);

    /** A random live key, or null if the database is empty. */
    byte[] randomKey();

    /**
     * One step of a cursor-based scan. Every key present for the whole scan is passed to
     * {@code sink} at least once across the steps from cursor 0 until 0 is returned again; expired
     * keys never are. A step may return more keys than {@code count} (the off-heap database
     * returns whole Chronicle Map segments, a few thousand keys at most), or none.
     *
     * @param count a hint of how many keys to visit in this step
     * @return the next cursor, 0 when the scan is complete
     */
    long scan(long cursor, int count, Consumer<byte[]> sink);

    /** Removes every key. */
    void clear();
}
