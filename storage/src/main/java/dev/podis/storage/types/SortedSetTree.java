package dev.podis.storage.types;

import java.util.Arrays;

/**
 * The large encoding of a sorted set (Redis calls it "skiplist"): an order-statistic B+tree
 * ordered by score, then by member bytes (unsigned), plus an open-addressing hash index from
 * member to score.
 *
 * <p>Why a B+tree and not a skip list: a skip-list search visits about four nodes per level,
 * each a dependent cache miss (and in Java a second one for the node's level array), twice per
 * score change. Here a search reads a few inner nodes (contiguous separator scores, binary
 * searched) and one leaf whose scores sit in one {@code double[]}: a handful of cache lines. Ranks
 * stay O(log n): every inner node keeps the element count of each child.
 *
 * <p>Layout: a leaf holds up to {@code leafCap} entries as parallel arrays (scores, members) and
 * links to its neighbours for in-order iteration; an inner node holds its children, their
 * counts and separators (every key in child i is below separator i, which is at most every key
 * in child i+1). Separators are keys that were in the tree once and stay valid as bounds after
 * removals. Underfull nodes merge with a sibling when the two fit in one node; empty ones go.
 * The hash index keeps member, score and the member's hash in parallel arrays (linear probing,
 * backward-shift deletion), so a lookup compares bytes only on a hash match and a score change
 * needs no search for the member in the tree beyond its (old score, member) key. A large index
 * resizes incrementally, as {@link EntryTable} does (old and new arrays side by side, a few old
 * slots moved per write (insert, removal, score change) and by {@link #rehashStep}, lookups and scans over both).
 *
 * <p>Not thread-safe: used by the command thread only.
 */
final class SortedSetTree {
    static final int LEAF_CAP = 64;
    static final int INNER_CAP = 32;
    private static final int MIN_TABLE = 16;

    /** Up to {@code leafCap} entries in key order. */
    static final class Leaf {
        double[] scores;
        byte[][] members;
        int n;
        Leaf next;
        Leaf prev;

        Leaf(int capacity) {
            scores = new double[capacity];
            members = new byte[capacity][];
        }
    }

    /** Children (all leaves or all inner nodes), their element counts and n-1 separators. */
    static final class Inner {
        final Object[] kids;
        final int[] counts;
        final double[] sepScores;
        final byte[][] sepMembers;
        int n;

        Inner(int capacity) {
            kids = new Object[capacity];
            counts = new int[capacity];
            sepScores = new double[capacity];
            sepMembers = new byte[capacity][];
        }
    }

    private final int leafCap;
    private final int innerCap;
    private Object root;
    /** Number of inner levels above the leaves. */
    private int height;
    private Inner[] path = new Inner[8];
    private int[] pathIdx = new int[8];
    /** Index inside the leaf returned by the last {@link #leafAt}. */
    private int foundIndex;
    /** Node counts and the leaves' total array capacity, kept up to date for a constant-time memory estimate. */
    private int leaves;
    private long leafSlots;
    private int inners;

    private byte[][] keys = new byte[MIN_TABLE][];
    private double[] vals = new double[MIN_TABLE];
    private int[] hashes = new int[MIN_TABLE];
    private int size;
    /** The index being emptied into {@code keys} while a resize is in progress, else null. */
    private byte[][] oldKeys;
    private double[] oldVals;
    private int[] oldHashes;
    private int oldCount;
    /** The next old slot to move; the slot before it is empty. */
    private int migrateAt;
    /** The member last found by {@link #slot} and its slot (one lookup per ZADD); -1 when stale. */
    private byte[] lastKey;
    private int lastSlot = -1;

    SortedSetTree() {
        this(LEAF_CAP, INNER_CAP);
    }

    SortedSetTree(int leafCap, int innerCap) {
        this.leafCap = Math.max(4, leafCap);
        this.innerCap = Math.max(4, innerCap);
        root = newLeaf(4);
    }

    private Leaf newLeaf(int capacity) {
        leaves++;
        leafSlots += capacity;
        return new Leaf(capacity);
    }

    int size() {
        return size;
    }

    // ------------------------------------------------------------------ keys

