package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.KeyspaceEvents;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.config.ConfigValue;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.ByteSlice;
import dev.podis.storage.types.HashValue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The hash family (Redis's t_hash.c): HSET, HSETNX, HGET, HMGET, HMSET, HDEL, HEXISTS, HLEN,
 * HSTRLEN, HKEYS, HVALS, HGETALL, HINCRBY, HINCRBYFLOAT, HRANDFIELD and HSCAN.
 *
 * <p>A hash is a {@link HashValue} held by the keyspace as an object payload and changed in
 * place; it starts as a packed "listpack" and turns into a hash table when it passes
 * hash-max-listpack-entries fields or holds a field or value longer than
 * hash-max-listpack-value bytes, checked in the same places as Redis. A hash that loses its
 * last field is removed from the keyspace.
 *
 * <p>Keyspace events as t_hash.c: {@code new} for a created hash, then {@code hset} (HSET, HMSET,
 * HSETNX when it sets), {@code hincrby}, {@code hincrbyfloat}, or {@code hdel} followed by
 * {@code del} when the hash became empty.
 */
public final class HashCommands implements CommandFamily {
    private static final byte[] HSET = Args.bytes("HSET");
    static final String NOT_INTEGER_HASH = "ERR hash value is not an integer";
    static final String NOT_FLOAT_HASH = "ERR hash value is not a float";
    static final String NOT_FLOAT = "ERR value is not a valid float";
    static final String OVERFLOW = "ERR increment or decrement would overflow";


    private final ServerContext server;
    private final ConfigValue maxEntries;
    private final ConfigValue maxValue;
    private final ByteSlice slice = new ByteSlice();

    public HashCommands(ServerContext server) {
        this.server = server;
        this.maxEntries = server.config().value("hash-max-listpack-entries");
        this.maxValue = server.config().value("hash-max-listpack-value");
    }

    @Override
    public void register(CommandTable t) {
        t.bindBorrowing("hset", this::hset); // keeps no argument: copies the key of a new hash, and fields and values into its encoding
        t.bind("hmset", this::hmset);
        t.bind("hsetnx", this::hsetnx);
        t.bind("hget", this::hget);
        t.bind("hmget", this::hmget);
        t.bind("hdel", this::hdel);
        t.bind("hexists", this::hexists);
        t.bind("hlen", this::hlen);
        t.bind("hstrlen", this::hstrlen);
        t.bind("hkeys", this::hkeys);
        t.bind("hvals", this::hvals);
        t.bind("hgetall", this::hgetall);
        t.bind("hincrby", this::hincrby);
        t.bind("hincrbyfloat", this::hincrbyfloat);
        t.bind("hrandfield", this::hrandfield);
        t.bind("hscan", this::hscan);
    }

    // ---------------------------------------------------------------- lookups

    /** Sentinel: the key holds another type and the error was replied. */
    private static final HashValue WRONG = HashValue.create();

    /** The hash at {@code key} for reading, null if missing, {@link #WRONG} after a WRONGTYPE reply. */
    private HashValue read(Client c, byte[] key) {
        return checked(c, server.lookupReadCollection(c, key));
    }

    /** The hash at {@code key} for writing, null if missing, {@link #WRONG} after a WRONGTYPE reply. */
    private HashValue write(Client c, byte[] key) {
        return checked(c, server.lookupWriteCollection(c, key));
    }

    private static HashValue checked(Client c, Object v) {
        return Args.payload(c, v, HashValue.class, WRONG);
    }

    /** Puts a hash the command created (a {@code new} key; {@code key} may be borrowed, so it is copied). */
    private void store(Client c, byte[] key, HashValue h) {
        server.notifyNew(c, key);
        c.db().put(key.clone(), StoredValue.object(ValueType.HASH, h, StoredValue.NO_EXPIRY));
    }

    /**
     * Redis's hashTypeTryConversion before a write of argv[start..end]: more new fields than
     * a listpack may hold, or any argument longer than hash-max-listpack-value, converts first.
     */
    private void tryConversion(HashValue h, byte[][] argv, int start, int end) {
        if (!h.isPacked()) {
            return;
        }
        long newFields = (end - start + 1) / 2;
        if (newFields > maxEntries.asLong()) {
            h.convertToTable((int) newFields);
            return;
        }
        long max = maxValue.asLong();
        for (int i = start; i <= end; i++) {
            if (argv[i].length > max) {
                h.convertToTable(h.size());
                return;
            }
        }
    }

    private boolean setField(HashValue h, byte[] field, byte[] value) {
        return h.set(field, value, maxEntries.asLong(), maxValue.asLong());
    }

    // ---------------------------------------------------------------- writes

    void hset(Client c, byte[][] argv) {
        setMany(c, argv, "hset");
    }

    void hmset(Client c, byte[][] argv) {
        setMany(c, argv, "hmset");
    }

    private void setMany(Client c, byte[][] argv, String name) {
        if (argv.length % 2 == 1) {
            c.error("ERR wrong number of arguments for '" + name + "' command");
            return;
        }
        HashValue h = write(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        boolean created = h == null;
        if (created) {
            h = HashValue.create();
        }
        tryConversion(h, argv, 2, argv.length - 1);
        int added = 0;
        for (int i = 2; i < argv.length; i += 2) {
            if (setField(h, argv[i], argv[i + 1])) {
                added++;
            }
        }
        if (created) {
            store(c, argv[1], h);
        }
        server.notifyKeyspaceEvent(c, KeyspaceEvents.HASH, "hset", argv[1]);
        if (name.equals("hset")) {
            c.reply().integer(added);
        } else {
            c.reply().ok();
        }
    }

    void hsetnx(Client c, byte[][] argv) {
        HashValue h = write(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        boolean created = h == null;
        if (created) {
            h = HashValue.create();
        }
        if (!created && h.contains(argv[2])) {
            c.reply().integer(0);
            return;
        }
        tryConversion(h, argv, 2, 3);
        setField(h, argv[2], argv[3]);
        if (created) {
            store(c, argv[1], h);
        }
        server.notifyKeyspaceEvent(c, KeyspaceEvents.HASH, "hset", argv[1]);
        c.reply().integer(1);
    }

    void hdel(Client c, byte[][] argv) {
        HashValue h = write(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        if (h == null) {
            c.reply().integer(0);
            return;
        }
        int deleted = 0;
        boolean emptied = false;
        for (int i = 2; i < argv.length; i++) {
            if (h.remove(argv[i])) {
                deleted++;
                if (h.size() == 0) {
                    c.db().remove(argv[1]);
                    emptied = true;
                    break;
                }
            }
        }
        if (deleted > 0) {
            server.notifyKeyspaceEvent(c, KeyspaceEvents.HASH, "hdel", argv[1]);
            if (emptied) {
                server.notifyDeleted(c, argv[1]);
            }
        }
        c.reply().integer(deleted);
    }

    void hincrby(Client c, byte[][] argv) {
        long incr = Args.parseLong(argv[3]);
        if (incr == Args.NOT_A_NUMBER && !Args.isLong(argv[3])) {
            c.error(Args.NOT_INTEGER);
            return;
        }
        HashValue h = write(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        boolean created = h == null;
        if (created) {
            h = HashValue.create();
        }
        long value = 0;
        if (!created && h.get(argv[2], slice)) {
            byte[] old = slice.toArray();
            value = Args.parseLong(old);
            if (value == Args.NOT_A_NUMBER && !Args.isLong(old)) {
                c.error(NOT_INTEGER_HASH);
                return;
            }
        }
        if ((incr < 0 && value < 0 && incr < Long.MIN_VALUE - value)
                || (incr > 0 && value > 0 && incr > Long.MAX_VALUE - value)) {
            c.error(OVERFLOW);
            return;
        }
        long result = value + incr;
        setField(h, argv[2], Long.toString(result).getBytes(StandardCharsets.US_ASCII));
        if (created) {
            store(c, argv[1], h);
        }
        server.notifyKeyspaceEvent(c, KeyspaceEvents.HASH, "hincrby", argv[1]);
        c.reply().integer(result);
    }

    void hincrbyfloat(Client c, byte[][] argv) {
        BigDecimal incr = LongDouble.parse(argv[3]);
        if (incr == null) {
            c.error(NOT_FLOAT);
            return;
        }
        if (incr == LongDouble.INFINITE) {
            c.error("ERR value is NaN or Infinity");
            return;
        }
        HashValue h = write(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        boolean created = h == null;
        if (created) {
            h = HashValue.create();
        }
        BigDecimal value = BigDecimal.ZERO;
        if (!created && h.get(argv[2], slice)) {
            value = LongDouble.parse(slice.toArray());
            if (value == null) {
                c.error(NOT_FLOAT_HASH);
                return;
            }
        }
        BigDecimal sum = LongDouble.add(value, incr);
        if (sum == null) {
            c.error("ERR increment would produce NaN or Infinity");
            return;
        }
        byte[] text = LongDouble.format(sum);
        setField(h, argv[2], text);
        if (created) {
            store(c, argv[1], h);
        }
        server.notifyKeyspaceEvent(c, KeyspaceEvents.HASH, "hincrbyfloat", argv[1]);
        c.reply().bulk(text);
        c.propagateAs(HSET, argv[1], argv[2], text); // the value it produced, as Redis
    }

    // ---------------------------------------------------------------- reads

    void hget(Client c, byte[][] argv) {
        HashValue h = read(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        if (h != null && h.get(argv[2], slice)) {
            c.reply().bulk(slice.array, slice.offset, slice.length);
        } else {
            c.reply().nullBulk();
        }
    }

    void hmget(Client c, byte[][] argv) {
        HashValue h = read(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        RespWriter r = c.reply();
        r.arrayHeader(argv.length - 2);
        for (int i = 2; i < argv.length; i++) {
            if (h != null && h.get(argv[i], slice)) {
                r.bulk(slice.array, slice.offset, slice.length);
            } else {
                r.nullBulk();
            }
        }
    }

    void hexists(Client c, byte[][] argv) {
        HashValue h = read(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        c.reply().integer(h != null && h.contains(argv[2]) ? 1 : 0);
    }

    void hlen(Client c, byte[][] argv) {
        HashValue h = read(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        c.reply().integer(h == null ? 0 : h.size());
    }

    void hstrlen(Client c, byte[][] argv) {
        HashValue h = read(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        c.reply().integer(h != null && h.get(argv[2], slice) ? slice.length : 0);
    }

    void hkeys(Client c, byte[][] argv) {
        HashValue h = read(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        RespWriter r = c.reply();
        if (h == null) {
            r.arrayHeader(0);
            return;
        }
        r.arrayHeader(h.size());
        h.forEach((f, fo, fl, v, vo, vl) -> r.bulk(f, fo, fl));
    }

    void hvals(Client c, byte[][] argv) {
        HashValue h = read(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        RespWriter r = c.reply();
        if (h == null) {
            r.arrayHeader(0);
            return;
        }
        r.arrayHeader(h.size());
        h.forEach((f, fo, fl, v, vo, vl) -> r.bulk(v, vo, vl));
    }

    void hgetall(Client c, byte[][] argv) {
        HashValue h = read(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        RespWriter r = c.reply();
        if (h == null) {
            r.mapHeader(0);
            return;
        }
        r.mapHeader(h.size());
        h.forEach((f, fo, fl, v, vo, vl) -> {
            r.bulk(f, fo, fl);
            r.bulk(v, vo, vl);
        });
    }

    // ---------------------------------------------------------------- HRANDFIELD

    /** Above this, a positive count is served by random picks instead of copying the hash. */
    private static final int RANDFIELD_SUB_STRATEGY_MUL = 3;

    void hrandfield(Client c, byte[][] argv) {
        if (argv.length == 2) {
            HashValue h = read(c, argv[1]);
            if (h == WRONG) {
                return;
            }
            if (h == null) {
                c.reply().nullBulk();
                return;
            }
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int pos = h.randomPosition(rnd);
            int[] offsets = h.isPacked() ? h.packedPairOffsets() : null;
            RespWriter r = c.reply();
            h.visitAt(pos, offsets, (f, fo, fl, v, vo, vl) -> r.bulk(f, fo, fl));
            return;
        }
        boolean withValues = false;
        if (argv.length >= 4) {
            if (argv.length != 4 || !Args.is(argv[3], "WITHVALUES")) {
                c.error(Args.SYNTAX);
                return;
            }
            withValues = true;
        }
        long l = Args.parseLong(argv[2]);
        if (l == Args.NOT_A_NUMBER) {
            c.error(Args.isLong(argv[2])
                    ? "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
                    : Args.NOT_INTEGER);
            return;
        }
        if (withValues && (l > Long.MAX_VALUE / 2 || l < -(Long.MAX_VALUE / 2))) {
            c.error("ERR value is out of range");
            return;
        }
        HashValue h = read(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        RespWriter r = c.reply();
        if (h == null || l == 0) {
            r.arrayHeader(0);
            return;
        }
        boolean unique = l > 0;
        long count = unique ? l : -l;
        int size = h.size();
        boolean resp3 = r.resp3();
        boolean wv = withValues;
        HashValue.PairVisitor emit = (f, fo, fl, v, vo, vl) -> {
            if (wv) {
                if (resp3) {
                    r.arrayHeader(2);
                }
                r.bulk(f, fo, fl);
                r.bulk(v, vo, vl);
            } else {
                r.bulk(f, fo, fl);
            }
        };
        int[] offsets = h.isPacked() ? h.packedPairOffsets() : null;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (!unique || count == 1) {
            // CASE 1: repeated picks over the whole hash
            long total = withValues && !resp3 ? count * 2 : count;
            writeArrayHeader(r, total);
            for (long i = 0; i < count; i++) {
                h.visitAt(h.randomPosition(rnd), offsets, emit);
                if ((i & 1023) == 1023 && replyOverflow(c)) {
                    break;
                }
            }
            return;
        }
        if (count >= size) {
            // CASE 2: the whole hash
            r.arrayHeader(withValues && !resp3 ? size * 2 : size);
            h.forEach(emit);
            return;
        }
        int n = (int) count;
        r.arrayHeader(withValues && !resp3 ? n * 2 : n);
        if ((long) n * RANDFIELD_SUB_STRATEGY_MUL > size) {
            // CASE 3: pick the positions to keep with a partial shuffle of all of them
            int[] all = new int[size];
            if (offsets != null) {
                for (int i = 0; i < size; i++) {
                    all[i] = i;
                }
            } else {
                int k = 0;
                for (int s = 0, cap = h.positions(); s < cap; s++) {
                    if (h.visitAt(s, null, (f, fo, fl, v, vo, vl) -> { })) {
                        all[k++] = s;
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                int j = i + rnd.nextInt(size - i);
                int tmp = all[i];
                all[i] = all[j];
                all[j] = tmp;
                h.visitAt(all[i], offsets, emit);
            }
            return;
        }
        // CASE 4: distinct random picks
        Set<Integer> seen = new HashSet<>();
        while (seen.size() < n) {
            int pos = h.randomPosition(rnd);
            if (seen.add(pos)) {
                h.visitAt(pos, offsets, emit);
            }
        }
    }

    /** Replies this large are cut off and the connection closed, as Redis's output buffer limit would. */
    private static final int MAX_REPLY_BYTES = 1 << 30;

    /**
     * True when the reply being written has grown past {@link #MAX_REPLY_BYTES} (a huge negative
     * count): the connection is then closed after what was written, as Redis closes a client
     * that exceeds its output buffer limit, instead of exhausting the heap.
     */
    static boolean replyOverflow(Client c) {
        if (c.reply().target().writerIndex() > MAX_REPLY_BYTES) {
            c.closeAfterReply();
            return true;
        }
        return false;
    }

    private static void writeArrayHeader(RespWriter r, long count) {
        r.arrayHeader((int) Math.min(count, Integer.MAX_VALUE));
    }

    // ---------------------------------------------------------------- HSCAN

    void hscan(Client c, byte[][] argv) {
        if (!Scan.validCursor(argv[2])) {
            c.error(Scan.INVALID_CURSOR);
            return;
        }
        long cursor = Scan.cursorValue(argv[2]);
        HashValue h = read(c, argv[1]);
        if (h == WRONG) {
            return;
        }
        if (h == null) {
            Scan.replyEmpty(c);
            return;
        }
        Scan scan = Scan.options(c, argv, 3, false);
        if (scan == null) {
            return;
        }
        List<byte[]> out = new ArrayList<>();
        long next = h.scan(cursor, scan.count, (f, fo, fl, v, vo, vl) -> {
            if (scan.matches(f, fo, fl)) {
                out.add(copy(f, fo, fl));
                out.add(copy(v, vo, vl));
            }
        });
        Scan.reply(c, next, out);
    }

    static byte[] copy(byte[] a, int off, int len) {
        byte[] b = new byte[len];
        System.arraycopy(a, off, b, 0, len);
        return b;
    }
}
