package dev.podis.storage;

/**
 * LZF compression in the liblzf format Redis uses (compressed quicklist nodes, compressed RDB
 * strings).
 *
 * <p>The compressed stream is a sequence of chunks, each starting with a control byte:
 * <ul>
 *   <li>{@code 000LLLLL}: a literal run of {@code L + 1} bytes (1..32) that follow;</li>
 *   <li>{@code LLLooooo oooooooo}: a back-reference copying {@code L + 2} bytes starting
 *       {@code o + 1} bytes back in the output (o is 13 bits, up to 8192 back); when
 *       {@code L == 7} an extra byte after the control byte adds to L (up to 264 bytes).
 *       The copy may overlap the bytes it produces.</li>
 * </ul>
 *
 * <p>Compression finds earlier 3-byte matches through a hash table of recent positions (after a
 * match, only the two positions before the next one are added, as liblzf's VERY_FAST mode that
 * Redis uses). The table is per thread and never cleared: entries of earlier inputs are told
 * apart by a bias (see {@code Table}), and any candidate is verified against the input before
 * use, so it can never produce a wrong reference.
 */
public final class Lzf {
    private static final int HLOG = 14;
    private static final int HSIZE = 1 << HLOG;
    private static final int MAX_LIT = 32;
    private static final int MAX_OFF = 1 << 13;
    private static final int MAX_REF = (1 << 8) + (1 << 3);

    /**
     * A thread's hash table. Positions go in biased by {@code next}, which grows with every call,
     * so that entries left by earlier inputs fall below the current input's range and are refused
     * at once (liblzf stores pointers, which other buffers' entries rarely match); without it every
     * stale entry looks like a candidate and costs a comparison.
     */
    private static final class Table {
        final int[] slots = new int[HSIZE];
        int next = 1;
    }

    private static final ThreadLocal<Table> TABLE = ThreadLocal.withInitial(Table::new);

    private Lzf() {
    }

    /**
     * Compresses {@code in[inOff, inOff + inLen)} into {@code out} starting at {@code outOff},
     * writing at most {@code outLimit} bytes. Returns the compressed length, or 0 when the
     * result does not fit in {@code outLimit} bytes ("no gain") or the input is empty.
     */
    public static int compress(byte[] in, int inOff, int inLen, byte[] out, int outOff, int outLimit) {
        if (inLen <= 0 || outLimit <= 0) {
            return 0;
        }
        Table t = TABLE.get();
        int[] table = t.slots;
        if (t.next > Integer.MAX_VALUE - inLen - 2) {
            java.util.Arrays.fill(table, 0);
            t.next = 1;
        }
        int bias = t.next - inOff;
        t.next += inLen + 1;
        int end = inOff + inLen;
        int outEnd = Math.min(out.length, outOff + outLimit);
        int ip = inOff;
        int op = outOff + 1; // room for the first literal run's control byte
        int lit = 0;
        while (ip < end - 2) {
            int h = hash(in, ip);
            int ref = table[h] - bias;
            table[h] = ip + bias;
            int off = ip - ref - 1;
            if (ref >= inOff && ref < ip && off < MAX_OFF
                    && in[ref] == in[ip] && in[ref + 1] == in[ip + 1] && in[ref + 2] == in[ip + 2]) {
                int maxlen = Math.min(end - ip - 2, MAX_REF);
                int len = 2;
                do {
                    len++;
                } while (len < maxlen && in[ref + len] == in[ip + len]);
                // close the pending literal run
                if (lit > 0) {
                    out[op - lit - 1] = (byte) (lit - 1);
                } else {
                    op--;
                }
                if (op + 3 > outEnd) {
                    return 0;
                }
                int l = len - 2;
                if (l < 7) {
                    out[op++] = (byte) ((off >>> 8) | (l << 5));
                } else {
                    out[op++] = (byte) ((off >>> 8) | (7 << 5));
                    out[op++] = (byte) (l - 7);
                }
                out[op++] = (byte) off;
                lit = 0;
                op++; // control byte of the next literal run
                ip += len;
                // As liblzf built the way Redis builds it (VERY_FAST): only the two positions
                // before the next one are remembered, not every position inside the match (on a
                // long repetitive value that is ~50x less work, for a slightly worse ratio).
                int stop = Math.min(ip, end - 2);
                for (int p = ip - 2; p < stop; p++) {
                    table[hash(in, p)] = p + bias;
                }
            } else {
                if (op >= outEnd) {
                    return 0;
                }
                out[op++] = in[ip++];
                if (++lit == MAX_LIT) {
                    out[op - lit - 1] = (byte) (MAX_LIT - 1);
                    lit = 0;
                    op++;
                }
            }
        }
        while (ip < end) {
            if (op >= outEnd) {
                return 0;
            }
            out[op++] = in[ip++];
            if (++lit == MAX_LIT) {
                out[op - lit - 1] = (byte) (MAX_LIT - 1);
                lit = 0;
                op++;
            }
        }
        if (lit > 0) {
            out[op - lit - 1] = (byte) (lit - 1);
        } else {
            op--;
        }
        return op - outOff;
    }

