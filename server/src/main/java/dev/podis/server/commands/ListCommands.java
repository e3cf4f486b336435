package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Blocking;
import dev.podis.server.Client;
import dev.podis.server.KeyspaceEvents;
import dev.podis.server.Propagation;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.config.ConfigValue;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.ListValue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * The list commands (Redis's t_list.c): pushes and pops at both ends, ranges, indexes, LINSERT,
 * LREM, LTRIM, LPOS, the moves between lists, LMPOP and the blocking variants.
 *
 * <p>The payload is a {@link ListValue}: small lists are one compact node (OBJECT ENCODING
 * "listpack"), larger ones a chain of nodes ("quicklist"); the commands call its conversions at
 * the points where Redis 7.2 does (before adding elements, after removing them), with the node
 * limit of {@code list-max-listpack-size}. A list is changed in place; a list that becomes
 * empty is removed from the keyspace.
 *
 * <p>Keyspace events as t_list.c: {@code new} for a created list, one {@code lpush}/{@code rpush}
 * per command, {@code lpop}/{@code rpop}, {@code linsert}, {@code lset}, {@code lrem},
 * {@code ltrim}, each followed by {@code del} when the list became empty; a move reports the push
 * to the destination before the pop from the source.
 *
 * <p>Blocking commands that find nothing to pop wait through {@link Blocking}; a command that
 * creates a list signals the key as ready so waiting clients are served after it completes.
 * Served clients run the same code again without blocking ({@link #blockingPop} and
 * {@link #blmove} below), so they pop from the first non-empty key of their own key order.
 */
public final class ListCommands implements CommandFamily {
    static final String NO_SUCH_KEY = "ERR no such key";
    static final String INDEX_OUT_OF_RANGE = "ERR index out of range";
    static final String MUST_BE_POSITIVE = "ERR value is out of range, must be positive";
    static final String RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            + "or use negative to start from the end of the list";
    static final String TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range";
    static final String TIMEOUT_NEGATIVE = "ERR timeout is negative";
    static final String TIMEOUT_OUT_OF_RANGE = "ERR timeout is out of range";


    private static final byte[] LPOP = Args.bytes("LPOP");
    private static final byte[] RPOP = Args.bytes("RPOP");
    private static final byte[] LMOVE = Args.bytes("LMOVE");
    private static final byte[] RPOPLPUSH = Args.bytes("RPOPLPUSH");
    private static final byte[] LEFT = Args.bytes("left");
    private static final byte[] RIGHT = Args.bytes("right");

    private final ServerContext server;
    private final ConfigValue fillSetting;
    private final ConfigValue compressSetting;

    public ListCommands(ServerContext server) {
        this.server = server;
        this.fillSetting = server.config().value("list-max-listpack-size");
        this.compressSetting = server.config().value("list-compress-depth");
    }

    @Override
    public void register(CommandTable t) {
        // pushes and pops keep neither the vector nor the name (the elements are stored as they are)
        // The pushes and pops keep no argument: a node copies each element, a new list's key is copied.
        t.bindBorrowing("lpush", (c, argv) -> push(c, argv, true, false));
        t.bindBorrowing("rpush", (c, argv) -> push(c, argv, false, false));
        t.bindBorrowing("lpushx", (c, argv) -> push(c, argv, true, true));
        t.bindBorrowing("rpushx", (c, argv) -> push(c, argv, false, true));
        t.bindBorrowing("lpop", (c, argv) -> pop(c, argv, true));
        t.bindBorrowing("rpop", (c, argv) -> pop(c, argv, false));
        t.bind("llen", this::llen);
        t.bind("lrange", this::lrange);
        t.bind("lindex", this::lindex);
        t.bind("lset", this::lset);
        t.bind("linsert", this::linsert);
        t.bind("lrem", this::lrem);
        t.bind("ltrim", this::ltrim);
        t.bind("lpos", this::lpos);
        t.bind("lmove", this::lmove);
        t.bind("rpoplpush", (c, argv) -> move(c, argv[1], argv[2], false, true));
        t.bind("lmpop", (c, argv) -> lmpop(c, argv, 1, false));
        t.bind("blpop", (c, argv) -> blpop(c, argv, true));
        t.bind("brpop", (c, argv) -> blpop(c, argv, false));
        t.bind("blmove", this::blmoveCommand);
        t.bind("brpoplpush", this::brpoplpush);
        t.bind("blmpop", (c, argv) -> lmpop(c, argv, 2, true));
    }

    private int fill() {
        return fillSetting.asInt();
    }

    // ------------------------------------------------------------------ helpers

    /** The list at {@code key} for writing, null when missing; replies WRONGTYPE (and returns null) otherwise. */
    private static final ListValue WRONG = new ListValue();

    private ListValue listForWrite(Client c, byte[] key) {
        return compressed(asList(c, server.lookupWriteCollection(c, key)));
    }

    /** Applies list-compress-depth to a list about to change (as Redis does for changed quicklists). */
    private ListValue compressed(ListValue l) {
        if (l != null && l != WRONG) {
            l.compressDepth(compressSetting.asInt());
        }
        return l;
    }

    private ListValue listForRead(Client c, byte[] key) {
        return asList(c, server.lookupReadCollection(c, key));
    }

    /** A looked-up payload as a list: null when missing, {@link #WRONG} (replied) for another type. */
    private static ListValue asList(Client c, Object v) {
        return Args.payload(c, v, ListValue.class, WRONG);
    }

    private ListValue create(Client c, byte[] key) {
        ListValue l = new ListValue();
        l.compressDepth(compressSetting.asInt());
        server.notifyNew(c, key);
        c.db().put(key.clone(), StoredValue.object(ValueType.LIST, l, StoredValue.NO_EXPIRY)); // key may be borrowed
        server.blocking().signalKeyAsReady(c.dbIndex(), key);
        return l;
    }

    /**
     * After removing elements (listElementsRemoved): reports {@code event}, then deletes an emptied
     * list ({@code del}) or lets it shrink back to a listpack.
     */
    private void removed(Client c, byte[] key, ListValue l, String event) {
        server.notifyKeyspaceEvent(c, KeyspaceEvents.LIST, event, key);
        if (l.isEmpty()) {
            c.db().remove(key);
            server.notifyDeleted(c, key);
        } else {
            l.convertIfShrunk(fill());
        }
    }

    private static String popEvent(boolean head) {
        return head ? "lpop" : "rpop";
    }

    private static String pushEvent(boolean head) {
        return head ? "lpush" : "rpush";
    }

    /** getLongFromObjectOrReply: Redis's strict integer parsing; {@code msg} replaces the default text. */
    private static boolean parseLong(Client c, byte[] arg, long[] out, int i, String msg) {
        long v = Args.parseLong(arg);
        if (v == Args.NOT_A_NUMBER && !Args.isLong(arg)) {
            c.error(msg != null ? msg : Args.NOT_INTEGER);
            return false;
        }
        out[i] = v;
        return true;
    }

    /** getRangeLongFromObjectOrReply. */
    private static boolean parseRange(Client c, byte[] arg, long min, long max, long[] out, int i, String msg) {
        if (!parseLong(c, arg, out, i, msg)) {
            return false;
        }
        if (out[i] < min || out[i] > max) {
            c.error(msg != null ? msg : "ERR value is out of range, value must between " + min + " and " + max);
            return false;
        }
        return true;
    }

    /** LEFT or RIGHT; null after a syntax error reply. */
    private static Boolean position(Client c, byte[] arg) {
        if (Args.is(arg, "LEFT")) {
            return Boolean.TRUE;
        }
        if (Args.is(arg, "RIGHT")) {
            return Boolean.FALSE;
        }
        c.error(Args.SYNTAX);
        return null;
    }

    /**
     * A blocking timeout in seconds as Redis's getTimeoutFromObjectOrReply: the absolute deadline
     * in Unix milliseconds, 0 for no timeout, or -1 after an error reply.
     */
    static long timeout(Client c, byte[] arg, long now) {
        BigDecimal v = LongDouble.parse(arg);
        if (v == null) {
            c.error(TIMEOUT_NOT_FLOAT);
            return -1;
        }
        if (v == LongDouble.INFINITE) {
            c.error(arg.length > 0 && arg[0] == '-' ? TIMEOUT_NEGATIVE : TIMEOUT_OUT_OF_RANGE);
            return -1;
        }
        // seconds to milliseconds in long double arithmetic, as Redis (0.001 * 1000 is just below 1 there)
        BigDecimal product = v.signum() == 0 ? BigDecimal.ZERO : LongDouble.round(v.movePointRight(3));
        if (product == null) {
            c.error(TIMEOUT_OUT_OF_RANGE);
            return -1;
        }
        BigDecimal ms = product.setScale(0, RoundingMode.CEILING);
        if (product.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            c.error(TIMEOUT_OUT_OF_RANGE);
            return -1;
        }
        if (ms.signum() < 0) {
            c.error(TIMEOUT_NEGATIVE);
            return -1;
        }
        long t = ms.longValue();
        if (t == 0) {
            return 0;
        }
        if (t > Long.MAX_VALUE - now) {
            c.error(TIMEOUT_OUT_OF_RANGE);
            return -1;
        }
        return now + t;
    }

    // ------------------------------------------------------------------ pushes and pops

    void push(Client c, byte[][] argv, boolean head, boolean onlyIfExists) {
        byte[] key = argv[1];
        ListValue l = listForWrite(c, key);
        if (l == WRONG) {
            return;
        }
        if (l == null) {
            if (onlyIfExists) {
                c.reply().integer(0);
                return;
            }
            l = create(c, key);
        }
        int fill = fill();
        l.convertForAppend(fill, argv, 2, argv.length - 1);
        for (int i = 2; i < argv.length; i++) {
            l.push(argv[i], head, fill);
        }
        server.notifyKeyspaceEvent(c, KeyspaceEvents.LIST, pushEvent(head), key);
        c.reply().integer(l.size());
    }

    void pop(Client c, byte[][] argv, boolean head) {
        if (argv.length > 3) {
            c.error("ERR wrong number of arguments for '" + (head ? "lpop" : "rpop") + "' command");
            return;
        }
        boolean hasCount = argv.length == 3;
        long[] n = new long[1];
        if (hasCount && !parseRange(c, argv[2], 0, Long.MAX_VALUE, n, 0, MUST_BE_POSITIVE)) {
            return;
        }
        ListValue l = listForWrite(c, argv[1]);
        if (l == WRONG) {
            return;
        }
        if (l == null) {
            if (hasCount) {
                c.reply().nullArray();
            } else {
                c.reply().nullBulk();
            }
            return;
        }
        if (!hasCount) {
            RespWriter r = c.reply();
            if (!l.popTo(head, bulkOf(r))) {
                r.nullBulk();
            }
        } else if (n[0] == 0) {
            c.reply().arrayHeader(0);
            return;
        } else {
            popRange(c, l, head, n[0]);
        }
        removed(c, argv[1], l, popEvent(head));
    }

    /** Writes each element it visits as a bulk string, straight from the list's node (no copy of it). */
    private static ListValue.Visitor bulkOf(RespWriter r) {
        return (buf, off, len) -> {
            r.bulk(buf, off, len);
            return true;
        };
    }

    /** Pops up to {@code count} elements from one end and replies them as an array, in pop order. */
    private static void popRange(Client c, ListValue l, boolean head, long count) {
        long take = Math.min(count, l.size());
        RespWriter r = c.reply();
        r.arrayHeader((int) take);
        ListValue.Visitor reply = bulkOf(r);
        for (long i = 0; i < take; i++) {
            l.popTo(head, reply);
        }
    }

    void llen(Client c, byte[][] argv) {
        ListValue l = listForRead(c, argv[1]);
        if (l == WRONG) {
            return;
        }
        c.reply().integer(l == null ? 0 : l.size());
    }

    void lrange(Client c, byte[][] argv) {
        long[] n = new long[2];
        if (!parseLong(c, argv[2], n, 0, null) || !parseLong(c, argv[3], n, 1, null)) {
            return;
        }
        ListValue l = listForRead(c, argv[1]);
        if (l == WRONG) {
            return;
        }
        if (l == null) {
            c.reply().arrayHeader(0);
            return;
        }
        long llen = l.size();
        long start = n[0];
        long end = n[1];
        if (start < 0) {
            start = llen + start;
        }
        if (end < 0) {
            end = llen + end;
        }
        if (start < 0) {
            start = 0;
        }
        if (start > end || start >= llen) {
            c.reply().arrayHeader(0);
            return;
        }
        if (end >= llen) {
            end = llen - 1;
        }
        writeRange(c.reply(), l, start, end - start + 1);
    }

    /**
     * The reply of LRANGE: {@code count} elements from {@code start} (in range) as an array of bulk
     * strings, written as one run ({@link RespWriter#startRun}) into a buffer grown once for it
     * (estimated from the first element's size).
     */
    public static void writeRange(RespWriter r, ListValue l, long start, long count) {
        r.arrayHeader((int) count);
        long[] left = {count};
        r.startRun();
        try {
            l.visit(start, true, (buf, off, len) -> {
                if (left[0] == count) {
                    r.reserve(count * RespWriter.bulkSize(len));
                }
                r.runBulk(buf, off, len);
                return --left[0] > 0;
            });
        } finally {
            r.endRun();
        }
    }

    void lindex(Client c, byte[][] argv) {
        ListValue l = listForRead(c, argv[1]);
        if (l == WRONG) {
            return;
        }
        if (l == null) {
            c.reply().nullBulk();
            return;
        }
        long[] n = new long[1];
        if (!parseLong(c, argv[2], n, 0, null)) {
            return;
        }
        long index = n[0] < 0 ? l.size() + n[0] : n[0];
        byte[] e = l.get(index);
        if (e == null) {
            c.reply().nullBulk();
        } else {
            c.reply().bulk(e);
        }
    }

    void lset(Client c, byte[][] argv) {
        ListValue l = listForWrite(c, argv[1]);
        if (l == null) {
            c.error(NO_SUCH_KEY);
            return;
        }
        if (l == WRONG) {
            return;
        }
        long[] n = new long[1];
        if (!parseLong(c, argv[2], n, 0, null)) {
            return;
        }
        long index = n[0] < 0 ? l.size() + n[0] : n[0];
        if (index < 0 || index >= l.size()) {
            c.error(INDEX_OUT_OF_RANGE);
            return;
        }
        int fill = fill();
        l.convertForAppend(fill, argv[3]);
        l.set(index, argv[3], fill);
        l.convertIfShrunk(fill);
        server.notifyKeyspaceEvent(c, KeyspaceEvents.LIST, "lset", argv[1]);
        c.reply().ok();
    }

    void linsert(Client c, byte[][] argv) {
        boolean before;
        if (Args.is(argv[2], "AFTER")) {
            before = false;
        } else if (Args.is(argv[2], "BEFORE")) {
            before = true;
        } else {
            c.error(Args.SYNTAX);
            return;
        }
        ListValue l = listForWrite(c, argv[1]);
        if (l == WRONG) {
            return;
        }
        if (l == null) {
            c.reply().integer(0);
            return;
        }
        int fill = fill();
        // As Redis: converted before looking for the pivot, whether or not it is found.
        l.convertForAppend(fill, argv[4]);
        if (l.insert(argv[3], argv[4], before, fill)) {
            server.notifyKeyspaceEvent(c, KeyspaceEvents.LIST, "linsert", argv[1]);
            c.reply().integer(l.size());
        } else {
            c.reply().integer(-1);
        }
    }

    void lrem(Client c, byte[][] argv) {
        long[] n = new long[1];
        if (!parseLong(c, argv[2], n, 0, null)) {
            return;
        }
        ListValue l = listForWrite(c, argv[1]);
        if (l == WRONG) {
            return;
        }
        if (l == null) {
            c.reply().integer(0);
            return;
        }
        long count = n[0];
        long removedCount = count == Long.MIN_VALUE
                ? l.remove(argv[3], 0, false) // |LONG_MIN| is more than any list holds: all of them
                : l.remove(argv[3], Math.abs(count), count >= 0);
        if (removedCount > 0) {
            removed(c, argv[1], l, "lrem");
        }
        c.reply().integer(removedCount);
    }

    void ltrim(Client c, byte[][] argv) {
        long[] n = new long[2];
        if (!parseLong(c, argv[2], n, 0, null) || !parseLong(c, argv[3], n, 1, null)) {
            return;
        }
        ListValue l = listForWrite(c, argv[1]);
        if (l == WRONG) {
            return;
        }
        if (l == null) {
            c.reply().ok();
            return;
        }
        long llen = l.size();
        long start = n[0];
        long end = n[1];
        if (start < 0) {
            start = llen + start;
        }
        if (end < 0) {
            end = llen + end;
        }
        if (start < 0) {
            start = 0;
        }
        if (start > end || start >= llen) {
            l.removeRange(0, llen);
        } else {
            if (end >= llen) {
                end = llen - 1;
            }
            l.trim(start, end);
        }
        removed(c, argv[1], l, "ltrim");
        c.reply().ok();
    }

    void lpos(Client c, byte[][] argv) {
        byte[] element = argv[2];
        long[] n = new long[1];
        long rank = 1;
        long count = -1;
        long maxlen = 0;
        for (int j = 3; j < argv.length; j++) {
            boolean more = j < argv.length - 1;
            if (Args.is(argv[j], "RANK") && more) {
                j++;
                if (!parseRange(c, argv[j], -Long.MAX_VALUE, Long.MAX_VALUE, n, 0, null)) {
                    return;
                }
                rank = n[0];
                if (rank == 0) {
                    c.error(RANK_ZERO);
                    return;
                }
            } else if (Args.is(argv[j], "COUNT") && more) {
                j++;
                if (!parseRange(c, argv[j], 0, Long.MAX_VALUE, n, 0, "ERR COUNT can't be negative")) {
                    return;
                }
                count = n[0];
            } else if (Args.is(argv[j], "MAXLEN") && more) {
                j++;
                if (!parseRange(c, argv[j], 0, Long.MAX_VALUE, n, 0, "ERR MAXLEN can't be negative")) {
                    return;
                }
                maxlen = n[0];
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        boolean forward = true;
        if (rank < 0) {
            rank = -rank;
            forward = false;
        }
        ListValue l = listForRead(c, argv[1]);
        if (l == WRONG) {
            return;
        }
        if (l == null) {
            if (count != -1) {
                c.reply().arrayHeader(0);
            } else {
                c.reply().nullBulk();
            }
            return;
        }
        long llen = l.size();
        final long wantRank = rank;
        final long wantCount = count;
        final long limit = maxlen;
        final boolean fwd = forward;
        // state: index, matches, number of results
        long[] st = new long[3];
        long[] results = count > 0 ? new long[(int) Math.min(count, llen)] : null;
        ArrayList<Long> all = count == 0 ? new ArrayList<>() : null;
        long[] single = {-1};
        l.visit(forward ? 0 : llen - 1, forward, (buf, off, len) -> {
            if (limit != 0 && st[0] >= limit) {
                return false;
            }
            if (len == element.length && Arrays.equals(buf, off, off + len, element, 0, len)) {
                st[1]++;
                long at = fwd ? st[0] : llen - st[0] - 1;
                if (st[1] >= wantRank) {
                    if (wantCount == -1) {
                        single[0] = at;
                        return false;
                    }
                    if (wantCount == 0) {
                        all.add(at);
                    } else {
                        results[(int) st[2]++] = at;
                        if (st[2] >= wantCount) {
                            return false;
                        }
                    }
                }
            }
            st[0]++;
            return true;
        });
        RespWriter r = c.reply();
        if (count == -1) {
            if (single[0] >= 0) {
                r.integer(single[0]);
            } else {
                r.nullBulk();
            }
        } else if (count == 0) {
            r.arrayHeader(all.size());
            for (long at : all) {
                r.integer(at);
            }
        } else {
            r.arrayHeader((int) st[2]);
            for (int i = 0; i < st[2]; i++) {
                r.integer(results[i]);
            }
        }
    }

    // ------------------------------------------------------------------ moves

    void lmove(Client c, byte[][] argv) {
        Boolean from = position(c, argv[3]);
        if (from == null) {
            return;
        }
        Boolean to = position(c, argv[4]);
        if (to == null) {
            return;
        }
        move(c, argv[1], argv[2], from, to);
    }

    /** LMOVE / RPOPLPUSH (lmoveGenericCommand). */
    void move(Client c, byte[] src, byte[] dst, boolean fromHead, boolean toHead) {
        ListValue s = listForWrite(c, src);
        if (s == WRONG) {
            return;
        }
        if (s == null || s.isEmpty()) {
            c.reply().nullBulk();
            return;
        }
        ListValue d = listForWrite(c, dst);
        if (d == WRONG) {
            return;
        }
        byte[] value = s.pop(fromHead);
        int fill = fill();
        if (d == null) {
            d = create(c, dst);
        }
        d.convertForAppend(fill, value);
        d.push(value, toHead, fill);
        server.notifyKeyspaceEvent(c, KeyspaceEvents.LIST, pushEvent(toHead), dst);
        removed(c, src, s, popEvent(fromHead));
        c.reply().bulk(value);
    }

    void blmoveCommand(Client c, byte[][] argv) {
        Boolean from = position(c, argv[3]);
        if (from == null) {
            return;
        }
        Boolean to = position(c, argv[4]);
        if (to == null) {
            return;
        }
        long deadline = timeout(c, argv[5], System.currentTimeMillis());
        if (deadline < 0) {
            return;
        }
        blmove(c, argv[1], argv[2], from, to, deadline, new byte[][] {LMOVE, argv[1], argv[2], argv[3], argv[4]});
    }

    void brpoplpush(Client c, byte[][] argv) {
        long deadline = timeout(c, argv[3], System.currentTimeMillis());
        if (deadline < 0) {
            return;
        }
        blmove(c, argv[1], argv[2], false, true, deadline, new byte[][] {RPOPLPUSH, argv[1], argv[2]});
    }

    /**
     * BLMOVE and BRPOPLPUSH; {@code as} is how they propagate when served at once (LMOVE or
     * RPOPLPUSH with the client's arguments). Served later they propagate as Redis's
     * serveClientBlockedOnList writes them (LMOVE with lower-case left/right).
     */
    private void blmove(Client c, byte[] src, byte[] dst, boolean fromHead, boolean toHead, long deadline,
                        byte[][] as) {
        StoredValue v = server.lookupWrite(c, src);
        if (v != null && v.type() != ValueType.LIST) {
            c.error(Args.WRONGTYPE);
            return;
        }
        if (v != null) {
            move(c, src, dst, fromHead, toHead);
            c.propagateAs(as);
            return;
        }
        if (c.denyBlocking()) {
            c.reply().nullBulk();
            return;
        }
        byte[] from = src.clone(); // the wait outlives the request's buffers
        byte[] to = dst.clone();
        server.blocking().block(c, new byte[][] {from}, ValueType.LIST, deadline, new Blocking.Waiter() {
            @Override
            public boolean serve(Client client) {
                StoredValue sv = client.db().peek(from);
                if (sv == null || sv.type() != ValueType.LIST) {
                    return false;
                }
                move(client, from, to, fromHead, toHead);
                client.propagateAs(as[0] == RPOPLPUSH ? new byte[][] {RPOPLPUSH, from, to}
                        : new byte[][] {LMOVE, from, to, fromHead ? LEFT : RIGHT, toHead ? LEFT : RIGHT});
                return true;
            }

            @Override
            public void timeoutReply(Client client) {
                client.reply().nullArray();
            }
        });
    }

    // ------------------------------------------------------------------ multi-key pops

    /** LMPOP numkeys key... LEFT|RIGHT [COUNT n] and BLMPOP timeout numkeys ... */
    void lmpop(Client c, byte[][] argv, int numkeysIdx, boolean blocking) {
        long[] n = new long[1];
        if (!parseRange(c, argv[numkeysIdx], 1, Long.MAX_VALUE, n, 0, "ERR numkeys should be greater than 0")) {
            return;
        }
        long numkeys = n[0];
        long whereIdx = numkeysIdx + numkeys + 1;
        if (whereIdx >= argv.length || whereIdx < 0) {
            c.error(Args.SYNTAX);
            return;
        }
        Boolean head = position(c, argv[(int) whereIdx]);
        if (head == null) {
            return;
        }
        long count = -1;
        for (int j = (int) whereIdx + 1; j < argv.length; j++) {
            boolean more = j < argv.length - 1;
            if (count == -1 && Args.is(argv[j], "COUNT") && more) {
                j++;
                if (!parseRange(c, argv[j], 1, Long.MAX_VALUE, n, 0, "ERR count should be greater than 0")) {
                    return;
                }
                count = n[0];
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        if (count == -1) {
            count = 1;
        }
        byte[][] keys = Arrays.copyOfRange(argv, numkeysIdx + 1, numkeysIdx + 1 + (int) numkeys);
        if (!blocking) {
            if (!popFirst(c, keys, head, count, true)) {
                c.reply().nullArray();
            }
            return;
        }
        long deadline = timeout(c, argv[1], System.currentTimeMillis());
        if (deadline < 0) {
            return;
        }
        blockingPop(c, keys, head, count, deadline, true);
    }

    void blpop(Client c, byte[][] argv, boolean head) {
        long deadline = timeout(c, argv[argv.length - 1], System.currentTimeMillis());
        if (deadline < 0) {
            return;
        }
        byte[][] keys = Arrays.copyOfRange(argv, 1, argv.length - 1);
        blockingPop(c, keys, head, 1, deadline, false);
    }

    private void blockingPop(Client c, byte[][] keys, boolean head, long count, long deadline, boolean nested) {
        byte[][] waitKeys = copies(keys); // a wait outlives the request's buffers
        server.blocking().serveOrBlock(c, waitKeys, ValueType.LIST, deadline,
                client -> popFirst(client, waitKeys, head, count, nested));
    }

    static byte[][] copies(byte[][] keys) {
        byte[][] out = new byte[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            out[i] = keys[i].clone();
        }
        return out;
    }

    /**
     * Pops from the first non-empty list among {@code keys} and replies [key, element] (BLPOP) or
     * [key, [elements]] (LMPOP); replies WRONGTYPE when a key before it holds another type.
     * Returns false, without replying, when every key is missing.
     */
    private boolean popFirst(Client c, byte[][] keys, boolean head, long count, boolean nested) {
        for (byte[] key : keys) {
            ListValue l = listForWrite(c, key);
            if (l == WRONG) {
                return true;
            }
            if (l == null || l.isEmpty()) {
                continue;
            }
            RespWriter r = c.reply();
            r.arrayHeader(2);
            r.bulk(key);
            if (nested) {
                // LMPOP / BLMPOP propagate as LPOP / RPOP key count (the count it took), as Redis
                c.propagateAs(head ? LPOP : RPOP, key, Propagation.number(Math.min(count, l.size())));
                popRange(c, l, head, count);
            } else {
                c.propagateAs(head ? LPOP : RPOP, key); // BLPOP / BRPOP as LPOP / RPOP
                r.bulk(l.pop(head));
            }
            removed(c, key, l, popEvent(head));
            return true;
        }
        return false;
    }
}
