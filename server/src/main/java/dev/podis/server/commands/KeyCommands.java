package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.KeyspaceEvents;
import dev.podis.server.Propagation;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.util.Glob;
import dev.podis.storage.Database;
import dev.podis.storage.StoredValue;
import dev.podis.storage.types.CollectionValue;
import dev.podis.storage.ValueType;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Generic key commands, whatever the type of the value (Redis's db.c, expire.c and object.c):
 * DEL, UNLINK, EXISTS, TYPE, the EXPIRE and TTL families, PERSIST, RENAME, KEYS, SCAN,
 * RANDOMKEY, TOUCH, OBJECT and COPY.
 *
 * <p>Nothing here knows a collection's representation: values are handled through
 * {@link StoredValue#type()}, and what depends on the representation (OBJECT ENCODING, the deep
 * copy COPY needs) comes from the payload's {@link CollectionValue} interface.
 *
 * <p>Key lookups follow Redis's flavours: commands that only inspect a key (EXISTS, TYPE, TTL,
 * OBJECT) count keyspace hits/misses without updating the key's access time; writes use
 * {@link ServerContext#lookupWrite}; TOUCH always updates the access time.
 *
 * <p>Keyspace events as Redis's db.c and expire.c: {@code del} per key removed, {@code expire}
 * (or {@code del} for a time already past), {@code persist}, {@code new} + {@code rename_from} +
 * {@code rename_to}, {@code new} + {@code copy_to}; EXISTS, TYPE, the TTL family and TOUCH report
 * {@code keymiss} for a missing key, OBJECT does not.
 */
public final class KeyCommands implements CommandFamily {
    static final String NO_SUCH_KEY = "ERR no such key";
    private static final int SHARED_INTEGERS = 10000;
    private static final int OBJ_SHARED_REFCOUNT = Integer.MAX_VALUE;
    private static final int EMBSTR_SIZE_LIMIT = 44;
    private static final int SCAN_DEFAULT_COUNT = 10;

    private static final String[] OBJECT_HELP = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    };

    private final ServerContext server;

    public KeyCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        t.bind("del", this::del);
        t.bind("unlink", this::del);
        t.bind("exists", this::exists);
        t.bind("type", this::type);
        t.bind("expire", (c, argv) -> expire(c, argv, true, true, "expire"));
        t.bind("pexpire", (c, argv) -> expire(c, argv, true, false, "pexpire"));
        t.bind("expireat", (c, argv) -> expire(c, argv, false, true, "expireat"));
        t.bind("pexpireat", (c, argv) -> expire(c, argv, false, false, "pexpireat"));
        t.bind("ttl", (c, argv) -> ttl(c, argv, false, false));
        t.bind("pttl", (c, argv) -> ttl(c, argv, true, false));
        t.bind("expiretime", (c, argv) -> ttl(c, argv, false, true));
        t.bind("pexpiretime", (c, argv) -> ttl(c, argv, true, true));
        t.bind("persist", this::persist);
        t.bind("rename", (c, argv) -> rename(c, argv, false));
        t.bind("renamenx", (c, argv) -> rename(c, argv, true));
        t.bind("keys", this::keys);
        t.bind("scan", this::scan);
        t.bind("randomkey", this::randomkey);
        t.bind("touch", this::touch);
        t.bind("copy", this::copy);
        t.bind("object|encoding", this::objectEncoding);
        t.bind("object|refcount", this::objectRefcount);
        t.bind("object|idletime", this::objectIdletime);
        t.bind("object|freq", this::objectFreq);
        t.bind("object|help", this::objectHelp);
    }

    /**
     * A read lookup that counts hits/misses but leaves the access time alone (LOOKUP_NOTOUCH); a
     * miss is a {@code keymiss} event unless {@code quiet} (OBJECT: LOOKUP_NONOTIFY).
     */
    private StoredValue inspect(Client c, byte[] key, boolean quiet) {
        StoredValue v = c.db().peek(key);
        if (v == null) {
            server.stats().keyspaceMisses++;
            if (!quiet) {
                server.notifyKeyspaceEvent(c, KeyspaceEvents.KEY_MISS, "keymiss", key);
            }
        } else {
            server.stats().keyspaceHits++;
        }
        return v;
    }

    private StoredValue inspect(Client c, byte[] key) {
        return inspect(c, key, false);
    }

    // ---- DEL, UNLINK, EXISTS, TYPE, TOUCH, RANDOMKEY

    /** DEL and UNLINK: UNLINK may free in the background in Redis; here freeing is left to the GC either way. */
    void del(Client c, byte[][] argv) {
        Database db = c.db();
        long removed = 0;
        for (int i = 1; i < argv.length; i++) {
            if (db.remove(argv[i])) {
                removed++;
                server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "del", argv[i]);
            }
        }
        c.reply().integer(removed);
    }

    /** EXISTS counts a key once per time it is named. */
    void exists(Client c, byte[][] argv) {
        long n = 0;
        for (int i = 1; i < argv.length; i++) {
            if (inspect(c, argv[i]) != null) {
                n++;
            }
        }
        c.reply().integer(n);
    }

    void type(Client c, byte[][] argv) {
        StoredValue v = inspect(c, argv[1]);
        c.reply().simple(v == null ? "none" : v.type().redisName());
    }

    /** TOUCH updates the access time even for a client in CLIENT NO-TOUCH mode, as in Redis. */
    void touch(Client c, byte[][] argv) {
        Database db = c.db();
        long n = 0;
        for (int i = 1; i < argv.length; i++) {
            if (db.get(argv[i]) != null) {
                server.stats().keyspaceHits++;
                n++;
            } else {
                server.stats().keyspaceMisses++;
                server.notifyKeyspaceEvent(c, KeyspaceEvents.KEY_MISS, "keymiss", argv[i]);
            }
        }
        c.reply().integer(n);
    }

    void randomkey(Client c, byte[][] argv) {
        byte[] key = c.db().randomKey();
        if (key == null) {
            c.reply().nullBulk();
        } else {
            c.reply().bulk(key);
        }
    }

    // ---- expiry

    /**
     * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT [NX|XX|GT|LT]. A {@code relative} time is added to now;
     * a resulting time not after now (one reading of the clock for the whole command, as Redis's
     * command time) deletes the key.
     */
    void expire(Client c, byte[][] argv, boolean relative, boolean seconds, String name) {
        long now = server.keyspace().now();
        long base = relative ? now : 0;
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        for (int i = 3; i < argv.length; i++) {
            byte[] opt = argv[i];
            if (Args.is(opt, "NX")) {
                nx = true;
            } else if (Args.is(opt, "XX")) {
                xx = true;
            } else if (Args.is(opt, "GT")) {
                gt = true;
            } else if (Args.is(opt, "LT")) {
                lt = true;
            } else {
                c.error("ERR Unsupported option " + Args.str(opt));
                return;
            }
        }
        if (nx && (xx || gt || lt)) {
            c.error("ERR NX and XX, GT or LT options at the same time are not compatible");
            return;
        }
        if (gt && lt) {
            c.error("ERR GT and LT options at the same time are not compatible");
            return;
        }
        long when = Args.parseLong(argv[2]);
        if (when == Args.NOT_A_NUMBER && !Args.isLong(argv[2])) {
            c.error(Args.NOT_INTEGER);
            return;
        }
        if (seconds) {
            if (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000) {
                c.error("ERR invalid expire time in '" + name + "' command");
                return;
            }
            when *= 1000;
        }
        if (when > Long.MAX_VALUE - base) {
            c.error("ERR invalid expire time in '" + name + "' command");
            return;
        }
        when += base;

        byte[] key = argv[1];
        StoredValue v = server.lookupWrite(c, key);
        if (v == null) {
            c.reply().integer(0);
            return;
        }
        long current = v.expireAt();
        boolean persistent = current == StoredValue.NO_EXPIRY;
        if ((nx && !persistent)
                || (xx && persistent)
                || (gt && (persistent || when <= current))
                || (lt && !persistent && when >= current)) {
            c.reply().integer(0);
            c.preventPropagation(); // nothing changed (a collection counts as written once looked up)
            return;
        }
        if (server.keyspace().alreadyExpired(when)) {
            c.db().remove(key);
            server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "del", key);
            c.propagateAs(server.expireDeleteCommand(), key);
        } else {
            c.db().setExpireAt(key, when);
            server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "expire", key);
            if (!"pexpireat".equals(name) && c.propagating()) {
                // propagated as PEXPIREAT with an absolute time, options kept (Redis 7)
                byte[][] as = argv.clone();
                as[0] = Propagation.PEXPIREAT;
                as[2] = Propagation.number(when);
                c.propagateAs(as);
            }
        }
        c.reply().integer(1);
    }

    /** TTL, PTTL (relative) and EXPIRETIME, PEXPIRETIME (absolute): -2 for no key, -1 for no expiry. */
    void ttl(Client c, byte[][] argv, boolean millis, boolean absolute) {
        StoredValue v = inspect(c, argv[1]);
        if (v == null) {
            c.reply().integer(-2);
            return;
        }
        if (!v.hasExpiry()) {
            c.reply().integer(-1);
            return;
        }
        long t = absolute ? v.expireAt() : v.expireAt() - server.keyspace().now();
        if (t < 0) {
            t = 0;
        }
        c.reply().integer(millis ? t : (t + 500) / 1000);
    }

    void persist(Client c, byte[][] argv) {
        StoredValue v = server.lookupWrite(c, argv[1]);
        if (v == null || !v.hasExpiry()) {
            c.reply().integer(0);
            c.preventPropagation();
            return;
        }
        c.db().setExpireAt(argv[1], StoredValue.NO_EXPIRY);
        server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "persist", argv[1]);
        c.reply().integer(1);
    }

    // ---- RENAME, COPY

    void rename(Client c, byte[][] argv, boolean nx) {
        byte[] src = argv[1];
        byte[] dst = argv[2];
        StoredValue v = server.lookupWrite(c, src);
        if (v == null) {
            c.error(NO_SUCH_KEY);
            return;
        }
        if (Arrays.equals(src, dst)) {
            if (nx) {
                c.reply().integer(0);
            } else {
                c.reply().ok();
            }
            return;
        }
        if (nx) {
            if (server.lookupWrite(c, dst) != null) {
                c.reply().integer(0);
                return;
            }
        } else {
            c.db().peek(dst); // a destination past its time to live expires first, as Redis's lookup does
        }
        // The value keeps its expiry; put() replaces whatever dst held (as new: Redis deletes it first).
        Database db = c.db();
        db.remove(src);
        server.notifyNew(c, dst);
        db.put(dst, v);
        server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "rename_from", src);
        server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "rename_to", dst);
        server.blocking().signalKeyAsReady(c.dbIndex(), dst);
        if (nx) {
            c.reply().integer(1);
        } else {
            c.reply().ok();
        }
    }

    /** COPY source destination [DB destination-db] [REPLACE]. */
    void copy(Client c, byte[][] argv) {
        int dstIndex = c.dbIndex();
        boolean replace = false;
        for (int i = 3; i < argv.length; i++) {
            if (Args.is(argv[i], "REPLACE")) {
                replace = true;
            } else if (Args.is(argv[i], "DB") && i + 1 < argv.length) {
                long id = Args.intOrReply(c, argv[++i], null);
                if (id == Args.INVALID) {
                    return;
                }
                if (id < 0 || id >= server.keyspace().count()) {
                    c.error(DatabaseCommands.DB_OUT_OF_RANGE);
                    return;
                }
                dstIndex = (int) id;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        byte[] key = argv[1];
        byte[] newKey = argv[2];
        if (dstIndex == c.dbIndex() && Arrays.equals(key, newKey)) {
            c.error(DatabaseCommands.SAME_OBJECT);
            return;
        }
        StoredValue v = server.lookupRead(c, key);
        if (v == null) {
            c.reply().integer(0);
            return;
        }
        Database dst = server.keyspace().db(dstIndex);
        if (dst.get(newKey) != null && !replace) {
            c.reply().integer(0);
            return;
        }
        server.notifyKeyspaceEvent(c, dstIndex, KeyspaceEvents.NEW, "new", newKey);
        dst.put(newKey, duplicate(v));
        server.notifyKeyspaceEvent(c, dstIndex, KeyspaceEvents.GENERIC, "copy_to", newKey);
        server.blocking().signalKeyAsReady(dstIndex, newKey);
        c.reply().integer(1);
    }

    /** An independent copy of a value with the same expiry. */
    private static StoredValue duplicate(StoredValue v) {
        if (v.type() == ValueType.STRING) {
            byte[] b = v.bytes().clone();
            return v.raw() ? StoredValue.rawString(b, v.expireAt()) : StoredValue.string(b, v.expireAt()); // keeps the encoding, as Redis's dupStringObject
        }
        return StoredValue.object(v.type(), ((CollectionValue) v.object()).copy(), v.expireAt());
    }

    // ---- KEYS, SCAN

    void keys(Client c, byte[][] argv) {
        byte[] pattern = argv[1];
        boolean all = Glob.matchesAll(pattern);
        Database db = c.db();
        // Collect the whole keyspace first so that lazy expiry (a write) never runs mid-scan.
        List<byte[]> candidates = new ArrayList<>();
        long cursor = 0;
        do {
            cursor = db.scan(cursor, 1000, key -> {
                if (all || Glob.match(pattern, key)) {
                    candidates.add(key);
                }
            });
        } while (cursor != 0);
        // A scan may report a key more than once; KEYS never does.
        Set<ByteBuffer> seen = new HashSet<>();
        List<byte[]> out = new ArrayList<>(candidates.size());
        for (byte[] key : candidates) {
            if (seen.add(ByteBuffer.wrap(key)) && db.peek(key) != null) {
                out.add(key);
            }
        }
        c.reply().arrayHeader(out.size());
        for (byte[] key : out) {
            c.reply().bulk(key);
        }
    }

    /** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. */
    void scan(Client c, byte[][] argv) {
        if (!Scan.validCursor(argv[1])) {
            c.error(Scan.INVALID_CURSOR);
            return;
        }
        long cursor = Scan.cursorValue(argv[1]);
        Scan scan = Scan.options(c, argv, 2, true);
        if (scan == null) {
            return;
        }
        // An unknown type name matches nothing (Redis 7.2 does not reject it yet).
        ValueType type = scan.typeName == null ? null : ValueType.byName(Args.str(scan.typeName));
        Database db = c.db();
        List<byte[]> batch = new ArrayList<>((int) Math.min(scan.count, 1024));
        long next = db.scan(cursor, (int) Math.min(scan.count, Integer.MAX_VALUE), batch::add);
        // Filter after the step, as Redis does: pattern, then expired keys, then type.
        int kept = 0;
        for (int i = 0; i < batch.size(); i++) {
            byte[] key = batch.get(i);
            if (!scan.matches(key)) {
                continue;
            }
            StoredValue v = db.peek(key);
            if (v == null || (scan.typeName != null && v.type() != type)) {
                continue;
            }
            batch.set(kept++, key);
        }
        Scan.reply(c, next, batch.subList(0, kept));
    }

    // ---- OBJECT

    void objectEncoding(Client c, byte[][] argv) {
        StoredValue v = inspect(c, argv[2], true);
        if (v == null) {
            c.reply().nullBulk();
            return;
        }
        c.reply().bulk(encodingOf(v));
    }

    /** Redis's OBJECT ENCODING name for a value. */
    public static String encodingOf(StoredValue v) {
        if (v.type() == ValueType.STRING) {
            if (v.raw()) {
                return "raw"; // changed in place (StoredValue.rawString), as Redis's unshared sds
            }
            byte[] b = v.bytes();
            if (b.length <= 20 && Args.isLong(b)) {
                return "int";
            }
            return b.length <= EMBSTR_SIZE_LIMIT ? "embstr" : "raw";
        }
        if (v.object() instanceof CollectionValue) {
            return ((CollectionValue) v.object()).encoding();
        }
        switch (v.type()) {
            case LIST:
                return "quicklist";
            case SET:
            case HASH:
                return "hashtable";
            case ZSET:
                return "skiplist";
            default:
                return "stream";
        }
    }

    /**
     * Redis shares the integer objects 0..9999 (refcount INT_MAX) unless maxmemory is set with an
     * LRU/LFU policy, which needs per-key access data; every other value has one reference.
     */
    void objectRefcount(Client c, byte[][] argv) {
        StoredValue v = inspect(c, argv[2], true);
        if (v == null) {
            c.reply().nullBulk();
            return;
        }
        long refs = 1;
        if (v.type() == ValueType.STRING && v.bytes().length <= 20) {
            long n = Args.parseLong(v.bytes());
            boolean sharingAllowed = server.maxmemory().effective() == 0 || !(lruPolicy() || lfuPolicy());
            if (n != Args.NOT_A_NUMBER && n >= 0 && n < SHARED_INTEGERS && sharingAllowed) {
                refs = OBJ_SHARED_REFCOUNT;
            }
        }
        c.reply().integer(refs);
    }

    void objectIdletime(Client c, byte[][] argv) {
        StoredValue v = inspect(c, argv[2], true);
        if (v == null) {
            c.reply().nullBulk();
            return;
        }
        if (lfuPolicy()) {
            c.error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
                    + "switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        c.reply().integer(server.keyspace().idleSeconds(v.lruOrLfu()));
    }

    /** The LFU counter after the decay due now (Redis's LFUDecrAndReturn; see storage's Lfu). */
    void objectFreq(Client c, byte[][] argv) {
        StoredValue v = inspect(c, argv[2], true);
        if (v == null) {
            c.reply().nullBulk();
            return;
        }
        if (!lfuPolicy()) {
            c.error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
                    + "when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        c.reply().integer(server.keyspace().lfuCounter(v.lruOrLfu()));
    }

    void objectHelp(Client c, byte[][] argv) {
        c.reply().arrayHeader(OBJECT_HELP.length);
        for (String line : OBJECT_HELP) {
            c.reply().simple(line);
        }
    }

    private boolean lfuPolicy() {
        String p = server.config().get("maxmemory-policy");
        return p != null && p.endsWith("-lfu");
    }

    private boolean lruPolicy() {
        String p = server.config().get("maxmemory-policy");
        return p != null && p.endsWith("-lru");
    }
}
