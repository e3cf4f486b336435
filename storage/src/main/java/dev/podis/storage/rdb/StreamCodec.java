package dev.podis.storage.rdb;

import dev.podis.storage.types.StreamId;
import dev.podis.storage.types.StreamValue;

import java.io.IOException;
import java.util.Map;

/**
 * A stream in Redis's serialization (rdb.c, RDB_TYPE_STREAM_LISTPACKS, _2 and _3):
 *
 * <ol>
 *   <li>the node count, then per node its master ID as a 16-byte big-endian string (the radix tree
 *       key) and its listpack as a string, copied verbatim;</li>
 *   <li>the length and the last ID (ms, seq as lengths); from type _2 on also the first ID, the
 *       max deleted ID and entries-added;</li>
 *   <li>the group count, then per group its name, last-delivered ID, (from _2) entries-read as an
 *       unsigned length (-1 for unknown), its PEL (count, then per entry the raw 16-byte ID, the
 *       delivery time in milliseconds and the delivery count) and its consumers (count, then per
 *       consumer its name, seen-time, (from _3) active-time, and its PEL as raw IDs that must be in
 *       the group's PEL).</li>
 * </ol>
 *
 * <p>Reading validates every node in depth (the master entry, every entry's flags, ID deltas,
 * fields and lp-count back-pointer, as streamValidateListpackIntegrity, plus entry IDs ascending
 * across nodes, live and deleted counts matching the flags, and the live count matching the
 * stream's length) and the groups (duplicates, consumer PELs in the group's PEL, every pending
 * entry owned), so a corrupt payload is an {@link RdbException}, never a stream commands could
 * trip over. Older types fill in what they lack as Redis's loading does: type 15 takes the first
 * live entry as first ID, no max deleted ID, entries-added equal to the length and groups'
 * entries-read estimated; types 15 and 19 take the seen-time as active-time.
 */
final class StreamCodec {
    private StreamCodec() {
    }

    /** The stream type for an RDB version: _3 from version 11 (Redis 7.2), _2 before (Redis 7.0). */
    static int rdbType(int version) {
        return version >= 11 ? Rdb.TYPE_STREAM_LISTPACKS_3 : Rdb.TYPE_STREAM_LISTPACKS_2;
    }

    // ================================================================== writing

    static void write(RdbOutput out, StreamValue s, int type) throws IOException {
        int nodes = s.nodeCount();
        out.writeLength(nodes);
        byte[] key = new byte[16];
        for (int i = 0; i < nodes; i++) {
            idBytes(s.nodeMasterId(i), key, 0);
            out.writeString(key, 0, 16);
            byte[] lp = s.nodeListpack(i);
            out.writeString(lp, 0, dev.podis.storage.types.Listpack.bytes(lp));
        }
        out.writeLength(s.length());
        writeId(out, s.lastId());
        if (type != Rdb.TYPE_STREAM_LISTPACKS) {
            writeId(out, s.firstId());
            writeId(out, s.maxDeletedId());
            out.writeLength(s.entriesAdded());
        }
        out.writeLength(s.groupCount());
        for (StreamValue.Group g : s.groups().values()) {
            out.writeString(g.name());
            writeId(out, g.lastId);
            if (type != Rdb.TYPE_STREAM_LISTPACKS) {
                out.writeLength(g.entriesRead);
            }
            out.writeLength(g.pel().size());
            for (Map.Entry<StreamId, StreamValue.Nack> e : g.pel().entrySet()) {
                idBytes(e.getKey(), key, 0);
                out.write(key, 0, 16);
                out.writeMillis(e.getValue().deliveryTime);
                out.writeLength(e.getValue().deliveryCount);
            }
            out.writeLength(g.consumers().size());
            for (StreamValue.Consumer c : g.consumers().values()) {
                out.writeString(c.name());
                out.writeMillis(c.seenTime);
                if (type == Rdb.TYPE_STREAM_LISTPACKS_3) {
                    out.writeMillis(c.activeTime);
                }
                out.writeLength(c.pel().size());
                for (StreamId id : c.pel().keySet()) {
                    idBytes(id, key, 0);
                    out.write(key, 0, 16);
                }
            }
        }
    }

    private static void writeId(RdbOutput out, StreamId id) throws IOException {
        out.writeLength(id.ms());
        out.writeLength(id.seq());
    }

    /** streamEncodeID: ms then seq, both big endian, so byte order is ID order. */
    static void idBytes(StreamId id, byte[] dst, int off) {
        for (int i = 0; i < 8; i++) {
            dst[off + i] = (byte) (id.ms() >>> (56 - 8 * i));
            dst[off + 8 + i] = (byte) (id.seq() >>> (56 - 8 * i));
        }
    }

