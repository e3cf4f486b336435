package dev.podis.storage;

/**
 * Redis's CRC-64 (crc64.c: the Jones polynomial 0xad93d23594c935a9, reflected input and output,
 * initial value 0, no final xor), the checksum of RDB files and of DUMP / FUNCTION DUMP payloads.
 * {@code crc64(0, "123456789")} is {@code 0xe9c6d914c4b8d9ca}.
 */
public final class Crc64 {
    private static final long POLY = 0x95ac9329ac4bc9b5L; // 0xad93d23594c935a9 bit-reversed
    private static final long[] TABLE = new long[256];

    static {
        for (int i = 0; i < 256; i++) {
            long crc = i;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
            }
            TABLE[i] = crc;
        }
    }

    private Crc64() {
    }

    /** Continues {@code crc} over {@code data[off, off + len)}. */
    public static long update(long crc, byte[] data, int off, int len) {
        for (int i = off; i < off + len; i++) {
            crc = TABLE[(int) ((crc ^ data[i]) & 0xFF)] ^ (crc >>> 8);
        }
        return crc;
    }

    /** The CRC of {@code data[off, off + len)}. */
    public static long of(byte[] data, int off, int len) {
        return update(0, data, off, len);
    }
}
