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
    /** The bytes {@link OffHeapDatabase} counts for it in its memory use. */
    long counted;

    /** The off-heap database's index entry for a string it keeps on the heap (access field {@code lru}). */
    MutableString(byte[] bytes, int length, int lru) {
        super(ValueType.STRING, null, lru);
        this.bytes = bytes;
        this.length = length;
    }

    /** The value as an array nobody changes: the buffer itself if it has the exact length (now shared), else a copy. */
    byte[] frozen() {
        if (bytes.length == length) {
            shared = true;
            return bytes;
        }
        return java.util.Arrays.copyOf(bytes, length);
    }

    /** Before a change in place: a private buffer if the current one was handed out. */
    void unshare() {
        if (shared) {
            bytes = bytes.clone();
            shared = false;
        }
    }
}
