package dev.podis.server;

import dev.podis.server.net.ClientConnection;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;

/**
 * Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK ...), as Redis's blocked.c.
 *
 * <p>A blocking command that finds nothing to serve calls {@link #block}: the client waits on
 * its keys in first-come first-served order per key, its connection stops executing further
 * pipelined requests, and a timer on the command loop ends the wait at its deadline.
 *
 * <p>Commands that give a key elements call {@link #signalKeyAsReady}; after the command that
 * did so completes, the dispatcher calls {@link #handleClientsBlockedOnKeys}, which offers every
 * ready key to its waiting clients in arrival order (Redis's handleClientsBlockedOnKeys). A
 * waiter is served by running its command again without blocking ({@link Waiter#serve}); one
 * that still finds nothing keeps its place. Serving may make other keys ready (BLMOVE pushes to
 * its destination): those are handled in the same pass, so cascades complete before the next
 * command runs.
 *
 * <p>What other families must call: any command that creates or fills a key of a type someone
 * may block on (lists, sorted sets, streams) calls {@link #signalKeyAsReady}, and so do the key
 * commands that make such a key appear under a name (RENAME, COPY, MOVE into the database,
 * RESTORE); SWAPDB calls {@link #signalDatabasesSwapped}.
 */
public final class Blocking {
    /** The part of a blocking command that runs when one of its keys may be ready. */
    public interface Waiter {
        /**
         * Runs the command again without blocking, replying to {@code c} when there is something
         * to serve. Returns true when it replied (the wait then ends), false to keep waiting.
         */
        boolean serve(Client c);

        /** Replies as the command does when its timeout expires. */
        void timeoutReply(Client c);
    }

    /** One blocked client. */
    private final class Wait implements Client.Blocked {
        final Client client;
        final int db;
        final ByteBuffer[] keys;
        final ValueType type;
        final Waiter waiter;
        final long deadline;
        /** Served also when a key is deleted or changes type (XREADGROUP: Redis's unblock_on_nokey). */
        final boolean unblockOnNoKey;
        ScheduledFuture<?> timer;
        boolean done;

        Wait(Client client, int db, ByteBuffer[] keys, ValueType type, Waiter waiter, long deadline,
             boolean unblockOnNoKey) {
            this.client = client;
            this.db = db;
            this.keys = keys;
            this.type = type;
            this.waiter = waiter;
            this.deadline = deadline;
            this.unblockOnNoKey = unblockOnNoKey;
        }

        @Override
        public void timeout() {
            if (!done) {
                waiter.timeoutReply(client);
                finish(this, true);
            }
        }

        @Override
        public void error(String text) {
            if (!done) {
                client.error(text);
                finish(this, true);
            }
        }
    }

    private record ReadyKey(int db, ByteBuffer key) {
    }

    private final ServerContext server;
    /** Per database: key → clients waiting on it, in arrival order. */
    private final Map<Integer, Map<ByteBuffer, ArrayDeque<Wait>>> waiting = new HashMap<>();
    private LinkedHashSet<ReadyKey> ready = new LinkedHashSet<>();
    private int blockedClients;
    private int withTimeout;
    /** Waits that want to hear about deleted keys; while there are any the keyspace reports changes. */
    private int noKeyWaits;
    private boolean handling;

    Blocking(ServerContext server) {
        this.server = server;
    }

    /** Number of clients blocked on keys (INFO blocked_clients). */
    public int blockedClients() {
        return blockedClients;
    }

    /** Number of blocked clients with a timeout (INFO clients_in_timeout_table). */
    public int clientsWithTimeout() {
        return withTimeout;
    }

    /** Number of distinct keys clients are blocked on, over all databases. */
    public int blockingKeys() {
        int n = 0;
        for (Map<ByteBuffer, ArrayDeque<Wait>> m : waiting.values()) {
            n += m.size();
        }
        return n;
    }

    /**
     * Blocks {@code c} on {@code keys} of its current database until {@code waiter} serves it,
     * the deadline (absolute Unix milliseconds; 0 waits forever) passes, CLIENT UNBLOCK ends the
     * wait, or the connection closes. The command must not have replied.
     */
    public void block(Client c, byte[][] keys, ValueType type, long deadline, Waiter waiter) {
        block(c, keys, type, deadline, false, waiter);
    }

