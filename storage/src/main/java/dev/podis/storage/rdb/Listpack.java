package dev.podis.storage.rdb;

import dev.podis.storage.types.Decimal;

import java.util.Arrays;

/**
 * Redis's listpack blob, as RDB files carry small hashes, sets, sorted sets and list nodes:
 * {@code total-bytes(u32 LE) count(u16 LE, 65535 = unknown) entries... 0xFF}. Each entry is an
 * encoding byte (7-bit and 13-bit integers, 6-bit and 12-bit string lengths inline; 0xF0 32-bit
 * string length; 0xF1..0xF4 16/24/32/64-bit integers), its data, and a back-length of the entry's
 * size in 1..5 bytes readable backwards. Strings that are canonical 64-bit integers are stored as
 * integers, as Redis's lpAppend does.
 */
final class Listpack {
    private Listpack() {
    }

    /** Builds one listpack at a time into a reusable buffer. */
    static final class Writer {
        private byte[] buf = new byte[256];
        private int pos;
        private int count;

        /** Starts a new, empty listpack. */
        Writer reset() {
            pos = 6;
            count = 0;
            return this;
        }

        private void ensure(int n) {
            if (buf.length - pos < n) {
                buf = Arrays.copyOf(buf, Math.max(pos + n, buf.length * 2));
            }
        }

        /** Appends a string, as an integer when it is one (lpAppend). */
        Writer add(byte[] s, int off, int len) {
            long v = Decimal.parse(s, off, len);
            if (v != Decimal.NOT_AN_INTEGER || Decimal.isMinLong(s, off, len)) {
                return addInteger(v);
            }
            ensure(len + 10);
            int start = pos;
            if (len < 64) {
                buf[pos++] = (byte) (0x80 | len);
            } else if (len < 4096) {
                buf[pos++] = (byte) (0xE0 | (len >>> 8));
                buf[pos++] = (byte) len;
            } else {
                buf[pos++] = (byte) 0xF0;
                buf[pos++] = (byte) len;
                buf[pos++] = (byte) (len >>> 8);
                buf[pos++] = (byte) (len >>> 16);
                buf[pos++] = (byte) (len >>> 24);
            }
            System.arraycopy(s, off, buf, pos, len);
            pos += len;
            backlen(pos - start);
            return this;
        }

        Writer add(byte[] s) {
            return add(s, 0, s.length);
        }

        /** Appends an integer in the smallest encoding (lpEncodeIntegerGetType). */
        Writer addInteger(long v) {
            ensure(20);
            int start = pos;
            if (v >= 0 && v <= 127) {
                buf[pos++] = (byte) v;
            } else if (v >= -4096 && v <= 4095) {
                long u = v < 0 ? (1L << 13) + v : v;
                buf[pos++] = (byte) (0xC0 | (u >>> 8));
                buf[pos++] = (byte) u;
            } else if (v >= -32768 && v <= 32767) {
                buf[pos++] = (byte) 0xF1;
                le(v, 2);
            } else if (v >= -8388608 && v <= 8388607) {
                buf[pos++] = (byte) 0xF2;
                le(v, 3);
            } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                buf[pos++] = (byte) 0xF3;
                le(v, 4);
            } else {
                buf[pos++] = (byte) 0xF4;
                le(v, 8);
            }
            backlen(pos - start);
            return this;
        }

        private void le(long v, int n) {
            for (int i = 0; i < n; i++) {
                buf[pos++] = (byte) (v >>> (8 * i));
            }
        }

        /** lpEncodeBacklen: the entry size, high bits first, the last byte holding the low 7 bits. */
        private void backlen(int l) {
            count++;
            if (l <= 127) {
                buf[pos++] = (byte) l;
            } else if (l < 16383) {
                buf[pos++] = (byte) (l >>> 7);
                buf[pos++] = (byte) ((l & 127) | 128);
            } else if (l < 2097151) {
                buf[pos++] = (byte) (l >>> 14);
                buf[pos++] = (byte) (((l >>> 7) & 127) | 128);
                buf[pos++] = (byte) ((l & 127) | 128);
            } else if (l < 268435455) {
                buf[pos++] = (byte) (l >>> 21);
                buf[pos++] = (byte) (((l >>> 14) & 127) | 128);
                buf[pos++] = (byte) (((l >>> 7) & 127) | 128);
                buf[pos++] = (byte) ((l & 127) | 128);
            } else {
                buf[pos++] = (byte) (l >>> 28);
                buf[pos++] = (byte) (((l >>> 21) & 127) | 128);
                buf[pos++] = (byte) (((l >>> 14) & 127) | 128);
                buf[pos++] = (byte) (((l >>> 7) & 127) | 128);
                buf[pos++] = (byte) ((l & 127) | 128);
            }
        }

        int count() {
            return count;
        }

        /** Closes the listpack (end byte and header); its bytes are {@code array()[0, length)}. */
        int finish() {
            ensure(1);
            buf[pos++] = (byte) 0xFF;
            buf[0] = (byte) pos;
            buf[1] = (byte) (pos >>> 8);
            buf[2] = (byte) (pos >>> 16);
            buf[3] = (byte) (pos >>> 24);
            int n = Math.min(count, 65535);
            buf[4] = (byte) n;
            buf[5] = (byte) (n >>> 8);
            return pos;
        }

