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
 * off-heap keyspace's collection index keep the expiry time in {@code aux}. Resizing is done at
 * once (not incrementally). Not thread-safe.
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

    private Node[] buckets = new Node[MIN_BUCKETS];
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
        return size * 48L + keyBytes + buckets.length * 4L;
    }

    Node find(byte[] key) {
        int h = hash(key);
        for (Node n = buckets[h & (buckets.length - 1)]; n != null; n = n.next) {
            if (n.hash == h && Arrays.equals(n.key, key)) {
                return n;
            }
        }
        return null;
    }

    /** The node of {@code key}, created (with a null value) if absent. {@code key} is kept, not copied. */
    Node insert(byte[] key) {
        int h = hash(key);
        int b = h & (buckets.length - 1);
        for (Node n = buckets[b]; n != null; n = n.next) {
            if (n.hash == h && Arrays.equals(n.key, key)) {
                return n;
            }
        }
        Node n = new Node(key, h);
        n.next = buckets[b];
        buckets[b] = n;
        size++;
        keyBytes += 16 + key.length;
        if (size > buckets.length) {
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
        int h = node.hash;
        int b = h & (buckets.length - 1);
        Node prev = null;
        for (Node n = buckets[b]; n != null; prev = n, n = n.next) {
            if (n.hash == h && Arrays.equals(n.key, node.key)) {
                node.next = n.next;
                if (prev == null) {
                    buckets[b] = node;
                } else {
                    prev.next = node;
                }
                n.next = null;
                return n;
            }
        }
        node.next = buckets[b];
        buckets[b] = node;
        size++;
        keyBytes += 16 + node.key.length;
        if (size > buckets.length) {
            resize(buckets.length << 1);
        }
        return null;
    }

    /** Removes {@code key}; returns its node or null. */
    Node remove(byte[] key) {
        int h = hash(key);
        int b = h & (buckets.length - 1);
        Node prev = null;
        for (Node n = buckets[b]; n != null; prev = n, n = n.next) {
            if (n.hash == h && Arrays.equals(n.key, key)) {
                if (prev == null) {
                    buckets[b] = n.next;
                } else {
                    prev.next = n.next;
                }
                n.next = null;
                size--;
                keyBytes -= 16 + key.length;
                if (buckets.length > MIN_BUCKETS && size < buckets.length / 8) {
                    resize(buckets.length >> 1);
                }
                return n;
            }
        }
        return null;
    }

    void clear() {
        buckets = new Node[MIN_BUCKETS];
        size = 0;
        keyBytes = 0;
    }

    private void resize(int n) {
        Node[] old = buckets;
        Node[] fresh = new Node[n];
        int mask = n - 1;
        for (Node head : old) {
            while (head != null) {
                Node next = head.next;
                int b = head.hash & mask;
                head.next = fresh[b];
                fresh[b] = head;
                head = next;
            }
        }
        buckets = fresh;
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
        long mask = buckets.length - 1;
        long v = cursor;
        int visited = 0;
        int emptySteps = 0;
        do {
            for (Node n = buckets[(int) (v & mask)]; n != null; n = n.next) {
                sink.accept(n);
                visited++;
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

    /** Receives nodes from {@link #forEach}. */
    interface NodeVisitor {
        void node(Node n) throws java.io.IOException;
    }

    /** Visits every node once; the visitor must not change the table. */
    void forEach(NodeVisitor v) throws java.io.IOException {
        for (Node head : buckets) {
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
        int mask = buckets.length - 1;
        Node head;
        do {
            head = buckets[rnd.nextInt() & mask];
        } while (head == null);
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
