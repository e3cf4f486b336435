package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.Log;
import dev.podis.server.Propagation;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.persistence.Persistence;
import dev.podis.storage.Database;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.rdb.DumpPayload;

import java.io.IOException;
import java.util.Arrays;

/**
 * Persistence commands (rdb.c, aof.c, cluster.c's DUMP/RESTORE): SAVE, BGSAVE, LASTSAVE, DUMP,
 * RESTORE, BGREWRITEAOF. The state they act on is {@link Persistence} and
 * {@link dev.podis.server.persistence.Aof}.
 *
 * <p>DUMP and RESTORE exchange Redis's payload (the value as in an RDB file, RDB version 10 and
 * a CRC-64), so values move between Podis and Redis 7.0 and later. RESTORE validates the whole
 * payload whatever {@code sanitize-dump-payload} says: a bad payload is an error, never a broken
 * value.
 */
public final class PersistenceCommands implements CommandFamily {
    private static final int LRU_CLOCK_MAX = (1 << 24) - 1;
    private static final byte[] ABSTTL = Args.bytes("ABSTTL");

    private final ServerContext server;

    public PersistenceCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        t.bind("save", this::save);
        t.bind("bgsave", this::bgsave);
        t.bind("lastsave", this::lastsave);
        t.bind("dump", this::dump);
        t.bind("restore", this::restore);
        t.bind("bgrewriteaof", this::bgrewriteaof);
    }

    /**
     * BGREWRITEAOF: rewrites the AOF into a new base file. Inside MULTI/EXEC or a script it is
     * scheduled for the server cron, as Redis does while it cannot start a rewrite at once.
     */
    void bgrewriteaof(Client c, byte[][] argv) {
        String r = server.aof().bgrewriteaof(c.denyBlocking());
        if (r.startsWith("ERR ")) {
            c.error(r);
        } else {
            c.reply().simple(r);
        }
    }

    void save(Client c, byte[][] argv) {
        Persistence p = server.persistence();
        if (p.bgsaveInProgress()) {
            c.error("ERR Background save already in progress");
            return;
        }
        p.countSave();
        try {
            p.save();
            c.reply().ok();
        } catch (IOException | RuntimeException e) {
            c.error("ERR"); // Redis's shared.err; the reason is in the log
        }
    }

    /** BGSAVE [SCHEDULE]: a fork-less snapshot written by a background thread (see BackgroundSave). */
    void bgsave(Client c, byte[][] argv) {
        boolean schedule = false;
        if (argv.length > 1) {
            if (argv.length == 2 && Args.is(argv[1], "SCHEDULE")) {
                schedule = true;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        String reply = server.persistence().backgroundSave().bgsaveCommand(schedule, c.denyBlocking());
        if (reply.startsWith("-")) {
            c.error(reply.substring(1));
        } else {
            c.reply().simple(reply.substring(1));
        }
    }

    void lastsave(Client c, byte[][] argv) {
        c.reply().integer(server.persistence().lastSave());
    }

    void dump(Client c, byte[][] argv) {
        StoredValue v = server.lookupRead(c, argv[1]);
        if (v == null) {
            c.reply().nullBulk();
            return;
        }
        try {
            c.reply().bulk(DumpPayload.create(server.persistence().codec(), v));
        } catch (IOException e) {
            // only a type without a codec gets here
            Log.warn("DUMP failed", e);
            c.error("ERR " + e.getMessage());
        }
    }

    /** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
    void restore(Client c, byte[][] argv) {
        boolean replace = false;
        boolean absttl = false;
        long idle = -1;
        long freq = -1;
        for (int j = 4; j < argv.length; j++) {
            int additional = argv.length - j - 1;
            if (Args.is(argv[j], "REPLACE")) {
                replace = true;
            } else if (Args.is(argv[j], "ABSTTL")) {
                absttl = true;
            } else if (Args.is(argv[j], "IDLETIME") && additional >= 1 && freq == -1) {
                idle = Args.parseLong(argv[j + 1]);
                if (idle == Args.NOT_A_NUMBER && !Args.isLong(argv[j + 1])) {
                    c.error(Args.NOT_INTEGER);
                    return;
                }
                if (idle < 0) {
                    c.error("ERR Invalid IDLETIME value, must be >= 0");
                    return;
                }
                j++;
            } else if (Args.is(argv[j], "FREQ") && additional >= 1 && idle == -1) {
                freq = Args.parseLong(argv[j + 1]);
                if (freq == Args.NOT_A_NUMBER && !Args.isLong(argv[j + 1])) {
                    c.error(Args.NOT_INTEGER);
                    return;
                }
                if (freq < 0 || freq > 255) {
                    c.error("ERR Invalid FREQ value, must be >= 0 and <= 255");
                    return;
                }
                j++;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        byte[] key = argv[1];
        Database db = c.db();
        if (!replace && db.exists(key)) {
            c.error("BUSYKEY Target key name already exists.");
            return;
        }
        long ttl = Args.parseLong(argv[2]);
        if (ttl == Args.NOT_A_NUMBER && !Args.isLong(argv[2])) {
            c.error(Args.NOT_INTEGER);
            return;
        }
        if (ttl < 0) {
            c.error("ERR Invalid TTL value, must be >= 0");
            return;
        }
        Persistence p = server.persistence();
        StoredValue v;
        try {
            v = DumpPayload.restore(p.codec(), argv[3], p.encodingLimits(), server.config().getLong("proto-max-bulk-len"));
        } catch (DumpPayload.Invalid e) {
            Log.verbose("RESTORE refused a payload: " + e.getMessage());
            c.error(e.reply());
            return;
        }
        if (v.type() != ValueType.STRING && !"no".equals(server.config().get("sanitize-dump-payload"))) {
            p.countSanitization();
        }
        boolean deleted = replace && db.remove(key);
        long now = server.keyspace().now();
        if (ttl != 0 && !absttl) {
            ttl += now;
        }
        if (ttl != 0 && server.keyspace().alreadyExpired(ttl)) {
            // Already expired: nothing is stored (an old key was deleted with REPLACE).
            if (deleted) {
                c.propagateAs(server.config().getBool("lazyfree-lazy-server-del") ? Propagation.UNLINK : Propagation.DEL,
                        key);
            }
            c.reply().ok();
            return;
        }
        if (ttl != 0 && !absttl && c.propagating()) {
            // the time to live propagates as an absolute time (Redis 7)
            byte[][] as = Arrays.copyOf(argv, argv.length + 1);
            as[2] = Propagation.number(ttl);
            as[argv.length] = ABSTTL;
            c.propagateAs(as);
        }
        StoredValue stored = StoredValue.decoded(v.type(), v.bytes(), v.object(),
                ttl != 0 ? ttl : StoredValue.NO_EXPIRY, accessData(idle, freq, now));
        db.put(key, stored);
        if (v.type() == ValueType.LIST || v.type() == ValueType.ZSET) {
            server.blocking().signalKeyAsReady(c.dbIndex(), key);
        }
        c.reply().ok();
    }

    /** objectSetLRUOrLFU: IDLETIME under an LRU policy, FREQ under an LFU policy; 0 (now) otherwise. */
    private int accessData(long idle, long freq, long now) {
        String policy = server.config().get("maxmemory-policy");
        if (freq >= 0 && policy != null && policy.endsWith("-lfu")) {
            return (int) (((now / 60000) & 0xFFFF) << 8 | freq);
        }
        if (idle >= 0 && policy != null && policy.endsWith("-lru")) {
            long lru = ((now / 1000) & LRU_CLOCK_MAX) - Math.min(idle, LRU_CLOCK_MAX);
            return (int) (lru <= 0 ? lru + LRU_CLOCK_MAX : lru);
        }
        return 0;
    }
}
