package dev.podis.storage.types;

import java.util.Arrays;

/**
 * The compact encoding of a sorted set (Redis's "listpack"): every entry packed one after the
 * other in a single byte array, ordered by score and then by member bytes.
 *
 * <p>An entry is {@code [score][member length][member bytes]}:
 * <ul>
 *   <li>score: an integral score below 2^53 in magnitude is a varint of its zigzag value shifted
 *       left by one (low bit 0), so small integer scores take one or two bytes; any other score is
 *       the byte 0x01 followed by the eight bytes of the double;</li>
 *   <li>member length: unsigned varint.</li>
 * </ul>
 * A set of short members with integer scores costs about as many bytes per member as the member
 * itself plus two or three. Every operation walks the entries (as Redis's listpack does), which
 * is what the size limits of this encoding are for. The array keeps a little slack so that
 * consecutive inserts do not reallocate every time.
 *
 * <p>Not thread-safe: used by the command thread only.
 */
final class SortedSetListpack {
    private static final byte[] EMPTY = new byte[0];
    private static final double INT_LIMIT = 9007199254740992.0; // 2^53

    private byte[] data = EMPTY;
    private int used;
    private int count;

    // The entry decoded last by decode().
    private double eScore;
    private int eMember;
    private int eLength;
    private int eNext;

    int size() {
        return count;
    }

    byte[] data() {
        return data;
    }

    /** Allocated bytes of the entry array. */
    int capacity() {
        return data.length;
    }

    // ------------------------------------------------------------------ encoding

