package dev.podis.storage.rdb;

import dev.podis.storage.types.Decimal;

import java.util.Arrays;

/**
 * Reads the ziplist blobs of RDB version 9 and older files (lists, small hashes and sorted sets
 * before Redis 7.0): {@code zlbytes(u32 LE) zltail(u32 LE) zllen(u16 LE) entries... 0xFF}, each
 * entry a previous-entry length (1 byte, or 0xFE and 4 bytes), an encoding (6, 14 or 32-bit string
 * lengths; 8/16/24/32/64-bit integers; 0..12 inline) and its data. Every entry is checked against
 * the blob's bounds and the previous entry's size, as ziplistValidateIntegrity does.
 */
final class Ziplist {
    private final byte[] zl;
    private final int end;
    private final int declared;
    private final int tail;
    private int p = 10;
    private int prevSize;
    private int lastStart = -1;
    private int seen;
    private boolean isInt;
    private long value;
    private int strOff;
    private int strLen;

    /** @throws IllegalArgumentException when the header does not describe the blob */
    Ziplist(byte[] zl) {
        int len = zl.length;
        if (len < 11) {
            throw new IllegalArgumentException("ziplist shorter than its header");
        }
        long bytes = u32(zl, 0);
        if (bytes != len) {
            throw new IllegalArgumentException("ziplist size " + bytes + " does not match its length " + len);
        }
        if ((zl[len - 1] & 0xff) != 0xFF) {
            throw new IllegalArgumentException("ziplist without its end byte");
        }
        this.zl = zl;
        this.end = len - 1;
        this.tail = (int) Math.min(Integer.MAX_VALUE, u32(zl, 4));
        this.declared = (zl[8] & 0xff) | (zl[9] & 0xff) << 8;
    }

    private static long u32(byte[] b, int o) {
        return (b[o] & 0xffL) | (b[o + 1] & 0xffL) << 8 | (b[o + 2] & 0xffL) << 16 | (b[o + 3] & 0xffL) << 24;
    }

    private void need(int start, long n) {
        if (start + n > end) {
            throw new IllegalArgumentException("ziplist entry runs past the end");
        }
    }

    /** Moves to the next entry; false at the end (after checking the header's count and tail). */
    boolean next() {
        if (p == end) {
            if (declared != 0xFFFF && declared != seen) {
                throw new IllegalArgumentException("ziplist holds " + seen + " entries, its header says " + declared);
            }
            if (seen > 0 ? tail != lastStart : tail != 10) {
                throw new IllegalArgumentException("ziplist tail offset is wrong");
            }
            return false;
        }
        int start = p;
        int prev;
        int q = p;
        need(start, 1);
        int b = zl[q] & 0xff;
        if (b < 254) {
            prev = b;
            q += 1;
        } else if (b == 254) {
            need(start, 5);
            long pl = u32(zl, q + 1);
            if (pl > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ziplist previous-entry length out of range");
            }
            prev = (int) pl;
            q += 5;
        } else {
            throw new IllegalArgumentException("ziplist entry with invalid previous length");
        }
        if (prev != prevSize) {
            throw new IllegalArgumentException("ziplist entry with a wrong previous-entry length");
        }
        need(start, q - start + 1);
        int e = zl[q] & 0xff;
        int top = e >>> 6;
        if (top == 0) {
            isInt = false;
            strLen = e & 0x3F;
            strOff = q + 1;
        } else if (top == 1) {
            need(start, q - start + 2);
            isInt = false;
            strLen = (e & 0x3F) << 8 | (zl[q + 1] & 0xff);
            strOff = q + 2;
        } else if (top == 2) {
            need(start, q - start + 5);
            isInt = false;
            long l = (zl[q + 1] & 0xffL) << 24 | (zl[q + 2] & 0xffL) << 16 | (zl[q + 3] & 0xffL) << 8 | (zl[q + 4] & 0xffL);
            if (l > end) {
                throw new IllegalArgumentException("ziplist string runs past the end");
            }
            strLen = (int) l;
            strOff = q + 5;
        } else {
            isInt = true;
            int n;
            switch (e) {
                case 0xC0: n = 2; break;
                case 0xD0: n = 4; break;
                case 0xE0: n = 8; break;
                case 0xF0: n = 3; break;
                case 0xFE: n = 1; break;
                default:
                    if (e >= 0xF1 && e <= 0xFD) {
                        n = 0;
                        value = (e & 0x0F) - 1;
                    } else {
                        throw new IllegalArgumentException("ziplist entry with invalid encoding " + e);
                    }
            }
            if (n > 0) {
                need(start, q - start + 1 + n);
                long v = 0;
                for (int i = n - 1; i >= 0; i--) {
                    v = v << 8 | (zl[q + 1 + i] & 0xff);
                }
                int shift = 64 - 8 * n;
                value = (v << shift) >> shift;
            }
            strOff = q + 1;
            strLen = n;
        }
        need(start, (long) strOff - start + strLen);
        p = strOff + strLen;
        prevSize = p - start;
        lastStart = start;
        seen++;
        return true;
    }

    boolean isInteger() {
        return isInt;
    }

    long integer() {
        return value;
    }

    /** The entry as bytes (integers as their decimal text). */
    byte[] bytes() {
        return isInt ? Decimal.text(value) : Arrays.copyOfRange(zl, strOff, strOff + strLen);
    }

    /**
     * Reads a zipmap blob (hashes of RDB files from Redis 2.4 and older): a count byte, then
     * {@code len field len free value free-bytes} pairs (lengths of 1 byte, or 254 and 4 bytes
     * little endian), then 0xFF. Returns field, value, field, value...
     *
     * @throws IllegalArgumentException when it is malformed
     */
    static java.util.List<byte[]> zipmap(byte[] zm) {
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        int end = zm.length;
        if (end < 2) {
            throw new IllegalArgumentException("zipmap shorter than its header");
        }
        int p = 1;
        while (true) {
            if (p >= end) {
                throw new IllegalArgumentException("zipmap without its end byte");
            }
            if ((zm[p] & 0xff) == 0xFF) {
                if (p != end - 1) {
                    throw new IllegalArgumentException("zipmap with bytes after its end");
                }
                break;
            }
            for (int k = 0; k < 2; k++) {
                if (p >= end) {
                    throw new IllegalArgumentException("zipmap entry runs past the end");
                }
                int b = zm[p] & 0xff;
                long len;
                if (b < 254) {
                    len = b;
                    p += 1;
                } else if (b == 254) {
                    if (p + 5 > end) {
                        throw new IllegalArgumentException("zipmap entry runs past the end");
                    }
                    len = u32(zm, p + 1);
                    p += 5;
                } else {
                    throw new IllegalArgumentException("zipmap entry with invalid length");
                }
                int free = 0;
                if (k == 1) {
                    if (p >= end) {
                        throw new IllegalArgumentException("zipmap entry runs past the end");
                    }
                    free = zm[p] & 0xff;
                    p += 1;
                }
                if (p + len + free > end) {
                    throw new IllegalArgumentException("zipmap entry runs past the end");
                }
                out.add(Arrays.copyOfRange(zm, p, p + (int) len));
                p += (int) len + free;
            }
        }
        return out;
    }
}
