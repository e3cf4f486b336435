package dev.podis.server;

import dev.podis.server.admin.AdminServer;
import dev.podis.server.command.CommandTable;
import dev.podis.server.config.ConfigException;
import dev.podis.server.config.ConfigValue;
import dev.podis.server.config.ServerConfig;
import dev.podis.server.net.ClientConnection;
import dev.podis.server.net.Transport;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceOptions;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;

/**
 * A running Podis: the keyspace, the command table and the network front end. Usable from
 * {@link Main} and in-process ({@code new PodisServer(config).start()} ... {@code close()}).
 */
public final class PodisServer implements AutoCloseable {
    private final ServerContext context;
    private final CommandDispatcher dispatcher;
    private EventLoopGroup loop;
    private final List<Channel> listeners = new ArrayList<>();
    private final ConfigValue maxClients;
    private List<String> boundHosts = List.of();
    private int boundConfigPort;
    /** The listener of each bind address (as {@link #bindAddresses} spells it). */
    private final Map<String, Channel> listening = new LinkedHashMap<>();
    private ServerBootstrap bootstrap;
    private ScheduledFuture<?> cron;
    private final List<Runnable> afterShutdownCommand = new ArrayList<>();
    private final List<Runnable> onFatal = new ArrayList<>();
    private final AtomicBoolean fatal = new AtomicBoolean();
    private boolean closed;
    private AdminServer admin;
    private int adminPort = -1;
    private volatile boolean accepting;
    private volatile boolean shuttingDown;
    private final AtomicBoolean shutdownStarted = new AtomicBoolean();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** The shutdown under way: completes with true once stopped, false when cancelled. */
    private volatile CompletableFuture<Boolean> attempt;
    /** While a signal's shutdown writes its final RDB (its waiting caller does not give up meanwhile). */
    private volatile boolean finalSaving;
    private boolean loadAtStart = true;

    public PodisServer(ServerConfig config) {
        this(config, -1);
    }

    /**
     * A server under a container memory limit ({@code containerMemoryLimit} bytes, -1 for none):
     * with {@code maxmemory 0} its maxmemory is derived from that limit (see {@link Maxmemory}).
     * The standalone server passes the cgroup limit; an embedded server has none.
     */
    public PodisServer(ServerConfig config, long containerMemoryLimit) {
        this(config, Keyspace.create(new KeyspaceOptions()
                .databases(config.getInt("databases"))
                .backend(KeyspaceOptions.Backend.of(config.get("keyspace-backend")))
                .maxmemory(config.getLong("maxmemory") > 0 || containerMemoryLimit <= 0 ? config.getLong("maxmemory")
                        : Maxmemory.derive(containerMemoryLimit, Runtime.getRuntime().maxMemory(),
                                Maxmemory.directMemoryMax()).maxmemory())));
        if (containerMemoryLimit > 0) {
            context.maxmemory().containerLimit(containerMemoryLimit);
        }
    }

    public PodisServer(ServerConfig config, Keyspace keyspace) {
        CommandTable table = CommandTable.load();
        this.context = new ServerContext(config, keyspace, table);
        table.installAll(CommandFamilies.create(context));
        this.dispatcher = new CommandDispatcher(context);
        this.maxClients = config.value("maxclients");
        config.onChange("loglevel", Log::level);
        context.shutdownHandler(this::shutdownFromCommand);
        context.fatalHandler(this::fatal);
        // CONFIG SET appendonly yes starts the AOF with a rewrite; no stops it (Redis's updateAppendonly)
        config.onApply("appendonly", v -> {
            if (config.getBool("appendonly")) {
                context.aof().enable();
            } else {
                context.aof().disable();
            }
        });
        context.shutdownControl(() -> shuttingDown, this::abortShutdown);
        context.readiness().add(() -> shuttingDown ? "shutting down" : accepting ? null : "not accepting connections");
    }

    /** Runs {@code action} after an unrecoverable error stopped the server (the standalone server exits with 1). */
    public void onFatal(Runnable action) {
        onFatal.add(action);
    }

    /**
     * An unrecoverable error (an AOF write failing under appendfsync always): every connection
     * closes at once without the replies it had pending (they would acknowledge writes that are
     * not on disk), and the server stops. Called on the command loop.
     */
    private void fatal(String reason) {
        if (fatal.getAndSet(true)) {
            return;
        }
        shuttingDown = true;
        accepting = false;
        for (Channel ch : listeners) {
            ch.close();
        }
        for (Client c : new ArrayList<>(context.clients().values())) {
            c.channel().close();
        }
        Thread t = new Thread(() -> {
            close();
            for (Runnable r : onFatal) {
                r.run();
            }
        }, "podis-fatal");
        t.start();
    }

