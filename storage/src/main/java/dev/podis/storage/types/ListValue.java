package dev.podis.storage.types;

import dev.podis.storage.Lzf;
import java.util.Arrays;

/**
 * The payload of a Redis list: a chain of compact nodes, each one byte array holding its
 * elements back to back (Redis's quicklist of listpacks).
 *
 * <p><b>Encodings.</b> A small list is one node and reports itself as {@code "listpack"}; once it
 * outgrows one node's limit it becomes {@code "quicklist"} and grows by adding nodes at either end.
 * The limit is Redis's {@code list-max-listpack-size} ({@code fill}): a positive value caps the
 * number of elements of a node (with an 8 KB safety cap on bytes), -1..-5 cap a node's bytes at
 * 4, 8, 16, 32 or 64 KB. Node sizes are measured as Redis measures a listpack (6-byte header,
 * end byte, each entry's encoding with integers in their compact forms and the back-length), so
 * the conversions happen at exactly the points where Redis 7.2 makes them:
 * listpack → quicklist when a write would exceed the limit ({@link #convertForAppend}); quicklist
 * → listpack when the list is one node again at no more than half the limit
 * ({@link #convertIfShrunk}). The command code calls these where Redis's t_list.c does.
 *
 * <p><b>Node layout.</b> Entries occupy {@code buf[start, end)}; free room is kept on both
 * sides so pushes at either end are amortised O(1). One entry is
 * {@code header(len) data trailer(len)}: header and trailer are one byte for lengths below 128
 * and four bytes otherwise (the trailer readable backwards), so the ends of a node are reached
 * without a scan and an element costs 2 bytes of overhead, as in a listpack. A new end node of a
 * growing quicklist gets a full node's room at once (an end node otherwise doubles up to the
 * limit); once full it is trimmed to its contents only if much of it is spare ({@link #compact}),
 * so a long list built by LPUSH allocates each node once and copies no node.
 * Nodes sit in a ring array, so pushing or popping a node at either end is O(1) and node i is
 * one array access away; reaching element i walks node counts from the nearer end.
 *
 * <p><b>Compression.</b> Redis's {@code list-compress-depth} ({@link #compressDepth}): with depth
 * N &gt; 0 the N nodes at each end stay raw and the inner nodes are kept LZF-compressed
 * ({@link Lzf}); a node under {@value #MIN_COMPRESS_BYTES} bytes, or whose compressed form would
 * not save at least {@value #MIN_COMPRESS_IMPROVE} bytes, stays raw. Every element access goes
 * through {@link #node}, which decompresses a compressed node and remembers it; when the public
 * operation ends, {@link #settle} recompresses the inner nodes it touched, compresses the nodes
 * that moved inwards and decompresses the ones that reached an end zone (Redis's
 * __quicklistCompress), so commands behave the same at any depth and only memory changes.
 *
 * <p>Not thread-safe: owned by the keyspace's single command thread.
 */
public final class ListValue implements CollectionValue {
    /** Redis's optimization_level: the byte limits for fill -1..-5. */
    private static final int[] SIZE_LEVELS = {4096, 8192, 16384, 32768, 65536};
    /** SIZE_SAFETY_LIMIT: the byte cap of a node whose fill counts elements. */
    private static final int SIZE_SAFETY_LIMIT = 8192;
    /** SIZE_ESTIMATE_OVERHEAD of quicklist inserts. */
    private static final int SIZE_ESTIMATE_OVERHEAD = 8;
    /** An empty listpack: 6-byte header and the end byte. */
    private static final int LP_EMPTY = 7;
    /** quicklist.c MIN_COMPRESS_BYTES: smaller nodes are never compressed. */
    static final int MIN_COMPRESS_BYTES = 48;
    /** quicklist.c MIN_COMPRESS_IMPROVE: compression must save at least this many bytes. */
    static final int MIN_COMPRESS_IMPROVE = 8;

    /** One compact node. */
    static final class Node {
        byte[] buf;
        int start;
        int end;
        int count;
        /** The size Redis's listpack of these elements would have (its {@code sz}). */
        long lpBytes = LP_EMPTY;
        /** A node made for one element larger than the node limit (Redis's plain node). */
        boolean plain;
        /** The LZF form of {@code buf[start, end)} while compressed (then {@code buf} is null). */
        byte[] lzf;
        /** The raw length of a compressed node. */
        int rawLen;
        /** Raw length at the last failed compression attempt (not retried at the same length). */
        int failedLen = -1;
        /** Removed from the list (a touched node may be dropped before {@link #settle}). */
        boolean dead;
        /** Listed in {@code touched}. */
        boolean touched;
        /** Equals the list's epoch while the node is in an end zone during {@link #settle}. */
        long zone;

        Node(int capacity, int start) {
            buf = new byte[capacity];
            this.start = start;
            end = start;
        }

