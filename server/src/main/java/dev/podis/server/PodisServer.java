package dev.podis.server;

import dev.podis.server.admin.AdminServer;
import dev.podis.server.command.CommandTable;
import dev.podis.server.config.ConfigException;
import dev.podis.server.config.ConfigValue;
import dev.podis.server.config.ServerConfig;
import dev.podis.server.net.ClientConnection;
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
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
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
    private boolean closed;
    private AdminServer admin;
    private int adminPort = -1;
    private volatile boolean accepting;
    private volatile boolean shuttingDown;
    private final AtomicBoolean shutdownStarted = new AtomicBoolean();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

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
        context.readiness().add(() -> shuttingDown ? "shutting down" : accepting ? null : "not accepting connections");
    }

    /** Runs {@code action} after SHUTDOWN has stopped the server (the standalone server exits). */
    public void onShutdownCommand(Runnable action) {
        afterShutdownCommand.add(action);
    }

    /** SHUTDOWN: the one shutdown sequence; the caller's connection closes at once, without a reply. */
    private void shutdownFromCommand() {
        beginShutdown("SHUTDOWN", context.shutdownRequestedBy());
    }

    /**
     * Stops gracefully (SIGTERM, SIGINT: the standalone server's signal handler) and returns once
     * the server is closed: see {@link #beginShutdown}. Safe to call several times and from any
     * thread but the command loop.
     */
    public void shutdown(String why) {
        beginShutdown(why, null);
        long timeout = context.config().getInt("shutdown-timeout") * 1000L;
        try {
            stopped.get(timeout + 5000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            Log.warn("graceful shutdown did not finish in time, stopping now");
            close();
        }
    }

    /**
     * The shutdown sequence, for signals and SHUTDOWN alike: readiness goes false at once; on the
     * command loop the listeners stop accepting; commands already sent keep being read, executed
     * and answered until the connections are quiet (no input for a moment) or
     * {@code shutdown-timeout} seconds have passed; then every reply is flushed, the connections
     * close and the server closes. Runs {@link #onShutdownCommand} actions at the end.
     */
    private void beginShutdown(String why, Client initiator) {
        shuttingDown = true;
        if (!shutdownStarted.compareAndSet(false, true)) {
            return;
        }
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
                drain(deadline, -1);
            });
        } catch (RuntimeException e) {
            finishShutdown(List.of()); // the loop has already stopped
        }
    }

    /** On the command loop: waits until no input arrives for one period, or the deadline. */
    private void drain(long deadline, long inputSeen) {
        long input = context.stats().netInputBytes;
        if (input != inputSeen && System.nanoTime() < deadline && !context.clients().isEmpty()) {
            context.commandLoop().schedule(() -> drain(deadline, input), 100, TimeUnit.MILLISECONDS);
            return;
        }
        List<ChannelFuture> closing = new ArrayList<>();
        for (Client c : new ArrayList<>(context.clients().values())) {
            c.flush();
            closing.add(c.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE));
        }
        // Off the command loop: closing the server stops that loop.
        Thread t = new Thread(() -> finishShutdown(closing), "podis-shutdown");
        t.start();
    }

    private void finishShutdown(List<ChannelFuture> closing) {
        for (ChannelFuture f : closing) {
            f.awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        // TODO persistence: flush the AOF, and write a final RDB when save points are configured,
        // here: after the last command ran and before the keyspace closes.
        close();
        Log.warn("Podis is now ready to exit, bye bye...");
        stopped.complete(null);
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
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        // One loop accepts, reads, executes and writes: Redis's single-threaded model (see ServerContext).
        loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("podis-main"), io);
        context.commandLoop(loop.next());
        ServerBootstrap b = new ServerBootstrap()
                .group(loop)
                .channel(channelType)
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
                            client.release();
                        });
                        ch.pipeline().addLast("resp", conn);
                    }
                });
        int port = context.config().getInt("port");
        boundHosts = bindAddresses(context.config().get("bind"));
        boundConfigPort = port;
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
        startAdmin();
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
            if (keep.containsKey(host)) {
                continue;
            }
            String addr = host.startsWith("-") ? host.substring(1) : host;
            bootstrap.bind(new InetSocketAddress(addr, port)).addListener(f -> {
                if (f.isSuccess()) {
                    Channel ch = ((ChannelFuture) f).channel();
                    listeners.add(ch);
                    listening.put(host, ch);
                } else if (!host.startsWith("-")) {
                    Log.warn("cannot listen on " + addr + ":" + port + ": " + f.cause());
                }
            });
        }
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
            if (context.pause().active()) {
                return; // CLIENT PAUSE stops active expiry too, as in Redis
            }
            if (!context.activeExpire()) {
                return; // DEBUG SET-ACTIVE-EXPIRE 0
            }
            long cycleStart = System.nanoTime();
            // Active expiry may use a quarter of the CPU, as Redis's slow cycle does.
            // Removed keys reach stats.expiredKeys through the keyspace listener (ServerContext).
            context.keyspace().activeExpireCycle(periodMicros / 4);
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
        if (loop != null) {
            loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            loop = null;
        }
        context.keyspace().close();
        stopped.complete(null);
    }
}
