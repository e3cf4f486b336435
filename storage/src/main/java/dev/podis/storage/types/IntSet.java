package dev.podis.storage.types;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A sorted array of distinct 64-bit integers stored with the narrowest width (2, 4 or 8 bytes)
 * that fits every member: the "intset" encoding of small integer sets, as in Redis.
 */
public final class IntSet {
    private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] data = new byte[0];
    private int width = 2;
    private int count;

    public IntSet() {
    }

    private IntSet(byte[] data, int width, int count) {
        this.data = data;
        this.width = width;
        this.count = count;
    }

    public int size() {
        return count;
    }

    public long get(int i) {
        switch (width) {
            case 2:
                return (short) SHORTS.get(data, i * 2);
            case 4:
                return (int) INTS.get(data, i * 4);
            default:
                return (long) LONGS.get(data, i * 8);
        }
    }

    private void put(byte[] d, int w, int i, long v) {
        switch (w) {
            case 2:
                SHORTS.set(d, i * 2, (short) v);
                break;
            case 4:
                INTS.set(d, i * 4, (int) v);
                break;
            default:
                LONGS.set(d, i * 8, v);
                break;
        }
    }

    private static int widthFor(long v) {
        if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            return 2;
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            return 4;
        }
        return 8;
    }

    /** Index of {@code v}, or -(insertion point) - 1. */
    private int search(long v) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long m = get(mid);
            if (m < v) {
                lo = mid + 1;
            } else if (m > v) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    public boolean contains(long v) {
        return widthFor(v) <= width && search(v) >= 0;
    }

    /** Adds {@code v}; false if it was already there. */
    public boolean add(long v) {
        int w = widthFor(v);
        if (w > width) {
            byte[] d = new byte[(count + 1) * w];
            // a value that needs a wider encoding is either below or above every member
            int shift = v < 0 ? 1 : 0;
            for (int i = 0; i < count; i++) {
                put(d, w, i + shift, get(i));
            }
            put(d, w, v < 0 ? 0 : count, v);
            data = d;
            width = w;
            count++;
            return true;
        }
        int idx = search(v);
        if (idx >= 0) {
            return false;
        }
        int at = -idx - 1;
        byte[] d = Arrays.copyOf(data, (count + 1) * width);
        System.arraycopy(d, at * width, d, (at + 1) * width, (count - at) * width);
        put(d, width, at, v);
        data = d;
        count++;
        return true;
    }

    public boolean remove(long v) {
        if (widthFor(v) > width) {
            return false;
        }
        int idx = search(v);
        if (idx < 0) {
            return false;
        }
        byte[] d = new byte[(count - 1) * width];
        System.arraycopy(data, 0, d, 0, idx * width);
        System.arraycopy(data, (idx + 1) * width, d, idx * width, (count - idx - 1) * width);
        data = d;
        count--;
        return true;
    }

    public long min() {
        return get(0);
    }

    public long max() {
        return get(count - 1);
    }

    public int bytes() {
        return data.length;
    }

    /**
     * The set as Redis's intset blob: encoding (the width: 2, 4 or 8) and length as 32-bit little
     * endian, then the members, little endian, ascending. The members are stored here in exactly
     * that form, so this is a copy.
     */
    public byte[] toBlob() {
        byte[] b = new byte[8 + data.length];
        INTS.set(b, 0, width);
        INTS.set(b, 4, count);
        System.arraycopy(data, 0, b, 8, data.length);
        return b;
    }

    /**
     * A set from an intset blob that may be corrupt (an RDB file, a DUMP payload): the header
     * must describe the blob exactly and the members must be strictly ascending.
     *
     * @throws IllegalArgumentException when it does not
     */
    public static IntSet fromBlob(byte[] b) {
        if (b.length < 8) {
            throw new IllegalArgumentException("intset shorter than its header");
        }
        int w = (int) INTS.get(b, 0);
        long n = (int) INTS.get(b, 4) & 0xffffffffL;
        if (w != 2 && w != 4 && w != 8) {
            throw new IllegalArgumentException("intset with invalid encoding " + w);
        }
        if (8 + n * w != b.length) {
            throw new IllegalArgumentException("intset length " + n + " does not match its size");
        }
        IntSet s = new IntSet(java.util.Arrays.copyOfRange(b, 8, b.length), w, (int) n);
        for (int i = 1; i < n; i++) {
            if (s.get(i - 1) >= s.get(i)) {
                throw new IllegalArgumentException("intset members out of order or duplicated");
            }
        }
        return s;
    }

    public IntSet copy() {
        return new IntSet(data.clone(), width, count);
    }
}
