package dev.podis.server;

import dev.podis.server.command.CommandSpec;
import dev.podis.server.command.CommandTable;
import dev.podis.server.admin.Readiness;
import dev.podis.server.config.ServerConfig;
import dev.podis.server.persistence.Persistence;
import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceListener;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import io.netty.channel.EventLoop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What command families share: configuration, keyspace, command table, clients and statistics.
 *
 * <p>Execution model: every command runs on one thread, the {@link #commandLoop()} event loop,
 * which also owns every client connection; so nothing here needs a lock, and MULTI/EXEC,
 * scripts and blocking operations are atomic by construction, as in Redis. That choice sits
 * behind {@link CommandDispatcher} so it can change later.
 */
public final class ServerContext {
    private final ServerConfig config;
    private final Keyspace keyspace;
    private final CommandTable commands;
    private final ServerStats stats = new ServerStats();
    private final Map<Long, Client> clients = new LinkedHashMap<>();
    private final long startedAt = System.currentTimeMillis();
    private final String runId;
    private EventLoop commandLoop;
    private dev.podis.server.net.Transport transport;
    private long nextClientId = 1;
    private int boundPort;
    private final ClientPause pause = new ClientPause(this);
    private final List<Consumer<Client>> resetHooks = new ArrayList<>();
    private final SlowLog slowLog = new SlowLog();
    private final LatencyMonitor latencyMonitor = new LatencyMonitor();
    private final Monitors monitors = new Monitors();
    private final Blocking blocking = new Blocking(this);
    private final PubSub pubsub = new PubSub(this);
    private final OutputBufferLimits outputBufferLimits = new OutputBufferLimits(this);
    private final Transactions transactions;
    private final KeyspaceEvents events = new KeyspaceEvents(pubsub);
    private final Tracking tracking;
    /** notify-keyspace-events as class bits ({@link KeyspaceEvents}); 0 when notifications are off. */
    private int notifyFlags;
    /** The client whose command runs (the outermost one when commands nest: EXEC), or null. */
    private Client current;
    private int nesting;
    private final dev.podis.server.scripting.Scripting scripting;
    /** A script runs past busy-reply-threshold: commands without allow_busy get BUSY. */
    private boolean scriptBusy;
    private CommandLoopIo io;
    private final PendingReplies pendingReplies = new PendingReplies();
    private final Propagation propagation = new Propagation();
    private final dev.podis.server.persistence.Aof aof;
    private java.util.function.Consumer<String> fatalHandler = reason -> { };
    private final dev.podis.server.config.ConfigValue lazyExpire;
    private final dev.podis.server.config.ConfigValue lazyEviction;
    private Runnable shutdownHandler = () -> { };
    private volatile boolean activeExpire = true;
    private final Readiness readiness = new Readiness();
    private Client shutdownRequestedBy;
    private final Maxmemory maxmemory;
    private boolean halted;
    private java.util.function.BooleanSupplier shutdownInProgress = () -> false;
    private java.util.function.BooleanSupplier shutdownAbort = () -> false;
    private final Persistence persistence;

    public ServerContext(ServerConfig config, Keyspace keyspace, CommandTable commands) {
        this.config = config;
        this.keyspace = keyspace;
        this.commands = commands;
        StringBuilder sb = new StringBuilder(40);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 40; i++) {
            sb.append(Character.forDigit(r.nextInt(16), 16));
        }
        this.runId = sb.toString();
        // Lazy and active expiry both count in INFO expired_keys.
        this.transactions = new Transactions(this);
        this.tracking = new Tracking(this);
        this.scripting = new dev.podis.server.scripting.Scripting(this);
        this.lazyExpire = config.value("lazyfree-lazy-expire");
        this.lazyEviction = config.value("lazyfree-lazy-eviction");
        keyspace.listener(new KeyspaceListener() {
            @Override
            public void expired(int db, byte[] key) {
                stats.expiredKeys++;
                notifyFromServer(db, KeyspaceEvents.EXPIRED, "expired", key);
                transactions.expired(db, key);
                blocking.keyChanged(db, key);
                tracking.invalidate(key, true);
                propagation.deletion(db, key, lazyExpire.asBool());
            }

            @Override
            public void evicted(int db, byte[] key) {
                stats.evictedKeys++; // INFO evicted_keys (CONFIG RESETSTAT clears it; Keyspace.evictedKeys does not)
                ServerContext.this.evicted(db, key);
                blocking.keyChanged(db, key);
                propagation.deletion(db, key, lazyEviction.asBool());
            }

            @Override
            public void modified(int db, byte[] key) {
                transactions.modified(db, key);
                blocking.keyChanged(db, key);
                tracking.invalidate(key, true);
            }

            @Override
            public void modifiedInPlace(int db, byte[] key) {
                // the collection stays, with its type: nothing for waits that end on a missing key
                transactions.modified(db, key);
                tracking.invalidate(key, true);
            }

            @Override
            public void clearing(int db) {
                transactions.clearing(db);
                blocking.databaseCleared(db);
                if (tracking.clients() > 0) {
                    tracking.flushed();
                }
            }

            @Override
            public void swapping(int a, int b) {
                transactions.swapping(a, b);
            }
        });
        onClientReset(tracking::disable);
        config.onChange("activerehashing", v -> keyspace.activeRehashing(config.getBool("activerehashing")));
        keyspace.activeRehashing(config.getBool("activerehashing"));
        config.onChange("notify-keyspace-events", v -> notifyFlags = Math.max(0, KeyspaceEvents.parse(v)));
        notifyFlags = Math.max(0, KeyspaceEvents.parse(config.get("notify-keyspace-events")));
        configureIntrospection();
        this.maxmemory = new Maxmemory(this);
        this.persistence = new Persistence(this);
        this.aof = new dev.podis.server.persistence.Aof(this);
    }

    /**
     * Redis's writeCommandsDeniedByDiskError: the MISCONF error that refuses write commands (and
     * PING) while persistence cannot write, or null.
     */
    public String writeRefusal() {
        String rdb = persistence.writeRefusal(); // a failed BGSAVE first, then the AOF, as Redis
        return rdb != null ? rdb : aof.writeRefusal();
    }

    /** RDB file, SAVE, loading state, INFO persistence (and, as they come, BGSAVE and the AOF). */
    public Persistence persistence() {
        return persistence;
    }

    private CommandDispatcher dispatcher;

    /** The dispatcher that runs every command (the AOF loader replays through it). */
    public CommandDispatcher dispatcher() {
        return dispatcher;
    }

    void dispatcher(CommandDispatcher d) {
        this.dispatcher = d;
    }

    /** The append-only file (see {@link dev.podis.server.persistence.Aof}). */
    public dev.podis.server.persistence.Aof aof() {
        return aof;
    }

    /**
     * Called before any reply leaves the server: what must be durable before an acknowledgement
     * (the AOF) is written now. False: the replies must not be sent (the server is stopping).
     */
    public boolean beforeReply() {
        return aof.beforeReply();
    }

    /**
     * An unrecoverable error (where Redis exits): logged, every connection dropped without its
     * pending replies, and the server stopped by its owner.
     */
    public void fatal(String reason) {
        Log.warn(reason);
        fatalHandler.accept(reason);
    }

    void fatalHandler(java.util.function.Consumer<String> handler) {
        this.fatalHandler = handler;
    }

    /** maxmemory (explicit or derived from the container's limit), its accounting and the eviction policy. */
    public Maxmemory maxmemory() {
        return maxmemory;
    }

    /**
     * Looks a key up for reading, as Redis's lookupKeyRead: counts keyspace hits and misses and
     * updates the key's access time unless the client asked for CLIENT NO-TOUCH; a miss is a
     * {@code keymiss} event.
     */
    public StoredValue lookupRead(Client c, byte[] key) {
        Database db = c.db();
        StoredValue v = c.noTouch() ? db.peek(key) : db.get(key);
        readCounted(c, key, v != null);
        return v;
    }

    /**
     * {@link #lookupRead} for a collection command, without a {@link StoredValue}: the payload
     * (whose class tells the type), {@link dev.podis.storage.Database#STRING_VALUE} for a string,
     * or null. Does not keep {@code key}.
     */
    public Object lookupReadCollection(Client c, byte[] key) {
        Object o = c.db().collection(key, !c.noTouch());
        readCounted(c, key, o != null);
        return o;
    }

    /** Keyspace hit/miss statistics and the {@code keymiss} event of a read lookup. */
    private void readCounted(Client c, byte[] key, boolean hit) {
        if (hit) {
            stats.keyspaceHits++;
        } else {
            stats.keyspaceMisses++;
            if ((notifyFlags & KeyspaceEvents.KEY_MISS) != 0) {
                events.publish(c, notifyFlags, "keymiss", key, c.dbIndex());
            }
        }
    }

    /**
     * GET's lookup: as {@link #lookupRead}, with a string value written straight into the client's
     * reply as a bulk string (no copy of it on the heap).
     *
     * @return {@link Database#STRING} (replied), {@link Database#MISSING} or {@link Database#NOT_STRING} (not replied)
     */
    public int readStringReply(Client c, byte[] key) {
        int r = c.db().readString(key, !c.noTouch(), c.bulkReply());
        readCounted(c, key, r != Database.MISSING);
        return r;
    }

    // ---- keyspace notifications (KeyspaceEvents) ----

    /**
     * Reports a keyspace event of class {@code type} ({@link KeyspaceEvents#STRING} ...) named
     * {@code event} for {@code key} of {@code c}'s database, as Redis's notifyKeyspaceEvent: one
     * field read when the class is off. Call it after the change, where Redis does.
     */
    public void notifyKeyspaceEvent(Client c, int type, String event, byte[] key) {
        if ((notifyFlags & type) != 0) {
            events.publish(c, notifyFlags, event, key, c.dbIndex());
        }
    }

    /** {@link #notifyKeyspaceEvent(Client, int, String, byte[])} for a key of database {@code db} (MOVE, COPY ... DB). */
    public void notifyKeyspaceEvent(Client c, int db, int type, String event, byte[] key) {
        if ((notifyFlags & type) != 0) {
            events.publish(c, notifyFlags, event, key, db);
        }
    }

    /** An event caused by no command in particular (expiry, eviction): the running command's client, if any. */
    private void notifyFromServer(int db, int type, String event, byte[] key) {
        if ((notifyFlags & type) != 0) {
            events.publish(current, notifyFlags, event, key, db);
        }
    }

    /** The command created {@code key} (Redis's dbAdd): a {@code new} event. Call it before the command's own event. */
    public void notifyNew(Client c, byte[] key) {
        if ((notifyFlags & KeyspaceEvents.NEW) != 0) {
            events.publish(c, notifyFlags, "new", key, c.dbIndex());
        }
    }

    /**
     * For a command about to store {@code key} without having looked it up (SET, MSET ...): reports
     * {@code new} if the key does not exist. Looks the key up only when {@code new} or
     * {@code expired} events are on (the lookup removes a key past its time to live, as Redis's
     * write lookup does).
     */
    public void notifyIfNew(Client c, byte[] key) {
        if ((notifyFlags & (KeyspaceEvents.NEW | KeyspaceEvents.EXPIRED)) != 0 && c.db().peek(key) == null) {
            notifyNew(c, key);
        }
    }

    /** The command removed {@code key} because it emptied the collection there: a {@code del} event. */
    public void notifyDeleted(Client c, byte[] key) {
        notifyKeyspaceEvent(c, KeyspaceEvents.GENERIC, "del", key);
    }

    /**
     * Stores the result of a STORE command (SINTERSTORE, ZUNIONSTORE, SORT ... STORE, BITOP ...) as
     * Redis's setKey does: {@code value} replaces {@code key} (reporting {@code new} when the key did
     * not exist, then {@code event} of class {@code type}) and may serve clients blocked on it; a
     * null {@code value} (an empty result) deletes the key instead, reporting {@code del} if it existed.
     */
    public void storeResult(Client c, byte[] key, StoredValue value, int type, String event) {
        Database db = c.db();
        if (value == null) {
            if (db.remove(key)) {
                notifyDeleted(c, key);
            }
            return;
        }
        notifyIfNew(c, key);
        db.put(key, value);
        notifyKeyspaceEvent(c, type, event, key);
        blocking.signalKeyAsReady(c.dbIndex(), key);
    }

    /** True when events of class {@code type} are published (for work done only to report them). */
    public boolean notifying(int type) {
        return (notifyFlags & type) != 0;
    }

    /**
     * {@code key} of database {@code db} was removed by maxmemory eviction: an {@code evicted}
     * event, and clients caching it (client-side caching) or watching it are told it changed. The
     * eviction itself (and INFO evicted_keys) belongs to the caller.
     */
    public void evicted(int db, byte[] key) {
        notifyFromServer(db, KeyspaceEvents.EVICTED, "evicted", key);
        transactions.modified(db, key);
        tracking.invalidate(key, true);
    }

    /** Client-side caching: tracking clients, the tracking table, BCAST prefixes. */
    public Tracking tracking() {
        return tracking;
    }

    // ---- the command being executed ----

    /** The client whose command is running (the one that sent EXEC, not a nested command), or null. */
    public Client currentClient() {
        return current;
    }

    /** True while a command runs. */
    boolean executing() {
        return nesting > 0;
    }

    /**
     * Called by the dispatcher (and when a blocked client is served) before a command runs. The
     * outermost command freezes the keyspace's clock at its start until it ends (Redis's command
     * time snapshot: a command, a script or a transaction sees one time, and reads it once).
     */
    void beginCommand(Client c) {
        beginCommand(c, System.nanoTime());
    }

    /** {@link #beginCommand(Client)} for a command that started at {@code nanoTime} ({@link System#nanoTime}). */
    void beginCommand(Client c, long nanoTime) {
        if (nesting == 0) {
            if (tracking.clients() > 0) {
                tracking.limit(); // before the command, as Redis's processCommand
            }
            current = c;
            commandTime = keyspace.beginCommand(nanoTime);
        }
        nesting++;
    }

    /** The time the running command started at (the keyspace's frozen clock). */
    long commandTime() {
        return commandTime;
    }

    private long commandTime;

    /**
     * After a command: once the outermost one is done, what it held back for its own client
     * follows its reply, invalidations first, then pub/sub messages (Redis's afterCommand).
     */
    void endCommand(Client c) {
        if (--nesting == 0) {
            keyspace.endCommand();
            tracking.afterCommand();
            pubsub.deliverToSelf(c);
            current = null;
        }
    }

    /** Looks a key up for a command that will modify it (lookupKeyWrite): no hit/miss statistics. */
    public StoredValue lookupWrite(Client c, byte[] key) {
        StoredValue v = c.db().get(key);
        if (v != null && v.type() != ValueType.STRING) {
            // a collection changes in place (strings change through Database.put, counted there)
            keyspace.modifiedInPlace(c.dbIndex(), key);
            keyspace.collectionWritten(c.dbIndex(), key, v); // and its memory is measured again
        }
        return v;
    }

    /**
     * {@link #lookupWrite} for a collection command, without a {@link StoredValue}: the payload
     * (whose class tells the type), {@link dev.podis.storage.Database#STRING_VALUE} for a string,
     * or null; a collection is reported changed in place and measured again, as there. Does not
     * keep {@code key} (a command may run on the parser's reused arrays).
     */
    public Object lookupWriteCollection(Client c, byte[] key) {
        return keyspace.collectionForWrite(c.dbIndex(), key);
    }

    /** Whether {@link #updateChangeTracking} holds one of the keyspace's change-tracking requests. */
    private boolean blockingTracksChanges;

    /**
     * Keeps the keyspace's change reports on while clients are blocked in XREADGROUP (they must
     * hear about deleted keys); WATCH and the other users ask for them on their own.
     */
    void updateChangeTracking() {
        boolean need = blocking.needsKeyChanges();
        if (need != blockingTracksChanges) {
            blockingTracksChanges = need;
            if (need) {
                keyspace.startTrackingChanges();
            } else {
                keyspace.stopTrackingChanges();
            }
        }
    }

    /** EVAL scripts, functions and the script being executed. */
    public dev.podis.server.scripting.Scripting scripting() {
        return scripting;
    }

    /** True while a script runs past busy-reply-threshold (the dispatcher answers BUSY). */
    public boolean scriptBusy() {
        return scriptBusy;
    }

    public void scriptBusy(boolean busy) {
        this.scriptBusy = busy;
    }

    void io(CommandLoopIo io) {
        this.io = io;
    }

    /** True while the command loop is processing I/O events (a script must not start there). */
    public boolean inIoPhase() {
        return io != null && io.inIo();
    }

    /**
     * From inside a long script: lets the command loop process pending I/O events once, so that
     * other clients are answered (BUSY) and SCRIPT KILL arrives. Does nothing when the loop is
     * already inside its I/O phase (see {@code scripting/package-info.java}).
     */
    public void pumpEvents() {
        if (io != null && io.pump()) {
            pendingReplies.run(); // no task runs until the script returns
        }
    }

    /** Flushes {@code c}'s replies after the loop's current pass (see {@link PendingReplies}). */
    void replyAfterPass(Client c) {
        // Without a command loop (a server never started, as in tests that drive a connection on
        // an EmbeddedChannel) the client's own channel's loop runs the flush.
        EventLoop loop = commandLoop != null ? commandLoop : c.channel().eventLoop();
        pendingReplies.add(c, loop);
    }

    /** The write stream: executed writes, for the AOF and replicas (see {@link Propagation}). */
    public Propagation propagation() {
        return propagation;
    }

    /**
     * How a deletion because of a time already past propagates (EXPIRE, SET EXAT, GETEX with
     * such a time, expired keys): UNLINK under {@code lazyfree-lazy-expire}, else DEL, as Redis.
     */
    public byte[] expireDeleteCommand() {
        return lazyExpire.asBool() ? Propagation.UNLINK : Propagation.DEL;
    }

    /** MULTI/EXEC and WATCH: queued commands and watched keys (a command family). */
    public Transactions transactions() {
        return transactions;
    }

    public ServerConfig config() {
        return config;
    }

    public Keyspace keyspace() {
        return keyspace;
    }

    public CommandTable commands() {
        return commands;
    }

    public ServerStats stats() {
        return stats;
    }

    public Map<Long, Client> clients() {
        return clients;
    }

    long nextClientId() {
        return nextClientId++;
    }

    public long startedAt() {
        return startedAt;
    }

    public String runId() {
        return runId;
    }

    public EventLoop commandLoop() {
        return commandLoop;
    }

    void commandLoop(EventLoop loop) {
        this.commandLoop = loop;
    }

    /** The network transport the command loop uses (INFO's multiplexing_api); null before start. */
    public dev.podis.server.net.Transport transport() {
        return transport;
    }

    void transport(dev.podis.server.net.Transport transport) {
        this.transport = transport;
    }

    /** The TCP port clients connect to (the actual one when configured as 0). */
    public int port() {
        return boundPort;
    }

    void port(int port) {
        this.boundPort = port;
    }

    /** CLIENT PAUSE / UNPAUSE state and the clients it holds. */
    public ClientPause pause() {
        return pause;
    }

    /**
     * Registers what RESET must also undo for a client beyond the connection state
     * (a family's own state: MULTI, subscriptions, MONITOR, tracking).
     */
    public void onClientReset(Consumer<Client> hook) {
        resetHooks.add(hook);
    }

    /** Runs the RESET hooks of every family for {@code c}. */
    public void runClientResetHooks(Client c) {
        for (Consumer<Client> hook : resetHooks) {
            hook.accept(c);
        }
    }

    public SlowLog slowLog() {
        return slowLog;
    }

    public LatencyMonitor latencyMonitor() {
        return latencyMonitor;
    }

    public Monitors monitors() {
        return monitors;
    }

    /** Clients blocked on keys (BLPOP and friends) and the keys made ready for them. */
    public Blocking blocking() {
        return blocking;
    }

    /** Channels, patterns and shard channels with their subscribers (the pub/sub family). */
    public PubSub pubsub() {
        return pubsub;
    }

    /** client-output-buffer-limit: checks clients' pending output and closes those over it. */
    public OutputBufferLimits outputBufferLimits() {
        return outputBufferLimits;
    }

    /** Whether the cron's active expiry runs (DEBUG SET-ACTIVE-EXPIRE). */
    public boolean activeExpire() {
        return activeExpire;
    }

    public void activeExpire(boolean on) {
        this.activeExpire = on;
    }

    /** Stops the server (SHUTDOWN): the owner of the server provides what that means. */
    public void shutdown() {
        shutdownHandler.run();
    }

    /**
     * SHUTDOWN from {@code c}, once the final save (if any) is done: no command runs any more
     * ({@link #halted()}), replies already made are sent, {@code c}'s connection closes without a
     * reply, and the server stops.
     */
    public void shutdown(Client c) {
        shutdownRequestedBy = c;
        halted = true;
        shutdownHandler.run();
    }

    /** The client whose SHUTDOWN started the shutdown, if any. */
    Client shutdownRequestedBy() {
        return shutdownRequestedBy;
    }

    /**
     * Whether nothing server-wide would keep a command's arguments beyond the command: no
     * keyspace events (published messages may wait for delivery), no tracking clients, no
     * MONITOR, no propagation (AOF, replicas). See {@code CommandDispatcher.borrowedKeeps}.
     */
    public boolean keepsNoArguments() {
        return notifyFlags == 0 && tracking.clients() == 0 && monitors.isEmpty() && !propagation.active();
    }

    /** Whether the server is past its final save: commands that arrive are dropped without a reply. */
    public boolean halted() {
        return halted;
    }

    void halted(boolean h) {
        this.halted = h;
    }

    /** Whether a shutdown is under way (a signal's: commands in flight still run before the final save). */
    public boolean shutdownInProgress() {
        return shutdownInProgress.getAsBoolean();
    }

    /** SHUTDOWN ABORT: cancels a shutdown still waiting for commands in flight; false if there is none. */
    public boolean abortShutdown() {
        return shutdownAbort.getAsBoolean();
    }

    void shutdownControl(java.util.function.BooleanSupplier inProgress, java.util.function.BooleanSupplier abort) {
        this.shutdownInProgress = inProgress;
        this.shutdownAbort = abort;
    }

    void shutdownHandler(Runnable handler) {
        this.shutdownHandler = handler;
    }

    /** The conditions of the admin port's /readyz: subsystems add theirs. */
    public Readiness readiness() {
        return readiness;
    }

    /** Re-reads the settings of the slow log and the latency monitor (at start and after CONFIG). */
    public void configureIntrospection() {
        slowLog.configure(configLong("slowlog-log-slower-than", 10000), (int) configLong("slowlog-max-len", 128));
        latencyMonitor.threshold(configLong("latency-monitor-threshold", 0));
    }

    private long configLong(String name, long otherwise) {
        try {
            return config.param(name) == null ? otherwise : config.getLong(name);
        } catch (RuntimeException e) {
            return otherwise;
        }
    }

    /** After each executed command: the slow log, the latency monitor and the MONITOR feed. */
    void commandExecuted(Client c, CommandSpec spec, byte[][] argv, long micros) {
        if (spec.parent() != null && spec.parent().name().equals("config")) {
            configureIntrospection();
        }
        if (slowLog.wants(micros) && !spec.flags().contains("skip_slowlog")) {
            slowLog.add(c, argv, micros);
        }
        if (latencyMonitor.threshold() > 0) {
            latencyMonitor.addIfNeeded(spec.has(CommandSpec.FAST) ? "fast-command" : "command", micros / 1000);
        }
        if (!monitors.isEmpty() && !spec.has(CommandSpec.ADMIN) && !spec.flags().contains("skip_monitor")) {
            monitors.feed(c, argv);
        }
        if (tracking.clients() > 0 && spec.has(CommandSpec.READONLY)) {
            tracking.commandExecuted(current != null ? current : c, spec, argv);
        }
    }
}
