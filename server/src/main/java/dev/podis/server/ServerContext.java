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
    private final Propagation propagation = new Propagation();
    private final dev.podis.server.persistence.Aof aof;
    private java.util.function.Consumer<String> fatalHandler = reason -> { };
    private final dev.podis.server.config.ConfigValue lazyExpire;
    private Runnable shutdownHandler = () -> { };
    private volatile boolean activeExpire = true;
    private final Readiness readiness = new Readiness();
    private Client shutdownRequestedBy;
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
        this.lazyExpire = config.value("lazyfree-lazy-expire");
        keyspace.listener(new KeyspaceListener() {
            @Override
            public void expired(int db, byte[] key) {
                stats.expiredKeys++;
                transactions.expired(db, key);
                propagation.deletion(db, key, lazyExpire.asBool());
            }

            @Override
            public void modified(int db, byte[] key) {
                transactions.modified(db, key);
            }

            @Override
            public void clearing(int db) {
                transactions.clearing(db);
            }

            @Override
            public void swapping(int a, int b) {
                transactions.swapping(a, b);
            }
        });
        configureIntrospection();
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

    /** True while something must be written before the next replies go out (see {@link #beforeReply}). */
    public boolean repliesWait() {
        return aof.pending();
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

    /**
     * Looks a key up for reading, as Redis's lookupKeyRead: counts keyspace hits and misses and
     * updates the key's access time unless the client asked for CLIENT NO-TOUCH.
     */
    public StoredValue lookupRead(Client c, byte[] key) {
        Database db = c.db();
        StoredValue v = c.noTouch() ? db.peek(key) : db.get(key);
        if (v == null) {
            stats.keyspaceMisses++;
        } else {
            stats.keyspaceHits++;
        }
        return v;
    }

    /** Looks a key up for a command that will modify it (lookupKeyWrite): no hit/miss statistics. */
    public StoredValue lookupWrite(Client c, byte[] key) {
        StoredValue v = c.db().get(key);
        if (v != null && v.type() != ValueType.STRING) {
            // a collection changes in place (strings change through Database.put, counted there)
            keyspace.modifiedInPlace(c.dbIndex(), key);
        }
        return v;
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
    }
}