    private static int cmp(double s1, byte[] m1, double s2, byte[] m2) {
        if (s1 < s2) {
            return -1;
        }
        if (s1 > s2) {
            return 1;
        }
        return Arrays.compareUnsigned(m1, m2);
    }

    /** First index in the leaf whose key is not below (score, member). */
    private static int lowerBound(Leaf l, double score, byte[] member) {
        double[] s = l.scores;
        int lo = 0;
        int hi = l.n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double x = s[mid];
            if (x < score || (x == score && Arrays.compareUnsigned(l.members[mid], member) < 0)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The child of {@code in} whose range holds (score, member): the number of separators at most the key. */
    private static int childFor(Inner in, double score, byte[] member) {
        double[] s = in.sepScores;
        int lo = 0;
        int hi = in.n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double x = s[mid];
            if (x < score || (x == score && Arrays.compareUnsigned(in.sepMembers[mid], member) <= 0)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Walks to the leaf of (score, member), adding {@code delta} to the counts on the way; fills the path. */
    private Leaf descend(double score, byte[] member, int delta) {
        Object node = root;
        for (int d = 0; d < height; d++) {
            Inner in = (Inner) node;
            int i = childFor(in, score, member);
            in.counts[i] += delta;
            path[d] = in;
            pathIdx[d] = i;
            node = in.kids[i];
        }
        return (Leaf) node;
    }

    // ------------------------------------------------------------------ public operations

    /** The score of {@code member}, or NaN when absent. */
    double score(byte[] member) {
        int s = slot(member);
        return s < 0 ? Double.NaN : valAt(s);
    }

    /** Inserts a member known to be absent. */
    void insert(byte[] member, double score) {
        tablePut(member, ByteHash.hash(member, 0, member.length), score);
        treeInsert(score, member);
    }

    /** Removes {@code member}; false if absent. */
    boolean remove(byte[] member) {
        int s = slot(member);
        if (s < 0) {
            return false;
        }
        byte[] stored = keyAt(s);
        treeRemove(valAt(s), stored);
        tableRemoveAt(s);
        return true;
    }

    /** Changes the score of a present member, in place when its position does not change. */
    void update(byte[] member, double score) {
        int s = slot(member);
        double old = valAt(s);
        byte[] stored = keyAt(s);
        setValAt(s, score);
        if (oldKeys != null) {
            migrate(EntryTable.REHASH_STEP); // s is not used after this
        }
        Leaf leaf = descend(old, stored, -1);
        int pos = lowerBound(leaf, old, stored);
        if (pos > 0 && pos < leaf.n - 1
                && cmp(leaf.scores[pos - 1], leaf.members[pos - 1], score, stored) < 0
                && cmp(score, stored, leaf.scores[pos + 1], leaf.members[pos + 1]) < 0) {
            // still between its neighbours inside the leaf: the separators stay valid
            for (int d = 0; d < height; d++) {
                path[d].counts[pathIdx[d]]++;
            }
            leaf.scores[pos] = score;
            return;
        }
        leafRemoveAt(leaf, pos);
        fixLeaf(leaf);
        treeInsert(score, stored);
    }

    /** Removes the members of ranks [from, to) (0-based, within the set); returns how many. */
    int removeRange(int from, int to) {
        int remaining = to - from;
        int removed = 0;
        while (remaining > 0) {
            Leaf leaf = leafAt(from);
            int idx = foundIndex;
            int k = Math.min(remaining, leaf.n - idx);
            for (int j = idx; j < idx + k; j++) {
                tableRemoveAt(slot(leaf.members[j]));
            }
            System.arraycopy(leaf.scores, idx + k, leaf.scores, idx, leaf.n - idx - k);
            System.arraycopy(leaf.members, idx + k, leaf.members, idx, leaf.n - idx - k);
            Arrays.fill(leaf.members, leaf.n - k, leaf.n, null);
            leaf.n -= k;
            for (int d = 0; d < height; d++) {
                path[d].counts[pathIdx[d]] -= k;
            }
            fixLeaf(leaf);
            remaining -= k;
            removed += k;
        }
        return removed;
    }

    /** 0-based rank of a present member. */
    int rank(byte[] member) {
        int s = slot(member);
        if (s < 0) {
            return -1;
        }
        double score = valAt(s);
        byte[] m = keyAt(s);
        Object node = root;
        int r = 0;
        for (int d = 0; d < height; d++) {
            Inner in = (Inner) node;
            int i = childFor(in, score, m);
            for (int j = 0; j < i; j++) {
                r += in.counts[j];
            }
            node = in.kids[i];
        }
        return r + lowerBound((Leaf) node, score, m);
    }

    /**
     * The leaf holding 0-based {@code rank} (which must be in range); the index inside it is
     * {@link #foundIndex()}. Fills the path.
     */
    Leaf leafAt(int rank) {
        Object node = root;
        int r = rank;
        for (int d = 0; d < height; d++) {
            Inner in = (Inner) node;
            int i = 0;
            while (i < in.n - 1 && r >= in.counts[i]) {
                r -= in.counts[i];
                i++;
            }
            path[d] = in;
            pathIdx[d] = i;
            node = in.kids[i];
        }
        foundIndex = r;
        return (Leaf) node;
    }

    int foundIndex() {
        return foundIndex;
    }

    /** The first leaf (possibly empty when the set is). */
    Leaf firstLeaf() {
        Object node = root;
        for (int d = 0; d < height; d++) {
            node = ((Inner) node).kids[0];
        }
        return (Leaf) node;
    }

    /** Number of members whose score is below {@code v} (or at most {@code v} when inclusive). */
    int countBelow(double v, boolean inclusive) {
        Object node = root;
        int r = 0;
        for (int d = 0; d < height; d++) {
            Inner in = (Inner) node;
            double[] s = in.sepScores;
            int lo = 0;
            int hi = in.n - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (s[mid] < v || (inclusive && s[mid] == v)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            for (int j = 0; j < lo; j++) {
                r += in.counts[j];
            }
            node = in.kids[lo];
        }
        Leaf l = (Leaf) node;
        double[] s = l.scores;
        int lo = 0;
        int hi = l.n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (s[mid] < v || (inclusive && s[mid] == v)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return r + lo;
    }

    /** Number of members ordered before {@code v} by bytes (or equal, when inclusive). */
    int countBelowLex(byte[] v, boolean inclusive) {
        Object node = root;
        int r = 0;
        for (int d = 0; d < height; d++) {
            Inner in = (Inner) node;
            int lo = 0;
            int hi = in.n - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                int c = Arrays.compareUnsigned(in.sepMembers[mid], v);
                if (c < 0 || (inclusive && c == 0)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            for (int j = 0; j < lo; j++) {
                r += in.counts[j];
            }
            node = in.kids[lo];
        }
        Leaf l = (Leaf) node;
        int lo = 0;
        int hi = l.n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int c = Arrays.compareUnsigned(l.members[mid], v);
            if (c < 0 || (inclusive && c == 0)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return r + lo;
    }

    // ------------------------------------------------------------------ tree insertion

    private void treeInsert(double score, byte[] member) {
        Leaf leaf = descend(score, member, 1);
        int pos = lowerBound(leaf, score, member);
        int n = leaf.n;
        if (n < leafCap) {
            leafInsertAt(leaf, pos, score, member);
            return;
        }
        Leaf right;
        if (pos == n) {
            // appending (ascending inserts): a new leaf with just this entry keeps the left one full
            right = newLeaf(4);
            right.scores[0] = score;
            right.members[0] = member;
            right.n = 1;
        } else if (pos == 0) {
            // prepending: the old entries move as they are, the new one starts a new left leaf
            right = newLeaf(0);
            right.scores = leaf.scores;
            right.members = leaf.members;
            right.n = n;
            leafSlots += 4;
            leaf.scores = new double[4];
            leaf.members = new byte[4][];
            leaf.scores[0] = score;
            leaf.members[0] = member;
            leaf.n = 1;
        } else {
            int h = n / 2;
            right = newLeaf(leafCap);
            System.arraycopy(leaf.scores, h, right.scores, 0, n - h);
            System.arraycopy(leaf.members, h, right.members, 0, n - h);
            Arrays.fill(leaf.members, h, n, null);
            right.n = n - h;
            leaf.n = h;
            if (pos <= h) {
                leafInsertAt(leaf, pos, score, member);
            } else {
                leafInsertAt(right, pos - h, score, member);
            }
        }
        right.next = leaf.next;
        right.prev = leaf;
        if (leaf.next != null) {
            leaf.next.prev = right;
        }
        leaf.next = right;
        insertChild(height - 1, leaf, right, right.scores[0], right.members[0], leaf.n, right.n);
    }

    private void leafInsertAt(Leaf l, int pos, double score, byte[] member) {
        int n = l.n;
        if (n == l.scores.length) {
            int cap = Math.min(leafCap, Math.max(4, n * 2));
            leafSlots += cap - n;
            l.scores = Arrays.copyOf(l.scores, cap);
            l.members = Arrays.copyOf(l.members, cap);
        }
        System.arraycopy(l.scores, pos, l.scores, pos + 1, n - pos);
        System.arraycopy(l.members, pos, l.members, pos + 1, n - pos);
        l.scores[pos] = score;
        l.members[pos] = member;
        l.n = n + 1;
    }

    /**
     * Puts {@code right} just after {@code left} (a child of path[d], at pathIdx[d]), separated
     * by (sepScore, sepMember), with the given element counts; splits full inner nodes upwards.
     */
    private void insertChild(int d, Object left, Object right, double sepScore, byte[] sepMember,
            int leftCount, int rightCount) {
        if (d < 0) {
            Inner r = new Inner(innerCap);
            inners++;
            r.kids[0] = left;
            r.kids[1] = right;
            r.counts[0] = leftCount;
            r.counts[1] = rightCount;
            r.sepScores[0] = sepScore;
            r.sepMembers[0] = sepMember;
            r.n = 2;
            root = r;
            height++;
            if (height > path.length) {
                path = Arrays.copyOf(path, path.length * 2);
                pathIdx = Arrays.copyOf(pathIdx, pathIdx.length * 2);
            }
            return;
        }
        Inner p = path[d];
        int i = pathIdx[d];
        int n = p.n;
        if (n < innerCap) {
            innerInsertAt(p, i, right, sepScore, sepMember, leftCount, rightCount);
            return;
        }
        Inner q = new Inner(innerCap);
        inners++;
        double upScore;
        byte[] upMember;
        if (i == n - 1) {
            // the last child split (ascending inserts): the new node starts a new inner node
            p.counts[i] = leftCount;
            q.kids[0] = right;
            q.counts[0] = rightCount;
            q.n = 1;
            upScore = sepScore;
            upMember = sepMember;
        } else {
            int h = n / 2;
            System.arraycopy(p.kids, h, q.kids, 0, n - h);
            System.arraycopy(p.counts, h, q.counts, 0, n - h);
            System.arraycopy(p.sepScores, h, q.sepScores, 0, n - 1 - h);
            System.arraycopy(p.sepMembers, h, q.sepMembers, 0, n - 1 - h);
            q.n = n - h;
            upScore = p.sepScores[h - 1];
            upMember = p.sepMembers[h - 1];
            Arrays.fill(p.kids, h, n, null);
            Arrays.fill(p.sepMembers, h - 1, n - 1, null);
            p.n = h;
            if (i < h) {
                innerInsertAt(p, i, right, sepScore, sepMember, leftCount, rightCount);
            } else {
                innerInsertAt(q, i - h, right, sepScore, sepMember, leftCount, rightCount);
            }
        }
        insertChild(d - 1, p, q, upScore, upMember, sum(p), sum(q));
    }

    private static void innerInsertAt(Inner p, int i, Object right, double sepScore, byte[] sepMember,
            int leftCount, int rightCount) {
        int n = p.n;
        System.arraycopy(p.kids, i + 1, p.kids, i + 2, n - i - 1);
        System.arraycopy(p.counts, i + 1, p.counts, i + 2, n - i - 1);
        System.arraycopy(p.sepScores, i, p.sepScores, i + 1, n - 1 - i);
        System.arraycopy(p.sepMembers, i, p.sepMembers, i + 1, n - 1 - i);
        p.kids[i + 1] = right;
        p.counts[i] = leftCount;
        p.counts[i + 1] = rightCount;
        p.sepScores[i] = sepScore;
        p.sepMembers[i] = sepMember;
        p.n = n + 1;
    }

    private static int sum(Inner p) {
        int s = 0;
        for (int j = 0; j < p.n; j++) {
            s += p.counts[j];
        }
        return s;
    }

    // ------------------------------------------------------------------ tree removal

    private void treeRemove(double score, byte[] member) {
        Leaf leaf = descend(score, member, -1);
        leafRemoveAt(leaf, lowerBound(leaf, score, member));
        fixLeaf(leaf);
    }

    private static void leafRemoveAt(Leaf l, int pos) {
        int n = l.n;
        System.arraycopy(l.scores, pos + 1, l.scores, pos, n - pos - 1);
        System.arraycopy(l.members, pos + 1, l.members, pos, n - pos - 1);
        l.members[n - 1] = null;
        l.n = n - 1;
    }

    /** After removals from the leaf at the end of the path: drops it when empty, merges it when small. */
    private void fixLeaf(Leaf leaf) {
        if (height == 0 || leaf.n >= leafCap / 4) {
            return;
        }
        int d = height - 1;
        Inner p = path[d];
        int i = pathIdx[d];
        if (leaf.n == 0) {
            unlinkLeaf(leaf);
            removeChild(d, i);
            return;
        }
        int limit = leafCap * 3 / 4;
        if (i + 1 < p.n) {
            Leaf r = (Leaf) p.kids[i + 1];
            if (leaf.n + r.n <= limit) {
                appendLeaf(leaf, r);
                p.counts[i] += p.counts[i + 1];
                p.counts[i + 1] = 0;
                removeChild(d, i + 1);
                return;
            }
        }
        if (i > 0) {
            Leaf l = (Leaf) p.kids[i - 1];
            if (l.n + leaf.n <= limit) {
                appendLeaf(l, leaf);
                p.counts[i - 1] += p.counts[i];
                p.counts[i] = 0;
                removeChild(d, i);
            }
        }
    }

    /** Moves every entry of {@code r} (the next leaf) to the end of {@code l} and unlinks {@code r}. */
    private void appendLeaf(Leaf l, Leaf r) {
        int need = l.n + r.n;
        if (need > l.scores.length) {
            int cap = Math.min(leafCap, Math.max(need, l.scores.length * 2));
            leafSlots += cap - l.scores.length;
            l.scores = Arrays.copyOf(l.scores, cap);
            l.members = Arrays.copyOf(l.members, cap);
        }
        System.arraycopy(r.scores, 0, l.scores, l.n, r.n);
        System.arraycopy(r.members, 0, l.members, l.n, r.n);
        l.n = need;
        r.n = 0;
        unlinkLeaf(r);
    }

    private void unlinkLeaf(Leaf l) {
        leaves--;
        leafSlots -= l.scores.length;
        if (l.prev != null) {
            l.prev.next = l.next;
        }
        if (l.next != null) {
            l.next.prev = l.prev;
        }
        l.next = null;
        l.prev = null;
    }

    /** Removes child {@code i} of path[d] (its count must already be elsewhere or zero). */
    private void removeChild(int d, int i) {
        Inner p = path[d];
        int n = p.n;
        if (d < height - 1) {
            inners--; // the child is an inner node (leaves are counted out by unlinkLeaf)
        }
        System.arraycopy(p.kids, i + 1, p.kids, i, n - i - 1);
        System.arraycopy(p.counts, i + 1, p.counts, i, n - i - 1);
        p.kids[n - 1] = null;
        p.counts[n - 1] = 0;
        if (n > 1) {
            int s = i > 0 ? i - 1 : 0;
            System.arraycopy(p.sepScores, s + 1, p.sepScores, s, n - 2 - s);
            System.arraycopy(p.sepMembers, s + 1, p.sepMembers, s, n - 2 - s);
            p.sepMembers[n - 2] = null;
        }
        p.n = n - 1;
        if (p.n == 0) {
            if (d == 0) {
                leaves = 0;
                leafSlots = 0;
                inners = 0;
                root = newLeaf(4);
                height = 0;
            } else {
                removeChild(d - 1, pathIdx[d - 1]);
            }
            return;
        }
        fixInner(d);
    }

    /** After path[d] lost a child: collapses a root with one child, merges a small inner node. */
    private void fixInner(int d) {
        if (d == 0) {
            while (height > 0 && ((Inner) root).n == 1) {
                root = ((Inner) root).kids[0];
                height--;
                inners--;
            }
            return;
        }
        Inner node = path[d];
        if (node.n >= innerCap / 4) {
            return;
        }
        Inner p = path[d - 1];
        int i = pathIdx[d - 1];
        int limit = innerCap * 3 / 4;
        if (i + 1 < p.n) {
            Inner r = (Inner) p.kids[i + 1];
            if (node.n + r.n <= limit) {
                appendInner(node, p.sepScores[i], p.sepMembers[i], r);
                p.counts[i] += p.counts[i + 1];
                p.counts[i + 1] = 0;
                removeChild(d - 1, i + 1);
                return;
            }
        }
        if (i > 0) {
            Inner l = (Inner) p.kids[i - 1];
            if (l.n + node.n <= limit) {
                appendInner(l, p.sepScores[i - 1], p.sepMembers[i - 1], node);
                p.counts[i - 1] += p.counts[i];
                p.counts[i] = 0;
                removeChild(d - 1, i);
            }
        }
    }

    private static void appendInner(Inner l, double sepScore, byte[] sepMember, Inner r) {
        int n = l.n;
        l.sepScores[n - 1] = sepScore;
        l.sepMembers[n - 1] = sepMember;
        System.arraycopy(r.kids, 0, l.kids, n, r.n);
        System.arraycopy(r.counts, 0, l.counts, n, r.n);
        System.arraycopy(r.sepScores, 0, l.sepScores, n, r.n - 1);
        System.arraycopy(r.sepMembers, 0, l.sepMembers, n, r.n - 1);
        l.n = n + r.n;
    }

    // ------------------------------------------------------------------ hash index

    /**
     * The index slot of {@code member}, or -1. While a resize is in progress, slots from
     * {@code keys.length} on name the old table's.
     */
    private int slot(byte[] member) {
        int ls = lastSlot;
        if (member == lastKey && ls >= 0) {
            return ls;
        }
        int h = ByteHash.hash(member, 0, member.length);
        byte[][] k = keys;
        int i = probe(k, hashes, h, member);
        if (i < 0 && oldKeys != null) {
            i = probe(oldKeys, oldHashes, h, member);
            if (i >= 0) {
                i += k.length;
            }
        }
        if (i >= 0) {
            lastKey = member;
            lastSlot = i;
        }
        return i;
    }

    private static int probe(byte[][] k, int[] hs, int h, byte[] member) {
        int mask = k.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            byte[] e = k[i];
            if (e == null) {
                return -1;
            }
            if (hs[i] == h && Arrays.equals(e, member)) {
                return i;
            }
        }
    }

    private byte[] keyAt(int s) {
        byte[][] k = keys;
        return s < k.length ? k[s] : oldKeys[s - k.length];
    }

    private double valAt(int s) {
        double[] v = vals;
        return s < v.length ? v[s] : oldVals[s - v.length];
    }

    private void setValAt(int s, double score) {
        double[] v = vals;
        if (s < v.length) {
            v[s] = score;
        } else {
            oldVals[s - v.length] = score;
        }
    }

    private void tablePut(byte[] member, int h, double score) {
        lastSlot = -1;
        if (oldKeys != null) {
            migrate(EntryTable.REHASH_STEP);
        }
        if ((size + 1) * 4L > keys.length * 3L) { // the old table's entries too: the new one can take them all
            if (oldKeys != null) {
                migrate(Integer.MAX_VALUE); // not reached in practice: a migration ends well before
            }
            resize(keys.length * 2);
        }
        place(keys, vals, hashes, member, score, h);
        size++;
    }

    private static void place(byte[][] k, double[] v, int[] hs, byte[] member, double score, int h) {
        int mask = k.length - 1;
        int i = h & mask;
        while (k[i] != null) {
            i = (i + 1) & mask;
        }
        k[i] = member;
        v[i] = score;
        hs[i] = h;
    }

    /**
     * Resizes the index to {@code capacity}: at once while small, else by starting a migration
     * (none may be in progress) that writes and {@link #rehashStep} finish.
     */
    private void resize(int capacity) {
        byte[][] ok = keys;
        double[] ov = vals;
        int[] oh = hashes;
        keys = new byte[capacity][];
        vals = new double[capacity];
        hashes = new int[capacity];
        lastSlot = -1;
        if (ok.length < EntryTable.INCREMENTAL_MIN) {
            for (int j = 0; j < ok.length; j++) {
                if (ok[j] != null) {
                    place(keys, vals, hashes, ok[j], ov[j], oh[j]);
                }
            }
            return;
        }
        oldKeys = ok;
        oldVals = ov;
        oldHashes = oh;
        oldCount = size;
        int e = 0;
        while (ok[e] != null) {
            e++; // at most 3/4 full: an empty slot exists, and no probe cluster crosses it
        }
        migrateAt = (e + 1) & (ok.length - 1);
    }

    /** Moves about {@code budget} old slots (whole probe clusters) to the new index; drops the old one once empty. */
    private void migrate(int budget) {
        byte[][] ok = oldKeys;
        double[] ov = oldVals;
        int[] oh = oldHashes;
        int mask = ok.length - 1;
        int at = migrateAt;
        int left = oldCount;
        while (left > 0 && budget > 0) {
            if (ok[at] == null) {
                at = (at + 1) & mask;
                budget--;
                continue;
            }
            do {
                place(keys, vals, hashes, ok[at], ov[at], oh[at]);
                ok[at] = null;
                left--;
                budget--;
                at = (at + 1) & mask;
            } while (ok[at] != null);
        }
        migrateAt = at;
        oldCount = left;
        lastSlot = -1;
        if (left == 0) {
            oldKeys = null;
            oldVals = null;
            oldHashes = null;
        }
    }

    /**
     * Moves about {@code slots} old index slots; returns whether a resize is still in progress.
     * Only tests call it (see {@code EntryTable.rehashStep}).
     */
    boolean rehashStep(int slots) {
        if (oldKeys != null) {
            migrate(Math.max(1, slots));
        }
        return oldKeys != null;
    }

    /** Whether the index is in the middle of an incremental resize. */
    boolean rehashing() {
        return oldKeys != null;
    }

    /** Removes the entry in {@code slot}, shifting back the probe run behind it; may shrink. */
    private void tableRemoveAt(int slot) {
        lastSlot = -1;
        byte[][] k = keys;
        if (slot >= k.length) {
            removeIn(oldKeys, oldVals, oldHashes, slot - k.length);
            oldCount--;
        } else {
            removeIn(k, vals, hashes, slot);
        }
        size--;
        if (oldKeys != null) {
            migrate(EntryTable.REHASH_STEP);
        } else if (k.length > MIN_TABLE && size * 8L < k.length) {
            // a large index keeps room for as many again (see EntryTable.removeAt)
            long want = k.length < EntryTable.INCREMENTAL_MIN ? size : size * 2L;
            int cap = MIN_TABLE;
            while (cap * 3L < want * 4L + 4) {
                cap <<= 1;
            }
            if (cap < k.length) {
                resize(cap);
            }
        }
    }

    private static void removeIn(byte[][] k, double[] v, int[] hs, int slot) {
        int mask = k.length - 1;
        int hole = slot;
        k[hole] = null;
        int j = hole;
        while (true) {
            j = (j + 1) & mask;
            byte[] e = k[j];
            if (e == null) {
                break;
            }
            int home = hs[j] & mask;
            boolean stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!stays) {
                k[hole] = e;
                v[hole] = v[j];
                hs[hole] = hs[j];
                k[j] = null;
                hole = j;
            }
        }
    }

    /** Callback of {@link #scan}. */
    interface ScanSink {
        void accept(byte[] member, double score);
    }

    /**
     * One step of a cursor scan over the hash index, as Redis's dictScan: the cursor names a
     * home bucket, advanced in reverse-binary order so that resizes between steps never make a
     * member present for the whole scan go unreported. While a resize is in progress a step
     * visits the cursor's bucket in the smaller index and all the buckets of the larger one it
     * splits into.
     */
    long scan(long cursor, int count, ScanSink sink) {
        long v = cursor;
        int emitted = 0;
        long budget = Math.max(10L, count * 10L);
        do {
            if (oldKeys == null) {
                int mask = keys.length - 1;
                emitted += emitBucket(keys, vals, hashes, (int) (v & mask), sink);
                v |= ~(long) mask;
            } else {
                boolean newSmall = keys.length <= oldKeys.length;
                byte[][] sk = newSmall ? keys : oldKeys;
                double[] sv = newSmall ? vals : oldVals;
                int[] sh = newSmall ? hashes : oldHashes;
                byte[][] lk = newSmall ? oldKeys : keys;
                double[] lv = newSmall ? oldVals : vals;
                int[] lh = newSmall ? oldHashes : hashes;
                long m0 = sk.length - 1;
                long m1 = lk.length - 1;
                emitted += emitBucket(sk, sv, sh, (int) (v & m0), sink);
                do {
                    emitted += emitBucket(lk, lv, lh, (int) (v & m1), sink);
                    v = (((v | m0) + 1) & ~m0) | (v & m0);
                } while ((v & (m0 ^ m1)) != 0);
                v |= ~m0;
            }
            v = Long.reverse(v);
            v++;
            v = Long.reverse(v);
        } while (v != 0 && --budget > 0 && emitted < count);
        return v;
    }

    /** Passes the entries whose home is {@code bucket}; returns how many. */
    private static int emitBucket(byte[][] k, double[] vs, int[] hs, int bucket, ScanSink sink) {
        int mask = k.length - 1;
        int n = 0;
        for (int i = bucket; k[i] != null; i = (i + 1) & mask) {
            if ((hs[i] & mask) == bucket) {
                sink.accept(k[i], vs[i]);
                n++;
            }
            if (((i + 1) & mask) == bucket) {
                break;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ memory

    /** Heap bytes of the tree's nodes and the index (not the member arrays), in constant time. */
    long structureBytes() {
        long bytes = 64; // this object
        bytes += indexBytes();
        // a leaf: its object and two arrays (headers 16 bytes each, the reference array rounded up)
        bytes += leaves * (32L + 16 + 16 + 4) + leafSlots * 12;
        bytes += (long) inners * (24 + SortedSetValue.align(16 + 4L * innerCap) * 3
                + SortedSetValue.align(16 + 8L * innerCap));
        return bytes;
    }

    /** The same as {@link #structureBytes} counted node by node (tests check the running counts with it). */
    long structureBytesWalked() {
        long bytes = 64;
        bytes += indexBytes();
        return bytes + nodeBytes(root, height);
    }

    /** The index arrays (keys, hashes, scores), both tables' while a resize is in progress. */
    private long indexBytes() {
        long bytes = SortedSetValue.align(16 + 4L * keys.length) * 2 + SortedSetValue.align(16 + 8L * keys.length);
        if (oldKeys != null) {
            bytes += SortedSetValue.align(16 + 4L * oldKeys.length) * 2 + SortedSetValue.align(16 + 8L * oldKeys.length);
        }
        return bytes;
    }

    private long nodeBytes(Object node, int h) {
        if (h == 0) {
            Leaf l = (Leaf) node;
            return 32L + 16 + 16 + 4 + 12L * l.scores.length;
        }
        Inner in = (Inner) node;
        long bytes = 24 + SortedSetValue.align(16 + 4L * innerCap) * 3 + SortedSetValue.align(16 + 8L * innerCap);
        for (int j = 0; j < in.n; j++) {
            bytes += nodeBytes(in.kids[j], h - 1);
        }
        return bytes;
    }
}
