package dev.podis.storage.rdb;

import dev.podis.storage.Lzf;
import dev.podis.storage.types.Decimal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Reads the primitives of the RDB format (rdb.c's rdbLoad* functions) from a buffered source,
 * keeping the byte offset (for error messages) and the CRC-64 of what was read. Input is never
 * trusted: lengths are checked against what is left before anything is allocated, and every
 * problem is an {@link RdbException} naming the offset.
 */
public final class RdbInput {
    @FunctionalInterface
    interface Source {
        /** Reads up to {@code len} bytes; -1 at the end. */
        int read(byte[] b, int off, int len) throws IOException;
    }

    private static final int BUFFER = 64 * 1024;
    /** LZF expands at most 264 bytes out of a 3-byte back-reference. */
    private static final long LZF_MAX_RATIO = 90;

    private final Source source;
    private final byte[] buf;
    private int pos;
    private int limit;
    /** Offset of buf[0] in the whole input. */
    private long base;
    private final long size;
    private long crc;
    private int crcPos;
    private long maxString = 512L * 1024 * 1024;

    private RdbInput(Source source, byte[] buf, int pos, int limit, long size) {
        this.source = source;
        this.buf = buf;
        this.pos = pos;
        this.limit = limit;
        this.crcPos = pos;
        this.base = -pos;
        this.size = size;
    }

    /** Reads {@code b[off, off + len)} (a DUMP payload). */
    public static RdbInput of(byte[] b, int off, int len) {
        return new RdbInput(null, b, off, off + len, len);
    }

    /** Reads a stream of {@code size} bytes (-1 when unknown); the stream is not closed here. */
    public static RdbInput of(InputStream in, long size) {
        return new RdbInput(in::read, new byte[BUFFER], 0, 0, size);
    }

    /** Reads a channel of {@code size} bytes (-1 when unknown); the channel is not closed here. */
    public static RdbInput of(ReadableByteChannel ch, long size) {
        return new RdbInput((b, off, len) -> ch.read(ByteBuffer.wrap(b, off, len)), new byte[BUFFER], 0, 0, size);
    }

    /** The longest string accepted (proto-max-bulk-len); longer ones are reported as corrupt. */
    public RdbInput maxStringLength(long max) {
        this.maxString = max;
        return this;
    }

    /** Bytes read so far. */
    public long offset() {
        return base + pos;
    }

    /** Total size when known, else -1. */
    public long size() {
        return size;
    }

    /** Bytes left when the size is known, else Long.MAX_VALUE. */
    public long remaining() {
        return size < 0 ? Long.MAX_VALUE : size - offset();
    }

    /** The CRC-64 of every byte read so far. */
    public long crc() {
        if (crcPos < pos) {
            crc = Crc64.update(crc, buf, crcPos, pos - crcPos);
            crcPos = pos;
        }
        return crc;
    }

    RdbException corrupt(String what) {
        return new RdbException(what + " at offset " + offset(), offset());
    }

    RdbException corrupt(String what, long at) {
        return new RdbException(what + " at offset " + at, at);
    }

    private RdbException eof() {
        return new RdbException("Unexpected EOF reading RDB file at offset " + offset(), offset());
    }

    /** Refills the buffer; false at the end of the input. */
    private boolean fill() throws IOException {
        if (source == null) {
            return false;
        }
        crc();
        int keep = limit - pos;
        if (keep > 0) {
            System.arraycopy(buf, pos, buf, 0, keep);
        }
        base += pos;
        pos = 0;
        crcPos = 0;
        limit = keep;
        while (limit < buf.length) {
            int n = source.read(buf, limit, buf.length - limit);
            if (n < 0) {
                break;
            }
            if (n == 0 && limit > keep) {
                break;
            }
            limit += n;
        }
        return limit > keep;
    }

    /** Whether the input has no more bytes. */
    public boolean atEnd() throws IOException {
        return pos == limit && !fill();
    }

    public int readByte() throws IOException {
        if (pos == limit && !fill()) {
            throw eof();
        }
        return buf[pos++] & 0xff;
    }

    public void readFully(byte[] dst, int off, int len) throws IOException {
        int avail = limit - pos;
        if (len <= avail) {
            System.arraycopy(buf, pos, dst, off, len);
            pos += len;
            return;
        }
        System.arraycopy(buf, pos, dst, off, avail);
        pos += avail;
        off += avail;
        len -= avail;
        if (source == null) {
            throw eof();
        }
        crc();
        if (len < buf.length / 2) {
            if (!fill() || limit - pos < len) {
                throw eof();
            }
            System.arraycopy(buf, pos, dst, off, len);
            pos += len;
            return;
        }
        // Large: straight into the destination, keeping the checksum and offset.
        base += pos;
        pos = 0;
        limit = 0;
        crcPos = 0;
        int start = off;
        while (len > 0) {
            int n = source.read(dst, off, len);
            if (n < 0) {
                crc = Crc64.update(crc, dst, start, off - start);
                base += off - start;
                throw eof();
            }
            off += n;
            len -= n;
        }
        crc = Crc64.update(crc, dst, start, off - start);
        base += off - start;
    }

    /** Skips {@code n} bytes (still part of the checksum). */
    void skip(long n) throws IOException {
        byte[] tmp = new byte[(int) Math.min(n, 8192)];
        while (n > 0) {
            int k = (int) Math.min(n, tmp.length);
            readFully(tmp, 0, k);
            n -= k;
        }
    }

    /** A length (rdbLoadLen); an encoded-string marker is corrupt here. */
    public long readLength() throws IOException {
        long at = offset();
        int b = readByte();
        int type = b >>> 6;
        if (type == 0) {
            return b & 0x3F;
        } else if (type == 1) {
            return (b & 0x3F) << 8 | readByte();
        } else if (b == Rdb.LEN_32BIT) {
            return readIntBE() & 0xffffffffL;
        } else if (b == Rdb.LEN_64BIT) {
            return (readIntBE() & 0xffffffffL) << 32 | (readIntBE() & 0xffffffffL);
        }
        throw corrupt("Unknown length encoding " + b, at);
    }

    /** A length used as a count or size: must fit an int and what is left of the input. */
    int readCount(String what) throws IOException {
        long at = offset();
        long n = readLength();
        if (n < 0 || n > Integer.MAX_VALUE - 16) {
            throw corrupt(what + " length " + n + " is out of range", at);
        }
        if (n > remaining()) {
            throw eof();
        }
        return (int) n;
    }

    private int readIntBE() throws IOException {
        return readByte() << 24 | readByte() << 16 | readByte() << 8 | readByte();
    }

    /** A string (rdbGenericLoadStringObject): raw, an encoded integer, or LZF-compressed. */
    public byte[] readString() throws IOException {
        return readString(null);
    }

    /**
     * {@link #readString} appended to {@code to} instead of returned in an array of its own (the
     * load of a string key costs no array per key and value); returns its length.
     */
    public int readStringTo(GrowableBytes to) throws IOException {
        int start = to.length();
        readString(to);
        return to.length() - start;
    }

    /** The next string: appended to {@code to} (and null returned), or in a new array when {@code to} is null. */
    private byte[] readString(GrowableBytes to) throws IOException {
        long at = offset();
        int b = readByte();
        int type = b >>> 6;
        long len;
        if (type == 3) {
            int v;
            switch (b & 0x3F) {
                case Rdb.ENC_INT8:
                    v = (byte) readByte();
                    break;
                case Rdb.ENC_INT16:
                    v = (short) (readByte() | readByte() << 8);
                    break;
                case Rdb.ENC_INT32:
                    v = readByte() | readByte() << 8 | readByte() << 16 | readByte() << 24;
                    break;
                case Rdb.ENC_LZF:
                    return readLzf(at, to);
                default:
                    throw corrupt("Unknown RDB string encoding type " + (b & 0x3F), at);
            }
            if (to == null) {
                return Decimal.text(v);
            }
            to.appendDecimal(v);
            return null;
        } else if (type == 0) {
            len = b & 0x3F;
        } else if (type == 1) {
            len = (b & 0x3F) << 8 | readByte();
        } else if (b == Rdb.LEN_32BIT) {
            len = readIntBE() & 0xffffffffL;
        } else if (b == Rdb.LEN_64BIT) {
            len = (readIntBE() & 0xffffffffL) << 32 | (readIntBE() & 0xffffffffL);
        } else {
            throw corrupt("Unknown length encoding " + b, at);
        }
        if (len < 0 || len > maxString || len > Integer.MAX_VALUE - 16) {
            throw corrupt("String length " + len + " is out of range", at);
        }
        if (len > remaining()) {
            throw eof();
        }
        int n = (int) len;
        if (to == null) {
            byte[] s = new byte[n];
            readFully(s, 0, n);
            return s;
        }
        readFully(to.reserve(n), to.length(), n);
        to.advance(n);
        return null;
    }

    private byte[] readLzf(long at, GrowableBytes to) throws IOException {
        long clen = readLength();
        long len = readLength();
        if (clen < 0 || len < 0 || clen > Integer.MAX_VALUE - 16 || len > maxString
                || len > Integer.MAX_VALUE - 16 || len > clen * LZF_MAX_RATIO + 64) {
            throw corrupt("Invalid LZF compressed string lengths " + clen + "/" + len, at);
        }
        if (clen > remaining()) {
            throw eof();
        }
        byte[] out = to == null ? new byte[(int) len] : to.reserve((int) len);
        int outOff = to == null ? 0 : to.length();
        int n;
        if (clen <= limit - pos) {
            // compressed bytes already buffered: decompress in place
            n = Lzf.decompress(buf, pos, (int) clen, out, outOff, (int) len);
            pos += (int) clen;
        } else {
            byte[] c = new byte[(int) clen];
            readFully(c, 0, c.length);
            n = Lzf.decompress(c, 0, c.length, out, outOff, (int) len);
        }
        if (n != len) {
            throw corrupt("Invalid LZF compressed string", at);
        }
        if (to == null) {
            return out;
        }
        to.advance(n);
        return null;
    }

    /** 8 bytes little endian (rdbLoadMillisecondTime). */
    public long readMillis() throws IOException {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) readByte() << (8 * i);
        }
        return v;
    }

    /** 4 bytes little endian (rdbLoadTime, seconds). */
    long readSeconds() throws IOException {
        return readByte() | readByte() << 8 | readByte() << 16 | (long) (readByte() << 24);
    }

    public double readBinaryDouble() throws IOException {
        return Double.longBitsToDouble(readMillis());
    }

    /** A double as text with a length byte, 253 NaN, 254 +inf, 255 -inf (rdbLoadDoubleValue, old zsets). */
    double readStringDouble() throws IOException {
        long at = offset();
        int len = readByte();
        switch (len) {
            case 255:
                return Double.NEGATIVE_INFINITY;
            case 254:
                return Double.POSITIVE_INFINITY;
            case 253:
                return Double.NaN;
            default:
                byte[] t = new byte[len];
                readFully(t, 0, len);
                double d = parseDouble(t, 0, len);
                if (Double.isNaN(d) && !new String(t, StandardCharsets.US_ASCII).trim().equalsIgnoreCase("nan")) {
                    throw corrupt("Invalid double value", at);
                }
                return d;
        }
    }

    /**
     * C's strtod over the whole text as Redis stores scores: decimal or exponent notation,
     * "inf"/"-inf"/"nan" in any case; NaN for anything else.
     */
    static double parseDouble(byte[] t, int off, int len) {
        String s = new String(t, off, len, StandardCharsets.US_ASCII).trim();
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        switch (lower) {
            case "inf":
            case "+inf":
            case "infinity":
            case "+infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf":
            case "-infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                break;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E') {
                return Double.NaN;
            }
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
