package dev.podis.server;

import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandSpec;
import dev.podis.server.command.CommandTable;
import dev.podis.storage.Database;
import dev.podis.storage.KeyspaceListener;

import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Set;

/**
 * MULTI, EXEC, DISCARD, WATCH and UNWATCH (Redis's multi.c).
 *
 * <p>Queuing: the dispatcher runs its usual checks on every command of a client in MULTI; a
 * command refused by them (unknown, wrong arity, NOAUTH, ...) marks the transaction so that EXEC
 * answers EXECABORT ({@link #arriving} / {@link #queue}); one that passes is queued and answered
 * {@code +QUEUED}, except EXEC, DISCARD, MULTI, WATCH, QUIT and RESET, which run at once. EXEC
 * runs the queued commands through the dispatcher with blocking denied, one reply each inside
 * one array.
 *
 * <p>WATCH: the watched keys of every database map to their clients. While any key is watched
 * the keyspace reports its changes ({@link dev.podis.storage.Keyspace#startTrackingChanges}): a put, a
 * removal, an expiry change, an expiry, a flush (watched keys that exist) and a swap (watched
 * keys that exist in either database); {@link ServerContext#lookupWrite} reports collections
 * about to be changed in place. A reported key makes its watchers dirty (and unwatches them, as
 * Redis 7.2 does: nothing can make them clean again but EXEC, DISCARD or UNWATCH). With nothing
 * watched, a write costs one field read in the keyspace.
 */
public final class Transactions implements CommandFamily, KeyspaceListener {
    private static final String EXECABORT = "EXECABORT Transaction discarded because of previous errors.";
    /** Commands without the write flag that still count as writes for CLIENT PAUSE WRITE (see ClientPause). */
    private static final Set<String> MAY_REPLICATE = Set.of("publish", "spublish", "eval", "evalsha", "fcall", "pfcount");

    private final ServerContext server;
    private CommandDispatcher dispatcher;
    /** Per database index: watched key → its watchers in WATCH order (null until first used). */
    private final HashMap<ByteBuffer, ArrayList<Client>>[] watched;
    /** Number of (client, key) watches, all databases: zero means nothing to report. */
    private int watchCount;

    /** One client's transaction and watched keys (Client holds it once the client used either). */
    static final class State {
        boolean inMulti;
        /** A queued command was refused: EXEC answers EXECABORT (CLIENT_DIRTY_EXEC). */
        boolean aborted;
        /** A watched key changed: EXEC answers a null array (CLIENT_DIRTY_CAS). */
        boolean dirty;
        /** The command being dispatched has not reached the queue yet (refused if it never does). */
        boolean pending;
        /** A queued command may write: CLIENT PAUSE WRITE holds the EXEC. */
        boolean writes;
        /** A queued command is flagged denyoom: EXEC is refused while out of memory. */
        boolean denyoom;
        final ArrayList<CommandSpec> specs = new ArrayList<>();
        final ArrayList<byte[][]> argvs = new ArrayList<>();
        final ArrayList<Watch> watches = new ArrayList<>();
    }

    private record Watch(int db, ByteBuffer key) {
    }

    @SuppressWarnings("unchecked")
    Transactions(ServerContext server) {
        this.server = server;
        this.watched = new HashMap[server.keyspace().count()];
    }

