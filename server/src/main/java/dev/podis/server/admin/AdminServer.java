package dev.podis.server.admin;

import dev.podis.server.Log;
import dev.podis.server.ServerContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The admin HTTP port, apart from client traffic, on its own one-thread event loop (never the
 * command loop): {@code /livez} (the command loop runs a task within {@link #WAIT_MILLIS}),
 * {@code /readyz} (every {@link Readiness} check passes) and {@code /metrics} (Prometheus text,
 * see {@link RedisMetrics}). Anything else is 404. Each response closes its connection.
 */
public final class AdminServer implements AutoCloseable {
    /** How long a probe or a scrape waits for the command loop. */
    static final long WAIT_MILLIS = 2000;

    private final ServerContext server;
    private final RedisMetrics metrics;
    private EventLoopGroup group;
    private Channel channel;

    public AdminServer(ServerContext server) {
        this.server = server;
        this.metrics = new RedisMetrics(server);
    }

    /** Listens on {@code host:port} (0: a free port) and returns the port. */
    public int start(String host, int port) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("podis-admin", true), NioIoHandler.newFactory());
        try {
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192), new Handler());
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String path = req.uri();
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            switch (path) {
                case "/livez" -> {
                    if (commandLoopResponds()) {
                        respond(ctx, HttpResponseStatus.OK, "application/json", "{\"live\":true}\n");
                    } else {
                        respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json",
                                "{\"live\":false,\"reason\":\"command loop not responding\"}\n");
                    }
                }
                case "/readyz" -> {
                    String reason = server.readiness().notReadyReason();
                    if (reason == null) {
                        respond(ctx, HttpResponseStatus.OK, "application/json", "{\"ready\":true}\n");
                    } else {
                        respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json",
                                "{\"ready\":false,\"reason\":\"" + reason.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}\n");
                    }
                }
                case "/metrics" -> {
                    String text;
                    try {
                        text = metrics.scrape(WAIT_MILLIS);
                    } catch (Exception e) {
                        respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                                "command loop not responding\n");
                        return;
                    }
                    respond(ctx, HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8", text);
                }
                default -> respond(ctx, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private boolean commandLoopResponds() {
        try {
            server.commandLoop().submit(() -> { }).get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false; // timed out, or the loop has stopped
        }
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
            channel = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
        try {
            metrics.close();
        } catch (RuntimeException e) {
            Log.warn("closing metrics: " + e);
        }
    }
}
