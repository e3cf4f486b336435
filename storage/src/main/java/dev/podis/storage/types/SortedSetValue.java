package dev.podis.storage.types;

import java.util.Arrays;

/**
 * The payload of a sorted set (type zset), ordered by score and then by member bytes compared
 * unsigned, as Redis orders it. Ranks are 0-based, ascending.
 *
 * <p>Two encodings, switched at Redis's thresholds ({@code zset-max-listpack-entries},
 * {@code zset-max-listpack-value}), which the caller passes in:
 * <ul>
 *   <li><b>compact</b> (OBJECT ENCODING "listpack"): two parallel sorted arrays, scores and
 *       members. Lookups by member scan linearly and inserts shift, which is cheap at the
 *       sizes this encoding is used for (Redis's listpack is linear too).</li>
 *   <li><b>skiplist</b>: a {@link SortedSetSkipList} (skip list with spans for O(log n) ranks,
 *       plus a hash index member → node).</li>
 * </ul>
 * A set converts to the skiplist when it would exceed the entry limit or receives a member
 * longer than the value limit; it never converts back on removals (as Redis), but
 * {@link #compactIfFits} lets commands that build a new set (ZUNIONSTORE...) pick the
 * encoding Redis would.
 *
 * <p>Not thread-safe: used by the command thread only.
 */
public final class SortedSetValue {
    private static final byte[][] NO_MEMBERS = new byte[0][];
    private static final double[] NO_SCORES = new double[0];

    private double[] scores;
    private byte[][] members;
    private int n;
    private SortedSetSkipList skip;

    private SortedSetValue() {
    }

    /**
     * A new empty set; compact when {@code sizeHint} members no longer than {@code lengthHint}
     * fit the limits, as Redis's zsetTypeCreate.
     */
    public static SortedSetValue create(long sizeHint, long lengthHint, long maxEntries, long maxValue) {
        SortedSetValue z = new SortedSetValue();
        if (sizeHint <= maxEntries && lengthHint <= maxValue) {
            int cap = (int) Math.max(0, Math.min(sizeHint, 16));
            z.scores = cap == 0 ? NO_SCORES : new double[cap];
            z.members = cap == 0 ? NO_MEMBERS : new byte[cap][];
        } else {
            z.skip = new SortedSetSkipList();
        }
        return z;
    }

    public boolean isCompact() {
        return skip == null;
    }

    /** Redis's OBJECT ENCODING name. */
    public String encoding() {
        return skip == null ? "listpack" : "skiplist";
    }

    public int size() {
        return skip == null ? n : skip.size();
    }

    private int indexOf(byte[] member) {
        byte[][] m = members;
        for (int i = 0; i < n; i++) {
            if (Arrays.equals(m[i], member)) {
                return i;
            }
        }
        return -1;
    }

    /** The score of {@code member}, or NaN when absent (a stored score is never NaN). */
    public double score(byte[] member) {
        if (skip != null) {
            SortedSetSkipList.Node node = skip.find(member);
            return node == null ? Double.NaN : node.score;
        }
        int i = indexOf(member);
        return i < 0 ? Double.NaN : scores[i];
    }

    public boolean contains(byte[] member) {
        return skip != null ? skip.find(member) != null : indexOf(member) >= 0;
    }

    /**
     * Adds a member known to be absent, converting to the skiplist first when the set would
     * exceed {@code maxEntries} or the member is longer than {@code maxValue}.
     */
    public void insert(byte[] member, double score, long maxEntries, long maxValue) {
        if (skip == null) {
            if (n + 1 > maxEntries || member.length > maxValue) {
                toSkipList();
            } else {
                compactInsert(member, score);
                return;
            }
        }
        skip.insert(member, score);
    }

    private void compactInsert(byte[] member, double score) {
        if (score == 0) {
            score = 0.0; // a listpack stores -0 as the integer 0
        }
        int pos = compactPosition(score, member);
        if (n == scores.length) {
            int cap = Math.max(4, n + (n >> 1) + 1);
            scores = Arrays.copyOf(scores, cap);
            members = Arrays.copyOf(members, cap);
        }
        System.arraycopy(scores, pos, scores, pos + 1, n - pos);
        System.arraycopy(members, pos, members, pos + 1, n - pos);
        scores[pos] = score;
        members[pos] = member;
        n++;
    }

