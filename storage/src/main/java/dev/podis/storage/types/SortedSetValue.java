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
 *   <li><b>skiplist</b> (Redis's name, kept for OBJECT ENCODING): a {@link SortedSetTree}, an
 *       order-statistic B+tree for O(log n) ranks plus a hash index member → score.</li>
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
    private SortedSetTree skip;

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
            z.skip = new SortedSetTree();
        }
        return z;
    }

    /** A skiplist-encoded set with the given node capacities (tests of the tree's splits and merges). */
    static SortedSetValue withTree(int leafCap, int innerCap) {
        SortedSetValue z = new SortedSetValue();
        z.skip = new SortedSetTree(leafCap, innerCap);
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
        return skip != null ? skip.score(member) : lp.score(member);
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
            skip.update(member, score);
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
        return skip != null ? skip.rank(member) : lp.rank(member);
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

    /** Whether the skiplist encoding's running node counts match a walk of its nodes (tests). */
    boolean structureCountsConsistent() {
        return skip == null || skip.structureBytes() == skip.structureBytesWalked();
    }

    /** Converts a skiplist back to the listpack when it fits the limits (for newly built sets). */
    public void compactIfFits(long maxEntries, long maxValue) {
        if (skip == null || skip.size() > maxEntries) {
            return;
        }
        for (SortedSetTree.Leaf l = skip.firstLeaf(); l != null; l = l.next) {
            for (int i = 0; i < l.n; i++) {
                if (l.members[i].length > maxValue) {
                    return;
                }
            }
        }
        SortedSetListpack p = new SortedSetListpack();
        for (SortedSetTree.Leaf l = skip.firstLeaf(); l != null; l = l.next) {
            for (int i = 0; i < l.n; i++) {
                p.append(l.members[i], 0, l.members[i].length, l.scores[i]);
            }
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
        SortedSetTree s = new SortedSetTree();
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
            z.skip = new SortedSetTree();
            for (SortedSetTree.Leaf l = skip.firstLeaf(); l != null; l = l.next) {
                for (int i = 0; i < l.n; i++) {
                    z.skip.insert(l.members[i], l.scores[i]);
                }
            }
        }
        return z;
    }

    /**
     * Estimated heap bytes held by this set (compressed references, 8-byte alignment): exact for
     * the listpack; for the skiplist, the tree and index plus the first {@code samples} members'
     * arrays scaled to the whole set (0 samples: all of them), as MEMORY USAGE samples.
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
        long fixed = self + skip.structureBytes();
        int n = skip.size();
        if (n == 0) {
            return fixed;
        }
        long sampled = 0;
        int k = 0;
        outer:
        for (SortedSetTree.Leaf l = skip.firstLeaf(); l != null; l = l.next) {
            for (int i = 0; i < l.n; i++) {
                if (samples > 0 && k >= samples) {
                    break outer;
                }
                sampled += align(16 + l.members[i].length);
                k++;
            }
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
        private SortedSetTree.Leaf leaf;

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
            } else if (rank >= 0 && rank < z.skip.size()) {
                leaf = z.skip.leafAt(rank);
                index = z.skip.foundIndex();
            } else {
                leaf = null;
            }
        }

        public boolean valid() {
            return z.skip == null ? index >= 0 : leaf != null;
        }

        /** The member as its own array (a copy for the listpack encoding). */
        public byte[] member() {
            if (z.skip != null) {
                return leaf.members[index];
            }
            int off = z.lp.memberAt(offsets[index]);
            return Arrays.copyOfRange(z.lp.data(), off, off + z.lp.lastLength());
        }

        public byte[] memberArray() {
            return z.skip == null ? z.lp.data() : leaf.members[index];
        }

        public int memberOffset() {
            return z.skip == null ? z.lp.memberAt(offsets[index]) : 0;
        }

        public int memberLength() {
            if (z.skip != null) {
                return leaf.members[index].length;
            }
            z.lp.memberAt(offsets[index]);
            return z.lp.lastLength();
        }

        public double score() {
            return z.skip == null ? z.lp.scoreAt(offsets[index]) : leaf.scores[index];
        }

        public void next() {
            if (z.skip == null) {
                index = index >= 0 && index + 1 < offsets.length ? index + 1 : -1;
            } else if (++index >= leaf.n) {
                leaf = leaf.next;
                index = 0;
            }
        }

        public void prev() {
            if (z.skip == null) {
                index = index - 1;
            } else if (--index < 0) {
                leaf = leaf.prev;
                index = leaf == null ? 0 : leaf.n - 1;
            }
        }
    }
}
