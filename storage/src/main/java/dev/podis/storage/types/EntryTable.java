package dev.podis.storage.types;

import java.util.Random;
import java.util.function.Consumer;

/**
 * An open-addressing hash table (linear probing, backward-shift deletion, no tombstones) of
 * byte-array entries: the large encoding of hashes and sets.
 *
 * <p>An entry is one array: for a set, the member itself; for a hash ("pairs" mode), a varint
 * field length, the field and the value, so a field costs one object. Each slot also keeps the
 * entry's hash (31 bits, never 0) in a separate {@code int[]}: a lookup probes that array alone
 * (an empty slot is a 0 there) and reads the slot's reference and the entry's bytes only on a hash
 * match, so a lookup of a present key touches three cache lines (hash, reference, entry) and one
 * of a missing key usually one; resizing never rehashes.
 *
 * <p>The hash word's top bit ({@link #OWNED}) says that the entry's array was made for this
 * table since its last {@link #copy()} (which shares the arrays it had, so that neither table
 * changes them afterwards): only such an entry may be overwritten in place
 * ({@link #ownedAt}), which is how HSET replaces a value of the same length without allocating.
 *
 * <p>SCAN follows Redis's guarantee (every entry present for the whole iteration is returned at
 * least once, across resizes) by scanning <em>home buckets</em> in reverse-binary cursor order,
 * as Redis's dictScan does: a bucket's entries are those whose hash maps to it, found in the
 * probe run that starts there, wherever linear probing placed them.
 *
 * <p>Resizing a large table is incremental, as Redis's dict rehashes: the old arrays stay next to
 * the new ones and every write (insert, removal, replacement, {@link #findForWrite}) moves the
 * next {@link #REHASH_STEP} old slots (whole probe clusters at a time, so that what is left of the
 * old table stays a valid linear-probing table), as does {@link #rehashStep}; a plain
 * {@link #find} moves nothing. Meanwhile a lookup probes the new table,
 * then the old; a slot number at or above the new table's length names an old slot
 * ({@link #capacity()} counts both, so slot iteration and random picks cover both), and a scan
 * step visits the cursor's bucket in both tables as dictScan does. A table below
 * {@link #INCREMENTAL_MIN} slots still resizes at once: that costs tens of microseconds, less than
 * the bookkeeping of a migration would.
 */
public final class EntryTable {
    private static final int MIN_CAPACITY = 8;
    /** Bit of a {@code hashes} word: the entry's array belongs to this table alone (see the class comment). */
    private static final int OWNED = 0x80000000;
    /** The hash part of a {@code hashes} word (0 only in an empty slot). */
    private static final int HASH = 0x7FFFFFFF;

    /** Capacity from which a resize moves the old table's entries a few at a time (see the class comment). */
    static final int INCREMENTAL_MIN = 1 << 13;
    /** Old slots visited per write while a resize is in progress. */
    static final int REHASH_STEP = 64;

    private final boolean pairs;
    private byte[][] slots;
    private int[] hashes;
    private int size;
    /** The table being emptied into {@code slots} while a resize is in progress, else null. */
    private byte[][] oldSlots;
    private int[] oldHashes;
    /** Entries still in the old table. */
    private int oldCount;
    /** The next old slot to move; the slot before it is empty. */
    private int migrateAt;
    /** Heap bytes of the entry arrays (header and padding included), for {@link #entryBytes()}. */
    private long entryBytes;

    /** A table expecting about {@code expected} entries. */
    public EntryTable(boolean pairs, int expected) {
        this.pairs = pairs;
        int cap = capacityFor(expected);
        slots = new byte[cap][];
        hashes = new int[cap];
    }

    private static int capacityFor(int n) {
        long need = (long) n * 4 / 3 + 1;
        int cap = MIN_CAPACITY;
        while (cap < need && cap < (1 << 30)) {
            cap <<= 1;
        }
        return cap;
    }

    public int size() {
        return size;
    }

    /** Heap bytes held by the entries themselves (each an array: 16-byte header, 8-byte alignment). */
    public long entryBytes() {
        return entryBytes;
    }

    static long arrayBytes(byte[] e) {
        return (16 + e.length + 7) & ~7L;
    }

