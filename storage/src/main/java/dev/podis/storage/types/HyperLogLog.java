package dev.podis.storage.types;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A HyperLogLog in Redis's own byte format (hyperloglog.c), so that the string a PFADD leaves
 * behind is byte for byte the one Redis would leave, and an HLL moves between the two servers
 * through GET/SET, DUMP/RESTORE and RDB files.
 *
 * <p>Layout: a 16-byte header, {@code "HYLL"}, the encoding (0 dense, 1 sparse), three unused
 * bytes, and the cached cardinality (8 bytes, little endian; its most significant bit set means
 * "stale"), followed by the registers. 16384 registers (P = 14) of 6 bits count the longest run
 * of zeros (plus one) seen in the upper 50 bits of a 64-bit MurmurHash64A (seed 0xadc83b19) of
 * the elements that the lower 14 bits route to them.
 * <ul>
 *   <li><b>dense</b>: 12288 bytes of packed 6-bit registers, least significant bits first.</li>
 *   <li><b>sparse</b>: run-length opcodes: ZERO {@code 00xxxxxx} (1..64 zero registers), XZERO
 *       {@code 01xxxxxx yyyyyyyy} (1..16384 zero registers), VAL {@code 1vvvvvxx} (1..4 registers
 *       of value 1..32). A new HLL is sparse; it turns dense when a register needs a value above 32
 *       or when the sparse form would grow past {@code hll-sparse-max-bytes}.</li>
 * </ul>
 * The cardinality estimate is Otmar Ertl's improved raw estimator over the register histogram
 * (Redis 5+), computed with the same double operations in the same order, so both servers give
 * the same number for the same registers.
 *
 * <p>An instance works on a private copy of the bytes (with room to grow); {@link #toBytes} gives
 * the result. Every walk over a sparse form is bounded: a corrupted value makes an operation
 * report failure (Redis's INVALIDOBJ), never read outside the array. Reads past the end see 0, as
 * C code reading an sds string sees its terminating NUL.
 */
public final class HyperLogLog {
    public static final int REGISTERS = 1 << 14;
    public static final int HEADER = 16;
    public static final int DENSE_SIZE = HEADER + (REGISTERS * 6 + 7) / 8;
    public static final int DENSE = 0;
    public static final int SPARSE = 1;

    private static final int P = 14;
    private static final int Q = 64 - P;
    private static final int P_MASK = REGISTERS - 1;
    private static final int REGISTER_MAX = 63;
    private static final int SPARSE_VAL_MAX_VALUE = 32;
    private static final int SPARSE_VAL_MAX_LEN = 4;
    private static final int SPARSE_ZERO_MAX_LEN = 64;
    private static final int SPARSE_XZERO_MAX_LEN = 16384;
    private static final long SEED = 0xadc83b19L;
    private static final double ALPHA_INF = 0.721347520444481703680; // 0.5 / ln(2)

    private byte[] b;
    private int len;
    /** Room for the opcodes a sparse change writes (at most 5 bytes), made on first use. */
    private byte[] seq;

    private HyperLogLog(byte[] b, int len) {
        this.b = b;
        this.len = len;
    }

    /** A new, empty HLL: sparse, XZERO opcodes covering every register, cardinality 0. */
    public static HyperLogLog create() {
        int sparseLen = HEADER + ((REGISTERS + SPARSE_XZERO_MAX_LEN - 1) / SPARSE_XZERO_MAX_LEN) * 2;
        byte[] s = new byte[sparseLen + 16];
        s[0] = 'H';
        s[1] = 'Y';
        s[2] = 'L';
        s[3] = 'L';
        s[4] = SPARSE;
        int p = HEADER;
        int aux = REGISTERS;
        while (aux > 0) {
            int xzero = Math.min(SPARSE_XZERO_MAX_LEN, aux);
            setXzero(s, p, xzero);
            p += 2;
            aux -= xzero;
        }
        return new HyperLogLog(s, sparseLen);
    }

    /**
     * Whether {@code s} passes Redis's isHLLObjectOrReply checks: at least a header long, the
     * magic, a known encoding, and exactly the dense size when dense. A sparse body is only
     * checked by the operations that walk it.
     */
    public static boolean isValid(byte[] s) {
        return isValid(s, s.length);
    }

    /** {@link #isValid(byte[])} for the string held in the first {@code len} bytes of {@code s}. */
    public static boolean isValid(byte[] s, int len) {
        if (len < HEADER || s[0] != 'H' || s[1] != 'Y' || s[2] != 'L' || s[3] != 'L') {
            return false;
        }
        int encoding = s[4] & 0xff;
        if (encoding > SPARSE) {
            return false;
        }
        return encoding != DENSE || len == DENSE_SIZE;
    }

    /** Works on a copy of {@code s}, which must be {@link #isValid}. */
    public static HyperLogLog of(byte[] s) {
        int room = (s[4] & 0xff) == SPARSE ? 16 : 0;
        return new HyperLogLog(Arrays.copyOf(s, s.length + room), s.length);
    }

    /**
     * Works on {@code s} itself, which must be {@link #isValid}: for reading only ({@link #count},
     * {@link #mergeInto}, {@link #register}, {@link #decodeSparse}), never for changes.
     */
    public static HyperLogLog view(byte[] s) {
        return new HyperLogLog(s, s.length);
    }

    /**
     * Makes this instance work on the first {@code len} bytes of {@code s} in place, which must be
     * {@link #isValid}: changes go into {@code s} while they fit, else into a bigger array
     * ({@link #array}). A caller keeps one instance for its changes in place: no allocation per change.
     */
    public HyperLogLog rewrap(byte[] s, int len) {
        this.b = s;
        this.len = len;
        return this;
    }

    /** The array the HLL is in now (its first {@link #length} bytes); may have room to grow. */
    public byte[] array() {
        return b;
    }

    /**
     * The current bytes, to store: the instance's own array when it has the exact length (the
     * instance must not be changed afterwards), else a copy of the exact length.
     */
    public byte[] toBytes() {
        return b.length == len ? b : Arrays.copyOf(b, len);
    }

    public int length() {
        return len;
    }

    public int encoding() {
        return b[4] & 0xff;
    }

    public boolean isSparse() {
        return encoding() == SPARSE;
    }

    // ------------------------------------------------------------------ the cached cardinality

    /** Whether the header's cached cardinality is current (its top bit clear). */
    public boolean cacheValid() {
        return (b[15] & 0x80) == 0;
    }

    /** The cached cardinality (meaningful when {@link #cacheValid}). */
    public long cachedCount() {
        long card = 0;
        for (int i = 7; i >= 0; i--) {
            card = (card << 8) | (b[8 + i] & 0xff);
        }
        return card;
    }

    public void setCachedCount(long card) {
        for (int i = 0; i < 8; i++) {
            b[8 + i] = (byte) (card >>> (8 * i));
        }
    }

    public void invalidateCache() {
        b[15] |= (byte) 0x80;
    }

    // ------------------------------------------------------------------ hashing

    /** Redis's MurmurHash64A (endian neutral: little-endian 8-byte words). */
    public static long murmurHash64A(byte[] key, int off, int len, long seed) {
        final long m = 0xc6a4a7935bd1e995L;
        final int r = 47;
        long h = (seed & 0xffffffffL) ^ (len * m);
        int end = off + (len - (len & 7));
        int i = off;
        for (; i != end; i += 8) {
            long k = (key[i] & 0xffL) | (key[i + 1] & 0xffL) << 8 | (key[i + 2] & 0xffL) << 16
                    | (key[i + 3] & 0xffL) << 24 | (key[i + 4] & 0xffL) << 32 | (key[i + 5] & 0xffL) << 40
                    | (key[i + 6] & 0xffL) << 48 | (key[i + 7] & 0xffL) << 56;
            k *= m;
            k ^= k >>> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        switch (len & 7) {
            case 7:
                h ^= (key[i + 6] & 0xffL) << 48;
                // fall through
            case 6:
                h ^= (key[i + 5] & 0xffL) << 40;
                // fall through
            case 5:
                h ^= (key[i + 4] & 0xffL) << 32;
                // fall through
            case 4:
                h ^= (key[i + 3] & 0xffL) << 24;
                // fall through
            case 3:
                h ^= (key[i + 2] & 0xffL) << 16;
                // fall through
            case 2:
                h ^= (key[i + 1] & 0xffL) << 8;
                // fall through
            case 1:
                h ^= key[i] & 0xffL;
                h *= m;
                break;
            default:
                break;
        }
        h ^= h >>> r;
        h *= m;
        h ^= h >>> r;
        return h;
    }

    /**
     * hllPatLen: the register an element maps to (low 14 bits of its hash) in the low 16 bits of
     * the result, and the length of its 000..1 pattern (1..51) above them.
     */
    static int patLen(byte[] ele, int off, int len) {
        long hash = murmurHash64A(ele, off, len, SEED);
        int index = (int) (hash & P_MASK);
        hash >>>= P;
        hash |= 1L << Q; // the loop of Redis ends here at the latest: count <= Q + 1
        int count = Long.numberOfTrailingZeros(hash) + 1;
        return count << 16 | index;
    }

    // ------------------------------------------------------------------ adding

    /**
     * Adds an element (hllAdd): 1 if a register changed, 0 if not, -1 if the sparse form is
     * corrupted. May turn the HLL dense (see the class comment).
     */
    public int add(byte[] ele, long sparseMaxBytes) {
        int pat = patLen(ele, 0, ele.length);
        int index = pat & 0xffff;
        int count = pat >>> 16;
        switch (encoding()) {
            case DENSE:
                return denseSet(index, count);
            case SPARSE:
                return sparseSet(index, count, sparseMaxBytes);
            default:
                return -1;
        }
    }

    /**
     * Whether adding {@code ele} would leave this HLL unchanged: true only when it is dense and the
     * element's register is already high enough (a cheap check before copying the bytes).
     */
    public boolean unchangedBy(byte[] ele) {
        if (encoding() != DENSE) {
            return false;
        }
        int pat = patLen(ele, 0, ele.length);
        return denseRegister(b, len, pat & 0xffff) >= pat >>> 16;
    }

    /** Sets register {@code index} to {@code count} if that is higher (PFMERGE); as {@link #add}. */
    public int set(int index, int count, long sparseMaxBytes) {
        return encoding() == DENSE ? denseSet(index, count) : sparseSet(index, count, sparseMaxBytes);
    }

    // ------------------------------------------------------------------ dense

    private static int denseRegister(byte[] s, int len, int regnum) {
        int byteIndex = HEADER + regnum * 6 / 8;
        int fb = regnum * 6 & 7;
        int b0 = s[byteIndex] & 0xff;
        int b1 = byteIndex + 1 < len ? s[byteIndex + 1] & 0xff : 0;
        return ((b0 >>> fb) | (b1 << (8 - fb))) & REGISTER_MAX;
    }

    private void setDenseRegister(int regnum, int val) {
        int byteIndex = HEADER + regnum * 6 / 8;
        int fb = regnum * 6 & 7;
        int fb8 = 8 - fb;
        b[byteIndex] = (byte) ((b[byteIndex] & ~(REGISTER_MAX << fb)) | (val << fb));
        if (byteIndex + 1 < len) {
            b[byteIndex + 1] = (byte) ((b[byteIndex + 1] & ~(REGISTER_MAX >>> fb8)) | (val >>> fb8));
        }
    }

    /** A dense register (the HLL must be dense). */
    public int register(int regnum) {
        return denseRegister(b, len, regnum);
    }

    private int denseSet(int index, int count) {
        if (count > denseRegister(b, len, index)) {
            setDenseRegister(index, count);
            return 1;
        }
        return 0;
    }

    // ------------------------------------------------------------------ sparse

    private int at(int p) {
        return p < len ? b[p] & 0xff : 0;
    }

    private static boolean isZero(int op) {
        return (op & 0xc0) == 0;
    }

    private static boolean isXzero(int op) {
        return (op & 0xc0) == 0x40;
    }

    private static boolean isVal(int op) {
        return (op & 0x80) != 0;
    }

    private static int valValue(int op) {
        return ((op >>> 2) & 0x1f) + 1;
    }

    private static int valLen(int op) {
        return (op & 0x3) + 1;
    }

    private static byte val(int value, int runLength) {
        return (byte) (((value - 1) << 2 | (runLength - 1)) | 0x80);
    }

    private static void setXzero(byte[] s, int p, int runLength) {
        int l = runLength - 1;
        s[p] = (byte) ((l >>> 8) | 0x40);
        s[p + 1] = (byte) (l & 0xff);
    }

    private void ensureCapacity(int needed) {
        if (needed > b.length) {
            b = Arrays.copyOf(b, Math.max(needed, b.length + Math.min(b.length, 300)));
        }
    }

    /**
     * Converts a sparse HLL to dense (hllSparseToDense); the header, cached cardinality included,
     * is kept. Returns false, leaving the HLL unchanged, when the sparse form is corrupted.
     */
    public boolean toDense() {
        if (encoding() == DENSE) {
            return true;
        }
        byte[] dense = new byte[DENSE_SIZE];
        System.arraycopy(b, 0, dense, 0, HEADER);
        dense[4] = DENSE;
        HyperLogLog d = new HyperLogLog(dense, DENSE_SIZE);
        boolean valid = walkSparse((first, runlen, value) -> {
            for (int k = 0; k < runlen && value > 0; k++) {
                d.setDenseRegister(first + k, value);
            }
        });
        if (!valid) {
            return false;
        }
        b = dense;
        len = DENSE_SIZE;
        return true;
    }

    /**
     * hllSparseSet: raises register {@code index} to {@code count} in place, splitting the opcode
     * that covers it and merging equal neighbours afterwards, exactly as Redis does so that the
     * bytes come out the same; promotes to dense when the value does not fit a VAL opcode or the
     * result would be longer than {@code sparseMaxBytes}.
     */
    private int sparseSet(int index, int count, long sparseMaxBytes) {
        if (count > SPARSE_VAL_MAX_VALUE) {
            return promote(index, count);
        }
        ensureCapacity(len + 3);
        int p = HEADER;
        int end = len;
        long first = 0;
        int prev = -1;
        long span = 0;
        while (p < end) {
            int op = b[p] & 0xff;
            int oplen = 1;
            if (isZero(op)) {
                span = (op & 0x3f) + 1;
            } else if (isVal(op)) {
                span = valLen(op);
            } else {
                span = (((op & 0x3f) << 8) | at(p + 1)) + 1;
                oplen = 2;
            }
            if (index <= first + span - 1) {
                break;
            }
            prev = p;
            p += oplen;
            first += span;
        }
        if (span == 0 || p >= end) {
            return -1;
        }
        int op = b[p] & 0xff;
        int next = isXzero(op) ? p + 2 : p + 1;
        if (next >= end) {
            next = -1;
        }
        boolean zero = isZero(op);
        boolean xzero = isXzero(op);
        int runlen = zero ? (op & 0x3f) + 1 : xzero ? (((op & 0x3f) << 8) | at(p + 1)) + 1 : valLen(op);
        updated:
        {
            if (!zero && !xzero) {
                if (valValue(op) >= count) {
                    return 0;
                }
                if (runlen == 1) {
                    b[p] = val(count, 1);
                    break updated;
                }
            }
            if (zero && runlen == 1) {
                b[p] = val(count, 1);
                break updated;
            }
            // The general case: split the opcode into up to three (XZERO-VAL-XZERO: 5 bytes).
            byte[] seq = this.seq;
            if (seq == null) {
                seq = this.seq = new byte[5];
            }
            int n = 0;
            long last = first + span - 1;
            if (zero || xzero) {
                if (index != first) {
                    n = putZeros(seq, n, (int) (index - first));
                }
                seq[n++] = val(count, 1);
                if (index != last) {
                    n = putZeros(seq, n, (int) (last - index));
                }
            } else {
                int curval = valValue(op);
                if (index != first) {
                    seq[n++] = val(curval, (int) (index - first));
                }
                seq[n++] = val(count, 1);
                if (index != last) {
                    seq[n++] = val(curval, (int) (last - index));
                }
            }
            int oldlen = xzero ? 2 : 1;
            int delta = n - oldlen;
            if (delta > 0 && (long) len + delta > sparseMaxBytes) {
                return promote(index, count);
            }
            ensureCapacity(Math.max(len + delta, p + n) + 1);
            if (delta != 0 && next >= 0) {
                System.arraycopy(b, next, b, next + delta, end - next);
            }
            len += delta;
            System.arraycopy(seq, 0, b, p, n);
            end += delta;
        }
        // Merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from the previous one.
        p = prev >= 0 ? prev : HEADER;
        int scanlen = 5;
        while (p < end && scanlen-- > 0) {
            int o = b[p] & 0xff;
            if (isXzero(o)) {
                p += 2;
                continue;
            } else if (isZero(o)) {
                p++;
                continue;
            }
            if (p + 1 < end && isVal(b[p + 1] & 0xff)) {
                int o2 = b[p + 1] & 0xff;
                int v1 = valValue(o);
                if (v1 == valValue(o2)) {
                    int merged = valLen(o) + valLen(o2);
                    if (merged <= SPARSE_VAL_MAX_LEN) {
                        b[p + 1] = val(v1, merged);
                        System.arraycopy(b, p + 1, b, p, end - p - 1);
                        len--;
                        end--;
                        continue;
                    }
                }
            }
            p++;
        }
        invalidateCache();
        return 1;
    }

    private static int putZeros(byte[] seq, int n, int count) {
        if (count > SPARSE_ZERO_MAX_LEN) {
            setXzero(seq, n, count);
            return n + 2;
        }
        seq[n] = (byte) (count - 1);
        return n + 1;
    }

    private int promote(int index, int count) {
        if (!toDense()) {
            return -1;
        }
        return denseSet(index, count);
    }

    // ------------------------------------------------------------------ merging and counting

    /**
     * Raises {@code max[i]} to register i of this HLL (hllMerge). Returns false when the sparse
     * form is corrupted.
     */
    public boolean mergeInto(byte[] max) {
        if (encoding() == DENSE) {
            for (int i = 0; i < REGISTERS; i++) {
                int v = denseRegister(b, len, i);
                if (v > max[i]) {
                    max[i] = (byte) v;
                }
            }
            return true;
        }
        return walkSparse((first, runlen, value) -> {
            for (int k = 0; k < runlen; k++) {
                if (value > max[first + k]) {
                    max[first + k] = (byte) value;
                }
            }
        });
    }

    /** The estimated cardinality (hllCount), or -1 when the sparse form is corrupted. */
    public long count() {
        int[] histo = new int[64];
        if (encoding() == DENSE) {
            for (int j = 0; j < REGISTERS; j++) {
                histo[denseRegister(b, len, j)]++;
            }
        } else if (!walkSparse((first, runlen, value) -> histo[value] += runlen)) {
            return -1;
        }
        return estimate(histo);
    }

    /** A run of registers of a sparse HLL: {@code runlen} registers from {@code first} hold {@code value}. */
    private interface Run {
        void visit(int first, int runlen, int value);
    }

    /**
     * Walks the sparse opcodes, in order, as Redis's hllSparseRegHisto/hllMerge/hllSparseToDense
     * with the bounds checks of Redis 7.2.10: false (after visiting the runs before it) when an
     * opcode would pass the last register, or when the opcodes do not cover exactly 16384.
     */
    private boolean walkSparse(Run visitor) {
        int idx = 0;
        int p = HEADER;
        while (p < len) {
            int op = b[p] & 0xff;
            int runlen;
            int regval = 0;
            if (isZero(op)) {
                runlen = (op & 0x3f) + 1;
                p++;
            } else if (isXzero(op)) {
                runlen = (((op & 0x3f) << 8) | at(p + 1)) + 1;
                p += 2;
            } else {
                runlen = valLen(op);
                regval = valValue(op);
                p++;
            }
            if (runlen + idx > REGISTERS) {
                return false;
            }
            visitor.visit(idx, runlen, regval);
            idx += runlen;
        }
        return idx == REGISTERS;
    }

    /** The estimated cardinality of raw registers, one byte each (multi-key PFCOUNT). */
    public static long countRaw(byte[] registers) {
        int[] histo = new int[64];
        for (int j = 0; j < REGISTERS; j++) {
            histo[registers[j] & 63]++;
        }
        return estimate(histo);
    }

    /**
     * Ertl's estimator ("New cardinality estimation algorithms for HyperLogLog sketches",
     * arXiv:1702.01284) from the register histogram, as Redis computes it.
     */
    private static long estimate(int[] histo) {
        double m = REGISTERS;
        double z = m * tau((m - histo[Q + 1]) / m);
        for (int j = Q; j >= 1; --j) {
            z += histo[j];
            z *= 0.5;
        }
        z += m * sigma(histo[0] / m);
        return Math.round(ALPHA_INF * m * m / z); // llroundl of a positive value
    }

    private static double sigma(double x) {
        if (x == 1.0) {
            return Double.POSITIVE_INFINITY;
        }
        double zPrime;
        double y = 1;
        double z = x;
        do {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    private static double tau(double x) {
        if (x == 0.0 || x == 1.0) {
            return 0.0;
        }
        double zPrime;
        double y = 1.0;
        double z = 1 - x;
        do {
            x = Math.sqrt(x);
            zPrime = z;
            y *= 0.5;
            double d = 1 - x;
            z -= d * d * y;
        } while (zPrime != z);
        return z / 3;
    }

    // ------------------------------------------------------------------ debugging

    /**
     * PFDEBUG DECODE: the sparse opcodes as "z:len", "Z:len" and "v:value,len", space-separated;
     * null when the HLL is dense.
     */
    public String decodeSparse() {
        if (encoding() != SPARSE) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        int p = HEADER;
        while (p < len) {
            int op = b[p] & 0xff;
            if (sb.length() > 0) {
                sb.append(' ');
            }
            if (isZero(op)) {
                sb.append("z:").append((op & 0x3f) + 1);
                p++;
            } else if (isXzero(op)) {
                sb.append("Z:").append((((op & 0x3f) << 8) | at(p + 1)) + 1);
                p += 2;
            } else {
                sb.append("v:").append(valValue(op)).append(',').append(valLen(op));
                p++;
            }
        }
        return sb.toString();
    }

    /**
     * PFSELFTEST: register access on random values, then the error bounds of the estimate and the
     * agreement of the sparse and dense forms while ten million elements are added. Returns null
     * on success, else Redis's TESTFAILED message.
     */
    public static String selfTest(long sparseMaxBytes, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        HyperLogLog dense = new HyperLogLog(new byte[DENSE_SIZE], DENSE_SIZE);
        byte[] bytecounters = new byte[REGISTERS];
        for (int j = 0; j < 1000; j++) {
            for (int i = 0; i < REGISTERS; i++) {
                int r = rnd.nextInt() & REGISTER_MAX;
                bytecounters[i] = (byte) r;
                dense.setDenseRegister(i, r);
            }
            for (int i = 0; i < REGISTERS; i++) {
                int v = dense.register(i);
                if (v != bytecounters[i]) {
                    return "TESTFAILED Register " + i + " should be " + bytecounters[i] + " but is " + v;
                }
            }
        }
        Arrays.fill(dense.b, HEADER, DENSE_SIZE, (byte) 0);
        HyperLogLog hll = create();
        double relerr = 1.04 / Math.sqrt(REGISTERS);
        long checkpoint = 1;
        long base = rnd.nextLong();
        byte[] ele = new byte[8];
        for (long j = 1; j <= 10_000_000; j++) {
            long e = j ^ base;
            for (int k = 0; k < 8; k++) {
                ele[k] = (byte) (e >>> (8 * k));
            }
            int pat = patLen(ele, 0, 8);
            dense.denseSet(pat & 0xffff, pat >>> 16);
            hll.set(pat & 0xffff, pat >>> 16, sparseMaxBytes);
            if (j != checkpoint) {
                continue;
            }
            if (j < sparseMaxBytes / 2 && hll.encoding() != SPARSE) {
                return "TESTFAILED sparse encoding not used";
            }
            long denseCount = dense.count();
            if (denseCount != hll.count()) {
                return "TESTFAILED dense/sparse disagree";
            }
            long abserr = Math.abs(checkpoint - denseCount);
            long maxerr = (long) Math.ceil(relerr * 6 * checkpoint);
            if (j == 10) {
                maxerr = 1;
            }
            if (abserr > maxerr) {
                return "TESTFAILED Too big error. card:" + checkpoint + " abserr:" + abserr;
            }
            checkpoint *= 10;
        }
        return null;
    }
}
