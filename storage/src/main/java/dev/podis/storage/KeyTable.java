package dev.podis.storage;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A hash table of byte[] keys on the Java heap, built like Redis's dict so that it can be
 * scanned and sampled:
 *
 * <ul>
 *   <li>power-of-two bucket array with chaining; it doubles when it holds as many keys as buckets
 *       and halves when under an eighth full;</li>
 *   <li>{@link #scan} walks buckets in reverse-binary order (Redis's {@code dictScan} cursor), so
 *       every key present for the whole scan is visited at least once even if the table grows or
 *       shrinks between steps;</li>
 *   <li>{@link #random} picks a random non-empty bucket and a random node of its chain: O(1)
 *       expected, since the table is never less than an eighth full.</li>
 * </ul>
 *
 * <p>Each node carries an {@code Object value}, a {@code long aux} and an {@code int mark}. The
 * heap keyspace keeps the {@link StoredValue} in {@code value}, the bytes a collection value is
 * accounted at in {@code aux} and the snapshot generation in {@code mark}; the expiry index and the
 * off-heap keyspace's collection index keep the expiry time in {@code aux}.
 *
 * <p>Resizing a table of {@link #INCREMENTAL_MIN} buckets or more is incremental, as in Redis's
 * dict: the old bucket array stays beside the new one and every insert, put or removal moves
 * the next {@link #REHASH_STEP} old buckets' chains (as does {@link #rehashStep}, called from the
 * databases' background work like Redis's activerehashing); lookups, removals and replacements
 * search both arrays, inserts go to the new one, scans visit both (dictScan's two-table step),
 * and random picks choose among both arrays' buckets. A lookup moves nothing. Smaller tables
 * resize at once (a few tens of microseconds). Not thread-safe.
 */
final class KeyTable {
    private static final int MIN_BUCKETS = 16;

    /**
     * One entry. A table may hold instances of a subclass that carries the entry's data in fields
     * of its own ({@link #put}): the off-heap keyspace's heap index does, so that its entries are
     * one object each (one cache miss fewer per lookup than a node pointing at a value object).
     */
    static class Node {
        final byte[] key;
        final int hash;
        Object value;
        long aux;
        /**
         * The heap keyspace's snapshot generation ({@link Hooks#generation}) of this entry. Its own
         * field rather than {@code aux}, which holds a collection's accounted bytes there (and the
         * expiry in the other tables), since a snapshot and the memory accounting both need theirs
         * at the same time; with compressed oops a node is 12 + 4 * 4 + 8 = 36 bytes, padded to
         * 40, so the int costs nothing.
         */
        int mark;
        Node next;

        Node(byte[] key, int hash) {
            this.key = key;
            this.hash = hash;
        }
    }

    /** Bucket count from which a resize is incremental. */
    static final int INCREMENTAL_MIN = 1 << 13;
    /** Old buckets moved per write while a resize is in progress. */
    static final int REHASH_STEP = 16;

    private Node[] buckets = new Node[MIN_BUCKETS];
    /** The bucket array being emptied into {@code buckets} while a resize is in progress, else null. */
    private Node[] old;
    /** The next old bucket to move (all below it are empty). */
    private int rehashIdx;
    private int size;
    private long keyBytes;

    static int hash(byte[] key) {
        int h = 0x9747b28c;
        int i = 0;
        int n = key.length;
        for (; i + 4 <= n; i += 4) {
            int k = (key[i] & 0xff) | (key[i + 1] & 0xff) << 8 | (key[i + 2] & 0xff) << 16 | key[i + 3] << 24;
            k *= 0xcc9e2d51;
            k = Integer.rotateLeft(k, 15);
            k *= 0x1b873593;
            h ^= k;
            h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
        }
        int k = 0;
        for (int s = 0; i < n; i++, s += 8) {
            k |= (key[i] & 0xff) << s;
        }
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        k *= 0x1b873593;
        h ^= k ^ n;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    int size() {
        return size;
    }

    /** Rough bytes held on the heap: nodes, key arrays and buckets (values not included). */
    long estimatedBytes() {
        Node[] o = old;
        return size * 48L + keyBytes + buckets.length * 4L + (o == null ? 0 : o.length * 4L);
    }

    /** Whether a resize is in progress. */
    boolean rehashing() {
        return old != null;
    }

    Node find(byte[] key) {
        return find(hash(key), key);
    }

    private Node find(int h, byte[] key) {
        for (Node n = buckets[h & (buckets.length - 1)]; n != null; n = n.next) {
            if (n.hash == h && Arrays.equals(n.key, key)) {
                return n;
            }
        }
        Node[] o = old;
        if (o != null) {
            for (Node n = o[h & (o.length - 1)]; n != null; n = n.next) {
                if (n.hash == h && Arrays.equals(n.key, key)) {
                    return n;
                }
            }
        }
        return null;
    }

    /**
     * Moves the chains of about {@code count} old buckets into the new array if a resize is in
     * progress; returns whether one still is. The background's step (Redis's activerehashing).
     */
    boolean rehashStep(int count) {
        Node[] o = old;
        if (o == null) {
            return false;
        }
        Node[] fresh = buckets;
        int i = rehashIdx;
        for (int end = Math.min(o.length, i + Math.max(1, count)); i < end; i++) {
            moveChain(o[i], fresh);
            o[i] = null;
        }
        rehashIdx = i;
        if (i == o.length) {
            old = null;
            return false;
        }
        return true;
    }

    /** The node of {@code key}, created (with a null value) if absent. {@code key} is kept, not copied. */
    Node insert(byte[] key) {
        if (old != null) {
            rehashStep(REHASH_STEP);
        }
        int h = hash(key);
        Node found = find(h, key);
        if (found != null) {
            return found;
        }
        int b = h & (buckets.length - 1);
        Node n = new Node(key, h);
        n.next = buckets[b];
        buckets[b] = n;
        size++;
        keyBytes += 16 + key.length;
        if (size > buckets.length && old == null) {
            resize(buckets.length << 1);
        }
        return n;
    }

    /**
     * Puts {@code node} (made by the caller, {@code next} null, its {@code hash} {@link #hash} of
     * its key) into the table, in place of the node of an equal key if there is one (returned),
     * else as a new entry (null returned). Keeps {@code node} and its key.
     */
    Node put(Node node) {
        if (old != null && rehashStep(REHASH_STEP)) { // the step may finish the resize
            Node replaced = replaceIn(old, node);
            if (replaced != null) {
                return replaced;
            }
        }
        Node replaced = replaceIn(buckets, node);
        if (replaced != null) {
            return replaced;
        }
        int b = node.hash & (buckets.length - 1);
        node.next = buckets[b];
        buckets[b] = node;
        size++;
        keyBytes += 16 + node.key.length;
        if (size > buckets.length && old == null) {
            resize(buckets.length << 1);
        }
        return null;
    }

    /** Puts {@code node} in place of the node of an equal key in {@code table}; returns that node or null. */
    private static Node replaceIn(Node[] table, Node node) {
        int h = node.hash;
        int b = h & (table.length - 1);
        Node prev = null;
        for (Node n = table[b]; n != null; prev = n, n = n.next) {
            if (n.hash == h && Arrays.equals(n.key, node.key)) {
                node.next = n.next;
                if (prev == null) {
                    table[b] = node;
                } else {
                    prev.next = node;
                }
                n.next = null;
                return n;
            }
        }
        return null;
    }

    /** Removes {@code key}; returns its node or null. */
    Node remove(byte[] key) {
        int h = hash(key);
        if (old != null) {
            rehashStep(REHASH_STEP);
        }
        Node n = removeIn(buckets, h, key);
        if (n == null && old != null) {
            n = removeIn(old, h, key);
        }
        if (n != null) {
            size--;
            keyBytes -= 16 + key.length;
            if (old == null && buckets.length > MIN_BUCKETS && size < buckets.length / 8) {
                resize(buckets.length >> 1);
            }
        }
        return n;
    }

    private static Node removeIn(Node[] table, int h, byte[] key) {
        int b = h & (table.length - 1);
        Node prev = null;
        for (Node n = table[b]; n != null; prev = n, n = n.next) {
            if (n.hash == h && Arrays.equals(n.key, key)) {
                if (prev == null) {
                    table[b] = n.next;
                } else {
                    prev.next = n.next;
                }
                n.next = null;
                return n;
            }
        }
        return null;
    }

    void clear() {
        old = null;
        buckets = new Node[MIN_BUCKETS];
        size = 0;
        keyBytes = 0;
    }

    /** Resizes to {@code n} buckets: at once while small, else by starting a migration (none may run). */
    private void resize(int n) {
        Node[] previous = buckets;
        Node[] fresh = new Node[n];
        if (previous.length >= INCREMENTAL_MIN) {
            buckets = fresh;
            old = previous;
            rehashIdx = 0;
            return;
        }
        for (Node head : previous) {
            moveChain(head, fresh);
        }
        buckets = fresh;
    }

    /** Relinks every node of the chain starting at {@code head} into its bucket of {@code to}. */
    private static void moveChain(Node head, Node[] to) {
        int mask = to.length - 1;
        while (head != null) {
            Node next = head.next;
            int b = head.hash & mask;
            head.next = to[b];
            to[b] = head;
            head = next;
        }
    }

    /**
     * Visits whole buckets from {@code cursor} until at least {@code count} nodes were visited or
     * the scan is complete. The consumer must not change the table; collect and change afterwards.
     *
     * @return the next cursor, 0 when complete
     */
    long scan(long cursor, int count, Consumer<Node> sink) {
        if (size == 0) {
            return 0;
        }
        long v = cursor;
        int visited = 0;
        int emptySteps = 0;
        do {
            long mask;
            if (old == null) {
                mask = buckets.length - 1;
                visited += emit(buckets[(int) (v & mask)], sink);
            } else {
                // dictScan's step over two tables: the cursor's bucket in the smaller one, then
                // every bucket of the larger one that it splits into
                Node[] small = buckets.length <= old.length ? buckets : old;
                Node[] large = small == buckets ? old : buckets;
                mask = small.length - 1;
                long m1 = large.length - 1;
                visited += emit(small[(int) (v & mask)], sink);
                do {
                    visited += emit(large[(int) (v & m1)], sink);
                    v = (((v | mask) + 1) & ~mask) | (v & mask);
                } while ((v & (mask ^ m1)) != 0);
            }
            // Reverse-binary increment: set the unmasked bits, reverse, add one, reverse back.
            v |= ~mask;
            v = Long.reverse(v);
            v++;
            v = Long.reverse(v);
            if (visited == 0 && ++emptySteps > count * 10) {
                break;
            }
        } while (v != 0 && visited < count);
        return v;
    }

    private static int emit(Node head, Consumer<Node> sink) {
        int n = 0;
        for (; head != null; head = head.next) {
            sink.accept(head);
            n++;
        }
        return n;
    }

    /** Receives nodes from {@link #forEach}. */
    interface NodeVisitor {
        void node(Node n) throws java.io.IOException;
    }

    /** Visits every node once; the visitor must not change the table. */
    void forEach(NodeVisitor v) throws java.io.IOException {
        forEach(buckets, v);
        if (old != null) {
            forEach(old, v);
        }
    }

    private static void forEach(Node[] table, NodeVisitor v) throws java.io.IOException {
        for (Node head : table) {
            for (Node n = head; n != null; n = n.next) {
                v.node(n);
            }
        }
    }

    /** A random node, or null if empty. */
    Node random(RandomGenerator rnd) {
        if (size == 0) {
            return null;
        }
        Node head;
        Node[] o = old;
        if (o == null) {
            int mask = buckets.length - 1;
            do {
                head = buckets[rnd.nextInt() & mask];
            } while (head == null);
        } else {
            // a bucket of either array (those of the old one below rehashIdx are empty)
            int n = buckets.length;
            do {
                int i = rnd.nextInt(n + o.length);
                head = i < n ? buckets[i] : o[i - n];
            } while (head == null);
        }
        int len = 0;
        for (Node n = head; n != null; n = n.next) {
            len++;
        }
        int pick = rnd.nextInt(len);
        Node n = head;
        while (pick-- > 0) {
            n = n.next;
        }
        return n;
    }
}
