package dev.podis.storage.rdb;

import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.IntSet;
import dev.podis.storage.types.ListValue;
import dev.podis.storage.types.SetValue;
import dev.podis.storage.types.SortedSetValue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One value in Redis's serialization: what an RDB file holds after a key, and what DUMP and
 * RESTORE exchange (rdbSaveObjectType / rdbSaveObject / rdbLoadObject). One method per RDB type.
 *
 * <p><b>Writing</b> uses the RDB type Redis would use for the value's encoding, so that OBJECT
 * ENCODING matches after a round trip through Redis: strings as strings (small integers encoded
 * as integers, LZF when it pays), lists as quicklist 2 (one listpack per node, plain nodes for
 * large elements), intsets as intset blobs (Podis's intset is byte-compatible: copied), small
 * sets as listpacks from version 11 on (version 10 has no set listpack: a plain set), small
 * hashes and sorted sets as listpacks, large ones as plain hashes and binary-score sorted sets
 * (written tail first, as Redis does).
 *
 * <p><b>Reading</b> accepts every type of RDB versions 9 to 12 that Podis holds, including
 * ziplists and zipmaps of older files, into Podis's own encodings at the configured thresholds
 * ({@link EncodingLimits}), converting where Redis's loading converts. Every blob is validated
 * (bounds, back-lengths, counts, order, duplicates) so that corrupt input is an
 * {@link RdbException}, never a broken value. Streams, modules and hashes with field expiry are
 * {@link RdbException.Unsupported}.
 *
 * <p>An instance keeps scratch buffers: use one per thread.
 */
public final class ValueCodec {
    private final Listpack.Writer lp = new Listpack.Writer();

    // ================================================================== writing

    /** The RDB type byte for {@code v} in a file or payload of RDB {@code version}. */
    public static int rdbType(StoredValue v, int version) {
        switch (v.type()) {
            case STRING:
                return Rdb.TYPE_STRING;
            case LIST:
                return Rdb.TYPE_LIST_QUICKLIST_2;
            case SET: {
                SetValue s = (SetValue) v.object();
                if (s.intSet() != null) {
                    return Rdb.TYPE_SET_INTSET;
                }
                return "listpack".equals(s.encoding()) && version >= 11 ? Rdb.TYPE_SET_LISTPACK : Rdb.TYPE_SET;
            }
            case ZSET:
                return ((SortedSetValue) v.object()).isCompact() ? Rdb.TYPE_ZSET_LISTPACK : Rdb.TYPE_ZSET_2;
            case HASH:
                return ((HashValue) v.object()).isPacked() ? Rdb.TYPE_HASH_LISTPACK : Rdb.TYPE_HASH;
            default:
                return Rdb.TYPE_STREAM_LISTPACKS_3;
        }
    }

    /** Writes the value's type byte and body (rdbSaveObjectType + rdbSaveObject), as DUMP does. */
    public void write(RdbOutput out, StoredValue v, int version) throws IOException {
        int type = rdbType(v, version);
        out.writeByte(type);
        writeBody(out, v, type);
    }

    /** Writes the value's body for RDB type {@code type} (from {@link #rdbType}): rdbSaveObject. */
    public void writeBody(RdbOutput out, StoredValue v, int type) throws IOException {
        try {
            switch (v.type()) {
                case STRING:
                    out.writeString(v.bytes());
                    break;
                case LIST:
                    writeList(out, (ListValue) v.object());
                    break;
                case SET:
                    writeSet(out, (SetValue) v.object(), type);
                    break;
                case ZSET:
                    writeZset(out, (SortedSetValue) v.object());
                    break;
                case HASH:
                    writeHash(out, (HashValue) v.object());
                    break;
                default:
                    writeStream(out, v);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void writeList(RdbOutput out, ListValue l) throws IOException {
        int nodes = l.nodeCount();
        out.writeLength(nodes);
        for (int i = 0; i < nodes; i++) {
            if (l.nodePlain(i)) {
                out.writeLength(Rdb.QUICKLIST_PLAIN);
                byte[][] one = new byte[1][];
                l.visitNode(i, (b, off, len) -> {
                    one[0] = java.util.Arrays.copyOfRange(b, off, off + len);
                    return false;
                });
                out.writeString(one[0]);
            } else {
                out.writeLength(Rdb.QUICKLIST_PACKED);
                Listpack.Writer w = lp.reset();
                l.visitNode(i, (b, off, len) -> {
                    w.add(b, off, len);
                    return true;
                });
                out.writeString(w.array(), 0, w.finish());
            }
        }
    }

    private void writeSet(RdbOutput out, SetValue s, int type) throws IOException {
        if (type == Rdb.TYPE_SET_INTSET) {
            out.writeString(s.intSet().toBlob());
            return;
        }
        if (type == Rdb.TYPE_SET_LISTPACK) {
            Listpack.Writer w = lp.reset();
            s.forEach(new SetValue.MemberVisitor() {
                @Override
                public void bytes(byte[] a, int off, int len) {
                    w.add(a, off, len);
                }

                @Override
                public void integer(long v) {
                    w.addInteger(v);
                }
            });
            out.writeString(w.array(), 0, w.finish());
            return;
        }
        out.writeLength(s.size());
        s.forEach(new SetValue.MemberVisitor() {
            @Override
            public void bytes(byte[] a, int off, int len) {
                try {
                    out.writeString(a, off, len);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void integer(long v) {
                try {
                    out.writeLongAsString(v);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }

    private void writeZset(RdbOutput out, SortedSetValue z) throws IOException {
        int n = z.size();
        if (z.isCompact()) {
            Listpack.Writer w = lp.reset();
            for (SortedSetValue.Cursor c = z.at(0); c.valid(); c.next()) {
                w.add(c.memberArray(), c.memberOffset(), c.memberLength());
                addScore(w, c.score());
            }
            out.writeString(w.array(), 0, w.finish());
            return;
        }
        out.writeLength(n);
        // Highest rank first: Redis loads it with O(1) inserts at the head of the skip list.
        for (SortedSetValue.Cursor c = z.at(n - 1); c.valid(); c.prev()) {
            out.writeString(c.memberArray(), c.memberOffset(), c.memberLength());
            out.writeBinaryDouble(c.score());
        }
    }

    /** A score as zzlInsertAt stores it: an integer when it is one (d2string + lpAppend), else its text. */
    private static void addScore(Listpack.Writer w, double score) {
        if (score == Math.rint(score) && Math.abs(score) < 0x1p62 && !(score == 0 && 1 / score < 0)) {
            w.addInteger((long) score);
            return;
        }
        byte[] t = scoreText(score).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        w.add(t, 0, t.length);
    }

    private static String scoreText(double score) {
        if (Double.isInfinite(score)) {
            return score > 0 ? "inf" : "-inf";
        }
        if (score == 0) {
            return "-0";
        }
        // The shortest text that reads back as the same double (as Redis 7.2's fpconv_dtoa).
        return Double.toString(score).replace('E', 'e');
    }

    private void writeHash(RdbOutput out, HashValue h) throws IOException {
        if (h.isPacked()) {
            Listpack.Writer w = lp.reset();
            h.forEach((f, fo, fl, v, vo, vl) -> {
                w.add(f, fo, fl);
                w.add(v, vo, vl);
            });
            out.writeString(w.array(), 0, w.finish());
            return;
        }
        out.writeLength(h.size());
        h.forEach((f, fo, fl, v, vo, vl) -> {
            try {
                out.writeString(f, fo, fl);
                out.writeString(v, vo, vl);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Streams are not held yet: their codec plugs in here (RDB_TYPE_STREAM_LISTPACKS_3). */
    private void writeStream(RdbOutput out, StoredValue v) throws IOException {
        throw new RdbException.Unsupported("type " + v.type().redisName() + " not supported", out.size());
    }

    // ================================================================== reading

    /**
     * Reads a value body of RDB type {@code type} (the type byte already read).
     *
     * @return the value with {@code expireAt} and {@code lruOrLfu}, or null when it is an empty
     *         collection (Redis skips such keys when loading and refuses them in RESTORE)
     * @throws RdbException when the data is corrupt or the type is not held
     */
    public StoredValue read(RdbInput in, int type, EncodingLimits limits, long expireAt, int lruOrLfu) throws IOException {
        try {
            switch (type) {
                case Rdb.TYPE_STRING:
                    return StoredValue.decoded(ValueType.STRING, in.readString(), null, expireAt, lruOrLfu);
                case Rdb.TYPE_LIST:
                    return collection(ValueType.LIST, readList(in, limits), expireAt, lruOrLfu);
                case Rdb.TYPE_LIST_ZIPLIST:
                    return collection(ValueType.LIST, readListZiplist(in, limits), expireAt, lruOrLfu);
                case Rdb.TYPE_LIST_QUICKLIST:
                case Rdb.TYPE_LIST_QUICKLIST_2:
                    return collection(ValueType.LIST, readQuicklist(in, type, limits), expireAt, lruOrLfu);
                case Rdb.TYPE_SET:
                    return collection(ValueType.SET, readSet(in, limits), expireAt, lruOrLfu);
                case Rdb.TYPE_SET_INTSET:
                    return collection(ValueType.SET, readIntset(in, limits), expireAt, lruOrLfu);
                case Rdb.TYPE_SET_LISTPACK:
                    return collection(ValueType.SET, readSetListpack(in, limits), expireAt, lruOrLfu);
                case Rdb.TYPE_ZSET:
                case Rdb.TYPE_ZSET_2:
                    return collection(ValueType.ZSET, readZset(in, type, limits), expireAt, lruOrLfu);
                case Rdb.TYPE_ZSET_ZIPLIST:
                case Rdb.TYPE_ZSET_LISTPACK:
                    return collection(ValueType.ZSET, readZsetPacked(in, type, limits), expireAt, lruOrLfu);
                case Rdb.TYPE_HASH:
                    return collection(ValueType.HASH, readHash(in, limits), expireAt, lruOrLfu);
                case Rdb.TYPE_HASH_ZIPMAP:
                case Rdb.TYPE_HASH_ZIPLIST:
                case Rdb.TYPE_HASH_LISTPACK:
                    return collection(ValueType.HASH, readHashPacked(in, type, limits), expireAt, lruOrLfu);
                case Rdb.TYPE_STREAM_LISTPACKS:
                case Rdb.TYPE_STREAM_LISTPACKS_2:
                case Rdb.TYPE_STREAM_LISTPACKS_3:
                    return readStream(in, type, expireAt, lruOrLfu);
                default:
                    if (Rdb.isValueType(type)) {
                        throw new RdbException.Unsupported("type " + Rdb.typeName(type) + " not supported at offset "
                                + in.offset(), in.offset());
                    }
                    throw in.corrupt("Unknown RDB encoding type " + type);
            }
        } catch (IllegalArgumentException e) {
            throw in.corrupt(e.getMessage());
        }
    }

    private static StoredValue collection(ValueType t, Object o, long expireAt, int lru) {
        return o == null ? null : StoredValue.decoded(t, null, o, expireAt, lru);
    }

    /** Streams are not held yet: their codec plugs in here (RDB_TYPE_STREAM_LISTPACKS, _2, _3). */
    private StoredValue readStream(RdbInput in, int type, long expireAt, int lru) throws IOException {
        throw new RdbException.Unsupported("type stream not supported at offset " + in.offset(), in.offset());
    }

    // ---- lists

    private static final class ListBuilder {
        final ListValue list = new ListValue();
        final int fill;
        final int depth;

        ListBuilder(EncodingLimits limits) {
            this.fill = limits.listMaxListpackSize;
            this.depth = limits.listCompressDepth;
        }

        void add(byte[] e) {
            list.convertForAppend(fill, e);
            list.push(e, false, fill);
        }

        ListValue done() {
            if (list.isEmpty()) {
                return null;
            }
            list.compressDepth(depth);
            return list;
        }
    }

    /** RDB_TYPE_LIST (RDB 6 and older): a count and the elements. */
    private ListValue readList(RdbInput in, EncodingLimits limits) throws IOException {
        int n = in.readCount("List");
        ListBuilder b = new ListBuilder(limits);
        for (int i = 0; i < n; i++) {
            b.add(in.readString());
        }
        return b.done();
    }

    /** RDB_TYPE_LIST_ZIPLIST: one ziplist blob. */
    private ListValue readListZiplist(RdbInput in, EncodingLimits limits) throws IOException {
        ListBuilder b = new ListBuilder(limits);
        Ziplist z = new Ziplist(in.readString());
        while (z.next()) {
            b.add(z.bytes());
        }
        return b.done();
    }

    /** RDB_TYPE_LIST_QUICKLIST (ziplist nodes) and _2 (container, then a listpack or one plain element). */
    private ListValue readQuicklist(RdbInput in, int type, EncodingLimits limits) throws IOException {
        int nodes = in.readCount("Quicklist");
        ListBuilder b = new ListBuilder(limits);
        for (int i = 0; i < nodes; i++) {
            long container = Rdb.QUICKLIST_PACKED;
            if (type == Rdb.TYPE_LIST_QUICKLIST_2) {
                container = in.readLength();
                if (container != Rdb.QUICKLIST_PACKED && container != Rdb.QUICKLIST_PLAIN) {
                    throw in.corrupt("Quicklist integrity check failed");
                }
            }
            long at = in.offset();
            byte[] data = in.readString();
            if (data.length == 0) {
                throw in.corrupt("Quicklist node is empty", at);
            }
            if (container == Rdb.QUICKLIST_PLAIN) {
                b.add(data);
            } else if (type == Rdb.TYPE_LIST_QUICKLIST_2) {
                Listpack.Reader r = listpack(in, data, at);
                while (next(in, r, at)) {
                    b.add(r.bytes());
                }
            } else {
                Ziplist z = ziplist(in, data, at);
                while (next(in, z, at)) {
                    b.add(z.bytes());
                }
            }
        }
        return b.done();
    }

    // ---- blobs that may be corrupt: errors name the blob's offset

    private static Listpack.Reader listpack(RdbInput in, byte[] data, long at) throws RdbException {
        try {
            return new Listpack.Reader(data, data.length);
        } catch (IllegalArgumentException e) {
            throw in.corrupt("Listpack integrity check failed (" + e.getMessage() + ")", at);
        }
    }

    private static boolean next(RdbInput in, Listpack.Reader r, long at) throws RdbException {
        try {
            return r.next();
        } catch (IllegalArgumentException e) {
            throw in.corrupt("Listpack integrity check failed (" + e.getMessage() + ")", at);
        }
    }

    private static Ziplist ziplist(RdbInput in, byte[] data, long at) throws RdbException {
        try {
            return new Ziplist(data);
        } catch (IllegalArgumentException e) {
            throw in.corrupt("Ziplist integrity check failed (" + e.getMessage() + ")", at);
        }
    }

    private static boolean next(RdbInput in, Ziplist z, long at) throws RdbException {
        try {
            return z.next();
        } catch (IllegalArgumentException e) {
            throw in.corrupt("Ziplist integrity check failed (" + e.getMessage() + ")", at);
        }
    }

    /** The entries of a listpack, ziplist or zipmap blob as byte arrays. */
    private static List<byte[]> entries(RdbInput in, int type, byte[] blob, long at) throws RdbException {
        List<byte[]> out = new ArrayList<>();
        if (type == Rdb.TYPE_HASH_ZIPMAP) {
            try {
                return Ziplist.zipmap(blob);
            } catch (IllegalArgumentException e) {
                throw in.corrupt("Zipmap integrity check failed (" + e.getMessage() + ")", at);
            }
        }
        if (type == Rdb.TYPE_ZSET_ZIPLIST || type == Rdb.TYPE_HASH_ZIPLIST) {
            Ziplist z = ziplist(in, blob, at);
            while (next(in, z, at)) {
                out.add(z.bytes());
            }
            return out;
        }
        Listpack.Reader r = listpack(in, blob, at);
        while (next(in, r, at)) {
            out.add(r.bytes());
        }
        return out;
    }

    // ---- sets

    /** RDB_TYPE_SET: a count and the members; an intset while they are integers, as Redis loads it. */
    private SetValue readSet(RdbInput in, EncodingLimits limits) throws IOException {
        int n = in.readCount("Set");
        if (n == 0) {
            return null;
        }
        long maxIntset = Math.min(limits.setMaxIntsetEntries, 1L << 30);
        SetValue s = null;
        for (int i = 0; i < n; i++) {
            long at = in.offset();
            byte[] m = in.readString();
            if (s == null) {
                s = n > maxIntset ? SetValue.create(m, n, -1, -1) : SetValue.newIntSet();
            }
            if (!s.add(m, limits.setMaxIntsetEntries, limits.setMaxListpackEntries, limits.setMaxListpackValue)) {
                throw in.corrupt("Duplicate set members detected", at);
            }
        }
        return s;
    }

    /** RDB_TYPE_SET_INTSET: an intset blob, byte-compatible with Podis's intset. */
    private SetValue readIntset(RdbInput in, EncodingLimits limits) throws IOException {
        long at = in.offset();
        byte[] blob = in.readString();
        IntSet ints;
        try {
            ints = IntSet.fromBlob(blob);
        } catch (IllegalArgumentException e) {
            throw in.corrupt("Intset integrity check failed (" + e.getMessage() + ")", at);
        }
        if (ints.size() == 0) {
            return null;
        }
        SetValue s = SetValue.of(ints);
        if (ints.size() > limits.setMaxIntsetEntries) {
            s.convertToTable(ints.size());
        }
        return s;
    }

    /** RDB_TYPE_SET_LISTPACK: a listpack of members; a hash table when over the entry limit. */
    private SetValue readSetListpack(RdbInput in, EncodingLimits limits) throws IOException {
        long at = in.offset();
        List<byte[]> members = entries(in, Rdb.TYPE_SET_LISTPACK, in.readString(), at);
        if (members.isEmpty()) {
            return null;
        }
        boolean table = members.size() > limits.setMaxListpackEntries;
        SetValue s = table ? SetValue.create(members.get(0), members.size(), -1, -1) : SetValue.newListpack();
        for (byte[] m : members) {
            if (!s.add(m, 0, Long.MAX_VALUE, Long.MAX_VALUE)) {
                throw in.corrupt("Set listpack integrity check failed (duplicate members)", at);
            }
        }
        return s;
    }

    // ---- sorted sets

    /** RDB_TYPE_ZSET (text scores) and _2 (binary scores): a listpack when it fits, as Redis converts after loading. */
    private SortedSetValue readZset(RdbInput in, int type, EncodingLimits limits) throws IOException {
        int n = in.readCount("Zset");
        if (n == 0) {
            return null;
        }
        List<byte[]> members = new ArrayList<>(Math.min(n, 1024));
        double[] scores = new double[Math.min(n, 1024)];
        long maxLen = 0;
        for (int i = 0; i < n; i++) {
            byte[] m = in.readString();
            long at = in.offset();
            double score = type == Rdb.TYPE_ZSET_2 ? in.readBinaryDouble() : in.readStringDouble();
            if (Double.isNaN(score)) {
                throw in.corrupt("Zset with NAN score detected", at);
            }
            if (i == scores.length) {
                scores = java.util.Arrays.copyOf(scores, scores.length * 2);
            }
            members.add(m);
            scores[i] = score;
            maxLen = Math.max(maxLen, m.length);
        }
        return zset(in, members, scores, maxLen, limits, limits.zsetMaxListpackEntries);
    }

    /** RDB_TYPE_ZSET_ZIPLIST and _LISTPACK: member, score pairs; a skip list when over the entry limit. */
    private SortedSetValue readZsetPacked(RdbInput in, int type, EncodingLimits limits) throws IOException {
        long at = in.offset();
        List<byte[]> entries = entries(in, type, in.readString(), at);
        if (entries.size() % 2 != 0) {
            throw in.corrupt("Zset listpack integrity check failed (odd number of entries)", at);
        }
        int n = entries.size() / 2;
        if (n == 0) {
            return null;
        }
        List<byte[]> members = new ArrayList<>(n);
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            members.add(entries.get(2 * i));
            byte[] t = entries.get(2 * i + 1);
            double score = RdbInput.parseDouble(t, 0, t.length);
            if (Double.isNaN(score)) {
                throw in.corrupt("Zset listpack integrity check failed (invalid score)", at);
            }
            scores[i] = score;
        }
        // Redis keeps a loaded listpack whatever its members' lengths: only the count converts it.
        return zset(in, members, scores, 0, limits, limits.zsetMaxListpackEntries);
    }

    private static SortedSetValue zset(RdbInput in, List<byte[]> members, double[] scores, long maxLen,
                                       EncodingLimits limits, long maxEntries) throws RdbException {
        int n = members.size();
        SortedSetValue z = SortedSetValue.create(n, maxLen, maxEntries, limits.zsetMaxListpackValue);
        for (int i = 0; i < n; i++) {
            byte[] m = members.get(i);
            if (z.contains(m)) {
                throw in.corrupt("Duplicate zset fields detected");
            }
            z.insert(m, scores[i], Long.MAX_VALUE, Long.MAX_VALUE);
        }
        return z;
    }

    // ---- hashes

    /** RDB_TYPE_HASH: a count and field, value pairs; a listpack while small, as Redis loads it. */
    private HashValue readHash(RdbInput in, EncodingLimits limits) throws IOException {
        int n = in.readCount("Hash");
        if (n == 0) {
            return null;
        }
        HashValue h = HashValue.create();
        if (n > limits.hashMaxListpackEntries) {
            h.convertToTable(n);
        }
        for (int i = 0; i < n; i++) {
            long at = in.offset();
            byte[] f = in.readString();
            byte[] v = in.readString();
            if (!h.set(f, v, Long.MAX_VALUE, limits.hashMaxListpackValue)) {
                throw in.corrupt("Duplicate hash fields detected", at);
            }
        }
        return h;
    }

    /** RDB_TYPE_HASH_ZIPMAP, _ZIPLIST and _LISTPACK: field, value pairs; a table when over the entry limit. */
    private HashValue readHashPacked(RdbInput in, int type, EncodingLimits limits) throws IOException {
        long at = in.offset();
        List<byte[]> entries = entries(in, type, in.readString(), at);
        if (entries.size() % 2 != 0) {
            throw in.corrupt("Hash listpack integrity check failed (odd number of entries)", at);
        }
        int n = entries.size() / 2;
        if (n == 0) {
            return null;
        }
        HashValue h = HashValue.create();
        if (n > limits.hashMaxListpackEntries) {
            h.convertToTable(n);
        }
        long maxValue = type == Rdb.TYPE_HASH_ZIPMAP ? limits.hashMaxListpackValue : Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (!h.set(entries.get(2 * i), entries.get(2 * i + 1), Long.MAX_VALUE, maxValue)) {
                throw in.corrupt("Hash listpack integrity check failed (duplicate fields)", at);
            }
        }
        return h;
    }
}
