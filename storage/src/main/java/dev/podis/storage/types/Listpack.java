package dev.podis.storage.types;

import java.util.Arrays;

/**
 * Redis's listpack byte format (listpack.c), used as is for the nodes of a stream so that a node
 * costs what Redis's costs and an RDB codec can copy nodes verbatim.
 *
 * <p>Layout: a 6-byte header (total bytes as uint32 little endian, element count as uint16, 65535
 * meaning "count it"), the elements, and a 0xFF terminator. Each element is an encoding byte
 * (with its data) followed by a "backlen", the size of encoding plus data in 1 to 5 bytes that can
 * be read backwards, so a listpack can be walked in both directions. Integers take 1 to 9 bytes
 * (0..127 in one); a string that is the canonical decimal form of a 64-bit integer is stored as
 * that integer, as Redis's lpAppend does, and reads back as the same bytes.
 *
 * <p>A listpack here is a {@code byte[]} that may be longer than the listpack it holds (room to
 * append); {@link #bytes} is the length in use. Methods that may need more room return the array
 * to use from then on; element positions are byte offsets and stay valid across such calls
 * unless an element before them changed size.
 */
public final class Listpack {
    static final int HEADER = 6;
    static final int EOF = 0xFF;
    private static final int MAX_COUNT = 65535;

    private Listpack() {
    }

    /** A view of one element filled in by {@link #get}: an integer or a range of bytes. */
    public static final class Element {
        public boolean isInt;
        public long intValue;
        public byte[] array;
        public int offset;
        public int length;

        /** The element as bytes (an integer in decimal), a new array. */
        public byte[] toBytes() {
            if (isInt) {
                return Long.toString(intValue).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            }
            return Arrays.copyOfRange(array, offset, offset + length);
        }

        /** Whether the element equals {@code b[off, off + len)} as bytes. */
        public boolean equalsBytes(byte[] b, int off, int len) {
            if (!isInt) {
                return length == len && Arrays.equals(array, offset, offset + length, b, off, off + len);
            }
            long v = parseCanonical(b, off, len);
            return v != NO_INT && v == intValue || v == NO_INT && len == 20 && isMinLong(b, off) && intValue == Long.MIN_VALUE;
        }
    }

    /** A new empty listpack with room for {@code capacity} bytes. */
    public static byte[] create(int capacity) {
        byte[] lp = new byte[Math.max(capacity, HEADER + 1)];
        setBytes(lp, HEADER + 1);
        setCount(lp, 0);
        lp[HEADER] = (byte) EOF;
        return lp;
    }

    /** Bytes in use (the header's total-bytes field). */
    public static int bytes(byte[] lp) {
        return (lp[0] & 0xFF) | (lp[1] & 0xFF) << 8 | (lp[2] & 0xFF) << 16 | (lp[3] & 0xFF) << 24;
    }

    private static void setBytes(byte[] lp, int n) {
        lp[0] = (byte) n;
        lp[1] = (byte) (n >>> 8);
        lp[2] = (byte) (n >>> 16);
        lp[3] = (byte) (n >>> 24);
    }

    /** The header's element count (65535 when it is too large to hold). */
    public static int headerCount(byte[] lp) {
        return (lp[4] & 0xFF) | (lp[5] & 0xFF) << 8;
    }

    private static void setCount(byte[] lp, int n) {
        int c = Math.min(n, MAX_COUNT);
        lp[4] = (byte) c;
        lp[5] = (byte) (c >>> 8);
    }

    private static void addCount(byte[] lp, int delta) {
        int c = headerCount(lp);
        if (c != MAX_COUNT) {
            setCount(lp, c + delta);
        }
    }

    /** A copy holding exactly the bytes in use. */
    public static byte[] shrinkToFit(byte[] lp) {
        int n = bytes(lp);
        return lp.length == n ? lp : Arrays.copyOf(lp, n);
    }