    /**
     * Whether {@link #start()} loads the dataset from {@code dir} (default yes, as Redis); the
     * in-process server turns it off unless a data directory was given.
     */
    public PodisServer loadAtStart(boolean load) {
        this.loadAtStart = load;
        return this;
    }

    /**
     * Completes once the dataset loaded at start is in memory (at once when there was none);
     * completes exceptionally when it could not be loaded (Redis exits then).
     */
    public CompletableFuture<Void> loaded() {
        return context.persistence().loaded();
    }

    /** Runs {@code action} after SHUTDOWN has stopped the server (the standalone server exits). */
    public void onShutdownCommand(Runnable action) {
        afterShutdownCommand.add(action);
    }

    /** SHUTDOWN (its final save is done): the one shutdown sequence, without waiting for other clients' input. */
    private void shutdownFromCommand() {
        beginShutdown("SHUTDOWN", context.shutdownRequestedBy(), null);
    }

    /**
     * Stops gracefully (SIGTERM, SIGINT: the standalone server's signal handler; or the JVM's
     * exit) and returns once the server is closed: see {@link #beginShutdown}. Safe to call several
     * times and from any thread but the command loop.
     *
     * @return true when the server stopped; false when the shutdown was refused (the final save
     *         failed and {@code shutdown-on-sigterm}/{@code shutdown-on-sigint} lacks {@code force})
     *         or aborted (SHUTDOWN ABORT): the server goes on serving
     */
    public boolean shutdown(String why) {
        CompletableFuture<Boolean> a = beginShutdown(why, null, signalFlags(why));
        long timeout = context.config().getInt("shutdown-timeout") * 1000L;
        while (true) {
            try {
                return a.get(timeout + 5000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (TimeoutException e) {
                if (finalSaving) {
                    continue; // the final RDB takes as long as it takes (the pod's grace period is the limit)
                }
                Log.warn("graceful shutdown did not finish in time, stopping now");
                close();
                return true;
            } catch (java.util.concurrent.ExecutionException e) {
                close();
                return true;
            }
        }
    }

    /** What a signal's shutdown does about the final save: {@code shutdown-on-sigterm} / {@code shutdown-on-sigint}. */
    private ShutdownFlags signalFlags(String why) {
        String param = why.equals("SIGINT") ? "shutdown-on-sigint" : "shutdown-on-sigterm";
        String v = context.config().param(param) == null ? "default" : context.config().get(param);
        List<String> words = List.of(v.toLowerCase(java.util.Locale.ROOT).split("\\s+"));
        return new ShutdownFlags(words.contains("save"), words.contains("nosave"), words.contains("force"));
    }

    /** SAVE / NOSAVE / FORCE of a shutdown's final save. */
    record ShutdownFlags(boolean save, boolean nosave, boolean force) {
    }

    /**
     * The shutdown sequence, for signals and SHUTDOWN alike: readiness goes false at once; on the
     * command loop the listeners stop accepting. For a signal, commands already sent keep being
     * read, executed and answered until the connections are quiet (no input for a moment) or
     * {@code shutdown-timeout} seconds have passed; then no command runs any more and the final
     * save is made ({@link dev.podis.server.persistence.Persistence#prepareShutdown}). SHUTDOWN made
     * its save itself and stops at once, as Redis. Then every reply is flushed, the connections
     * close and the server closes. If the final save fails (without FORCE), or SHUTDOWN ABORT comes
     * while commands are drained, the listeners open again and the server goes on.
     *
     * @param flags the final save to make after the drain; null for SHUTDOWN (made already)
     */
    private CompletableFuture<Boolean> beginShutdown(String why, Client initiator, ShutdownFlags flags) {
        shuttingDown = true;
        if (!shutdownStarted.compareAndSet(false, true)) {
            CompletableFuture<Boolean> a = attempt;
            return a != null ? a : CompletableFuture.completedFuture(true);
        }
        CompletableFuture<Boolean> a = new CompletableFuture<>();
        attempt = a;
        Log.warn("Shutting down (" + why + ")...");
        long deadline = System.nanoTime() + context.config().getInt("shutdown-timeout") * 1_000_000_000L;
        io.netty.channel.EventLoop cl = context.commandLoop();
        try {
            cl.execute(() -> {
                accepting = false;
                for (Channel ch : listeners) {
                    ch.close();
                }
                if (initiator != null) {
                    initiator.channel().close();
                }
                if (flags == null) {
                    closeConnections(a);
                } else {
                    drain(deadline, -1, flags, a);
                }
            });
        } catch (RuntimeException e) {
            finishShutdown(List.of(), a); // the loop has already stopped
        }
        return a;
    }

    /** On the command loop: waits until no input arrives for one period, or the deadline; then the final save. */
    private void drain(long deadline, long inputSeen, ShutdownFlags flags, CompletableFuture<Boolean> a) {
        if (a.isDone()) {
            return; // aborted
        }
        long input = context.stats().netInputBytes;
        if (input != inputSeen && System.nanoTime() < deadline && !context.clients().isEmpty()) {
            context.commandLoop().schedule(() -> drain(deadline, input, flags, a), 100, TimeUnit.MILLISECONDS);
            return;
        }
        context.halted(true);
        boolean saved;
        finalSaving = true;
        try {
            saved = context.persistence().prepareShutdown(flags.save(), flags.nosave(), flags.force());
        } finally {
            finalSaving = false;
        }
        if (!saved) {
            cancelShutdown(a, "the final save failed");
            return;
        }
        closeConnections(a);
    }

    /** On the command loop: the replies made so far are flushed, then every connection closes and the server stops. */
    private void closeConnections(CompletableFuture<Boolean> a) {
        List<ChannelFuture> closing = new ArrayList<>();
        for (Client c : new ArrayList<>(context.clients().values())) {
            c.flush();
            closing.add(c.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE));
        }
        // Off the command loop: closing the server stops that loop.
        Thread t = new Thread(() -> finishShutdown(closing, a), "podis-shutdown");
        t.start();
    }

    /**
     * On the command loop: the shutdown does not happen (Redis's cancelShutdown): commands run
     * again, the listeners open again and readiness returns.
     */
    private void cancelShutdown(CompletableFuture<Boolean> a, String why) {
        Log.warn("Shutdown cancelled: " + why + "; the server goes on.");
        context.halted(false);
        accepting = true;
        shuttingDown = false;
        attempt = null;
        shutdownStarted.set(false);
        // the caller of shutdown() learns of it once the server listens again
        reopenListeners().whenComplete((ok, e) -> a.complete(false));
    }

    /** SHUTDOWN ABORT, on the command loop: cancels a signal's shutdown while it drains commands in flight. */
    private boolean abortShutdown() {
        CompletableFuture<Boolean> a = attempt;
        if (a == null || a.isDone() || context.halted()) {
            return false;
        }
        cancelShutdown(a, "SHUTDOWN ABORT");
        return true;
    }

    /** On the command loop: listens again on the bound addresses after a cancelled shutdown; completes once bound. */
    private CompletableFuture<Void> reopenListeners() {
        listeners.clear();
        listening.clear();
        int port = context.port();
        List<CompletableFuture<Void>> bound = new ArrayList<>();
        for (String host : boundHosts) {
            bound.add(listenAsync(host, port));
        }
        return CompletableFuture.allOf(bound.toArray(new CompletableFuture<?>[0]));
    }

    private void finishShutdown(List<ChannelFuture> closing, CompletableFuture<Boolean> a) {
        for (ChannelFuture f : closing) {
            f.awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        close();
        Log.warn("Podis is now ready to exit, bye bye...");
        stopped.complete(null);
        a.complete(true);
        for (Runnable r : afterShutdownCommand) {
            r.run();
        }
    }

    /** Whether a shutdown has begun (readiness is false from then on). */
    public boolean shuttingDown() {
        return shuttingDown;
    }

    /** The admin HTTP port (the actual one when configured as 0), -1 when disabled. */
    public int adminPort() {
        return adminPort;
    }

    public ServerContext context() {
        return context;
    }

    public PodisServer start() throws InterruptedException {
        Transport transport = Transport.choose(context.config().get("network-transport"));
        context.transport(transport);
        // One loop accepts, reads, executes and writes: Redis's single-threaded model (see ServerContext).
        // Its I/O handler is wrapped so that a long script can let it serve other clients (CommandLoopIo).
        CommandLoopIo commandLoopIo = new CommandLoopIo(transport.ioHandlerFactory());
        loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("podis-main"), commandLoopIo);
        context.io(commandLoopIo);
        context.commandLoop(loop.next());
        if (context.config().getBool("appendonly")) {
            // With the AOF on, the dataset comes from it and not from the RDB (Redis's
            // loadDataFromDisk), in steps too: clients that connect meanwhile get -LOADING.
            try {
                context.aof().startUp();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        } else if (loadAtStart) {
            // Before the listeners open: clients that connect during the load get -LOADING.
            context.persistence().loadDataset();
        } else {
            context.persistence().loaded().complete(null);
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(loop)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, context.config().getInt("tcp-backlog"))
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // Pooled buffers with per-thread caches: one thread allocates and frees them all.
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (context.clients().size() >= maxClients.asLong()) {
                            // Redis answers and closes before creating a client (acceptCommonHandler).
                            context.stats().rejectedConnections++;
                            ch.writeAndFlush(Unpooled.copiedBuffer("-ERR max number of clients reached\r\n",
                                    StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
                            return;
                        }
                        ClientConnection conn = new ClientConnection(context, dispatcher);
                        Client client = new Client(context.nextClientId(), ch, context);
                        conn.attachClient(client);
                        context.clients().put(client.id(), client);
                        context.stats().totalConnectionsReceived++;
                        ch.closeFuture().addListener(f -> {
                            context.clients().remove(client.id());
                            context.monitors().remove(client);
                            context.blocking().clientClosed(client);
                            context.transactions().clientGone(client);
                            context.tracking().disable(client);
                            client.release();
                        });
                        ch.pipeline().addLast("resp", conn);
                    }
                });
        int port = context.config().getInt("port");
        boundHosts = bindAddresses(context.config().get("bind"));
        boundConfigPort = port;
        // The admin port first: once the client port listens, a SHUTDOWN may arrive at any moment,
        // and nothing may be started on event loops it has stopped.
        startAdmin();
        for (String host : boundHosts) {
            String addr = host.startsWith("-") ? host.substring(1) : host;
            try {
                Channel ch = b.bind(new InetSocketAddress(addr, port)).sync().channel();
                listeners.add(ch);
                listening.put(host, ch);
                port = ((InetSocketAddress) ch.localAddress()).getPort(); // later binds share a chosen port
            } catch (Exception e) {
                if (!host.startsWith("-")) {
                    close();
                    throw new IllegalStateException("cannot listen on " + addr + ":" + port + ": " + e.getMessage(), e);
                }
            }
        }
        context.port(port);
        this.bootstrap = b;
        scheduleCron();
        accepting = true;
        context.config().onApply("port", v -> rebind());
        context.config().onApply("bind", v -> rebind());
        context.config().onChange("hz", v -> context.commandLoop().execute(this::scheduleCron));
        return this;
    }

    /**
     * CONFIG SET port / bind: checks that the new addresses can be bound (refusing the change, as
     * Redis does, when they cannot), then listens there and closes the old listeners. Runs on the
     * command loop, so the Netty binds complete asynchronously.
     */
    private void rebind() throws ConfigException {
        int configured = context.config().getInt("port");
        List<String> hosts = bindAddresses(context.config().get("bind"));
        boolean samePort = configured == boundConfigPort;
        if (samePort && hosts.equals(boundHosts)) {
            return;
        }
        int port = samePort ? context.port() : configured;
        Map<String, Channel> keep = new LinkedHashMap<>();
        if (samePort) {
            for (String host : hosts) {
                if (listening.containsKey(host)) {
                    keep.put(host, listening.get(host));
                }
            }
        }
        for (String host : hosts) {
            if (host.startsWith("-") || keep.containsKey(host)) {
                continue;
            }
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(host, port));
            } catch (IOException | RuntimeException e) {
                throw new ConfigException(hosts.equals(boundHosts) ? "Unable to listen on this port"
                        : "Failed to bind to specified addresses.");
            }
        }
        for (Channel ch : listening.values()) {
            if (!keep.containsValue(ch)) {
                ch.close();
            }
        }
        listeners.clear();
        listeners.addAll(keep.values());
        listening.clear();
        listening.putAll(keep);
        boundHosts = hosts;
        boundConfigPort = configured;
        context.port(port);
        for (String host : hosts) {
            if (!keep.containsKey(host)) {
                listenAsync(host, port);
            }
        }
    }

    /**
     * On the command loop: starts listening on {@code host} (a bind address as {@link #bindAddresses}
     * spells it; a leading "-" marks an optional one); completes once bound or failed (logged).
     */
    private CompletableFuture<Void> listenAsync(String host, int port) {
        String addr = host.startsWith("-") ? host.substring(1) : host;
        CompletableFuture<Void> done = new CompletableFuture<>();
        bootstrap.bind(new InetSocketAddress(addr, port)).addListener(f -> {
            if (f.isSuccess()) {
                Channel ch = ((ChannelFuture) f).channel();
                listeners.add(ch);
                listening.put(host, ch);
            } else if (!host.startsWith("-")) {
                Log.warn("cannot listen on " + addr + ":" + port + ": " + f.cause());
            }
            done.complete(null);
        });
        return done;
    }

    /** Redis's "bind" list: "*" is every IPv4 address, "::*" every IPv6 one; a leading "-" marks an optional address. */
    private static List<String> bindAddresses(String bind) {
        List<String> out = new ArrayList<>();
        if (bind.trim().isEmpty()) {
            return out;
        }
        for (String a : bind.trim().split("\\s+")) {
            boolean optional = a.startsWith("-");
            String host = optional ? a.substring(1) : a;
            if (host.equals("*")) {
                host = "0.0.0.0";
            } else if (host.equals("::*")) {
                host = "::";
            }
            out.add(optional ? "-" + host : host);
        }
        return out;
    }

    /** The admin HTTP port (admin-port, admin-bind; see docs/operations.md), unless disabled (-1). */
    private void startAdmin() throws InterruptedException {
        int port = context.config().getInt("admin-port");
        if (port < 0) {
            return;
        }
        String host = context.config().get("admin-bind").trim();
        if (host.isEmpty()) {
            host = boundHosts.isEmpty() ? "0.0.0.0" : boundHosts.get(0);
            host = host.startsWith("-") ? host.substring(1) : host;
        }
        admin = new AdminServer(context);
        try {
            adminPort = admin.start(host, port);
        } catch (Exception e) {
            admin = null;
            close();
            throw new IllegalStateException("cannot listen on admin port " + host + ":" + port + ": " + e.getMessage(), e);
        }
        Log.notice("Admin HTTP port " + adminPort + " on " + host + ": /livez /readyz /metrics");
    }

    private void scheduleCron() {
        if (cron != null) {
            cron.cancel(false);
        }
        int hz = context.config().getInt("hz");
        long periodMicros = 1_000_000L / hz;
        cron = context.commandLoop().scheduleAtFixedRate(() -> {
            context.outputBufferLimits().cron(); // client-output-buffer-limit, also while paused
            context.aof().cron(); // retries a failed write, everysec fsync, scheduled and automatic rewrites
            context.persistence().cron(); // save points and scheduled BGSAVEs, also while paused
            if (context.pause().active()) {
                return; // CLIENT PAUSE stops active expiry too, as in Redis
            }
            if (!context.activeExpire() || context.persistence().loading()) {
                return; // DEBUG SET-ACTIVE-EXPIRE 0, or the dataset is still loading
            }
            long cycleStart = System.nanoTime();
            // Active expiry may use a quarter of the CPU, as Redis's slow cycle does.
            // Removed keys reach stats.expiredKeys through the keyspace listener (ServerContext).
            context.keyspace().activeExpireCycle(periodMicros / 4);
            if (context.blocking().hasReadyKeys()) {
                context.blocking().handleClientsBlockedOnKeys(); // e.g. an expired stream a XREADGROUP waits on
            }
            context.latencyMonitor().addIfNeeded("expire-cycle", (System.nanoTime() - cycleStart) / 1_000_000);
        }, periodMicros, periodMicros, TimeUnit.MICROSECONDS);
    }

    public int port() {
        return context.port();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        shuttingDown = true;
        accepting = false;
        if (admin != null) {
            admin.close();
            admin = null;
        }
        for (Channel ch : listeners) {
            ch.close().syncUninterruptibly();
        }
        listeners.clear();
        listening.clear();
        context.persistence().close();
        if (loop != null) {
            loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            loop = null;
        }
        // the command loop has stopped: the last writes are in the buffer (dropped after a fatal error)
        context.aof().shutdown(!fatal.get());
        context.keyspace().close();
        stopped.complete(null);
    }
}
