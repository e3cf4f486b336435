package dev.podis.storage.types;

import java.util.Arrays;

/**
 * The payload of a sorted set (type zset), ordered by score and then by member bytes compared
 * unsigned, as Redis orders it. Ranks are 0-based, ascending.
 *
 * <p>Two encodings, switched at Redis's thresholds ({@code zset-max-listpack-entries},
 * {@code zset-max-listpack-value}), which the caller passes in:
 * <ul>
 *   <li><b>listpack</b>: a {@link SortedSetListpack}, every entry packed into one byte array
 *       (a few bytes per member beyond the member itself); operations walk it linearly, as
 *       Redis's listpack.</li>
 *   <li><b>skiplist</b>: a {@link SortedSetSkipList} (skip list with spans for O(log n) ranks,
 *       plus a hash index member → node).</li>
 * </ul>
 * A set converts to the skiplist when it would exceed the entry limit or receives a member
 * longer than the value limit; it never converts back on removals (as Redis), but
 * {@link #compactIfFits} lets commands that build a new set pick the encoding Redis would.
 *
 * <p>Member arrays passed to {@link #insert} are kept by the skiplist encoding: callers must not
 * modify them afterwards.
 *
 * <p>Not thread-safe: used by the command thread only.
 */
public final class SortedSetValue implements CollectionValue {
    private SortedSetListpack lp;
    private SortedSetSkipList skip;

    private SortedSetValue() {
    }

    /**
     * A new empty set; listpack when {@code sizeHint} members no longer than {@code lengthHint}
     * fit the limits, as Redis's zsetTypeCreate.
     */
    public static SortedSetValue create(long sizeHint, long lengthHint, long maxEntries, long maxValue) {
        SortedSetValue z = new SortedSetValue();
        if (sizeHint <= maxEntries && lengthHint <= maxValue) {
            z.lp = new SortedSetListpack();
        } else {
            z.skip = new SortedSetSkipList();
        }
        return z;
    }

    public boolean isCompact() {
        return skip == null;
    }

    /** Redis's OBJECT ENCODING name. */
    @Override
    public String encoding() {
        return skip == null ? "listpack" : "skiplist";
    }

    public int size() {
        return skip == null ? lp.size() : skip.size();
    }

    /** The score of {@code member}, or NaN when absent (a stored score is never NaN). */
    public double score(byte[] member) {
        if (skip != null) {
            SortedSetSkipList.Node node = skip.find(member);
            return node == null ? Double.NaN : node.score;
        }
        return lp.score(member);
    }

    public boolean contains(byte[] member) {
        return !Double.isNaN(score(member));
    }

    /**
     * Adds a member known to be absent, converting to the skiplist first when the set would
     * exceed {@code maxEntries} or the member is longer than {@code maxValue}.
     */
    public void insert(byte[] member, double score, long maxEntries, long maxValue) {
        if (skip == null) {
            if (lp.size() + 1 > maxEntries || member.length > maxValue) {
                toSkipList();
            } else {
                lp.insert(member, score);
                return;
            }
        }
        skip.insert(member, score);
    }

    /** Changes the score of a present member. */
    public void update(byte[] member, double score) {
        if (skip != null) {
            skip.updateScore(skip.find(member), score);
            return;
        }
        lp.remove(member);
        lp.insert(member, score);
    }

    /** Removes {@code member}; false if absent. */
    public boolean remove(byte[] member) {
        return skip != null ? skip.remove(member) : lp.remove(member);
    }

    /** Removes ranks [from, to); returns how many were removed. */
    public int removeRange(int from, int to) {
        from = Math.max(0, from);
        to = Math.min(size(), to);
        if (from >= to) {
            return 0;
        }
        return skip != null ? skip.removeRange(from, to) : lp.removeRange(from, to);
    }

    /** 0-based ascending rank of {@code member}, or -1. */
    public int rank(byte[] member) {
        if (skip != null) {
            SortedSetSkipList.Node node = skip.find(member);
            return node == null ? -1 : skip.rank(node);
        }
        return lp.rank(member);
    }

    /** Number of members with a score below {@code v}, or at most {@code v} when inclusive. */
    public int countBelow(double v, boolean inclusive) {
        return skip != null ? skip.countBelow(v, inclusive) : lp.countBelow(v, inclusive);
    }

    /**
     * Number of members ordered before {@code v} by their bytes (or equal, when inclusive).
     * Meaningful when all scores are equal, as Redis's lex ranges.
     */
    public int countBelowLex(byte[] v, boolean inclusive) {
        return skip != null ? skip.countBelowLex(v, inclusive) : lp.countBelowLex(v, inclusive);
    }

    /**
     * A cursor positioned at 0-based {@code rank} (invalid when out of range). It stays usable
     * until the set is modified; {@link Cursor#seek} repositions it cheaply.
     */
    public Cursor at(int rank) {
        Cursor c = new Cursor(this);
        c.seek(rank);
        return c;
    }

