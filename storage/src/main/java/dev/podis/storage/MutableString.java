package dev.podis.storage;

/**
 * A string the keyspace keeps for changes in place (see {@link Database#putMutableString} and
 * {@link Database#mutableString}): the value is the first {@link #length} bytes of
 * {@link #bytes}, which may have room to grow, as a Redis sds string has.
 *
 * <p>A command that got it from {@link Database#mutableString} may change those bytes, set
 * {@link #bytes} to a bigger array and {@link #length}, and then calls
 * {@link Database#mutableStringChanged}. Readers never see the buffer change under them: a
 * read hands out either a copy or, for a buffer of the exact length, the buffer itself, which is
 * then copied before the next change in place.
 */
public final class MutableString extends OffHeapDatabase.HeapObject {
    public byte[] bytes;
    public int length;
    /** The buffer was handed to a reader: the next change in place must work on a copy. */
    boolean shared;
    /** The value as an integer, valid while {@link #numberKnown} (see {@link #countTo}). */
    private long number;
    private boolean numberKnown;
    /** {@link #number} is the value and {@link #bytes} does not hold its digits yet ({@link #countTo}). */
    private boolean digitsPending;

    /**
     * The off-heap database's index entry for a string it keeps on the heap under {@code key}
     * (kept, not copied), with access field {@code lru}: the index's node itself, so a lookup
     * finds the buffer one object away.
     */
    MutableString(byte[] key, byte[] bytes, int length, int lru) {
        super(key, ValueType.STRING, null, lru);
        this.bytes = bytes;
        this.length = length;
    }

    /**
     * Whether OBJECT ENCODING reports it {@code raw}: a heap string is a counter (digits, reported
     * {@code int} as Redis's int-encoded counters are) or an HLL, which Redis's PFADD creates as a
     * raw string; an HLL starts with its {@code HYLL} magic, never with a digit or a sign.
     */
    public boolean raw() {
        return !numberKnown && isRaw(bytes, length);
    }

    /** {@link #raw()} of a heap string's bytes: anything but a counter's digits. */
    static boolean isRaw(byte[] bytes, int length) {
        if (length == 0) {
            return false;
        }
        byte b = bytes[0];
        return b != '-' && (b < '0' || b > '9');
    }

    /** How {@link Database#putMutableString} stores {@code bytes} where it keeps no {@code MutableString}. */
    static StoredValue stored(byte[] bytes, long expireAt) {
        return isRaw(bytes, bytes.length) ? StoredValue.rawString(bytes, expireAt) : StoredValue.string(bytes, expireAt);
    }

    /** The value as an array nobody changes: the buffer itself if it has the exact length (now shared), else a copy. */
    byte[] frozen() {
        writeDigits();
        if (bytes.length == length) {
            shared = true;
            return bytes;
        }
        return java.util.Arrays.copyOf(bytes, length);
    }

    /**
     * Before a change in place: the value's bytes in a private buffer (a copy if the current one
     * was handed out). {@link Database#mutableString} does it; a caller of
     * {@link Database#counter} that changes the buffer calls it first.
     */
    public void unshare() {
        writeDigits();
        if (shared) {
            bytes = bytes.clone();
            shared = false;
        }
    }

    /** Digits of the longest 64-bit integer, -9223372036854775808. */
    public static final int MAX_DECIMAL = 20;

    /** Writes the decimal digits of {@code v} at the start of {@code out} (at least {@link #MAX_DECIMAL} bytes); returns their count. */
    public static int writeDecimal(long v, byte[] out) {
        return writeDecimal(v, out, 0);
    }

    /** {@link #writeDecimal(long, byte[])} at {@code out[at]} (room for {@link #MAX_DECIMAL} bytes from there). */
    public static int writeDecimal(long v, byte[] out, int at) {
        boolean negative = v < 0;
        int digits = 1;
        for (long t = v; t <= -10 || t >= 10; t /= 10) {
            digits++;
        }
        int len = digits + (negative ? 1 : 0);
        // Work on the negative value so that Long.MIN_VALUE needs no special case.
        long n = negative ? v : -v;
        for (int i = at + len - 1; i >= at + len - digits; i--) {
            long q = n / 10;
            out[i] = (byte) ('0' + (int) (q * 10 - n));
            n = q;
        }
        if (negative) {
            out[at] = '-';
        }
        return len;
    }

    /**
     * Whether {@link #number()} holds the value as an integer, as recorded by {@link #number(long)}
     * or {@link #countTo}: a counter's next INCR need not read the digits (no trip to the buffer's
     * memory). A change through {@link Database#mutableStringChanged} or a new value forgets it.
     */
    public boolean numberKnown() {
        return numberKnown;
    }

    /** The value as an integer; only while {@link #numberKnown()}. */
    public long number() {
        return number;
    }

    /**
     * Sets the value to the decimal digits of {@code value} (a counter's INCR; then
     * {@link Database#counterChanged}). The digits are written into the buffer only when the value
     * is read ({@link Database#get}, a snapshot, {@link Database#mutableString}), so that a
     * counter changed over and over touches nothing but this object. Only while
     * {@link #numberKnown()} (the buffer then has room for any integer).
     */
    public void countTo(long value) {
        number = value;
        digitsPending = true;
    }

    /** Records that the buffer holds the digits of {@code value}, written by the caller (after {@link Database#mutableStringChanged}). */
    public void number(long value) {
        number = value;
        numberKnown = true;
        digitsPending = false;
    }

    /** The bytes changed some other way: the integer is unknown until recorded again. */
    void forgetNumber() {
        numberKnown = false;
        digitsPending = false;
    }

    /** Writes the digits {@link #countTo} left pending into a private buffer. */
    private void writeDigits() {
        if (!digitsPending) {
            return;
        }
        if (shared || bytes.length < MAX_DECIMAL) {
            bytes = new byte[Math.max(MAX_DECIMAL, bytes.length)];
            shared = false;
        }
        length = writeDecimal(number, bytes);
        digitsPending = false;
    }
}