    /**
     * As {@link #block(Client, byte[][], ValueType, long, Waiter)}; with {@code unblockOnNoKey}
     * the waiter is also run when one of the keys is deleted, overwritten with another type or
     * emptied by FLUSHDB/FLUSHALL/SWAPDB (XREADGROUP, whose retry then answers an error).
     */
    public void block(Client c, byte[][] keys, ValueType type, long deadline, boolean unblockOnNoKey, Waiter waiter) {
        ByteBuffer[] wrapped = new ByteBuffer[keys.length];
        int db = c.dbIndex();
        Map<ByteBuffer, ArrayDeque<Wait>> byKey = waiting.computeIfAbsent(db, k -> new HashMap<>());
        Wait w = new Wait(c, db, wrapped, type, waiter, deadline, unblockOnNoKey);
        int distinct = 0;
        for (byte[] key : keys) {
            ByteBuffer k = ByteBuffer.wrap(key.clone()); // the wait outlives the request's buffers
            boolean seen = false;
            for (int i = 0; i < distinct; i++) {
                if (wrapped[i].equals(k)) {
                    seen = true;
                    break;
                }
            }
            if (seen) {
                continue;
            }
            wrapped[distinct++] = k;
            byKey.computeIfAbsent(k, x -> new ArrayDeque<>()).addLast(w);
        }
        blockedClients++;
        if (unblockOnNoKey && noKeyWaits++ == 0) {
            server.updateChangeTracking();
        }
        if (deadline > 0) {
            withTimeout++;
            long delay = Math.max(0, deadline - System.currentTimeMillis());
            w.timer = server.commandLoop().schedule(w::timeout, delay, TimeUnit.MILLISECONDS);
        }
        c.blocked(w);
    }

    /**
     * The common shape of a blocking pop: serve now if one of {@code keys} can be served, else
     * reply a null array at once when the client may not block (MULTI, scripts), else wait on the
     * keys and reply a null array on timeout. {@code serve} replies and returns true when it
     * served, and returns false without replying otherwise.
     */
    public void serveOrBlock(Client c, byte[][] keys, ValueType type, long deadline, Predicate<Client> serve) {
        if (serve.test(c)) {
            return;
        }
        if (c.denyBlocking()) {
            c.reply().nullArray();
            return;
        }
        block(c, keys, type, deadline, new Waiter() {
            @Override
            public boolean serve(Client client) {
                return serve.test(client);
            }

            @Override
            public void timeoutReply(Client client) {
                client.reply().nullArray();
            }
        });
    }

    /** Whether {@code c} waits in a blocking command of this registry. */
    public boolean isBlocked(Client c) {
        return c.blocked() instanceof Wait;
    }

    /**
     * Records that {@code key} of database {@code db} may now serve blocked clients (Redis's
     * signalKeyAsReady). Cheap when nobody waits on it.
     */
    public void signalKeyAsReady(int db, byte[] key) {
        if (blockedClients == 0) {
            return;
        }
        Map<ByteBuffer, ArrayDeque<Wait>> byKey = waiting.get(db);
        if (byKey == null) {
            return;
        }
        ByteBuffer k = ByteBuffer.wrap(key);
        if (byKey.containsKey(k)) {
            ready.add(new ReadyKey(db, ByteBuffer.wrap(key.clone())));
        }
    }

    /** After SWAPDB: every key waited on in either database may now hold a value. */
    public void signalDatabasesSwapped(int a, int b) {
        for (int db : new int[] {a, b}) {
            Map<ByteBuffer, ArrayDeque<Wait>> byKey = waiting.get(db);
            if (byKey != null) {
                for (ByteBuffer k : byKey.keySet()) {
                    ready.add(new ReadyKey(db, k));
                }
            }
        }
    }

    /** Whether some wait must hear about deleted keys ({@link #keyChanged}, {@link #databaseCleared}). */
    boolean needsKeyChanges() {
        return noKeyWaits > 0;
    }

    /**
     * {@code key} of {@code db} is about to be written, deleted or expired (reported by the keyspace
     * while {@link #needsKeyChanges()}): waits that unblock on a missing key get to look again, as
     * Redis's signalDeletedKeyAsReady.
     */
    void keyChanged(int db, byte[] key) {
        if (noKeyWaits == 0) {
            return;
        }
        Map<ByteBuffer, ArrayDeque<Wait>> byKey = waiting.get(db);
        if (byKey == null) {
            return;
        }
        ArrayDeque<Wait> q = byKey.get(ByteBuffer.wrap(key));
        if (q != null) {
            for (Wait w : q) {
                if (w.unblockOnNoKey) {
                    ready.add(new ReadyKey(db, ByteBuffer.wrap(key.clone())));
                    return;
                }
            }
        }
    }

