package dev.podis.storage;

import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.bytes.RandomDataOutput;

/**
 * The stored record of one key in the off-heap keyspace: the value of the Chronicle Map entry.
 *
 * <pre>
 * byte 0      bits 0-2 type ({@link ValueType} ordinal), bit 3 a raw string ({@link StoredValue#raw}),
 *             bits 4-5 payload kind, bit 6 has expiry,
 *             bit 7 the snapshot mark ({@link Hooks#mark}: which records a running snapshot has handled)
 * bytes 1-3   24-bit LRU clock or LFU data (little endian)
 * [8 bytes]   expiry, absolute Unix ms, only when bit 6 is set
 * payload     INLINE: the string bytes (up to {@link #INLINE_MAX}), the rest of the record
 *             LARGE:  8-byte id in the large-value store + 8-byte length
 *             OBJECT: none (collections: the heap object, its expiry and LRU clock are found by key in
 *                     the database's heap index, which is the truth for them; the record keeps
 *                     type and expiry so that SCAN, RANDOMKEY and the map migration need no heap lookup)
 * </pre>
 *
 * A value without a TTL costs 4 bytes of header; one with a TTL 12.
 */
final class Record {
    static final int INLINE = 0;
    static final int LARGE = 1;
    static final int OBJECT = 2;

    /** Strings longer than this go to the large-value store (Chronicle entries hold a few hundred KB at most). */
    static final int INLINE_MAX = 8 * 1024;

    private static final int EXPIRY_BIT = 0x40;
    /** A string changed in place, reported {@code raw} by OBJECT ENCODING ({@link StoredValue#raw}). */
    private static final int RAW_BIT = 0x08;
    /** The snapshot mark bit of byte 0 (see {@link Snapshot}). */
    static final int MARK_BIT = 0x80;

    private Record() {
    }

    static int headerSize(boolean expiry) {
        return expiry ? 12 : 4;
    }

    private static int writeHeader(byte[] r, ValueType type, int kind, long expireAt, int lru, int mark) {
        boolean exp = expireAt != StoredValue.NO_EXPIRY;
        r[0] = (byte) (type.ordinal() | kind << 4 | (exp ? EXPIRY_BIT : 0) | mark);
        r[1] = (byte) lru;
        r[2] = (byte) (lru >>> 8);
        r[3] = (byte) (lru >>> 16);
        if (!exp) {
            return 4;
        }
        for (int i = 0; i < 8; i++) {
            r[4 + i] = (byte) (expireAt >>> (8 * i));
        }
        return 12;
    }

    static HeapData inline(HeapData out, ValueType type, long expireAt, int lru, int mark, byte[] payload, boolean raw) {
        return inline(out, type, expireAt, lru, mark, payload, 0, payload.length, raw);
    }

    /** {@link #inline} of {@code payload[offset, offset + length)}. */
    static HeapData inline(HeapData out, ValueType type, long expireAt, int lru, int mark, byte[] payload, int offset,
                           int length, boolean raw) {
        byte[] r = out.reset(headerSize(expireAt != StoredValue.NO_EXPIRY) + length);
        int off = writeHeader(r, type, INLINE, expireAt, lru, mark);
        if (raw) {
            r[0] |= RAW_BIT;
        }
        System.arraycopy(payload, offset, r, off, length);
        return out;
    }

    static HeapData large(HeapData out, ValueType type, long expireAt, int lru, int mark, long id, long length) {
        byte[] r = out.reset(headerSize(expireAt != StoredValue.NO_EXPIRY) + 16);
        int off = writeHeader(r, type, LARGE, expireAt, lru, mark);
        putLong(r, off, id);
        putLong(r, off + 8, length);
        return out;
    }

    /** A collection's record: type and expiry only (the value itself is found on the heap by key). */
    static HeapData object(HeapData out, ValueType type, long expireAt, int lru, int mark) {
        byte[] r = out.reset(headerSize(expireAt != StoredValue.NO_EXPIRY));
        writeHeader(r, type, OBJECT, expireAt, lru, mark);
        return out;
    }

    /**
     * The same record with another expiry, LRU value and snapshot mark; payload (and any reference
     * it holds) unchanged.
     */
    static HeapData withHeader(HeapData out, RandomDataInput in, long off, long size, long expireAt, int lru, int mark) {
        int oldHeader = headerSize(hasExpiry(in, off));
        int payload = (int) (size - oldHeader);
        byte[] r = out.reset(headerSize(expireAt != StoredValue.NO_EXPIRY) + payload);
        int p = writeHeader(r, type(in, off), kind(in, off), expireAt, lru, mark);
        r[0] |= (byte) (in.readUnsignedByte(off) & RAW_BIT);
        in.read(off + oldHeader, r, p, payload);
        return out;
    }

