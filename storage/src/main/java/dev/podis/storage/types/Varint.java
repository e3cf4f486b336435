package dev.podis.storage.types;

/** Unsigned LEB128 lengths, the per-entry header of the compact encodings (and of snapshot chunks). */
public final class Varint {
    private Varint() {
    }

    public static int size(int v) {
        if (v < 0x80) {
            return 1;
        }
        if (v < 0x4000) {
            return 2;
        }
        if (v < 0x200000) {
            return 3;
        }
        if (v < 0x10000000) {
            return 4;
        }
        return 5;
    }

    /** Writes {@code v} at {@code pos}; returns the position after it. */
    public static int write(byte[] b, int pos, int v) {
        while (v >= 0x80) {
            b[pos++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        b[pos++] = (byte) v;
        return pos;
    }

    /** The value at {@code pos} (it takes {@link #size} of it bytes). */
    public static int read(byte[] b, int pos) {
        int v = 0;
        int shift = 0;
        while (true) {
            int x = b[pos++];
            v |= (x & 0x7F) << shift;
            if (x >= 0) {
                return v;
            }
            shift += 7;
        }
    }
}
