package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.KeyspaceEvents;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Bitmap commands (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.
 *
 * <p>A bitmap is a string: bit 0 is the most significant bit of byte 0. Bits past the end read
 * as 0; writing past the end grows the string with zero bytes (up to proto-max-bulk-len). As for
 * every string, the stored array is never changed in place: a write stores a modified copy, and
 * keeps the key's time to live.
 *
 * <p>Keyspace events as bitops.c: {@code new} for a created string, {@code setbit} when SETBIT
 * changed the string or BITFIELD wrote a field; BITOP reports {@code set} for its destination, or
 * {@code del} when an empty result removed it.
 */
public final class BitmapCommands implements CommandFamily {
    private static final String BIT_OFFSET_ERR = "ERR bit offset is not an integer or out of range";
    private static final String BIT_VALUE_ERR = "ERR bit is not an integer or out of range";
    private static final String BITFIELD_TYPE_ERR =
            "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final byte[] EMPTY = new byte[0];

    private static final int OP_GET = 0;
    private static final int OP_SET = 1;
    private static final int OP_INCRBY = 2;
    private static final int WRAP = 0;
    private static final int SAT = 1;
    private static final int FAIL = 2;

    private final ServerContext server;

    public BitmapCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        t.bind("setbit", this::setbit);
        t.bind("getbit", this::getbit);
        t.bind("bitcount", this::bitcount);
        t.bind("bitpos", this::bitpos);
        t.bind("bitop", this::bitop);
        t.bind("bitfield", (c, argv) -> bitfield(c, argv, false));
        t.bind("bitfield_ro", (c, argv) -> bitfield(c, argv, true));
    }

    /**
     * A bit offset argument: a non-negative integer whose byte fits proto-max-bulk-len; with
     * {@code bits > 0} the "#n" form means n * bits. Returns -1 after replying with the error.
     */
    private long bitOffset(Client c, byte[] arg, int bits) {
        boolean hash = bits > 0 && arg.length > 0 && arg[0] == '#';
        long offset = Args.parseLong(hash ? Arrays.copyOfRange(arg, 1, arg.length) : arg);
        if (offset == Args.NOT_A_NUMBER) {
            c.error(BIT_OFFSET_ERR); // Long.MIN_VALUE itself is negative: out of range anyway
            return -1;
        }
        if (hash) {
            offset *= bits; // wraps on overflow into a negative value, rejected below
        }
        if (offset < 0 || ((offset >>> 3) >= StringCommands.MIN_BULK_LIMIT
                && (offset >>> 3) >= StringCommands.maxStringLength(server))) {
            c.error(BIT_OFFSET_ERR);
            return -1;
        }
        return offset;
    }

    void setbit(Client c, byte[][] argv) {
        long offset = bitOffset(c, argv[2], 0);
        if (offset < 0) {
            return;
        }
        long on = Args.parseLong(argv[3]);
        if (on != 0 && on != 1) {
            c.error(BIT_VALUE_ERR);
            return;
        }
        StoredValue v = server.lookupWrite(c, argv[1]);
        if (v != null && v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
            return;
        }
        byte[] cur = v == null ? EMPTY : v.bytes();
        int index = (int) (offset >>> 3);
        int mask = 1 << (7 - (int) (offset & 7));
        int old = index < cur.length ? (cur[index] & mask) != 0 ? 1 : 0 : 0;
        if (v == null || index >= cur.length || old != on) {
            byte[] updated = Arrays.copyOf(cur, Math.max(cur.length, index + 1));
            if (on == 1) {
                updated[index] |= (byte) mask;
            } else {
                updated[index] &= (byte) ~mask;
            }
            if (v == null) {
                server.notifyNew(c, argv[1]);
            }
            c.db().put(argv[1], StoredValue.rawString(updated, v == null ? StoredValue.NO_EXPIRY : v.expireAt()));
            server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "setbit", argv[1]);
        }
        c.reply().integer(old);
    }

    void getbit(Client c, byte[][] argv) {
        long offset = bitOffset(c, argv[2], 0);
        if (offset < 0) {
            return;
        }
        StoredValue v = server.lookupRead(c, argv[1]);
        if (v == null) {
            c.reply().integer(0);
            return;
        }
        if (v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
            return;
        }
        byte[] s = v.bytes();
        long index = offset >>> 3;
        int bit = index < s.length && (s[(int) index] & (1 << (7 - (int) (offset & 7)))) != 0 ? 1 : 0;
        c.reply().integer(bit);
    }

    /** Parses a required integer; replies NOT_INTEGER and returns false if it is not one. */
    private static boolean isInteger(Client c, byte[] arg, long parsed) {
        if (parsed == Args.NOT_A_NUMBER && !Args.isLong(arg)) {
            c.error(Args.NOT_INTEGER);
            return false;
        }
        return true;
    }

    void bitcount(Client c, byte[][] argv) {
        // Redis 7.2 looks the key up before parsing the range: a missing key answers 0 whatever follows.
        StoredValue v = server.lookupRead(c, argv[1]);
        if (v == null) {
            c.reply().integer(0);
            return;
        }
        if (v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
            return;
        }
        byte[] s = v.bytes();
        long startBit;
        long endBit;
        if (argv.length == 4 || argv.length == 5) {
            long start = Args.parseLong(argv[2]);
            if (!isInteger(c, argv[2], start)) {
                return;
            }
            long end = Args.parseLong(argv[3]);
            if (!isInteger(c, argv[3], end)) {
                return;
            }
            if (start < 0 && end < 0 && start > end) {
                c.reply().integer(0);
                return;
            }
            boolean isBit = false;
            if (argv.length == 5) {
                if (Args.is(argv[4], "BIT")) {
                    isBit = true;
                } else if (!Args.is(argv[4], "BYTE")) {
                    c.error(Args.SYNTAX);
                    return;
                }
            }
            long total = isBit ? (long) s.length << 3 : s.length;
            long[] range = clampRange(start, end, total);
            if (range == null) {
                c.reply().integer(0);
                return;
            }
            startBit = isBit ? range[0] : range[0] << 3;
            endBit = isBit ? range[1] : (range[1] << 3) + 7;
        } else if (argv.length == 2) {
            if (s.length == 0) {
                c.reply().integer(0);
                return;
            }
            startBit = 0;
            endBit = ((long) s.length << 3) - 1;
        } else {
            c.error(Args.SYNTAX);
            return;
        }
        c.reply().integer(countBits(s, startBit, endBit));
    }

    /**
     * Redis's index conversion: negative indexes count from {@code total}, both ends clamped to
     * [0, total - 1]. Returns null for an empty range.
     */
    private static long[] clampRange(long start, long end, long total) {
        if (start < 0) {
            start += total;
        }
        if (end < 0) {
            end += total;
        }
        if (start < 0) {
            start = 0;
        }
        if (end < 0) {
            end = 0;
        }
        if (end >= total) {
            end = total - 1;
        }
        if (start > end) {
            return null;
        }
        return new long[] {start, end};
    }

    /** Set bits in [startBit, endBit] (inclusive, both inside the string). */
    private static long countBits(byte[] s, long startBit, long endBit) {
        int first = (int) (startBit >>> 3);
        int last = (int) (endBit >>> 3);
        long count = 0;
        int i = first;
        for (; i + 8 <= last + 1; i += 8) {
            count += Long.bitCount((long) LONGS.get(s, i));
        }
        for (; i <= last; i++) {
            count += Integer.bitCount(s[i] & 0xFF);
        }
        // Remove the bits of the edge bytes that lie outside the range.
        int headBits = (int) (startBit & 7);
        if (headBits != 0) {
            count -= Integer.bitCount((s[first] & 0xFF) >>> (8 - headBits));
        }
        int tailBits = 7 - (int) (endBit & 7);
        if (tailBits != 0) {
            count -= Integer.bitCount(s[last] & ((1 << tailBits) - 1));
        }
        return count;
    }

    void bitpos(Client c, byte[][] argv) {
        long bit = Args.parseLong(argv[2]);
        if (!isInteger(c, argv[2], bit)) {
            return;
        }
        if (bit != 0 && bit != 1) {
            c.error("ERR The bit argument must be 1 or 0.");
            return;
        }
        // A missing key is an infinite run of zeros (7.2 answers before parsing the range).
        StoredValue v = server.lookupRead(c, argv[1]);
        if (v == null) {
            c.reply().integer(bit == 1 ? -1 : 0);
            return;
        }
        if (v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
            return;
        }
        byte[] s = v.bytes();
        long startBit;
        long endBit;
        boolean endGiven = false;
        if (argv.length >= 4 && argv.length <= 6) {
            long start = Args.parseLong(argv[3]);
            if (!isInteger(c, argv[3], start)) {
                return;
            }
            boolean isBit = false;
            if (argv.length == 6) {
                if (Args.is(argv[5], "BIT")) {
                    isBit = true;
                } else if (!Args.is(argv[5], "BYTE")) {
                    c.error(Args.SYNTAX);
                    return;
                }
            }
            long total = isBit ? (long) s.length << 3 : s.length;
            long end = total - 1;
            if (argv.length >= 5) {
                end = Args.parseLong(argv[4]);
                if (!isInteger(c, argv[4], end)) {
                    return;
                }
                endGiven = true;
            }
            long[] range = clampRange(start, end, total);
            if (range == null) {
                c.reply().integer(-1);
                return;
            }
            startBit = isBit ? range[0] : range[0] << 3;
            endBit = isBit ? range[1] : (range[1] << 3) + 7;
        } else if (argv.length == 3) {
            if (s.length == 0) {
                c.reply().integer(-1);
                return;
            }
            startBit = 0;
            endBit = ((long) s.length << 3) - 1;
        } else {
            c.error(Args.SYNTAX);
            return;
        }
        long pos = findBit(s, startBit, endBit, bit == 1);
        if (pos < 0) {
            // Looking for a clear bit without an explicit end: the string continues with zeros.
            pos = (bit == 0 && !endGiven) ? endBit + 1 : -1;
        }
        c.reply().integer(pos);
    }

    /** The first bit equal to {@code one} in [startBit, endBit], or -1. */
    private static long findBit(byte[] s, long startBit, long endBit, boolean one) {
        int first = (int) (startBit >>> 3);
        int last = (int) (endBit >>> 3);
        int skip = one ? 0 : 0xFF; // a byte with no candidate bit
        for (int i = first; i <= last; i++) {
            if (i != first && i + 8 <= last) {
                long word = (long) LONGS.get(s, i);
                if (word == (one ? 0L : -1L)) {
                    i += 7;
                    continue;
                }
            }
            int b = s[i] & 0xFF;
            if (b == skip) {
                continue;
            }
            int candidates = one ? b : ~b & 0xFF;
            if (i == first) {
                candidates &= 0xFF >>> (startBit & 7);
            }
            if (i == last) {
                candidates &= 0xFF << (7 - (endBit & 7));
            }
            if (candidates != 0) {
                return ((long) i << 3) + Integer.numberOfLeadingZeros(candidates) - 24;
            }
        }
        return -1;
    }

    void bitop(Client c, byte[][] argv) {
        byte[] op = argv[1];
        int kind;
        if (Args.is(op, "AND")) {
            kind = 0;
        } else if (Args.is(op, "OR")) {
            kind = 1;
        } else if (Args.is(op, "XOR")) {
            kind = 2;
        } else if (Args.is(op, "NOT")) {
            kind = 3;
        } else {
            c.error(Args.SYNTAX);
            return;
        }
        if (kind == 3 && argv.length != 4) {
            c.error("ERR BITOP NOT must be called with a single source key.");
            return;
        }
        int n = argv.length - 3;
        byte[][] sources = new byte[n][];
        int maxLen = 0;
        for (int k = 0; k < n; k++) {
            StoredValue v = server.lookupRead(c, argv[k + 3]);
            if (v == null) {
                sources[k] = EMPTY;
                continue;
            }
            if (v.type() != ValueType.STRING) {
                c.error(Args.WRONGTYPE);
                return;
            }
            sources[k] = v.bytes();
            maxLen = Math.max(maxLen, sources[k].length);
        }
        byte[] dest = argv[2];
        if (maxLen == 0) {
            server.storeResult(c, dest, null, KeyspaceEvents.STRING, "set");
            c.reply().integer(0);
            return;
        }
        byte[] res = new byte[maxLen];
        if (kind == 3) {
            byte[] src = sources[0];
            for (int i = 0; i < maxLen; i++) {
                res[i] = (byte) ~src[i];
            }
        } else {
            byte[] src0 = sources[0];
            System.arraycopy(src0, 0, res, 0, src0.length); // missing bytes count as zero
            for (int k = 1; k < n; k++) {
                byte[] src = sources[k];
                int common = Math.min(src.length, maxLen);
                if (kind == 0) {
                    for (int i = 0; i < common; i++) {
                        res[i] &= src[i];
                    }
                    Arrays.fill(res, common, maxLen, (byte) 0);
                } else if (kind == 1) {
                    for (int i = 0; i < common; i++) {
                        res[i] |= src[i];
                    }
                } else {
                    for (int i = 0; i < common; i++) {
                        res[i] ^= src[i];
                    }
                }
            }
        }
        server.storeResult(c, dest, StoredValue.rawString(res, StoredValue.NO_EXPIRY), KeyspaceEvents.STRING, "set");
        c.reply().integer(maxLen);
    }

    // ---------------------------------------------------------------- BITFIELD

    void bitfield(Client c, byte[][] argv, boolean readOnlyCommand) {
        // Parse every operation first: any error leaves the key untouched.
        int maxOps = (argv.length - 2) / 3 + 1;
        int[] opcode = new int[maxOps];
        int[] bitsOf = new int[maxOps];
        boolean[] signed = new boolean[maxOps];
        int[] overflowOf = new int[maxOps];
        long[] offsetOf = new long[maxOps];
        long[] valueOf = new long[maxOps];
        int ops = 0;
        int overflow = WRAP;
        boolean readOnly = true;
        long highestWriteBit = 0;
        for (int j = 2; j < argv.length; j++) {
            int remaining = argv.length - j - 1;
            byte[] sub = argv[j];
            int code;
            if (Args.is(sub, "GET") && remaining >= 2) {
                code = OP_GET;
            } else if (Args.is(sub, "SET") && remaining >= 3) {
                code = OP_SET;
            } else if (Args.is(sub, "INCRBY") && remaining >= 3) {
                code = OP_INCRBY;
            } else if (Args.is(sub, "OVERFLOW") && remaining >= 1) {
                byte[] how = argv[++j];
                if (Args.is(how, "WRAP")) {
                    overflow = WRAP;
                } else if (Args.is(how, "SAT")) {
                    overflow = SAT;
                } else if (Args.is(how, "FAIL")) {
                    overflow = FAIL;
                } else {
                    c.error("ERR Invalid OVERFLOW type specified");
                    return;
                }
                continue;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
            byte[] type = argv[j + 1];
            int bits = typeBits(type);
            if (bits <= 0) {
                c.error(BITFIELD_TYPE_ERR);
                return;
            }
            long offset = bitOffset(c, argv[j + 2], bits);
            if (offset < 0) {
                return;
            }
            long value = 0;
            if (code != OP_GET) {
                readOnly = false;
                highestWriteBit = Math.max(highestWriteBit, offset + bits - 1);
                value = Args.parseLong(argv[j + 3]);
                if (!isInteger(c, argv[j + 3], value)) {
                    return;
                }
            }
            opcode[ops] = code;
            bitsOf[ops] = bits;
            signed[ops] = type[0] == 'i';
            overflowOf[ops] = overflow;
            offsetOf[ops] = offset;
            valueOf[ops] = value;
            ops++;
            j += code == OP_GET ? 2 : 3;
        }

        byte[] key = argv[1];
        StoredValue v;
        byte[] s;
        if (readOnly) {
            v = server.lookupRead(c, key);
            if (v != null && v.type() != ValueType.STRING) {
                c.error(Args.WRONGTYPE);
                return;
            }
            s = v == null ? EMPTY : v.bytes();
        } else {
            if (readOnlyCommand) {
                c.error("ERR BITFIELD_RO only supports the GET subcommand");
                return;
            }
            v = server.lookupWrite(c, key);
            if (v != null && v.type() != ValueType.STRING) {
                c.error(Args.WRONGTYPE);
                return;
            }
            byte[] cur = v == null ? EMPTY : v.bytes();
            // Like Redis, grow the string to the farthest bit written even if a FAIL skips it.
            s = Arrays.copyOf(cur, (int) Math.max(cur.length, (highestWriteBit >>> 3) + 1));
        }

        RespWriter r = c.reply();
        r.arrayHeader(ops);
        int changes = 0;
        for (int k = 0; k < ops; k++) {
            int bits = bitsOf[k];
            long offset = offsetOf[k];
            long old = readField(s, offset, bits, signed[k]);
            if (opcode[k] == OP_GET) {
                r.integer(old);
                continue;
            }
            long value = opcode[k] == OP_SET ? valueOf[k] : old;
            long incr = opcode[k] == OP_SET ? 0 : valueOf[k];
            int how = overflowOf[k];
            long next;
            int dir = signed[k] ? signedOverflow(value, incr, bits) : unsignedOverflow(value, incr, bits);
            if (dir == 0) {
                next = value + incr;
            } else if (how == FAIL) {
                r.nullBulk();
                continue;
            } else if (how == SAT) {
                next = saturate(dir, bits, signed[k]);
            } else {
                next = wrap(value + incr, bits, signed[k]);
            }
            writeField(s, offset, bits, next);
            changes++;
            r.integer(opcode[k] == OP_SET ? old : next);
        }
        if (!readOnly) {
            if (v == null) {
                server.notifyNew(c, key);
            }
            c.db().put(key, StoredValue.rawString(s, v == null ? StoredValue.NO_EXPIRY : v.expireAt()));
            if (changes > 0) {
                server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "setbit", key);
            }
        }
    }

    /** Width of an "i<bits>" (1..64) or "u<bits>" (1..63) type, or -1. Digits as Redis's string2ll reads them. */
    private static int typeBits(byte[] type) {
        if (type.length < 2 || type.length > 3 || (type[0] != 'i' && type[0] != 'u')) {
            return -1;
        }
        int bits = 0;
        for (int k = 1; k < type.length; k++) {
            int d = type[k] - '0';
            if (d < 0 || d > 9 || (k == 1 && d == 0)) {
                return -1; // not a digit, or a leading zero
            }
            bits = bits * 10 + d;
        }
        return bits > (type[0] == 'i' ? 64 : 63) ? -1 : bits;
    }

    /**
     * Redis's overflow test for a signed field: +1 if value + incr overflows upwards, -1
     * downwards, 0 if it fits. For SET, {@code value} is the new value and {@code incr} is 0.
     * The comparisons follow Redis exactly (including its wrapping intermediate arithmetic), so
     * edge cases answer as Redis does.
     */
    private static int signedOverflow(long value, long incr, int bits) {
        long max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long maxIncr = max - value;
        long minIncr = min - value;
        if (value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr)) {
            return 1;
        }
        if (value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr)) {
            return -1;
        }
        return 0;
    }

    /** The unsigned counterpart: {@code value} is read as unsigned 64-bit, {@code incr} as signed. */
    private static int unsignedOverflow(long value, long incr, int bits) {
        long max = (1L << bits) - 1; // bits <= 63
        long maxIncr = max - value;
        long minIncr = -value;
        if (Long.compareUnsigned(value, max) > 0 || (incr > 0 && incr > maxIncr)) {
            return 1;
        }
        if (incr < 0 && incr < minIncr) {
            return -1;
        }
        return 0;
    }

    private static long saturate(int dir, int bits, boolean signed) {
        if (signed) {
            long max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
            return dir > 0 ? max : -max - 1;
        }
        return dir > 0 ? (1L << bits) - 1 : 0;
    }

    private static long wrap(long sum, int bits, boolean signed) {
        if (bits == 64) {
            return sum;
        }
        long mask = -1L << bits;
        if (signed && (sum & (1L << (bits - 1))) != 0) {
            return sum | mask;
        }
        return sum & ~mask;
    }

    /** The field of {@code bits} bits at bit {@code offset}; bits past the end read as 0. */
    private static long readField(byte[] s, long offset, int bits, boolean signed) {
        long value = 0;
        for (int i = 0; i < bits; i++) {
            long bit = offset + i;
            long index = bit >>> 3;
            int b = index < s.length ? (s[(int) index] >>> (7 - (int) (bit & 7))) & 1 : 0;
            value = (value << 1) | b;
        }
        if (signed && bits < 64 && (value & (1L << (bits - 1))) != 0) {
            value |= -1L << bits;
        }
        return value;
    }

    private static void writeField(byte[] s, long offset, int bits, long value) {
        for (int i = 0; i < bits; i++) {
            long bit = offset + i;
            int index = (int) (bit >>> 3);
            int mask = 1 << (7 - (int) (bit & 7));
            if (((value >>> (bits - 1 - i)) & 1) != 0) {
                s[index] |= (byte) mask;
            } else {
                s[index] &= (byte) ~mask;
            }
        }
    }
}
