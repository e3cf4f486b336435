package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Blocking;
import dev.podis.server.Client;
import dev.podis.server.KeyspaceEvents;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.config.ConfigValue;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.Listpack;
import dev.podis.storage.types.StreamId;
import dev.podis.storage.types.StreamValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The stream family (Redis's t_stream.c): XADD, XRANGE, XREVRANGE, XLEN, XREAD, XDEL, XTRIM,
 * XSETID, XINFO, and the consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM.
 *
 * <p>A stream is a {@link StreamValue} (listpack nodes in Redis's byte layout, groups, PELs)
 * held as an object payload and changed in place; unlike other collections an empty stream
 * stays in the keyspace. Replies, error texts and counters (entries-read, lag) follow Redis 7.2.
 *
 * <p>Blocking XREAD and XREADGROUP wait through {@link Blocking} and are served by running the
 * command again (Redis 7.2's reprocessing), with {@code $} replaced by the last ID seen when the
 * wait began. An XREADGROUP waiter is also woken when its key is deleted, changes type or loses
 * its group, and then answers the error that running the command gives (NOGROUP, WRONGTYPE).
 */
public final class StreamCommands implements CommandFamily {
    static final String INVALID_ID = "ERR Invalid stream ID specified as stream command argument";
    static final String NO_SUCH_KEY = "ERR no such key";
    private static final String HELP_SUFFIX = " HELP.";
    private static final StreamId GROUP_NEW = StreamId.MAX; // the ">" marker, as Redis

    private final ServerContext server;
    private final ConfigValue nodeMaxBytes;
    private final ConfigValue nodeMaxEntries;
    private final Listpack.Element fieldEl = new Listpack.Element();
    private final Listpack.Element valueEl = new Listpack.Element();

    public StreamCommands(ServerContext server) {
        this.server = server;
        this.nodeMaxBytes = server.config().value("stream-node-max-bytes");
        this.nodeMaxEntries = server.config().value("stream-node-max-entries");
    }

    @Override
    public void register(CommandTable t) {
        t.bindBorrowing("xadd", this::xadd); // keeps no argument: the entry is copied into a node, a new stream's key too
        t.bind("xrange", (c, argv) -> xrange(c, argv, false));
        t.bind("xrevrange", (c, argv) -> xrange(c, argv, true));
        t.bind("xlen", this::xlen);
        t.bind("xread", (c, argv) -> xread(c, argv, false, false));
        t.bind("xreadgroup", (c, argv) -> xread(c, argv, true, false));
        t.bind("xdel", this::xdel);
        t.bind("xtrim", this::xtrim);
        t.bind("xsetid", this::xsetid);
        t.bind("xack", this::xack);
        t.bind("xpending", this::xpending);
        t.bind("xclaim", this::xclaim);
        t.bind("xautoclaim", this::xautoclaim);
        for (String sub : new String[] {"create", "setid", "destroy", "createconsumer", "delconsumer", "help"}) {
            t.bind("xgroup|" + sub, this::xgroup);
        }
        t.bind("xinfo|stream", this::xinfo);
        t.bind("xinfo|groups", this::xinfo);
        t.bind("xinfo|consumers", this::xinfo);
        t.bind("xinfo|help", this::xinfo);
    }

    // ------------------------------------------------------------------ lookups and helpers

    private static final StreamValue WRONG = new StreamValue();

    /** The stream at {@code key}: null if missing, {@link #WRONG} after a WRONGTYPE reply. */
    private StreamValue read(Client c, byte[] key) {
        return Args.payload(c, server.lookupReadCollection(c, key), StreamValue.class, WRONG);
    }

    private StreamValue write(Client c, byte[] key) {
        return Args.payload(c, server.lookupWriteCollection(c, key), StreamValue.class, WRONG);
    }

    private long now() {
        return server.keyspace().now();
    }

    private static String text(byte[] b) {
        return Args.str(b);
    }

    /** getLongLongFromObjectOrReply; {@link Args#NOT_A_NUMBER} after replying. */
    private static long longOrReply(Client c, byte[] arg, String message) {
        long v = Args.parseLong(arg);
        if (v == Args.NOT_A_NUMBER && !Args.isLong(arg)) {
            c.error(message != null ? message : Args.NOT_INTEGER);
            return Args.NOT_A_NUMBER;
        }
        return v;
    }

    private static boolean failed(long v, byte[] arg) {
        return v == Args.NOT_A_NUMBER && !Args.isLong(arg);
    }

    private static String subcommandSyntax(byte[][] argv) {
        String sub = text(argv[1]);
        if (sub.length() > 128) {
            sub = sub.substring(0, 128);
        }
        return "ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try "
                + text(argv[0]).toUpperCase(java.util.Locale.ROOT) + HELP_SUFFIX;
    }

    // ------------------------------------------------------------------ IDs

    /**
     * Redis's streamGenericParseIDOrReply: {@code <ms>-<seq>}, {@code <ms>} (sequence
     * {@code missingSeq}), and unless {@code strict} "-" and "+". When {@code seqGiven} is not
     * null the form {@code <ms>-*} is accepted and sets it to false. Null after the error reply
     * (no reply when {@code c} is null).
     */
    static StreamId parseId(Client c, byte[] arg, long missingSeq, boolean strict, boolean[] seqGiven) {
        StreamId id = parseIdQuiet(arg, missingSeq, strict, seqGiven);
        if (id == null && c != null) {
            c.error(INVALID_ID);
        }
        return id;
    }

    private static StreamId parseIdQuiet(byte[] arg, long missingSeq, boolean strict, boolean[] seqGiven) {
        if (arg.length > 127) {
            return null;
        }
        int len = 0;
        while (len < arg.length && arg[len] != 0) {
            len++; // Redis parses a C string: it ends at the first NUL
        }
        if (strict && len == 1 && (arg[0] == '-' || arg[0] == '+')) {
            return null;
        }
        if (seqGiven != null) {
            seqGiven[0] = true;
        }
        if (len == 1 && arg[0] == '-') {
            return StreamId.MIN;
        }
        if (len == 1 && arg[0] == '+') {
            return StreamId.MAX;
        }
        int dash = -1;
        for (int i = 0; i < len; i++) {
            if (arg[i] == '-') {
                dash = i;
                break;
            }
        }
        long[] out = new long[1];
        if (!string2ull(arg, 0, dash < 0 ? len : dash, out)) {
            return null;
        }
        long ms = out[0];
        long seq;
        if (dash >= 0) {
            if (seqGiven != null && len - dash - 1 == 1 && arg[dash + 1] == '*') {
                seq = 0;
                seqGiven[0] = false;
            } else if (string2ull(arg, dash + 1, len, out)) {
                seq = out[0];
            } else {
                return null;
            }
        } else {
            seq = missingSeq;
        }
        return new StreamId(ms, seq);
    }

    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    /** Redis's string2ull: string2ll when it applies (negatives refused), else strtoull's rules. */
    static boolean string2ull(byte[] s, int from, int to, long[] out) {
        int len = to - from;
        if (len > 0 && len <= 19 && s[from] >= '1' && s[from] <= '9') {
            long v = 0;
            int i = from;
            for (; i < to; i++) {
                int d = s[i] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                v = v * 10 + d;
            }
            if (i == to) {
                out[0] = v;
                return true;
            }
        }
        if (len == 1 && s[from] == '0') {
            out[0] = 0;
            return true;
        }
        byte[] part = java.util.Arrays.copyOfRange(s, from, to);
        long ll = Args.parseLong(part);
        if (ll != Args.NOT_A_NUMBER || Args.isLong(part)) {
            if (ll < 0) {
                return false;
            }
            out[0] = ll;
            return true;
        }
        // strtoull: leading white space, an optional sign, at least one digit, nothing after
        int i = from;
        while (i < to && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) {
            i++;
        }
        boolean negative = false;
        if (i < to && (s[i] == '+' || s[i] == '-')) {
            negative = s[i] == '-';
            i++;
        }
        int digits = i;
        while (i < to && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == digits || i != to || len == 0) {
            return false;
        }
        BigInteger v = new BigInteger(new String(s, digits, i - digits, java.nio.charset.StandardCharsets.US_ASCII));
        if (v.compareTo(TWO_64) >= 0) {
            return false; // ERANGE
        }
        long r = v.longValue();
        out[0] = negative ? -r : r;
        return true;
    }

    /** streamParseIntervalIDOrReply: "(" makes the bound exclusive (and the ID strict). */
    private static StreamId parseInterval(Client c, byte[] arg, boolean[] exclusive, long missingSeq) {
        exclusive[0] = arg.length > 1 && arg[0] == '(';
        if (exclusive[0]) {
            return parseId(c, java.util.Arrays.copyOfRange(arg, 1, arg.length), missingSeq, true, null);
        }
        return parseId(c, arg, missingSeq, false, null);
    }

    private final byte[] idBuf = new byte[41];
    /** The decimal digits of {@code msDigitsOf} at the end of {@code msDigits} (none yet while the length is 0). */
    private final byte[] msDigits = new byte[20];
    private long msDigitsOf;
    private int msDigitsLength;

    /** An ID as a bulk string, formatted without allocating. */
    private void id(RespWriter r, long ms, long seq) {
        byte[] b = idBuf;
        int p = b.length;
        p = unsignedDigits(b, p, seq);
        b[--p] = '-';
        if (ms != msDigitsOf || msDigitsLength == 0) {
            // Consecutive IDs mostly share their milliseconds (XADD within one ms, XRANGE replies).
            msDigitsLength = msDigits.length - unsignedDigits(msDigits, msDigits.length, ms);
            msDigitsOf = ms;
        }
        p -= msDigitsLength;
        System.arraycopy(msDigits, msDigits.length - msDigitsLength, b, p, msDigitsLength);
        r.bulk(b, p, b.length - p);
    }

    private void id(RespWriter r, StreamId id) {
        id(r, id.ms(), id.seq());
    }

    /** Writes {@code v} (unsigned) as decimal digits ending just before {@code end}; returns the start. */
    private static int unsignedDigits(byte[] b, int end, long v) {
        int p = end;
        if (v < 0) {
            long q = Long.divideUnsigned(v, 10);
            b[--p] = (byte) ('0' + (v - q * 10));
            v = q;
        }
        do {
            b[--p] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
        return p;
    }

    private static void element(RespWriter r, Listpack.Element e) {
        if (e.isInt) {
            r.bulkDecimal(e.intValue);
        } else {
            r.bulk(e.array, e.offset, e.length);
        }
    }

    /** One entry as [id, [field, value, ...]] from the iterator's current position. */
    private void entry(RespWriter r, StreamValue.Iterator it) {
        r.arrayHeader(2);
        id(r, it.ms(), it.seq());
        int n = it.numFields();
        r.arrayHeader(n * 2);
        for (int i = 0; i < n; i++) {
            it.field(fieldEl, valueEl);
            element(r, fieldEl);
            element(r, valueEl);
        }
    }

    /** Replies the entry with this ID if it exists; false otherwise (nothing written). */
    private boolean entryById(RespWriter r, StreamValue s, StreamId id) {
        StreamValue.Iterator it = s.iterator(id, id, false);
        if (!it.next()) {
            return false;
        }
        entry(r, it);
        return true;
    }

    /**
     * Redis's deferred aggregate length: replies written after {@code begin} go to a buffer of
     * their own, and {@code end} writes the header with the final count in front of them.
     */
    private static ByteBuf begin(RespWriter r) {
        ByteBuf saved = r.target();
        r.target(Unpooled.buffer(256));
        return saved;
    }

    private static void end(RespWriter r, ByteBuf saved, int count, boolean map) {
        ByteBuf body = r.target();
        r.target(saved);
        if (map) {
            r.mapHeader(count);
        } else {
            r.arrayHeader(count);
        }
        saved.writeBytes(body);
        body.release();
    }

    /** Entries in [start, end] (count 0 for all) as an array; returns how many. */
    private int range(RespWriter r, StreamValue s, StreamId start, StreamId end, long count, boolean rev) {
        ByteBuf saved = begin(r);
        int n = 0;
        StreamValue.Iterator it = s.iterator(start, end, rev);
        while ((count == 0 || n < count) && it.next()) {
            entry(r, it);
            n++;
        }
        end(r, saved, n, false);
        return n;
    }

    // ------------------------------------------------------------------ XADD, XTRIM

    private static final int NO_TRIM = 0;
    private static final int MAXLEN = 1;
    private static final int MINID = 2;

    /** streamAddTrimArgs. */
    private static final class AddTrim {
        int strategy = NO_TRIM;
        boolean approx;
        long limit;
        long maxLen;
        StreamId minId;
        boolean noMkStream;
        StreamId id;
        boolean idGiven;
        boolean seqGiven;
    }

    /** streamParseAddOrTrimArgsOrReply; returns the position of the ID (XADD) or -1 after an error reply. */
    private int parseAddTrim(Client c, byte[][] argv, AddTrim a, boolean xadd) {
        int i = 2;
        boolean limitGiven = false;
        for (; i < argv.length; i++) {
            int more = argv.length - 1 - i;
            byte[] opt = argv[i];
            if (xadd && opt.length == 1 && opt[0] == '*') {
                break;
            } else if ((Args.is(opt, "MAXLEN") || Args.is(opt, "MINID")) && more > 0) {
                boolean maxlen = opt.length == 6;
                if (a.strategy != NO_TRIM) {
                    c.error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                    return -1;
                }
                a.approx = false;
                byte[] next = argv[i + 1];
                if (more >= 2 && next.length == 1 && next[0] == '~') {
                    a.approx = true;
                    i++;
                } else if (more >= 2 && next.length == 1 && next[0] == '=') {
                    i++;
                }
                if (maxlen) {
                    long v = longOrReply(c, argv[i + 1], null);
                    if (failed(v, argv[i + 1])) {
                        return -1;
                    }
                    if (v < 0) {
                        c.error("ERR The MAXLEN argument must be >= 0.");
                        return -1;
                    }
                    a.maxLen = v;
                    a.strategy = MAXLEN;
                } else {
                    a.minId = parseId(c, argv[i + 1], 0, true, null);
                    if (a.minId == null) {
                        return -1;
                    }
                    a.strategy = MINID;
                }
                i++;
            } else if (Args.is(opt, "LIMIT") && more > 0) {
                long v = longOrReply(c, argv[i + 1], null);
                if (failed(v, argv[i + 1])) {
                    return -1;
                }
                if (v < 0) {
                    c.error("ERR The LIMIT argument must be >= 0.");
                    return -1;
                }
                a.limit = v;
                limitGiven = true;
                i++;
            } else if (xadd && Args.is(opt, "NOMKSTREAM")) {
                a.noMkStream = true;
            } else if (xadd) {
                boolean[] seqGiven = new boolean[1];
                a.id = parseId(c, opt, 0, true, seqGiven);
                if (a.id == null) {
                    return -1;
                }
                a.seqGiven = seqGiven[0];
                a.idGiven = true;
                break;
            } else {
                c.error(Args.SYNTAX);
                return -1;
            }
        }
        if (a.limit != 0 && a.strategy == NO_TRIM) {
            c.error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
            return -1;
        }
        if (!xadd && a.strategy == NO_TRIM) {
            c.error("ERR syntax error, XTRIM must be called with a trimming strategy");
            return -1;
        }
        if (limitGiven) {
            if (!a.approx) {
                c.error("ERR syntax error, LIMIT cannot be used without the special ~ option");
                return -1;
            }
        } else if (a.approx) {
            a.limit = 100 * nodeMaxEntries.asLong();
            if (a.limit <= 0) {
                a.limit = 10000;
            }
            if (a.limit > 1000000) {
                a.limit = 1000000;
            }
        } else {
            a.limit = 0;
        }
        return i;
    }

    private static long trim(StreamValue s, AddTrim a) {
        if (a.strategy == NO_TRIM) {
            return 0;
        }
        return s.trim(a.maxLen, a.strategy == MINID ? a.minId : null, a.approx, a.limit);
    }

    void xadd(Client c, byte[][] argv) {
        AddTrim a = new AddTrim();
        int idPos = parseAddTrim(c, argv, a, true);
        if (idPos < 0) {
            return;
        }
        int fieldPos = idPos + 1;
        int pairsArgs = argv.length - fieldPos;
        if (pairsArgs < 2 || pairsArgs % 2 == 1) {
            c.error("ERR wrong number of arguments for 'xadd' command");
            return;
        }
        if (a.idGiven && a.seqGiven && a.id.isZero()) {
            c.error("ERR The ID specified in XADD must be greater than 0-0");
            return;
        }
        byte[] key = argv[1];
        StreamValue s = write(c, key);
        if (s == WRONG) {
            return;
        }
        boolean created = s == null;
        if (created) {
            if (a.noMkStream) {
                c.reply().nullBulk();
                return;
            }
            s = new StreamValue();
        }
        StreamId last = s.lastId();
        if (last.equals(StreamId.MAX)) {
            c.error("ERR The stream has exhausted the last possible ID, unable to add more items");
            return;
        }
        StreamId id;
        if (a.idGiven) {
            if (a.seqGiven || last.ms() != a.id.ms()) {
                id = a.id;
            } else if (last.seq() == -1L) {
                id = null;
            } else {
                id = new StreamId(last.ms(), last.seq() + 1);
            }
        } else {
            long ms = now();
            id = Long.compareUnsigned(ms, last.ms()) > 0 ? new StreamId(ms, 0) : last.increment();
        }
        if (id == null || id.compareTo(last) <= 0) {
            c.error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
            return;
        }
        long total = 0;
        for (int i = fieldPos; i < argv.length; i++) {
            total += argv[i].length;
        }
        if (total > StreamValue.LISTPACK_MAX_SIZE) {
            c.error("ERR Elements are too large to be stored");
            return;
        }
        s.append(id, argv, fieldPos, pairsArgs / 2, nodeMaxBytes.asLong(), nodeMaxEntries.asLong());
        if (created) {
            c.db().put(key.clone(), StoredValue.object(ValueType.STREAM, s, StoredValue.NO_EXPIRY)); // key may be borrowed
            server.notifyNew(c, key);
        }
        id(c.reply(), id);
        event(c, "xadd", key);
        if (trim(s, a) > 0) {
            event(c, "xtrim", key);
        }
        server.blocking().signalKeyAsReady(c.dbIndex(), key);
    }

    void xtrim(Client c, byte[][] argv) {
        AddTrim a = new AddTrim();
        if (parseAddTrim(c, argv, a, false) < 0) {
            return;
        }
        StreamValue s = write(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        long trimmed = s == null ? 0 : trim(s, a);
        c.reply().integer(trimmed);
        if (trimmed > 0) {
            event(c, "xtrim", argv[1]);
        }
    }

    /** A keyspace event of the stream class ({@code t}) for {@code key}. */
    private void event(Client c, String name, byte[] key) {
        server.notifyKeyspaceEvent(c, KeyspaceEvents.STREAM, name, key);
    }

    // ------------------------------------------------------------------ XRANGE, XLEN, XDEL, XSETID

    void xrange(Client c, byte[][] argv, boolean rev) {
        boolean[] ex = new boolean[1];
        StreamId start = parseInterval(c, rev ? argv[3] : argv[2], ex, 0);
        if (start == null) {
            return;
        }
        if (ex[0] && (start = start.increment()) == null) {
            c.error("ERR invalid start ID for the interval");
            return;
        }
        StreamId end = parseInterval(c, rev ? argv[2] : argv[3], ex, -1L);
        if (end == null) {
            return;
        }
        if (ex[0] && (end = end.decrement()) == null) {
            c.error("ERR invalid end ID for the interval");
            return;
        }
        long count = -1;
        for (int j = 4; j < argv.length; j++) {
            if (Args.is(argv[j], "COUNT") && j + 1 < argv.length) {
                count = longOrReply(c, argv[j + 1], null);
                if (failed(count, argv[j + 1])) {
                    return;
                }
                if (count < 0) {
                    count = 0;
                }
                j++;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        StreamValue s = read(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.reply().arrayHeader(0);
        } else if (count == 0) {
            c.reply().nullArray();
        } else {
            range(c.reply(), s, start, end, count == -1 ? 0 : count, rev);
        }
    }

    void xlen(Client c, byte[][] argv) {
        StreamValue s = read(c, argv[1]);
        if (s != WRONG) {
            c.reply().integer(s == null ? 0 : s.length());
        }
    }

    /** The strict IDs at argv[from..] (XDEL, XACK), all checked before any is used; null after an error reply. */
    private StreamId[] parseIds(Client c, byte[][] argv, int from) {
        StreamId[] ids = new StreamId[argv.length - from];
        for (int j = from; j < argv.length; j++) {
            if ((ids[j - from] = parseId(c, argv[j], 0, true, null)) == null) {
                return null;
            }
        }
        return ids;
    }

    void xdel(Client c, byte[][] argv) {
        StreamValue s = write(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.reply().integer(0);
            return;
        }
        StreamId[] ids = parseIds(c, argv, 2);
        if (ids == null) {
            return;
        }
        int deleted = 0;
        for (StreamId id : ids) {
            if (s.delete(id)) {
                deleted++;
            }
        }
        c.reply().integer(deleted);
        if (deleted > 0) {
            event(c, "xdel", argv[1]);
        }
    }

    void xsetid(Client c, byte[][] argv) {
        StreamId id = parseId(c, argv[2], 0, true, null);
        if (id == null) {
            return;
        }
        long entriesAdded = -1;
        StreamId maxDeleted = StreamId.MIN;
        for (int i = 3; i < argv.length; i += 2) {
            boolean more = i + 1 < argv.length;
            if (Args.is(argv[i], "ENTRIESADDED") && more) {
                entriesAdded = longOrReply(c, argv[i + 1], null);
                if (failed(entriesAdded, argv[i + 1])) {
                    return;
                }
                if (entriesAdded < 0) {
                    c.error("ERR entries_added must be positive");
                    return;
                }
            } else if (Args.is(argv[i], "MAXDELETEDID") && more) {
                maxDeleted = parseId(c, argv[i + 1], 0, true, null);
                if (maxDeleted == null) {
                    return;
                }
                if (id.compareTo(maxDeleted) < 0) {
                    c.error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                    return;
                }
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        StreamValue s = write(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.error(NO_SUCH_KEY);
            return;
        }
        if (s.length() > 0) {
            if (id.compareTo(s.lastValidId()) < 0) {
                c.error("ERR The ID specified in XSETID is smaller than the target stream top item");
                return;
            }
            if (entriesAdded != -1 && s.length() > entriesAdded) {
                c.error("ERR The entries_added specified in XSETID is smaller than the target stream length");
                return;
            }
        }
        if (id.compareTo(s.maxDeletedId()) < 0) {
            c.error("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id");
            return;
        }
        s.setLastId(id, entriesAdded, maxDeleted);
        c.reply().ok();
        event(c, "xsetid", argv[1]);
    }

    // ------------------------------------------------------------------ XREAD, XREADGROUP

    static final String TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range";

    /** getTimeoutFromObjectOrReply in milliseconds: absolute deadline, 0 for none, -1 after an error reply. */
    static long msTimeout(Client c, byte[] arg, long now) {
        long v = longOrReply(c, arg, TIMEOUT_NOT_INTEGER);
        if (failed(v, arg)) {
            return -1;
        }
        if (v < 0) {
            c.error(ListCommands.TIMEOUT_NEGATIVE);
            return -1;
        }
        if (v == 0) {
            return 0;
        }
        if (v > Long.MAX_VALUE - now) {
            c.error(ListCommands.TIMEOUT_OUT_OF_RANGE);
            return -1;
        }
        return now + v;
    }

    /**
     * XREAD and XREADGROUP. Returns true when it replied; false only when {@code reprocess} (a
     * blocked client's retry) finds nothing to serve yet, which keeps the client waiting.
     */
    boolean xread(Client c, byte[][] argv, boolean xreadgroup, boolean reprocess) {
        long deadline = -1;
        long count = 0;
        int streamsArg = 0;
        int streams = 0;
        boolean noack = false;
        byte[] groupName = null;
        byte[] consumerName = null;
        for (int i = 1; i < argv.length; i++) {
            int more = argv.length - i - 1;
            byte[] o = argv[i];
            if (Args.is(o, "BLOCK") && more > 0) {
                i++;
                deadline = msTimeout(c, argv[i], System.currentTimeMillis());
                if (deadline < 0) {
                    return true;
                }
            } else if (Args.is(o, "COUNT") && more > 0) {
                i++;
                count = longOrReply(c, argv[i], null);
                if (failed(count, argv[i])) {
                    return true;
                }
                if (count < 0) {
                    count = 0;
                }
            } else if (Args.is(o, "STREAMS") && more > 0) {
                streamsArg = i + 1;
                streams = argv.length - streamsArg;
                if (streams % 2 != 0) {
                    c.error("ERR Unbalanced '" + (xreadgroup ? "xreadgroup" : "xread") + "' list of streams: for each "
                            + "stream key an ID or '" + (xreadgroup ? '>' : '$') + "' must be specified.");
                    return true;
                }
                streams /= 2;
                break;
            } else if (Args.is(o, "GROUP") && more >= 2) {
                if (!xreadgroup) {
                    c.error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                    return true;
                }
                groupName = argv[i + 1];
                consumerName = argv[i + 2];
                i += 2;
            } else if (Args.is(o, "NOACK")) {
                if (!xreadgroup) {
                    c.error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                    return true;
                }
                noack = true;
            } else {
                c.error(Args.SYNTAX);
                return true;
            }
        }
        if (streamsArg == 0) {
            c.error(Args.SYNTAX);
            return true;
        }
        if (xreadgroup && groupName == null) {
            c.error("ERR Missing GROUP option for XREADGROUP");
            return true;
        }
        boolean blocking = deadline != -1;
        StreamId[] ids = new StreamId[streams];
        StreamValue.Group[] groups = groupName == null ? null : new StreamValue.Group[streams];
        for (int i = 0; i < streams; i++) {
            byte[] key = argv[streamsArg + i];
            byte[] idArg = argv[streamsArg + streams + i];
            StreamValue s = xreadgroup ? write(c, key) : read(c, key);
            if (s == WRONG) {
                return true;
            }
            if (groupName != null) {
                StreamValue.Group g = s == null ? null : s.group(groupName);
                if (g == null) {
                    c.error("NOGROUP No such key '" + text(key) + "' or consumer group '" + text(groupName)
                            + "' in XREADGROUP with GROUP option");
                    return true;
                }
                groups[i] = g;
            }
            if (idArg.length == 1 && idArg[0] == '$') {
                if (xreadgroup) {
                    c.error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
                            + "of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ "
                            + "ID would just return an empty result set.");
                    return true;
                }
                ids[i] = s != null ? s.lastId() : StreamId.MIN;
            } else if (idArg.length == 1 && idArg[0] == '>') {
                if (!xreadgroup) {
                    c.error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
                            + "<consumer> option.");
                    return true;
                }
                ids[i] = GROUP_NEW;
            } else if ((ids[i] = parseId(c, idArg, 0, true, null)) == null) {
                return true;
            }
        }

        RespWriter r = c.reply();
        long now = now();
        ByteBuf saved = null;
        int served = 0;
        for (int i = 0; i < streams; i++) {
            byte[] key = argv[streamsArg + i];
            StoredValue v = c.db().peek(key);
            if (v == null) {
                continue;
            }
            StreamValue s = (StreamValue) v.object();
            StreamId gt = ids[i];
            boolean serve = false;
            boolean history = false;
            StreamValue.Consumer consumer = null;
            if (groups != null) {
                StreamValue.Group g = groups[i];
                if (!gt.equals(GROUP_NEW)) {
                    serve = true;
                    history = true;
                } else if (s.length() > 0) {
                    StreamId max = s.lastValidId();
                    if (max.compareTo(g.lastId) > 0) {
                        serve = true;
                        gt = g.lastId;
                    }
                }
                consumer = g.consumer(consumerName);
                if (consumer == null) {
                    consumer = g.createConsumer(consumerName, now);
                    event(c, "xgroup-createconsumer", key);
                }
                consumer.seenTime = now;
            } else if (s.length() > 0) {
                serve = s.lastValidId().compareTo(gt) > 0;
            }
            if (!serve) {
                continue;
            }
            if (served++ == 0) {
                saved = begin(r);
            }
            StreamId start = gt.increment();
            if (start == null) {
                start = StreamId.MIN;
            }
            if (r.protocol() == 2) {
                r.arrayHeader(2);
            }
            r.bulk(key);
            if (groups == null) {
                range(r, s, start, null, count, false);
            } else if (history) {
                historyRange(r, s, start, count, consumer, now);
            } else {
                groupRange(r, s, start, count, groups[i], consumer, noack, now);
            }
        }
        if (served > 0) {
            end(r, saved, served, r.protocol() != 2);
            return true;
        }
        if (blocking) {
            if (c.denyBlocking()) {
                r.nullArray();
                return true;
            }
            if (reprocess) {
                return false;
            }
            block(c, argv, streamsArg, streams, ids, xreadgroup, deadline);
            return true;
        }
        r.nullArray();
        return true;
    }

    /** Waits on the stream keys; the retry runs the command again with "$" replaced by the IDs seen now. */
    private void block(Client c, byte[][] argv, int streamsArg, int streams, StreamId[] ids, boolean xreadgroup,
                       long deadline) {
        byte[][] saved = ListCommands.copies(argv); // a wait outlives the request's buffers
        byte[][] keys = new byte[streams][];
        for (int i = 0; i < streams; i++) {
            keys[i] = saved[streamsArg + i];
            int idIdx = streamsArg + streams + i;
            if (saved[idIdx].length == 1 && saved[idIdx][0] == '$') {
                saved[idIdx] = Args.bytes(ids[i].toString());
            }
        }
        server.blocking().block(c, keys, ValueType.STREAM, deadline, xreadgroup, new Blocking.Waiter() {
            @Override
            public boolean serve(Client client) {
                return xread(client, saved, xreadgroup, true);
            }

            @Override
            public void timeoutReply(Client client) {
                client.reply().nullArray();
            }
        });
    }

    /** XREADGROUP with ">": new entries after {@code start}, moving the group and filling the PELs. */
    private void groupRange(RespWriter r, StreamValue s, StreamId start, long count, StreamValue.Group g,
                            StreamValue.Consumer consumer, boolean noack, long now) {
        ByteBuf saved = begin(r);
        int n = 0;
        StreamValue.Iterator it = s.iterator(start, null, false);
        while ((count == 0 || n < count) && it.next()) {
            StreamId id = it.id();
            if (id.compareTo(g.lastId) > 0) {
                s.advanceGroup(g, id);
            }
            entry(r, it);
            if (!noack) {
                StreamValue.Nack nack = g.pel().get(id);
                if (nack == null) {
                    nack = new StreamValue.Nack(now, 1, consumer);
                    g.pel().put(id, nack);
                } else {
                    nack.consumer.pel().remove(id);
                    nack.consumer = consumer;
                    nack.deliveryTime = now;
                    nack.deliveryCount = 1;
                }
                consumer.pel().put(id, nack);
                consumer.activeTime = now;
            }
            n++;
        }
        end(r, saved, n, false);
    }

    /** XREADGROUP with an ID: the consumer's own pending entries from {@code start}; deleted ones as [id, nil]. */
    private void historyRange(RespWriter r, StreamValue s, StreamId start, long count, StreamValue.Consumer consumer,
                              long now) {
        ByteBuf saved = begin(r);
        int n = 0;
        for (Map.Entry<StreamId, StreamValue.Nack> e : consumer.pel().tailMap(start, true).entrySet()) {
            if (count != 0 && n >= count) {
                break;
            }
            if (entryById(r, s, e.getKey())) {
                e.getValue().deliveryTime = now;
                e.getValue().deliveryCount++;
            } else {
                r.arrayHeader(2);
                id(r, e.getKey());
                r.nullArray();
            }
            n++;
        }
        end(r, saved, n, false);
    }

    // ------------------------------------------------------------------ XGROUP

    void xgroup(Client c, byte[][] argv) {
        byte[] opt = argv[1];
        StreamValue s = null;
        StreamValue.Group cg = null;
        boolean mkstream = false;
        long entriesRead = StreamValue.INVALID_ENTRIES_READ;
        if (argv.length >= 4) {
            boolean create = Args.is(opt, "CREATE");
            boolean setid = Args.is(opt, "SETID");
            int i = 5;
            while (i < argv.length) {
                if (create && Args.is(argv[i], "MKSTREAM")) {
                    mkstream = true;
                    i++;
                } else if ((create || setid) && Args.is(argv[i], "ENTRIESREAD") && i + 1 < argv.length) {
                    entriesRead = longOrReply(c, argv[i + 1], null);
                    if (failed(entriesRead, argv[i + 1])) {
                        return;
                    }
                    if (entriesRead < 0 && entriesRead != StreamValue.INVALID_ENTRIES_READ) {
                        c.error("ERR value for ENTRIESREAD must be positive or -1");
                        return;
                    }
                    i += 2;
                } else {
                    c.error(subcommandSyntax(argv));
                    return;
                }
            }
            s = write(c, argv[2]);
            if (s == WRONG) {
                return;
            }
            if (!mkstream) {
                if (s == null) {
                    c.error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
                            + "to use the MKSTREAM option to create an empty stream automatically.");
                    return;
                }
                cg = s.group(argv[3]);
                if (cg == null && (setid || Args.is(opt, "CREATECONSUMER") || Args.is(opt, "DELCONSUMER"))) {
                    c.error("NOGROUP No such consumer group '" + text(argv[3]) + "' for key name '" + text(argv[2])
                            + "'");
                    return;
                }
            }
        }
        RespWriter r = c.reply();
        if (argv.length == 2 && Args.is(opt, "HELP")) {
            ServerCommands.helpReply(c, "XGROUP",
                    "CREATE <key> <groupname> <id|$> [option]",
                    "    Create a new consumer group. Options are:",
                    "    * MKSTREAM",
                    "      Create the empty stream if it does not exist.",
                    "    * ENTRIESREAD entries_read",
                    "      Set the group's entries_read counter (internal use).",
                    "CREATECONSUMER <key> <groupname> <consumer>",
                    "    Create a new consumer in the specified group.",
                    "DELCONSUMER <key> <groupname> <consumer>",
                    "    Remove the specified consumer.",
                    "DESTROY <key> <groupname>",
                    "    Remove the specified group.",
                    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                    "    Set the current group ID and entries_read counter.");
        } else if (Args.is(opt, "CREATE") && argv.length >= 5 && argv.length <= 8) {
            StreamId id;
            if (argv[4].length == 1 && argv[4][0] == '$') {
                id = s != null ? s.lastId() : StreamId.MIN;
            } else if ((id = parseId(c, argv[4], 0, true, null)) == null) {
                return;
            }
            if (s == null) {
                s = new StreamValue();
                c.db().put(argv[2], StoredValue.object(ValueType.STREAM, s, StoredValue.NO_EXPIRY));
                server.notifyNew(c, argv[2]);
            }
            if (s.createGroup(argv[3], id, entriesRead) != null) {
                r.ok();
                event(c, "xgroup-create", argv[2]);
            } else {
                c.error("BUSYGROUP Consumer Group name already exists");
            }
        } else if (Args.is(opt, "SETID") && (argv.length == 5 || argv.length == 7)) {
            StreamId id;
            if (argv[4].length == 1 && argv[4][0] == '$') {
                id = s.lastId();
            } else if ((id = parseId(c, argv[4], 0, false, null)) == null) {
                return;
            }
            cg.lastId = id;
            cg.entriesRead = entriesRead;
            r.ok();
            event(c, "xgroup-setid", argv[2]);
        } else if (Args.is(opt, "DESTROY") && argv.length == 4) {
            if (cg != null) {
                s.destroyGroup(argv[3]);
                r.integer(1);
                event(c, "xgroup-destroy", argv[2]);
                // blocked XREADGROUP clients of this group get their NOGROUP error
                server.blocking().signalKeyAsReady(c.dbIndex(), argv[2]);
            } else {
                r.integer(0);
            }
        } else if (Args.is(opt, "CREATECONSUMER") && argv.length == 5) {
            boolean made = cg.createConsumer(argv[4], now()) != null;
            r.integer(made ? 1 : 0);
            if (made) {
                event(c, "xgroup-createconsumer", argv[2]);
            }
        } else if (Args.is(opt, "DELCONSUMER") && argv.length == 5) {
            StreamValue.Consumer consumer = cg.consumer(argv[4]);
            r.integer(consumer == null ? 0 : cg.deleteConsumer(consumer));
            if (consumer != null) {
                event(c, "xgroup-delconsumer", argv[2]);
            }
        } else {
            c.error(subcommandSyntax(argv));
        }
    }

    // ------------------------------------------------------------------ XACK, XPENDING

    void xack(Client c, byte[][] argv) {
        StreamValue s = write(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        StreamValue.Group g = s == null ? null : s.group(argv[2]);
        if (g == null) {
            c.reply().integer(0);
            return;
        }
        StreamId[] ids = parseIds(c, argv, 3);
        if (ids == null) {
            return;
        }
        int acked = 0;
        for (StreamId id : ids) {
            StreamValue.Nack n = g.pel().remove(id);
            if (n != null) {
                n.consumer.pel().remove(id);
                acked++;
            }
        }
        c.reply().integer(acked);
    }

    void xpending(Client c, byte[][] argv) {
        boolean summary = argv.length == 3;
        if (argv.length != 3 && (argv.length < 6 || argv.length > 9)) {
            c.error(Args.SYNTAX);
            return;
        }
        StreamId start = null;
        StreamId end = null;
        long count = 0;
        long minIdle = 0;
        byte[] consumerName = null;
        if (argv.length >= 6) {
            int startIdx = 3;
            if (Args.is(argv[3], "IDLE")) {
                minIdle = longOrReply(c, argv[4], null);
                if (failed(minIdle, argv[4])) {
                    return;
                }
                if (argv.length < 8) {
                    c.error(Args.SYNTAX);
                    return;
                }
                startIdx += 2;
            }
            count = longOrReply(c, argv[startIdx + 2], null);
            if (failed(count, argv[startIdx + 2])) {
                return;
            }
            if (count < 0) {
                count = 0;
            }
            boolean[] ex = new boolean[1];
            if ((start = parseInterval(c, argv[startIdx], ex, 0)) == null) {
                return;
            }
            if (ex[0] && (start = start.increment()) == null) {
                c.error("ERR invalid start ID for the interval");
                return;
            }
            if ((end = parseInterval(c, argv[startIdx + 1], ex, -1L)) == null) {
                return;
            }
            if (ex[0] && (end = end.decrement()) == null) {
                c.error("ERR invalid end ID for the interval");
                return;
            }
            if (startIdx + 3 < argv.length) {
                consumerName = argv[startIdx + 3];
            }
        }
        StreamValue s = read(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        StreamValue.Group g = s == null ? null : s.group(argv[2]);
        if (g == null) {
            c.error("NOGROUP No such key '" + text(argv[1]) + "' or consumer group '" + text(argv[2]) + "'");
            return;
        }
        RespWriter r = c.reply();
        if (summary) {
            r.arrayHeader(4);
            r.integer(g.pel().size());
            if (g.pel().isEmpty()) {
                r.nullBulk();
                r.nullBulk();
                r.nullArray();
                return;
            }
            id(r, g.pel().firstKey());
            id(r, g.pel().lastKey());
            List<StreamValue.Consumer> withPending = new ArrayList<>();
            for (StreamValue.Consumer cons : g.consumers().values()) {
                if (!cons.pel().isEmpty()) {
                    withPending.add(cons);
                }
            }
            r.arrayHeader(withPending.size());
            for (StreamValue.Consumer cons : withPending) {
                r.arrayHeader(2);
                r.bulk(cons.name());
                r.bulkDecimal(cons.pel().size());
            }
            return;
        }
        StreamValue.Consumer consumer = null;
        if (consumerName != null) {
            consumer = g.consumer(consumerName);
            if (consumer == null) {
                r.arrayHeader(0);
                return;
            }
        }
        var pel = consumer != null ? consumer.pel() : g.pel();
        long now = now();
        ByteBuf saved = begin(r);
        int n = 0;
        if (start.compareTo(end) <= 0) {
            for (Map.Entry<StreamId, StreamValue.Nack> e : pel.subMap(start, true, end, true).entrySet()) {
                if (count == 0) {
                    break;
                }
                StreamValue.Nack nack = e.getValue();
                if (minIdle != 0 && now - nack.deliveryTime < minIdle) {
                    continue;
                }
                n++;
                count--;
                r.arrayHeader(4);
                id(r, e.getKey());
                r.bulk(nack.consumer.name());
                r.integer(Math.max(0, now - nack.deliveryTime));
                r.integer(nack.deliveryCount);
            }
        }
        end(r, saved, n, false);
    }

    // ------------------------------------------------------------------ XCLAIM, XAUTOCLAIM

    private static void releaseNack(StreamValue.Group g, StreamId id, StreamValue.Nack nack) {
        g.pel().remove(id);
        if (nack.consumer != null) {
            nack.consumer.pel().remove(id);
        }
    }

    void xclaim(Client c, byte[][] argv) {
        StreamValue s = write(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        StreamValue.Group g = s == null ? null : s.group(argv[2]);
        if (g == null) {
            c.error("NOGROUP No such key '" + text(argv[1]) + "' or consumer group '" + text(argv[2]) + "'");
            return;
        }
        long minIdle = longOrReply(c, argv[4], "ERR Invalid min-idle-time argument for XCLAIM");
        if (failed(minIdle, argv[4])) {
            return;
        }
        if (minIdle < 0) {
            minIdle = 0;
        }
        List<StreamId> ids = new ArrayList<>();
        int j = 5;
        for (; j < argv.length; j++) {
            StreamId id = parseId(null, argv[j], 0, true, null);
            if (id == null) {
                break;
            }
            ids.add(id);
        }
        long now = now();
        long retryCount = -1;
        long deliveryTime = -1;
        boolean force = false;
        boolean justId = false;
        StreamId lastId = StreamId.MIN;
        for (; j < argv.length; j++) {
            boolean more = j + 1 < argv.length;
            byte[] opt = argv[j];
            if (Args.is(opt, "FORCE")) {
                force = true;
            } else if (Args.is(opt, "JUSTID")) {
                justId = true;
            } else if (Args.is(opt, "IDLE") && more) {
                j++;
                long v = longOrReply(c, argv[j], "ERR Invalid IDLE option argument for XCLAIM");
                if (failed(v, argv[j])) {
                    return;
                }
                deliveryTime = now - v;
            } else if (Args.is(opt, "TIME") && more) {
                j++;
                deliveryTime = longOrReply(c, argv[j], "ERR Invalid TIME option argument for XCLAIM");
                if (failed(deliveryTime, argv[j])) {
                    return;
                }
            } else if (Args.is(opt, "RETRYCOUNT") && more) {
                j++;
                retryCount = longOrReply(c, argv[j], "ERR Invalid RETRYCOUNT option argument for XCLAIM");
                if (failed(retryCount, argv[j])) {
                    return;
                }
            } else if (Args.is(opt, "LASTID") && more) {
                j++;
                if ((lastId = parseId(c, argv[j], 0, true, null)) == null) {
                    return;
                }
            } else {
                c.error("ERR Unrecognized XCLAIM option '" + text(opt) + "'");
                return;
            }
        }
        if (lastId.compareTo(g.lastId) > 0) {
            g.lastId = lastId;
        }
        if (deliveryTime != -1) {
            if (deliveryTime < 0 || deliveryTime > now) {
                deliveryTime = now;
            }
        } else {
            deliveryTime = now;
        }
        StreamValue.Consumer consumer = g.consumer(argv[3]);
        if (consumer == null) {
            consumer = g.createConsumer(argv[3], now);
            event(c, "xgroup-createconsumer", argv[1]);
        }
        consumer.seenTime = now;
        RespWriter r = c.reply();
        ByteBuf saved = begin(r);
        int n = 0;
        for (StreamId id : ids) {
            StreamValue.Nack nack = g.pel().get(id);
            if (!s.exists(id)) {
                if (nack != null) {
                    releaseNack(g, id, nack);
                }
                continue;
            }
            if (force && nack == null) {
                nack = new StreamValue.Nack(now, 1, null);
                g.pel().put(id, nack);
            }
            if (nack == null) {
                continue;
            }
            if (nack.consumer != null && minIdle != 0 && now - nack.deliveryTime < minIdle) {
                continue;
            }
            claim(nack, consumer, id, deliveryTime, retryCount, justId);
            if (justId) {
                id(r, id);
            } else {
                entryById(r, s, id);
            }
            n++;
            consumer.activeTime = now;
        }
        end(r, saved, n, false);
    }

    /**
     * XCLAIM's and XAUTOCLAIM's step: the pending entry {@code id} moves to {@code consumer} with
     * a new delivery time; its delivery count is {@code retryCount} when given (>= 0), else one
     * more unless JUSTID.
     */
    private static void claim(StreamValue.Nack nack, StreamValue.Consumer consumer, StreamId id, long deliveryTime,
                              long retryCount, boolean justId) {
        if (nack.consumer != consumer && nack.consumer != null) {
            nack.consumer.pel().remove(id);
        }
        nack.deliveryTime = deliveryTime;
        if (retryCount >= 0) {
            nack.deliveryCount = retryCount;
        } else if (!justId) {
            nack.deliveryCount++;
        }
        if (nack.consumer != consumer) {
            consumer.pel().put(id, nack);
            nack.consumer = consumer;
        }
    }

    void xautoclaim(Client c, byte[][] argv) {
        long minIdle = longOrReply(c, argv[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM");
        if (failed(minIdle, argv[4])) {
            return;
        }
        if (minIdle < 0) {
            minIdle = 0;
        }
        boolean[] ex = new boolean[1];
        StreamId start = parseInterval(c, argv[5], ex, 0);
        if (start == null) {
            return;
        }
        if (ex[0] && (start = start.increment()) == null) {
            c.error("ERR invalid start ID for the interval");
            return;
        }
        long count = 100;
        boolean justId = false;
        for (int j = 6; j < argv.length; j++) {
            boolean more = j + 1 < argv.length;
            if (Args.is(argv[j], "COUNT") && more) {
                long max = Long.MAX_VALUE / 16;
                long v = Args.parseLong(argv[j + 1]);
                if (failed(v, argv[j + 1]) || v < 1 || v > max) {
                    c.error("ERR COUNT must be > 0");
                    return;
                }
                count = v;
                j++;
            } else if (Args.is(argv[j], "JUSTID")) {
                justId = true;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        StreamValue s = write(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        StreamValue.Group g = s == null ? null : s.group(argv[2]);
        if (g == null) {
            c.error("NOGROUP No such key '" + text(argv[1]) + "' or consumer group '" + text(argv[2]) + "'");
            return;
        }
        if (count > Runtime.getRuntime().maxMemory() / 16) {
            // Redis allocates room for COUNT deleted IDs up front and fails when it cannot
            c.error("ERR Insufficient memory, failed allocating transient memory, COUNT too high.");
            return;
        }
        long now = now();
        StreamValue.Consumer consumer = g.consumer(argv[3]);
        if (consumer == null) {
            consumer = g.createConsumer(argv[3], now);
            event(c, "xgroup-createconsumer", argv[1]);
        }
        consumer.seenTime = now;
        long attempts = count * 10;
        List<StreamId> deleted = new ArrayList<>();
        RespWriter r = c.reply();
        r.arrayHeader(3);
        ByteBuf saved = begin(r); // the cursor comes first but is known last
        int n = 0;
        Map.Entry<StreamId, StreamValue.Nack> e = g.pel().ceilingEntry(start);
        while (attempts-- != 0 && count != 0 && e != null) {
            StreamId id = e.getKey();
            StreamValue.Nack nack = e.getValue();
            Map.Entry<StreamId, StreamValue.Nack> following = g.pel().higherEntry(id);
            if (!s.exists(id)) {
                releaseNack(g, id, nack);
                deleted.add(id);
                count--;
                e = following;
                continue;
            }
            if (minIdle != 0 && now - nack.deliveryTime < minIdle) {
                e = following;
                continue;
            }
            claim(nack, consumer, id, now, -1, justId);
            if (justId) {
                id(r, id);
            } else {
                entryById(r, s, id);
            }
            n++;
            count--;
            consumer.activeTime = now;
            e = following;
        }
        // the cursor: the entry after the last one looked at (or 0-0 at the end)
        StreamId cursor = e == null ? StreamId.MIN : e.getKey();
        ByteBuf claimed = r.target();
        r.target(saved);
        id(r, cursor);
        r.arrayHeader(n);
        saved.writeBytes(claimed);
        claimed.release();
        r.arrayHeader(deleted.size());
        for (StreamId id : deleted) {
            id(r, id);
        }
    }

    // ------------------------------------------------------------------ XINFO

    void xinfo(Client c, byte[][] argv) {
        if (Args.is(argv[1], "HELP")) {
            ServerCommands.helpReply(c, "XINFO",
                    "CONSUMERS <key> <groupname>",
                    "    Show consumers of <groupname>.",
                    "GROUPS <key>",
                    "    Show the stream consumer groups.",
                    "STREAM <key> [FULL [COUNT <count>]",
                    "    Show information about the stream.");
            return;
        }
        StreamValue s = read(c, argv[2]);
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.error(NO_SUCH_KEY);
            return;
        }
        RespWriter r = c.reply();
        if (Args.is(argv[1], "CONSUMERS") && argv.length == 4) {
            StreamValue.Group g = s.group(argv[3]);
            if (g == null) {
                c.error("NOGROUP No such consumer group '" + text(argv[3]) + "' for key name '" + text(argv[2]) + "'");
                return;
            }
            long now = now();
            r.arrayHeader(g.consumers().size());
            for (StreamValue.Consumer cons : g.consumers().values()) {
                r.mapHeader(4);
                r.bulk("name");
                r.bulk(cons.name());
                r.bulk("pending");
                r.integer(cons.pel().size());
                r.bulk("idle");
                r.integer(Math.max(0, now - cons.seenTime));
                r.bulk("inactive");
                r.integer(cons.activeTime != -1 ? now - cons.activeTime : -1);
            }
        } else if (Args.is(argv[1], "GROUPS") && argv.length == 3) {
            r.arrayHeader(s.groupCount());
            for (StreamValue.Group g : s.groups().values()) {
                r.mapHeader(6);
                r.bulk("name");
                r.bulk(g.name());
                r.bulk("consumers");
                r.integer(g.consumers().size());
                r.bulk("pending");
                r.integer(g.pel().size());
                r.bulk("last-delivered-id");
                id(r, g.lastId);
                r.bulk("entries-read");
                entriesRead(r, g);
                r.bulk("lag");
                lag(r, s, g);
            }
        } else if (Args.is(argv[1], "STREAM")) {
            xinfoStream(c, argv, s);
        } else {
            c.error(subcommandSyntax(argv));
        }
    }

    private static void entriesRead(RespWriter r, StreamValue.Group g) {
        if (g.entriesRead != StreamValue.INVALID_ENTRIES_READ) {
            r.integer(g.entriesRead);
        } else {
            r.nullBulk();
        }
    }

    private static void lag(RespWriter r, StreamValue s, StreamValue.Group g) {
        long lag = s.lag(g);
        if (lag != StreamValue.UNKNOWN_LAG) {
            r.integer(lag);
        } else {
            r.nullBulk();
        }
    }

    private void xinfoStream(Client c, byte[][] argv, StreamValue s) {
        boolean full = true;
        long count = 10;
        int optc = argv.length - 3;
        if (optc == 0) {
            full = false;
        } else {
            if (optc != 1 && optc != 3 || !Args.is(argv[3], "FULL") || optc == 3 && !Args.is(argv[4], "COUNT")) {
                c.error(subcommandSyntax(argv));
                return;
            }
            if (optc == 3) {
                count = longOrReply(c, argv[5], null);
                if (failed(count, argv[5])) {
                    return;
                }
                if (count < 0) {
                    count = 10;
                }
            }
        }
        RespWriter r = c.reply();
        r.mapHeader(full ? 9 : 10);
        r.bulk("length");
        r.integer(s.length());
        r.bulk("radix-tree-keys");
        r.integer(s.nodeCount());
        r.bulk("radix-tree-nodes");
        r.integer(s.radixTreeNodes());
        r.bulk("last-generated-id");
        id(r, s.lastId());
        r.bulk("max-deleted-entry-id");
        id(r, s.maxDeletedId());
        r.bulk("entries-added");
        r.integer(s.entriesAdded());
        r.bulk("recorded-first-entry-id");
        id(r, s.firstId());
        if (!full) {
            r.bulk("groups");
            r.integer(s.groupCount());
            r.bulk("first-entry");
            StreamValue.Iterator first = s.iterator(null, null, false);
            if (first.next()) {
                entry(r, first);
            } else {
                r.nullBulk();
            }
            r.bulk("last-entry");
            StreamValue.Iterator last = s.iterator(null, null, true);
            if (last.next()) {
                entry(r, last);
            } else {
                r.nullBulk();
            }
            return;
        }
        r.bulk("entries");
        range(r, s, null, null, count, false);
        r.bulk("groups");
        r.arrayHeader(s.groupCount());
        for (StreamValue.Group g : s.groups().values()) {
            r.mapHeader(7);
            r.bulk("name");
            r.bulk(g.name());
            r.bulk("last-delivered-id");
            id(r, g.lastId);
            r.bulk("entries-read");
            entriesRead(r, g);
            r.bulk("lag");
            lag(r, s, g);
            r.bulk("pel-count");
            r.integer(g.pel().size());
            r.bulk("pending");
            int pending = (int) (count == 0 ? g.pel().size() : Math.min(count, g.pel().size()));
            r.arrayHeader(pending);
            int k = 0;
            for (Map.Entry<StreamId, StreamValue.Nack> e : g.pel().entrySet()) {
                if (k++ == pending) {
                    break;
                }
                r.arrayHeader(4);
                id(r, e.getKey());
                r.bulk(e.getValue().consumer.name());
                r.integer(e.getValue().deliveryTime);
                r.integer(e.getValue().deliveryCount);
            }
            r.bulk("consumers");
            r.arrayHeader(g.consumers().size());
            for (StreamValue.Consumer cons : g.consumers().values()) {
                r.mapHeader(5);
                r.bulk("name");
                r.bulk(cons.name());
                r.bulk("seen-time");
                r.integer(cons.seenTime);
                r.bulk("active-time");
                r.integer(cons.activeTime);
                r.bulk("pel-count");
                r.integer(cons.pel().size());
                r.bulk("pending");
                int own = (int) (count == 0 ? cons.pel().size() : Math.min(count, cons.pel().size()));
                r.arrayHeader(own);
                int m = 0;
                for (Map.Entry<StreamId, StreamValue.Nack> e : cons.pel().entrySet()) {
                    if (m++ == own) {
                        break;
                    }
                    r.arrayHeader(3);
                    id(r, e.getKey());
                    r.integer(e.getValue().deliveryTime);
                    r.integer(e.getValue().deliveryCount);
                }
            }
        }
    }
}
