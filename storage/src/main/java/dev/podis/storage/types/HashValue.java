package dev.podis.storage.types;

import java.util.Random;

/**
 * The payload of a Redis hash: a compact packed array of alternating fields and values
 * ("listpack") while small, an {@link EntryTable} ("hashtable") once it crosses the
 * configured thresholds (hash-max-listpack-entries / -value), as Redis converts it. The
 * conversion is one-way, as in Redis.
 *
 * <p>The packed form keeps insertion order (replies list fields in that order, as Redis's
 * listpack does); updating a field keeps its position.
 */
public final class HashValue implements CollectionValue {
    /** Receives one field and its value as array ranges (valid only during the call). */
    public interface PairVisitor {
        void pair(byte[] f, int fOff, int fLen, byte[] v, int vOff, int vLen);
    }

    private PackedBytes packed;
    private EntryTable table;

    private HashValue(PackedBytes packed, EntryTable table) {
        this.packed = packed;
        this.table = table;
    }

    /** An empty hash in the compact encoding. */
    public static HashValue create() {
        return new HashValue(new PackedBytes(32), null);
    }

    public boolean isPacked() {
        return packed != null;
    }

    /** Redis's OBJECT ENCODING name. */
    @Override
    public String encoding() {
        return packed != null ? "listpack" : "hashtable";
    }

    public int size() {
        return packed != null ? packed.count() / 2 : table.size();
    }

    /** Converts to the hash table encoding, sized for {@code expected} fields. */
    public void convertToTable(int expected) {
        if (packed == null) {
            return;
        }
        PackedBytes p = packed;
        EntryTable t = new EntryTable(true, Math.max(expected, p.count() / 2));
        byte[] b = p.array();
        for (int pos = p.first(); pos >= 0; ) {
            int vpos = p.next(pos);
            int fo = p.dataOffset(pos);
            int fl = p.length(pos);
            int vo = p.dataOffset(vpos);
            int vl = p.length(vpos);
            t.insertNew(EntryTable.hash(b, fo, fl), entry(b, fo, fl, b, vo, vl));
            pos = p.next(vpos);
        }
        table = t;
        packed = null;
    }

    private static byte[] entry(byte[] f, int fo, int fl, byte[] v, int vo, int vl) {
        int hs = Varint.size(fl);
        byte[] e = new byte[hs + fl + vl];
        Varint.write(e, 0, fl);
        System.arraycopy(f, fo, e, hs, fl);
        System.arraycopy(v, vo, e, hs + fl, vl);
        return e;
    }

    /** Looks {@code field} up; on success {@code out} views its value. */
    public boolean get(byte[] field, ByteSlice out) {
        if (packed != null) {
            int pos = packed.find(field, 0, field.length, 2);
            if (pos < 0) {
                return false;
            }
            packed.view(packed.next(pos), out);
            return true;
        }
        int slot = table.find(field, 0, field.length);
        if (slot < 0) {
            return false;
        }
        byte[] e = table.entryAt(slot);
        int fl = Varint.read(e, 0);
        int vo = Varint.size(fl) + fl;
        out.set(e, vo, e.length - vo);
        return true;
    }

    public boolean contains(byte[] field) {
        if (packed != null) {
            return packed.find(field, 0, field.length, 2) >= 0;
        }
        return table.find(field, 0, field.length) >= 0;
    }

    /**
     * Sets {@code field} to {@code value}, converting to the hash table first when either is
     * longer than {@code maxValue} bytes and after when the hash has more than
     * {@code maxEntries} fields. Returns true if the field is new.
     */
    public boolean set(byte[] field, byte[] value, long maxEntries, long maxValue) {
        if (packed != null && (field.length > maxValue || value.length > maxValue)) {
            convertToTable(size() + 1);
        }
        if (packed != null) {
            int pos = packed.find(field, 0, field.length, 2);
            if (pos >= 0) {
                packed.replace(packed.next(pos), value, 0, value.length);
                return false;
            }
            packed.append(field);
            packed.append(value);
            if (packed.count() / 2 > maxEntries) {
                convertToTable(size());
            }
            return true;
        }
        int h = EntryTable.hash(field, 0, field.length);
        int slot = table.findForWrite(h, field, 0, field.length);
        if (slot >= 0) {
            byte[] e = table.entryAt(slot);
            int vo = e.length - value.length;
            if (vo == Varint.size(field.length) + field.length && table.ownedAt(slot)) {
                System.arraycopy(value, 0, e, vo, value.length); // same length, nobody else holds the entry
            } else {
                table.replaceAt(slot, entry(field, 0, field.length, value, 0, value.length));
            }
            return false;
        }
        table.insertNew(h, entry(field, 0, field.length, value, 0, value.length));
        return true;
    }

