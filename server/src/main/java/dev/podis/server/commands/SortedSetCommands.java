package dev.podis.server.commands;

import dev.podis.protocol.Doubles;
import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.KeyspaceEvents;
import dev.podis.server.Propagation;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.config.ConfigValue;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.SetValue;
import dev.podis.storage.types.SortedSetValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sorted set commands (Redis's t_zset.c): ZADD and ZINCRBY, removal (ZREM, ZREMRANGEBY*, ZPOP*,
 * ZMPOP), reads (ZCARD, ZCOUNT, ZLEXCOUNT, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZRANDMEMBER,
 * ZSCAN), the range family (ZRANGE with BYSCORE/BYLEX/REV/LIMIT and its older spellings, and
 * ZRANGESTORE) and the set algebra (ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD).
 *
 * <p>A sorted set is a {@link SortedSetValue} held in a {@link StoredValue} of type
 * {@link ValueType#ZSET} and changed in place; a set left empty is removed from the keyspace.
 * Its encoding follows {@code zset-max-listpack-entries} and {@code zset-max-listpack-value},
 * read through cached config handles.
 *
 * <p>Scores are parsed as Redis does: ZADD, ZINCRBY and WEIGHTS with strtod over the whole
 * argument (no leading space, no overflow, no NaN; "inf", hex floats accepted), score ranges
 * with strtod up to the end of the argument (leading spaces allowed, an empty bound is 0).
 * Scores are replied as doubles (RESP3 double, RESP2 bulk string) formatted by
 * {@link Doubles#format}.
 *
 * <p>Plain sets are valid inputs of ZUNION/ZINTER/ZDIFF (every member with score 1), read
 * through {@link SetValue}.
 *
 * <p>BZPOPMIN, BZPOPMAX and BZMPOP wait through the server's {@link Blocking} registry, served
 * by {@link #serveBlockingPop} when a key they wait on gets members.
 *
 * <p>Keyspace events as t_zset.c: {@code new} for a created sorted set, {@code zadd} or
 * {@code zincr} (ZINCRBY, ZADD INCR) when a member was added or its score changed, {@code zrem},
 * {@code zremrangebyscore}/{@code zremrangebyrank}/{@code zremrangebylex}, {@code zpopmin}/
 * {@code zpopmax} (the blocking and ZMPOP forms too), each followed by {@code del} when the set
 * became empty; the STORE forms report {@code zunionstore}, {@code zinterstore},
 * {@code zdiffstore} or {@code zrangestore}, or {@code del} when an empty result removed the
 * destination.
 */
public final class SortedSetCommands implements CommandFamily {
    static final String NOT_FLOAT = "ERR value is not a valid float";
    static final String NAN_RESULT = "ERR resulting score is not a number (NaN)";
    static final String RANGE_NOT_FLOAT = "ERR min or max is not a float";
    static final String LEX_RANGE = "ERR min or max not valid string range item";
    private static final String NOT_POSITIVE = "ERR value is out of range, must be positive";

    // Range types and directions of the ZRANGE family.
    private static final int AUTO = 0;
    private static final int RANK = 1;
    private static final int SCORE = 2;
    private static final int LEX = 3;
    private static final int FORWARD = 1;
    private static final int REVERSE = 2;

    // Set operations.
    private static final int UNION = 0;
    private static final int INTER = 1;
    private static final int DIFF = 2;
    private static final int SUM = 0;
    private static final int MIN = 1;
    private static final int MAX = 2;

    private static final byte[] ZPOPMIN = Args.bytes("ZPOPMIN");
    private static final byte[] ZPOPMAX = Args.bytes("ZPOPMAX");

    private final ServerContext server;
    private final ConfigValue maxEntries;
    private final ConfigValue maxValue;

    public SortedSetCommands(ServerContext server) {
        this.server = server;
        this.maxEntries = server.config().value("zset-max-listpack-entries");
        this.maxValue = server.config().value("zset-max-listpack-value");
    }

    @Override
    public void register(CommandTable t) {
        t.bindBorrowingName("zadd", (c, argv) -> zadd(c, argv, false)); // keeps members and key, not the vector or the name
        t.bind("zincrby", (c, argv) -> zadd(c, argv, true));
        t.bind("zrem", this::zrem);
        t.bind("zcard", this::zcard);
        t.bind("zcount", this::zcount);
        t.bind("zlexcount", this::zlexcount);
        t.bind("zscore", this::zscore);
        t.bind("zmscore", this::zmscore);
        t.bind("zrank", (c, argv) -> zrank(c, argv, false));
        t.bind("zrevrank", (c, argv) -> zrank(c, argv, true));
        t.bind("zrange", (c, argv) -> zrange(c, argv, 1, null, AUTO, AUTO));
        t.bind("zrangestore", (c, argv) -> zrange(c, argv, 2, argv[1], AUTO, AUTO));
        t.bind("zrangebyscore", (c, argv) -> zrange(c, argv, 1, null, SCORE, FORWARD));
        t.bind("zrevrangebyscore", (c, argv) -> zrange(c, argv, 1, null, SCORE, REVERSE));
        t.bind("zrangebylex", (c, argv) -> zrange(c, argv, 1, null, LEX, FORWARD));
        t.bind("zrevrangebylex", (c, argv) -> zrange(c, argv, 1, null, LEX, REVERSE));
        t.bind("zrevrange", (c, argv) -> zrange(c, argv, 1, null, RANK, REVERSE));
        t.bind("zremrangebyrank", (c, argv) -> zremrange(c, argv, RANK));
        t.bind("zremrangebyscore", (c, argv) -> zremrange(c, argv, SCORE));
        t.bind("zremrangebylex", (c, argv) -> zremrange(c, argv, LEX));
        t.bind("zunion", (c, argv) -> setOperation(c, argv, null, 1, UNION, false, "zunion"));
        t.bind("zinter", (c, argv) -> setOperation(c, argv, null, 1, INTER, false, "zinter"));
        t.bind("zdiff", (c, argv) -> setOperation(c, argv, null, 1, DIFF, false, "zdiff"));
        t.bind("zunionstore", (c, argv) -> setOperation(c, argv, argv[1], 2, UNION, false, "zunionstore"));
        t.bind("zinterstore", (c, argv) -> setOperation(c, argv, argv[1], 2, INTER, false, "zinterstore"));
        t.bind("zdiffstore", (c, argv) -> setOperation(c, argv, argv[1], 2, DIFF, false, "zdiffstore"));
        t.bind("zintercard", (c, argv) -> setOperation(c, argv, null, 1, INTER, true, "zintercard"));
        t.bind("zpopmin", (c, argv) -> zpop(c, argv, false));
        t.bind("zpopmax", (c, argv) -> zpop(c, argv, true));
        t.bind("zmpop", this::zmpop);
        t.bind("bzpopmin", (c, argv) -> bzpop(c, argv, false));
        t.bind("bzpopmax", (c, argv) -> bzpop(c, argv, true));
        t.bind("bzmpop", this::bzmpop);
        t.bind("zrandmember", this::zrandmember);
        t.bind("zscan", this::zscan);
    }

    // ------------------------------------------------------------------ lookups

    /** Returned by the lookups after a WRONGTYPE reply. */
    static final SortedSetValue WRONG = SortedSetValue.create(0, 0, 0, 0);

    /** The sorted set at {@code key} (lookupKeyRead), null when missing, {@link #WRONG} after WRONGTYPE. */
    SortedSetValue read(Client c, byte[] key) {
        return Args.payload(c, server.lookupReadCollection(c, key), SortedSetValue.class, WRONG);
    }

    private SortedSetValue write(Client c, byte[] key) {
        return Args.payload(c, server.lookupWriteCollection(c, key), SortedSetValue.class, WRONG);
    }

    private long entriesLimit() {
        return maxEntries.asLong();
    }

    private long valueLimit() {
        return maxValue.asLong();
    }

    private SortedSetValue newSet(long sizeHint, long lengthHint) {
        return SortedSetValue.create(sizeHint, lengthHint, entriesLimit(), valueLimit());
    }

    /** After removing members: reports {@code event}, then removes a sorted set that became empty ({@code del}). */
    private void removed(Client c, byte[] key, SortedSetValue z, String event) {
        server.notifyKeyspaceEvent(c, KeyspaceEvents.ZSET, event, key);
        if (z.size() == 0) {
            c.db().remove(key);
            server.notifyDeleted(c, key);
        }
    }

    /** A STORE command's result: the sorted set (null when empty) replaces the destination. */
    void storeResult(Client c, byte[] dst, SortedSetValue z, String event) {
        server.storeResult(c, dst, z == null ? null : StoredValue.object(ValueType.ZSET, z, StoredValue.NO_EXPIRY),
                KeyspaceEvents.ZSET, event);
    }

    // ------------------------------------------------------------------ ZADD, ZINCRBY

    /** ZADD's parsed scores when they are few (see zadd). */
    private final double[] scoreScratch = new double[4];

    /** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ...; ZINCRBY is ZADD ... INCR. */
    void zadd(Client c, byte[][] argv, boolean zincrby) {
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        boolean ch = false;
        boolean incr = zincrby;
        int idx = 2;
        for (; idx < argv.length; idx++) {
            byte[] o = argv[idx];
            if (Args.is(o, "NX")) {
                nx = true;
            } else if (Args.is(o, "XX")) {
                xx = true;
            } else if (Args.is(o, "CH")) {
                ch = true;
            } else if (Args.is(o, "INCR")) {
                incr = true;
            } else if (Args.is(o, "GT")) {
                gt = true;
            } else if (Args.is(o, "LT")) {
                lt = true;
            } else {
                break;
            }
        }
        int elements = argv.length - idx;
        if (elements % 2 != 0 || elements == 0) {
            c.error(Args.SYNTAX);
            return;
        }
        elements /= 2;
        if (nx && xx) {
            c.error("ERR XX and NX options at the same time are not compatible");
            return;
        }
        if ((gt && nx) || (lt && nx) || (gt && lt)) {
            c.error("ERR GT, LT, and/or NX options at the same time are not compatible");
            return;
        }
        if (incr && elements > 1) {
            c.error("ERR INCR option supports a single increment-element pair");
            return;
        }
        // the command loop runs one command at a time: a few scores need no array of their own
        double[] scores = elements <= scoreScratch.length ? scoreScratch : new double[elements];
        int maxLength = 0;
        for (int j = 0; j < elements; j++) {
            double s = parseScore(argv[idx + 2 * j]);
            if (Double.isNaN(s)) {
                c.error(NOT_FLOAT);
                return;
            }
            scores[j] = s;
            maxLength = Math.max(maxLength, argv[idx + 2 * j + 1].length);
        }
        byte[] key = argv[1];
        SortedSetValue z = write(c, key);
        if (z == WRONG) {
            return;
        }
        if (z == null) {
            if (xx) {
                if (incr) {
                    c.reply().nullBulk();
                } else {
                    c.reply().integer(0);
                }
                return;
            }
            z = newSet(elements, maxLength);
            server.notifyNew(c, key);
            c.db().put(key, StoredValue.object(ValueType.ZSET, z, StoredValue.NO_EXPIRY));
            server.blocking().signalKeyAsReady(c.dbIndex(), key);
        }
        long added = 0;
        long updated = 0;
        long processed = 0;
        double result = 0;
        long limitEntries = entriesLimit();
        long limitValue = valueLimit();
        for (int j = 0; j < elements; j++) {
            byte[] member = argv[idx + 2 * j + 1];
            double score = scores[j];
            double current = z.score(member);
            if (!Double.isNaN(current)) {
                if (nx) {
                    continue;
                }
                if (incr) {
                    score += current;
                    if (Double.isNaN(score)) {
                        c.error(NAN_RESULT);
                        return;
                    }
                }
                if ((lt && score >= current) || (gt && score <= current)) {
                    continue;
                }
                processed++;
                result = score;
                if (score != current) {
                    z.update(member, score);
                    updated++;
                }
            } else if (!xx) {
                z.insert(member, score, limitEntries, limitValue);
                added++;
                processed++;
                result = score;
            }
        }
        if (added > 0 || updated > 0) {
            server.notifyKeyspaceEvent(c, KeyspaceEvents.ZSET, incr ? "zincr" : "zadd", key);
        }
        if (incr) {
            if (processed > 0) {
                c.reply().doubleValue(result);
            } else {
                c.reply().nullBulk();
            }
        } else {
            c.reply().integer(ch ? added + updated : added);
        }
    }

    // ------------------------------------------------------------------ ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK

    void zrem(Client c, byte[][] argv) {
        SortedSetValue z = write(c, argv[1]);
        if (z == WRONG) {
            return;
        }
        if (z == null) {
            c.reply().integer(0);
            return;
        }
        long removed = 0;
        for (int i = 2; i < argv.length; i++) {
            if (z.remove(argv[i])) {
                removed++;
                if (z.size() == 0) {
                    break;
                }
            }
        }
        if (removed > 0) {
            removed(c, argv[1], z, "zrem");
        }
        c.reply().integer(removed);
    }

    void zcard(Client c, byte[][] argv) {
        SortedSetValue z = read(c, argv[1]);
        if (z == WRONG) {
            return;
        }
        c.reply().integer(z == null ? 0 : z.size());
    }

    void zscore(Client c, byte[][] argv) {
        SortedSetValue z = read(c, argv[1]);
        if (z == WRONG) {
            return;
        }
        double s = z == null ? Double.NaN : z.score(argv[2]);
        if (Double.isNaN(s)) {
            c.reply().nullBulk();
        } else {
            c.reply().doubleValue(s);
        }
    }

    void zmscore(Client c, byte[][] argv) {
        SortedSetValue z = read(c, argv[1]);
        if (z == WRONG) {
            return;
        }
        RespWriter w = c.reply();
        w.arrayHeader(argv.length - 2);
        for (int i = 2; i < argv.length; i++) {
            double s = z == null ? Double.NaN : z.score(argv[i]);
            if (Double.isNaN(s)) {
                w.nullBulk();
            } else {
                w.doubleValue(s);
            }
        }
    }

    /** ZRANK / ZREVRANK key member [WITHSCORE] (Redis 7.2). */
    void zrank(Client c, byte[][] argv, boolean reverse) {
        if (argv.length > 4) {
            c.error("ERR wrong number of arguments for '" + (reverse ? "zrevrank" : "zrank") + "' command");
            return;
        }
        boolean withScore = false;
        if (argv.length == 4) {
            if (!Args.is(argv[3], "WITHSCORE")) {
                c.error(Args.SYNTAX);
                return;
            }
            withScore = true;
        }
        SortedSetValue z = read(c, argv[1]);
        if (z == WRONG) {
            return;
        }
        int rank = z == null ? -1 : z.rank(argv[2]);
        RespWriter w = c.reply();
        if (rank < 0) {
            if (withScore) {
                w.nullArray();
            } else {
                w.nullBulk();
            }
            return;
        }
        if (reverse) {
            rank = z.size() - 1 - rank;
        }
        if (withScore) {
            w.arrayHeader(2);
            w.integer(rank);
            w.doubleValue(z.score(argv[2]));
        } else {
            w.integer(rank);
        }
    }

    // ------------------------------------------------------------------ ranges: parsing

    /** A parsed score range: [min, max] with exclusive ends as flagged. */
    private static final class ScoreRange {
        double min;
        double max;
        boolean minEx;
        boolean maxEx;

        /** Ranks [from, to) of the members inside the range. */
        int from(SortedSetValue z) {
            return z.countBelow(min, minEx);
        }

        int to(SortedSetValue z) {
            return z.countBelow(max, !maxEx);
        }
    }

    /** A parsed lex range; null bounds stand for "-" (NEG) or "+" (POS). */
    private static final class LexRange {
        static final int VALUE = 0;
        static final int NEG = 1;
        static final int POS = 2;
        int minKind;
        int maxKind;
        byte[] min;
        byte[] max;
        boolean minEx;
        boolean maxEx;

        int from(SortedSetValue z) {
            return bound(z, minKind, min, minEx);
        }

        boolean gteMin(byte[] m) {
            if (minKind != VALUE) {
                return minKind == NEG;
            }
            int c = Arrays.compareUnsigned(m, min);
            return minEx ? c > 0 : c >= 0;
        }

        boolean lteMax(byte[] m) {
            if (maxKind != VALUE) {
                return maxKind == POS;
            }
            int c = Arrays.compareUnsigned(m, max);
            return maxEx ? c < 0 : c <= 0;
        }

        /** Redis's sdscmplex of the two bounds: "-" below everything, "+" above. */
        int compareBounds() {
            if (minKind == maxKind && minKind != VALUE) {
                return 0;
            }
            if (minKind == NEG || maxKind == POS) {
                return -1;
            }
            if (minKind == POS || maxKind == NEG) {
                return 1;
            }
            return Arrays.compareUnsigned(min, max);
        }

        /**
         * Ranks of a lex range in a listpack, walked as Redis walks it (zzlFirstInLexRange /
         * zzlLastInLexRange, then while the other bound holds), which also fixes the answer when
         * the scores differ: {first rank, count}, {@code first} being the highest rank of a reverse
         * range. {@code offset} members are skipped first (unchecked, as Redis); a negative
         * {@code limit} means no limit.
         */
        int[] walkListpack(SortedSetValue z, boolean reverse, long offset, long limit) {
            int[] none = {0, 0};
            int size = z.size();
            int cmp = compareBounds();
            if (size == 0 || cmp > 0 || (cmp == 0 && (minEx || maxEx)) || offset < 0) {
                return none;
            }
            SortedSetValue.Cursor it = z.at(size - 1);
            if (!gteMin(it.member())) {
                return none;
            }
            it.seek(0);
            if (!lteMax(it.member())) {
                return none;
            }
            int start;
            if (!reverse) {
                int f = 0;
                while (f < size && !gteMin(it.member())) {
                    it.next();
                    f++;
                }
                if (f == size || !lteMax(it.member()) || offset >= size - f) {
                    return none;
                }
                start = f + (int) offset;
                it.seek(start);
                int n = 0;
                while (it.valid() && (limit < 0 || n < limit) && lteMax(it.member())) {
                    n++;
                    it.next();
                }
                return new int[] {start, n};
            }
            int l = size - 1;
            it.seek(l);
            while (l >= 0 && !lteMax(it.member())) {
                it.prev();
                l--;
            }
            if (l < 0 || !gteMin(it.member()) || offset > l) {
                return none;
            }
            start = l - (int) offset;
            it.seek(start);
            int n = 0;
            while (it.valid() && (limit < 0 || n < limit) && gteMin(it.member())) {
                n++;
                it.prev();
            }
            return new int[] {start, n};
        }

        int to(SortedSetValue z) {
            return bound(z, maxKind, max, !maxEx);
        }

        private static int bound(SortedSetValue z, int kind, byte[] v, boolean inclusive) {
            if (kind == NEG) {
                return 0;
            }
            if (kind == POS) {
                return z.size();
            }
            return z.countBelowLex(v, inclusive);
        }
    }

    private static ScoreRange parseScoreRange(byte[] min, byte[] max) {
        ScoreRange r = new ScoreRange();
        int from = min.length > 0 && min[0] == '(' ? 1 : 0;
        r.minEx = from == 1;
        r.min = parseBound(min, from);
        from = max.length > 0 && max[0] == '(' ? 1 : 0;
        r.maxEx = from == 1;
        r.max = parseBound(max, from);
        if (Double.isNaN(r.min) || Double.isNaN(r.max)) {
            return null;
        }
        return r;
    }

    private static LexRange parseLexRange(byte[] min, byte[] max) {
        LexRange r = new LexRange();
        if (!lexItem(r, min, true) || !lexItem(r, max, false)) {
            return null;
        }
        return r;
    }

    private static boolean lexItem(LexRange r, byte[] s, boolean isMin) {
        if (s.length == 0) {
            return false;
        }
        int kind;
        boolean ex;
        byte[] value = null;
        switch (s[0]) {
            case '+':
            case '-':
                if (s.length > 1 && s[1] != 0) {
                    return false;
                }
                kind = s[0] == '+' ? LexRange.POS : LexRange.NEG;
                ex = true;
                break;
            case '(':
            case '[':
                kind = LexRange.VALUE;
                ex = s[0] == '(';
                value = Arrays.copyOfRange(s, 1, s.length);
                break;
            default:
                return false;
        }
        if (isMin) {
            r.minKind = kind;
            r.minEx = ex;
            r.min = value;
        } else {
            r.maxKind = kind;
            r.maxEx = ex;
            r.max = value;
        }
        return true;
    }

    // ------------------------------------------------------------------ ZCOUNT, ZLEXCOUNT

    void zcount(Client c, byte[][] argv) {
        ScoreRange r = parseScoreRange(argv[2], argv[3]);
        if (r == null) {
            c.error(RANGE_NOT_FLOAT);
            return;
        }
        SortedSetValue z = read(c, argv[1]);
        if (z == WRONG) {
            return;
        }
        c.reply().integer(z == null ? 0 : Math.max(0, r.to(z) - r.from(z)));
    }

    void zlexcount(Client c, byte[][] argv) {
        LexRange r = parseLexRange(argv[2], argv[3]);
        if (r == null) {
            c.error(LEX_RANGE);
            return;
        }
        SortedSetValue z = read(c, argv[1]);
        if (z == WRONG) {
            return;
        }
        if (z != null && z.isCompact()) {
            c.reply().integer(r.walkListpack(z, false, 0, -1)[1]);
            return;
        }
        c.reply().integer(z == null ? 0 : Math.max(0, r.to(z) - r.from(z)));
    }

    // ------------------------------------------------------------------ ZRANGE family

    /**
     * ZRANGE and its spellings (Redis's zrangeGenericCommand). {@code keyIndex} is the source
     * key's index; {@code dst} is ZRANGESTORE's destination (null otherwise); {@code type} and
     * {@code direction} are fixed by the older commands and AUTO for ZRANGE/ZRANGESTORE.
     */
    void zrange(Client c, byte[][] argv, int keyIndex, byte[] dst, int type, int direction) {
        boolean store = dst != null;
        int minIdx = keyIndex + 1;
        int maxIdx = keyIndex + 2;
        boolean withScores = false;
        long offset = 0;
        long limit = -1;
        for (int j = keyIndex + 3; j < argv.length; j++) {
            int left = argv.length - j - 1;
            byte[] a = argv[j];
            if (!store && Args.is(a, "WITHSCORES")) {
                withScores = true;
            } else if (Args.is(a, "LIMIT") && left >= 2) {
                offset = Args.parseLong(argv[j + 1]);
                if (offset == Args.NOT_A_NUMBER && !Args.isLong(argv[j + 1])) {
                    c.error(Args.NOT_INTEGER);
                    return;
                }
                limit = Args.parseLong(argv[j + 2]);
                if (limit == Args.NOT_A_NUMBER && !Args.isLong(argv[j + 2])) {
                    c.error(Args.NOT_INTEGER);
                    return;
                }
                j += 2;
            } else if (direction == AUTO && Args.is(a, "REV")) {
                direction = REVERSE;
            } else if (type == AUTO && Args.is(a, "BYLEX")) {
                type = LEX;
            } else if (type == AUTO && Args.is(a, "BYSCORE")) {
                type = SCORE;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        if (direction == AUTO) {
            direction = FORWARD;
        }
        if (type == AUTO) {
            type = RANK;
        }
        if (limit != -1 && type == RANK) {
            c.error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
            return;
        }
        if (withScores && type == LEX) {
            c.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
            return;
        }
        boolean reverse = direction == REVERSE;
        if (reverse && type != RANK) {
            int t = minIdx;
            minIdx = maxIdx;
            maxIdx = t;
        }
        long start = 0;
        long end = 0;
        ScoreRange scoreRange = null;
        LexRange lexRange = null;
        if (type == RANK) {
            start = Args.parseLong(argv[minIdx]);
            if (start == Args.NOT_A_NUMBER && !Args.isLong(argv[minIdx])) {
                c.error(Args.NOT_INTEGER);
                return;
            }
            end = Args.parseLong(argv[maxIdx]);
            if (end == Args.NOT_A_NUMBER && !Args.isLong(argv[maxIdx])) {
                c.error(Args.NOT_INTEGER);
                return;
            }
        } else if (type == SCORE) {
            scoreRange = parseScoreRange(argv[minIdx], argv[maxIdx]);
            if (scoreRange == null) {
                c.error(RANGE_NOT_FLOAT);
                return;
            }
        } else {
            lexRange = parseLexRange(argv[minIdx], argv[maxIdx]);
            if (lexRange == null) {
                c.error(LEX_RANGE);
                return;
            }
        }
        SortedSetValue z = read(c, argv[keyIndex]);
        if (z == WRONG) {
            return;
        }
        if (z == null) {
            if (store) {
                storeRange(c, dst, null, 0, 0, false);
            } else {
                c.reply().arrayHeader(0);
            }
            return;
        }
        int size = z.size();
        int first;
        int count;
        if (type == RANK) {
            if (start < 0) {
                start += size;
            }
            if (end < 0) {
                end += size;
            }
            if (start < 0) {
                start = 0;
            }
            if (start > end || start >= size) {
                first = 0;
                count = 0;
            } else {
                if (end >= size) {
                    end = size - 1;
                }
                count = (int) (end - start + 1);
                first = reverse ? size - 1 - (int) start : (int) start;
            }
        } else if (type == LEX && z.isCompact()) {
            int[] walk = lexRange.walkListpack(z, reverse, offset, limit);
            first = walk[0];
            count = walk[1];
        } else {
            int from = type == SCORE ? scoreRange.from(z) : lexRange.from(z);
            int to = type == SCORE ? scoreRange.to(z) : lexRange.to(z);
            int inRange = Math.max(0, to - from);
            if (offset < 0 || (offset > 0 && offset >= size) || offset >= inRange) {
                count = 0;
                first = 0;
            } else {
                long available = inRange - offset;
                count = (int) (limit < 0 ? available : Math.min(limit, available));
                first = reverse ? to - 1 - (int) offset : from + (int) offset;
            }
        }
        if (store) {
            storeRange(c, dst, z, first, count, reverse);
        } else {
            emitRange(c, z, first, count, reverse, withScores);
        }
    }

    /** Replies {@code count} members from rank {@code first}, walking down when reverse. */
    private static void emitRange(Client c, SortedSetValue z, int first, int count, boolean reverse, boolean withScores) {
        RespWriter w = c.reply();
        boolean pairs = withScores && w.resp3();
        w.arrayHeader(withScores && !pairs ? count * 2 : count);
        if (count == 0) {
            return;
        }
        SortedSetValue.Cursor it = z.at(first);
        for (int i = 0; i < count && it.valid(); i++) {
            if (pairs) {
                w.arrayHeader(2);
            }
            w.bulk(it.memberArray(), it.memberOffset(), it.memberLength());
            if (withScores) {
                w.doubleValue(it.score());
            }
            if (reverse) {
                it.prev();
            } else {
                it.next();
            }
        }
    }

    private void storeRange(Client c, byte[] dst, SortedSetValue z, int first, int count, boolean reverse) {
        if (count == 0) {
            storeResult(c, dst, null, "zrangestore");
            c.reply().integer(0);
            return;
        }
        SortedSetValue out = newSet(count, 0);
        SortedSetValue.Cursor it = z.at(first);
        for (int i = 0; i < count && it.valid(); i++) {
            addResult(out, it.member(), it.score());
            if (reverse) {
                it.prev();
            } else {
                it.next();
            }
        }
        storeResult(c, dst, out, "zrangestore");
        c.reply().integer(out.size());
    }

    /**
     * A new set for a computed result of {@code count} members at most {@code maxLength} bytes
     * long, in the encoding Redis would pick (ZRANGESTORE, GEOSEARCHSTORE and GEORADIUS STORE).
     */
    SortedSetValue newResult(long count, long maxLength) {
        return newSet(count, maxLength);
    }

    void addResult(SortedSetValue out, byte[] member, double score) {
        out.insert(member, score, entriesLimit(), valueLimit());
    }

    // ------------------------------------------------------------------ ZREMRANGEBY*

    void zremrange(Client c, byte[][] argv, int type) {
        long start = 0;
        long end = 0;
        ScoreRange scoreRange = null;
        LexRange lexRange = null;
        if (type == RANK) {
            start = Args.parseLong(argv[2]);
            if (start == Args.NOT_A_NUMBER && !Args.isLong(argv[2])) {
                c.error(Args.NOT_INTEGER);
                return;
            }
            end = Args.parseLong(argv[3]);
            if (end == Args.NOT_A_NUMBER && !Args.isLong(argv[3])) {
                c.error(Args.NOT_INTEGER);
                return;
            }
        } else if (type == SCORE) {
            scoreRange = parseScoreRange(argv[2], argv[3]);
            if (scoreRange == null) {
                c.error(RANGE_NOT_FLOAT);
                return;
            }
        } else {
            lexRange = parseLexRange(argv[2], argv[3]);
            if (lexRange == null) {
                c.error(LEX_RANGE);
                return;
            }
        }
        SortedSetValue z = write(c, argv[1]);
        if (z == WRONG) {
            return;
        }
        if (z == null) {
            c.reply().integer(0);
            return;
        }
        int size = z.size();
        int from;
        int to;
        if (type == RANK) {
            if (start < 0) {
                start += size;
            }
            if (end < 0) {
                end += size;
            }
            if (start < 0) {
                start = 0;
            }
            if (start > end || start >= size) {
                c.reply().integer(0);
                return;
            }
            if (end >= size) {
                end = size - 1;
            }
            from = (int) start;
            to = (int) end + 1;
        } else if (type == SCORE) {
            from = scoreRange.from(z);
            to = scoreRange.to(z);
        } else if (z.isCompact()) {
            int[] walk = lexRange.walkListpack(z, false, 0, -1);
            from = walk[0];
            to = walk[0] + walk[1];
        } else {
            from = lexRange.from(z);
            to = lexRange.to(z);
        }
        int removed = to > from ? z.removeRange(from, to) : 0;
        if (removed > 0) {
            removed(c, argv[1], z, type == RANK ? "zremrangebyrank" : type == SCORE ? "zremrangebyscore" : "zremrangebylex");
        }
        c.reply().integer(removed);
    }

    // ------------------------------------------------------------------ ZUNION, ZINTER, ZDIFF

    /** One input of the set algebra: a sorted set, a plain set, or nothing (missing key). */
    private static final class Source {
        SortedSetValue zset;
        SetValue set;
        double weight = 1.0;

        int size() {
            if (zset != null) {
                return zset.size();
            }
            return set != null ? set.size() : 0;
        }

        /** Score of {@code member} (1 for a set member), NaN when absent. */
        double find(byte[] member) {
            if (zset != null) {
                return zset.score(member);
            }
            if (set != null) {
                return set.contains(member) ? 1.0 : Double.NaN;
            }
            return Double.NaN;
        }

        interface Visitor {
            void visit(byte[] member, double score);
        }

        void forEach(Visitor v) {
            if (zset != null) {
                SortedSetValue.Cursor it = zset.at(0);
                for (; it.valid(); it.next()) {
                    v.visit(it.member(), it.score());
                }
            } else if (set != null) {
                for (byte[] m : set.toArray()) {
                    v.visit(m, 1.0);
                }
            }
        }
    }

    /** A member of a computed result. */
    private static final class Scored {
        final byte[] member;
        double score;

        Scored(byte[] member, double score) {
            this.member = member;
            this.score = score;
        }
    }

    private static final Comparator<Scored> ORDER = (a, b) -> {
        int c = Double.compare(a.score == 0 ? 0.0 : a.score, b.score == 0 ? 0.0 : b.score);
        return c != 0 ? c : Arrays.compareUnsigned(a.member, b.member);
    };

    /** A byte[] with value equality, as a hash key. */
    private static final class Bytes {
        final byte[] b;
        final int hash;

        Bytes(byte[] b) {
            this.b = b;
            this.hash = Arrays.hashCode(b);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes && Arrays.equals(b, ((Bytes) o).b);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static double aggregate(double target, double value, int how) {
        if (how == SUM) {
            double r = target + value;
            return Double.isNaN(r) ? 0.0 : r;
        }
        if (how == MIN) {
            return value < target ? value : target;
        }
        return value > target ? value : target;
    }

    /**
     * ZUNION/ZINTER/ZDIFF numkeys key ... [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES],
     * the STORE forms (destination first) and ZINTERCARD numkeys key ... [LIMIT n]
     * (Redis's zunionInterDiffGenericCommand).
     */
    void setOperation(Client c, byte[][] argv, byte[] dst, int numIndex, int op, boolean cardinalityOnly, String name) {
        long setnum = Args.parseLong(argv[numIndex]);
        if (setnum == Args.NOT_A_NUMBER && !Args.isLong(argv[numIndex])) {
            c.error(Args.NOT_INTEGER);
            return;
        }
        if (setnum < 1) {
            c.error("ERR at least 1 input key is needed for '" + name + "' command");
            return;
        }
        if (setnum > argv.length - (numIndex + 1)) {
            c.error(Args.SYNTAX);
            return;
        }
        int n = (int) setnum;
        Source[] src = new Source[n];
        int j = numIndex + 1;
        for (int i = 0; i < n; i++, j++) {
            StoredValue v = server.lookupRead(c, argv[j]); // STORE forms too, as Redis 7 (keymiss, statistics)
            Source s = new Source();
            if (v != null) {
                if (v.type() == ValueType.ZSET) {
                    s.zset = (SortedSetValue) v.object();
                } else if (v.type() == ValueType.SET) {
                    s.set = (SetValue) v.object();
                } else {
                    c.error(Args.WRONGTYPE);
                    return;
                }
            }
            src[i] = s;
        }
        int aggregate = SUM;
        boolean withScores = false;
        long limit = 0;
        int remaining = argv.length - j;
        while (remaining > 0) {
            byte[] a = argv[j];
            if (op != DIFF && !cardinalityOnly && remaining >= n + 1 && Args.is(a, "WEIGHTS")) {
                j++;
                remaining--;
                for (int i = 0; i < n; i++, j++, remaining--) {
                    double w = parseScore(argv[j]);
                    if (Double.isNaN(w)) {
                        c.error("ERR weight value is not a float");
                        return;
                    }
                    src[i].weight = w;
                }
            } else if (op != DIFF && !cardinalityOnly && remaining >= 2 && Args.is(a, "AGGREGATE")) {
                byte[] how = argv[j + 1];
                if (Args.is(how, "SUM")) {
                    aggregate = SUM;
                } else if (Args.is(how, "MIN")) {
                    aggregate = MIN;
                } else if (Args.is(how, "MAX")) {
                    aggregate = MAX;
                } else {
                    c.error(Args.SYNTAX);
                    return;
                }
                j += 2;
                remaining -= 2;
            } else if (dst == null && !cardinalityOnly && Args.is(a, "WITHSCORES")) {
                withScores = true;
                j++;
                remaining--;
            } else if (cardinalityOnly && remaining >= 2 && Args.is(a, "LIMIT")) {
                long l = Args.parseLong(argv[j + 1]);
                if (l < 0) {
                    c.error("ERR LIMIT can't be negative");
                    return;
                }
                limit = l;
                j += 2;
                remaining -= 2;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        if (op != DIFF) {
            // Smallest first: fewer lookups for ZINTER (a stable sort keeps the summation order of ties).
            Arrays.sort(src, Comparator.comparingInt(Source::size));
        }

        if (cardinalityOnly) {
            c.reply().integer(interCardinality(src, limit));
            return;
        }
        List<Scored> result;
        if (op == UNION) {
            result = union(src, aggregate);
        } else if (op == INTER) {
            result = inter(src, aggregate);
        } else {
            result = diff(src);
        }
        result.sort(ORDER);
        if (dst != null) {
            String event = op == UNION ? "zunionstore" : op == INTER ? "zinterstore" : "zdiffstore";
            if (result.isEmpty()) {
                storeResult(c, dst, null, event);
                c.reply().integer(0);
                return;
            }
            int maxLength = 0;
            for (Scored s : result) {
                maxLength = Math.max(maxLength, s.member.length);
            }
            SortedSetValue out = newSet(result.size(), maxLength);
            long entries = entriesLimit();
            long value = valueLimit();
            for (Scored s : result) {
                out.insert(s.member, s.score, entries, value);
            }
            storeResult(c, dst, out, event);
            c.reply().integer(out.size());
            return;
        }
        RespWriter w = c.reply();
        boolean pairs = withScores && w.resp3();
        w.arrayHeader(withScores && !pairs ? result.size() * 2 : result.size());
        for (Scored s : result) {
            if (pairs) {
                w.arrayHeader(2);
            }
            w.bulk(s.member);
            if (withScores) {
                w.doubleValue(s.score);
            }
        }
    }

    private static List<Scored> union(Source[] src, int aggregate) {
        Map<Bytes, Scored> acc = new HashMap<>();
        List<Scored> out = new ArrayList<>();
        for (Source s : src) {
            double weight = s.weight;
            s.forEach((member, score) -> {
                double value = weight * score;
                if (Double.isNaN(value)) {
                    value = 0;
                }
                Bytes k = new Bytes(member);
                Scored e = acc.get(k);
                if (e == null) {
                    e = new Scored(member, value);
                    acc.put(k, e);
                    out.add(e);
                } else {
                    e.score = aggregate(e.score, value, aggregate);
                }
            });
        }
        return out;
    }

    private static List<Scored> inter(Source[] src, int aggregate) {
        List<Scored> out = new ArrayList<>();
        if (src[0].size() == 0) {
            return out;
        }
        src[0].forEach((member, score) -> {
            double total = src[0].weight * score;
            if (Double.isNaN(total)) {
                total = 0;
            }
            for (int i = 1; i < src.length; i++) {
                double v = src[i].find(member);
                if (Double.isNaN(v)) {
                    return;
                }
                total = aggregate(total, v * src[i].weight, aggregate);
            }
            out.add(new Scored(member, total));
        });
        return out;
    }

    private static long interCardinality(Source[] src, long limit) {
        if (src[0].size() == 0) {
            return 0;
        }
        long[] count = {0};
        // A visit cannot stop early; members past the limit are simply not counted.
        src[0].forEach((member, score) -> {
            if (limit > 0 && count[0] >= limit) {
                return;
            }
            for (int i = 1; i < src.length; i++) {
                if (Double.isNaN(src[i].find(member))) {
                    return;
                }
            }
            count[0]++;
        });
        return count[0];
    }

    private static List<Scored> diff(Source[] src) {
        List<Scored> out = new ArrayList<>();
        src[0].forEach((member, score) -> {
            for (int i = 1; i < src.length; i++) {
                if (!Double.isNaN(src[i].find(member))) {
                    return;
                }
            }
            out.add(new Scored(member, score));
        });
        return out;
    }

    // ------------------------------------------------------------------ ZPOPMIN, ZPOPMAX, ZMPOP

    /** ZPOPMIN / ZPOPMAX key [count]. */
    void zpop(Client c, byte[][] argv, boolean max) {
        if (argv.length > 3) {
            c.error(Args.SYNTAX);
            return;
        }
        long count = -1;
        if (argv.length == 3) {
            count = Args.parseLong(argv[2]);
            if (count < 0) {
                c.error(NOT_POSITIVE);
                return;
            }
        }
        boolean nested = c.reply().resp3() && count != -1;
        pop(c, argv, 1, 1, max, false, count, nested, false);
    }

    /** ZMPOP numkeys key ... MIN|MAX [COUNT count]. */
    void zmpop(Client c, byte[][] argv) {
        mpop(c, argv, 1, false);
    }

    /** BZMPOP timeout numkeys key ... MIN|MAX [COUNT count]. */
    void bzmpop(Client c, byte[][] argv) {
        mpop(c, argv, 2, true);
    }

    /** ZMPOP and BZMPOP, whose numkeys argument is at {@code numkeysIdx}. */
    private void mpop(Client c, byte[][] argv, int numkeysIdx, boolean blocking) {
        long numkeys = Args.parseLong(argv[numkeysIdx]);
        if ((numkeys == Args.NOT_A_NUMBER && !Args.isLong(argv[numkeysIdx])) || numkeys < 1) {
            c.error("ERR numkeys should be greater than 0");
            return;
        }
        if (numkeys >= argv.length - numkeysIdx - 1) {
            c.error(Args.SYNTAX);
            return;
        }
        long whereIdx = numkeysIdx + numkeys + 1;
        if (whereIdx >= argv.length) {
            c.error(Args.SYNTAX);
            return;
        }
        boolean max;
        if (Args.is(argv[(int) whereIdx], "MIN")) {
            max = false;
        } else if (Args.is(argv[(int) whereIdx], "MAX")) {
            max = true;
        } else {
            c.error(Args.SYNTAX);
            return;
        }
        long count = -1;
        for (int j = (int) whereIdx + 1; j < argv.length; j++) {
            boolean more = j < argv.length - 1;
            if (count == -1 && Args.is(argv[j], "COUNT") && more) {
                j++;
                count = Args.parseLong(argv[j]);
                if ((count == Args.NOT_A_NUMBER && !Args.isLong(argv[j])) || count < 1) {
                    c.error("ERR count should be greater than 0");
                    return;
                }
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        if (count == -1) {
            count = 1;
        }
        if (!blocking) {
            pop(c, argv, numkeysIdx + 1, (int) numkeys, max, true, count, true, true);
            return;
        }
        long deadline = ListCommands.timeout(c, argv[1], System.currentTimeMillis());
        if (deadline >= 0) {
            byte[][] keys = Arrays.copyOfRange(argv, numkeysIdx + 1, numkeysIdx + 1 + (int) numkeys);
            blockingPop(c, keys, max, count, true, deadline);
        }
    }

    /** BZPOPMIN / BZPOPMAX key [key ...] timeout. */
    void bzpop(Client c, byte[][] argv, boolean max) {
        long deadline = ListCommands.timeout(c, argv[argv.length - 1], System.currentTimeMillis());
        if (deadline >= 0) {
            blockingPop(c, Arrays.copyOfRange(argv, 1, argv.length - 1), max, 1, false, deadline);
        }
    }

    /** Pops now if a key holds a sorted set, else waits on the keys (a null array on timeout). */
    private void blockingPop(Client c, byte[][] keys, boolean max, long count, boolean bzmpop, long deadline) {
        byte[][] waitKeys = ListCommands.copies(keys); // a wait outlives the request's buffers
        server.blocking().serveOrBlock(c, waitKeys, ValueType.ZSET, deadline,
                client -> serveBlockingPop(client, waitKeys, max, count, bzmpop));
    }

    /**
     * Pops from the first non-empty sorted set among {@code keyCount} keys from
     * {@code firstKey} (Redis's genericZpopCommand): the reply shape depends on whether the key
     * is part of it (ZMPOP) and whether members come as [member, score] pairs.
     */
    private void pop(Client c, byte[][] argv, int firstKey, int keyCount, boolean max, boolean emitKey,
                     long count, boolean nested, boolean nilWhenEmpty) {
        if (!popFirst(c, argv, firstKey, keyCount, max, emitKey, count, nested)) {
            if (nilWhenEmpty) {
                c.reply().nullArray();
            } else {
                c.reply().arrayHeader(0);
            }
        }
    }

    /**
     * The serving half of BZPOPMIN, BZPOPMAX and BZMPOP. Pops from the first of {@code keys} that holds a sorted set and
     * replies as Redis does: [key, member, score] for BZPOPMIN/BZPOPMAX ({@code bzmpop} false,
     * count 1), [key, [[member, score] ...]] for BZMPOP. Returns true when it replied (also with
     * WRONGTYPE for a key of another type met first); false, without replying, when none of the
     * keys exists: the caller then blocks on them (and replies a null array on timeout).
     */
    public boolean serveBlockingPop(Client c, byte[][] keys, boolean max, long count, boolean bzmpop) {
        return popFirst(c, keys, 0, keys.length, max, true, count, bzmpop);
    }

    /** Pops as {@link #pop}; false (nothing replied) when no key exists. */
    private boolean popFirst(Client c, byte[][] argv, int firstKey, int keyCount, boolean max, boolean emitKey,
                             long count, boolean nested) {
        SortedSetValue z = null;
        byte[] key = null;
        for (int i = 0; i < keyCount; i++) {
            key = argv[firstKey + i];
            z = write(c, key);
            if (z == WRONG) {
                return true;
            }
            if (z != null) {
                break;
            }
        }
        RespWriter w = c.reply();
        if (z == null) {
            return false;
        }
        if (count == 0) {
            w.arrayHeader(0);
            return true;
        }
        if (count == -1) {
            count = 1;
        }
        int size = z.size();
        int n = (int) Math.min(count, size);
        if (emitKey) {
            // BZPOPMIN/BZPOPMAX propagate as ZPOPMIN/ZPOPMAX key, ZMPOP/BZMPOP with the count taken (Redis)
            byte[] as = max ? ZPOPMAX : ZPOPMIN;
            c.propagateAs(nested ? new byte[][] {as, key, Propagation.number(n)} : new byte[][] {as, key});
        }
        if (!nested && !emitKey) {
            w.arrayHeader(n * 2);
        } else if (nested && !emitKey) {
            w.arrayHeader(n);
        } else if (!nested) {
            w.arrayHeader(n * 2 + 1);
            w.bulk(key);
        } else {
            w.arrayHeader(2);
            w.bulk(key);
            w.arrayHeader(n);
        }
        SortedSetValue.Cursor it = z.at(max ? size - 1 : 0);
        for (int i = 0; i < n; i++) {
            if (nested) {
                w.arrayHeader(2);
            }
            w.bulk(it.memberArray(), it.memberOffset(), it.memberLength());
            w.doubleValue(it.score());
            if (max) {
                it.prev();
            } else {
                it.next();
            }
        }
        if (max) {
            z.removeRange(size - n, size);
        } else {
            z.removeRange(0, n);
        }
        removed(c, key, z, max ? "zpopmax" : "zpopmin");
        return true;
    }

    // ------------------------------------------------------------------ ZRANDMEMBER

    /** ZRANDMEMBER key [count [WITHSCORES]]. */
    void zrandmember(Client c, byte[][] argv) {
        if (argv.length >= 3) {
            long l = Args.parseLong(argv[2]);
            if (l == Args.NOT_A_NUMBER) {
                c.error(Args.isLong(argv[2])
                        ? "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
                        : Args.NOT_INTEGER);
                return;
            }
            if (argv.length > 4 || (argv.length == 4 && !Args.is(argv[3], "WITHSCORES"))) {
                c.error(Args.SYNTAX);
                return;
            }
            boolean withScores = argv.length == 4;
            if (withScores && (l < -Long.MAX_VALUE / 2 || l > Long.MAX_VALUE / 2)) {
                c.error("ERR value is out of range");
                return;
            }
            randomWithCount(c, argv[1], l, withScores);
            return;
        }
        SortedSetValue z = read(c, argv[1]);
        if (z == WRONG) {
            return;
        }
        if (z == null) {
            c.reply().nullBulk();
            return;
        }
        SortedSetValue.Cursor it = z.at(ThreadLocalRandom.current().nextInt(z.size()));
        c.reply().bulk(it.memberArray(), it.memberOffset(), it.memberLength());
    }

    private void randomWithCount(Client c, byte[] key, long l, boolean withScores) {
        SortedSetValue z = read(c, key);
        if (z == WRONG) {
            return;
        }
        RespWriter w = c.reply();
        if (z == null) {
            w.arrayHeader(0);
            return;
        }
        int size = z.size();
        boolean unique = l >= 0;
        long count = unique ? l : -l;
        if (count == 0) {
            w.arrayHeader(0);
            return;
        }
        boolean pairs = withScores && w.resp3();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (!unique || count == 1) {
            if (count > Integer.MAX_VALUE / 2) {
                // Redis would try to build a reply of this many elements; refuse instead of exhausting memory.
                c.error("ERR value is out of range");
                return;
            }
            w.arrayHeader((int) (withScores && !pairs ? count * 2 : count));
            SortedSetValue.Cursor it = z.at(0);
            for (long i = 0; i < count; i++) {
                it.seek(rnd.nextInt(size));
                emitMember(w, it, withScores, pairs);
            }
            return;
        }
        if (count >= size) {
            // The whole set, highest first (as Redis 7 replies it).
            emitRange(c, z, size - 1, size, true, withScores);
            return;
        }
        // Distinct random ranks: a partial Fisher-Yates shuffle over the rank space.
        int n = (int) count;
        int[] ranks;
        if (n * 3L > size) {
            ranks = new int[size];
            for (int i = 0; i < size; i++) {
                ranks[i] = i;
            }
        } else {
            ranks = null;
        }
        w.arrayHeader(withScores && !pairs ? n * 2 : n);
        SortedSetValue.Cursor it = z.at(0);
        if (ranks != null) {
            for (int i = 0; i < n; i++) {
                int k = i + rnd.nextInt(size - i);
                int t = ranks[i];
                ranks[i] = ranks[k];
                ranks[k] = t;
                it.seek(ranks[i]);
                emitMember(w, it, withScores, pairs);
            }
        } else {
            java.util.HashSet<Integer> picked = new java.util.HashSet<>();
            while (picked.size() < n) {
                int r = rnd.nextInt(size);
                if (picked.add(r)) {
                    it.seek(r);
                    emitMember(w, it, withScores, pairs);
                }
            }
        }
    }

    private static void emitMember(RespWriter w, SortedSetValue.Cursor it, boolean withScores, boolean pairs) {
        if (pairs) {
            w.arrayHeader(2);
        }
        w.bulk(it.memberArray(), it.memberOffset(), it.memberLength());
        if (withScores) {
            w.doubleValue(it.score());
        }
    }

    // ------------------------------------------------------------------ ZSCAN

    /** ZSCAN key cursor [MATCH pattern] [COUNT count]; scores come as bulk strings in both protocols. */
    void zscan(Client c, byte[][] argv) {
        if (!Scan.validCursor(argv[2])) {
            c.error(Scan.INVALID_CURSOR);
            return;
        }
        long cursor = Scan.cursorValue(argv[2]);
        SortedSetValue z = read(c, argv[1]);
        if (z == WRONG) {
            return;
        }
        if (z == null) {
            Scan.replyEmpty(c);
            return;
        }
        Scan scan = Scan.options(c, argv, 3, false);
        if (scan == null) {
            return;
        }
        List<byte[]> found = new ArrayList<>();
        long next = z.scan(cursor, (int) Math.min(scan.count, Integer.MAX_VALUE / 16), (member, score) -> {
            if (scan.matches(member)) {
                found.add(member);
                found.add(Doubles.format(score).getBytes(StandardCharsets.US_ASCII));
            }
        });
        Scan.reply(c, next, found);
    }

    // ------------------------------------------------------------------ numbers

    /**
     * A score argument as Redis's getDoubleFromObject (string2d): strtod over the whole
     * argument, no leading white space, no overflow or underflow to zero, NaN refused.
     * Returns NaN when the argument is not a valid float.
     */
    static double parseScore(byte[] s) {
        int len = s.length;
        if (len == 0) {
            return Double.NaN;
        }
        // Fast path: short integers.
        if (len <= 15) {
            int i = s[0] == '-' ? 1 : 0;
            if (i < len) {
                long v = 0;
                int k = i;
                for (; k < len; k++) {
                    int d = s[k] - '0';
                    if (d < 0 || d > 9) {
                        break;
                    }
                    v = v * 10 + d;
                }
                if (k == len) {
                    return i == 1 ? -(double) v : (double) v;
                }
            }
        }
        if (isSpace(s[0])) {
            return Double.NaN;
        }
        int[] end = new int[2];
        double v = strtod(s, 0, end);
        if (end[0] != len || Double.isNaN(v)) {
            return Double.NaN;
        }
        if (end[1] == RANGE_ERROR) {
            return Double.NaN;
        }
        return v;
    }

    /**
     * A bound of a score range from {@code from} as Redis's zslParseRange: strtod (leading
     * white space skipped) that must reach the end of the argument (or a NUL byte); NaN refused.
     */
    static double parseBound(byte[] s, int from) {
        int[] end = new int[2];
        double v = strtod(s, from, end);
        int e = end[0];
        if (e != s.length && s[e] != 0) {
            return Double.NaN;
        }
        return v;
    }

    private static final int RANGE_ERROR = 1;

    /**
     * C strtod: skips white space, then parses the longest valid prefix (decimal, hexadecimal
     * "0x...", "inf", "infinity", "nan"). {@code end[0]} receives the end of the parsed text
     * ({@code from} when nothing was parsed, the value is then 0); {@code end[1]} is
     * {@link #RANGE_ERROR} when the value overflowed or underflowed to zero (errno ERANGE).
     */
    static double strtod(byte[] s, int from, int[] end) {
        int len = s.length;
        int i = from;
        while (i < len && isSpace(s[i])) {
            i++;
        }
        int start = i;
        boolean negative = false;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            negative = s[i] == '-';
            i++;
        }
        end[0] = from;
        end[1] = 0;
        if (i < len && (s[i] | 0x20) == 'i') {
            if (!word(s, i, "inf")) {
                return 0;
            }
            i += 3;
            if (word(s, i, "inity")) {
                i += 5;
            }
            end[0] = i;
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (i < len && (s[i] | 0x20) == 'n') {
            if (!word(s, i, "nan")) {
                return 0;
            }
            i += 3;
            if (i < len && s[i] == '(') {
                int k = i + 1;
                while (k < len && (Character.isLetterOrDigit(s[k]) && s[k] < 128 || s[k] == '_')) {
                    k++;
                }
                if (k < len && s[k] == ')') {
                    i = k + 1;
                }
            }
            end[0] = i;
            return Double.NaN;
        }
        if (i + 1 < len && s[i] == '0' && (s[i + 1] | 0x20) == 'x') {
            int k = i + 2;
            int digits = 0;
            boolean nonzero = false;
            while (k < len && hex(s[k]) >= 0) {
                nonzero |= s[k] != '0';
                k++;
                digits++;
            }
            if (k < len && s[k] == '.') {
                k++;
                while (k < len && hex(s[k]) >= 0) {
                    nonzero |= s[k] != '0';
                    k++;
                    digits++;
                }
            }
            if (digits > 0) {
                int mantissaEnd = k;
                String exponent = "0";
                if (k < len && (s[k] | 0x20) == 'p') {
                    int e = k + 1;
                    if (e < len && (s[e] == '+' || s[e] == '-')) {
                        e++;
                    }
                    int ds = e;
                    while (e < len && s[e] >= '0' && s[e] <= '9') {
                        e++;
                    }
                    if (e > ds) {
                        exponent = clampExponent(ascii(s, k + 1, e));
                        k = e;
                    }
                }
                end[0] = k;
                String text = (negative ? "-0x" : "0x") + ascii(s, i + 2, mantissaEnd) + "p" + exponent;
                double v = Double.parseDouble(text);
                if (Double.isInfinite(v) || (v == 0 && nonzero)) {
                    end[1] = RANGE_ERROR;
                }
                return v;
            }
            // "0x" without digits: strtod reads the "0" only.
        }
        int k = i;
        int digits = 0;
        boolean nonzero = false;
        while (k < len && s[k] >= '0' && s[k] <= '9') {
            nonzero |= s[k] != '0';
            k++;
            digits++;
        }
        if (k < len && s[k] == '.') {
            k++;
            while (k < len && s[k] >= '0' && s[k] <= '9') {
                nonzero |= s[k] != '0';
                k++;
                digits++;
            }
        }
        if (digits == 0) {
            return 0;
        }
        if (k < len && (s[k] | 0x20) == 'e') {
            int e = k + 1;
            if (e < len && (s[e] == '+' || s[e] == '-')) {
                e++;
            }
            int ds = e;
            while (e < len && s[e] >= '0' && s[e] <= '9') {
                e++;
            }
            if (e > ds) {
                k = e;
            }
        }
        end[0] = k;
        double v = Double.parseDouble(ascii(s, start, k));
        if (Double.isInfinite(v) || (v == 0 && nonzero)) {
            end[1] = RANGE_ERROR;
        }
        return v;
    }

    private static String clampExponent(String e) {
        boolean neg = e.startsWith("-");
        String digits = e.startsWith("-") || e.startsWith("+") ? e.substring(1) : e;
        int nz = 0;
        while (nz < digits.length() - 1 && digits.charAt(nz) == '0') {
            nz++;
        }
        digits = digits.substring(nz);
        if (digits.length() > 6) {
            digits = "999999";
        }
        return (neg ? "-" : "") + digits;
    }

    private static boolean word(byte[] s, int at, String w) {
        if (at + w.length() > s.length) {
            return false;
        }
        for (int i = 0; i < w.length(); i++) {
            if ((s[at + i] | 0x20) != w.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int l = b | 0x20;
        if (l >= 'a' && l <= 'f') {
            return l - 'a' + 10;
        }
        return -1;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == 0x0b || b == '\f' || b == '\r';
    }

    private static String ascii(byte[] s, int from, int to) {
        return new String(s, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