    /** Number of slots, of both tables while a resize is in progress (for iteration with {@link #entryAt}). */
    public int capacity() {
        byte[][] o = oldSlots;
        return o == null ? slots.length : slots.length + o.length;
    }

    /** The entry in {@code slot}, or null for an empty slot. */
    public byte[] entryAt(int slot) {
        byte[][] s = slots;
        return slot < s.length ? s[slot] : oldSlots[slot - s.length];
    }

    /** Slots of the new table (the first slot numbers); for tests. */
    int newTableLength() {
        return slots.length;
    }

    /** Whether a resize is still moving entries out of the old table. */
    boolean rehashing() {
        return oldSlots != null;
    }

    /** The hash of a key as the table keeps it (31 bits, never 0): what {@link #find(int, byte[], int, int)} and {@link #insertNew} take. */
    public static int hash(byte[] key, int off, int len) {
        int h = ByteHash.hash(key, off, len) & HASH;
        return h == 0 ? 1 : h;
    }

    /** Offset of the key inside an entry. */
    public int keyOffset(byte[] e) {
        return pairs ? Varint.size(Varint.read(e, 0)) : 0;
    }

    public int keyLength(byte[] e) {
        return pairs ? Varint.read(e, 0) : e.length;
    }

    /**
     * The slot holding {@code key}, or -1. A lookup changes nothing (unlike Redis's dictFind, it
     * does not move entries of a resize in progress): callers look members of a table up while
     * iterating it by slot (SINTER of a set with itself).
     */
    public int find(byte[] key, int off, int len) {
        return find(hash(key, off, len), key, off, len);
    }

    /** {@link #find(byte[], int, int)} with the key's {@link #hash} known. */
    public int find(int h, byte[] key, int off, int len) {
        int i = probe(slots, hashes, h, key, off, len);
        return i >= 0 || oldSlots == null ? i : findOld(h, key, off, len);
    }

    /**
     * The old table's part of {@link #find} while a resize is in progress: a method of its own,
     * so that the compiled lookup of a table not resizing stays one probe loop (with both probes
     * inlined into it, HSET at -P 16 took about a fifth more CPU per request).
     */
    private int findOld(int h, byte[] key, int off, int len) {
        int j = probe(oldSlots, oldHashes, h, key, off, len);
        return j < 0 ? -1 : slots.length + j;
    }

    /**
     * {@link #find(int, byte[], int, int)} for a write command (SADD, SREM, HSET, HDEL), which
     * first moves {@link #REHASH_STEP} slots of a resize in progress, as every Redis dict lookup
     * does: so a table whose writes only overwrite or miss finishes its resize too.
     */
    public int findForWrite(int h, byte[] key, int off, int len) {
        if (oldSlots != null) {
            migrate(REHASH_STEP);
        }
        return find(h, key, off, len);
    }