    /** The payload kind of a record being built in {@code rec}. */
    static int kind(HeapData rec) {
        return (rec.array()[0] >>> 4) & 0x03;
    }

    /** The LRU/LFU field of a record being built in {@code rec}. */
    static int lru(HeapData rec) {
        byte[] r = rec.array();
        return (r[1] & 0xFF) | (r[2] & 0xFF) << 8 | (r[3] & 0xFF) << 16;
    }

    /** Sets the LRU/LFU field of a record being built in {@code rec}. */
    static void lru(HeapData rec, int lru) {
        byte[] r = rec.array();
        r[1] = (byte) lru;
        r[2] = (byte) (lru >>> 8);
        r[3] = (byte) (lru >>> 16);
    }

    /** Rewrites the LRU clock of the record at {@code off} in place (the record's size does not change). */
    static void writeLru(RandomDataOutput out, long off, int lru) {
        out.writeByte(off + 1, (byte) lru);
        out.writeByte(off + 2, (byte) (lru >>> 8));
        out.writeByte(off + 3, (byte) (lru >>> 16));
    }

    private static void putLong(byte[] r, int off, long v) {
        for (int i = 0; i < 8; i++) {
            r[off + i] = (byte) (v >>> (8 * i));
        }
    }

    /** Chronicle reads multi-byte values in the machine's order; the record's fields are little endian. */
    private static final boolean LITTLE_ENDIAN = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    /** The first four bytes of the record at {@code off} in one read: flags in the low byte, the LRU clock above. */
    static int header(RandomDataInput in, long off) {
        return LITTLE_ENDIAN ? in.readInt(off) : readIntLE(in, off);
    }

    static ValueType type(int header) {
        return ValueType.ofCode(header & 0x07);
    }

    /** Whether the record with this header holds a raw string ({@link StoredValue#raw}). */
    static boolean raw(int header) {
        return (header & RAW_BIT) != 0;
    }

    static int kind(int header) {
        return (header >>> 4) & 0x03;
    }

    static int lru(int header) {
        return header >>> 8;
    }

    static int payloadOffset(int header) {
        return headerSize((header & EXPIRY_BIT) != 0);
    }

    /** The expiry of the record at {@code off} whose {@link #header} is {@code header}. */
    static long expireAt(RandomDataInput in, long off, int header) {
        return (header & EXPIRY_BIT) != 0 ? readLongLE(in, off + 4) : StoredValue.NO_EXPIRY;
    }

    static ValueType type(RandomDataInput in, long off) {
        return ValueType.ofCode(in.readUnsignedByte(off) & 0x07);
    }

    static int kind(RandomDataInput in, long off) {
        return (in.readUnsignedByte(off) >>> 4) & 0x03;
    }

    /** The snapshot mark of the record at {@code off}: 0 or {@link #MARK_BIT}. */
    static int mark(RandomDataInput in, long off) {
        return in.readUnsignedByte(off) & MARK_BIT;
    }

    /** The snapshot mark in a {@link #header} value. */
    static int mark(int header) {
        return header & MARK_BIT;
    }

    static boolean hasExpiry(RandomDataInput in, long off) {
        return (in.readUnsignedByte(off) & EXPIRY_BIT) != 0;
    }

    static int lru(RandomDataInput in, long off) {
        return in.readUnsignedByte(off + 1) | in.readUnsignedByte(off + 2) << 8 | in.readUnsignedByte(off + 3) << 16;
    }

    static long expireAt(RandomDataInput in, long off) {
        return hasExpiry(in, off) ? readLongLE(in, off + 4) : StoredValue.NO_EXPIRY;
    }

    static int payloadOffset(RandomDataInput in, long off) {
        return headerSize(hasExpiry(in, off));
    }

    static long readLongLE(RandomDataInput in, long off) {
        if (LITTLE_ENDIAN) {
            return in.readLong(off);
        }
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | in.readUnsignedByte(off + i);
        }
        return v;
    }

    static int readIntLE(RandomDataInput in, long off) {
        return in.readUnsignedByte(off) | in.readUnsignedByte(off + 1) << 8 | in.readUnsignedByte(off + 2) << 16
                | in.readUnsignedByte(off + 3) << 24;
    }
}