    /**
     * Compresses {@code in[off, off + len)}; returns the compressed bytes, or null when they would
     * not be shorter than {@code maxOut} bytes.
     */
    public static byte[] compress(byte[] in, int off, int len, int maxOut) {
        if (maxOut <= 0) {
            return null;
        }
        byte[] out = new byte[maxOut];
        int n = compress(in, off, len, out, 0, maxOut);
        if (n == 0) {
            return null;
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /**
     * Decompresses {@code in[inOff, inOff + inLen)} into {@code out} from {@code outOff}, writing
     * at most {@code outLimit} bytes. Returns the number of bytes produced, or -1 when the input
     * is malformed (truncated chunk, reference before the start) or the output does not fit.
     */
    public static int decompress(byte[] in, int inOff, int inLen, byte[] out, int outOff, int outLimit) {
        int ip = inOff;
        int end = inOff + inLen;
        int op = outOff;
        int outEnd = Math.min(out.length, outOff + outLimit);
        while (ip < end) {
            int ctrl = in[ip++] & 0xff;
            if (ctrl < 32) {
                int n = ctrl + 1;
                if (ip + n > end || op + n > outEnd) {
                    return -1;
                }
                System.arraycopy(in, ip, out, op, n);
                ip += n;
                op += n;
            } else {
                int len = ctrl >>> 5;
                if (len == 7) {
                    if (ip >= end) {
                        return -1;
                    }
                    len += in[ip++] & 0xff;
                }
                if (ip >= end) {
                    return -1;
                }
                int ref = op - ((ctrl & 0x1f) << 8) - 1 - (in[ip++] & 0xff);
                len += 2;
                if (ref < outOff || op + len > outEnd) {
                    return -1;
                }
                if (op - ref >= len) {
                    System.arraycopy(out, ref, out, op, len);
                    op += len;
                } else {
                    for (int i = 0; i < len; i++) {
                        out[op++] = out[ref++];
                    }
                }
            }
        }
        return op - outOff;
    }

    /** Decompresses a whole stream whose decompressed length is known; throws when it is not valid. */
    public static byte[] decompress(byte[] in, int rawLength) {
        byte[] out = new byte[rawLength];
        int n = decompress(in, 0, in.length, out, 0, rawLength);
        if (n != rawLength) {
            throw new IllegalArgumentException("invalid LZF data");
        }
        return out;
    }

    private static int hash(byte[] b, int p) {
        int v = ((b[p] & 0xff) << 16) | ((b[p + 1] & 0xff) << 8) | (b[p + 2] & 0xff);
        return (v * 0x9E3779B1) >>> (32 - HLOG);
    }
}
