package dev.podis.storage.types;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The payload of a Redis stream (t_stream.c): entries in ID order, consumer groups with their
 * pending entries lists (PELs) and consumers.
 *
 * <p><b>Entries</b> are kept as Redis keeps them: in nodes, each a {@link Listpack} in Redis's own
 * byte layout, keyed by the ID of its first ("master") entry and held in ID order in parallel
 * arrays searched by bisection (Redis's radix tree has the same role). A node starts with the
 * master entry: live count, deleted count, the number of fields and the field names of the node's
 * first entry, and a 0. Every entry then is
 * {@code flags, ms-delta, seq-delta, [num-fields, field, value ...] | [value ...], lp-count}:
 * IDs are deltas against the master ID, and an entry whose field names equal the master's stores
 * only its values (flag SAMEFIELDS). XDEL and exact trimming inside a node only flag entries as
 * deleted; a node whose entries are all deleted is dropped. A new node is started when the tail
 * node would reach stream-node-max-bytes or holds stream-node-max-entries entries (deleted ones
 * included), exactly as Redis, so approximate trimming (which drops whole nodes) removes the same
 * entries as Redis. Sealed nodes are trimmed to their exact size; the tail node grows by half.
 *
 * <p><b>Persistence.</b> Everything an RDB codec needs is public: {@link #nodeCount()},
 * {@link #nodeMasterId(int)} and {@link #nodeListpack(int)} give the nodes exactly as RDB type
 * {@code STREAM_LISTPACKS_3} stores them (a 16-byte big-endian master ID and the listpack
 * blob), {@link #appendNode} adds a loaded node back, and the metadata is read and set through
 * {@link #length()}, {@link #lastId()}, {@link #firstId()}, {@link #maxDeletedId()},
 * {@link #entriesAdded()} and {@link #restoreMetadata}. Groups ({@link #groups()},
 * {@link #createGroup}) expose their last-delivered ID, entries-read, PEL of {@link Nack}s (delivery
 * time and count) and consumers (name, seen-time, active-time, own PEL sharing the group's Nack
 * objects), which is what the RDB stream group section holds.
 */
public final class StreamValue implements CollectionValue {
    public static final int FLAG_DELETED = 1;
    public static final int FLAG_SAMEFIELDS = 2;
    /** entries-read that is not known (Redis's SCG_INVALID_ENTRIES_READ). */
    public static final long INVALID_ENTRIES_READ = -1;
    /** Redis's STREAM_LISTPACK_MAX_SIZE: no node grows past it, whatever the configuration. */
    public static final long LISTPACK_MAX_SIZE = 1L << 30;

    private static final Comparator<byte[]> NAMES = Arrays::compareUnsigned;
    /** Most bytes a new tail node is given up front (Redis's STREAM_LISTPACK_MAX_PRE_ALLOCATE). */
    private static final int PREALLOCATE = 4096;

    private long[] nodeMs = new long[2];
    private long[] nodeSeq = new long[2];
    private byte[][] nodes = new byte[2][];
    private int nodeCount;

    private long length;
    private StreamId lastId = StreamId.MIN;
    private StreamId firstId = StreamId.MIN;
    private StreamId maxDeletedId = StreamId.MIN;
    private long entriesAdded;
    private TreeMap<byte[], Group> groups;

    // ------------------------------------------------------------------ groups, consumers, PEL

    /** A pending entry: delivered to {@link #consumer} and not acknowledged (Redis's streamNACK). */
    public static final class Nack {
        public long deliveryTime;
        public long deliveryCount;
        public Consumer consumer;

        public Nack(long deliveryTime, long deliveryCount, Consumer consumer) {
            this.deliveryTime = deliveryTime;
            this.deliveryCount = deliveryCount;
            this.consumer = consumer;
        }
    }

    /** A consumer of a group; its PEL shares {@link Nack} objects with the group's PEL. */
    public static final class Consumer {
        private final byte[] name;
        public long seenTime;
        /** Last successful interaction (a read or claim that delivered something), -1 for never. */
        public long activeTime = -1;
        private final TreeMap<StreamId, Nack> pel = new TreeMap<>();

        Consumer(byte[] name, long seenTime) {
            this.name = name;
            this.seenTime = seenTime;
        }

        public byte[] name() {
            return name;
        }

        public TreeMap<StreamId, Nack> pel() {
            return pel;
        }
    }

    /** A consumer group. */
    public static final class Group {
        private final byte[] name;
        public StreamId lastId;
        public long entriesRead;
        private final TreeMap<StreamId, Nack> pel = new TreeMap<>();
        private final TreeMap<byte[], Consumer> consumers = new TreeMap<>(NAMES);

        Group(byte[] name, StreamId lastId, long entriesRead) {
            this.name = name;
            this.lastId = lastId;
            this.entriesRead = entriesRead;
        }

        public byte[] name() {
            return name;
        }

        public TreeMap<StreamId, Nack> pel() {
            return pel;
        }

        /** Consumers by name, in Redis's (byte-wise) order. */
        public TreeMap<byte[], Consumer> consumers() {
            return consumers;
        }

        public Consumer consumer(byte[] consumerName) {
            return consumers.get(consumerName);
        }

        /** Creates a consumer; null when one of that name exists. */
        public Consumer createConsumer(byte[] consumerName, long now) {
            if (consumers.containsKey(consumerName)) {
                return null;
            }
            Consumer c = new Consumer(consumerName.clone(), now);
            consumers.put(c.name, c);
            return c;
        }

        /** Deletes a consumer and its pending entries (from the group's PEL too); returns how many it had. */
        public int deleteConsumer(Consumer c) {
            int pending = c.pel.size();
            for (StreamId id : c.pel.keySet()) {
                pel.remove(id);
            }
            consumers.remove(c.name);
            return pending;
        }
    }

    /** Groups by name, in Redis's (byte-wise) order; empty when none. */
    public Map<byte[], Group> groups() {
        return groups == null ? Map.of() : groups;
    }

    public int groupCount() {
        return groups == null ? 0 : groups.size();
    }

    public Group group(byte[] name) {
        return groups == null ? null : groups.get(name);
    }

    /** Creates a group; null when one of that name exists. */
    public Group createGroup(byte[] name, StreamId lastDelivered, long entriesRead) {
        if (groups == null) {
            groups = new TreeMap<>(NAMES);
        }
        if (groups.containsKey(name)) {
            return null;
        }
        Group g = new Group(name.clone(), lastDelivered, entriesRead);
        groups.put(g.name, g);
        return g;
    }

    public boolean destroyGroup(byte[] name) {
        return groups != null && groups.remove(name) != null;
    }

    // ------------------------------------------------------------------ metadata

    public long length() {
        return length;
    }

    public StreamId lastId() {
        return lastId;
    }

    /** The recorded first entry ID (0-0 when empty). */
    public StreamId firstId() {
        return firstId;
    }

    public StreamId maxDeletedId() {
        return maxDeletedId;
    }

    public long entriesAdded() {
        return entriesAdded;
    }

    /** XSETID: the last ID, and when given (not -1 / not null) entries-added and the max deleted ID. */
    public void setLastId(StreamId id, long entriesAddedOrMinus1, StreamId maxDeletedOrNull) {
        lastId = id;
        if (entriesAddedOrMinus1 != -1) {
            entriesAdded = entriesAddedOrMinus1;
        }
        if (maxDeletedOrNull != null && !maxDeletedOrNull.isZero()) {
            maxDeletedId = maxDeletedOrNull;
        }
    }

    /** Sets every piece of metadata at once (loading a stream saved elsewhere). */
    public void restoreMetadata(long length, StreamId last, StreamId first, StreamId maxDeleted, long added) {
        this.length = length;
        this.lastId = last;
        this.firstId = first;
        this.maxDeletedId = maxDeleted;
        this.entriesAdded = added;
    }

    // ------------------------------------------------------------------ nodes

    public int nodeCount() {
        return nodeCount;
    }

    public StreamId nodeMasterId(int i) {
        return new StreamId(nodeMs[i], nodeSeq[i]);
    }

    /** The node's listpack; the array may be longer than the listpack ({@link Listpack#bytes}). */
    public byte[] nodeListpack(int i) {
        return nodes[i];
    }

    /** Adds a node after the last one (loading); its master ID must be above every node's. */
    public void appendNode(StreamId master, byte[] listpack) {
        if (nodeCount == nodes.length) {
            int cap = nodeCount * 2;
            nodeMs = Arrays.copyOf(nodeMs, cap);
            nodeSeq = Arrays.copyOf(nodeSeq, cap);
            nodes = Arrays.copyOf(nodes, cap);
        }
        nodeMs[nodeCount] = master.ms();
        nodeSeq[nodeCount] = master.seq();
        nodes[nodeCount] = listpack;
        nodeCount++;
    }

    private void removeNodes(int from, int count) {
        if (count <= 0) {
            return;
        }
        int tail = nodeCount - from - count;
        System.arraycopy(nodeMs, from + count, nodeMs, from, tail);
        System.arraycopy(nodeSeq, from + count, nodeSeq, from, tail);
        System.arraycopy(nodes, from + count, nodes, from, tail);
        for (int i = nodeCount - count; i < nodeCount; i++) {
            nodes[i] = null;
        }
        nodeCount -= count;
        if (nodes.length > 16 && nodeCount < nodes.length / 4) {
            int cap = Math.max(nodeCount * 2, 2);
            nodeMs = Arrays.copyOf(nodeMs, cap);
            nodeSeq = Arrays.copyOf(nodeSeq, cap);
            nodes = Arrays.copyOf(nodes, cap);
        }
    }

    /** Index of the last node whose master ID is at most {@code (ms, seq)}, or -1. */
    private int floorNode(long ms, long seq) {
        int lo = 0;
        int hi = nodeCount - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (StreamId.compare(nodeMs[mid], nodeSeq[mid], ms, seq) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /**
     * The number of nodes Redis's radix tree would have for these node keys (XINFO STREAM
     * radix-tree-nodes): the 16-byte big-endian master IDs in a compressed trie, where every
     * branching point, every chain between them and every key is one node, and the root always
     * exists.
     */
    public long radixTreeNodes() {
        return nodeCount == 0 ? 1 : raxNodes(0, nodeCount, 0);
    }

    private long raxNodes(int lo, int hi, int depth) {
        if (hi - lo == 1) {
            return depth == 16 ? 1 : 2;
        }
        int split = depth;
        while (split < 16 && keyByte(lo, split) == keyByte(hi - 1, split)) {
            split++;
        }
        long n = (split > depth ? 1 : 0) + 1; // a chain down to the branching point, and the branch
        int from = lo;
        while (from < hi) {
            int b = keyByte(from, split);
            int to = from + 1;
            while (to < hi && keyByte(to, split) == b) {
                to++;
            }
            n += raxNodes(from, to, split + 1);
            from = to;
        }
        return n;
    }

    private int keyByte(int node, int depth) {
        long v = depth < 8 ? nodeMs[node] : nodeSeq[node];
        return (int) (v >>> (56 - 8 * (depth & 7))) & 0xFF;
    }

    // ------------------------------------------------------------------ appending

    /**
     * Appends an entry with ID {@code id} (which the caller checked is above {@link #lastId()})
     * and the {@code numFields} field/value pairs at {@code argv[start...]}, opening a new node as
     * Redis's streamAppendItem does.
     */
    public void append(StreamId id, byte[][] argv, int start, int numFields, long nodeMaxBytes, long nodeMaxEntries) {
        long totalLength = 0;
        for (int i = 0; i < numFields * 2; i++) {
            totalLength += argv[start + i].length;
        }
        long maxBytes = nodeMaxBytes == 0 || nodeMaxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : nodeMaxBytes;
        int tail = nodeCount - 1;
        byte[] lp = tail < 0 ? null : nodes[tail];
        if (lp != null) {
            boolean full = Listpack.bytes(lp) + totalLength >= maxBytes;
            if (!full && nodeMaxEntries > 0) {
                int p = Listpack.first(lp);
                long count = Listpack.getInt(lp, p) + Listpack.getInt(lp, Listpack.next(lp, p));
                full = count >= nodeMaxEntries;
            }
            if (full) {
                nodes[tail] = Listpack.shrinkToFit(lp);
                lp = null;
            }
        }
        int flags = 0;
        long masterMs;
        long masterSeq;
        if (lp == null) {
            masterMs = id.ms();
            masterSeq = id.seq();
            int size = 16; // the counters, flags, ID deltas and lp-counts
            for (int i = 0; i < numFields * 2; i++) {
                byte[] a = argv[start + i];
                // a field name is written twice: in the master entry and in the entry itself
                size += Listpack.elementSize(a, 0, a.length) * (i % 2 == 0 ? 2 : 1);
            }
            // A stream that already filled a node will fill this one too: start it at the node
            // size (Redis preallocates the same way) so appends do not copy; the node is trimmed
            // to its exact size when the next one starts. A first node starts small.
            int capacity = nodeCount == 0 ? size + 32 : (int) Math.min(maxBytes + size + 32, PREALLOCATE);
            lp = Listpack.create(Math.max(capacity, size + 32));
            lp = Listpack.appendInt(lp, 1);
            lp = Listpack.appendInt(lp, 0);
            lp = Listpack.appendInt(lp, numFields);
            for (int i = 0; i < numFields; i++) {
                byte[] f = argv[start + 2 * i];
                lp = Listpack.append(lp, f, 0, f.length);
            }
            lp = Listpack.appendInt(lp, 0);
            appendNode(id, lp);
            tail = nodeCount - 1;
            flags = FLAG_SAMEFIELDS;
        } else {
            masterMs = nodeMs[tail];
            masterSeq = nodeSeq[tail];
            int p = Listpack.first(lp);
            long count = Listpack.getInt(lp, p);
            lp = Listpack.replaceInt(lp, p, count + 1);
            p = Listpack.next(lp, p); // deleted
            p = Listpack.next(lp, p); // master field count
            long masterFields = Listpack.getInt(lp, p);
            if (masterFields == numFields) {
                Listpack.Element e = new Listpack.Element();
                int i = 0;
                for (; i < numFields; i++) {
                    p = Listpack.next(lp, p);
                    Listpack.get(lp, p, e);
                    byte[] f = argv[start + 2 * i];
                    if (!e.equalsBytes(f, 0, f.length)) {
                        break;
                    }
                }
                if (i == numFields) {
                    flags = FLAG_SAMEFIELDS;
                }
            }
        }
        lp = Listpack.appendInt(lp, flags);
        lp = Listpack.appendInt(lp, id.ms() - masterMs);
        lp = Listpack.appendInt(lp, id.seq() - masterSeq);
        boolean same = flags == FLAG_SAMEFIELDS;
        if (!same) {
            lp = Listpack.appendInt(lp, numFields);
        }
        for (int i = 0; i < numFields; i++) {
            if (!same) {
                byte[] f = argv[start + 2 * i];
                lp = Listpack.append(lp, f, 0, f.length);
            }
            byte[] v = argv[start + 2 * i + 1];
            lp = Listpack.append(lp, v, 0, v.length);
        }
        lp = Listpack.appendInt(lp, numFields + 3 + (same ? 0 : numFields + 1));
        nodes[tail] = lp;
        length++;
        entriesAdded++;
        lastId = id;
        if (length == 1) {
            firstId = id;
        }
    }

    // ------------------------------------------------------------------ iteration

    /** An iterator over entries in {@code [start, end]}, forward or reverse. */
    public Iterator iterator(StreamId start, StreamId end, boolean reverse) {
        return new Iterator(start == null ? StreamId.MIN : start, end == null ? StreamId.MAX : end, reverse, true);
    }

    /**
     * Walks entries as Redis's streamIterator: {@link #next()} moves to the next entry in range
     * (tombstones skipped unless asked for), then {@link #field} reads its pairs in order.
     */
    public final class Iterator {
        private final long startMs;
        private final long startSeq;
        private final long endMs;
        private final long endSeq;
        private final boolean reverse;
        private final boolean skipTombstones;
        private int node;
        private byte[] lp;
        private long masterMs;
        private long masterSeq;
        private int masterFields;
        private int masterFieldsStart;
        /** Forward: the element before the next entry's flags; reverse: the next candidate's lp-count. */
        private int cursor;

        private long ms;
        private long seq;
        private int numFields;
        private int flags;
        private int flagsPos;
        private int fieldPtr;
        private int valuePtr;

        Iterator(StreamId start, StreamId end, boolean reverse, boolean skipTombstones) {
            this.startMs = start.ms();
            this.startSeq = start.seq();
            this.endMs = end.ms();
            this.endSeq = end.seq();
            this.reverse = reverse;
            this.skipTombstones = skipTombstones;
            if (!reverse) {
                int n = start.isZero() ? 0 : floorNode(startMs, startSeq);
                node = Math.max(n, 0) - 1;
            } else {
                node = end.equals(StreamId.MAX) ? nodeCount : floorNode(endMs, endSeq) + 1;
            }
        }

        private boolean openNode() {
            node += reverse ? -1 : 1;
            if (node < 0 || node >= nodeCount) {
                return false;
            }
            lp = nodes[node];
            masterMs = nodeMs[node];
            masterSeq = nodeSeq[node];
            int p = Listpack.first(lp);
            p = Listpack.next(lp, p);
            p = Listpack.next(lp, p);
            masterFields = (int) Listpack.getInt(lp, p);
            p = Listpack.next(lp, p);
            masterFieldsStart = p;
            if (!reverse) {
                for (int i = 0; i < masterFields; i++) {
                    p = Listpack.next(lp, p);
                }
                cursor = p; // the master entry's terminating 0
            } else {
                cursor = Listpack.last(lp);
            }
            return true;
        }

        /** Moves to the next entry in range; false at the end. */
        public boolean next() {
            while (true) {
                if (lp == null) {
                    if (!openNode()) {
                        return false;
                    }
                }
                int p;
                if (!reverse) {
                    p = Listpack.next(lp, cursor);
                    if (p < 0) {
                        lp = null;
                        continue;
                    }
                } else {
                    long lpCount = Listpack.getInt(lp, cursor);
                    if (lpCount == 0) {
                        lp = null;
                        continue;
                    }
                    p = cursor;
                    for (long i = 0; i < lpCount; i++) {
                        p = Listpack.prev(lp, p);
                    }
                }
                int countPos = parse(p);
                cursor = reverse ? Listpack.prev(lp, p) : countPos;
                if ((flags & FLAG_DELETED) != 0 && skipTombstones) {
                    continue;
                }
                if (!reverse) {
                    if (StreamId.compare(ms, seq, startMs, startSeq) >= 0) {
                        if (StreamId.compare(ms, seq, endMs, endSeq) > 0) {
                            return false;
                        }
                        return true;
                    }
                } else if (StreamId.compare(ms, seq, endMs, endSeq) <= 0) {
                    if (StreamId.compare(ms, seq, startMs, startSeq) < 0) {
                        return false;
                    }
                    return true;
                }
            }
        }

        /** Reads the entry whose flags are at {@code p}; returns the position of its lp-count. */
        private int parse(int p) {
            flagsPos = p;
            flags = (int) Listpack.getInt(lp, p);
            p = Listpack.next(lp, p);
            ms = masterMs + Listpack.getInt(lp, p);
            p = Listpack.next(lp, p);
            seq = masterSeq + Listpack.getInt(lp, p);
            p = Listpack.next(lp, p);
            int skip;
            if ((flags & FLAG_SAMEFIELDS) != 0) {
                numFields = masterFields;
                fieldPtr = masterFieldsStart;
                skip = numFields;
            } else {
                numFields = (int) Listpack.getInt(lp, p);
                p = Listpack.next(lp, p);
                fieldPtr = -1;
                skip = numFields * 2;
            }
            valuePtr = p;
            for (int i = 0; i < skip; i++) {
                p = Listpack.next(lp, p);
            }
            return p;
        }

        public long ms() {
            return ms;
        }

        public long seq() {
            return seq;
        }

        public StreamId id() {
            return new StreamId(ms, seq);
        }

        public int numFields() {
            return numFields;
        }

        public boolean deleted() {
            return (flags & FLAG_DELETED) != 0;
        }

        /** Reads the next field and value of the current entry. */
        public void field(Listpack.Element field, Listpack.Element value) {
            if (fieldPtr >= 0) {
                Listpack.get(lp, fieldPtr, field);
                fieldPtr = Listpack.next(lp, fieldPtr);
            } else {
                Listpack.get(lp, valuePtr, field);
                valuePtr = Listpack.next(lp, valuePtr);
            }
            Listpack.get(lp, valuePtr, value);
            valuePtr = Listpack.next(lp, valuePtr);
        }

        /** A handle on the current entry for {@link #seek}, valid while the stream is not changed. */
        public long position() {
            return (long) node << 32 | flagsPos;
        }

        /** Makes the entry at {@code position} (from {@link #position}) current, to read its fields again. */
        public void seek(long position) {
            int n = (int) (position >>> 32);
            if (lp == null || n != node) {
                node = n + (reverse ? 1 : -1);
                openNode();
            }
            parse((int) position);
        }
    }

    /** True if an entry with this ID exists (and is not deleted). */
    public boolean exists(StreamId id) {
        Iterator it = iterator(id, id, false);
        return it.next();
    }

    /** The last live entry's ID, or null when empty (streamLastValidID). */
    public StreamId lastValidId() {
        Iterator it = iterator(null, null, true);
        return it.next() ? it.id() : null;
    }

    /** The first live entry's ID, or null when empty. */
    public StreamId firstValidId() {
        Iterator it = iterator(null, null, false);
        return it.next() ? it.id() : null;
    }

    /** The first entry's ID, tombstones included (streamGetEdgeID(first, no skip)), or null. */
    public StreamId firstIdWithTombstones() {
        Iterator it = new Iterator(StreamId.MIN, StreamId.MAX, false, false);
        return it.next() ? it.id() : null;
    }

    // ------------------------------------------------------------------ removal

    /** XDEL of one ID; true if a live entry was removed. Updates length, first ID and max deleted ID. */
    public boolean delete(StreamId id) {
        int n = floorNode(id.ms(), id.seq());
        if (n < 0) {
            return false;
        }
        Iterator it = new Iterator(id, id, false, true);
        it.node = n - 1;
        if (!it.next()) {
            return false;
        }
        byte[] lp = nodes[it.node];
        lp = Listpack.replaceInt(lp, it.flagsPos, it.flags | FLAG_DELETED);
        int p = Listpack.first(lp);
        long live = Listpack.getInt(lp, p);
        if (live == 1) {
            removeNodes(it.node, 1);
        } else {
            lp = Listpack.replaceInt(lp, p, live - 1);
            p = Listpack.next(lp, p);
            lp = Listpack.replaceInt(lp, p, Listpack.getInt(lp, p) + 1);
            nodes[it.node] = lp;
        }
        length--;
        if (id.compareTo(maxDeletedId) > 0) {
            maxDeletedId = id;
        }
        if (length == 0) {
            firstId = StreamId.MIN;
        } else if (id.equals(firstId)) {
            firstId = firstValidId();
        }
        return true;
    }

    /**
     * Trims from the head (streamTrim): by {@code maxLen} when {@code minId} is null, else every
     * entry below {@code minId}. {@code approx} removes whole nodes only; {@code limit} (0 for
     * none) caps the entries removed. Returns the number removed.
     */
    public long trim(long maxLen, StreamId minId, boolean approx, long limit) {
        boolean byLength = minId == null;
        long deleted = 0;
        int dropFrom = 0;
        int drop = 0;
        for (int n = 0; n < nodeCount; n++) {
            if (byLength && length <= maxLen) {
                break;
            }
            byte[] lp = nodes[n];
            int p = Listpack.first(lp);
            long entries = Listpack.getInt(lp, p);
            if (limit != 0 && deleted + entries > limit) {
                break;
            }
            boolean removeNode;
            if (byLength) {
                removeNode = length - entries >= maxLen;
            } else {
                Iterator last = new Iterator(StreamId.MIN, StreamId.MAX, true, false);
                last.node = n + 1;
                StreamId lastInNode = last.next() && last.node == n ? last.id() : StreamId.MIN;
                removeNode = lastInNode.compareTo(minId) < 0;
            }
            if (removeNode) {
                drop++;
                length -= entries;
                deleted += entries;
                continue;
            }
            if (approx) {
                break;
            }
            // mark entries deleted inside this node until the condition holds
            Iterator it = new Iterator(StreamId.MIN, StreamId.MAX, false, false);
            it.node = n - 1;
            it.openNode();
            long deletedHere = 0;
            while (true) {
                int q = Listpack.next(it.lp, it.cursor);
                if (q < 0) {
                    break;
                }
                int countPos = it.parse(q);
                it.cursor = countPos;
                boolean stop = byLength ? length <= maxLen
                        : StreamId.compare(it.ms, it.seq, minId.ms(), minId.seq()) >= 0;
                if (stop) {
                    break;
                }
                if ((it.flags & FLAG_DELETED) == 0) {
                    // same size: flags stay one byte
                    it.lp = Listpack.replaceInt(it.lp, it.flagsPos, it.flags | FLAG_DELETED);
                    deletedHere++;
                    length--;
                }
            }
            lp = it.lp;
            p = Listpack.first(lp);
            lp = Listpack.replaceInt(lp, p, entries - deletedHere);
            p = Listpack.next(lp, p);
            lp = Listpack.replaceInt(lp, p, Listpack.getInt(lp, p) + deletedHere);
            nodes[n] = lp;
            deleted += deletedHere;
            break;
        }
        removeNodes(dropFrom, drop);
        if (length == 0) {
            firstId = StreamId.MIN;
        } else if (deleted > 0) {
            firstId = firstValidId();
        }
        return deleted;
    }

    // ------------------------------------------------------------------ consumer group counters

    /** True when {@code [start, end]} (null for open) may hold a tombstone (streamRangeHasTombstones). */
    public boolean rangeHasTombstones(StreamId start, StreamId end) {
        if (length == 0 || maxDeletedId.isZero()) {
            return false;
        }
        if (firstId.compareTo(maxDeletedId) > 0) {
            return false;
        }
        StreamId s = start == null ? StreamId.MIN : start;
        StreamId e = end == null ? StreamId.MAX : end;
        return s.compareTo(maxDeletedId) <= 0 && maxDeletedId.compareTo(e) <= 0;
    }

    /**
     * The logical read counter of {@code id} (streamEstimateDistanceFromFirstEverEntry), or
     * {@link #INVALID_ENTRIES_READ} when it cannot be known.
     */
    public long estimateDistance(StreamId id) {
        if (entriesAdded == 0) {
            return 0;
        }
        if (length == 0 && id.compareTo(lastId) < 1) {
            return entriesAdded;
        }
        int cmpLast = id.compareTo(lastId);
        if (cmpLast == 0) {
            return entriesAdded;
        }
        if (cmpLast > 0) {
            return INVALID_ENTRIES_READ;
        }
        int cmpFirst = id.compareTo(firstId);
        if (maxDeletedId.isZero() || maxDeletedId.compareTo(firstId) < 0) {
            if (cmpFirst < 0) {
                return entriesAdded - length;
            }
            if (cmpFirst == 0) {
                return entriesAdded - length + 1;
            }
        }
        return INVALID_ENTRIES_READ;
    }

    /** {@link #lag} when the lag cannot be known (Redis replies a null then). */
    public static final long UNKNOWN_LAG = Long.MIN_VALUE;

    /**
     * The group's lag (entries added after its last-delivered ID; may be negative after an
     * XGROUP SETID with a larger ENTRIESREAD, as in Redis), or {@link #UNKNOWN_LAG}.
     */
    public long lag(Group g) {
        if (entriesAdded == 0) {
            return 0;
        }
        if (g.entriesRead != INVALID_ENTRIES_READ && !rangeHasTombstones(g.lastId, null)) {
            return entriesAdded - g.entriesRead;
        }
        long read = estimateDistance(g.lastId);
        return read == INVALID_ENTRIES_READ ? UNKNOWN_LAG : entriesAdded - read;
    }

    /** Moves the group's last-delivered ID to {@code id} (a delivered entry above it), keeping entries-read. */
    public void advanceGroup(Group g, StreamId id) {
        if (g.entriesRead != INVALID_ENTRIES_READ && !rangeHasTombstones(id, null)) {
            g.entriesRead++;
        } else if (entriesAdded != 0) {
            g.entriesRead = estimateDistance(id);
        }
        g.lastId = id;
    }

    // ------------------------------------------------------------------ CollectionValue

    @Override
    public String encoding() {
        return "stream";
    }

    @Override
    public StreamValue copy() {
        StreamValue s = new StreamValue();
        s.nodeMs = Arrays.copyOf(nodeMs, Math.max(nodeCount, 2));
        s.nodeSeq = Arrays.copyOf(nodeSeq, Math.max(nodeCount, 2));
        s.nodes = new byte[Math.max(nodeCount, 2)][];
        for (int i = 0; i < nodeCount; i++) {
            s.nodes[i] = Listpack.shrinkToFit(nodes[i]).clone();
        }
        s.nodeCount = nodeCount;
        s.restoreMetadata(length, lastId, firstId, maxDeletedId, entriesAdded);
        for (Group g : groups().values()) {
            Group ng = s.createGroup(g.name, g.lastId, g.entriesRead);
            for (Consumer c : g.consumers.values()) {
                Consumer nc = ng.createConsumer(c.name, c.seenTime);
                nc.activeTime = c.activeTime;
            }
            for (Map.Entry<StreamId, Nack> e : g.pel.entrySet()) {
                Nack n = e.getValue();
                Consumer owner = n.consumer == null ? null : ng.consumers.get(n.consumer.name);
                Nack nn = new Nack(n.deliveryTime, n.deliveryCount, owner);
                ng.pel.put(e.getKey(), nn);
                if (owner != null) {
                    owner.pel.put(e.getKey(), nn);
                }
            }
        }
        return s;
    }

    /**
     * Heap bytes held: node arrays and their index, plus groups, consumers and PEL entries at the
     * size of their Java objects (tree-map entries, IDs, Nacks).
     */
    @Override
    public long memoryUsage() {
        long total = 0;
        for (int i = 0; i < nodeCount; i++) {
            total += nodeBytes(i);
        }
        return total + otherBytes();
    }

    /**
     * {@link #memoryUsage()} in bounded time: long streams' nodes are sampled
     * ({@link CollectionValue#sampledNodeBytes}); groups and consumers are counted (their PELs by size).
     */
    @Override
    public long accountedBytes() {
        return CollectionValue.sampledNodeBytes(nodeCount, this::nodeBytes) + otherBytes();
    }

    private long nodeBytes(int i) {
        return (16 + nodes[i].length + 7) & ~7;
    }

    /** Everything but the nodes: the node index, groups, consumers and PEL entries. */
    private long otherBytes() {
        long total = 72 + 3L * (16 + 8L * nodes.length);
        if (groups != null) {
            total += 48;
            for (Group g : groups.values()) {
                total += 40 + 56 + 2 * 48 + ((16 + g.name.length + 7) & ~7);
                total += g.pel.size() * (40L + 24 + 32);
                for (Consumer c : g.consumers.values()) {
                    total += 40 + 40 + 48 + ((16 + c.name.length + 7) & ~7) + c.pel.size() * 40L;
                }
            }
        }
        return total;
    }
}