    /** Index of the first element ordered after (score, member). */
    private int compactPosition(double score, byte[] member) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double s = scores[mid];
            if (s < score || (s == score && Arrays.compareUnsigned(members[mid], member) < 0)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Changes the score of a present member. */
    public void update(byte[] member, double score) {
        if (skip != null) {
            skip.updateScore(skip.find(member), score);
            return;
        }
        int i = indexOf(member);
        byte[] m = members[i];
        removeAt(i);
        compactInsert(m, score);
    }

    /** Removes {@code member}; false if absent. */
    public boolean remove(byte[] member) {
        if (skip != null) {
            return skip.remove(member);
        }
        int i = indexOf(member);
        if (i < 0) {
            return false;
        }
        removeAt(i);
        return true;
    }

    private void removeAt(int i) {
        System.arraycopy(scores, i + 1, scores, i, n - i - 1);
        System.arraycopy(members, i + 1, members, i, n - i - 1);
        n--;
        members[n] = null;
    }

    /** Removes ranks [from, to); returns how many were removed. */
    public int removeRange(int from, int to) {
        from = Math.max(0, from);
        to = Math.min(size(), to);
        if (from >= to) {
            return 0;
        }
        if (skip != null) {
            return skip.removeRange(from, to);
        }
        int k = to - from;
        System.arraycopy(scores, to, scores, from, n - to);
        System.arraycopy(members, to, members, from, n - to);
        Arrays.fill(members, n - k, n, null);
        n -= k;
        return k;
    }

    /** 0-based ascending rank of {@code member}, or -1. */
    public int rank(byte[] member) {
        if (skip != null) {
            SortedSetSkipList.Node node = skip.find(member);
            return node == null ? -1 : skip.rank(node);
        }
        return indexOf(member);
    }

    /** Number of members with a score below {@code v}, or at most {@code v} when inclusive. */
    public int countBelow(double v, boolean inclusive) {
        if (skip != null) {
            return skip.countBelow(v, inclusive);
        }
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double s = scores[mid];
            if (s < v || (inclusive && s == v)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Number of members ordered before {@code v} by their bytes (or equal, when inclusive).
     * Meaningful when all scores are equal, as Redis's lex ranges.
     */
    public int countBelowLex(byte[] v, boolean inclusive) {
        if (skip != null) {
            return skip.countBelowLex(v, inclusive);
        }
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int c = Arrays.compareUnsigned(members[mid], v);
            if (c < 0 || (inclusive && c == 0)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** A cursor positioned at 0-based {@code rank} (invalid when out of range). */
    public Cursor at(int rank) {
        Cursor c = new Cursor(this);
        c.seek(rank);
        return c;
    }

    /** Converts a skiplist back to the compact encoding when it fits the limits (new sets only). */
    public void compactIfFits(long maxEntries, long maxValue) {
        if (skip == null || skip.size() > maxEntries) {
            return;
        }
        for (SortedSetSkipList.Node x = skip.first(); x != null; x = x.next) {
            if (x.member.length > maxValue) {
                return;
            }
        }
        int size = skip.size();
        double[] s = new double[size];
        byte[][] m = new byte[size][];
        int i = 0;
        for (SortedSetSkipList.Node x = skip.first(); x != null; x = x.next) {
            s[i] = x.score;
            m[i++] = x.member;
        }
        scores = s;
        members = m;
        n = size;
        skip = null;
    }

    private void toSkipList() {
        SortedSetSkipList s = new SortedSetSkipList();
        for (int i = 0; i < n; i++) {
            s.insert(members[i], scores[i]);
        }
        skip = s;
        scores = null;
        members = null;
        n = 0;
    }

    /** An independent copy (member arrays are never modified, so they are shared). */
    public SortedSetValue copy() {
        SortedSetValue z = new SortedSetValue();
        if (skip == null) {
            z.scores = Arrays.copyOf(scores, n);
            z.members = Arrays.copyOf(members, n);
            z.n = n;
        } else {
            z.skip = new SortedSetSkipList();
            for (SortedSetSkipList.Node x = skip.first(); x != null; x = x.next) {
                z.skip.insert(x.member, x.score);
            }
        }
        return z;
    }

    /** Receives members from {@link #scan}. */
    public interface ScanSink {
        void accept(byte[] member, double score);
    }

    /**
     * One ZSCAN step. The compact encoding returns everything at once with cursor 0 (as Redis
     * does for listpacks); the skiplist scans its hash index with a reverse-binary cursor.
     */
    public long scan(long cursor, int count, ScanSink sink) {
        if (skip == null) {
            for (int i = 0; i < n; i++) {
                sink.accept(members[i], scores[i]);
            }
            return 0;
        }
        return skip.scan(cursor, count, sink::accept);
    }

    /** Iterates in rank order from a position, forwards or backwards. */
    public static final class Cursor {
        private final SortedSetValue z;
        private int index;
        private SortedSetSkipList.Node node;

        Cursor(SortedSetValue z) {
            this.z = z;
        }

        void seek(int rank) {
            if (z.skip == null) {
                index = rank >= 0 && rank < z.n ? rank : -1;
            } else {
                node = z.skip.at(rank);
            }
        }

        public boolean valid() {
            return z.skip == null ? index >= 0 : node != null;
        }

        public byte[] member() {
            return z.skip == null ? z.members[index] : node.member;
        }

        public double score() {
            return z.skip == null ? z.scores[index] : node.score;
        }

        public void next() {
            if (z.skip == null) {
                index = index + 1 < z.n ? index + 1 : -1;
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
