package dev.podis.server.commands;

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

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The set family (Redis's t_set.c): SADD, SREM, SISMEMBER, SMISMEMBER, SMEMBERS, SCARD, SPOP,
 * SRANDMEMBER, SMOVE, SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE
 * and SSCAN.
 *
 * <p>A set is a {@link SetValue} payload changed in place, in Redis 7.2's encodings (intset,
 * listpack, hashtable) with the same conversion points (set-max-intset-entries,
 * set-max-listpack-entries, set-max-listpack-value). An emptied set is removed from the
 * keyspace; the STORE variants replace the destination (dropping its TTL) or delete it when the
 * result is empty. Results are built and ordered as Redis builds them, so small sets reply in
 * the same order as Redis.
 *
 * <p>Keyspace events as t_set.c: {@code new} for a created set, {@code sadd} (when a member was
 * added), {@code srem}, {@code spop}, each followed by {@code del} when the set became empty;
 * SMOVE reports {@code srem} (and {@code del}) for the source, then {@code sadd} for the
 * destination; the STORE variants report {@code sinterstore}, {@code sunionstore} or
 * {@code sdiffstore}, or {@code del} when an empty result removed the destination.
 */
public final class SetCommands implements CommandFamily {
    private static final byte[] SREM = Args.bytes("SREM");
    static final String NOT_POSITIVE = "ERR value is out of range, must be positive";


    private final ServerContext server;
    private final ConfigValue maxIntset;
    private final ConfigValue maxListpackEntries;
    private final ConfigValue maxListpackValue;

    public SetCommands(ServerContext server) {
        this.server = server;
        this.maxIntset = server.config().value("set-max-intset-entries");
        this.maxListpackEntries = server.config().value("set-max-listpack-entries");
        this.maxListpackValue = server.config().value("set-max-listpack-value");
    }

    @Override
    public void register(CommandTable t) {
        t.bindBorrowing("sadd", this::sadd); // keeps no argument: copies the key of a new set and each member it stores
        t.bind("srem", this::srem);
        t.bind("sismember", this::sismember);
        t.bind("smismember", this::smismember);
        t.bind("smembers", this::smembers);
        t.bind("scard", this::scard);
        t.bind("spop", this::spop);
        t.bind("srandmember", this::srandmember);
        t.bind("smove", this::smove);
        t.bind("sinter", this::sinter);
        t.bind("sintercard", this::sintercard);
        t.bind("sinterstore", this::sinterstore);
        t.bind("sunion", this::sunion);
        t.bind("sunionstore", this::sunionstore);
        t.bind("sdiff", this::sdiff);
        t.bind("sdiffstore", this::sdiffstore);
        t.bind("sscan", this::sscan);
    }

    // ---------------------------------------------------------------- helpers

    /** Sentinel: the key holds another type and the error was replied. */
    private static final SetValue WRONG = SetValue.newIntSet();

    /** A looked-up payload ({@code ServerContext.lookup*Collection}) as a set: null if missing, {@link #WRONG} after a WRONGTYPE reply. */
    private SetValue checked(Client c, Object v) {
        return Args.payload(c, v, SetValue.class, WRONG);
    }

    private SetValue read(Client c, byte[] key) {
        return checked(c, server.lookupReadCollection(c, key));
    }

    private SetValue write(Client c, byte[] key) {
        return checked(c, server.lookupWriteCollection(c, key));
    }

    /** Puts a set the command created (a {@code new} key; {@code key} may be borrowed, so it is copied). */
    private void store(Client c, byte[] key, SetValue s) {
        server.notifyNew(c, key);
        c.db().put(key.clone(), StoredValue.object(ValueType.SET, s, StoredValue.NO_EXPIRY));
    }

    /** A STORE variant's result: the set (null when empty) replaces the destination. */
    private void storeResult(Client c, byte[] key, SetValue s, String event) {
        server.storeResult(c, key, s == null || s.size() == 0 ? null
                : StoredValue.object(ValueType.SET, s, StoredValue.NO_EXPIRY), KeyspaceEvents.SET, event);
    }

