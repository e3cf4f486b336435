package dev.podis.storage;

import java.util.Arrays;

/**
 * One value of the keyspace as command code sees it: its type, its payload and its expiry.
 *
 * <p>Strings carry their bytes. Collection types (added by their own family) carry an object
 * payload that the keyspace keeps on the heap and references from the stored record, so a large
 * collection is never serialized into one keyspace entry on every change.
 *
 * <p>A value read from the keyspace is a copy (strings) or a handle (collections): changing a
 * string means writing a new value back with {@link Database#put}.
 */
public final class StoredValue {
    /** {@link #expireAt()} of a value without a time to live. */
    public static final long NO_EXPIRY = -1;

    private final ValueType type;
    private final byte[] bytes;
    private final Object object;
    private final long expireAt;
    private int lruOrLfu;
    /** A string a command changed in place (see {@link #rawString}). */
    private final boolean raw;

    private StoredValue(ValueType type, byte[] bytes, Object object, long expireAt, int lruOrLfu, boolean raw) {
        this.type = type;
        this.bytes = bytes;
        this.object = object;
        this.expireAt = expireAt;
        this.lruOrLfu = lruOrLfu;
        this.raw = raw;
    }

    private StoredValue(ValueType type, byte[] bytes, Object object, long expireAt, int lruOrLfu) {
        this(type, bytes, object, expireAt, lruOrLfu, false);
    }

    /**
     * A string that a command made by changing one (APPEND to an existing key, SETRANGE, SETBIT,
     * BITFIELD, BITOP's result, an HLL): Redis holds those as a raw sds, and OBJECT ENCODING says
     * {@code raw} whatever the length or the digits, until the key is set anew or reloaded.
     */
    public static StoredValue rawString(byte[] bytes, long expireAt) {
        return new StoredValue(ValueType.STRING, bytes, null, expireAt, 0, true);
    }

    public static StoredValue string(byte[] bytes) {
        return new StoredValue(ValueType.STRING, bytes, null, NO_EXPIRY, 0);
    }

    public static StoredValue string(byte[] bytes, long expireAt) {
        return new StoredValue(ValueType.STRING, bytes, null, expireAt, 0);
    }

    /** A collection value; {@code object} is owned by the keyspace from now on. */
    public static StoredValue object(ValueType type, Object object, long expireAt) {
        if (type == ValueType.STRING) {
            throw new IllegalArgumentException("strings carry bytes");
        }
        return new StoredValue(type, null, object, expireAt, 0);
    }

    /** Used by keyspace implementations when decoding a stored record. */
    public static StoredValue decoded(ValueType type, byte[] bytes, Object object, long expireAt, int lruOrLfu) {
        return new StoredValue(type, bytes, object, expireAt, lruOrLfu);
    }

    /** A string read from a file: a copy of {@code bytes[offset, offset + length)}, not raw. */
    public static StoredValue decodedString(byte[] bytes, int offset, int length, long expireAt, int lruOrLfu) {
        return new StoredValue(ValueType.STRING, Arrays.copyOfRange(bytes, offset, offset + length), null, expireAt,
                lruOrLfu);
    }

    /** {@link #decoded} of a string, {@link #rawString raw} or not. */
    public static StoredValue decodedString(byte[] bytes, long expireAt, int lruOrLfu, boolean raw) {
        return new StoredValue(ValueType.STRING, bytes, null, expireAt, lruOrLfu, raw);
    }

    /** Whether this string was made by a change in place ({@link #rawString}). */
    public boolean raw() {
        return raw;
    }

    public ValueType type() {
        return type;
    }

    /** The string payload; only for {@link ValueType#STRING}. */
    public byte[] bytes() {
        return bytes;
    }

    /** The collection payload; only for non-string types. */
    public Object object() {
        return object;
    }

    /** Absolute expiry in Unix milliseconds, or {@link #NO_EXPIRY}. */
    public long expireAt() {
        return expireAt;
    }

    public boolean hasExpiry() {
        return expireAt != NO_EXPIRY;
    }

    /** The same payload with another expiry. */
    public StoredValue withExpireAt(long at) {
        return new StoredValue(type, bytes, object, at, lruOrLfu, raw);
    }

    /** The LRU clock (seconds resolution, 24 bits) or LFU counter data, as OBJECT IDLETIME/FREQ read them. */
    public int lruOrLfu() {
        return lruOrLfu;
    }

    /** Records an access (heap keyspace); the off-heap one keeps the clock in its record. */
    void lruOrLfu(int value) {
        this.lruOrLfu = value;
    }

    /** Length of the string payload, or 0 for collections. */
    public int length() {
        return bytes == null ? 0 : bytes.length;
    }
}