    static StreamId id(byte[] b, int off) {
        long ms = 0;
        long seq = 0;
        for (int i = 0; i < 8; i++) {
            ms = ms << 8 | (b[off + i] & 0xffL);
            seq = seq << 8 | (b[off + 8 + i] & 0xffL);
        }
        return new StreamId(ms, seq);
    }

    // ================================================================== reading

    static StreamValue read(RdbInput in, int type) throws IOException {
        StreamValue s = new StreamValue();
        int nodes = in.readCount("Stream listpacks");
        StreamId lastEntry = null;
        long live = 0;
        for (int i = 0; i < nodes; i++) {
            long at = in.offset();
            byte[] key = in.readString();
            if (key.length != 16) {
                throw in.corrupt("Stream node key entry is not the size of a stream ID", at);
            }
            StreamId master = id(key, 0);
            if (i > 0 && master.compareTo(s.nodeMasterId(i - 1)) <= 0) {
                throw in.corrupt("Stream node keys out of order", at);
            }
            at = in.offset();
            byte[] lp = in.readString();
            NodeCheck check = new NodeCheck(in, lp, at, master, lastEntry);
            check.run();
            lastEntry = check.lastEntry;
            live += check.live;
            s.appendNode(master, lp);
        }
        long length = in.readLength();
        StreamId last = readId(in);
        if (length != live) {
            throw in.corrupt("Stream length " + Long.toUnsignedString(length) + " does not match its " + live
                    + " live entries");
        }
        if (lastEntry != null && lastEntry.compareTo(last) > 0) {
            throw in.corrupt("Stream entry " + lastEntry + " is above the stream's last ID " + last);
        }
        StreamId first;
        StreamId maxDeleted;
        long added;
        if (type == Rdb.TYPE_STREAM_LISTPACKS) {
            s.restoreMetadata(length, last, StreamId.MIN, StreamId.MIN, length);
            StreamId f = s.firstValidId();
            first = f == null ? StreamId.MIN : f;
            maxDeleted = StreamId.MIN;
            added = length;
        } else {
            first = readId(in);
            maxDeleted = readId(in);
            added = in.readLength();
        }
        s.restoreMetadata(length, last, first, maxDeleted, added);

        int groups = in.readCount("Stream consumer groups");
        for (int g = 0; g < groups; g++) {
            long at = in.offset();
            byte[] name = in.readString();
            StreamId groupLast = readId(in);
            long entriesRead = type == Rdb.TYPE_STREAM_LISTPACKS ? s.estimateDistance(groupLast) : in.readLength();
            StreamValue.Group group = s.createGroup(name, groupLast, entriesRead);
            if (group == null) {
                throw in.corrupt("Duplicated consumer group name", at);
            }
            int pending = in.readCount("Stream PEL");
            byte[] raw = new byte[16];
            for (int p = 0; p < pending; p++) {
                at = in.offset();
                in.readFully(raw, 0, 16);
                StreamId id = id(raw, 0);
                long time = in.readMillis();
                long count = in.readLength();
                if (group.pel().putIfAbsent(id, new StreamValue.Nack(time, count, null)) != null) {
                    throw in.corrupt("Duplicated global PEL entry loading stream consumer group", at);
                }
            }
            int consumers = in.readCount("Stream consumers");
            for (int c = 0; c < consumers; c++) {
                at = in.offset();
                byte[] cname = in.readString();
                long seen = in.readMillis();
                long active = type == Rdb.TYPE_STREAM_LISTPACKS_3 ? in.readMillis() : seen;
                StreamValue.Consumer consumer = group.createConsumer(cname, seen);
                if (consumer == null) {
                    throw in.corrupt("Duplicate stream consumer detected", at);
                }
                consumer.activeTime = active;
                int owned = in.readCount("Stream consumer PEL");
                for (int p = 0; p < owned; p++) {
                    at = in.offset();
                    in.readFully(raw, 0, 16);
                    StreamId id = id(raw, 0);
                    StreamValue.Nack nack = group.pel().get(id);
                    if (nack == null) {
                        throw in.corrupt("Consumer entry not found in group global PEL", at);
                    }
                    if (nack.consumer != null) {
                        throw in.corrupt("Stream PEL entry owned by two consumers", at);
                    }
                    nack.consumer = consumer;
                    consumer.pel().put(id, nack);
                }
            }
            for (StreamValue.Nack nack : group.pel().values()) {
                if (nack.consumer == null) {
                    throw in.corrupt("Stream CG PEL entry without consumer");
                }
            }
        }
        return s;
    }

    private static StreamId readId(RdbInput in) throws IOException {
        long ms = in.readLength();
        long seq = in.readLength();
        return new StreamId(ms, seq);
    }

