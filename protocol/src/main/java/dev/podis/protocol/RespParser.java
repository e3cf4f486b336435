package dev.podis.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Incremental request parser for one connection: RESP multibulk requests and inline commands,
 * with Redis's limits and error texts (networking.c: processMultibulkBuffer / processInlineBuffer).
 *
 * <p>The parser consumes bytes from the caller's cumulation buffer only once a unit (a length
 * line, or a whole small bulk payload) is complete, so a partially received request simply waits
 * for more bytes. A declared length never allocates up front: a small bulk's array is allocated
 * once all its bytes have arrived, and a big bulk (32 KB or more) is moved out of the cumulation
 * as it arrives into an array that grows with the bytes received (never beyond the declared
 * length), so the cumulation stays small and each payload byte is copied once.
 *
 * <p><b>Borrowed arguments.</b> With {@link #borrowArguments(boolean)} on (the server's
 * connections), a small multibulk request that is complete in the buffer when its parse starts
 * (at most {@link #BORROW_MAX_ARGS} arguments of less than {@link #BORROW_MAX_LENGTH} bytes each,
 * {@link #BORROW_MAX_TAIL_LENGTH} from the ninth on)
 * is returned in arrays this parser reuses: the argument vector and each argument's array are
 * those of the previous such request when the count and lengths match. {@link #borrowed()} says
 * so; such arguments are valid only until the next {@code parse}, and whoever keeps them must
 * copy them first ({@link #copyOf}). An inline command without quotes (at most
 * {@link #INLINE_BORROW_MAX_ARGS} arguments of less than {@link #BORROW_MAX_LENGTH} bytes) is
 * lent the same way, split straight from the buffer. Everything else
 * (quoted inline commands, requests split over reads, bigger requests) gets fresh arrays, exactly
 * as without borrowing. The bytes and every error are the same either way: anything unusual in a
 * request falls back to the incremental parse or the full inline splitter, which report it.
 *
 * <p>Line limits follow what Redis does in practice: Redis reads at most 16 KB at a time and
 * complains ("too big ...") when more than 64 KB are buffered without the line's terminator, so a
 * line is accepted when its terminator lies within the first 64 KB + 16 KB. Like Redis's use of
 * {@code strchr}, the search for a terminator stops at a NUL byte.
 */
public final class RespParser {
    /** Longest inline request or length line buffered without a terminator (PROTO_INLINE_MAX_SIZE). */
    public static final int INLINE_MAX = 64 * 1024;
    /** Redis's read size (PROTO_IOBUF_LEN); a terminator within INLINE_MAX + this is still seen. */
    private static final int READ_CHUNK = 16 * 1024;
    private static final int LINE_WINDOW = INLINE_MAX + READ_CHUNK;
    /** Bulks at least this long are moved out of the cumulation as they arrive (PROTO_MBULK_BIG_ARG). */
    static final int BIG_ARG = 32 * 1024;
    /** Largest Java array; a bulk longer than this cannot be held and is an invalid bulk length. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** Before authentication Redis limits multibulk counts and bulk lengths to these. */
    private static final int UNAUTH_MAX_MULTIBULK = 10;
    private static final int UNAUTH_MAX_BULK = 16384;
    private static final byte[][] EMPTY = new byte[0][];
    /**
     * Largest argument count of a multibulk request whose arguments may be borrowed: MSET of a
     * dozen keys, HSET or ZADD of several fields.
     */
    public static final int BORROW_MAX_ARGS = 32;
    /** Largest argument count of an inline request whose arguments may be borrowed. */
    public static final int INLINE_BORROW_MAX_ARGS = 8;
    /**
     * Arguments this long or longer are never borrowed (reused arrays stay small) in the first
     * {@link #INLINE_BORROW_MAX_ARGS} positions ...
     */
    public static final int BORROW_MAX_LENGTH = 1024;
    /**
     * ... nor arguments this long at a later position, so that what a connection's parser keeps
     * for reuse stays below 8 x 1 KB + 24 x 128 bytes.
     */
    public static final int BORROW_MAX_TAIL_LENGTH = 128;

    /** Finds the first '\r' or NUL (Redis's strchr(..., '\r') stops at NUL). */
    private static final ByteProcessor FIND_CR_OR_NUL = b -> b != '\r' && b != 0;
    /** Finds the first '\n' or NUL. */
    private static final ByteProcessor FIND_LF_OR_NUL = b -> b != '\n' && b != 0;

    private long maxBulkLength = 512L * 1024 * 1024;
    private boolean authenticated = true;

    // State of a multibulk request in progress.
    private byte[][] args;
    private int argCount;
    private int expectedArgs = -1; // -1: not inside a multibulk request
    private long bulkLength = -1;  // -1: waiting for a "$<len>" line
    private byte[] bigBulk;        // a big bulk being received, or null
    private int bigBulkFilled;

    // Borrowed arguments (see the class comment).
    private boolean borrow;
    private boolean borrowed;
    /** Reused argument vectors, by argument count. */
    private final byte[][][] borrowedArgv = new byte[BORROW_MAX_ARGS + 1][][];
    /** The reused array of each argument position (its length is that of the last argument there). */
    private final byte[][] borrowedArg = new byte[BORROW_MAX_ARGS][];
    /** Bytes of a request {@link #parseWindow} reads from a heap copy: at most ... */
    static final int WINDOW = 512;
    /** ... of which it copies this many first, and more as the request needs them. */
    private static final int WINDOW_FIRST = 64;
    private final byte[] window = new byte[WINDOW];
    private final int[] argOffset = new int[BORROW_MAX_ARGS];
    private final int[] argLength = new int[BORROW_MAX_ARGS];
    /** Longest inline line split into borrowed arrays (longer ones take the full splitter). */
    private static final int INLINE_BORROW_MAX = 16 * 1024;
    /** Where an inline line is copied to be split (reused; grows up to {@link #INLINE_BORROW_MAX}). */
    private byte[] lineScratch = new byte[64];

    public void setMaxBulkLength(long max) {
        this.maxBulkLength = max;
    }

    /** While false, Redis's tighter pre-authentication limits apply. */
    public void setAuthenticated(boolean authenticated) {
        this.authenticated = authenticated;
    }

    /** Lets {@link #parse} return borrowed arguments (see the class comment); off by default. */
    public void borrowArguments(boolean on) {
        this.borrow = on;
    }

    /**
     * True when the arguments the last {@link #parse} returned are borrowed: reused by a later
     * parse, so they must be copied ({@link #copyOf}) by anyone who keeps them past the next one.
     */
    public boolean borrowed() {
        return borrowed;
    }

    /** A copy of {@code argv} in fresh arrays (what a borrowed request's keeper takes). */
    public static byte[][] copyOf(byte[][] argv) {
        byte[][] out = new byte[argv.length][];
        for (int i = 0; i < argv.length; i++) {
            out[i] = argv[i].clone();
        }
        return out;
    }

    /**
     * Hands the arrays of the last (borrowed) request's arguments from index {@code from} on to
     * the caller: the parser forgets them, so a later parse fills new arrays there instead of
     * reusing these, and whoever got them may keep them as they are. The vector and the arguments
     * before {@code from} stay borrowed.
     */
    public void handOver(int from) {
        for (int i = Math.max(from, 0); i < BORROW_MAX_ARGS; i++) {
            borrowedArg[i] = null;
        }
    }

    /** True while a multibulk request has been started but not finished. */
    public boolean inProgress() {
        return expectedArgs >= 0;
    }

    /**
     * Bytes of the request in progress that the parser holds outside the caller's buffer (the
     * received part of a big bulk). With the caller's unparsed bytes this is the query buffer
     * that {@code client-query-buffer-limit} bounds.
     */
    public long pendingBytes() {
        return bigBulk == null ? 0 : bigBulkFilled;
    }

    /** Forgets any request in progress (the connection is closing). */
    public void reset() {
        args = null;
        argCount = 0;
        expectedArgs = -1;
        bulkLength = -1;
        bigBulk = null;
        bigBulkFilled = 0;
    }

    /**
     * Parses the next complete request from {@code in}.
     *
     * @return the request's arguments, an empty array for an empty request that should be
     *         skipped (a blank inline line, {@code *0} or {@code *-1}), or {@code null} if more
     *         bytes are needed
     */
    public byte[][] parse(ByteBuf in) throws ProtocolException {
        borrowed = false;
        if (expectedArgs < 0 && borrow && authenticated) {
            byte[][] argv = parseWindow(in);
            if (argv != null) {
                return argv;
            }
        }
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
            if (count == Long.MIN_VALUE && !isLongMin(in, in.readerIndex() + 1, eol) || count > Integer.MAX_VALUE) {
                throw new ProtocolException("Protocol error: invalid multibulk length");
            }
            if (!authenticated && count > UNAUTH_MAX_MULTIBULK) {
                throw new ProtocolException("Protocol error: unauthenticated multibulk length");
            }
            if (borrow && authenticated && count > 0 && count <= BORROW_MAX_ARGS) {
                byte[][] argv = parseBorrowed(in, eol + 2, (int) count);
                if (argv != null) {
                    return argv;
                }
            }
            in.readerIndex(eol + 2);
            if (count <= 0) {
                return EMPTY;
            }
            expectedArgs = (int) count;
            // As Redis: room for at most 1024 arguments up front, grown as arguments arrive.
            args = new byte[Math.min(expectedArgs, 1024)][];
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
                if (len < 0 || len > maxBulkLength || len > MAX_ARRAY) {
                    throw new ProtocolException("Protocol error: invalid bulk length");
                }
                if (!authenticated && len > UNAUTH_MAX_BULK) {
                    throw new ProtocolException("Protocol error: unauthenticated bulk length");
                }
                in.readerIndex(eol + 2);
                bulkLength = len;
            }
            byte[] arg;
            if (bulkLength >= BIG_ARG) {
                arg = readBigBulk(in);
                if (arg == null) {
                    return null;
                }
            } else {
                if (in.readableBytes() < bulkLength + 2) {
                    return null;
                }
                arg = new byte[(int) bulkLength];
                in.readBytes(arg);
                in.skipBytes(2); // the CRLF after the payload: Redis does not check these two bytes
            }
            if (argCount == args.length) {
                byte[][] grown = new byte[(int) Math.min(expectedArgs, args.length * 2L)][];
                System.arraycopy(args, 0, grown, 0, argCount);
                args = grown;
            }
            args[argCount++] = arg;
            bulkLength = -1;
        }
        // args.length == expectedArgs here: it was sized or grown to at most expectedArgs.
        byte[][] result = args;
        args = null;
        expectedArgs = -1;
        return result;
    }

    /**
     * The borrowed parse of a small request that lies whole in the first {@link #WINDOW} bytes of
     * {@code in}: they are copied to the heap once and read there, without the buffer's checks
     * per byte. Null (nothing consumed) for anything else, which {@link #parse} then reads as
     * before: a count other than 1..{@link #BORROW_MAX_ARGS} in one digit, a longer request, an
     * incomplete one, an unusual length.
     */
    private byte[][] parseWindow(ByteBuf in) {
        int start = in.readerIndex();
        int avail = Math.min(in.writerIndex() - start, WINDOW);
        int n = Math.min(avail, WINDOW_FIRST);
        if (n < 8) {
            return null;
        }
        byte[] w = window;
        in.getBytes(start, w, 0, n);
        int count = w[1] - '0';
        if (w[0] != '*' || count < 1 || count > BORROW_MAX_ARGS || w[2] != '\r') {
            return null;
        }
        int p = 4; // after "*<count>\r\n" (Redis does not check the '\n')
        for (int i = 0; i < count; i++) {
            if (p + 4 > n) { // room for "$<digit>\r\n" at least
                n = widen(in, start, n, avail, p + 8);
            }
            if (p >= n || w[p] != '$') {
                return null;
            }
            int len = 0;
            int q = p + 1;
            int digits = 0;
            while (true) {
                if (q >= n) {
                    n = widen(in, start, n, avail, q + 1);
                    if (q >= n) {
                        return null;
                    }
                }
                byte b = w[q];
                if (b == '\r') {
                    break;
                }
                if (b < '0' || b > '9' || ++digits > 4 || (digits == 2 && len == 0)) {
                    return null;
                }
                len = len * 10 + (b - '0');
                q++;
            }
            if (digits == 0 || len >= borrowLimit(i) || len > maxBulkLength) {
                return null;
            }
            p = q + 2;
            if (p + len + 2 > n) {
                n = widen(in, start, n, avail, p + len + 2 + 16);
                if (p + len + 2 > n) {
                    return null;
                }
            }
            argOffset[i] = p;
            argLength[i] = len;
            p += len + 2;
        }
        byte[][] argv = lend(w, count);
        in.readerIndex(start + p);
        return argv;
    }

    /**
     * Copies more of the request into {@link #window} ({@code n} of the {@code avail} bytes
     * there are copied): at least up to {@code need}, as far as there are bytes. The new count.
     */
    private int widen(ByteBuf in, int start, int n, int avail, int need) {
        int m = Math.min(avail, Math.max(need, 2 * n));
        if (m > n) {
            in.getBytes(start + n, window, n, m - n);
        }
        return Math.max(m, n);
    }

    /**
     * The request of {@code count} arguments starting at {@code from} (after its count line) in
     * borrowed arrays, consumed from {@code in}; or null, consuming nothing, unless it is complete
     * in {@code in} and every argument is an ordinary bulk shorter than {@link #borrowLimit}.
     */
    private byte[][] parseBorrowed(ByteBuf in, int from, int count) {
        int end = in.writerIndex();
        int p = from;
        for (int i = 0; i < count; i++) {
            if (p >= end || in.getByte(p) != '$') {
                return null;
            }
            int len = 0;
            int q = p + 1;
            int digits = 0;
            while (true) {
                if (q >= end) {
                    return null;
                }
                byte b = in.getByte(q);
                if (b == '\r') {
                    break;
                }
                if (b < '0' || b > '9' || ++digits > 4 || (digits == 2 && len == 0)) {
                    return null; // not a plain short length (the incremental parse judges it)
                }
                len = len * 10 + (b - '0');
                q++;
            }
            if (digits == 0 || len >= borrowLimit(i) || len > maxBulkLength) {
                return null;
            }
            p = q + 2; // the "\r\n" after the length (Redis does not check the '\n')
            if ((long) p + len + 2 > end) {
                return null;
            }
            argOffset[i] = p;
            argLength[i] = len;
            p += len + 2; // the payload's CRLF is not checked either
        }
        byte[][] argv = lend(in, count);
        in.readerIndex(p);
        borrowed = true;
        return argv;
    }

    /**
     * The reused argument vector for {@code count} arguments, filled with the bytes at
     * {@code argOffset}/{@code argLength} in the reused array of each position (a new one only when
     * the length there changed).
     */
    private byte[][] lend(ByteBuf in, int count) {
        byte[][] argv = vector(count);
        for (int i = 0; i < count; i++) {
            byte[] a = argArray(i);
            in.getBytes(argOffset[i], a);
            argv[i] = a;
        }
        return argv;
    }

    /**
     * {@link #lend(ByteBuf, int)} from a heap copy of the request's bytes ({@code src}), and the
     * request marked borrowed.
     */
    private byte[][] lend(byte[] src, int count) {
        byte[][] argv = vector(count);
        for (int i = 0; i < count; i++) {
            byte[] a = argArray(i);
            System.arraycopy(src, argOffset[i], a, 0, a.length);
            argv[i] = a;
        }
        borrowed = true;
        return argv;
    }

    /** The reused argument vector of {@code count} arguments. */
    private byte[][] vector(int count) {
        byte[][] argv = borrowedArgv[count];
        if (argv == null) {
            argv = borrowedArgv[count] = new byte[count][];
        }
        return argv;
    }

    /** The length from which the argument at position {@code i} is not borrowed. */
    private static int borrowLimit(int i) {
        return i < INLINE_BORROW_MAX_ARGS ? BORROW_MAX_LENGTH : BORROW_MAX_TAIL_LENGTH;
    }

    /** The reused array of argument position {@code i}, of length {@code argLength[i]}. */
    private byte[] argArray(int i) {
        byte[] a = borrowedArg[i];
        if (a == null || a.length != argLength[i]) {
            a = borrowedArg[i] = new byte[argLength[i]];
        }
        return a;
    }

    /** Moves what has arrived of a big bulk out of {@code in}; the payload once it and its CRLF are complete. */
    private byte[] readBigBulk(ByteBuf in) {
        int len = (int) bulkLength;
        if (bigBulk == null) {
            if (in.readableBytes() >= len + 2) {
                // Already complete: one exact copy.
                byte[] arg = new byte[len];
                in.readBytes(arg);
                in.skipBytes(2);
                return arg;
            }
            bigBulk = new byte[Math.min(len, Math.max(BIG_ARG, in.readableBytes()))];
            bigBulkFilled = 0;
        }
        int take = Math.min(len - bigBulkFilled, in.readableBytes());
        if (take > 0) {
            int need = bigBulkFilled + take;
            if (need > bigBulk.length) {
                int grown = (int) Math.min(len, Math.max(need, bigBulk.length * 2L));
                bigBulk = java.util.Arrays.copyOf(bigBulk, grown);
            }
            in.readBytes(bigBulk, bigBulkFilled, take);
            bigBulkFilled += take;
        }
        if (bigBulkFilled < len || in.readableBytes() < 2) {
            return null;
        }
        in.skipBytes(2);
        byte[] arg = bigBulk;
        bigBulk = null;
        bigBulkFilled = 0;
        return arg;
    }

    /**
     * Index of the '\r' that ends the length line at the reader index, or -1 until the line and
     * the byte after its '\r' have arrived. Like Redis, the line ends at the first '\r' and the
     * byte after it is taken to be '\n'.
     */
    private static int findLineEnd(ByteBuf in, String tooBig) throws ProtocolException {
        int start = in.readerIndex();
        int cr = in.forEachByte(start, in.readableBytes(), FIND_CR_OR_NUL);
        if (cr >= 0 && in.getByte(cr) == 0) {
            cr = -1; // Redis's strchr stops at NUL: the line seems unterminated
        }
        if (cr < 0 || cr - start >= LINE_WINDOW) {
            if (in.readableBytes() > INLINE_MAX) {
                throw new ProtocolException(tooBig);
            }
            return -1;
        }
        if (cr + 1 >= in.writerIndex()) {
            return -1;
        }
        return cr;
    }

    /**
     * Parses a signed decimal in [from, to) as Redis's string2ll does (no sign but '-', no
     * leading zeros, at most 20 characters); {@link Long#MIN_VALUE} if it is not one.
     */
    private static long parseLength(ByteBuf in, int from, int to) {
        int len = to - from;
        if (len <= 0 || len > 20) {
            return Long.MIN_VALUE;
        }
        if (len == 1 && in.getByte(from) == '0') {
            return 0;
        }
        int i = from;
        boolean negative = in.getByte(i) == '-';
        if (negative) {
            i++;
            if (i == to) {
                return Long.MIN_VALUE;
            }
        }
        int first = in.getByte(i) - '0';
        if (first < 1 || first > 9) {
            return Long.MIN_VALUE;
        }
        long value = -first; // accumulate negatively so that Long.MIN_VALUE fits
        for (i++; i < to; i++) {
            int d = in.getByte(i) - '0';
            if (d < 0 || d > 9) {
                return Long.MIN_VALUE;
            }
            if (value < (Long.MIN_VALUE + d) / 10) {
                return Long.MIN_VALUE;
            }
            value = value * 10 - d;
        }
        if (negative) {
            return value;
        }
        return value == Long.MIN_VALUE ? Long.MIN_VALUE : -value;
    }

    /** True when [from, to) is exactly "-9223372036854775808", which string2ll accepts. */
    private static boolean isLongMin(ByteBuf in, int from, int to) {
        String min = "-9223372036854775808";
        if (to - from != min.length()) {
            return false;
        }
        for (int i = 0; i < min.length(); i++) {
            if (in.getByte(from + i) != min.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private byte[][] parseInline(ByteBuf in) throws ProtocolException {
        int start = in.readerIndex();
        int nl = in.forEachByte(start, in.readableBytes(), FIND_LF_OR_NUL);
        if (nl >= 0 && in.getByte(nl) == 0) {
            nl = -1; // Redis's strchr stops at NUL: the line seems unterminated
        }
        if (nl < 0 || nl - start >= LINE_WINDOW) {
            if (in.readableBytes() > INLINE_MAX) {
                throw new ProtocolException("Protocol error: too big inline request");
            }
            return null;
        }
        int end = nl;
        if (end > start && in.getByte(end - 1) == '\r') {
            end--;
        }
        if (borrow) {
            byte[][] argv = splitBorrowed(in, start, end);
            if (argv != null) {
                in.readerIndex(nl + 1);
                return argv;
            }
        }
        byte[] line = new byte[end - start];
        in.getBytes(start, line);
        byte[][] argv = InlineSplitter.split(line);
        if (argv == null) {
            throw new ProtocolException("Protocol error: unbalanced quotes in request");
        }
        in.readerIndex(nl + 1);
        return argv;
    }

    /**
     * The inline line [start, end) split into borrowed arrays, for the common line without quotes:
     * arguments separated by whitespace (Redis's sdssplitargs: blanks before an argument are
     * whatever isspace() accepts, an unquoted argument ends at a space, tab, CR or LF). Null,
     * consuming nothing, when the line has a quote (the full splitter handles quoting and
     * escapes), more than {@link #INLINE_BORROW_MAX_ARGS} arguments or one of {@link #BORROW_MAX_LENGTH}
     * bytes or more. A line of blanks is an empty request. The line is copied once into a reused
     * array and split there.
     */
    private byte[][] splitBorrowed(ByteBuf in, int start, int end) {
        int n = end - start;
        if (n > INLINE_BORROW_MAX) {
            return null;
        }
        byte[] line = lineScratch;
        if (line.length < n) {
            line = lineScratch = new byte[Math.min(INLINE_BORROW_MAX, Math.max(n, line.length * 2))];
        }
        in.getBytes(start, line, 0, n);
        int count = 0;
        int p = 0;
        while (true) {
            while (p < n && isBlank(line[p])) {
                p++;
            }
            if (p >= n) {
                break;
            }
            if (count == INLINE_BORROW_MAX_ARGS) {
                return null;
            }
            int from = p;
            while (p < n) {
                byte b = line[p];
                if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                    break;
                }
                if (b == '"' || b == '\'') {
                    return null;
                }
                p++;
            }
            if (p - from >= BORROW_MAX_LENGTH) {
                return null;
            }
            argOffset[count] = from;
            argLength[count] = p - from;
            count++;
        }
        if (count == 0) {
            return EMPTY;
        }
        return lend(line, count);
    }

    /** isspace() in the C locale. */
    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
    }
}