        byte[] array() {
            return buf;
        }
    }

    /**
     * Walks a listpack that may be corrupt, checking every entry against the blob's bounds, its
     * back-length and the header (lpValidateIntegrity with deep checks). After {@link #next}
     * returned true the entry is either an integer ({@link #isInteger}, {@link #integer}) or a
     * string ({@code lp[offset(), offset() + length())}).
     */
    static final class Reader {
        private final byte[] lp;
        private final int end;
        private final int declared;
        private int p;
        private int seen;
        private boolean isInt;
        private long value;
        private int strOff;
        private int strLen;

        /** @throws IllegalArgumentException when the header does not describe the blob */
        Reader(byte[] lp, int len) {
            if (len < 7) {
                throw new IllegalArgumentException("listpack shorter than its header");
            }
            long total = (lp[0] & 0xffL) | (lp[1] & 0xffL) << 8 | (lp[2] & 0xffL) << 16 | (lp[3] & 0xffL) << 24;
            if (total != len) {
                throw new IllegalArgumentException("listpack size " + total + " does not match its length " + len);
            }
            if ((lp[len - 1] & 0xff) != 0xFF) {
                throw new IllegalArgumentException("listpack without its end byte");
            }
            this.lp = lp;
            this.end = len - 1;
            this.declared = (lp[4] & 0xff) | (lp[5] & 0xff) << 8;
            this.p = 6;
        }

        /** The count in the header (65535 when it was too large to store). */
        int declaredCount() {
            return declared;
        }

        /**
         * Moves to the next entry; false at the end.
         *
         * @throws IllegalArgumentException when an entry is malformed or runs past the blob
         */
        boolean next() {
            if (p == end) {
                if (declared != 65535 && declared != seen) {
                    throw new IllegalArgumentException("listpack holds " + seen + " entries, its header says " + declared);
                }
                return false;
            }
            int start = p;
            int b = lp[p] & 0xff;
            int size;
            if ((b & 0x80) == 0) {
                isInt = true;
                value = b;
                size = 1;
            } else if ((b & 0xC0) == 0x80) {
                isInt = false;
                strLen = b & 0x3F;
                strOff = p + 1;
                size = 1 + strLen;
            } else if ((b & 0xE0) == 0xC0) {
                need(start, 2);
                isInt = true;
                long u = ((b & 0x1F) << 8) | (lp[p + 1] & 0xff);
                value = u >= (1 << 12) ? u - (1 << 13) : u;
                size = 2;
            } else if ((b & 0xF0) == 0xE0) {
                need(start, 2);
                isInt = false;
                strLen = ((b & 0x0F) << 8) | (lp[p + 1] & 0xff);
                strOff = p + 2;
                size = 2 + strLen;
            } else if (b == 0xF0) {
                need(start, 5);
                isInt = false;
                long l = (lp[p + 1] & 0xffL) | (lp[p + 2] & 0xffL) << 8 | (lp[p + 3] & 0xffL) << 16 | (lp[p + 4] & 0xffL) << 24;
                if (l > end - p - 5) {
                    throw new IllegalArgumentException("listpack string runs past the end");
                }
                strLen = (int) l;
                strOff = p + 5;
                size = 5 + strLen;
            } else if (b >= 0xF1 && b <= 0xF4) {
                int n = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
                need(start, 1 + n);
                isInt = true;
                long v = 0;
                for (int i = n - 1; i >= 0; i--) {
                    v = v << 8 | (lp[p + 1 + i] & 0xff);
                }
                int shift = 64 - 8 * n;
                value = (v << shift) >> shift; // sign-extend
                size = 1 + n;
            } else {
                throw new IllegalArgumentException("listpack entry with invalid encoding " + b);
            }
            need(start, size);
            int bl = backlenSize(size);
            need(start, size + bl);
            // the back-length, read backwards as lpDecodeBacklen does
            int q = start + size + bl - 1;
            long decoded = 0;
            int shift = 0;
            for (int i = 0; i < bl; i++, q--) {
                int x = lp[q] & 0xff;
                decoded |= (long) (x & 127) << shift;
                shift += 7;
                if (((x & 128) != 0) != (i < bl - 1)) {
                    throw new IllegalArgumentException("listpack entry with a bad back-length");
                }
            }
            if (decoded != size) {
                throw new IllegalArgumentException("listpack entry with a bad back-length");
            }
            p = start + size + bl;
            seen++;
            return true;
        }

        private void need(int start, long n) {
            if (start + n > end) {
                throw new IllegalArgumentException("listpack entry runs past the end");
            }
        }

        private static int backlenSize(int l) {
            return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
        }

        boolean isInteger() {
            return isInt;
        }

        long integer() {
            return value;
        }

        byte[] array() {
            return lp;
        }

        int offset() {
            return strOff;
        }

        int length() {
            return strLen;
        }

        /** The entry as bytes (integers as their decimal text). */
        byte[] bytes() {
            return isInt ? Decimal.text(value) : Arrays.copyOfRange(lp, strOff, strOff + strLen);
        }
    }
}
