package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.KeyspaceEvents;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.config.ConfigValue;
import dev.podis.storage.MutableString;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.HyperLogLog;

import java.util.concurrent.ThreadLocalRandom;

/**
 * HyperLogLog commands (Redis's hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.
 *
 * <p>An HLL is a plain string in Redis's byte format ({@link HyperLogLog}): GET, SET, APPEND,
 * DUMP/RESTORE and persistence see its bytes, and a string written by Redis counts the same here.
 * A string that is not an HLL gets Redis's {@code WRONGTYPE Key is not a valid HyperLogLog string
 * value.}, a corrupted sparse one {@code INVALIDOBJ Corrupted HLL object detected}.
 *
 * <p>A created or merged HLL is stored with {@code Database.putMutableString} (keeping the key's
 * time to live), so that the keyspace may keep it where it can be changed in place: PFADD then
 * changes its bytes there ({@code Database.mutableString}), as Redis does, with no copy and no
 * Chronicle Map query. An HLL the keyspace keeps otherwise (SET, RESTORE, a loaded RDB) is read,
 * changed in a copy and stored that way. PFCOUNT of one key stores the cardinality it computed
 * in the header, as Redis does, so a later PFCOUNT answers from the cache until PFADD or PFMERGE
 * changes a register; a PFADD that changes nothing stores nothing (and on a dense HLL copies
 * nothing). The sparse form turns dense past {@code hll-sparse-max-bytes}.
 */
public final class HyperLogLogCommands implements CommandFamily {
    static final String NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value.";
    static final String CORRUPTED = "INVALIDOBJ Corrupted HLL object detected";

    private final ServerContext server;
    private final ConfigValue sparseMaxBytes;
    /** The HLL that PFADD changes in place, rewrapped per command (commands run on one thread). */
    private final HyperLogLog inPlace = HyperLogLog.create();

    public HyperLogLogCommands(ServerContext server) {
        this.server = server;
        this.sparseMaxBytes = server.config().value("hll-sparse-max-bytes");
    }

    @Override
    public void register(CommandTable t) {
        // PFADD keeps no argument: the keyspace copies the key where it keeps it (putMutableString)
        t.bindBorrowing("pfadd", this::pfadd);
        t.bind("pfcount", this::pfcount);
        t.bind("pfmerge", this::pfmerge);
        t.bind("pfdebug", this::pfdebug);
        t.bind("pfselftest", this::pfselftest);
    }

    /**
     * isHLLObjectOrReply: a string holding a valid HLL header. Replies the error and returns false
     * otherwise.
     */
    private static boolean checkHll(Client c, StoredValue v) {
        if (v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
            return false;
        }
        if (!HyperLogLog.isValid(v.bytes())) {
            c.error(NOT_HLL);
            return false;
        }
        return true;
    }

