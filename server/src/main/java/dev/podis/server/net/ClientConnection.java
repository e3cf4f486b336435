package dev.podis.server.net;

import dev.podis.protocol.ProtocolException;
import dev.podis.protocol.RespParser;
import dev.podis.server.Client;
import dev.podis.server.CommandDispatcher;
import dev.podis.server.ServerContext;
import dev.podis.server.config.ConfigValue;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * The RESP front end of one connection: accumulates inbound bytes, parses every complete
 * request of a read, executes each in order, and flushes the replies once per read batch.
 * A TLS handler, when configured, sits in front of this one in the pipeline.
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter {
    private final ServerContext server;
    private final CommandDispatcher dispatcher;
    private final RespParser parser = new RespParser();
    private final ConfigValue maxBulkLen;
    private final ConfigValue queryBufferLimit;
    private Client client;
    private ByteBuf cumulation;

    public ClientConnection(ServerContext server, CommandDispatcher dispatcher) {
        this.server = server;
        this.dispatcher = dispatcher;
        this.maxBulkLen = server.config().value("proto-max-bulk-len");
        this.queryBufferLimit = server.config().value("client-query-buffer-limit");
    }

    public Client client() {
        return client;
    }

    public void attachClient(Client client) {
        this.client = client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        server.stats().netInputBytes += in.readableBytes();
        cumulation = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
        if (client.held()) {
            // CLIENT PAUSE holds this client: keep the bytes for when it resumes.
            trimQueryBuffer();
            return;
        }
        processInput();
    }

    /** Parses and executes the buffered requests until the buffer runs dry or the client is held. */
    private void processInput() {
        parser.setMaxBulkLength(maxBulkLen.asLong());
        parser.setAuthenticated(client.authenticated());
        try {
            while (!client.closing() && !client.held() && client.blocked() == null) {
                byte[][] argv = parser.parse(cumulation);
                if (argv == null) {
                    break;
                }
                if (argv.length > 0) {
                    dispatcher.dispatch(client, argv);
                    parser.setAuthenticated(client.authenticated());
                }
            }
        } catch (ProtocolException e) {
            client.error("ERR " + e.getMessage());
            client.closeAfterReply();
        }
        trimQueryBuffer();
    }

    /** Enforces client-query-buffer-limit and drops consumed bytes from the query buffer. */
    private void trimQueryBuffer() {
        if (cumulation == null) {
            return;
        }
        if (cumulation.readableBytes() > queryBufferLimit.asLong()) {
            // Redis closes such a client without a reply.
            client.closeAfterReply();
        }
        if (!cumulation.isReadable()) {
            cumulation.release();
            cumulation = null;
        } else if (cumulation.readerIndex() > 64 * 1024) {
            cumulation.discardSomeReadBytes();
        }
    }

    /**
     * Runs the command CLIENT PAUSE held, then the requests that arrived behind it, and reads
     * again; called on the command loop when the pause ends.
     */
    public void resumeHeld() {
        byte[][] argv = client.takeHeldCommand();
        if (argv != null) {
            dispatcher.dispatch(client, argv);
        }
        if (cumulation != null && !client.held()) {
            processInput();
        }
        client.flush();
        if (!client.held() && client.channel().isActive()) {
            client.channel().config().setAutoRead(true);
        }
    }

    /** Bytes received and not yet executed (CLIENT LIST qbuf=). */
    public int queryBufferLength() {
        return cumulation == null ? 0 : cumulation.readableBytes();
    }

    /** Room left in the query buffer before it must grow (CLIENT LIST qbuf-free=). */
    public int queryBufferFree() {
        return cumulation == null ? 0 : cumulation.writableBytes();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        client.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