    /** Position of the first element, or -1 when empty. */
    public static int first(byte[] lp) {
        return (lp[HEADER] & 0xFF) == EOF ? -1 : HEADER;
    }

    /** Position of the last element, or -1 when empty. */
    public static int last(byte[] lp) {
        return prev(lp, bytes(lp) - 1);
    }

    /** Position of the element after the one at {@code p}, or -1. */
    public static int next(byte[] lp, int p) {
        int n = p + encodedSize(lp, p);
        n += backlenSize(n - p);
        return (lp[n] & 0xFF) == EOF ? -1 : n;
    }

    /** Position of the element before the one at (or the terminator at) {@code p}, or -1. */
    public static int prev(byte[] lp, int p) {
        if (p <= HEADER) {
            return -1;
        }
        // decode the backlen that ends just before p
        int q = p - 1;
        long val = 0;
        int shift = 0;
        while (true) {
            int b = lp[q] & 0xFF;
            val |= (long) (b & 127) << shift;
            if ((b & 128) == 0) {
                break;
            }
            shift += 7;
            q--;
        }
        int len = (int) val;
        return p - backlenSize(len) - len;
    }

    /** Size of the encoding byte(s) plus data of the element at {@code p} (without its backlen). */
    static int encodedSize(byte[] lp, int p) {
        int b = lp[p] & 0xFF;
        if ((b & 0x80) == 0) {
            return 1; // 7-bit uint
        }
        if ((b & 0xC0) == 0x80) {
            return 1 + (b & 0x3F); // 6-bit string length
        }
        if ((b & 0xE0) == 0xC0) {
            return 2; // 13-bit int
        }
        if ((b & 0xF0) == 0xE0) {
            return 2 + ((b & 0x0F) << 8 | (lp[p + 1] & 0xFF)); // 12-bit string length
        }
        return switch (b) {
            case 0xF0 -> 5 + le32(lp, p + 1); // 32-bit string length
            case 0xF1 -> 3;
            case 0xF2 -> 4;
            case 0xF3 -> 5;
            case 0xF4 -> 9;
            default -> throw new IllegalStateException("bad listpack encoding byte " + b);
        };
    }

    private static int le32(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (b[p + 3] & 0xFF) << 24;
    }

    static int backlenSize(int l) {
        if (l <= 127) {
            return 1;
        }
        if (l < 16383) {
            return 2;
        }
        if (l < 2097151) {
            return 3;
        }
        if (l < 268435455) {
            return 4;
        }
        return 5;
    }

    private static int writeBacklen(byte[] b, int pos, int l) {
        int n = backlenSize(l);
        // most significant group first; every byte but the first carries the continuation bit
        for (int i = n - 1; i >= 0; i--) {
            int group = (l >>> (7 * i)) & 127;
            b[pos + (n - 1 - i)] = (byte) (i == n - 1 ? group : group | 128);
        }
        return pos + n;
    }

    /** Reads the element at {@code p} into {@code out}. */
    public static void get(byte[] lp, int p, Element out) {
        int b = lp[p] & 0xFF;
        if ((b & 0x80) == 0) {
            out.isInt = true;
            out.intValue = b;
        } else if ((b & 0xC0) == 0x80) {
            str(out, lp, p + 1, b & 0x3F);
        } else if ((b & 0xE0) == 0xC0) {
            int v = (b & 0x1F) << 8 | (lp[p + 1] & 0xFF);
            out.isInt = true;
            out.intValue = v >= 1 << 12 ? v - (1 << 13) : v;
        } else if ((b & 0xF0) == 0xE0) {
            str(out, lp, p + 2, (b & 0x0F) << 8 | (lp[p + 1] & 0xFF));
        } else {
            switch (b) {
                case 0xF0 -> str(out, lp, p + 5, le32(lp, p + 1));
                case 0xF1 -> intOut(out, (short) ((lp[p + 1] & 0xFF) | (lp[p + 2] & 0xFF) << 8));
                case 0xF2 -> {
                    int v = (lp[p + 1] & 0xFF) | (lp[p + 2] & 0xFF) << 8 | (lp[p + 3] & 0xFF) << 16;
                    intOut(out, (v << 8) >> 8);
                }
                case 0xF3 -> intOut(out, le32(lp, p + 1));
                case 0xF4 -> {
                    long v = 0;
                    for (int i = 7; i >= 0; i--) {
                        v = v << 8 | (lp[p + 1 + i] & 0xFF);
                    }
                    intOut(out, v);
                }
                default -> throw new IllegalStateException("bad listpack encoding byte " + b);
            }
        }
    }