    private static boolean integral(double s) {
        return s == Math.rint(s) && Math.abs(s) < INT_LIMIT;
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    private static int writeVarint(byte[] d, int off, long v) {
        while ((v & ~0x7FL) != 0) {
            d[off++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        d[off++] = (byte) v;
        return off;
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static int entrySize(double score, int memberLength) {
        int s = integral(score) ? varintSize(zigzag((long) score) << 1) : 9;
        return s + varintSize(memberLength) + memberLength;
    }

    private static int writeEntry(byte[] d, int off, double score, byte[] m, int mOff, int mLen) {
        if (integral(score)) {
            off = writeVarint(d, off, zigzag((long) score) << 1);
        } else {
            d[off++] = 1;
            long bits = Double.doubleToRawLongBits(score);
            for (int i = 56; i >= 0; i -= 8) {
                d[off++] = (byte) (bits >>> i);
            }
        }
        off = writeVarint(d, off, mLen);
        System.arraycopy(m, mOff, d, off, mLen);
        return off + mLen;
    }

    /** Decodes the entry at {@code off} into eScore, eMember, eLength, eNext. */
    private void decode(int off) {
        byte[] d = data;
        if (d[off] == 1) {
            long bits = 0;
            for (int i = 1; i <= 8; i++) {
                bits = (bits << 8) | (d[off + i] & 0xFF);
            }
            eScore = Double.longBitsToDouble(bits);
            off += 9;
        } else {
            long v = 0;
            int shift = 0;
            byte b;
            do {
                b = d[off++];
                v |= (long) (b & 0x7F) << shift;
                shift += 7;
            } while (b < 0);
            eScore = (double) unzigzag(v >>> 1);
        }
        int len = 0;
        int shift = 0;
        byte b;
        do {
            b = d[off++];
            len |= (b & 0x7F) << shift;
            shift += 7;
        } while (b < 0);
        eMember = off;
        eLength = len;
        eNext = off + len;
    }

    private boolean memberEquals(byte[] m) {
        return eLength == m.length && Arrays.equals(data, eMember, eMember + eLength, m, 0, m.length);
    }

    private int compareMember(byte[] m) {
        return Arrays.compareUnsigned(data, eMember, eMember + eLength, m, 0, m.length);
    }

    // ------------------------------------------------------------------ reads

    /** Offset of the entry of {@code member}, or -1; the entry stays decoded. */
    private int find(byte[] member) {
        for (int off = 0; off < used; off = eNext) {
            decode(off);
            if (memberEquals(member)) {
                return off;
            }
        }
        return -1;
    }

    double score(byte[] member) {
        return find(member) < 0 ? Double.NaN : eScore;
    }

    int rank(byte[] member) {
        int i = 0;
        for (int off = 0; off < used; off = eNext, i++) {
            decode(off);
            if (memberEquals(member)) {
                return i;
            }
        }
        return -1;
    }

    int countBelow(double v, boolean inclusive) {
        int i = 0;
        for (int off = 0; off < used; off = eNext, i++) {
            decode(off);
            if (!(eScore < v || (inclusive && eScore == v))) {
                break;
            }
        }
        return i;
    }

    int countBelowLex(byte[] v, boolean inclusive) {
        int i = 0;
        for (int off = 0; off < used; off = eNext, i++) {
            decode(off);
            int c = compareMember(v);
            if (!(c < 0 || (inclusive && c == 0))) {
                break;
            }
        }
        return i;
    }

    /** The start offset of every entry, in order (for cursors). */
    int[] offsets() {
        int[] o = new int[count];
        int i = 0;
        for (int off = 0; off < used; off = eNext) {
            o[i++] = off;
            decode(off);
        }
        return o;
    }

    /** Decodes the entry at a known offset, for cursors: score. */
    double scoreAt(int off) {
        decode(off);
        return eScore;
    }

    /** Member start of the entry at {@code off}; {@link #lastLength()} gives its length. */
    int memberAt(int off) {
        decode(off);
        return eMember;
    }

    int lastLength() {
        return eLength;
    }

    /** Receives entries from {@link #forEach}. */
    interface EntryVisitor {
        void visit(byte[] data, int memberOffset, int memberLength, double score);
    }

    void forEach(EntryVisitor v) {
        for (int off = 0; off < used; ) {
            decode(off);
            int next = eNext;
            v.visit(data, eMember, eLength, eScore);
            off = next;
        }
    }

    /** Length of the longest member. */
    int maxMemberLength() {
        int max = 0;
        for (int off = 0; off < used; off = eNext) {
            decode(off);
            max = Math.max(max, eLength);
        }
        return max;
    }

    // ------------------------------------------------------------------ writes

    /** Inserts a member known to be absent at its ordered position. */
    void insert(byte[] member, double score) {
        if (score == 0) {
            score = 0.0; // as in a listpack, where -0 is stored as the integer 0
        }
        int off = 0;
        for (; off < used; off = eNext) {
            decode(off);
            if (!(eScore < score || (eScore == score && compareMember(member) < 0))) {
                break;
            }
        }
        int size = entrySize(score, member.length);
        open(off, size);
        writeEntry(data, off, score, member, 0, member.length);
        count++;
    }

    /** Appends an entry ordered after every present one (building from sorted input). */
    void append(byte[] m, int mOff, int mLen, double score) {
        if (score == 0) {
            score = 0.0;
        }
        int size = entrySize(score, mLen);
        open(used, size);
        writeEntry(data, used - size, score, m, mOff, mLen);
        count++;
    }

    boolean remove(byte[] member) {
        int off = find(member);
        if (off < 0) {
            return false;
        }
        close(off, eNext - off);
        count--;
        return true;
    }

    /** Removes the entries of ranks [from, to). */
    int removeRange(int from, int to) {
        int i = 0;
        int off = 0;
        for (; i < from; i++) {
            decode(off);
            off = eNext;
        }
        int end = off;
        for (; i < to; i++) {
            decode(end);
            end = eNext;
        }
        close(off, end - off);
        count -= to - from;
        return to - from;
    }

    /** Makes room for {@code size} bytes at {@code off}. */
    private void open(int off, int size) {
        int need = used + size;
        if (need > data.length) {
            byte[] d = new byte[need + Math.min(need >> 3, 1024)];
            System.arraycopy(data, 0, d, 0, off);
            System.arraycopy(data, off, d, off + size, used - off);
            data = d;
        } else {
            System.arraycopy(data, off, data, off + size, used - off);
        }
        used = need;
    }

    private void close(int off, int size) {
        System.arraycopy(data, off + size, data, off, used - off - size);
        used -= size;
        if (used < data.length >> 1) {
            data = Arrays.copyOf(data, used + Math.min(used >> 3, 1024));
        }
    }

    SortedSetListpack copy() {
        SortedSetListpack c = new SortedSetListpack();
        c.data = Arrays.copyOf(data, used);
        c.used = used;
        c.count = count;
        return c;
    }
}