    private int probe(byte[][] s, int[] hs, int h, byte[] key, int off, int len) {
        int mask = hs.length - 1;
        int i = h & mask;
        while (true) {
            int w = hs[i];
            if (w == 0) {
                return -1;
            }
            if ((w & HASH) == h) {
                byte[] e = s[i];
                if (pairs) {
                    int kl = Varint.read(e, 0);
                    if (ByteHash.equal(e, Varint.size(kl), kl, key, off, len)) {
                        return i;
                    }
                } else if (ByteHash.equal(e, 0, e.length, key, off, len)) {
                    return i;
                }
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * Replaces the entry in {@code slot} with one that has the same key; the table owns
     * {@code entry} from now on (it may change it in place).
     */
    public void replaceAt(int slot, byte[] entry) {
        byte[][] s = slots;
        int[] hs = hashes;
        if (slot >= s.length) {
            slot -= s.length;
            s = oldSlots;
            hs = oldHashes;
        }
        entryBytes += arrayBytes(entry) - arrayBytes(s[slot]);
        s[slot] = entry;
        hs[slot] |= OWNED;
        if (oldSlots != null) {
            migrate(REHASH_STEP);
        }
    }

    /**
     * Whether the entry in {@code slot} is this table's alone (made for it since its last
     * {@link #copy()}), so that its bytes may be changed in place, keeping its key.
     */
    public boolean ownedAt(int slot) {
        int[] hs = hashes;
        return slot < hs.length ? hs[slot] < 0 : oldHashes[slot - hs.length] < 0;
    }

    /**
     * Inserts an entry whose key (of {@link #hash} {@code h}) is known to be absent; the table
     * owns {@code entry} from now on (it may change it in place).
     */
    public void insertNew(int h, byte[] entry) {
        if (oldSlots != null) {
            migrate(REHASH_STEP);
        }
        // counting the old table's entries too keeps the new one able to take them all
        if ((size + 1) * 4L > slots.length * 3L) {
            if (oldSlots != null) {
                migrate(Integer.MAX_VALUE); // not reached in practice: a migration ends well before
            }
            resize(slots.length << 1);
        }
        place(slots, hashes, h | OWNED, entry);
        size++;
        entryBytes += arrayBytes(entry);
    }

    /** Puts {@code entry} with hash word {@code w} into the first empty slot of its probe run. */
    private static void place(byte[][] s, int[] hs, int w, byte[] entry) {
        int mask = hs.length - 1;
        int i = w & mask;
        while (hs[i] != 0) {
            i = (i + 1) & mask;
        }
        s[i] = entry;
        hs[i] = w;
    }

    /**
     * Resizes to {@code cap} slots: at once for a small table, else by starting a migration that
     * writes and {@link #rehashStep} finish (no migration may be in progress).
     */
    private void resize(int cap) {
        byte[][] old = slots;
        int[] oldH = hashes;
        byte[][] s = new byte[cap][];
        int[] hs = new int[cap];
        slots = s;
        hashes = hs;
        if (old.length < INCREMENTAL_MIN) {
            for (int i = 0; i < old.length; i++) {
                if (oldH[i] != 0) {
                    place(s, hs, oldH[i], old[i]);
                }
            }
            return;
        }
        oldSlots = old;
        oldHashes = oldH;
        oldCount = size;
        int e = 0;
        while (oldH[e] != 0) {
            e++; // the table is at most 3/4 full: an empty slot exists, and no cluster crosses it
        }
        migrateAt = (e + 1) & (oldH.length - 1);
    }

    /**
     * Moves old slots into the new table, about {@code budget} of them (a probe cluster is moved
     * whole, so the old table keeps no gaps inside a run), and drops the old table once empty.
     */
    private void migrate(int budget) {
        byte[][] os = oldSlots;
        int[] oh = oldHashes;
        byte[][] s = slots;
        int[] hs = hashes;
        int mask = oh.length - 1;
        int at = migrateAt;
        int left = oldCount;
        while (left > 0 && budget > 0) {
            if (oh[at] == 0) {
                at = (at + 1) & mask;
                budget--;
                continue;
            }
            do {
                place(s, hs, oh[at], os[at]);
                os[at] = null;
                oh[at] = 0;
                left--;
                budget--;
                at = (at + 1) & mask;
            } while (oh[at] != 0);
        }
        migrateAt = at;
        oldCount = left;
        if (left == 0) {
            oldSlots = null;
            oldHashes = null;
        }
    }

    /**
     * Moves about {@code slots} old slots if a resize is in progress; returns whether one still
     * is. Only tests call it (to finish a migration): as in Redis, whose activerehashing covers the
     * keyspace dicts alone, a collection's resize is moved forward by its writes.
     */
    boolean rehashStep(int slots) {
        if (oldSlots != null) {
            migrate(Math.max(1, slots));
        }
        return oldSlots != null;
    }

    /** Removes the entry in {@code slot}; the table may shrink. */
    public void removeAt(int slot) {
        byte[][] s = slots;
        if (slot >= s.length) {
            slot -= s.length;
            entryBytes -= arrayBytes(oldSlots[slot]);
            removeIn(oldSlots, oldHashes, slot);
            oldCount--;
        } else {
            entryBytes -= arrayBytes(s[slot]);
            removeIn(s, hashes, slot);
        }
        size--;
        if (oldSlots != null) {
            migrate(REHASH_STEP);
        } else if (s.length > MIN_CAPACITY && size * 8L < s.length) {
            // a large table keeps room for as many again, so that inserts after the shrink need no
            // new resize before the migration is over
            resize(capacityFor(s.length < INCREMENTAL_MIN ? size : size * 2));
        }
    }

    /** Empties {@code slot}, shifting back the probe run behind it (no tombstones). */
    private static void removeIn(byte[][] s, int[] hs, int slot) {
        int mask = s.length - 1;
        int hole = slot;
        s[hole] = null;
        hs[hole] = 0;
        int j = hole;
        while (true) {
            j = (j + 1) & mask;
            int w = hs[j];
            if (w == 0) {
                break;
            }
            int home = w & mask;
            // the entry at j may move into the hole unless its home lies cyclically in (hole, j]
            boolean stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!stays) {
                s[hole] = s[j];
                hs[hole] = w;
                s[j] = null;
                hs[j] = 0;
                hole = j;
            }
        }
    }

    /** A uniformly random occupied slot; the table must not be empty. */
    public int randomSlot(Random random) {
        byte[][] s = slots;
        if (oldSlots != null) {
            // every entry is in exactly one slot of the two tables: a uniform slot of both, retried
            // until occupied, is a uniform entry
            int n = capacity();
            while (true) {
                int i = random.nextInt(n);
                if (entryAt(i) != null) {
                    return i;
                }
            }
        }
        int mask = s.length - 1;
        while (true) {
            int i = random.nextInt() & mask;
            if (s[i] != null) {
                return i;
            }
        }
    }

    /**
     * One SCAN step: passes every entry whose home bucket is the cursor's to {@code sink} and
     * returns the next cursor (0 at the end), with Redis's reverse-binary increment. While a
     * resize is in progress it visits, as dictScan, the cursor's bucket in the smaller table and
     * every bucket of the larger table that the smaller one's bucket splits into.
     */
    public long scanBucket(long cursor, Consumer<byte[]> sink) {
        byte[][] s = slots;
        int[] hs = hashes;
        if (oldSlots == null) {
            int mask = s.length - 1;
            emitBucket(s, hs, (int) (cursor & mask), sink);
            return nextCursor(cursor, mask);
        }
        byte[][] small = s;
        int[] smallH = hs;
        byte[][] large = oldSlots;
        int[] largeH = oldHashes;
        if (small.length > large.length) {
            small = oldSlots;
            smallH = oldHashes;
            large = s;
            largeH = hs;
        }
        long m0 = small.length - 1;
        long m1 = large.length - 1;
        long v = cursor;
        emitBucket(small, smallH, (int) (v & m0), sink);
        do {
            emitBucket(large, largeH, (int) (v & m1), sink);
            v = (((v | m0) + 1) & ~m0) | (v & m0); // the next expansion: bits above the small mask
        } while ((v & (m0 ^ m1)) != 0);
        return nextCursor(v, (int) m0);
    }

    private static long nextCursor(long cursor, int mask) {
        long v = cursor | ~(long) mask;
        v = Long.reverse(v);
        v++;
        return Long.reverse(v);
    }

    /** Passes the entries of home bucket {@code bucket} (all in the probe run starting there). */
    private static void emitBucket(byte[][] s, int[] hs, int bucket, Consumer<byte[]> sink) {
        int mask = s.length - 1;
        int i = bucket;
        while (true) {
            byte[] e = s[i];
            if (e == null) {
                break;
            }
            if ((hs[i] & mask) == bucket) {
                sink.accept(e);
            }
            i = (i + 1) & mask;
            if (i == bucket) {
                break;
            }
        }
    }

    /**
     * An independent copy. The entry arrays are shared: both tables stop owning them (see
     * {@link #ownedAt}), so neither changes them in place afterwards.
     */
    public EntryTable copy() {
        disown(hashes);
        EntryTable t = new EntryTable(pairs, 0);
        t.slots = slots.clone();
        t.hashes = hashes.clone();
        t.size = size;
        t.entryBytes = entryBytes;
        if (oldSlots != null) {
            disown(oldHashes);
            t.oldSlots = oldSlots.clone();
            t.oldHashes = oldHashes.clone();
            t.oldCount = oldCount;
            t.migrateAt = migrateAt;
        }
        return t;
    }

    private static void disown(int[] hs) {
        for (int i = 0; i < hs.length; i++) {
            hs[i] &= HASH;
        }
    }
}
