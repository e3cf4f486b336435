package dev.podis.storage.types;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Hashing and comparison of byte ranges for the collection tables. */
final class ByteHash {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long SEED = 0x9E3779B97F4A7C15L;

    private ByteHash() {
    }

    /** A well-mixed 32-bit hash of {@code a[off, off+len)}. */
    static int hash(byte[] a, int off, int len) {
        long h = SEED ^ len;
        int i = off;
        int end = off + len;
        while (end - i >= 8) {
            long k = (long) LONGS.get(a, i);
            h = (h ^ mix(k)) * 0xC2B2AE3D27D4EB4FL;
            h = Long.rotateLeft(h, 29);
            i += 8;
        }
        long tail = 0;
        int shift = 0;
        while (i < end) {
            tail |= (a[i++] & 0xFFL) << shift;
            shift += 8;
        }
        h = (h ^ mix(tail)) * 0xC2B2AE3D27D4EB4FL;
        return (int) (mix(h) >>> 32);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB93FE1A85E7BL;
        return z ^ (z >>> 33);
    }

    static boolean equal(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
        return aLen == bLen && Arrays.equals(a, aOff, aOff + aLen, b, bOff, bOff + bLen);
    }
}
