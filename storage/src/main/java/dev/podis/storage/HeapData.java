package dev.podis.storage;

import net.openhft.chronicle.algo.hashing.LongHashFunction;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.bytes.RandomDataOutput;
import net.openhft.chronicle.hash.AbstractData;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A reusable Chronicle {@code Data} over the first {@code size} bytes of a heap array: the key or
 * the record of one off-heap operation, handed to Chronicle without the {@code BytesStore} that
 * Chronicle's own {@code byte[]} marshalling wraps around every key and value of every query.
 *
 * <p>What Chronicle does with an input key or a new value (hash it, compare it with stored keys,
 * copy it into the map) reads the array directly; {@link #bytes()} is there for any other use and
 * wraps a copy (allocation only on that path).
 *
 * <p>The hash is xxHash over the same bytes either way, so a key found through this class and a
 * key moved between maps through Chronicle's own {@code Data} hash alike.
 */
final class HeapData extends AbstractData<byte[]> {
    /** Native-order longs out of a byte array, as Chronicle reads them out of memory. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private byte[] array;
    private int size;
    /** This instance's own array, which {@link #reset} writes into (never a caller's array). */
    private byte[] own;

    HeapData(int capacity) {
        this.own = new byte[capacity];
        this.array = own;
    }

    /** Presents {@code bytes} as they are (not copied: the caller keeps them unchanged meanwhile). */
    HeapData of(byte[] bytes) {
        this.array = bytes;
        this.size = bytes.length;
        return this;
    }

    /** This instance's own array, grown (contents dropped) to hold at least {@code size} bytes, now presented with that size. */
    byte[] reset(int size) {
        if (own.length < size) {
            own = new byte[Math.max(size, own.length * 2)];
        }
        this.array = own;
        this.size = size;
        return own;
    }

    /** The array presented now. */
    byte[] array() {
        return array;
    }

    @Override
    public RandomDataInput bytes() {
        return BytesStore.wrap(Arrays.copyOf(array, size));
    }

    @Override
    public long offset() {
        return 0;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public long hash(LongHashFunction f) {
        return f.hashBytes(array, 0, size);
    }

    @Override
    public boolean equivalent(RandomDataInput source, long sourceOffset) {
        byte[] a = array;
        int n = size;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            if (source.readLong(sourceOffset + i) != (long) LONGS.get(a, i)) {
                return false;
            }
        }
        for (; i < n; i++) {
            if (source.readByte(sourceOffset + i) != a[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void writeTo(RandomDataOutput target, long targetOffset) {
        target.write(targetOffset, array, 0, size);
    }

    @Override
    public byte[] get() {
        return Arrays.copyOf(array, size);
    }

    @Override
    public byte[] getUsing(byte[] using) {
        if (using == null || using.length != size) {
            using = new byte[size];
        }
        System.arraycopy(array, 0, using, 0, size);
        return using;
    }
}
