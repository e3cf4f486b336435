package dev.podis.storage.rdb;

import dev.podis.storage.MutableString;

import java.util.Arrays;

/**
 * A reusable byte array that strings are appended to back to back: what {@link RdbInput#readStringTo}
 * reads into, so that loading a string key costs no array per key or value.
 */
public final class GrowableBytes {
    private static final int INITIAL = 1024;
    /** The longest array the JVM allocates everywhere. */
    private static final int MAX = Integer.MAX_VALUE - 16;

    /** After {@link #clear}, an array grown past this (for a big value) is dropped rather than kept. */
    private final int keep;
    private byte[] array = new byte[INITIAL];
    private int length;

    /** One that keeps an array of up to {@code keep} bytes for reuse. */
    public GrowableBytes(int keep) {
        this.keep = keep;
    }

    /** The bytes; valid up to {@link #length()}, until the next append. */
    public byte[] array() {
        return array;
    }

    public int length() {
        return length;
    }

    /** Empties it, giving back an array grown for a big value. */
    public void clear() {
        length = 0;
        if (array.length > keep) {
            array = new byte[INITIAL];
        }
    }

    /** Appends {@code b[off, off + len)}. */
    public void append(byte[] b, int off, int len) {
        System.arraycopy(b, off, reserve(len), length, len);
        length += len;
    }

    /** Appends the decimal text of {@code v} (an integer-encoded string of the file). */
    public void appendDecimal(long v) {
        length += MutableString.writeDecimal(v, reserve(MutableString.MAX_DECIMAL), length);
    }

    /** Room for {@code n} more bytes at {@link #length()}: the array to write them into (then {@link #advance}). */
    byte[] reserve(int n) {
        if (array.length - length < n) {
            long need = (long) length + n;
            if (need > MAX) {
                throw new OutOfMemoryError(need + " bytes of strings do not fit one array");
            }
            array = Arrays.copyOf(array, (int) Math.max(need, Math.min(MAX, array.length * 2L)));
        }
        return array;
    }

    void advance(int n) {
        length += n;
    }
}