        Node copy() {
            Node n = new Node(0, 0);
            if (buf == null) {
                n.buf = null;
                n.lzf = lzf.clone();
                n.rawLen = rawLen;
            } else {
                n.buf = Arrays.copyOfRange(buf, start, end);
                n.start = 0;
                n.end = n.buf.length;
            }
            n.failedLen = failedLen;
            n.count = count;
            n.lpBytes = lpBytes;
            n.plain = plain;
            return n;
        }
    }

    /** Receives elements without copying them. Return false to stop. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(byte[] buf, int offset, int length);
    }

    private Node[] ring = new Node[2];
    private int first;
    private int nodes;
    private long size;
    private boolean packed = true;
    /** list-compress-depth in effect for this list (0: no compression). */
    private int depth;
    private int compressedNodes;
    /** Nodes decompressed or added during the current operation (lazily allocated). */
    private Node[] touched;
    private int touchedCount;
    private long epoch;

    public ListValue() {
    }

    /**
     * Applies Redis's {@code list-compress-depth} (0: none; N: keep N raw nodes at each end and
     * compress the rest). The command code passes the configured value before changing the list;
     * a changed depth is applied to the whole list at once.
     */
    public void compressDepth(int depth) {
        int d = Math.max(0, depth);
        if (d == this.depth) {
            return;
        }
        this.depth = d;
        for (int i = 0; i < nodes; i++) {
            Node n = nodeAt(i);
            if (d > 0 && i >= d && i < nodes - d) {
                tryCompress(n);
            } else if (n.buf == null) {
                decompress(n);
            }
        }
    }

    /** The list-compress-depth in effect. */
    public int compressDepth() {
        return depth;
    }

    /** Whether node {@code i} is held compressed (for tests). */
    boolean nodeCompressed(int i) {
        return nodeAt(i).buf == null;
    }

    /** Number of nodes currently held compressed. */
    public int compressedNodeCount() {
        return compressedNodes;
    }

    /** Number of elements. */
    public long size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Redis's OBJECT ENCODING name. */
    @Override
    public String encoding() {
        return packed ? "listpack" : "quicklist";
    }

    /** True while the list is in its compact one-node form. */
    public boolean isPacked() {
        return packed;
    }

    /** Number of nodes (1 or 0 for a packed list). */
    public int nodeCount() {
        return nodes;
    }

    /** A deep, independent copy. */
    @Override
    public ListValue copy() {
        ListValue l = new ListValue();
        l.ring = new Node[Math.max(2, ring.length)];
        for (int i = 0; i < nodes; i++) {
            l.ring[i] = nodeAt(i).copy();
        }
        l.first = 0;
        l.nodes = nodes;
        l.size = size;
        l.packed = packed;
        l.depth = depth;
        l.compressedNodes = compressedNodes;
        return l;
    }

    /** Approximate heap bytes used by the payload (MEMORY USAGE). */
    @Override
    public long memoryUsage() {
        long total = 32 + 16L + 4L * ring.length;
        for (int i = 0; i < nodes; i++) {
            total += nodeBytes(nodeAt(i));
        }
        return total;
    }

    /** {@link #memoryUsage()} in bounded time (long lists are sampled: {@link CollectionValue#sampledNodeBytes}). */
    @Override
    public long accountedBytes() {
        return 32 + 16L + 4L * ring.length + CollectionValue.sampledNodeBytes(nodes, i -> nodeBytes(nodeAt(i)));
    }

    private static long nodeBytes(Node n) {
        return 48 + 16 + (n.buf != null ? n.buf.length : 16 + n.lzf.length);
    }

    // ---------------------------------------------------------------- conversions (t_list.c)

    /** Whether a node of {@code bytes} (listpack size) and {@code count} elements exceeds {@code fill}. */
    static boolean exceedsLimit(int fill, long bytes, long count) {
        if (fill >= 0) {
            if (bytes > SIZE_SAFETY_LIMIT) {
                return true;
            }
            return count > (fill == 0 ? 1 : fill);
        }
        return bytes > sizeLimit(fill);
    }

    private static int sizeLimit(int fill) {
        int offset = -fill - 1;
        return SIZE_LEVELS[Math.min(offset, SIZE_LEVELS.length - 1)];
    }

    /** Whether an element is too large to share a node (Redis's isLargeElement). */
    private static boolean isLarge(long len, int fill) {
        if (fill >= 0) {
            return len > SIZE_SAFETY_LIMIT;
        }
        return len > sizeLimit(fill);
    }

    /**
     * Before adding {@code elements[from..to]}: turns a packed list into a quicklist when the
     * result would exceed the node limit (listTypeTryConvertListpack).
     */
    public void convertForAppend(int fill, byte[][] elements, int from, int to) {
        if (!packed) {
            return;
        }
        long addBytes = 0;
        for (int i = from; i <= to; i++) {
            addBytes += elements[i].length;
        }
        long bytes = nodes == 0 ? LP_EMPTY : ring[first].lpBytes;
        if (exceedsLimit(fill, bytes + addBytes, size + (to - from + 1))) {
            packed = false;
        }
    }

