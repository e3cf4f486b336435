package dev.podis.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Writes replies straight into an outbound buffer in the connection's protocol version.
 *
 * <p>Every RESP3 type has a method here; in RESP2 each is written as Redis downgrades it:
 * map → flat array of 2n, set/push → array, null → {@code $-1} (or {@code *-1} for
 * {@link #nullArray()}), double → bulk string, boolean → integer 0/1, big number and
 * verbatim → bulk string.
 */
public final class RespWriter {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL3 = "_\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE3 = "#t\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE3 = "#f\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int SHARED_INTS = 10000;
    /** Payloads from this size on make the buffer grow once to fit them. */
    private static final int LARGE = 64 * 1024;
    private static final byte[][] INT_REPLIES = new byte[SHARED_INTS][];
    private static final byte[][] BULK_HEADERS = new byte[SHARED_INTS][];
    private static final byte[][] ARRAY_HEADERS = new byte[1024][];

    static {
        for (int i = 0; i < SHARED_INTS; i++) {
            INT_REPLIES[i] = (":" + i + "\r\n").getBytes(StandardCharsets.US_ASCII);
            BULK_HEADERS[i] = ("$" + i + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        for (int i = 0; i < ARRAY_HEADERS.length; i++) {
            ARRAY_HEADERS[i] = ("*" + i + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private ByteBuf out;
    private int protocol = 2;
    private final Consumer<String> errorListener;

    /**
     * @param out           where replies go
     * @param errorListener told of every error reply written (for error statistics); may be null
     */
    public RespWriter(ByteBuf out, Consumer<String> errorListener) {
        this.out = out;
        this.errorListener = errorListener;
    }

    /** Redirects replies to another buffer (the connection's next batch, or a capture buffer). */
    public void target(ByteBuf out) {
        this.out = out;
    }

    public ByteBuf target() {
        return out;
    }

    public int protocol() {
        return protocol;
    }

    public void protocol(int protocol) {
        this.protocol = protocol;
    }

    public boolean resp3() {
        return protocol >= 3;
    }

    public void ok() {
        out.writeBytes(OK);
    }

    /** A status reply; the text must not contain CR or LF. */
    public void simple(String text) {
        out.writeByte('+');
        writeAscii(text);
        out.writeBytes(CRLF);
    }

    /**
     * An error reply. {@code text} starts with the error code (ERR, WRONGTYPE, ...) and is sent as
     * UTF-8; CR and LF are replaced by spaces as Redis does so that an error can never break the
     * framing.
     */
    public void error(String text) {
        error(text, true);
    }

    /**
     * An error reply that the error statistics count only when {@code counted} (a script's error
     * that repeats a command's error, already counted when the command failed, is not).
     */
    public void error(String text, boolean counted) {
        if (counted && errorListener != null) {
            errorListener.accept(text);
        }
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
            text = text.replace('\r', ' ').replace('\n', ' ');
        }
        out.writeByte('-');
        out.writeCharSequence(text, StandardCharsets.UTF_8);
        out.writeBytes(CRLF);
    }

    /**
     * An error reply whose text is raw bytes (one char per byte, as in {@link ProtocolException}
     * texts that quote a client's byte); CR and LF are replaced by spaces.
     */
    public void errorLatin1(String text) {
        if (errorListener != null) {
            errorListener.accept(text);
        }
        out.writeByte('-');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.writeByte(c == '\r' || c == '\n' ? ' ' : c);
        }
        out.writeBytes(CRLF);
    }

    public void integer(long value) {
        if (value >= 0 && value < SHARED_INTS) {
            out.writeBytes(INT_REPLIES[(int) value]);
            return;
        }
        out.writeByte(':');
        writeDecimal(value);
        out.writeBytes(CRLF);
    }

    public void bulk(byte[] value) {
        if (value == null) {
            nullBulk();
            return;
        }
        if (value.length >= LARGE) {
            // Grow the buffer once to its final size instead of doubling while copying.
            out.ensureWritable(value.length + 16);
        }
        bulkHeader(value.length);
        out.writeBytes(value);
        out.writeBytes(CRLF);
    }

    public void bulk(byte[] value, int offset, int length) {
        if (length >= LARGE) {
            out.ensureWritable(length + 16);
        }
        bulkHeader(length);
        out.writeBytes(value, offset, length);
        out.writeBytes(CRLF);
    }

    public void bulk(String value) {
        if (value == null) {
            nullBulk();
            return;
        }
        bulk(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Bytes a bulk string reply of {@code length} bytes takes: {@code $<length>\r\n<bytes>\r\n}. */
    public static int bulkSize(int length) {
        return length + decimalLength(length) + 5;
    }

    // ---- many bulk strings in a row (a range of a collection)

    /** Size of the per-thread array that a run of bulk strings is composed in. */
    static final int RUN_CHUNK = 8 * 1024;
    private static final ThreadLocal<byte[]> RUN_BUFFER = ThreadLocal.withInitial(() -> new byte[RUN_CHUNK]);
    private byte[] run;
    private int runLength;

    /**
     * Starts a run of bulk strings written with {@link #runBulk} and ended by {@link #endRun}
     * (the elements of a range): they are composed in a per-thread array and copied into the
     * reply buffer a chunk at a time, a few buffer writes for the whole range instead of three
     * checked writes per element. Nothing else may be written until {@link #endRun}.
     */
    public void startRun() {
        run = RUN_BUFFER.get();
        runLength = 0;
    }

    /**
     * Makes room for about {@code bytes} more reply bytes (at most 1 MB is taken from the hint), so
     * that a large reply grows the buffer once rather than doubling it while it is written.
     */
    public void reserve(long bytes) {
        out.ensureWritable((int) Math.min(bytes, 1 << 20));
    }

    /** The next bulk string of the run started by {@link #startRun}. */
    public void runBulk(byte[] value, int offset, int length) {
        byte[] r = run;
        if (length >= SHARED_INTS) {
            flushRun();
            bulk(value, offset, length);
            return;
        }
        byte[] header = BULK_HEADERS[length];
        int need = header.length + length + 2;
        int at = runLength;
        if (at + need > r.length) {
            flushRun();
            at = 0;
            if (need > r.length) {
                bulk(value, offset, length);
                return;
            }
        }
        System.arraycopy(header, 0, r, at, header.length);
        at += header.length;
        System.arraycopy(value, offset, r, at, length);
        at += length;
        r[at] = '\r';
        r[at + 1] = '\n';
        runLength = at + 2;
    }

    /** Ends the run: what is composed goes into the reply buffer. */
    public void endRun() {
        flushRun();
        run = null;
    }

    private void flushRun() {
        if (runLength > 0) {
            out.writeBytes(run, 0, runLength);
            runLength = 0;
        }
    }

    /** Bulk string of the decimal form of a number (as Redis replies for e.g. INCRBYFLOAT). */
    public void bulkDecimal(long value) {
        bulkHeader(decimalLength(value));
        writeDecimal(value);
        out.writeBytes(CRLF);
    }

    /** The header of a bulk string whose payload the caller writes next, followed by {@link #crlf()}. */
    public void bulkHeader(int length) {
        if (length >= 0 && length < SHARED_INTS) {
            out.writeBytes(BULK_HEADERS[length]);
        } else {
            out.writeByte('$');
            writeDecimal(length);
            out.writeBytes(CRLF);
        }
    }

    public void crlf() {
        out.writeBytes(CRLF);
    }

    /** Null as a missing string: RESP2 {@code $-1}, RESP3 {@code _}. */
    public void nullBulk() {
        out.writeBytes(resp3() ? NULL3 : NULL_BULK);
    }

    /** Null as a missing array (e.g. a timed-out BLPOP, EXEC after WATCH): RESP2 {@code *-1}, RESP3 {@code _}. */
    public void nullArray() {
        out.writeBytes(resp3() ? NULL3 : NULL_ARRAY);
    }

    public void arrayHeader(int count) {
        if (count >= 0 && count < ARRAY_HEADERS.length) {
            out.writeBytes(ARRAY_HEADERS[count]);
        } else {
            aggregateHeader('*', count);
        }
    }

    /** A map of {@code pairs} key/value pairs; RESP2 gets a flat array of 2n elements. */
    public void mapHeader(int pairs) {
        if (resp3()) {
            aggregateHeader('%', pairs);
        } else {
            arrayHeader(pairs * 2);
        }
    }

    public void setHeader(int count) {
        if (resp3()) {
            aggregateHeader('~', count);
        } else {
            arrayHeader(count);
        }
    }

    /** Out-of-band push (pub/sub messages, invalidations); RESP2 gets an array. */
    public void pushHeader(int count) {
        if (resp3()) {
            aggregateHeader('>', count);
        } else {
            arrayHeader(count);
        }
    }

    /** RESP3 attribute header; RESP2 has no attributes, so the caller must skip them there. */
    public void attributeHeader(int pairs) {
        aggregateHeader('|', pairs);
    }

    public void bool(boolean value) {
        if (resp3()) {
            out.writeBytes(value ? TRUE3 : FALSE3);
        } else {
            integer(value ? 1 : 0);
        }
    }

    /** A double: RESP3 {@code ,<d>}; RESP2 a bulk string. Formatted as Redis does. */
    public void doubleValue(double value) {
        doubleText(Doubles.format(value));
    }

    /**
     * A double in a text the caller formatted (Redis's addReplyHumanLongDouble): RESP3
     * {@code ,<text>}; RESP2 a bulk string.
     */
    public void doubleText(String text) {
        if (resp3()) {
            out.writeByte(',');
            writeAscii(text);
            out.writeBytes(CRLF);
        } else {
            asciiBulk(text);
        }
    }

    /** A big number (decimal digits, optional sign): RESP3 {@code (}; RESP2 a bulk string. */
    public void bigNumber(String digits) {
        if (resp3()) {
            out.writeByte('(');
            writeAscii(digits);
            out.writeBytes(CRLF);
        } else {
            asciiBulk(digits);
        }
    }

    /** Verbatim text with a three-letter format ("txt", "mkd"): RESP3 {@code =}; RESP2 a bulk string. */
    public void verbatim(String format, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        if (resp3()) {
            out.writeByte('=');
            writeDecimal(body.length + 4);
            out.writeBytes(CRLF);
            writeAscii(format);
            out.writeByte(':');
            out.writeBytes(body);
            out.writeBytes(CRLF);
        } else {
            bulk(body);
        }
    }

    /** Copies already-encoded RESP bytes (a pub/sub message encoded once for all its receivers). */
    public void raw(byte[] encoded) {
        out.writeBytes(encoded);
    }

    /** Copies already-encoded RESP bytes (for example a reply captured for MULTI/EXEC). */
    public void raw(ByteBuf encoded) {
        out.writeBytes(encoded, encoded.readerIndex(), encoded.readableBytes());
    }

    /** A bulk string of ASCII text, without an intermediate byte array. */
    private void asciiBulk(String text) {
        bulkHeader(text.length());
        out.writeCharSequence(text, StandardCharsets.US_ASCII);
        out.writeBytes(CRLF);
    }

    private void aggregateHeader(char type, long count) {
        out.writeByte(type);
        writeDecimal(count);
        out.writeBytes(CRLF);
    }

    private void writeAscii(String text) {
        out.writeCharSequence(text, StandardCharsets.UTF_8);
    }

    /** Characters in the decimal form of {@code value}. */
    static int decimalLength(long value) {
        if (value == Long.MIN_VALUE) {
            return 20;
        }
        int digits = value < 0 ? 2 : 1;
        for (long v = Math.abs(value); v >= 10; v /= 10) {
            digits++;
        }
        return digits;
    }

    /** Digits are formed here and written with one bounds check. */
    private final byte[] scratch = new byte[20];

    private void writeDecimal(long value) {
        byte[] b = scratch;
        int pos = b.length;
        boolean negative = value < 0;
        // Work on the negative value so that Long.MIN_VALUE needs no special case.
        long v = negative ? value : -value;
        do {
            long q = v / 10;
            b[--pos] = (byte) ('0' + (int) (q * 10 - v));
            v = q;
        } while (v != 0);
        if (negative) {
            b[--pos] = '-';
        }
        out.writeBytes(b, pos, b.length - pos);
    }
}
