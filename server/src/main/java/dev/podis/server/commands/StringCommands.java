package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.KeyspaceEvents;
import dev.podis.server.Propagation;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.storage.Database;
import dev.podis.storage.MutableString;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;

import java.math.BigDecimal;
import java.util.Arrays;

/**
 * String commands (t_string.c): GET, SET and options, the MSET/MGET family, counters (INCR...,
 * INCRBYFLOAT), ranges (GETRANGE, SETRANGE, APPEND) and LCS.
 *
 * <p>A string value is a {@code byte[]} in a {@link StoredValue} with an absolute expiry in ms.
 * Stored arrays are never changed in place: a command that modifies a string writes a new value
 * back, so a snapshot that holds the old value keeps seeing it. Commands that change a string's
 * content (APPEND, SETRANGE, INCR...) keep its time to live; commands that replace the value (SET
 * without KEEPTTL, GETSET, MSET) drop it, as in Redis.
 *
 * <p>Keyspace events as Redis's t_string.c: {@code new} for a created key, then {@code set},
 * {@code append}, {@code setrange}, {@code incrby} (INCR, DECR and DECRBY too) or
 * {@code incrbyfloat}; {@code expire}/{@code persist}/{@code del} for SET's and GETEX's expiry
 * options; GETDEL reports {@code del}.
 *
 * <p>GET, SET, MGET, MSET and INCR are the hot path: they parse no options when there are none,
 * convert nothing to {@code String} and allocate only the stored value.
 */
public final class StringCommands implements CommandFamily {
    // SET / GETEX options.
    private static final int NX = 1;
    private static final int XX = 1 << 1;
    private static final int GET = 1 << 2;
    private static final int KEEPTTL = 1 << 3;
    private static final int PERSIST = 1 << 4;
    private static final int EX = 1 << 5;
    private static final int PX = 1 << 6;
    private static final int EXAT = 1 << 7;
    private static final int PXAT = 1 << 8;

    /** Returned by {@link #expireAt} after it has replied with an error. */
    private static final long BAD_EXPIRE = Long.MIN_VALUE;

    /** Redis never lets proto-max-bulk-len go below 1 MB: shorter strings need no config lookup. */
    static final long MIN_BULK_LIMIT = 1024 * 1024;
    /** The longest byte[] this JVM can allocate safely: a hard cap on string sizes. */
    private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 16;

    static final String STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    private static final String OVERFLOW = "ERR increment or decrement would overflow";
    private static final String NOT_FLOAT = "ERR value is not a valid float";

    private static final byte[] EMPTY = new byte[0];

    private final ServerContext server;

