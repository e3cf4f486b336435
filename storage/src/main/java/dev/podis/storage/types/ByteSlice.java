package dev.podis.storage.types;

/**
 * A mutable view of a byte range inside some array, filled in by lookups so that a command can
 * reply straight from a collection's storage without copying. Valid until the collection changes.
 */
public final class ByteSlice {
    public byte[] array;
    public int offset;
    public int length;

    public void set(byte[] array, int offset, int length) {
        this.array = array;
        this.offset = offset;
        this.length = length;
    }

    /** A copy of the bytes in view. */
    public byte[] toArray() {
        byte[] out = new byte[length];
        System.arraycopy(array, offset, out, 0, length);
        return out;
    }
}