    /** Database {@code db} is about to be emptied: every key waited on there may be gone. */
    void databaseCleared(int db) {
        Map<ByteBuffer, ArrayDeque<Wait>> byKey = waiting.get(db);
        if (byKey != null && noKeyWaits > 0) {
            for (ByteBuffer k : byKey.keySet()) {
                ready.add(new ReadyKey(db, k));
            }
        }
    }

    /** True when some key was signalled since the last {@link #handleClientsBlockedOnKeys}. */
    public boolean hasReadyKeys() {
        return !ready.isEmpty();
    }

    /** Serves the clients waiting on the keys signalled so far, cascades included. */
    public void handleClientsBlockedOnKeys() {
        if (handling) {
            return;
        }
        handling = true;
        try {
            while (!ready.isEmpty()) {
                LinkedHashSet<ReadyKey> batch = ready;
                ready = new LinkedHashSet<>();
                for (ReadyKey rk : batch) {
                    serveKey(rk);
                }
            }
        } finally {
            handling = false;
        }
    }

    private void serveKey(ReadyKey rk) {
        Map<ByteBuffer, ArrayDeque<Wait>> byKey = waiting.get(rk.db());
        ArrayDeque<Wait> queue = byKey == null ? null : byKey.get(rk.key());
        if (queue == null) {
            return;
        }
        byte[] key = new byte[rk.key().remaining()];
        rk.key().duplicate().get(key);
        List<Wait> snapshot = new ArrayList<>(queue);
        for (Wait w : snapshot) {
            if (w.done) {
                continue;
            }
            StoredValue v = server.keyspace().db(rk.db()).peek(key);
            if ((v == null || v.type() != w.type) && !w.unblockOnNoKey) {
                continue;
            }
            if (serve(w)) {
                finish(w, true);
            }
        }
    }

    /**
     * Runs a waiter as an execution unit of its own, as the dispatcher runs a command: what the
     * command propagates as (BLPOP as LPOP, BLMOVE as LMOVE, ...) enters the write stream if it
     * changed data.
     */
    private boolean serve(Wait w) {
        Client c = w.client;
        Propagation propagation = server.propagation();
        long dirtyBefore = server.keyspace().dirty();
        c.propagateArgv = null;
        c.propagateFlags = 0;
        propagation.enter(null);
        server.beginCommand(c); // the served command runs as the client's own
        try {
            boolean served = w.waiter.serve(c);
            if (served && c.propagateArgv != null && server.keyspace().dirty() != dirtyBefore
                    && (c.propagateFlags & (Client.PREVENT_AOF | Client.PREVENT_REPL)) == 0) {
                propagation.add(w.db, c.propagateArgv, Propagation.ALL);
            }
            return served;
        } finally {
            c.propagateArgv = null;
            c.propagateFlags = 0;
            propagation.exit();
            server.endCommand(c);
        }
    }

    /** The connection of {@code c} closed: its wait disappears without a reply. */
    void clientClosed(Client c) {
        if (c.blocked() instanceof Wait w && !w.done) {
            finish(w, false);
        }
    }

    private void finish(Wait w, boolean resume) {
        w.done = true;
        Map<ByteBuffer, ArrayDeque<Wait>> byKey = waiting.get(w.db);
        if (byKey != null) {
            for (ByteBuffer k : w.keys) {
                if (k == null) {
                    break;
                }
                ArrayDeque<Wait> q = byKey.get(k);
                if (q != null) {
                    q.remove(w);
                    if (q.isEmpty()) {
                        byKey.remove(k);
                    }
                }
            }
            if (byKey.isEmpty()) {
                waiting.remove(w.db);
            }
        }
        blockedClients--;
        if (w.unblockOnNoKey && --noKeyWaits == 0) {
            server.updateChangeTracking();
        }
        if (w.deadline > 0) {
            withTimeout--;
        }
        if (w.timer != null) {
            w.timer.cancel(false);
            w.timer = null;
        }
        Client c = w.client;
        if (c.blocked() == w) {
            c.blocked(null);
        }
        if (!resume) {
            return;
        }
        c.flushSoon();
        // The requests that arrived behind the blocking command run once this task is done.
        server.commandLoop().execute(() -> {
            if (c.blocked() == null && c.channel().isActive()) {
                ClientConnection conn = c.channel().pipeline().get(ClientConnection.class);
                if (conn != null) {
                    conn.resumeHeld();
                }
            }
        });
    }
}