    /** {@link #convertForAppend} for one element. */
    public void convertForAppend(int fill, byte[] element) {
        if (packed) {
            long bytes = nodes == 0 ? LP_EMPTY : ring[first].lpBytes;
            if (exceedsLimit(fill, bytes + element.length, size + 1)) {
                packed = false;
            }
        }
    }

    /**
     * After removing elements: turns a one-node quicklist back into a packed list when it holds
     * no more than half the limit (listTypeTryConvertQuicklist with shrinking).
     */
    public void convertIfShrunk(int fill) {
        if (packed || nodes != 1) {
            return;
        }
        Node n = ring[first];
        if (n.plain) {
            return;
        }
        long szLimit;
        long countLimit;
        if (fill >= 0) {
            szLimit = Long.MAX_VALUE / 2;
            countLimit = (fill == 0 ? 1 : fill) / 2;
        } else {
            szLimit = sizeLimit(fill) / 2;
            countLimit = 0xffffffffL / 2;
        }
        if (n.lpBytes > szLimit || size > countLimit) {
            return;
        }
        packed = true;
    }

    // ---------------------------------------------------------------- element access

    /** Appends at the head ({@code head}) or the tail. */
    public void push(byte[] e, boolean head, int fill) {
        try {
            push0(e, head, fill);
        } finally {
            settle();
        }
    }

    private void push0(byte[] e, boolean head, int fill) {
        if (packed) {
            if (nodes == 0) {
                addNode(0, newNode(e.length));
            }
            Node n = ring[first];
            insertAt(n, head ? n.start : n.end, e);
            size++;
            return;
        }
        boolean large = isLarge(e.length, fill);
        int room = fill < 0 ? sizeLimit(fill) : 0;
        if (nodes > 0) {
            Node n = head ? node(0) : node(nodes - 1);
            if (!large && allowInsert(n, fill, e.length)) {
                // an end node fills up to the limit: grow it by doubling, not by a quarter
                insertAt(n, head ? n.start : n.end, e, Math.min(2 * n.buf.length, nodeByteLimit(fill)));
                size++;
                return;
            }
            compact(n);
            if (fill < 0 && !n.plain && n.lzf == null) {
                // the next node will most likely hold what the full one holds (same-sized pushes)
                room = Math.min(room, Math.max(n.end - n.start, e.length + 8));
            }
        }
        // The end node was full: this list grows by whole nodes, so the new one gets a full node's
        // room at once instead of growing (and being copied) element by element up to it.
        Node n = nodes > 0 && fill < 0 && !large ? new Node(room, head ? room : 0) : newNode(e.length);
        n.plain = large;
        insertAt(n, n.start, e);
        addNode(head ? 0 : nodes, n);
        size++;
    }

    /** The bytes a node of a quicklist is filled up to: the size limit, or the safety cap of a count limit. */
    private static int nodeByteLimit(int fill) {
        return fill < 0 ? sizeLimit(fill) : SIZE_SAFETY_LIMIT;
    }

    private static boolean allowInsert(Node n, int fill, int len) {
        if (n.plain) {
            return false;
        }
        return !exceedsLimit(fill, n.lpBytes + len + SIZE_ESTIMATE_OVERHEAD, n.count + 1L);
    }

    /** Removes and returns the head or tail element, or null when empty. */
    public byte[] pop(boolean head) {
        try {
            return pop0(head);
        } finally {
            settle();
        }
    }

    private byte[] pop0(boolean head) {
        if (size == 0) {
            return null;
        }
        int ni = head ? 0 : nodes - 1;
        Node n = node(ni);
        int p = endElement(n, head);
        byte[] e = read(n.buf, p);
        removeAt(ni, n, p);
        return e;
    }

    /** Offset in the end node {@code n} of its first ({@code head}) or last element. */
    private static int endElement(Node n, boolean head) {
        return head ? n.start : n.end - sizeBefore(n.buf, n.end);
    }

    /**
     * Removes the head or tail element after handing its bytes to {@code v} (which must not keep
     * them); false when the list is empty. A pop replied without a copy of the element.
     */
    public boolean popTo(boolean head, Visitor v) {
        try {
            if (size == 0) {
                return false;
            }
            int ni = head ? 0 : nodes - 1;
            Node n = node(ni);
            int p = endElement(n, head);
            int hs = headerSize(n.buf, p);
            v.visit(n.buf, p + hs, readLength(n.buf, p));
            removeAt(ni, n, p);
            return true;
        } finally {
            settle();
        }
    }

    /** The element at {@code index} (0-based from the head, already normalised), or null. */
    public byte[] get(long index) {
        try {
            return get0(index);
        } finally {
            settle();
        }
    }