    void dispatcher(CommandDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public void register(CommandTable table) {
        table.bind("multi", this::multi);
        table.bind("exec", this::exec);
        table.bind("discard", this::discard);
        table.bind("watch", this::watch);
        table.bind("unwatch", this::unwatch);
        server.onClientReset(this::clientGone);
    }

    private static State state(Client c) {
        State st = c.transaction();
        if (st == null) {
            st = new State();
            c.transaction(st);
        }
        return st;
    }

    // ---- queuing (called by the dispatcher for clients in MULTI) ----

    /**
     * Dispatches a command of a client in MULTI, or one that may be EXEC: a command refused by the
     * dispatcher's checks (it never reaches {@link #queue}, EXEC or a CLIENT PAUSE hold) marks
     * the transaction; a refused EXEC discards it and answers
     * {@code EXECABORT Transaction discarded because of: <error>}, as Redis's execCommandAbort.
     */
    void dispatch(Client c, byte[][] argv, CommandDispatcher d) {
        boolean isExec = isExec(argv[0]);
        if (c.multiQueued() < 0 && !isExec) {
            d.dispatchChecked(c, argv);
            return;
        }
        State st = state(c);
        st.pending = true;
        int mark = c.replyMark();
        d.dispatchChecked(c, argv);
        if (!st.pending) {
            return;
        }
        st.pending = false;
        if (isExec) {
            rewriteExecRefusal(c, mark);
            if (st.inMulti) {
                discardTransaction(c, st);
            }
        } else if (st.inMulti) {
            st.aborted = true;
        }
    }

    private static boolean isExec(byte[] name) {
        return name.length == 4 && (name[0] | 0x20) == 'e' && (name[1] | 0x20) == 'x'
                && (name[2] | 0x20) == 'e' && (name[3] | 0x20) == 'c';
    }

    /** Replaces the error the dispatcher wrote for a refused EXEC with Redis's EXECABORT form. */
    private void rewriteExecRefusal(Client c, int mark) {
        ByteBuf out = c.pendingReplies();
        if (out == null || out.writerIndex() <= mark || out.getByte(mark) != '-') {
            return; // nothing written (CLIENT REPLY OFF) or not an error
        }
        String error = out.toString(mark + 1, out.writerIndex() - mark - 3, StandardCharsets.UTF_8);
        c.discardRepliesSince(mark);
        ServerStats stats = server.stats();
        stats.totalErrorReplies--; // counted once, as the EXECABORT error
        int sp = error.indexOf(' ');
        stats.errorsByCode.computeIfPresent(sp < 0 ? error : error.substring(0, sp), (k, n) -> n > 1 ? n - 1 : null);
        // Redis formats its own refusals without the ERR code (other codes, such as NOAUTH, stay)
        c.error("EXECABORT Transaction discarded because of: " + (error.startsWith("ERR ") ? error.substring(4) : error));
    }

    /** The command is held by CLIENT PAUSE: neither refused nor queued yet. */
    void held(Client c) {
        State st = c.transaction();
        if (st != null) {
            st.pending = false;
        }
    }

    /**
     * The command passed the dispatcher's checks: queues it and answers QUEUED, or returns false
     * for the commands that run at once inside MULTI.
     */
    boolean queue(Client c, CommandSpec spec, byte[][] argv) {
        State st = state(c);
        st.pending = false;
        if (spec.parent() == null) {
            switch (spec.name()) {
                case "exec", "discard", "multi", "watch", "quit", "reset":
                    return false;
                default:
                    break;
            }
        }
        if (spec.has(CommandSpec.NO_MULTI)) {
            c.error("ERR Command not allowed inside a transaction");
            st.aborted = true;
            return true;
        }
        st.specs.add(spec);
        st.argvs.add(argv);
        c.multiQueued(st.specs.size());
        st.denyoom |= spec.has(CommandSpec.DENYOOM);
        if (spec.has(CommandSpec.WRITE)
                || MAY_REPLICATE.contains(spec.parent() == null ? spec.name() : spec.parent().name())) {
            st.writes = true;
        }
        c.reply().simple("QUEUED");
        return true;
    }

    /** True if {@code c} is in MULTI with a queued denyoom command (EXEC is refused while out of memory). */
    boolean queuedDenyoom(Client c) {
        State st = c.transaction();
        return st != null && st.inMulti && st.denyoom;
    }

    /** True if {@code c} is in MULTI with a queued script (EVAL, EVALSHA, FCALL and their _RO forms). */
    public boolean queuedScripts(Client c) {
        State st = c.transaction();
        if (st == null || !st.inMulti) {
            return false;
        }
        for (CommandSpec spec : st.specs) {
            if (spec.aclCategories().contains("@scripting") && spec.parent() == null) {
                return true;
            }
        }
        return false;
    }

    /** True if {@code c} is in MULTI with a queued command that may write (CLIENT PAUSE WRITE holds its EXEC). */
    boolean queuedWrites(Client c) {
        State st = c.transaction();
        return st != null && st.inMulti && st.writes;
    }

    // ---- commands ----

    void multi(Client c, byte[][] argv) {
        State st = state(c);
        if (st.inMulti) {
            c.error("ERR MULTI calls can not be nested");
            return;
        }
        st.inMulti = true;
        c.multiQueued(0);
        c.reply().simple("OK");
    }

    void discard(Client c, byte[][] argv) {
        State st = c.transaction();
        if (st == null || !st.inMulti) {
            c.error("ERR DISCARD without MULTI");
            return;
        }
        discardTransaction(c, st);
        c.reply().simple("OK");
    }

    void exec(Client c, byte[][] argv) {
        State st = c.transaction();
        if (st != null) {
            st.pending = false; // reached: not refused
        }
        if (st == null || !st.inMulti) {
            c.error("ERR EXEC without MULTI");
            return;
        }
        // A watched key whose time to live ran out since WATCH counts as changed (lazy expiry reports it).
        for (int i = 0; i < st.watches.size() && !st.dirty; i++) {
            Watch w = st.watches.get(i);
            server.keyspace().db(w.db).peek(w.key.array());
        }
        if (st.aborted || st.dirty) {
            if (st.aborted) {
                c.error(EXECABORT);
            } else {
                c.reply().nullArray();
            }
            discardTransaction(c, st);
            return;
        }
        unwatchAll(c, st);
        int n = st.specs.size();
        CommandSpec[] specs = st.specs.toArray(new CommandSpec[0]);
        byte[][][] argvs = st.argvs.toArray(new byte[0][][]);
        boolean denied = c.denyBlocking();
        c.denyBlocking(true);
        try {
            c.reply().arrayHeader(n);
            for (int i = 0; i < n; i++) {
                dispatcher.executeQueued(c, specs[i], argvs[i]);
            }
        } finally {
            c.denyBlocking(denied);
            discardTransaction(c, st);
        }
    }

    void watch(Client c, byte[][] argv) {
        State st = state(c);
        if (st.inMulti) {
            c.error("ERR WATCH inside MULTI is not allowed");
            return;
        }
        if (st.dirty) {
            c.reply().simple("OK"); // no point in watching more: EXEC will fail anyway (Redis 7)
            return;
        }
        int db = c.dbIndex();
        for (int i = 1; i < argv.length; i++) {
            // a key already past its time to live goes now, so that EXEC does not count its expiry
            c.db().peek(argv[i]);
            watchKey(c, st, db, argv[i]);
        }
        c.reply().simple("OK");
    }

    void unwatch(Client c, byte[][] argv) {
        State st = c.transaction();
        if (st != null) {
            unwatchAll(c, st);
            st.dirty = false;
        }
        c.reply().simple("OK");
    }

    /** RESET and a closed connection: the transaction and the watched keys go. */
    void clientGone(Client c) {
        State st = c.transaction();
        if (st != null) {
            discardTransaction(c, st);
            c.transaction(null);
        }
    }

    private void discardTransaction(Client c, State st) {
        st.specs.clear();
        st.argvs.clear();
        st.inMulti = false;
        st.aborted = false;
        st.dirty = false;
        st.pending = false;
        st.writes = false;
        st.denyoom = false;
        c.multiQueued(-1);
        unwatchAll(c, st);
    }

    // ---- watched keys ----

    private void watchKey(Client c, State st, int db, byte[] key) {
        HashMap<ByteBuffer, ArrayList<Client>> m = watched[db];
        if (m == null) {
            m = new HashMap<>();
            watched[db] = m;
        }
        ArrayList<Client> clients = m.get(ByteBuffer.wrap(key));
        if (clients != null && clients.contains(c)) {
            return; // already watched by this client
        }
        ByteBuffer k = ByteBuffer.wrap(Arrays.copyOf(key, key.length));
        if (clients == null) {
            clients = new ArrayList<>(2);
            m.put(k, clients);
        }
        clients.add(c);
        st.watches.add(new Watch(db, k));
        if (watchCount++ == 0) {
            server.keyspace().startTrackingChanges();
        }
    }

    private void unwatchAll(Client c, State st) {
        if (st.watches.isEmpty()) {
            return;
        }
        for (Watch w : st.watches) {
            HashMap<ByteBuffer, ArrayList<Client>> m = watched[w.db];
            ArrayList<Client> clients = m.get(w.key);
            if (clients != null) {
                clients.remove(c);
                if (clients.isEmpty()) {
                    m.remove(w.key);
                }
            }
            watchCount--;
        }
        st.watches.clear();
        if (watchCount == 0) {
            server.keyspace().stopTrackingChanges();
        }
    }

    /** Marks the watchers of {@code key} in database {@code db} dirty (Redis's touchWatchedKey). */
    void touch(int db, byte[] key) {
        if (watchCount == 0) {
            return;
        }
        HashMap<ByteBuffer, ArrayList<Client>> m = watched[db];
        if (m == null || m.isEmpty()) {
            return;
        }
        ArrayList<Client> clients = m.get(ByteBuffer.wrap(key));
        if (clients == null) {
            return;
        }
        for (Client c : clients.toArray(new Client[0])) {
            State st = c.transaction();
            st.dirty = true;
            unwatchAll(c, st);
        }
    }

    /** The watched keys of {@code db} that exist in {@code db} or, when not -1, in {@code other}. */
    private void touchExisting(int db, int other) {
        HashMap<ByteBuffer, ArrayList<Client>> m = watched[db];
        if (m == null || m.isEmpty()) {
            return;
        }
        Database d = server.keyspace().db(db);
        Database o = other < 0 ? null : server.keyspace().db(other);
        for (ByteBuffer k : new ArrayList<>(m.keySet())) {
            byte[] key = k.array();
            if (d.peek(key) != null || (o != null && o.peek(key) != null)) {
                touch(db, key);
            }
        }
    }

    // ---- keyspace reports (KeyspaceListener; ServerContext forwards them) ----

    @Override
    public void expired(int db, byte[] key) {
        touch(db, key);
    }

    @Override
    public void modified(int db, byte[] key) {
        touch(db, key);
    }

    @Override
    public void clearing(int db) {
        if (watchCount > 0) {
            touchExisting(db, -1);
        }
    }

    @Override
    public void swapping(int a, int b) {
        if (watchCount > 0) {
            touchExisting(a, b);
            touchExisting(b, a);
        }
    }

    /** For tests and introspection: the number of keys {@code c} watches. */
    int watchedBy(Client c) {
        State st = c.transaction();
        return st == null ? 0 : st.watches.size();
    }
}
