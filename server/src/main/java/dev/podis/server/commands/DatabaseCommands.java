package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.KeyspaceEvents;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.persistence.Persistence;
import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.StoredValue;

/**
 * Commands that act on whole databases, or move keys between them: SWAPDB, MOVE, DBSIZE, FLUSHDB,
 * FLUSHALL (SELECT lives with the connection commands).
 *
 * <p>MOVE reports {@code new} in the target database, then {@code move_from} and {@code move_to};
 * SWAPDB, FLUSHDB and FLUSHALL report no keyspace events, as in Redis.
 *
 * <p>FLUSHDB/FLUSHALL ASYNC reply and behave as in Redis (the data is gone for every later
 * command); the memory is released synchronously here, which is cheap for the heap keyspace.
 */
public final class DatabaseCommands implements CommandFamily {
    static final String DB_OUT_OF_RANGE = "ERR DB index is out of range";
    static final String SAME_OBJECT = "ERR source and destination objects are the same";
    /** Returned by {@link #parseInt} after it has replied with an error. */

    private final ServerContext server;

    public DatabaseCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        t.bind("swapdb", this::swapdb);
        t.bind("move", this::move);
        t.bind("dbsize", this::dbsize);
        t.bind("flushdb", this::flushdb);
        t.bind("flushall", this::flushall);
    }

    void swapdb(Client c, byte[][] argv) {
        long a = Args.intOrReply(c, argv[1], "ERR invalid first DB index");
        if (a == Args.INVALID) {
            return;
        }
        long b = Args.intOrReply(c, argv[2], "ERR invalid second DB index");
        if (b == Args.INVALID) {
            return;
        }
        Keyspace ks = server.keyspace();
        if (a < 0 || a >= ks.count() || b < 0 || b >= ks.count()) {
            c.error(DB_OUT_OF_RANGE);
            return;
        }
        if (a != b) {
            ks.swap((int) a, (int) b);
            server.blocking().signalDatabasesSwapped((int) a, (int) b);
        }
        c.reply().ok();
    }

    void move(Client c, byte[][] argv) {
        byte[] key = argv[1];
        long target = Args.intOrReply(c, argv[2], null);
        if (target == Args.INVALID) {
            return;
        }
        Keyspace ks = server.keyspace();
        if (target < 0 || target >= ks.count()) {
            c.error(DB_OUT_OF_RANGE);
            return;
        }
        if (target == c.dbIndex()) {
            c.error(SAME_OBJECT);
            return;
        }
        StoredValue v = server.lookupWrite(c, key);
        if (v == null) {
            c.reply().integer(0);
            return;
        }
        Database dst = ks.db((int) target);
        if (dst.get(key) != null) {
            c.reply().integer(0);
            return;
        }
        // The value (with its expiry) changes database; a collection payload moves as it is.
        server.notifyKeyspaceEvent(c, (int) target, KeyspaceEvents.NEW, "new", key);
        c.db().remove(key);
        dst.put(key, v);
        server.notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "move_from", key);
        server.notifyKeyspaceEvent(c, (int) target, KeyspaceEvents.GENERIC, "move_to", key);
        server.blocking().signalKeyAsReady((int) target, key);
        c.reply().integer(1);
    }

    void dbsize(Client c, byte[][] argv) {
        c.reply().integer(c.db().size());
    }

    void flushdb(Client c, byte[][] argv) {
        if (!flushFlagsOk(c, argv)) {
            return;
        }
        c.db().clear();
        c.reply().ok();
    }

    void flushall(Client c, byte[][] argv) {
        if (!flushFlagsOk(c, argv)) {
            return;
        }
        server.keyspace().flushAll();
        // As Redis's flushAllDataAndResetRDB: a background save of the old data is stopped, and with
        // save points the (empty) dataset is saved at once, so that a restart does not bring it back.
        Persistence p = server.persistence();
        p.backgroundSave().kill("FLUSHALL");
        if (p.backgroundSave().savePointsConfigured()) {
            p.countSave();
            try {
                p.save();
            } catch (java.io.IOException | RuntimeException e) {
                // logged by save(); FLUSHALL itself succeeded
            }
        }
        c.reply().ok();
    }

    /** FLUSHDB/FLUSHALL take nothing, or exactly one of ASYNC and SYNC. */
    private static boolean flushFlagsOk(Client c, byte[][] argv) {
        if (argv.length == 1 || (argv.length == 2 && (Args.is(argv[1], "ASYNC") || Args.is(argv[1], "SYNC")))) {
            return true;
        }
        c.error(Args.SYNTAX);
        return false;
    }

}