    private byte[] get0(long index) {
        if (index < 0 || index >= size) {
            return null;
        }
        long[] loc = locate(index);
        Node n = node((int) loc[0]);
        return read(n.buf, offsetOf(n, (int) loc[1]));
    }

    /** Replaces the element at {@code index} (in range); the caller converts as LSET does. */
    public void set(long index, byte[] e, int fill) {
        try {
            set0(index, e, fill);
        } finally {
            settle();
        }
    }

    private void set0(long index, byte[] e, int fill) {
        long[] loc = locate(index);
        int ni = (int) loc[0];
        Node n = node(ni);
        int p = offsetOf(n, (int) loc[1]);
        // Remove then insert at the same place; a node that would grow past its limit is split.
        int fromEnd = n.end - p - sizeAt(n.buf, p);
        removeEntry(n, p);
        p = n.end - fromEnd;
        if (!packed && n.count > 0 && (isLarge(e.length, fill) || !fits(n, fill, e.length))) {
            int at = (int) loc[1];
            size--;
            insertSplitting(ni, n, at, e, fill);
        } else {
            if (n.count == 0) {
                n.plain = !packed && isLarge(e.length, fill);
            }
            insertAt(n, p, e);
        }
    }

    private static boolean fits(Node n, int fill, int len) {
        return !n.plain && !exceedsLimit(fill, n.lpBytes + len + SIZE_ESTIMATE_OVERHEAD, n.count + 1L);
    }

    /**
     * Inserts {@code e} before or after the first element equal to {@code pivot}; returns false
     * when there is no such element.
     */
    public boolean insert(byte[] pivot, byte[] e, boolean before, int fill) {
        try {
            return insert0(pivot, e, before, fill);
        } finally {
            settle();
        }
    }

    private boolean insert0(byte[] pivot, byte[] e, boolean before, int fill) {
        for (int ni = 0; ni < nodes; ni++) {
            Node n = node(ni);
            int p = n.start;
            for (int i = 0; i < n.count; i++) {
                int hs = headerSize(n.buf, p);
                int len = readLength(n.buf, p);
                if (equalsAt(n.buf, p + hs, len, pivot)) {
                    int at = before ? i : i + 1;
                    if (packed || fits(n, fill, e.length) && !isLarge(e.length, fill)) {
                        insertAt(n, before ? p : p + 2 * hs + len, e);
                        size++;
                    } else {
                        insertSplitting(ni, n, at, e, fill);
                    }
                    return true;
                }
                p += 2 * hs + len;
            }
        }
        return false;
    }

    /**
     * Puts {@code e} at position {@code at} of the full node {@code ni}: at an edge it goes to the
     * neighbour when that has room (or a new node), otherwise the node is split there.
     */
    private void insertSplitting(int ni, Node n, int at, byte[] e, int fill) {
        boolean large = isLarge(e.length, fill);
        if (at == n.count) {
            Node next = ni + 1 < nodes ? node(ni + 1) : null;
            if (!large && next != null && fits(next, fill, e.length)) {
                insertAt(next, next.start, e);
            } else {
                Node fresh = newNode(e.length);
                fresh.plain = large;
                insertAt(fresh, fresh.start, e);
                addNode(ni + 1, fresh);
            }
        } else if (at == 0) {
            Node prev = ni > 0 ? node(ni - 1) : null;
            if (!large && prev != null && fits(prev, fill, e.length)) {
                insertAt(prev, prev.end, e);
            } else {
                Node fresh = newNode(e.length);
                fresh.plain = large;
                insertAt(fresh, fresh.start, e);
                addNode(ni, fresh);
            }
        } else {
            // split: [0, at) stays, [at, count) moves to a new node after it
            int p = offsetOf(n, at);
            Node tail = new Node(n.end - p + 16, 8);
            int moved = n.count - at;
            int q = p;
            for (int i = 0; i < moved; i++) {
                int sz = sizeAt(n.buf, q);
                tail.lpBytes += lpEntrySize(n.buf, q + headerSize(n.buf, q), readLength(n.buf, q));
                q += sz;
            }
            System.arraycopy(n.buf, p, tail.buf, tail.start, n.end - p);
            tail.end = tail.start + (n.end - p);
            tail.count = moved;
            n.lpBytes -= tail.lpBytes - LP_EMPTY;
            n.count = at;
            n.end = p;
            addNode(ni + 1, tail);
            if (!large && fits(n, fill, e.length)) {
                insertAt(n, n.end, e);
            } else if (!large && fits(tail, fill, e.length)) {
                insertAt(tail, tail.start, e);
            } else {
                Node fresh = newNode(e.length);
                fresh.plain = large;
                insertAt(fresh, fresh.start, e);
                addNode(ni + 1, fresh);
            }
        }
        size++;
    }