    /** Removes {@code field}; true if it was there. */
    public boolean remove(byte[] field) {
        if (packed != null) {
            int pos = packed.find(field, 0, field.length, 2);
            if (pos < 0) {
                return false;
            }
            packed.remove(pos, 2);
            return true;
        }
        int slot = table.findForWrite(EntryTable.hash(field, 0, field.length), field, 0, field.length);
        if (slot < 0) {
            return false;
        }
        table.removeAt(slot);
        return true;
    }

    /** Every field and value, in storage order. */
    public void forEach(PairVisitor visitor) {
        if (packed != null) {
            PackedBytes p = packed;
            byte[] b = p.array();
            for (int pos = p.first(); pos >= 0; ) {
                int vpos = p.next(pos);
                visitor.pair(b, p.dataOffset(pos), p.length(pos), b, p.dataOffset(vpos), p.length(vpos));
                pos = p.next(vpos);
            }
            return;
        }
        EntryTable t = table;
        for (int i = 0, n = t.capacity(); i < n; i++) {
            byte[] e = t.entryAt(i);
            if (e != null) {
                visit(e, visitor);
            }
        }
    }

    private static void visit(byte[] e, PairVisitor visitor) {
        int fl = Varint.read(e, 0);
        int fo = Varint.size(fl);
        visitor.pair(e, fo, fl, e, fo + fl, e.length - fo - fl);
    }

    /**
     * One HSCAN step. The compact encoding returns everything at once and cursor 0, as Redis
     * does; the table visits home buckets until {@code count} pairs were returned or
     * {@code count * 10} buckets were visited.
     */
    public long scan(long cursor, long count, PairVisitor visitor) {
        if (packed != null) {
            forEach(visitor);
            return 0;
        }
        long maxIterations = count * 10; // may wrap for a huge COUNT, as in Redis: then only the cursor ends the step
        int[] emitted = {0};
        long c = cursor;
        do {
            c = table.scanBucket(c, e -> {
                visit(e, visitor);
                emitted[0]++;
            });
        } while (c != 0 && maxIterations-- != 0 && emitted[0] < count);
        return c;
    }

    /**
     * Random access for HRANDFIELD: the number of addressable positions ({@link #size()} pairs
     * when packed, table slots otherwise) and whether a position holds a pair.
     */
    public int positions() {
        return packed != null ? packed.count() / 2 : table.capacity();
    }

    /** A uniformly random position that holds a pair; the hash must not be empty. */
    public int randomPosition(Random random) {
        if (packed != null) {
            return random.nextInt(packed.count() / 2);
        }
        return table.randomSlot(random);
    }

    /** Byte offsets of every pair (packed encoding only), for repeated random access. */
    public int[] packedPairOffsets() {
        PackedBytes p = packed;
        int[] out = new int[p.count() / 2];
        int i = 0;
        for (int pos = p.first(); pos >= 0; pos = p.next(p.next(pos))) {
            out[i++] = pos;
        }
        return out;
    }

    /**
     * Visits the pair at {@code position}: an index into {@link #packedPairOffsets()} given as
     * {@code offsets} for the packed encoding, a table slot otherwise. Returns false for an empty
     * slot.
     */
    public boolean visitAt(int position, int[] offsets, PairVisitor visitor) {
        if (packed != null) {
            PackedBytes p = packed;
            int pos = offsets[position];
            int vpos = p.next(pos);
            byte[] b = p.array();
            visitor.pair(b, p.dataOffset(pos), p.length(pos), b, p.dataOffset(vpos), p.length(vpos));
            return true;
        }
        byte[] e = table.entryAt(position);
        if (e == null) {
            return false;
        }
        visit(e, visitor);
        return true;
    }

    /** An independent copy (COPY). */
    @Override
    public HashValue copy() {
        return new HashValue(packed == null ? null : packed.copy(), table == null ? null : table.copy());
    }

    /** Approximate heap bytes used by the payload (MEMORY USAGE style estimates). */
    @Override
    public long memoryUsage() {
        if (packed != null) {
            return 16 + 16L + packed.allocatedBytes();
        }
        return 16 + 16 + 16L + table.capacity() * 8L + table.entryBytes();
    }
}
