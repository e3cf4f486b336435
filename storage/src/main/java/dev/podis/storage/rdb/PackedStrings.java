package dev.podis.storage.rdb;

import java.util.Arrays;

/**
 * String keys without expiry as an {@link RdbLoader} reads them for a {@link PackedSink}: packed
 * one after another into one reused array instead of an array and a value object per key. Per
 * key: its length (4 bytes), the value's length (4 bytes), the key's bytes, 4 bytes of room for
 * the stored record's header (holding the key's LRU/LFU data as read, little endian, 0 for none),
 * then the value's bytes (the layout {@link dev.podis.storage.Keyspace#loadString} takes).
 */
public final class PackedStrings {
    private byte[] data;
    private int size;

    public PackedStrings(int capacity) {
        data = new byte[Math.max(64, capacity)];
    }

    /** The array the keys are packed in (valid up to {@link #size()}). */
    public byte[] array() {
        return data;
    }

    public int size() {
        return size;
    }

    public void clear() {
        size = 0;
    }

    /** Offset of the key of the entry at {@code pos}. */
    public static int keyOffset(int pos) {
        return pos + 8;
    }

    public int keyLength(int pos) {
        return intAt(pos);
    }

    /** Offset of the record (4 bytes of header room, then the value) of the entry at {@code pos}. */
    public int recordOffset(int pos) {
        return pos + 8 + intAt(pos);
    }

    /** Length of the record (4 + the value's length) of the entry at {@code pos}. */
    public int recordLength(int pos) {
        return 4 + intAt(pos + 4);
    }

    /** The LRU/LFU data the loader read for the entry at {@code pos} (0: none). */
    public int accessData(int pos) {
        return intAt(recordOffset(pos));
    }

    /** Position of the entry after the one at {@code pos}. */
    public int next(int pos) {
        return recordOffset(pos) + recordLength(pos);
    }

    /** Reads one key and its string value from {@code in}. */
    void read(RdbInput in, int accessData) throws java.io.IOException {
        int start = size;
        reserve(8);
        int keyLen = in.readString(this);
        putInt(start, keyLen);
        int room = reserve(4);
        putInt(room, accessData);
        int valueLen = in.readString(this);
        putInt(start + 4, valueLen);
    }

    /** Appends {@code n} bytes of room (grown as needed); returns where they start. */
    int reserve(int n) {
        if (data.length - size < n) {
            data = Arrays.copyOf(data, Math.max(size + n, data.length * 2));
        }
        int at = size;
        size += n;
        return at;
    }

    private int intAt(int p) {
        return (data[p] & 0xff) | (data[p + 1] & 0xff) << 8 | (data[p + 2] & 0xff) << 16 | data[p + 3] << 24;
    }

    private void putInt(int p, int v) {
        data[p] = (byte) v;
        data[p + 1] = (byte) (v >>> 8);
        data[p + 2] = (byte) (v >>> 16);
        data[p + 3] = (byte) (v >>> 24);
    }
}
