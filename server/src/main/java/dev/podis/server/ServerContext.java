package dev.podis.server;

import dev.podis.server.command.CommandSpec;
import dev.podis.server.command.CommandTable;
import dev.podis.server.admin.Readiness;
import dev.podis.server.config.ServerConfig;
import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceListener;
import dev.podis.storage.StoredValue;
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
    private Runnable shutdownHandler = () -> { };
    private volatile boolean activeExpire = true;
    private final Readiness readiness = new Readiness();
    private Client shutdownRequestedBy;
    private final Maxmemory maxmemory;

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
        keyspace.listener(new KeyspaceListener() {
            @Override
            public void expired(int db, byte[] key) {
                stats.expiredKeys++;
                transactions.expired(db, key);
            }

            @Override
            public void modified(int db, byte[] key) {
                transactions.modified(db, key);
            }

            @Override
            public void evicted(int db, byte[] key) {
                stats.evictedKeys++;
                transactions.modified(db, key); // a change for WATCH, as Redis's signalModifiedKey
                // The "evicted" keyspace notification (notify-keyspace-events e) and the DEL
                // propagated to the AOF and replicas belong here.
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
        this.maxmemory = new Maxmemory(this);
    }

    /** maxmemory (explicit or derived from the container's limit), its accounting and the eviction policy. */
    public Maxmemory maxmemory() {
        return maxmemory;
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
        if (v != null && v.object() != null) {
            keyspace.collectionWritten(c.dbIndex(), key, v); // changed in place: measured again
        }
        if (transactions.watching()) {
            transactions.lookedUpForWrite(c, key, v); // WATCH: a collection may change in place
        }
        return v;
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

    /** SHUTDOWN from {@code c}: as {@link #shutdown()}, and {@code c}'s connection closes at once. */
    public void shutdown(Client c) {
        shutdownRequestedBy = c;
        shutdownHandler.run();
    }

    /** The client whose SHUTDOWN started the shutdown, if any. */
    Client shutdownRequestedBy() {
        return shutdownRequestedBy;
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