    /**
     * Removes up to {@code count} elements equal to {@code value} (0: all), from the head when
     * {@code fromHead}, else from the tail; returns how many were removed.
     */
    public long remove(byte[] value, long count, boolean fromHead) {
        try {
            return remove0(value, count, fromHead);
        } finally {
            settle();
        }
    }

    private long remove0(byte[] value, long count, boolean fromHead) {
        long removed = 0;
        if (fromHead) {
            for (int ni = 0; ni < nodes; ) {
                Node n = node(ni);
                int p = n.start;
                while (p < n.end) {
                    int hs = headerSize(n.buf, p);
                    int len = readLength(n.buf, p);
                    if (equalsAt(n.buf, p + hs, len, value)) {
                        int fromEnd = n.end - (p + 2 * hs + len);
                        removeEntry(n, p);
                        p = n.end - fromEnd;
                        size--;
                        removed++;
                        if (count != 0 && removed == count) {
                            dropIfEmpty(ni, n);
                            return removed;
                        }
                    } else {
                        p += 2 * hs + len;
                    }
                }
                if (!dropIfEmpty(ni, n)) {
                    ni++;
                }
            }
        } else {
            for (int ni = nodes - 1; ni >= 0; ni--) {
                Node n = node(ni);
                int q = n.end;
                while (q > n.start) {
                    int sz = sizeBefore(n.buf, q);
                    int p = q - sz;
                    int hs = headerSize(n.buf, p);
                    int len = sz - 2 * hs;
                    if (equalsAt(n.buf, p + hs, len, value)) {
                        int fromEnd = n.end - q;
                        removeEntry(n, p);
                        size--;
                        removed++;
                        q = n.end - fromEnd;
                        if (count != 0 && removed == count) {
                            dropIfEmpty(ni, n);
                            return removed;
                        }
                    } else {
                        q = p;
                    }
                }
                dropIfEmpty(ni, n);
            }
        }
        return removed;
    }

    /** Keeps only the elements in {@code [start, end]} (normalised, start <= end < size). */
    public void trim(long start, long end) {
        removeRange(end + 1, size - end - 1);
        removeRange(0, start);
    }

    /** Removes {@code count} elements starting at {@code index}. */
    public void removeRange(long index, long count) {
        try {
            removeRange0(index, count);
        } finally {
            settle();
        }
    }

    private void removeRange0(long index, long count) {
        if (count <= 0) {
            return;
        }
        if (index == 0 && count == size) {
            clear();
            return;
        }
        long[] loc = locate(index);
        int ni = (int) loc[0];
        int at = (int) loc[1];
        while (count > 0) {
            Node n = nodeAt(ni);
            if (at == 0 && count >= n.count) {
                count -= n.count;
                size -= n.count;
                removeNode(ni);
                continue;
            }
            n = node(ni);
            int p = offsetOf(n, at);
            int take = (int) Math.min(count, n.count - at);
            int q = p;
            long lp = 0;
            for (int i = 0; i < take; i++) {
                lp += lpEntrySize(n.buf, q + headerSize(n.buf, q), readLength(n.buf, q));
                q += sizeAt(n.buf, q);
            }
            if (p == n.start) {
                n.start = q;
            } else if (q == n.end) {
                n.end = p;
            } else {
                System.arraycopy(n.buf, q, n.buf, p, n.end - q);
                n.end -= q - p;
            }
            n.count -= take;
            n.lpBytes -= lp;
            size -= take;
            count -= take;
            ni++;
            at = 0;
        }
    }

    private void clear() {
        for (int i = 0; i < nodes; i++) {
            nodeAt(i).dead = true;
        }
        compressedNodes = 0;
        Arrays.fill(ring, null);
        first = 0;
        nodes = 0;
        size = 0;
    }

    /**
     * Visits elements from {@code index} (normalised) towards the tail ({@code forward}) or the
     * head, until the visitor returns false or the list ends.
     */
    public void visit(long index, boolean forward, Visitor v) {
        try {
            visit0(index, forward, v);
        } finally {
            settle();
        }
    }

    private void visit0(long index, boolean forward, Visitor v) {
        if (index < 0 || index >= size) {
            return;
        }
        long[] loc = locate(index);
        int ni = (int) loc[0];
        Node n = node(ni);
        int p = offsetOf(n, (int) loc[1]);
        if (forward) {
            while (true) {
                while (p < n.end) {
                    int hs = headerSize(n.buf, p);
                    int len = readLength(n.buf, p);
                    if (!v.visit(n.buf, p + hs, len)) {
                        return;
                    }
                    p += 2 * hs + len;
                }
                if (++ni >= nodes) {
                    return;
                }
                n = node(ni);
                p = n.start;
            }
        }
        // backwards: p is the start of the first element to visit
        int q = p + sizeAt(n.buf, p);
        while (true) {
            while (q > n.start) {
                int sz = sizeBefore(n.buf, q);
                int s = q - sz;
                int hs = headerSize(n.buf, s);
                if (!v.visit(n.buf, s + hs, sz - 2 * hs)) {
                    return;
                }
                q = s;
            }
            if (--ni < 0) {
                return;
            }
            n = node(ni);
            q = n.end;
        }
    }