    /**
     * Walks one node's listpack as streamValidateListpackIntegrity does (deep), and checks the
     * entry IDs ascend from the master ID and after the previous node's entries.
     */
    private static final class NodeCheck {
        private final RdbInput in;
        private final Listpack.Reader r;
        private final long at;
        private final StreamId master;
        StreamId lastEntry;
        long live;

        NodeCheck(RdbInput in, byte[] lp, long at, StreamId master, StreamId previous) throws RdbException {
            this.in = in;
            this.at = at;
            this.master = master;
            this.lastEntry = previous;
            try {
                this.r = new Listpack.Reader(lp, lp.length);
            } catch (IllegalArgumentException e) {
                throw bad(e.getMessage());
            }
        }

        private RdbException bad(String why) {
            return in.corrupt("Stream listpack integrity check failed (" + why + ")", at);
        }

        private void element() throws RdbException {
            boolean more;
            try {
                more = r.next();
            } catch (IllegalArgumentException e) {
                throw bad(e.getMessage());
            }
            if (!more) {
                throw bad("listpack ends inside an entry");
            }
        }

        private long integer() throws RdbException {
            element();
            if (r.isInteger()) {
                return r.integer();
            }
            long v = canonical(r.array(), r.offset(), r.length());
            if (v == Long.MIN_VALUE) {
                throw bad("an integer element holds a string");
            }
            return v;
        }

        void run() throws RdbException {
            try {
                if (!r.next()) {
                    throw in.corrupt("Empty listpack inside stream", at);
                }
            } catch (IllegalArgumentException e) {
                throw bad(e.getMessage());
            }
            long count = r.isInteger() ? r.integer() : canonical(r.array(), r.offset(), r.length());
            long deleted = integer();
            long masterFields = integer();
            if (count < 0 || deleted < 0 || masterFields < 0 || count + deleted == 0) {
                throw bad("bad master entry counts");
            }
            for (long i = 0; i < masterFields; i++) {
                element();
            }
            if (integer() != 0) {
                throw bad("master entry without its terminator");
            }
            long seenLive = 0;
            long seenDeleted = 0;
            for (long n = 0; n < count + deleted; n++) {
                long flags = integer();
                long ms = master.ms() + integer();
                long seq = master.seq() + integer();
                if ((flags & ~(long) (StreamValue.FLAG_DELETED | StreamValue.FLAG_SAMEFIELDS)) != 0) {
                    throw bad("unknown entry flags " + flags);
                }
                StreamId id = new StreamId(ms, seq);
                if (id.compareTo(master) < 0 || (lastEntry != null && id.compareTo(lastEntry) <= 0)) {
                    throw bad("entry IDs out of order");
                }
                lastEntry = id;
                long fields = masterFields;
                long extra = 3;
                if ((flags & StreamValue.FLAG_SAMEFIELDS) == 0) {
                    fields = integer();
                    if (fields < 0 || fields > Integer.MAX_VALUE) {
                        throw bad("bad field count");
                    }
                    for (long i = 0; i < fields; i++) {
                        element();
                    }
                    extra += fields + 1;
                }
                for (long i = 0; i < fields; i++) {
                    element();
                }
                if (integer() != fields + extra) {
                    throw bad("entry with a wrong lp-count");
                }
                if ((flags & StreamValue.FLAG_DELETED) != 0) {
                    seenDeleted++;
                } else {
                    seenLive++;
                }
            }
            try {
                if (r.next()) {
                    throw bad("elements after the last entry");
                }
            } catch (IllegalArgumentException e) {
                throw bad(e.getMessage());
            }
            if (seenLive != count || seenDeleted != deleted) {
                throw bad("live and deleted counts do not match the entries");
            }
            live = count;
        }
    }

    /** string2ll's canonical decimal, or Long.MIN_VALUE when the bytes are not one. */
    private static long canonical(byte[] b, int off, int len) {
        if (len == 0 || len > 20) {
            return Long.MIN_VALUE;
        }
        boolean neg = b[off] == '-';
        int i = neg ? 1 : 0;
        if (i == len || (b[off + i] == '0' && len > i + 1) || (neg && b[off + i] == '0')) {
            return Long.MIN_VALUE;
        }
        long v = 0;
        for (; i < len; i++) {
            int d = b[off + i] - '0';
            if (d < 0 || d > 9) {
                return Long.MIN_VALUE;
            }
            if (v < (Long.MIN_VALUE + d) / 10) {
                return Long.MIN_VALUE;
            }
            v = v * 10 - d;
        }
        if (!neg) {
            if (v == Long.MIN_VALUE) {
                return Long.MIN_VALUE;
            }
            v = -v;
        }
        return v;
    }
}
