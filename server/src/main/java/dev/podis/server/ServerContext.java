package dev.podis.server;

import dev.podis.server.command.CommandTable;
import dev.podis.server.config.ServerConfig;
import dev.podis.storage.Keyspace;
import io.netty.channel.EventLoop;

import java.util.LinkedHashMap;
import java.util.Map;
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
}