    /**
     * Whether node {@code i} is a plain node (one element larger than the node limit, Redis's
     * QUICKLIST_NODE_CONTAINER_PLAIN); for serialization node by node.
     */
    public boolean nodePlain(int i) {
        return nodeAt(i).plain;
    }

    /** Number of elements in node {@code i}. */
    public int nodeElements(int i) {
        return nodeAt(i).count;
    }

    /** Visits every element of node {@code i}, head to tail, until the visitor returns false. */
    public void visitNode(int i, Visitor v) {
        try {
            Node n = node(i);
            byte[] b = n.buf;
            for (int p = n.start; p < n.end; ) {
                int hs = headerSize(b, p);
                int len = readLength(b, p);
                if (!v.visit(b, p + hs, len)) {
                    return;
                }
                p += 2 * hs + len;
            }
        } finally {
            settle();
        }
    }

    // ---------------------------------------------------------------- nodes

    /** Node {@code i} ready for element access: decompressed (and remembered for {@link #settle}). */
    private Node node(int i) {
        Node n = ring[(first + i) & (ring.length - 1)];
        if (n.buf == null) {
            decompress(n);
            touch(n);
        } else if (depth > 0) {
            touch(n);
        }
        return n;
    }

    /** Node {@code i} as stored, possibly compressed: for counts and metadata only. */
    private Node nodeAt(int i) {
        return ring[(first + i) & (ring.length - 1)];
    }

    private void touch(Node n) {
        if (n.touched) {
            return;
        }
        if (touched == null) {
            touched = new Node[8];
        } else if (touchedCount == touched.length) {
            touched = Arrays.copyOf(touched, touchedCount * 2);
        }
        n.touched = true;
        touched[touchedCount++] = n;
    }

    /**
     * After an operation (__quicklistCompress): the nodes within {@code depth} of either end are
     * raw, and the inner nodes this operation touched, plus the first inner node at each side
     * (where nodes move in when the ends grow), are compressed when that pays.
     */
    private void settle() {
        if (depth == 0 || nodes <= 2L * depth) {
            if (compressedNodes > 0) {
                for (int i = 0; i < nodes; i++) {
                    Node n = nodeAt(i);
                    if (n.buf == null) {
                        decompress(n);
                    }
                }
            }
            clearTouched();
            return;
        }
        long mark = ++epoch;
        for (int i = 0; i < depth; i++) {
            Node h = nodeAt(i);
            Node t = nodeAt(nodes - 1 - i);
            h.zone = mark;
            t.zone = mark;
            if (h.buf == null) {
                decompress(h);
            }
            if (t.buf == null) {
                decompress(t);
            }
        }
        tryCompress(nodeAt(depth));
        tryCompress(nodeAt(nodes - 1 - depth));
        for (int i = 0; i < touchedCount; i++) {
            Node n = touched[i];
            if (n.zone != mark) {
                tryCompress(n);
            }
        }
        clearTouched();
    }

    private void clearTouched() {
        for (int i = 0; i < touchedCount; i++) {
            touched[i].touched = false;
            touched[i] = null;
        }
        touchedCount = 0;
    }

    /** __quicklistCompressNode: compresses a raw live node when it is big enough and it pays. */
    private void tryCompress(Node n) {
        if (n.dead || n.buf == null) {
            return;
        }
        int raw = n.end - n.start;
        if (raw < MIN_COMPRESS_BYTES || raw == n.failedLen) {
            n.failedLen = raw;
            return;
        }
        // kept only when compressed + MIN_COMPRESS_IMPROVE < raw
        byte[] c = Lzf.compress(n.buf, n.start, raw, raw - MIN_COMPRESS_IMPROVE - 1);
        if (c == null) {
            n.failedLen = raw;
            return;
        }
        n.lzf = c;
        n.rawLen = raw;
        n.buf = null;
        n.start = 0;
        n.end = 0;
        compressedNodes++;
    }

    private void decompress(Node n) {
        n.buf = Lzf.decompress(n.lzf, n.rawLen);
        n.start = 0;
        n.end = n.rawLen;
        n.lzf = null;
        compressedNodes--;
    }

    private static Node newNode(int elementLength) {
        int sz = elementLength + (elementLength < 128 ? 2 : 8);
        if (sz > 1024) {
            return new Node(sz, 0); // a large element: exactly its size
        }
        int cap = Math.max(32, sz + 16);
        return new Node(cap, cap / 2);
    }

