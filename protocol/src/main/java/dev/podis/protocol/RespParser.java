package dev.podis.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Incremental request parser for one connection: RESP multibulk requests and inline commands,
 * with Redis's limits and error texts (networking.c: processMultibulkBuffer / processInlineBuffer).
 *
 * <p>The parser consumes bytes from the caller's cumulation buffer only once a unit (a length
 * line, or a whole bulk payload) is complete, so a partially received request simply waits for
 * more bytes. A declared length never allocates up front: a bulk's array is allocated only once
 * all its bytes have arrived.
 */
public final class RespParser {
    /** Longest inline request or length line Redis accepts before the CRLF (PROTO_INLINE_MAX_SIZE). */
    public static final int INLINE_MAX = 64 * 1024;
    /** Before authentication Redis limits multibulk counts and bulk lengths to these. */
    private static final int UNAUTH_MAX_MULTIBULK = 10;
    private static final int UNAUTH_MAX_BULK = 16384;

    private long maxBulkLength = 512L * 1024 * 1024;
    private boolean authenticated = true;

    // State of a multibulk request in progress.
    private byte[][] args;
    private int argCount;
    private int expectedArgs = -1; // -1: not inside a multibulk request
    private long bulkLength = -1;   // -1: waiting for a "$<len>" line

    public void setMaxBulkLength(long max) {
        this.maxBulkLength = max;
    }

    /** While false, Redis's tighter pre-authentication limits apply. */
    public void setAuthenticated(boolean authenticated) {
        this.authenticated = authenticated;
    }

    /** True while a multibulk request has been started but not finished. */
    public boolean inProgress() {
        return expectedArgs >= 0;
    }

    /**
     * Parses the next complete request from {@code in}.
     *
     * @return the request's arguments, an empty array for an empty request that should be
     *         skipped (a blank inline line or {@code *0}), or {@code null} if more bytes are needed
     */
    public byte[][] parse(ByteBuf in) throws ProtocolException {
        if (expectedArgs < 0) {
            if (!in.isReadable()) {
                return null;
            }
            if (in.getByte(in.readerIndex()) != '*') {
                return parseInline(in);
            }
            int eol = findLineEnd(in, "Protocol error: too big mbulk count string");
            if (eol < 0) {
                return null;
            }
            long count = parseLength(in, in.readerIndex() + 1, eol);
            in.readerIndex(eol + 2);
            if (count == Long.MIN_VALUE || count > Integer.MAX_VALUE) {
                throw new ProtocolException("Protocol error: invalid multibulk length");
            }
            if (!authenticated && count > UNAUTH_MAX_MULTIBULK) {
                throw new ProtocolException("Protocol error: unauthenticated multibulk length");
            }
            if (count <= 0) {
                return EMPTY;
            }
            expectedArgs = (int) count;
            // Grow the argument array as arguments arrive: a huge declared count allocates nothing.
            args = new byte[Math.min(expectedArgs, 16)][];
            argCount = 0;
            bulkLength = -1;
        }
        while (argCount < expectedArgs) {
            if (bulkLength < 0) {
                if (!in.isReadable()) {
                    return null;
                }
                int eol = findLineEnd(in, "Protocol error: too big bulk count string");
                if (eol < 0) {
                    return null;
                }
                byte first = in.getByte(in.readerIndex());
                if (first != '$') {
                    throw new ProtocolException("Protocol error: expected '$', got '" + (char) (first & 0xff) + "'");
                }
                long len = parseLength(in, in.readerIndex() + 1, eol);
                if (len == Long.MIN_VALUE || len < 0 || len > maxBulkLength) {
                    throw new ProtocolException("Protocol error: invalid bulk length");
                }
                if (!authenticated && len > UNAUTH_MAX_BULK) {
                    throw new ProtocolException("Protocol error: unauthenticated bulk length");
                }
                in.readerIndex(eol + 2);
                bulkLength = len;
            }
            if (in.readableBytes() < bulkLength + 2) {
                return null;
            }
            byte[] arg = new byte[(int) bulkLength];
            in.readBytes(arg);
            in.skipBytes(2); // CRLF after the payload (Redis does not check these two bytes either)
            if (argCount == args.length) {
                byte[][] grown = new byte[Math.min(expectedArgs, args.length * 2)][];
                System.arraycopy(args, 0, grown, 0, argCount);
                args = grown;
            }
            args[argCount++] = arg;
            bulkLength = -1;
        }
        byte[][] result = args.length == argCount ? args : java.util.Arrays.copyOf(args, argCount);
        args = null;
        expectedArgs = -1;
        return result;
    }

    private static final byte[][] EMPTY = new byte[0][];

    /**
     * Index of the '\r' that ends the length line at the reader index, or -1 until the line and
     * the byte after its '\r' have arrived. Like Redis, the line ends at the first '\r' and the
     * byte after it is taken to be '\n'.
     */
    private static int findLineEnd(ByteBuf in, String tooBig) throws ProtocolException {
        int start = in.readerIndex();
        int cr = in.indexOf(start, in.writerIndex(), (byte) '\r');
        if (cr < 0 || cr + 1 >= in.writerIndex()) {
            if (in.readableBytes() > INLINE_MAX) {
                throw new ProtocolException(tooBig);
            }
            return -1;
        }
        if (cr - start > INLINE_MAX) {
            throw new ProtocolException(tooBig);
        }
        return cr;
    }

    /** Parses a signed decimal between [from, to); Long.MIN_VALUE if it is not one (string2ll). */
    private static long parseLength(ByteBuf in, int from, int to) {
        if (from >= to || to - from > 20) {
            return Long.MIN_VALUE;
        }
        boolean negative = false;
        int i = from;
        if (in.getByte(i) == '-') {
            negative = true;
            i++;
            if (i == to) {
                return Long.MIN_VALUE;
            }
        }
        long value = 0;
        for (; i < to; i++) {
            int d = in.getByte(i) - '0';
            if (d < 0 || d > 9) {
                return Long.MIN_VALUE;
            }
            if (value > (Long.MAX_VALUE - d) / 10) {
                return Long.MIN_VALUE;
            }
            value = value * 10 + d;
        }
        if (in.getByte(from + (negative ? 1 : 0)) == '0' && to - from > (negative ? 2 : 1)) {
            return Long.MIN_VALUE; // string2ll rejects leading zeros
        }
        return negative ? -value : value;
    }

    private byte[][] parseInline(ByteBuf in) throws ProtocolException {
        int start = in.readerIndex();
        int nl = in.forEachByte(start, in.readableBytes(), ByteProcessor.FIND_LF);
        if (nl < 0) {
            if (in.readableBytes() > INLINE_MAX) {
                throw new ProtocolException("Protocol error: too big inline request");
            }
            return null;
        }
        if (nl - start > INLINE_MAX) {
            throw new ProtocolException("Protocol error: too big inline request");
        }
        int end = nl;
        if (end > start && in.getByte(end - 1) == '\r') {
            end--;
        }
        byte[] line = new byte[end - start];
        in.getBytes(start, line);
        in.readerIndex(nl + 1);
        byte[][] argv = InlineSplitter.split(line);
        if (argv == null) {
            throw new ProtocolException("Protocol error: unbalanced quotes in request");
        }
        return argv;
    }
}