    private static void str(Element out, byte[] lp, int off, int len) {
        out.isInt = false;
        out.array = lp;
        out.offset = off;
        out.length = len;
    }

    private static void intOut(Element out, long v) {
        out.isInt = true;
        out.intValue = v;
    }

    /** The element at {@code p} as an integer (elements written with {@link #appendInt}). */
    public static long getInt(byte[] lp, int p) {
        int b = lp[p] & 0xFF;
        if ((b & 0x80) == 0) {
            return b;
        }
        if ((b & 0xE0) == 0xC0) {
            int v = (b & 0x1F) << 8 | (lp[p + 1] & 0xFF);
            return v >= 1 << 12 ? v - (1 << 13) : v;
        }
        switch (b) {
            case 0xF1:
                return (short) ((lp[p + 1] & 0xFF) | (lp[p + 2] & 0xFF) << 8);
            case 0xF2:
                return (((lp[p + 1] & 0xFF) | (lp[p + 2] & 0xFF) << 8 | (lp[p + 3] & 0xFF) << 16) << 8) >> 8;
            case 0xF3:
                return le32(lp, p + 1);
            case 0xF4: {
                long v = 0;
                for (int i = 7; i >= 0; i--) {
                    v = v << 8 | (lp[p + 1 + i] & 0xFF);
                }
                return v;
            }
            default:
                break;
        }
        Element e = new Element();
        get(lp, p, e);
        long v = parseCanonical(e.array, e.offset, e.length);
        if (v == NO_INT) {
            throw new IllegalStateException("listpack element is not an integer");
        }
        return v;
    }

    static final long NO_INT = Long.MIN_VALUE;