    /**
     * Drops the spare room of a node that will not grow any more, when it is worth a copy: more
     * than a sixteenth of the node. A full node of a long list made by pushes is left as it is: its
     * spare room is less than one element (8 192-byte nodes of 100-byte elements cost 102.4 bytes
     * per element, a listpack 104), and copying it would double what a push allocates.
     */
    private static void compact(Node n) {
        int spare = n.buf.length - (n.end - n.start);
        if (spare > 16 && spare > n.buf.length / 16) {
            n.buf = Arrays.copyOfRange(n.buf, n.start, n.end);
            n.end -= n.start;
            n.start = 0;
        }
    }

    private void addNode(int index, Node n) {
        if (depth > 0) {
            touch(n);
        }
        if (nodes == ring.length) {
            Node[] bigger = new Node[ring.length * 2];
            for (int i = 0; i < nodes; i++) {
                bigger[i] = nodeAt(i);
            }
            ring = bigger;
            first = 0;
        }
        int mask = ring.length - 1;
        if (index == 0) {
            first = (first - 1) & mask;
            ring[first] = n;
        } else {
            for (int i = nodes; i > index; i--) {
                ring[(first + i) & mask] = ring[(first + i - 1) & mask];
            }
            ring[(first + index) & mask] = n;
        }
        nodes++;
    }

    private void removeNode(int index) {
        int mask = ring.length - 1;
        Node gone = nodeAt(index);
        gone.dead = true;
        if (gone.buf == null) {
            compressedNodes--;
        }
        if (index == 0) {
            ring[first] = null;
            first = (first + 1) & mask;
        } else {
            for (int i = index; i < nodes - 1; i++) {
                ring[(first + i) & mask] = ring[(first + i + 1) & mask];
            }
            ring[(first + nodes - 1) & mask] = null;
        }
        nodes--;
        if (nodes == 0) {
            first = 0;
        }
    }

    private boolean dropIfEmpty(int ni, Node n) {
        if (n.count == 0) {
            removeNode(ni);
            return true;
        }
        return false;
    }

    /** {node index, index within node} of element {@code index}. */
    private long[] locate(long index) {
        if (index < size / 2) {
            long seen = 0;
            for (int i = 0; i < nodes; i++) {
                Node n = nodeAt(i);
                if (index < seen + n.count) {
                    return new long[] {i, index - seen};
                }
                seen += n.count;
            }
        } else {
            long seen = size;
            for (int i = nodes - 1; i >= 0; i--) {
                Node n = nodeAt(i);
                seen -= n.count;
                if (index >= seen) {
                    return new long[] {i, index - seen};
                }
            }
        }
        throw new IndexOutOfBoundsException(Long.toString(index));
    }

    /** Byte offset of the {@code i}-th entry of a node (i may equal count: the end). */
    private static int offsetOf(Node n, int i) {
        if (i <= n.count / 2) {
            int p = n.start;
            for (int k = 0; k < i; k++) {
                p += sizeAt(n.buf, p);
            }
            return p;
        }
        int q = n.end;
        for (int k = n.count; k > i; k--) {
            q -= sizeBefore(n.buf, q);
        }
        return q;
    }

    private void removeAt(int ni, Node n, int p) {
        removeEntry(n, p);
        size--;
        dropIfEmpty(ni, n);
    }

    /** Removes the entry at {@code p}, keeping counts; the node may become empty. */
    private static void removeEntry(Node n, int p) {
        int hs = headerSize(n.buf, p);
        int len = readLength(n.buf, p);
        int sz = 2 * hs + len;
        n.lpBytes -= lpEntrySize(n.buf, p + hs, len);
        n.count--;
        if (p == n.start) {
            n.start += sz;
        } else if (p + sz == n.end) {
            n.end -= sz;
        } else if (p - n.start < n.end - p - sz) {
            System.arraycopy(n.buf, n.start, n.buf, n.start + sz, p - n.start);
            n.start += sz;
        } else {
            System.arraycopy(n.buf, p + sz, n.buf, p, n.end - p - sz);
            n.end -= sz;
        }
        int used = n.end - n.start;
        if (n.buf.length > 256 && used < n.buf.length / 4) {
            // give back memory once a node is mostly empty
            byte[] b = new byte[Math.max(64, used * 2)];
            int s = (b.length - used) / 2;
            System.arraycopy(n.buf, n.start, b, s, used);
            n.buf = b;
            n.start = s;
            n.end = s + used;
        }
    }

    /** Inserts {@code e} at byte offset {@code p} of the node. */
    private static void insertAt(Node n, int p, byte[] e) {
        insertAt(n, p, e, 0);
    }

