package dev.podis.storage.types;

import java.util.Arrays;

/**
 * A sequence of byte strings packed into one array, each as a varint length and its bytes: the
 * compact (Redis "listpack") encoding of small hashes and sets. Lookups are linear, as in Redis,
 * which is fine below the conversion thresholds. Entries are addressed by their byte position.
 */
public final class PackedBytes {
    private byte[] buf;
    private int used;
    private int count;

    public PackedBytes(int capacity) {
        buf = new byte[Math.max(capacity, 8)];
    }

    private PackedBytes(byte[] buf, int used, int count) {
        this.buf = buf;
        this.used = used;
        this.count = count;
    }

    public int count() {
        return count;
    }

    /** Bytes in use. */
    public int usedBytes() {
        return used;
    }

    /** Bytes allocated. */
    public int allocatedBytes() {
        return buf.length;
    }

    public byte[] array() {
        return buf;
    }

    /** Position of the first entry, or -1 when empty. */
    public int first() {
        return used == 0 ? -1 : 0;
    }

    /** Position of the entry after the one at {@code pos}, or -1. */
    public int next(int pos) {
        int len = Varint.read(buf, pos);
        int n = pos + Varint.size(len) + len;
        return n >= used ? -1 : n;
    }

    public int length(int pos) {
        return Varint.read(buf, pos);
    }

    /** Offset of the entry's bytes. */
    public int dataOffset(int pos) {
        return pos + Varint.size(Varint.read(buf, pos));
    }

    public void view(int pos, ByteSlice out) {
        int len = Varint.read(buf, pos);
        out.set(buf, pos + Varint.size(len), len);
    }

    public byte[] copyOf(int pos) {
        int len = Varint.read(buf, pos);
        int off = pos + Varint.size(len);
        return Arrays.copyOfRange(buf, off, off + len);
    }

    /**
     * Position of the first entry equal to {@code key}, looking at every {@code step}-th entry
     * (2 for the fields of a hash), or -1.
     */
    public int find(byte[] key, int off, int len, int step) {
        byte[] b = buf;
        int pos = 0;
        int end = used;
        while (pos < end) {
            int l = Varint.read(b, pos);
            int d = pos + Varint.size(l);
            if (l == len && Arrays.equals(b, d, d + l, key, off, off + len)) {
                return pos;
            }
            pos = d + l;
            for (int s = 1; s < step && pos < end; s++) {
                int l2 = Varint.read(b, pos);
                pos += Varint.size(l2) + l2;
            }
        }
        return -1;
    }

    private void ensure(int extra) {
        int need = used + extra;
        if (need > buf.length) {
            // small headroom: compact encodings are about memory, and copies of a few KB are cheap
            int cap = Math.max(need + 16, buf.length + (buf.length >> 3));
            buf = Arrays.copyOf(buf, cap);
        }
    }

    public void append(byte[] v, int off, int len) {
        ensure(Varint.size(len) + len);
        used = Varint.write(buf, used, len);
        System.arraycopy(v, off, buf, used, len);
        used += len;
        count++;
    }

    public void append(byte[] v) {
        append(v, 0, v.length);
    }

    /** Size in bytes of {@code n} consecutive entries starting at {@code pos}. */
    private int span(int pos, int n) {
        int p = pos;
        for (int i = 0; i < n; i++) {
            int l = Varint.read(buf, p);
            p += Varint.size(l) + l;
        }
        return p - pos;
    }

    /** Removes {@code n} consecutive entries starting at {@code pos}. */
    public void remove(int pos, int n) {
        int span = span(pos, n);
        System.arraycopy(buf, pos + span, buf, pos, used - pos - span);
        used -= span;
        count -= n;
        if (buf.length > 64 && used < buf.length / 4) {
            buf = Arrays.copyOf(buf, Math.max(used + (used >> 1), 8));
        }
    }

    /** Replaces the entry at {@code pos} with {@code v}. */
    public void replace(int pos, byte[] v, int off, int len) {
        int oldSpan = span(pos, 1);
        int newSpan = Varint.size(len) + len;
        if (newSpan != oldSpan) {
            ensure(newSpan - oldSpan);
            System.arraycopy(buf, pos + oldSpan, buf, pos + newSpan, used - pos - oldSpan);
            used += newSpan - oldSpan;
        }
        int d = Varint.write(buf, pos, len);
        System.arraycopy(v, off, buf, d, len);
    }

    /** Position of the entry at {@code index} (0-based), or -1. */
    public int positionOf(int index) {
        if (index < 0 || index >= count) {
            return -1;
        }
        int p = 0;
        for (int i = 0; i < index; i++) {
            int l = Varint.read(buf, p);
            p += Varint.size(l) + l;
        }
        return p;
    }

    public PackedBytes copy() {
        return new PackedBytes(Arrays.copyOf(buf, Math.max(used, 8)), used, count);
    }
}
