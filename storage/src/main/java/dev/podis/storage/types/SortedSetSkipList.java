package dev.podis.storage.types;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The large encoding of a sorted set (Redis's "skiplist"): a skip list ordered by score, then by
 * member bytes (unsigned), whose links carry spans so that ranks cost O(log n), plus an
 * open-addressing hash index from member to node for O(1) score lookups.
 *
 * <p>Memory layout, chosen to stay under Redis's per-member cost: a node that lives only on
 * level 0 (three in four nodes) is a plain {@link Node} of 32 bytes (score, member, next, prev);
 * the span of a level-0 link is always 1 and is not stored. Only taller nodes
 * ({@link TallNode}) carry arrays for their upper levels. The hash index is a bare
 * {@code Node[]} with linear probing (no entry objects, no cached hashes: the member's hash is
 * recomputed when a slot moves, which happens on resize and on deletion only).
 *
 * <p>Not thread-safe: used by the command thread only.
 */
final class SortedSetSkipList {
    static final int MAX_LEVEL = 32;
    private static final int MIN_TABLE = 16;

    /** A node on level 0 only. */
    static class Node {
        final byte[] member;
        double score;
        Node next;
        Node prev;

        Node(byte[] member, double score) {
            this.member = member;
            this.score = score;
        }

        int levels() {
            return 1;
        }
    }

    /** A node with links on levels 1..levels-1 besides level 0 (index i-1 holds level i). */
    static final class TallNode extends Node {
        final Node[] up;
        final int[] span;

        TallNode(byte[] member, double score, int levels) {
            super(member, score);
            up = new Node[levels - 1];
            span = new int[levels - 1];
        }

        @Override
        int levels() {
            return up.length + 1;
        }
    }

    private final TallNode head = new TallNode(null, 0, MAX_LEVEL);
    private Node tail;
    private int level = 1;
    private int length;
    private Node[] table = new Node[MIN_TABLE];
    private Node[] update;
    private int[] rank;

    int size() {
        return length;
    }

    /** Heap bytes of one node with its level arrays (not its member array). */
    static long nodeBytes(Node n) {
        if (!(n instanceof TallNode)) {
            return 32; // header 12, score 8, member/next/prev references 12
        }
        int up = ((TallNode) n).up.length;
        return 40 + SortedSetValue.align(16 + 4L * up) * 2;
    }

    /** Heap bytes of the parts whose size does not depend on the members: head, index, scratch. */
    long fixedBytes() {
        long head = nodeBytes(this.head);
        long index = SortedSetValue.align(16 + 4L * table.length);
        long scratch = update == null ? 0 : SortedSetValue.align(16 + 4L * MAX_LEVEL) * 2;
        return 40 + head + index + scratch;
    }

    Node first() {
        return head.next;
    }

    Node last() {
        return tail;
    }

    // ------------------------------------------------------------------ links

    private static Node forward(Node x, int i) {
        return i == 0 ? x.next : ((TallNode) x).up[i - 1];
    }

    private static void forward(Node x, int i, Node to) {
        if (i == 0) {
            x.next = to;
        } else {
            ((TallNode) x).up[i - 1] = to;
        }
    }

    private static int span(Node x, int i) {
        return i == 0 ? 1 : ((TallNode) x).span[i - 1];
    }

    private static boolean before(Node n, double score, byte[] member) {
        return n.score < score || (n.score == score && Arrays.compareUnsigned(n.member, member) < 0);
    }

    private static int randomLevel() {
        // P(level >= k+1) = 4^-k, as Redis's ZSKIPLIST_P = 0.25.
        int r = ThreadLocalRandom.current().nextInt();
        int level = 1 + (Integer.numberOfTrailingZeros(r) >>> 1);
        return Math.min(level, MAX_LEVEL);
    }

    private void scratch() {
        if (update == null) {
            update = new Node[MAX_LEVEL];
            rank = new int[MAX_LEVEL];
        }
    }

    // ------------------------------------------------------------------ updates

    /** Inserts a member known to be absent. */
    void insert(byte[] member, double score) {
        int lvl = randomLevel();
        Node n = lvl == 1 ? new Node(member, score) : new TallNode(member, score, lvl);
        link(n);
        tablePut(n);
    }

    /** Links {@code n} (with its own level count) at its ordered position. */
    private void link(Node n) {
        scratch();
        Node[] update = this.update;
        int[] rank = this.rank;
        double score = n.score;
        byte[] member = n.member;
        Node x = head;
        for (int i = level - 1; i >= 0; i--) {
            rank[i] = i == level - 1 ? 0 : rank[i + 1];
            Node f;
            while ((f = forward(x, i)) != null && before(f, score, member)) {
                rank[i] += span(x, i);
                x = f;
            }
            update[i] = x;
        }
        int lvl = n.levels();
        if (lvl > level) {
            for (int i = level; i < lvl; i++) {
                rank[i] = 0;
                update[i] = head;
                head.span[i - 1] = length;
            }
            level = lvl;
        }
        for (int i = 0; i < lvl; i++) {
            forward(n, i, forward(update[i], i));
            forward(update[i], i, n);
            if (i > 0) {
                TallNode u = (TallNode) update[i];
                ((TallNode) n).span[i - 1] = u.span[i - 1] - (rank[0] - rank[i]);
                u.span[i - 1] = rank[0] - rank[i] + 1;
            }
        }
        for (int i = lvl; i < level; i++) {
            ((TallNode) update[i]).span[i - 1]++;
        }
        n.prev = update[0] == head ? null : update[0];
        if (n.next != null) {
            n.next.prev = n;
        } else {
            tail = n;
        }
        length++;
    }

    /** Fills {@link #update} with the last node before (score, member) on each level. */
    private void findUpdate(double score, byte[] member) {
        scratch();
        Node x = head;
        for (int i = level - 1; i >= 0; i--) {
            Node f;
            while ((f = forward(x, i)) != null && before(f, score, member)) {
                x = f;
            }
            update[i] = x;
        }
    }

    private void unlink(Node x) {
        Node[] update = this.update;
        for (int i = 0; i < level; i++) {
            Node u = update[i];
            if (forward(u, i) == x) {
                if (i > 0) {
                    ((TallNode) u).span[i - 1] += span(x, i) - 1;
                }
                forward(u, i, forward(x, i));
            } else if (i > 0) {
                ((TallNode) u).span[i - 1]--;
            }
        }
        if (x.next != null) {
            x.next.prev = x.prev;
        } else {
            tail = x.prev;
        }
        while (level > 1 && head.up[level - 2] == null) {
            level--;
        }
        length--;
    }

    /** The node of {@code member}, or null. */
    Node find(byte[] member) {
        Node[] t = table;
        int mask = t.length - 1;
        for (int i = hash(member) & mask; ; i = (i + 1) & mask) {
            Node n = t[i];
            if (n == null) {
                return null;
            }
            if (Arrays.equals(n.member, member)) {
                return n;
            }
        }
    }

    /** Removes {@code member}; false if absent. */
    boolean remove(byte[] member) {
        Node n = find(member);
        if (n == null) {
            return false;
        }
        findUpdate(n.score, member);
        unlink(n);
        tableRemove(member);
        return true;
    }

    /** Changes the score of an existing node, moving it only when its position changes. */
    void updateScore(Node n, double score) {
        Node p = n.prev;
        Node q = n.next;
        if ((p == null || p.score < score || (p.score == score && Arrays.compareUnsigned(p.member, n.member) < 0))
                && (q == null || q.score > score || (q.score == score && Arrays.compareUnsigned(q.member, n.member) > 0))) {
            n.score = score;
            return;
        }
        findUpdate(n.score, n.member);
        unlink(n);
        n.score = score;
        clearLinks(n);
        link(n);
    }

    private static void clearLinks(Node n) {
        n.next = null;
        n.prev = null;
        if (n instanceof TallNode) {
            Arrays.fill(((TallNode) n).up, null);
        }
    }

    /** Removes the members of ranks [from, to) (0-based); returns how many were removed. */
    int removeRange(int from, int to) {
        if (from >= to) {
            return 0;
        }
        scratch();
        int start = from + 1;
        int traversed = 0;
        Node x = head;
        for (int i = level - 1; i >= 0; i--) {
            Node f;
            while ((f = forward(x, i)) != null && traversed + span(x, i) < start) {
                traversed += span(x, i);
                x = f;
            }
            update[i] = x;
        }
        int removed = 0;
        x = x.next;
        while (x != null && removed < to - from) {
            Node next = x.next;
            unlink(x);
            tableRemove(x.member);
            removed++;
            x = next;
        }
        return removed;
    }

    // ------------------------------------------------------------------ ranks

    /** 0-based rank of a node known to be present. */
    int rank(Node n) {
        double score = n.score;
        byte[] member = n.member;
        int r = 0;
        Node x = head;
        for (int i = level - 1; i >= 0; i--) {
            Node f;
            while ((f = forward(x, i)) != null
                    && (f.score < score || (f.score == score && Arrays.compareUnsigned(f.member, member) <= 0))) {
                r += span(x, i);
                x = f;
            }
            if (x == n) {
                return r - 1;
            }
        }
        return r - 1;
    }

    /** The node at 0-based {@code rank}, or null when out of range. */
    Node at(int rank) {
        if (rank < 0 || rank >= length) {
            return null;
        }
        int target = rank + 1;
        int traversed = 0;
        Node x = head;
        for (int i = level - 1; i >= 0; i--) {
            Node f;
            while ((f = forward(x, i)) != null && traversed + span(x, i) <= target) {
                traversed += span(x, i);
                x = f;
            }
            if (traversed == target) {
                return x;
            }
        }
        return null;
    }

    /** Number of members whose score is below {@code v} (or at most {@code v} when inclusive). */
    int countBelow(double v, boolean inclusive) {
        int r = 0;
        Node x = head;
        for (int i = level - 1; i >= 0; i--) {
            Node f;
            while ((f = forward(x, i)) != null && (f.score < v || (inclusive && f.score == v))) {
                r += span(x, i);
                x = f;
            }
        }
        return r;
    }

    /** Number of members ordered before {@code v} by bytes (or equal, when inclusive). */
    int countBelowLex(byte[] v, boolean inclusive) {
        int r = 0;
        Node x = head;
        for (int i = level - 1; i >= 0; i--) {
            Node f;
            while ((f = forward(x, i)) != null) {
                int c = Arrays.compareUnsigned(f.member, v);
                if (c < 0 || (inclusive && c == 0)) {
                    r += span(x, i);
                    x = f;
                } else {
                    break;
                }
            }
        }
        return r;
    }

    // ------------------------------------------------------------------ hash index

    static int hash(byte[] member) {
        int h = Arrays.hashCode(member);
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    private void tablePut(Node n) {
        if ((length + 1) * 4L > table.length * 3L) {
            resize(table.length * 2);
        }
        place(table, n);
    }

    private static void place(Node[] t, Node n) {
        int mask = t.length - 1;
        int i = hash(n.member) & mask;
        while (t[i] != null) {
            i = (i + 1) & mask;
        }
        t[i] = n;
    }

    private void resize(int capacity) {
        Node[] old = table;
        Node[] t = new Node[capacity];
        for (Node n : old) {
            if (n != null) {
                place(t, n);
            }
        }
        table = t;
    }

    /** Removes {@code member} from the index, shifting back the probe run behind it. */
    private void tableRemove(byte[] member) {
        Node[] t = table;
        int mask = t.length - 1;
        int i = hash(member) & mask;
        while (!Arrays.equals(t[i].member, member)) {
            i = (i + 1) & mask;
        }
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            Node n = t[j];
            if (n == null) {
                break;
            }
            int k = hash(n.member) & mask;
            boolean stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!stays) {
                t[i] = n;
                i = j;
            }
        }
        t[i] = null;
        if (t.length > MIN_TABLE && length * 8L < t.length) {
            int cap = MIN_TABLE;
            while (cap * 3L < length * 4L + 4) {
                cap <<= 1;
            }
            cap = Math.max(MIN_TABLE, Math.max(cap, Integer.highestOneBit(Math.max(1, length)) << 1));
            if (cap < t.length) {
                resize(cap);
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
     * member present for the whole scan go unreported.
     */
    long scan(long cursor, int count, ScanSink sink) {
        long v = cursor;
        int emitted = 0;
        long budget = Math.max(10L, count * 10L);
        do {
            Node[] t = table;
            int mask = t.length - 1;
            int bucket = (int) (v & mask);
            for (int i = bucket; t[i] != null; i = (i + 1) & mask) {
                if ((hash(t[i].member) & mask) == bucket) {
                    sink.accept(t[i].member, t[i].score);
                    emitted++;
                }
            }
            v |= ~(long) mask;
            v = Long.reverse(v);
            v++;
            v = Long.reverse(v);
        } while (v != 0 && --budget > 0 && emitted < count);
        return v;
    }
}
