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
        parser.setMaxBulkLength(maxBulkLen.asLong());
        parser.setAuthenticated(client.authenticated());
        try {
            while (!client.closing()) {
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