    /** Stores the changed HLL, keeping the key's time to live; PFADD and PFMERGE report {@code pfadd}. */
    private void store(Client c, byte[] key, HyperLogLog hll, StoredValue old) {
        if (old == null) {
            server.notifyNew(c, key);
        }
        c.db().putMutableString(key, hll.toBytes(), old == null ? StoredValue.NO_EXPIRY : old.expireAt());
        server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "pfadd", key);
    }

    /**
     * Raises {@code max} to the registers of the HLLs at argv[1..] (missing keys count as empty):
     * the number of dense ones among them, or -1 after an error reply.
     */
    private int union(Client c, byte[][] argv, byte[] max) {
        int dense = 0;
        for (int j = 1; j < argv.length; j++) {
            StoredValue v = server.lookupRead(c, argv[j]);
            if (v == null) {
                continue;
            }
            if (!checkHll(c, v)) {
                return -1;
            }
            HyperLogLog src = HyperLogLog.view(v.bytes());
            if (src.encoding() == HyperLogLog.DENSE) {
                dense++;
            }
            if (!src.mergeInto(max)) {
                c.error(CORRUPTED);
                return -1;
            }
        }
        return dense;
    }

    /** PFADD key [element ...]: 1 when a register changed (or the key was created), else 0. */
    void pfadd(Client c, byte[][] argv) {
        byte[] key = argv[1];
        MutableString m = c.db().mutableString(key);
        if (m != null) {
            pfaddInPlace(c, argv, key, m);
            return;
        }
        StoredValue v = server.lookupWrite(c, key);
        HyperLogLog hll;
        int updated = 0;
        if (v == null) {
            hll = HyperLogLog.create();
            updated++;
        } else {
            if (!checkHll(c, v)) {
                return;
            }
            HyperLogLog current = HyperLogLog.view(v.bytes());
            int j = 2;
            while (j < argv.length && current.unchangedBy(argv[j])) {
                j++;
            }
            if (j == argv.length) {
                c.reply().integer(0); // a dense HLL that none of the elements changes
                return;
            }
            hll = HyperLogLog.of(v.bytes());
        }
        long maxBytes = sparseMaxBytes.asLong();
        for (int j = 2; j < argv.length; j++) {
            int r = hll.add(argv[j], maxBytes);
            if (r < 0) {
                if (updated > 0) {
                    store(c, key, hll, v); // Redis changed the value in place before it met the damage
                }
                c.error(CORRUPTED);
                return;
            }
            updated += r;
        }
        if (updated > 0) {
            hll.invalidateCache();
            store(c, key, hll, v);
        }
        c.reply().integer(updated > 0 ? 1 : 0);
    }

    /** PFADD on an HLL the keyspace keeps for changes in place: no copy, no allocation (but growth). */
    private void pfaddInPlace(Client c, byte[][] argv, byte[] key, MutableString m) {
        if (!HyperLogLog.isValid(m.bytes, m.length)) {
            c.error(NOT_HLL);
            return;
        }
        HyperLogLog hll = inPlace.rewrap(m.bytes, m.length);
        long maxBytes = sparseMaxBytes.asLong();
        int updated = 0;
        boolean corrupted = false;
        for (int j = 2; j < argv.length && !corrupted; j++) {
            int r = hll.add(argv[j], maxBytes);
            if (r < 0) {
                corrupted = true; // Redis changed the value in place before it met the damage
            } else {
                updated += r;
            }
        }
        if (updated > 0) {
            hll.invalidateCache();
            if (m.bytes != hll.array()) {
                // Only when it grew: storing a reference into an old object costs G1 card refinement
                // (a thread's worth of CPU in the profile when done on every change).
                m.bytes = hll.array();
            }
            m.length = hll.length();
            c.db().mutableStringChanged(key, m);
            server.notifyKeyspaceEvent(c, KeyspaceEvents.STRING, "pfadd", key);
        }
        hll.rewrap(null, 0); // keeps no HLL alive
        if (corrupted) {
            c.error(CORRUPTED);
        } else {
            c.reply().integer(updated > 0 ? 1 : 0);
        }
    }

    /**
     * PFCOUNT key [key ...]: one key answers from (or refreshes) the cached cardinality; several
     * keys count their union without changing them.
     */
    void pfcount(Client c, byte[][] argv) {
        if (argv.length > 2) {
            byte[] max = new byte[HyperLogLog.REGISTERS];
            if (union(c, argv, max) >= 0) {
                c.reply().integer(HyperLogLog.countRaw(max));
            }
            return;
        }
        StoredValue v = server.lookupRead(c, argv[1]);
        if (v == null) {
            c.reply().integer(0);
            return;
        }
        if (!checkHll(c, v)) {
            return;
        }
        HyperLogLog current = HyperLogLog.view(v.bytes());
        if (current.cacheValid()) {
            c.reply().integer(current.cachedCount());
            return;
        }
        long card = current.count();
        if (card < 0) {
            c.error(CORRUPTED);
            return;
        }
        HyperLogLog hll = HyperLogLog.of(v.bytes());
        hll.setCachedCount(card);
        store(c, argv[1], hll, v);
        c.reply().integer(card);
    }

    /** PFMERGE destkey [sourcekey ...]: the union into destkey (which is itself a source). */
    void pfmerge(Client c, byte[][] argv) {
        byte[] max = new byte[HyperLogLog.REGISTERS];
        int dense = union(c, argv, max);
        if (dense < 0) {
            return;
        }
        boolean useDense = dense > 0;
        byte[] key = argv[1];
        StoredValue v = server.lookupWrite(c, key);
        HyperLogLog hll = v == null ? HyperLogLog.create() : HyperLogLog.of(v.bytes());
        if (useDense && !hll.toDense()) {
            c.error(CORRUPTED);
            return;
        }
        long maxBytes = sparseMaxBytes.asLong();
        for (int j = 0; j < HyperLogLog.REGISTERS; j++) {
            if (max[j] != 0) {
                hll.set(j, max[j], maxBytes);
            }
        }
        hll.invalidateCache();
        store(c, key, hll, v);
        c.reply().ok();
    }

    /** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. */
    void pfdebug(Client c, byte[][] argv) {
        byte[] key = argv[2];
        StoredValue v = server.lookupWrite(c, key);
        if (v == null) {
            c.error("ERR The specified key does not exist");
            return;
        }
        if (!checkHll(c, v)) {
            return;
        }
        HyperLogLog hll = HyperLogLog.view(v.bytes());
        byte[] sub = argv[1];
        if (Args.is(sub, "GETREG")) {
            hll = dense(c, key, v, hll);
            if (hll == null) {
                return;
            }
            RespWriter w = c.reply();
            w.arrayHeader(HyperLogLog.REGISTERS);
            for (int j = 0; j < HyperLogLog.REGISTERS; j++) {
                w.integer(hll.register(j));
            }
        } else if (Args.is(sub, "DECODE")) {
            String decoded = hll.decodeSparse();
            if (decoded == null) {
                c.error("ERR HLL encoding is not sparse");
                return;
            }
            c.reply().bulk(decoded);
        } else if (Args.is(sub, "ENCODING")) {
            c.reply().simple(hll.isSparse() ? "sparse" : "dense");
        } else if (Args.is(sub, "TODENSE")) {
            boolean converted = hll.isSparse();
            if (dense(c, key, v, hll) != null) {
                c.reply().integer(converted ? 1 : 0);
            }
        } else {
            c.error("ERR Unknown PFDEBUG subcommand '" + Args.str(sub) + "'");
        }
    }

    /** The HLL made dense, stored when it was sparse; null after an INVALIDOBJ reply. */
    private HyperLogLog dense(Client c, byte[] key, StoredValue v, HyperLogLog hll) {
        if (!hll.isSparse()) {
            return hll;
        }
        HyperLogLog d = HyperLogLog.of(v.bytes());
        if (!d.toDense()) {
            c.error(CORRUPTED);
            return null;
        }
        // PFDEBUG's conversions change only the representation: no event, as in Redis
        c.db().put(key, StoredValue.rawString(d.toBytes(), v.expireAt()));
        return d;
    }

    /** PFSELFTEST: the register and estimator self test; +OK or a TESTFAILED error. */
    void pfselftest(Client c, byte[][] argv) {
        String failure = HyperLogLog.selfTest(sparseMaxBytes.asLong(), ThreadLocalRandom.current().nextLong());
        if (failure != null) {
            c.error(failure);
        } else {
            c.reply().ok();
        }
    }
}