    private boolean add(SetValue s, byte[] m) {
        return s.add(m, maxIntset.asLong(), maxListpackEntries.asLong(), maxListpackValue.asLong());
    }

    private SetValue create(byte[] first, long sizeHint) {
        return SetValue.create(first, sizeHint, maxIntset.asLong(), maxListpackEntries.asLong());
    }

    /** Writes set members as bulk strings. */
    private static SetValue.MemberVisitor bulkWriter(RespWriter r) {
        return new SetValue.MemberVisitor() {
            @Override
            public void bytes(byte[] a, int off, int len) {
                r.bulk(a, off, len);
            }

            @Override
            public void integer(long v) {
                r.bulkDecimal(v);
            }
        };
    }

    private static byte[] decimal(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    // ---------------------------------------------------------------- single-set commands

    void sadd(Client c, byte[][] argv) {
        SetValue s = write(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        boolean created = s == null;
        long hint = argv.length - 2;
        if (created) {
            s = create(argv[2], hint);
        } else if ((s.encoding().equals("listpack") && hint > maxListpackEntries.asLong())
                || (s.encoding().equals("intset") && hint > maxIntset.asLong())) {
            s.convertToTable((int) Math.min(hint, 1 << 24));
        }
        int added = 0;
        for (int i = 2; i < argv.length; i++) {
            if (add(s, argv[i])) {
                added++;
            }
        }
        if (created) {
            store(c, argv[1], s);
        }
        if (added > 0) {
            server.notifyKeyspaceEvent(c, KeyspaceEvents.SET, "sadd", argv[1]);
        }
        c.reply().integer(added);
    }

    void srem(Client c, byte[][] argv) {
        SetValue s = write(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.reply().integer(0);
            return;
        }
        int removed = 0;
        for (int i = 2; i < argv.length; i++) {
            if (s.remove(argv[i])) {
                removed++;
                if (s.size() == 0) {
                    break;
                }
            }
        }
        if (removed > 0) {
            removed(c, argv[1], s, "srem");
        }
        c.reply().integer(removed);
    }

    void sismember(Client c, byte[][] argv) {
        SetValue s = read(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        c.reply().integer(s != null && s.contains(argv[2]) ? 1 : 0);
    }

    void smismember(Client c, byte[][] argv) {
        SetValue s = read(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        RespWriter r = c.reply();
        r.arrayHeader(argv.length - 2);
        for (int i = 2; i < argv.length; i++) {
            r.integer(s != null && s.contains(argv[i]) ? 1 : 0);
        }
    }

    void smembers(Client c, byte[][] argv) {
        SetValue s = read(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        RespWriter r = c.reply();
        if (s == null) {
            r.setHeader(0);
            return;
        }
        r.setHeader(s.size());
        s.forEach(bulkWriter(r));
    }

    void scard(Client c, byte[][] argv) {
        SetValue s = read(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        c.reply().integer(s == null ? 0 : s.size());
    }

    void smove(Client c, byte[][] argv) {
        Object srcV = server.lookupWriteCollection(c, argv[1]);
        Object dstV = server.lookupWriteCollection(c, argv[2]);
        byte[] member = argv[3];
        if (srcV == null) {
            c.reply().integer(0);
            return;
        }
        SetValue src = checked(c, srcV);
        if (src == WRONG) {
            return;
        }
        SetValue dst = checked(c, dstV);
        if (dst == WRONG) {
            return;
        }
        if (src == dst) {
            c.reply().integer(src.contains(member) ? 1 : 0);
            return;
        }
        if (!src.remove(member)) {
            c.reply().integer(0);
            return;
        }
        removed(c, argv[1], src, "srem");
        boolean added;
        if (dst == null) {
            dst = create(member, 1);
            added = add(dst, member);
            store(c, argv[2], dst);
        } else {
            added = add(dst, member);
        }
        if (added) {
            server.notifyKeyspaceEvent(c, KeyspaceEvents.SET, "sadd", argv[2]);
        }
        c.reply().integer(1);
    }

    // ---------------------------------------------------------------- random members

    void spop(Client c, byte[][] argv) {
        if (argv.length > 3) {
            c.error(Args.SYNTAX);
            return;
        }
        if (argv.length == 3) {
            spopWithCount(c, argv);
            return;
        }
        SetValue s = write(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.reply().nullBulk();
            return;
        }
        byte[] m = s.popRandom(ThreadLocalRandom.current());
        c.reply().bulk(m);
        c.propagateAs(SREM, argv[1], m); // the member it happened to pick
        removed(c, argv[1], s, "spop");
    }

    /** After removing members: reports {@code event}, then deletes an emptied set ({@code del}). */
    private void removed(Client c, byte[] key, SetValue s, String event) {
        server.notifyKeyspaceEvent(c, KeyspaceEvents.SET, event, key);
        if (s.size() == 0) {
            c.db().remove(key);
            server.notifyDeleted(c, key);
        }
    }

    /** SREM commands of at most this many members propagate SPOP with a count (Redis 7.2). */
    private static final int SPOP_PROPAGATE_BATCH = 1024;

    private void spopWithCount(Client c, byte[][] argv) {
        long count = Args.parseLong(argv[2]);
        if (count == Args.NOT_A_NUMBER || count < 0) {
            c.error(NOT_POSITIVE);
            return;
        }
        SetValue s = write(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        RespWriter r = c.reply();
        if (s == null || count == 0) {
            r.setHeader(0);
            c.preventPropagation();
            return;
        }
        int size = s.size();
        if (count >= size) {
            // the whole set, built and ordered as SUNION of the one set
            SetValue all = SetValue.newIntSet();
            for (byte[] m : s.toArray()) {
                add(all, m);
            }
            r.setHeader(all.size());
            all.forEach(bulkWriter(r));
            server.notifyKeyspaceEvent(c, KeyspaceEvents.SET, "spop", argv[1]);
            c.db().remove(argv[1]);
            server.notifyDeleted(c, argv[1]);
            c.propagateAs(Propagation.DEL, argv[1]); // DEL whatever lazyfree says, as Redis 7.0
            return;
        }
        int n = (int) count;
        r.setHeader(n);
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        boolean propagating = c.propagating();
        byte[][] batch = null;
        int inBatch = 0;
        for (int i = 0; i < n; i++) {
            byte[] m = s.popRandom(rnd);
            r.bulk(m);
            if (propagating) {
                // the members it picked, as SREMs of up to 1024 members (Redis 7.2)
                if (batch == null) {
                    batch = new byte[2 + Math.min(SPOP_PROPAGATE_BATCH, n - i)][];
                    batch[0] = SREM;
                    batch[1] = argv[1];
                    inBatch = 0;
                }
                batch[2 + inBatch++] = m;
                if (2 + inBatch == batch.length) {
                    c.alsoPropagate(batch);
                    batch = null;
                }
            }
        }
        removed(c, argv[1], s, "spop");
        c.preventPropagation();
    }

    /** Above this ratio of set size to count, unique samples are drawn by random picks. */
    private static final int SRANDMEMBER_SUB_STRATEGY_MUL = 3;

    void srandmember(Client c, byte[][] argv) {
        if (argv.length > 3) {
            c.error(Args.SYNTAX);
            return;
        }
        if (argv.length == 3) {
            srandmemberWithCount(c, argv);
            return;
        }
        SetValue s = read(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.reply().nullBulk();
            return;
        }
        c.reply().bulk(s.random(ThreadLocalRandom.current()));
    }

    private void srandmemberWithCount(Client c, byte[][] argv) {
        long l = Args.parseLong(argv[2]);
        if (l == Args.NOT_A_NUMBER) {
            c.error(Args.isLong(argv[2])
                    ? "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
                    : Args.NOT_INTEGER);
            return;
        }
        boolean unique = l >= 0;
        long count = unique ? l : -l;
        SetValue s = read(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        RespWriter r = c.reply();
        if (s == null || count == 0) {
            r.arrayHeader(0);
            return;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int size = s.size();
        if (!unique || count == 1) {
            r.arrayHeader((int) Math.min(count, Integer.MAX_VALUE));
            byte[][] members = s.encoding().equals("hashtable") ? null : s.toArray();
            for (long i = 0; i < count; i++) {
                r.bulk(members != null ? members[rnd.nextInt(members.length)] : s.random(rnd));
                if ((i & 1023) == 1023 && HashCommands.replyOverflow(c)) {
                    break;
                }
            }
            return;
        }
        if (count >= size) {
            r.arrayHeader(size);
            s.forEach(bulkWriter(r));
            return;
        }
        int n = (int) count;
        r.arrayHeader(n);
        byte[][] all = s.toArray();
        if ((long) n * SRANDMEMBER_SUB_STRATEGY_MUL > size || !s.encoding().equals("hashtable")) {
            for (int i = 0; i < n; i++) {
                int j = i + rnd.nextInt(size - i);
                byte[] tmp = all[i];
                all[i] = all[j];
                all[j] = tmp;
                r.bulk(all[i]);
            }
            return;
        }
        SetValue picked = SetValue.newListpack();
        picked.convertToTable(n);
        while (picked.size() < n) {
            byte[] m = s.random(rnd);
            if (picked.add(m, 0, 0, 0)) {
                r.bulk(m);
            }
        }
    }

    // ---------------------------------------------------------------- SINTER family

    void sinter(Client c, byte[][] argv) {
        sinterGeneric(c, argv, 1, argv.length, null, false, 0);
    }

    void sinterstore(Client c, byte[][] argv) {
        sinterGeneric(c, argv, 2, argv.length, argv[1], false, 0);
    }

    void sintercard(Client c, byte[][] argv) {
        long numkeys = Args.parseLong(argv[1]);
        if (numkeys == Args.NOT_A_NUMBER || numkeys < 1) {
            c.error("ERR numkeys should be greater than 0");
            return;
        }
        if (numkeys > argv.length - 2) {
            c.error("ERR Number of keys can't be greater than number of args");
            return;
        }
        long limit = 0;
        for (int j = 2 + (int) numkeys; j < argv.length; j++) {
            boolean more = j + 1 < argv.length;
            if (Args.is(argv[j], "LIMIT") && more) {
                j++;
                limit = Args.parseLong(argv[j]);
                if (limit == Args.NOT_A_NUMBER || limit < 0) {
                    c.error("ERR LIMIT can't be negative");
                    return;
                }
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        sinterGeneric(c, argv, 2, 2 + (int) numkeys, null, true, limit);
    }

    private void sinterGeneric(Client c, byte[][] argv, int from, int to, byte[] dstKey,
                               boolean cardinalityOnly, long limit) {
        SetValue[] sets = new SetValue[to - from];
        boolean empty = false;
        for (int i = from; i < to; i++) {
            SetValue s = read(c, argv[i]);
            if (s == WRONG) {
                return;
            }
            if (s == null) {
                empty = true;
            }
            sets[i - from] = s;
        }
        RespWriter r = c.reply();
        if (empty) {
            if (dstKey != null) {
                storeResult(c, dstKey, null, "sinterstore");
                r.integer(0);
            } else if (cardinalityOnly) {
                r.integer(0);
            } else {
                r.setHeader(0);
            }
            return;
        }
        SetValue[] sorted = sets.clone();
        Arrays.sort(sorted, Comparator.comparingInt(SetValue::size)); // stable, like glibc's merge sort
        SetValue first = sorted[0];
        SetValue dst = null;
        if (dstKey != null) {
            dst = first.encoding().equals("intset") ? SetValue.newIntSet() : SetValue.newListpack();
        }
        long cardinality = 0;
        boolean onlyIntegers = true;
        List<byte[]> out = new ArrayList<>();
        for (byte[] m : first.toArray()) {
            boolean all = true;
            for (int j = 1; j < sorted.length; j++) {
                if (sorted[j] != first && !sorted[j].contains(m)) {
                    all = false;
                    break;
                }
            }
            if (!all) {
                continue;
            }
            cardinality++;
            if (cardinalityOnly) {
                if (limit != 0 && cardinality >= limit) {
                    break;
                }
            } else if (dst == null) {
                out.add(m);
            } else {
                if (onlyIntegers && !SetValue.isInteger(m)) {
                    onlyIntegers = false;
                }
                add(dst, m);
            }
        }
        if (cardinalityOnly) {
            r.integer(cardinality);
        } else if (dst != null) {
            if (dst.size() > 0 && onlyIntegers) {
                dst.maybeConvertToIntSet(maxIntset.asLong());
            }
            storeResult(c, dstKey, dst, "sinterstore");
            r.integer(dst.size());
        } else {
            r.setHeader(out.size());
            for (byte[] m : out) {
                r.bulk(m);
            }
        }
    }

    // ---------------------------------------------------------------- SUNION / SDIFF

    void sunion(Client c, byte[][] argv) {
        sunionDiff(c, argv, 1, null, false);
    }

    void sunionstore(Client c, byte[][] argv) {
        sunionDiff(c, argv, 2, argv[1], false);
    }

    void sdiff(Client c, byte[][] argv) {
        sunionDiff(c, argv, 1, null, true);
    }

    void sdiffstore(Client c, byte[][] argv) {
        sunionDiff(c, argv, 2, argv[1], true);
    }

    private void sunionDiff(Client c, byte[][] argv, int from, byte[] dstKey, boolean diff) {
        int n = argv.length - from;
        SetValue[] sets = new SetValue[n];
        boolean sameSet = false;
        for (int j = 0; j < n; j++) {
            SetValue s = read(c, argv[from + j]);
            if (s == WRONG) {
                return;
            }
            sets[j] = s;
            if (j > 0 && s != null && s == sets[0]) {
                sameSet = true;
            }
        }
        SetValue dst = SetValue.newIntSet();
        if (!diff) {
            for (SetValue s : sets) {
                if (s != null) {
                    for (byte[] m : s.toArray()) {
                        add(dst, m);
                    }
                }
            }
        } else if (sets[0] != null && !sameSet) {
            long algoOne = 0;
            long algoTwo = 0;
            for (SetValue s : sets) {
                if (s != null) {
                    algoOne += sets[0].size();
                    algoTwo += s.size();
                }
            }
            algoOne /= 2;
            if (algoOne <= algoTwo) {
                SetValue[] others = Arrays.copyOfRange(sets, 1, n);
                // subtract the largest sets first; missing keys count as empty
                Arrays.sort(others, Comparator.comparingInt((SetValue s) -> s == null ? 0 : s.size()).reversed());
                for (byte[] m : sets[0].toArray()) {
                    boolean found = false;
                    for (SetValue o : others) {
                        if (o == null) {
                            break;
                        }
                        if (o == sets[0] || o.contains(m)) {
                            found = true;
                            break;
                        }
                    }
                    if (!found) {
                        add(dst, m);
                    }
                }
            } else {
                for (byte[] m : sets[0].toArray()) {
                    add(dst, m);
                }
                for (int j = 1; j < n && dst.size() > 0; j++) {
                    if (sets[j] != null) {
                        for (byte[] m : sets[j].toArray()) {
                            dst.remove(m);
                        }
                    }
                }
            }
        }
        RespWriter r = c.reply();
        if (dstKey == null) {
            r.setHeader(dst.size());
            dst.forEach(bulkWriter(r));
            return;
        }
        storeResult(c, dstKey, dst, diff ? "sdiffstore" : "sunionstore");
        r.integer(dst.size());
    }

    // ---------------------------------------------------------------- SSCAN

    void sscan(Client c, byte[][] argv) {
        if (!Scan.validCursor(argv[2])) {
            c.error(Scan.INVALID_CURSOR);
            return;
        }
        long cursor = Scan.cursorValue(argv[2]);
        SetValue s = read(c, argv[1]);
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            Scan.replyEmpty(c);
            return;
        }
        Scan scan = Scan.options(c, argv, 3, false);
        if (scan == null) {
            return;
        }
        List<byte[]> out = new ArrayList<>();
        long next = s.scan(cursor, scan.count, new SetValue.MemberVisitor() {
            @Override
            public void bytes(byte[] a, int off, int len) {
                if (scan.matches(a, off, len)) {
                    out.add(HashCommands.copy(a, off, len));
                }
            }

            @Override
            public void integer(long v) {
                byte[] d = decimal(v);
                bytes(d, 0, d.length);
            }
        });
        Scan.reply(c, next, out);
    }
}
