package dev.podis.storage.types;

import java.util.Random;

/**
 * The payload of a Redis set in one of Redis 7.2's three encodings: "intset" (sorted integers)
 * while every member is an integer and there are at most set-max-intset-entries of them,
 * "listpack" (a packed array in insertion order) while small, and "hashtable" (an
 * {@link EntryTable}) beyond. Conversions follow Redis's t_set.c rules and are one-way, except
 * that a store result made only of integers becomes an intset ({@link #maybeConvertToIntSet}).
 */
public final class SetValue implements CollectionValue {
    /** Receives members: as bytes (valid only during the call) or, for an intset, as integers. */
    public interface MemberVisitor {
        void bytes(byte[] a, int off, int len);

        void integer(long v);
    }


    private IntSet ints;
    private PackedBytes packed;
    private EntryTable table;

    private SetValue(IntSet ints, PackedBytes packed, EntryTable table) {
        this.ints = ints;
        this.packed = packed;
        this.table = table;
    }

    /**
     * An empty set able to hold {@code first}, as Redis's setTypeCreate: an intset when
     * {@code first} is an integer and {@code sizeHint} fits an intset, else a listpack when the hint
     * fits one, else a hash table pre-sized for the hint.
     */
    public static SetValue create(byte[] first, long sizeHint, long maxIntset, long maxListpackEntries) {
        if (isInteger(first) && sizeHint <= maxIntset) {
            return new SetValue(new IntSet(), null, null);
        }
        if (sizeHint <= maxListpackEntries) {
            return new SetValue(null, new PackedBytes(32), null);
        }
        return new SetValue(null, null, new EntryTable(false, (int) Math.min(sizeHint, 1 << 24)));
    }

    public static SetValue newIntSet() {
        return new SetValue(new IntSet(), null, null);
    }

    public static SetValue newListpack() {
        return new SetValue(null, new PackedBytes(32), null);
    }

    /** A set in the intset encoding holding {@code ints} (owned by the set from now on). */
    public static SetValue of(IntSet ints) {
        return new SetValue(ints, null, null);
    }

    /** The members while the set is an intset, else null (read only: for serialization). */
    public IntSet intSet() {
        return ints;
    }

    /** Redis's OBJECT ENCODING name. */
    @Override
    public String encoding() {
        return ints != null ? "intset" : packed != null ? "listpack" : "hashtable";
    }

    public int size() {
        return ints != null ? ints.size() : packed != null ? packed.count() : table.size();
    }

    // ------------------------------------------------------------ integers as Redis's string2ll

    /** True if {@code s} is a 64-bit integer in canonical form (no '+', no leading zeros or spaces). */
    public static boolean isInteger(byte[] s) {
        return Decimal.isInteger(s, 0, s.length);
    }

    private static long parse(byte[] s) {
        return Decimal.parse(s, 0, s.length);
    }

    private static long toLong(byte[] s) {
        long v = parse(s);
        return v; // "-9223372036854775808" parses to NOT_AN_INTEGER == Long.MIN_VALUE, which is its value
    }

    private static byte[] decimal(long v) {
        return Decimal.text(v);
    }

    private static int digits(long v) {
        return Long.toString(v).length();
    }

    // ------------------------------------------------------------ membership

    public boolean contains(byte[] m) {
        if (ints != null) {
            return isInteger(m) && ints.contains(toLong(m));
        }
        if (packed != null) {
            return packed.find(m, 0, m.length, 1) >= 0;
        }
        return table.find(m, 0, m.length) >= 0;
    }

    /**
     * Adds {@code m} with Redis's conversions: an intset takes integers up to {@code maxIntset}
     * members and turns into a listpack (if small enough) or a hash table for a non-integer; a
     * listpack takes members up to {@code maxListpackEntries} entries of at most
     * {@code maxListpackValue} bytes. Returns true if {@code m} is new.
     */
    public boolean add(byte[] m, long maxIntset, long maxListpackEntries, long maxListpackValue) {
        if (ints != null) {
            if (isInteger(m)) {
                if (!ints.add(toLong(m))) {
                    return false;
                }
                if (ints.size() > Math.min(maxIntset, 1L << 30)) {
                    convertToTable(ints.size());
                }
                return true;
            }
            int n = ints.size();
            int maxLen = n == 0 ? 0 : Math.max(digits(ints.min()), digits(ints.max()));
            if (n < maxListpackEntries && m.length <= maxListpackValue && maxLen <= maxListpackValue) {
                convertToListpack();
                packed.append(m);
            } else {
                convertToTable(n + 1);
                table.insertNew(EntryTable.hash(m, 0, m.length), m.clone());
            }
            return true;
        }
        if (packed != null) {
            if (packed.find(m, 0, m.length, 1) >= 0) {
                return false;
            }
            if (packed.count() < maxListpackEntries && m.length <= maxListpackValue) {
                packed.append(m);
            } else {
                convertToTable(packed.count() + 1);
                table.insertNew(EntryTable.hash(m, 0, m.length), m.clone());
            }
            return true;
        }
        int h = EntryTable.hash(m, 0, m.length);
        if (table.findForWrite(h, m, 0, m.length) >= 0) {
            return false;
        }
        table.insertNew(h, m.clone());
        return true;
    }

