package dev.podis.server;

import dev.podis.server.command.CommandTable;
import dev.podis.server.config.ServerConfig;
import dev.podis.server.net.ClientConnection;
import dev.podis.storage.Keyspace;
import io.netty.bootstrap.ServerBootstrap;
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

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
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

    public PodisServer(ServerConfig config) {
        this(config, Keyspace.create(new dev.podis.storage.KeyspaceOptions().databases(config.getInt("databases")).backend(dev.podis.storage.KeyspaceOptions.Backend.of(config.get("keyspace-backend"))).maxmemory(config.getLong("maxmemory"))));
    }

    public PodisServer(ServerConfig config, Keyspace keyspace) {
        CommandTable table = CommandTable.load();
        this.context = new ServerContext(config, keyspace, table);
        table.installAll(CommandFamilies.create(context));
        this.dispatcher = new CommandDispatcher(context);
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
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ClientConnection conn = new ClientConnection(context, dispatcher);
                        Client client = new Client(context.nextClientId(), ch, context);
                        conn.attachClient(client);
                        context.clients().put(client.id(), client);
                        context.stats().totalConnectionsReceived++;
                        ch.closeFuture().addListener(f -> {
                            context.clients().remove(client.id());
                            client.release();
                        });
                        ch.pipeline().addLast("resp", conn);
                    }
                });
        int port = context.config().getInt("port");
        for (String host : bindAddresses(context.config().get("bind"))) {
            String addr = host.startsWith("-") ? host.substring(1) : host;
            try {
                Channel ch = b.bind(new InetSocketAddress(addr, port)).sync().channel();
                listeners.add(ch);
                port = ((InetSocketAddress) ch.localAddress()).getPort(); // later binds share a chosen port
            } catch (Exception e) {
                if (!host.startsWith("-")) {
                    close();
                    throw new IllegalStateException("cannot listen on " + addr + ":" + port + ": " + e.getMessage(), e);
                }
            }
        }
        context.port(port);
        scheduleCron();
        return this;
    }

    /** Redis's "bind" list: "*" is every IPv4 address, "::*" every IPv6 one; a leading "-" marks an optional address. */
    private static List<String> bindAddresses(String bind) {
        List<String> out = new ArrayList<>();
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

    private void scheduleCron() {
        int hz = context.config().getInt("hz");
        long periodMicros = 1_000_000L / hz;
        context.commandLoop().scheduleAtFixedRate(() -> {
            // Active expiry may use a quarter of the CPU, as Redis's slow cycle does.
            long removed = context.keyspace().activeExpireCycle(periodMicros / 4);
            context.stats().expiredKeys += removed;
        }, periodMicros, periodMicros, TimeUnit.MICROSECONDS);
    }

    public int port() {
        return context.port();
    }

    @Override
    public void close() {
        for (Channel ch : listeners) {
            ch.close().syncUninterruptibly();
        }
        listeners.clear();
        if (loop != null) {
            loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            loop = null;
        }
        context.keyspace().close();
    }
}
