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
 */
public final class EntryTable {
    private static final int MIN_CAPACITY = 8;
    /** Bit of a {@code hashes} word: the entry's array belongs to this table alone (see the class comment). */
    private static final int OWNED = 0x80000000;
    /** The hash part of a {@code hashes} word (0 only in an empty slot). */
    private static final int HASH = 0x7FFFFFFF;

    private final boolean pairs;
    private byte[][] slots;
    private int[] hashes;
    private int size;
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

    /** Number of slots (for iteration with {@link #entryAt}). */
    public int capacity() {
        return slots.length;
    }

    /** The entry in {@code slot}, or null for an empty slot. */
    public byte[] entryAt(int slot) {
        return slots[slot];
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

    /** The slot holding {@code key}, or -1. */
    public int find(byte[] key, int off, int len) {
        return find(hash(key, off, len), key, off, len);
    }

    /** {@link #find(byte[], int, int)} with the key's {@link #hash} known. */
    public int find(int h, byte[] key, int off, int len) {
        int[] hs = hashes;
        int mask = hs.length - 1;
        int i = h & mask;
        while (true) {
            int w = hs[i];
            if (w == 0) {
                return -1;
            }
            if ((w & HASH) == h) {
                byte[] e = slots[i];
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
        entryBytes += arrayBytes(entry) - arrayBytes(slots[slot]);
        slots[slot] = entry;
        hashes[slot] |= OWNED;
    }

    /**
     * Whether the entry in {@code slot} is this table's alone (made for it since its last
     * {@link #copy()}), so that its bytes may be changed in place, keeping its key.
     */
    public boolean ownedAt(int slot) {
        return hashes[slot] < 0;
    }

    /**
     * Inserts an entry whose key (of {@link #hash} {@code h}) is known to be absent; the table
     * owns {@code entry} from now on (it may change it in place).
     */
    public void insertNew(int h, byte[] entry) {
        if ((size + 1) * 4L > slots.length * 3L) {
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

    private void resize(int cap) {
        byte[][] old = slots;
        int[] oldH = hashes;
        byte[][] s = new byte[cap][];
        int[] hs = new int[cap];
        for (int i = 0; i < old.length; i++) {
            if (oldH[i] != 0) {
                place(s, hs, oldH[i], old[i]);
            }
        }
        slots = s;
        hashes = hs;
    }

    /** Removes the entry in {@code slot}; the table may shrink. */
    public void removeAt(int slot) {
        byte[][] s = slots;
        int[] hs = hashes;
        int mask = s.length - 1;
        int hole = slot;
        entryBytes -= arrayBytes(s[hole]);
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
        size--;
        if (s.length > MIN_CAPACITY && size * 8L < s.length) {
            resize(capacityFor(size));
        }
    }

    /** A uniformly random occupied slot; the table must not be empty. */
    public int randomSlot(Random random) {
        byte[][] s = slots;
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
     * returns the next cursor (0 at the end), with Redis's reverse-binary increment.
     */
    public long scanBucket(long cursor, Consumer<byte[]> sink) {
        byte[][] s = slots;
        int mask = s.length - 1;
        int bucket = (int) (cursor & mask);
        int i = bucket;
        while (true) {
            byte[] e = s[i];
            if (e == null) {
                break;
            }
            if ((hashes[i] & mask) == bucket) {
                sink.accept(e);
            }
            i = (i + 1) & mask;
            if (i == bucket) {
                break;
            }
        }
        long v = cursor | ~(long) mask;
        v = Long.reverse(v);
        v++;
        return Long.reverse(v);
    }

    /**
     * An independent copy. The entry arrays are shared: both tables stop owning them (see
     * {@link #ownedAt}), so neither changes them in place afterwards.
     */
    public EntryTable copy() {
        int[] hs = hashes;
        for (int i = 0; i < hs.length; i++) {
            hs[i] &= HASH;
        }
        EntryTable t = new EntryTable(pairs, 0);
        t.slots = slots.clone();
        t.hashes = hs.clone();
        t.size = size;
        t.entryBytes = entryBytes;
        return t;
    }
}