    /**
     * Inserts {@code e} at byte offset {@code p} of the node; when the node's array must grow, its
     * new capacity is at least {@code minCapacity}.
     */
    private static void insertAt(Node n, int p, byte[] e, int minCapacity) {
        int len = e.length;
        int hs = len < 128 ? 1 : 4;
        int sz = 2 * hs + len;
        if (p == n.start && n.start >= sz) {
            n.start -= sz;
            p = n.start;
        } else if (p == n.end && n.buf.length - n.end >= sz) {
            n.end += sz;
        } else if (n.start >= sz && p - n.start <= n.end - p) {
            System.arraycopy(n.buf, n.start, n.buf, n.start - sz, p - n.start);
            n.start -= sz;
            p -= sz;
        } else if (n.buf.length - n.end >= sz) {
            System.arraycopy(n.buf, p, n.buf, p + sz, n.end - p);
            n.end += sz;
        } else {
            int used = n.end - n.start;
            int needed = used + sz;
            int cap = Math.max(minCapacity, needed + Math.max(16, needed < 1024 ? needed >> 1 : needed >> 2));
            byte[] b = new byte[cap];
            int free = cap - needed;
            int lead;
            if (p == n.start) {
                lead = free - Math.min(free, 16) ; // pushes at the head: room in front
            } else if (p == n.end) {
                lead = Math.min(free, 16);
            } else {
                lead = free / 2;
            }
            int before = p - n.start;
            System.arraycopy(n.buf, n.start, b, lead, before);
            System.arraycopy(n.buf, p, b, lead + before + sz, n.end - p);
            n.buf = b;
            n.start = lead;
            n.end = lead + needed;
            p = lead + before;
        }
        write(n.buf, p, e, hs);
        n.count++;
        n.lpBytes += lpEntrySize(e, 0, len);
    }

    // ---------------------------------------------------------------- entry encoding

    private static void write(byte[] b, int p, byte[] e, int hs) {
        int len = e.length;
        if (hs == 1) {
            b[p] = (byte) len;
            System.arraycopy(e, 0, b, p + 1, len);
            b[p + 1 + len] = (byte) len;
        } else {
            b[p] = (byte) (0x80 | (len >>> 24));
            b[p + 1] = (byte) (len >>> 16);
            b[p + 2] = (byte) (len >>> 8);
            b[p + 3] = (byte) len;
            System.arraycopy(e, 0, b, p + 4, len);
            int q = p + 4 + len;
            b[q] = (byte) (len >>> 23);
            b[q + 1] = (byte) (len >>> 15);
            b[q + 2] = (byte) (len >>> 7);
            b[q + 3] = (byte) (0x80 | (len & 0x7f));
        }
    }

    private static int headerSize(byte[] b, int p) {
        return (b[p] & 0x80) == 0 ? 1 : 4;
    }

    private static int readLength(byte[] b, int p) {
        int x = b[p] & 0xff;
        if (x < 128) {
            return x;
        }
        return ((x & 0x7f) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }

    private static int sizeAt(byte[] b, int p) {
        int hs = headerSize(b, p);
        return 2 * hs + readLength(b, p);
    }

    /** Size of the entry that ends at {@code q}. */
    private static int sizeBefore(byte[] b, int q) {
        int y = b[q - 1] & 0xff;
        if (y < 128) {
            return y + 2;
        }
        int len = (y & 0x7f) | ((b[q - 2] & 0xff) << 7) | ((b[q - 3] & 0xff) << 15) | ((b[q - 4] & 0xff) << 23);
        return len + 8;
    }

    private static byte[] read(byte[] b, int p) {
        int hs = headerSize(b, p);
        int len = readLength(b, p);
        return Arrays.copyOfRange(b, p + hs, p + hs + len);
    }

    private static boolean equalsAt(byte[] b, int off, int len, byte[] value) {
        return len == value.length && Arrays.equals(b, off, off + len, value, 0, len);
    }

    /**
     * The bytes this element takes in a Redis listpack: integers (strings that parse as a
     * 64-bit integer in canonical form) in 1..9 bytes, strings with a 1, 2 or 5 byte header,
     * plus the back-length.
     */
    static long lpEntrySize(byte[] b, int off, int len) {
        long enc;
        long v = Decimal.parse(b, off, len);
        if (v != Decimal.NOT_AN_INTEGER || Decimal.isMinLong(b, off, len)) {
            if (v >= 0 && v <= 127) {
                enc = 1;
            } else if (v >= -4096 && v <= 4095) {
                enc = 2;
            } else if (v >= -32768 && v <= 32767) {
                enc = 3;
            } else if (v >= -8388608 && v <= 8388607) {
                enc = 4;
            } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                enc = 5;
            } else {
                enc = 9;
            }
        } else if (len < 64) {
            enc = 1 + len;
        } else if (len < 4096) {
            enc = 2 + len;
        } else {
            enc = 5 + len;
        }
        int backlen;
        if (enc <= 127) {
            backlen = 1;
        } else if (enc < 16383) {
            backlen = 2;
        } else if (enc < 2097151) {
            backlen = 3;
        } else if (enc < 268435455) {
            backlen = 4;
        } else {
            backlen = 5;
        }
        return enc + backlen;
    }

}