    public boolean remove(byte[] m) {
        if (ints != null) {
            return isInteger(m) && ints.remove(toLong(m));
        }
        if (packed != null) {
            int pos = packed.find(m, 0, m.length, 1);
            if (pos < 0) {
                return false;
            }
            packed.remove(pos, 1);
            return true;
        }
        int slot = table.findForWrite(EntryTable.hash(m, 0, m.length), m, 0, m.length);
        if (slot < 0) {
            return false;
        }
        table.removeAt(slot);
        return true;
    }

    private void convertToListpack() {
        PackedBytes p = new PackedBytes(ints.size() * 8 + 16);
        for (int i = 0, n = ints.size(); i < n; i++) {
            p.append(decimal(ints.get(i)));
        }
        packed = p;
        ints = null;
    }

    /** Converts to the hash table encoding sized for {@code expected} members. */
    public void convertToTable(int expected) {
        if (table != null) {
            return;
        }
        EntryTable t = new EntryTable(false, Math.max(expected, size()));
        if (ints != null) {
            for (int i = 0, n = ints.size(); i < n; i++) {
                byte[] m = decimal(ints.get(i));
                t.insertNew(EntryTable.hash(m, 0, m.length), m);
            }
        } else {
            PackedBytes p = packed;
            for (int pos = p.first(); pos >= 0; pos = p.next(pos)) {
                byte[] m = p.copyOf(pos);
                t.insertNew(EntryTable.hash(m, 0, m.length), m);
            }
        }
        table = t;
        ints = null;
        packed = null;
    }

    /** A listpack or hash table whose members are all integers becomes an intset if it fits. */
    public void maybeConvertToIntSet(long maxIntset) {
        if (ints != null || size() > Math.min(maxIntset, 1L << 30)) {
            return;
        }
        IntSet s = new IntSet();
        byte[][] all = toArray();
        for (byte[] m : all) {
            if (!isInteger(m)) {
                return;
            }
        }
        for (byte[] m : all) {
            s.add(toLong(m));
        }
        ints = s;
        packed = null;
        table = null;
    }

    // ------------------------------------------------------------ iteration

    public void forEach(MemberVisitor v) {
        if (ints != null) {
            for (int i = 0, n = ints.size(); i < n; i++) {
                v.integer(ints.get(i));
            }
        } else if (packed != null) {
            PackedBytes p = packed;
            byte[] b = p.array();
            for (int pos = p.first(); pos >= 0; pos = p.next(pos)) {
                v.bytes(b, p.dataOffset(pos), p.length(pos));
            }
        } else {
            EntryTable t = table;
            for (int i = 0, n = t.capacity(); i < n; i++) {
                byte[] e = t.entryAt(i);
                if (e != null) {
                    v.bytes(e, 0, e.length);
                }
            }
        }
    }

    /** Every member as its own array, in storage order. */
    public byte[][] toArray() {
        byte[][] out = new byte[size()][];
        int[] i = {0};
        forEach(new MemberVisitor() {
            @Override
            public void bytes(byte[] a, int off, int len) {
                byte[] m = new byte[len];
                System.arraycopy(a, off, m, 0, len);
                out[i[0]++] = m;
            }

            @Override
            public void integer(long v) {
                out[i[0]++] = decimal(v);
            }
        });
        return out;
    }

    /** One SSCAN step: everything at once with cursor 0 for the compact encodings. */
    public long scan(long cursor, long count, MemberVisitor v) {
        if (table == null) {
            forEach(v);
            return 0;
        }
        long maxIterations = count * 10; // may wrap for a huge COUNT, as in Redis: then only the cursor ends the step
        int[] emitted = {0};
        long c = cursor;
        do {
            c = table.scanBucket(c, e -> {
                v.bytes(e, 0, e.length);
                emitted[0]++;
            });
        } while (c != 0 && maxIterations-- != 0 && emitted[0] < count);
        return c;
    }

    // ------------------------------------------------------------ random access

    /** A uniformly random member (the set must not be empty). */
    public byte[] random(Random random) {
        if (ints != null) {
            return decimal(ints.get(random.nextInt(ints.size())));
        }
        if (packed != null) {
            return packed.copyOf(packed.positionOf(random.nextInt(packed.count())));
        }
        return table.entryAt(table.randomSlot(random)).clone();
    }

    /** Removes and returns a random member (the set must not be empty). */
    public byte[] popRandom(Random random) {
        if (ints != null) {
            long v = ints.get(random.nextInt(ints.size()));
            ints.remove(v);
            return decimal(v);
        }
        if (packed != null) {
            int pos = packed.positionOf(random.nextInt(packed.count()));
            byte[] m = packed.copyOf(pos);
            packed.remove(pos, 1);
            return m;
        }
        int slot = table.randomSlot(random);
        byte[] m = table.entryAt(slot);
        table.removeAt(slot);
        return m;
    }

    @Override
    public SetValue copy() {
        return new SetValue(ints == null ? null : ints.copy(), packed == null ? null : packed.copy(),
                table == null ? null : table.copy());
    }

    /** Approximate heap bytes used by the payload (for MEMORY USAGE style estimates). */
    @Override
    public long memoryUsage() {
        if (ints != null) {
            return 16 + 16 + 16L + ints.bytes();
        }
        if (packed != null) {
            return 16 + 16 + 16L + packed.allocatedBytes();
        }
        return 16 + 16 + 16L + table.capacity() * 8L + table.entryBytes();
    }
}