    /** Converts a skiplist back to the listpack when it fits the limits (for newly built sets). */
    public void compactIfFits(long maxEntries, long maxValue) {
        if (skip == null || skip.size() > maxEntries) {
            return;
        }
        for (SortedSetSkipList.Node x = skip.first(); x != null; x = x.next) {
            if (x.member.length > maxValue) {
                return;
            }
        }
        SortedSetListpack p = new SortedSetListpack();
        for (SortedSetSkipList.Node x = skip.first(); x != null; x = x.next) {
            p.append(x.member, 0, x.member.length, x.score);
        }
        lp = p;
        skip = null;
    }

    /** Converts a listpack to the skiplist encoding (Redis's SORT does this to the set it sorts). */
    public void convertToSkipList() {
        if (skip == null) {
            toSkipList();
        }
    }

    private void toSkipList() {
        SortedSetSkipList s = new SortedSetSkipList();
        lp.forEach((data, off, len, score) -> s.insert(Arrays.copyOfRange(data, off, off + len), score));
        skip = s;
        lp = null;
    }

    /** An independent copy (member arrays are never modified, so the skiplist shares them). */
    @Override
    public SortedSetValue copy() {
        SortedSetValue z = new SortedSetValue();
        if (skip == null) {
            z.lp = lp.copy();
        } else {
            z.skip = new SortedSetSkipList();
            for (SortedSetSkipList.Node x = skip.first(); x != null; x = x.next) {
                z.skip.insert(x.member, x.score);
            }
        }
        return z;
    }

    /**
     * Estimated heap bytes held by this set (compressed references, 8-byte alignment): exact for
     * the listpack; for the skiplist, the index plus the first {@code samples} members'
     * nodes and arrays scaled to the whole set (0 samples: all of them), as MEMORY USAGE samples.
     */
    @Override
    public long memoryUsage() {
        return memoryUsage(MEMORY_SAMPLES);
    }

    /** MEMORY USAGE's default sample count. */
    private static final int MEMORY_SAMPLES = 5;

    public long memoryUsage(int samples) {
        long self = 16 + 16; // this object and the encoding object's header
        if (skip == null) {
            return self + 24 + align(16 + lp.capacity());
        }
        long fixed = self + skip.fixedBytes();
        int n = skip.size();
        if (n == 0) {
            return fixed;
        }
        long sampled = 0;
        int k = 0;
        for (SortedSetSkipList.Node x = skip.first(); x != null && (samples <= 0 || k < samples); x = x.next, k++) {
            sampled += SortedSetSkipList.nodeBytes(x) + align(16 + x.member.length);
        }
        return fixed + sampled * n / k;
    }

    static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    /** Receives members from {@link #scan}. */
    public interface ScanSink {
        void accept(byte[] member, double score);
    }

    /**
     * One ZSCAN step. The listpack returns everything at once with cursor 0 (as Redis does);
     * the skiplist scans its hash index with a reverse-binary cursor.
     */
    public long scan(long cursor, int count, ScanSink sink) {
        if (skip == null) {
            lp.forEach((data, off, len, score) -> sink.accept(Arrays.copyOfRange(data, off, off + len), score));
            return 0;
        }
        return skip.scan(cursor, count, sink::accept);
    }

    /**
     * Iterates in rank order from a position, forwards or backwards. The member is available
     * without copying as ({@link #memberArray}, {@link #memberOffset}, {@link #memberLength}).
     */
    public static final class Cursor {
        private final SortedSetValue z;
        private int[] offsets;
        private int index;
        private SortedSetSkipList.Node node;

        Cursor(SortedSetValue z) {
            this.z = z;
            if (z.skip == null) {
                offsets = z.lp.offsets();
            }
        }

        /** Moves to 0-based {@code rank} (invalid when out of range). */
        public void seek(int rank) {
            if (z.skip == null) {
                index = rank >= 0 && rank < offsets.length ? rank : -1;
            } else {
                node = z.skip.at(rank);
            }
        }

        public boolean valid() {
            return z.skip == null ? index >= 0 : node != null;
        }

        /** The member as its own array (a copy for the listpack encoding). */
        public byte[] member() {
            if (z.skip != null) {
                return node.member;
            }
            int off = z.lp.memberAt(offsets[index]);
            return Arrays.copyOfRange(z.lp.data(), off, off + z.lp.lastLength());
        }

        public byte[] memberArray() {
            return z.skip == null ? z.lp.data() : node.member;
        }

        public int memberOffset() {
            return z.skip == null ? z.lp.memberAt(offsets[index]) : 0;
        }

        public int memberLength() {
            if (z.skip != null) {
                return node.member.length;
            }
            z.lp.memberAt(offsets[index]);
            return z.lp.lastLength();
        }

        public double score() {
            return z.skip == null ? z.lp.scoreAt(offsets[index]) : node.score;
        }

        public void next() {
            if (z.skip == null) {
                index = index >= 0 && index + 1 < offsets.length ? index + 1 : -1;
            } else {
                node = node.next;
            }
        }

        public void prev() {
            if (z.skip == null) {
                index = index - 1;
            } else {
                node = node.prev;
            }
        }
    }
}
