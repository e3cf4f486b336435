package dev.podis.storage.rdb;

import dev.podis.storage.Lzf;
import dev.podis.storage.types.Decimal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * Writes the primitives of the RDB format (rdb.c's rdbSave* functions) through a buffer, keeping
 * the CRC-64 of everything written: lengths, strings (as integers when they are small integers,
 * LZF-compressed when {@code rdbcompression} is on and it pays, raw otherwise), binary doubles,
 * millisecond times.
 *
 * <p>Targets: an {@link OutputStream}, a {@link WritableByteChannel}, memory (DUMP payloads), or
 * nowhere (only counting bytes, as DEBUG OBJECT's serializedlength).
 */
public final class RdbOutput {
    /** Where flushed bytes go. */
    @FunctionalInterface
    interface Target {
        void write(byte[] b, int off, int len) throws IOException;
    }

    private static final int BUFFER = 64 * 1024;

    private final Target target;
    private final boolean compression;
    private byte[] buf;
    private int pos;
    /** Bytes of {@code buf} already folded into {@link #crc}. */
    private int crcPos;
    private long crc;
    private long flushed;
    private final boolean checksum;
    private byte[] scratch = new byte[256];

    private RdbOutput(Target target, int capacity, boolean compression, boolean checksum) {
        this.target = target;
        this.buf = new byte[capacity];
        this.compression = compression;
        this.checksum = checksum;
    }

    /** Writes to {@code out} (not closed here). */
    public static RdbOutput to(OutputStream out, boolean compression, boolean checksum) {
        return new RdbOutput(out::write, BUFFER, compression, checksum);
    }

    /** Writes to {@code channel} (not closed here). */
    public static RdbOutput to(WritableByteChannel channel, boolean compression, boolean checksum) {
        return new RdbOutput((b, off, len) -> {
            ByteBuffer bb = ByteBuffer.wrap(b, off, len);
            while (bb.hasRemaining()) {
                channel.write(bb);
            }
        }, BUFFER, compression, checksum);
    }

    /** Keeps everything in memory: see {@link #toByteArray()}. */
    public static RdbOutput inMemory(boolean compression) {
        return new RdbOutput(null, 256, compression, true);
    }

    /** Discards the bytes and only counts them ({@link #size()}). */
    public static RdbOutput counting(boolean compression) {
        return new RdbOutput((b, off, len) -> { }, 4096, compression, false);
    }

    /** Bytes written so far. */
    public long size() {
        return flushed + pos;
    }

    /** The CRC-64 of every byte written so far (0 when checksums are off). */
    public long crc() {
        if (!checksum) {
            return 0;
        }
        if (crcPos < pos) {
            crc = Crc64.update(crc, buf, crcPos, pos - crcPos);
            crcPos = pos;
        }
        return crc;
    }

    /** The bytes of an in-memory output. */
    public byte[] toByteArray() {
        if (target != null) {
            throw new IllegalStateException("not an in-memory output");
        }
        return Arrays.copyOf(buf, pos);
    }

    /** Hands the buffered bytes to the target. */
    public void flush() throws IOException {
        if (target == null || pos == 0) {
            return;
        }
        crc();
        target.write(buf, 0, pos);
        flushed += pos;
        pos = 0;
        crcPos = 0;
    }

    private void ensure(int n) throws IOException {
        if (buf.length - pos >= n) {
            return;
        }
        if (target != null) {
            flush();
            if (buf.length >= n) {
                return;
            }
        }
        buf = Arrays.copyOf(buf, Math.max(pos + n, buf.length * 2));
    }

    public void writeByte(int b) throws IOException {
        if (pos == buf.length) {
            ensure(1);
        }
        buf[pos++] = (byte) b;
    }

    public void write(byte[] b, int off, int len) throws IOException {
        if (len <= buf.length - pos) {
            System.arraycopy(b, off, buf, pos, len);
            pos += len;
            return;
        }
        if (target == null) {
            ensure(len);
            System.arraycopy(b, off, buf, pos, len);
            pos += len;
            return;
        }
        flush();
        if (len < buf.length) {
            System.arraycopy(b, off, buf, 0, len);
            pos = len;
            return;
        }
        // Large: straight through, keeping the checksum.
        if (checksum) {
            crc = Crc64.update(crc, b, off, len);
        }
        target.write(b, off, len);
        flushed += len;
    }

    public void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    /** rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit length. */
    public void writeLength(long len) throws IOException {
        ensure(9);
        if (len < (1 << 6)) {
            buf[pos++] = (byte) len;
        } else if (len < (1 << 14)) {
            buf[pos++] = (byte) ((len >>> 8) | 0x40);
            buf[pos++] = (byte) len;
        } else if (len <= 0xffffffffL) {
            buf[pos++] = (byte) Rdb.LEN_32BIT;
            putIntBE(len);
        } else {
            buf[pos++] = (byte) Rdb.LEN_64BIT;
            putIntBE(len >>> 32);
            putIntBE(len);
        }
    }

    private void putIntBE(long v) {
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    /**
     * rdbEncodeInteger: {@code v} as an 8, 16 or 32-bit encoded integer; false (nothing written)
     * when it does not fit 32 bits.
     */
    public boolean writeEncodedInteger(long v) throws IOException {
        ensure(5);
        if (v >= -(1 << 7) && v <= (1 << 7) - 1) {
            buf[pos++] = (byte) (0xC0 | Rdb.ENC_INT8);
            buf[pos++] = (byte) v;
        } else if (v >= -(1 << 15) && v <= (1 << 15) - 1) {
            buf[pos++] = (byte) (0xC0 | Rdb.ENC_INT16);
            buf[pos++] = (byte) v;
            buf[pos++] = (byte) (v >>> 8);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            buf[pos++] = (byte) (0xC0 | Rdb.ENC_INT32);
            buf[pos++] = (byte) v;
            buf[pos++] = (byte) (v >>> 8);
            buf[pos++] = (byte) (v >>> 16);
            buf[pos++] = (byte) (v >>> 24);
        } else {
            return false;
        }
        return true;
    }

    /**
     * rdbSaveRawString: a string of up to 11 bytes that is an integer of 32 bits or less as an
     * encoded integer; longer than 20 bytes LZF-compressed when compression is on and saves at
     * least 4 bytes; otherwise length and bytes.
     */
    public void writeString(byte[] s, int off, int len) throws IOException {
        if (len <= 11 && len > 0) {
            long v = Decimal.parse(s, off, len);
            if (v != Decimal.NOT_AN_INTEGER && writeEncodedInteger(v)) {
                return;
            }
        }
        if (compression && len > 20 && writeLzf(s, off, len)) {
            return;
        }
        writeLength(len);
        write(s, off, len);
    }

    public void writeString(byte[] s) throws IOException {
        writeString(s, 0, s.length);
    }

    /** A string that is the decimal text of {@code v} (rdbSaveLongLongAsStringObject). */
    public void writeLongAsString(long v) throws IOException {
        if (!writeEncodedInteger(v)) {
            byte[] t = Decimal.text(v);
            writeLength(t.length);
            write(t, 0, t.length);
        }
    }

    /** rdbSaveLzfStringObject: false (nothing written) when compression does not save 4 bytes. */
    private boolean writeLzf(byte[] s, int off, int len) throws IOException {
        int outLimit = len - 4;
        if (scratch.length < outLimit) {
            scratch = new byte[Math.max(outLimit, scratch.length * 2)];
        }
        int n = Lzf.compress(s, off, len, scratch, 0, outLimit);
        if (n == 0) {
            return false;
        }
        writeLzfBlob(scratch, 0, n, len);
        return true;
    }

    /** rdbSaveLzfBlob: already compressed data of {@code rawLength} bytes. */
    public void writeLzfBlob(byte[] compressed, int off, int len, long rawLength) throws IOException {
        writeByte(0xC0 | Rdb.ENC_LZF);
        writeLength(len);
        writeLength(rawLength);
        write(compressed, off, len);
    }

    /** rdbSaveMillisecondTime: 8 bytes little endian. */
    public void writeMillis(long t) throws IOException {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[pos++] = (byte) (t >>> (8 * i));
        }
    }

    /** rdbSaveBinaryDoubleValue: IEEE 754 binary64, little endian. */
    public void writeBinaryDouble(double d) throws IOException {
        writeMillis(Double.doubleToRawLongBits(d));
    }
}
