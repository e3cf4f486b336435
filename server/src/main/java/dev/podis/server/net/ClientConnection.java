package dev.podis.server.net;

import dev.podis.protocol.ProtocolException;
import dev.podis.protocol.RespParser;
import dev.podis.server.Client;
import dev.podis.server.CommandDispatcher;
import dev.podis.server.Log;
import dev.podis.server.ServerContext;
import dev.podis.server.config.ConfigValue;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * The RESP front end of one connection: accumulates inbound bytes, parses every complete
 * request of a read, executes each in order, and flushes the replies once per read batch
 * (Netty's read loop: one {@code channelReadComplete} after one or more {@code channelRead}),
 * after the loop has read every ready connection (see docs/architecture.md, the network loop).
 * A TLS handler, when configured, sits in front of this one in the pipeline.
 *
 * <p><b>Backpressure.</b> Replies of a batch go into one pooled buffer; once it holds
 * {@link #WRITE_THRESHOLD} bytes it is handed to the channel (written, not flushed) and a new one
 * started, so the channel's outbound queue sees them. While the channel is not writable (more
 * than {@link #HIGH_WATER} bytes of replies queued because the client does not read them), no
 * further command is executed; requests still arriving are buffered until {@link #READ_PAUSE}
 * bytes (or half of {@code client-query-buffer-limit}) are waiting, then reading stops too
 * (autoRead off). Both resume when the channel is writable again. A pipelining client that never
 * reads therefore cannot make the server buffer more than a few MB for it, while a client that
 * writes a whole pipeline before it reads any reply (as Jedis and redis-py pipelines do) is not
 * deadlocked unless its unread requests alone exceed that read pause.
 *
 * <p><b>Errors.</b> Malformed input is answered with Redis's {@code -ERR Protocol error: ...}
 * after the replies of the requests before it, and the connection is closed once that reply has
 * been sent. A query buffer (unparsed bytes plus the received part of a big argument) above
 * {@code client-query-buffer-limit} closes the connection at once without a reply, as Redis does.
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter {
    /** Replies buffered in one batch before they are handed to the channel. */
    static final int WRITE_THRESHOLD = 64 * 1024;
    /** Queued reply bytes above which the channel is not writable (execution pauses) ... */
    static final int HIGH_WATER = 1024 * 1024;
    /** ... and below which it is writable again. */
    static final int LOW_WATER = 256 * 1024;
    /** Unparsed request bytes at which a paused connection also stops reading. */
    static final long READ_PAUSE = 4L * 1024 * 1024;

    private final ServerContext server;
    private final CommandDispatcher dispatcher;
    private final RespParser parser = new RespParser();
    private final ConfigValue maxBulkLen;
    private final ConfigValue queryBufferLimit;
    private ChannelHandlerContext ctx;
    private Client client;
    private ByteBuf cumulation;
    /** True while execution waits for the channel to become writable. */
    private boolean paused;
    /** True once the connection is going away: further input is ignored. */
    private boolean closing;
    /** True while {@link #processInput} runs (a long script may let the loop read this channel again meanwhile). */
    private boolean processing;
    /** A script command read during the loop's I/O phase, to run from a task (see {@link #processInput}). */
    private byte[][] deferred;

    public ClientConnection(ServerContext server, CommandDispatcher dispatcher) {
        this.server = server;
        this.dispatcher = dispatcher;
        this.maxBulkLen = server.config().value("proto-max-bulk-len");
        this.queryBufferLimit = server.config().value("client-query-buffer-limit");
        parser.borrowArguments(true);
    }

    public Client client() {
        return client;
    }

    public void attachClient(Client client) {
        this.client = client;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(LOW_WATER, HIGH_WATER));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (closing || client.closing()) {
            in.release(); // Redis ignores what arrives after a protocol error or QUIT
            return;
        }
        server.stats().netInputBytes += in.readableBytes();
        cumulation = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
        // While CLIENT PAUSE holds this client, processInput keeps the bytes for when it resumes.
        if (!processing) {
            processInput(ctx);
        }
        if (paused && cumulation != null && cumulation.readableBytes() >= readPause()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private long readPause() {
        return Math.min(READ_PAUSE, queryBufferLimit.asLong() / 2);
    }

    /** Executes every complete request buffered, in order, until input runs out or the channel is full. */
    private void processInput(ChannelHandlerContext ctx) {
        if (cumulation == null || closing || processing) {
            return;
        }
        processing = true;
        try {
            processBuffered(ctx);
        } finally {
            processing = false;
        }
        if (closing) {
            releaseCumulation(); // the channel closed while a script ran (see channelInactive)
        }
    }

    private void processBuffered(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        parser.setMaxBulkLength(maxBulkLen.asLong());
        parser.setAuthenticated(client.authenticated());
        try {
            while (!client.closing() && !client.held() && client.blocked() == null && deferred == null && !closing) {
                if (!channel.isWritable()) {
                    paused = true;
                    break;
                }
                byte[][] argv = parser.parse(cumulation);
                if (argv == null) {
                    break;
                }
                if (argv.length > 0) {
                    if (parser.borrowed()) {
                        int keeps = dispatcher.borrowedKeeps(client, argv);
                        if (keeps == CommandDispatcher.COPY) {
                            argv = RespParser.copyOf(argv); // the command (or the state) may keep them
                        } else if (keeps < argv.length) {
                            parser.handOver(keeps); // the arguments it may keep are its own
                        }
                    }
                    if (server.inIoPhase() && server.scripting().runsScript(client, argv)) {
                        // A script starts from a task, outside the loop's I/O phase, so that a long
                        // one can let the loop serve other clients (CommandLoopIo); the requests
                        // behind it wait for it, in order.
                        deferred = argv;
                        ctx.executor().execute(this::runDeferred);
                        break;
                    }
                    dispatcher.dispatch(client, argv);
                    parser.setAuthenticated(client.authenticated());
                    client.writePending(WRITE_THRESHOLD);
                }
            }
        } catch (ProtocolException e) {
            Log.verbose("Protocol error (" + e.getMessage() + ") from client: id=" + client.id() + " addr=" + client.address());
            client.reply().errorLatin1("ERR " + e.getMessage());
            client.closeAfterReply();
            closing = true;
            parser.reset();
            releaseCumulation();
            return;
        }
        long queryBuffer = cumulation.readableBytes() + parser.pendingBytes();
        if (queryBuffer > queryBufferLimit.asLong()) {
            Log.warn("Closing client that reached max query buffer length: id=" + client.id()
                    + " addr=" + client.address() + " (qbuf " + queryBuffer + " bytes)");
            closing = true;
            parser.reset();
            releaseCumulation();
            channel.close();
            return;
        }
        if (!cumulation.isReadable()) {
            releaseCumulation();
        } else if (cumulation.readerIndex() > 64 * 1024) {
            cumulation.discardSomeReadBytes();
        }
    }

    /** Runs the script command {@link #processInput} deferred, then the requests behind it. */
    private void runDeferred() {
        byte[][] argv = deferred;
        deferred = null;
        if (argv == null || closing || !ctx.channel().isActive()) {
            return;
        }
        processing = true;
        try {
            dispatcher.dispatch(client, argv);
            parser.setAuthenticated(client.authenticated());
        } finally {
            processing = false;
        }
        processInput(ctx);
        client.flush();
    }

    /**
     * Runs the command CLIENT PAUSE held, then the requests that arrived behind it, and reads
     * again; called on the command loop when the pause ends.
     */
    public void resumeHeld() {
        byte[][] argv = client.takeHeldCommand();
        if (argv != null) {
            processing = true;
            try {
                dispatcher.dispatch(client, argv);
            } finally {
                processing = false;
            }
        }
        if (!client.held()) {
            processInput(ctx);
        }
        client.flush();
        if (!client.held() && !paused && !closing && client.channel().isActive()) {
            client.channel().config().setAutoRead(true);
        }
    }

    /** Bytes received and not yet executed (CLIENT LIST qbuf=). */
    public int queryBufferLength() {
        return (cumulation == null ? 0 : cumulation.readableBytes()) + (int) Math.min(Integer.MAX_VALUE, parser.pendingBytes());
    }

    /** Room left in the query buffer before it must grow (CLIENT LIST qbuf-free=). */
    public int queryBufferFree() {
        return cumulation == null ? 0 : cumulation.writableBytes();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // The replies go out after the loop has read every ready connection (a task after its I/O
        // pass), as Redis writes them in beforeSleep: one AOF write (and under appendfsync always
        // one fsync) covers every client of the pass, and measured at -P 16 this gave higher
        // throughput and a lower p99 than writing each connection's replies before reading the
        // next (docs/architecture.md, the network loop).
        client.flushSoon();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        if (channel.isWritable() && !closing && !processing) {
            if (paused) {
                paused = false;
                processInput(ctx);
                client.flush();
            }
            if (!closing && !client.closing() && !client.held() && !channel.config().isAutoRead()
                    && (cumulation == null || cumulation.readableBytes() < readPause())) {
                channel.config().setAutoRead(true);
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (!processing) { // else processInput releases them once the running command returns
            parser.reset();
            releaseCumulation();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof java.io.IOException)) {
            Log.verbose("connection error from client id=" + client.id() + ": " + cause);
        }
        ctx.close();
    }

    private void releaseCumulation() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }
}