    public StringCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        // GET key and SET key value keep no argument (they run on the parser's borrowed arrays)
        t.bindBorrowing("get", 2, this::get);
        t.bindBorrowing("set", 3, this::set);
        t.bind("setnx", this::setnx);
        t.bind("setex", this::setex);
        t.bind("psetex", this::psetex);
        t.bind("mget", this::mget);
        t.bindBorrowing("mset", this::mset); // stores through putString, which copies what it keeps
        t.bind("msetnx", this::msetnx);
        t.bind("getset", this::getset);
        t.bind("getdel", this::getdel);
        t.bind("getex", this::getex);
        t.bind("append", this::append);
        t.bind("strlen", this::strlen);
        // counters keep no argument either (incrBy copies the key where it may be kept)
        t.bindBorrowing("incr", 2, this::incr);
        t.bindBorrowing("decr", 2, this::decr);
        t.bindBorrowing("incrby", 3, this::incrby);
        t.bindBorrowing("decrby", 3, this::decrby);
        t.bind("incrbyfloat", this::incrbyfloat);
        t.bind("getrange", this::getrange);
        t.bind("substr", this::getrange);
        t.bind("setrange", this::setrange);
        t.bind("lcs", this::lcs);
    }

    // ---------------------------------------------------------------- GET / SET family

    void get(Client c, byte[][] argv) {
        int r = server.readStringReply(c, argv[1]);
        if (r == Database.MISSING) {
            c.reply().nullBulk();
        } else if (r == Database.NOT_STRING) {
            c.error(Args.WRONGTYPE);
        }
    }

    void set(Client c, byte[][] argv) {
        if (argv.length == 3) {
            server.notifyIfNew(c, argv[1]);
            c.db().putString(argv[1], argv[2], StoredValue.NO_EXPIRY); // copies what it keeps
            server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "set", argv[1]);
            c.reply().ok();
            return;
        }
        long parsed = parseOptions(argv, 3, true);
        if (parsed < 0) {
            c.error(Args.SYNTAX);
            return;
        }
        int expireArg = (int) (parsed >>> 32);
        setGeneric(c, argv[1], argv[2], (int) parsed, expireArg == 0 ? null : argv[expireArg],
                "ERR invalid expire time in 'set' command", false);
        if (expireArg == 0 && ((int) parsed & GET) != 0 && c.propagating()) {
            c.propagateAs(withoutGet(argv)); // Redis 7 propagates SET ... GET without GET
        }
    }

    /** SET's arguments without its GET option. */
    private static byte[][] withoutGet(byte[][] argv) {
        byte[][] out = new byte[argv.length - 1][];
        int n = 0;
        for (int i = 0; i < argv.length; i++) {
            if (i < 3 || !Args.is(argv[i], "GET")) {
                out[n++] = argv[i];
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    void setnx(Client c, byte[][] argv) {
        setGeneric(c, argv[1], argv[2], NX, null, null, true);
    }

    void setex(Client c, byte[][] argv) {
        setGeneric(c, argv[1], argv[3], EX, argv[2], "ERR invalid expire time in 'setex' command", false);
    }

    void psetex(Client c, byte[][] argv) {
        setGeneric(c, argv[1], argv[3], PX, argv[2], "ERR invalid expire time in 'psetex' command", false);
    }

    /**
     * SET with options, SETNX, SETEX and PSETEX. Checks in Redis's order: the expire time, then
     * GET's type check and reply, then NX/XX. {@code intReply} answers 1/0 (SETNX) instead of
     * OK/null.
     */
    private void setGeneric(Client c, byte[] key, byte[] value, int flags, byte[] expire, String expireError,
                            boolean intReply) {
        long now = server.keyspace().now();
        long at = StoredValue.NO_EXPIRY;
        if (expire != null) {
            at = expireAt(c, expire, flags, now, expireError);
            if (at == BAD_EXPIRE) {
                return;
            }
        }
        StoredValue old = null;
        boolean looked = (flags & (GET | NX | XX | KEEPTTL)) != 0;
        if ((flags & GET) != 0) {
            old = server.lookupRead(c, key);
            if (old != null && old.type() != ValueType.STRING) {
                c.error(Args.WRONGTYPE);
                return;
            }
            if (old == null) {
                c.reply().nullBulk();
            } else {
                c.reply().bulk(old.bytes());
            }
        } else if ((flags & (NX | XX | KEEPTTL)) != 0) {
            old = server.lookupWrite(c, key);
        }
        boolean found = old != null;
        if (((flags & NX) != 0 && found) || ((flags & XX) != 0 && !found)) {
            if ((flags & GET) == 0) {
                if (intReply) {
                    c.reply().integer(0);
                } else {
                    c.reply().nullBulk();
                }
            }
            return;
        }
        if ((flags & KEEPTTL) != 0 && found) {
            at = old.expireAt();
        }
        if (!looked) {
            server.notifyIfNew(c, key);
        } else if (!found) {
            server.notifyNew(c, key);
        }
        // An absolute time already past is stored too: the key expires on its next access, as in Redis.
        c.db().put(key, StoredValue.string(value, at));
        server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "set", key);
        if (expire != null) {
            server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "expire", key);
        }
        if (expire != null && c.propagating()) {
            // relative or absolute, the expiry propagates as an absolute time (Redis 7)
            c.propagateAs(Propagation.SET, key, value, Propagation.PXAT, Propagation.number(at));
        }
        if ((flags & GET) == 0) {
            if (intReply) {
                c.reply().integer(1);
            } else {
                c.reply().ok();
            }
        }
    }

    /**
     * Parses SET options (from argv[3]) or GETEX options (from argv[2]) as Redis's
     * parseExtendedStringArguments does. Returns the option bits with the index of the expire
     * argument in the high 32 bits, or -1 for a syntax error.
     */
    private static long parseOptions(byte[][] argv, int from, boolean forSet) {
        int flags = 0;
        int expireArg = 0;
        for (int j = from; j < argv.length; j++) {
            byte[] o = argv[j];
            boolean hasNext = j + 1 < argv.length;
            if (forSet && Args.is(o, "NX") && (flags & XX) == 0) {
                flags |= NX;
            } else if (forSet && Args.is(o, "XX") && (flags & NX) == 0) {
                flags |= XX;
            } else if (forSet && Args.is(o, "GET")) {
                flags |= GET;
            } else if (forSet && Args.is(o, "KEEPTTL") && (flags & (PERSIST | EX | PX | EXAT | PXAT)) == 0) {
                flags |= KEEPTTL;
            } else if (!forSet && Args.is(o, "PERSIST") && (flags & (KEEPTTL | EX | PX | EXAT | PXAT)) == 0) {
                flags |= PERSIST;
            } else if (hasNext && Args.is(o, "EX") && (flags & (KEEPTTL | PERSIST | PX | EXAT | PXAT)) == 0) {
                flags |= EX;
                expireArg = ++j;
            } else if (hasNext && Args.is(o, "PX") && (flags & (KEEPTTL | PERSIST | EX | EXAT | PXAT)) == 0) {
                flags |= PX;
                expireArg = ++j;
            } else if (hasNext && Args.is(o, "EXAT") && (flags & (KEEPTTL | PERSIST | EX | PX | PXAT)) == 0) {
                flags |= EXAT;
                expireArg = ++j;
            } else if (hasNext && Args.is(o, "PXAT") && (flags & (KEEPTTL | PERSIST | EX | PX | EXAT)) == 0) {
                flags |= PXAT;
                expireArg = ++j;
            } else {
                return -1;
            }
        }
        return (flags & 0xFFFFFFFFL) | ((long) expireArg << 32);
    }

    /**
     * The absolute expiry in ms for an EX/PX/EXAT/PXAT argument, or {@link #BAD_EXPIRE} after
     * replying with an error: not an integer, not positive, or overflowing once converted.
     */
    private static long expireAt(Client c, byte[] arg, int flags, long now, String expireError) {
        long v = Args.parseLong(arg);
        if (v == Args.NOT_A_NUMBER && !Args.isLong(arg)) {
            c.error(Args.NOT_INTEGER);
            return BAD_EXPIRE;
        }
        boolean seconds = (flags & (EX | EXAT)) != 0;
        if (v <= 0 || (seconds && v > Long.MAX_VALUE / 1000)) {
            c.error(expireError);
            return BAD_EXPIRE;
        }
        if (seconds) {
            v *= 1000;
        }
        if ((flags & (EX | PX)) != 0) {
            v += now; // wraps negative on overflow, rejected below as Redis does
        }
        if (v <= 0) {
            c.error(expireError);
            return BAD_EXPIRE;
        }
        return v;
    }

    void getex(Client c, byte[][] argv) {
        long parsed = parseOptions(argv, 2, false);
        if (parsed < 0) {
            c.error(Args.SYNTAX);
            return;
        }
        int flags = (int) parsed;
        int expireArg = (int) (parsed >>> 32);
        byte[] key = argv[1];
        StoredValue v = server.lookupRead(c, key);
        if (v == null) {
            c.reply().nullBulk();
            return;
        }
        if (v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
            return;
        }
        long now = server.keyspace().now();
        long at = 0;
        if (expireArg != 0) {
            at = expireAt(c, argv[expireArg], flags, now, "ERR invalid expire time in 'getex' command");
            if (at == BAD_EXPIRE) {
                return;
            }
        }
        c.reply().bulk(v.bytes());
        if (expireArg != 0) {
            if (server.keyspace().alreadyExpired(at)) {
                c.db().remove(key);
                server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "del", key);
                c.propagateAs(server.expireDeleteCommand(), key);
            } else {
                c.db().put(key, v.withExpireAt(at));
                server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "expire", key);
                c.propagateAs(Propagation.PEXPIREAT, key, Propagation.number(at));
            }
        } else if ((flags & PERSIST) != 0 && v.hasExpiry()) {
            c.db().put(key, v.withExpireAt(StoredValue.NO_EXPIRY));
            server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "persist", key);
            c.propagateAs(Propagation.PERSIST, key);
        }
    }

    void mget(Client c, byte[][] argv) {
        RespWriter r = c.reply();
        r.arrayHeader(argv.length - 1);
        for (int i = 1; i < argv.length; i++) {
            StoredValue v = server.lookupRead(c, argv[i]);
            if (v == null || v.type() != ValueType.STRING) {
                r.nullBulk();
            } else {
                r.bulk(v.bytes());
            }
        }
    }

    void mset(Client c, byte[][] argv) {
        if ((argv.length & 1) == 0) {
            c.error("ERR wrong number of arguments for 'mset' command");
            return;
        }
        Database db = c.db();
        for (int i = 1; i < argv.length; i += 2) {
            server.notifyIfNew(c, argv[i]);
            db.putString(argv[i], argv[i + 1], StoredValue.NO_EXPIRY); // copies what it keeps, as SET
            server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "set", argv[i]);
        }
        c.reply().ok();
    }

    void msetnx(Client c, byte[][] argv) {
        if ((argv.length & 1) == 0) {
            c.error("ERR wrong number of arguments for 'msetnx' command");
            return;
        }
        for (int i = 1; i < argv.length; i += 2) {
            if (server.lookupWrite(c, argv[i]) != null) {
                c.reply().integer(0);
                return;
            }
        }
        Database db = c.db();
        for (int i = 1; i < argv.length; i += 2) {
            server.notifyIfNew(c, argv[i]);
            db.put(argv[i], StoredValue.string(argv[i + 1]));
            server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "set", argv[i]);
        }
        c.reply().integer(1);
    }

    void getset(Client c, byte[][] argv) {
        StoredValue v = server.lookupRead(c, argv[1]);
        if (v != null && v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
            return;
        }
        if (v == null) {
            c.reply().nullBulk();
            server.notifyNew(c, argv[1]);
        } else {
            c.reply().bulk(v.bytes());
        }
        c.db().put(argv[1], StoredValue.string(argv[2]));
        server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "set", argv[1]);
        c.propagateAs(Propagation.SET, argv[1], argv[2]);
    }

    void getdel(Client c, byte[][] argv) {
        StoredValue v = server.lookupRead(c, argv[1]);
        if (v == null) {
            c.reply().nullBulk();
        } else if (v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
        } else {
            c.reply().bulk(v.bytes());
            c.db().remove(argv[1]);
            server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "del", argv[1]);
            c.propagateAs(Propagation.DEL, argv[1]);
        }
    }

    // ---------------------------------------------------------------- APPEND, STRLEN, ranges

    void append(Client c, byte[][] argv) {
        byte[] key = argv[1];
        byte[] add = argv[2];
        StoredValue v = server.lookupWrite(c, key);
        if (v == null) {
            server.notifyNew(c, key);
            c.db().put(key, StoredValue.string(add));
            server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "append", key);
            c.reply().integer(add.length);
            return;
        }
        if (v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
            return;
        }
        byte[] cur = v.bytes();
        if (!checkStringLength(c, server, cur.length, add.length)) {
            return;
        }
        byte[] joined = Arrays.copyOf(cur, cur.length + add.length);
        System.arraycopy(add, 0, joined, cur.length, add.length);
        c.db().put(key, StoredValue.rawString(joined, v.expireAt()));
        server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "append", key);
        c.reply().integer(joined.length);
    }

    void strlen(Client c, byte[][] argv) {
        StoredValue v = server.lookupRead(c, argv[1]);
        if (v == null) {
            c.reply().integer(0);
        } else if (v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
        } else {
            c.reply().integer(v.bytes().length);
        }
    }

    /** GETRANGE and SUBSTR: inclusive range, negative indexes from the end, clamped. */
    void getrange(Client c, byte[][] argv) {
        long start = Args.parseLong(argv[2]);
        if (start == Args.NOT_A_NUMBER && !Args.isLong(argv[2])) {
            c.error(Args.NOT_INTEGER);
            return;
        }
        long end = Args.parseLong(argv[3]);
        if (end == Args.NOT_A_NUMBER && !Args.isLong(argv[3])) {
            c.error(Args.NOT_INTEGER);
            return;
        }
        StoredValue v = server.lookupRead(c, argv[1]);
        if (v == null) {
            c.reply().bulk(EMPTY);
            return;
        }
        if (v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
            return;
        }
        byte[] s = v.bytes();
        long len = s.length;
        if (start < 0 && end < 0 && start > end) {
            c.reply().bulk(EMPTY);
            return;
        }
        if (start < 0) {
            start += len;
        }
        if (end < 0) {
            end += len;
        }
        if (start < 0) {
            start = 0;
        }
        if (end < 0) {
            end = 0;
        }
        if (end >= len) {
            end = len - 1;
        }
        if (start > end || len == 0) {
            c.reply().bulk(EMPTY);
        } else {
            c.reply().bulk(s, (int) start, (int) (end - start + 1));
        }
    }

    void setrange(Client c, byte[][] argv) {
        byte[] key = argv[1];
        byte[] value = argv[3];
        long offset = Args.parseLong(argv[2]);
        if (offset == Args.NOT_A_NUMBER && !Args.isLong(argv[2])) {
            c.error(Args.NOT_INTEGER);
            return;
        }
        if (offset < 0) {
            c.error("ERR offset is out of range");
            return;
        }
        StoredValue v = server.lookupWrite(c, key);
        byte[] cur;
        long expireAt;
        if (v == null) {
            if (value.length == 0) {
                c.reply().integer(0); // setting nothing on a missing key creates nothing
                return;
            }
            cur = EMPTY;
            expireAt = StoredValue.NO_EXPIRY;
        } else {
            if (v.type() != ValueType.STRING) {
                c.error(Args.WRONGTYPE);
                return;
            }
            cur = v.bytes();
            expireAt = v.expireAt();
            if (value.length == 0) {
                c.reply().integer(cur.length);
                return;
            }
        }
        if (!checkStringLength(c, server, offset, value.length)) {
            return;
        }
        int newLength = (int) Math.max(cur.length, offset + value.length);
        byte[] updated = Arrays.copyOf(cur, newLength);
        System.arraycopy(value, 0, updated, (int) offset, value.length);
        if (v == null) {
            server.notifyNew(c, key);
        }
        c.db().put(key, StoredValue.rawString(updated, expireAt));
        server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "setrange", key);
        c.reply().integer(newLength);
    }

    /**
     * Redis's checkStringLength: a string of {@code size + append} bytes must fit
     * proto-max-bulk-len (and this JVM's array limit); otherwise replies with the error.
     */
    static boolean checkStringLength(Client c, ServerContext server, long size, long append) {
        long total = size + append;
        if (total < 0 || (total > MIN_BULK_LIMIT && total > maxStringLength(server))) {
            c.error(STRING_TOO_LONG);
            return false;
        }
        return true;
    }

    /** The longest string a command may build: proto-max-bulk-len, capped by the JVM's array limit. */
    static long maxStringLength(ServerContext server) {
        return Math.min(server.config().getLong("proto-max-bulk-len"), MAX_ARRAY_LENGTH);
    }

    // ---------------------------------------------------------------- counters

    void incr(Client c, byte[][] argv) {
        incrBy(c, argv[1], 1);
    }

    void decr(Client c, byte[][] argv) {
        incrBy(c, argv[1], -1);
    }

    void incrby(Client c, byte[][] argv) {
        long by = Args.parseLong(argv[2]);
        if (by == Args.NOT_A_NUMBER && !Args.isLong(argv[2])) {
            c.error(Args.NOT_INTEGER);
            return;
        }
        incrBy(c, argv[1], by);
    }

    void decrby(Client c, byte[][] argv) {
        long by = Args.parseLong(argv[2]);
        if (by == Args.NOT_A_NUMBER) {
            if (Args.isLong(argv[2])) {
                c.error("ERR decrement would overflow"); // negating LLONG_MIN
            } else {
                c.error(Args.NOT_INTEGER);
            }
            return;
        }
        incrBy(c, argv[1], -by);
    }

    private void incrBy(Client c, byte[] borrowedKey, long by) {
        MutableString m = c.db().counter(borrowedKey);
        if (m != null && m.numberKnown()) {
            countInPlace(c, borrowedKey, by, m);
            return;
        }
        if (m != null) {
            m.unshare(); // the digits in a buffer of its own, as mutableString gives it
            if (incrInPlace(c, borrowedKey, by, m)) {
                return;
            }
        }
        // The general path (a key's first two changes) may keep the key: the request's array may
        // be the parser's, reused for the next request (INCR is bound with bindBorrowing).
        byte[] key = borrowedKey.clone();
        StoredValue v = server.lookupWrite(c, key);
        long value = 0;
        long expireAt = StoredValue.NO_EXPIRY;
        if (v != null) {
            if (v.type() != ValueType.STRING) {
                c.error(Args.WRONGTYPE);
                return;
            }
            byte[] b = v.bytes();
            value = Args.parseLong(b);
            if (value == Args.NOT_A_NUMBER && !Args.isLong(b)) {
                c.error(Args.NOT_INTEGER);
                return;
            }
            expireAt = v.expireAt();
        }
        if (overflows(value, by)) {
            c.error(OVERFLOW);
            return;
        }
        long result = value + by;
        if (v == null) {
            server.notifyNew(c, key);
            c.db().putString(key, decimal(result), expireAt); // no StoredValue: SET's direct write
        } else {
            // Counted a second time: a counter. The keyspace may keep it where the next change is
            // made in place (as Redis changes an int-encoded string), see incrInPlace.
            c.db().putMutableString(key, decimal(result), expireAt);
        }
        server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "incrby", key);
        c.reply().integer(result);
    }

    /**
     * INCR and its relatives on a counter the keyspace keeps for changes in place, the first time:
     * the digits are rewritten in its buffer (which gets room for any integer), with no lookup in
     * the map, no copy and no allocation, and the value is recorded as a number for the next ones
     * ({@link #countInPlace}). False (nothing done) when the value is not a plain integer: the
     * general path answers then.
     */
    private boolean incrInPlace(Client c, byte[] key, long by, MutableString m) {
        long value = Args.parseLong(m.bytes, m.length);
        if (value == Args.NOT_A_NUMBER) {
            return false;
        }
        if (overflows(value, by)) {
            c.error(OVERFLOW);
            return true;
        }
        long result = value + by;
        if (m.bytes.length < MutableString.MAX_DECIMAL) {
            m.bytes = new byte[MutableString.MAX_DECIMAL]; // once: room for any counter from now on
        }
        m.length = MutableString.writeDecimal(result, m.bytes);
        c.db().mutableStringChanged(key, m);
        m.number(result);
        server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "incrby", key);
        c.reply().integer(result);
        return true;
    }

    /**
     * INCR and its relatives on a counter whose value the keyspace holds as a number (it was
     * changed in place before): the new value is recorded as a number, its digits written only
     * when something reads it, so the buffer's memory is not touched (as Redis's int-encoded
     * strings, whose value is in the object).
     */
    private void countInPlace(Client c, byte[] key, long by, MutableString m) {
        long value = m.number();
        if (overflows(value, by)) {
            c.error(OVERFLOW);
            return;
        }
        long result = value + by;
        m.countTo(result);
        c.db().counterChanged(key, m);
        server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "incrby", key);
        c.reply().integer(result);
    }

    private static boolean overflows(long value, long by) {
        return (by < 0 && value < 0 && by < Long.MIN_VALUE - value) || (by > 0 && value > 0 && by > Long.MAX_VALUE - value);
    }

    /** The decimal digits of {@code v} as a new array. */
    static byte[] decimal(long v) {
        byte[] out = new byte[MutableString.MAX_DECIMAL];
        return Arrays.copyOf(out, MutableString.writeDecimal(v, out));
    }

    void incrbyfloat(Client c, byte[][] argv) {
        byte[] key = argv[1];
        StoredValue v = server.lookupWrite(c, key);
        BigDecimal value = BigDecimal.ZERO;
        long expireAt = StoredValue.NO_EXPIRY;
        if (v != null) {
            if (v.type() != ValueType.STRING) {
                c.error(Args.WRONGTYPE);
                return;
            }
            value = LongDouble.parse(v.bytes());
            if (value == null) {
                c.error(NOT_FLOAT);
                return;
            }
            expireAt = v.expireAt();
        }
        BigDecimal incr = LongDouble.parse(argv[2]);
        if (incr == null) {
            c.error(NOT_FLOAT);
            return;
        }
        BigDecimal sum = LongDouble.add(value, incr);
        if (sum == null) {
            c.error("ERR increment would produce NaN or Infinity");
            return;
        }
        byte[] text = LongDouble.format(sum);
        if (v == null) {
            server.notifyNew(c, key);
        }
        c.db().put(key, StoredValue.string(text, expireAt));
        server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "incrbyfloat", key);
        c.reply().bulk(text);
        // replayed as the value it produced, so that float rounding cannot differ (Redis)
        c.propagateAs(Propagation.SET, key, text, Propagation.KEEPTTL);
    }

    // ---------------------------------------------------------------- LCS

    void lcs(Client c, byte[][] argv) {
        StoredValue va = server.lookupRead(c, argv[1]);
        StoredValue vb = server.lookupRead(c, argv[2]);
        if ((va != null && va.type() != ValueType.STRING) || (vb != null && vb.type() != ValueType.STRING)) {
            c.error("ERR The specified keys must contain string values");
            return;
        }
        byte[] a = va == null ? EMPTY : va.bytes();
        byte[] b = vb == null ? EMPTY : vb.bytes();
        boolean getLen = false;
        boolean getIdx = false;
        boolean withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < argv.length; j++) {
            byte[] opt = argv[j];
            boolean more = j + 1 < argv.length;
            if (Args.is(opt, "IDX")) {
                getIdx = true;
            } else if (Args.is(opt, "LEN")) {
                getLen = true;
            } else if (Args.is(opt, "WITHMATCHLEN")) {
                withMatchLen = true;
            } else if (more && Args.is(opt, "MINMATCHLEN")) {
                minMatchLen = Args.parseLong(argv[j + 1]);
                if (minMatchLen == Args.NOT_A_NUMBER && !Args.isLong(argv[j + 1])) {
                    c.error(Args.NOT_INTEGER);
                    return;
                }
                if (minMatchLen < 0) {
                    minMatchLen = 0;
                }
                j++;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        if (getIdx && getLen) {
            c.error("ERR If you want both the length and indexes, please just use IDX.");
            return;
        }
        int alen = a.length;
        int blen = b.length;
        long cells = (long) (alen + 1) * (blen + 1);
        if (cells * 4 > server.config().getLong("proto-max-bulk-len")) {
            c.error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
            return;
        }
        if (cells > MAX_ARRAY_LENGTH) {
            c.error("ERR Insufficient memory, failed allocating transient memory for LCS");
            return;
        }
        // table[i * (blen + 1) + j]: length of the LCS of a[0..i) and b[0..j).
        int w = blen + 1;
        int[] table = new int[(int) cells];
        for (int i = 1; i <= alen; i++) {
            byte ai = a[i - 1];
            int row = i * w;
            int prev = row - w;
            for (int j = 1; j <= blen; j++) {
                if (ai == b[j - 1]) {
                    table[row + j] = table[prev + j - 1] + 1;
                } else {
                    int up = table[prev + j];
                    int left = table[row + j - 1];
                    table[row + j] = Math.max(up, left);
                }
            }
        }
        int total = table[alen * w + blen];
        RespWriter r = c.reply();
        if (getLen) {
            r.integer(total);
            return;
        }
        // Walk back from the end, collecting the LCS and (for IDX) the matching ranges, latest
        // first, as Redis reports them.
        byte[] result = new byte[total];
        int idx = total;
        long[] ranges = getIdx ? new long[16] : null; // aStart, aEnd, bStart, bEnd per range
        int rangeCount = 0;
        int aStart = -1;
        int aEnd = 0;
        int bStart = 0;
        int bEnd = 0;
        int i = alen;
        int j = blen;
        while (i > 0 && j > 0) {
            boolean emit = false;
            if (a[i - 1] == b[j - 1]) {
                result[--idx] = a[i - 1];
                if (aStart < 0) {
                    aStart = aEnd = i - 1;
                    bStart = bEnd = j - 1;
                } else if (aStart == i && bStart == j) {
                    aStart--;
                    bStart--;
                } else {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0) {
                    emit = true;
                }
                i--;
                j--;
            } else {
                if (table[(i - 1) * w + j] > table[i * w + j - 1]) {
                    i--;
                } else {
                    j--;
                }
                if (aStart >= 0) {
                    emit = true;
                }
            }
            if (emit) {
                int matchLen = aEnd - aStart + 1;
                if (ranges != null && (minMatchLen == 0 || matchLen >= minMatchLen)) {
                    if ((rangeCount + 1) * 4 > ranges.length) {
                        ranges = Arrays.copyOf(ranges, ranges.length * 2);
                    }
                    int at = rangeCount * 4;
                    ranges[at] = aStart;
                    ranges[at + 1] = aEnd;
                    ranges[at + 2] = bStart;
                    ranges[at + 3] = bEnd;
                    rangeCount++;
                }
                aStart = -1;
            }
        }
        if (!getIdx) {
            r.bulk(result);
            return;
        }
        r.mapHeader(2);
        r.bulk(MATCHES);
        r.arrayHeader(rangeCount);
        for (int k = 0; k < rangeCount; k++) {
            int at = k * 4;
            r.arrayHeader(withMatchLen ? 3 : 2);
            r.arrayHeader(2);
            r.integer(ranges[at]);
            r.integer(ranges[at + 1]);
            r.arrayHeader(2);
            r.integer(ranges[at + 2]);
            r.integer(ranges[at + 3]);
            if (withMatchLen) {
                r.integer(ranges[at + 1] - ranges[at] + 1);
            }
        }
        r.bulk(LEN);
        r.integer(total);
    }

    private static final byte[] MATCHES = Args.bytes("matches");
    private static final byte[] LEN = Args.bytes("len");
}