    /** string2ll's canonical decimal, or {@link #NO_INT} (Long.MIN_VALUE itself also reads as that). */
    static long parseCanonical(byte[] s, int off, int len) {
        if (len == 0 || len > 20) {
            return NO_INT;
        }
        if (len == 1 && s[off] == '0') {
            return 0;
        }
        int i = off;
        int end = off + len;
        boolean negative = s[i] == '-';
        if (negative) {
            i++;
            if (i == end) {
                return NO_INT;
            }
        }
        if (s[i] < '1' || s[i] > '9') {
            return NO_INT;
        }
        long v = 0;
        for (; i < end; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) {
                return NO_INT;
            }
            if (v < (Long.MIN_VALUE + d) / 10) {
                return NO_INT;
            }
            v = v * 10 - d;
        }
        if (!negative) {
            return v == Long.MIN_VALUE ? NO_INT : -v;
        }
        return v;
    }

    private static final byte[] MIN_LONG = Long.toString(Long.MIN_VALUE).getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static boolean isMinLong(byte[] b, int off) {
        return Arrays.equals(b, off, off + 20, MIN_LONG, 0, 20);
    }

    /** Encoded size (encoding + data, without backlen) of integer {@code v}. */
    static int intSize(long v) {
        if (v >= 0 && v <= 127) {
            return 1;
        }
        if (v >= -4096 && v <= 4095) {
            return 2;
        }
        if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            return 3;
        }
        if (v >= -8388608 && v <= 8388607) {
            return 4;
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            return 5;
        }
        return 9;
    }

    private static int writeInt(byte[] b, int p, long v) {
        int size = intSize(v);
        switch (size) {
            case 1 -> b[p] = (byte) v;
            case 2 -> {
                int u = (int) (v < 0 ? (1 << 13) + v : v);
                b[p] = (byte) (0xC0 | (u >>> 8));
                b[p + 1] = (byte) u;
            }
            default -> {
                b[p] = (byte) (size == 3 ? 0xF1 : size == 4 ? 0xF2 : size == 5 ? 0xF3 : 0xF4);
                for (int i = 0; i < size - 1; i++) {
                    b[p + 1 + i] = (byte) (v >>> (8 * i));
                }
            }
        }
        return p + size;
    }

    /** Encoded size (encoding + data, without backlen) of a string of {@code len} bytes. */
    static int stringSize(int len) {
        return len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
    }

    /** Whole size (with backlen) of the element {@link #append} writes for these bytes. */
    public static int elementSize(byte[] s, int off, int len) {
        long v = parseCanonical(s, off, len);
        int enc = v != NO_INT ? intSize(v) : (len == 20 && isMinLong(s, off)) ? 9 : stringSize(len);
        return enc + backlenSize(enc);
    }

    /** Whole size (with backlen) of integer {@code v} as an element. */
    public static int intElementSize(long v) {
        int enc = intSize(v);
        return enc + backlenSize(enc);
    }

    private static byte[] ensure(byte[] lp, int used, int extra) {
        int need = used + extra;
        if (need <= lp.length) {
            return lp;
        }
        int cap = Math.max(need, used + (used >> 1) + 16);
        return Arrays.copyOf(lp, cap);
    }

    /** Appends {@code s[off, off + len)} (as an integer when it is one, as Redis). */
    public static byte[] append(byte[] lp, byte[] s, int off, int len) {
        long v = parseCanonical(s, off, len);
        if (v != NO_INT || len == 20 && isMinLong(s, off)) {
            return appendInt(lp, v == NO_INT ? Long.MIN_VALUE : v);
        }
        int enc = stringSize(len);
        int used = bytes(lp);
        lp = ensure(lp, used, enc + backlenSize(enc));
        int p = used - 1; // over the terminator
        if (len < 64) {
            lp[p++] = (byte) (0x80 | len);
        } else if (len < 4096) {
            lp[p++] = (byte) (0xE0 | (len >>> 8));
            lp[p++] = (byte) len;
        } else {
            lp[p++] = (byte) 0xF0;
            lp[p++] = (byte) len;
            lp[p++] = (byte) (len >>> 8);
            lp[p++] = (byte) (len >>> 16);
            lp[p++] = (byte) (len >>> 24);
        }
        System.arraycopy(s, off, lp, p, len);
        p = writeBacklen(lp, p + len, enc);
        lp[p++] = (byte) EOF;
        setBytes(lp, p);
        addCount(lp, 1);
        return lp;
    }

    /** Appends integer {@code v}. */
    public static byte[] appendInt(byte[] lp, long v) {
        int enc = intSize(v);
        int used = bytes(lp);
        lp = ensure(lp, used, enc + backlenSize(enc));
        int p = writeInt(lp, used - 1, v);
        p = writeBacklen(lp, p, enc);
        lp[p++] = (byte) EOF;
        setBytes(lp, p);
        addCount(lp, 1);
        return lp;
    }

    /** Replaces the element at {@code p} with integer {@code v}; the element stays at {@code p}. */
    public static byte[] replaceInt(byte[] lp, int p, long v) {
        int oldEnc = encodedSize(lp, p);
        int oldSize = oldEnc + backlenSize(oldEnc);
        int enc = intSize(v);
        int size = enc + backlenSize(enc);
        int used = bytes(lp);
        if (size != oldSize) {
            lp = ensure(lp, used, Math.max(0, size - oldSize));
            System.arraycopy(lp, p + oldSize, lp, p + size, used - p - oldSize);
            setBytes(lp, used + size - oldSize);
        }
        writeBacklen(lp, writeInt(lp, p, v), enc);
        return lp;
    }
}
