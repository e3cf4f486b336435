package dev.podis.server;

import dev.podis.protocol.RespWriter;
import dev.podis.storage.Database;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * One client connection's state: its selected database, protocol version, name,
 * authentication, and the reply writer commands write into.
 *
 * <p>Replies accumulate in one outbound buffer per batch of pipelined commands and are flushed
 * once when the batch ends ({@link #flush()}); replies produced outside a batch (another
 * client's PUBLISH, an unblocked BLPOP) use {@link #flushSoon()}.
 */
public final class Client {
    private final long id;
    private final Channel channel;
    private final ServerContext server;
    private final RespWriter reply;
    private final long createdAt;
    private int dbIndex;
    private String name;
    private String libName;
    private String libVersion;
    private boolean authenticated;
    private long lastInteraction;
    private String lastCommand = "NULL";
    private boolean closeAfterReply;
    private boolean flushScheduled;
    private boolean unflushed;
    private boolean noTouch;
    private boolean noEvict;
    private ReplyMode replyMode = ReplyMode.ON;

    /** CLIENT REPLY states. */
    public enum ReplyMode { ON, OFF, SKIP }

    public Client(long id, Channel channel, ServerContext server) {
        this.id = id;
        this.channel = channel;
        this.server = server;
        this.reply = new RespWriter(null, server.stats()::recordError);
        this.createdAt = System.currentTimeMillis();
        this.lastInteraction = createdAt;
        this.authenticated = server.config().get("requirepass").isEmpty();
    }

    public long id() {
        return id;
    }

    public Channel channel() {
        return channel;
    }

    public ServerContext server() {
        return server;
    }

    /** The writer for this client's replies; valid while a command executes. */
    public RespWriter reply() {
        if (reply.target() == null) {
            reply.target(channel.alloc().ioBuffer(256));
        }
        return reply;
    }

    /** Shortcut for {@code reply().error(text)}. */
    public void error(String text) {
        reply().error(text);
    }

    /** Sends what the replies so far wrote. */
    public void flush() {
        flushScheduled = false;
        ByteBuf out = reply.target();
        boolean flushed = false;
        if (out != null) {
            reply.target(null);
            if (out.isReadable() && channel.isActive()) {
                server.stats().netOutputBytes += out.readableBytes();
                channel.writeAndFlush(out, channel.voidPromise());
                flushed = true;
            } else {
                out.release();
            }
        }
        if (unflushed && !flushed) {
            channel.flush(); // replies handed over by writePending
        }
        unflushed = false;
        if (closeAfterReply) {
            // Close once everything written so far has gone out, as Redis's close-after-reply does.
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Hands the replies written so far in this batch to the channel without flushing, once they
     * reach {@code threshold} bytes, so that a long batch does not build one huge buffer and the
     * channel's writability reflects them; {@link #flush()} still sends the batch once.
     *
     * @return true if replies were handed over
     */
    public boolean writePending(int threshold) {
        ByteBuf out = reply.target();
        if (out == null || out.readableBytes() < threshold || !channel.isActive()) {
            return false;
        }
        reply.target(null);
        server.stats().netOutputBytes += out.readableBytes();
        channel.write(out, channel.voidPromise());
        unflushed = true;
        return true;
    }

    /** Flushes once the current task of the event loop is done. */
    public void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            channel.eventLoop().execute(this::flush);
        }
    }

    /** Releases what the client holds; called once when the connection closes. */
    void release() {
        ByteBuf out = reply.target();
        if (out != null) {
            reply.target(null);
            out.release();
        }
    }

    public int protocol() {
        return reply.protocol();
    }

    public void protocol(int version) {
        reply.protocol(version);
    }

    public int dbIndex() {
        return dbIndex;
    }

    public void select(int index) {
        this.dbIndex = index;
    }

    public Database db() {
        return server.keyspace().db(dbIndex);
    }

    public String name() {
        return name;
    }

    public void name(String name) {
        this.name = name;
    }

    public String libName() {
        return libName;
    }

    public void libName(String libName) {
        this.libName = libName;
    }

    public String libVersion() {
        return libVersion;
    }

    public void libVersion(String libVersion) {
        this.libVersion = libVersion;
    }

    public boolean authenticated() {
        return authenticated;
    }

    public void authenticated(boolean value) {
        this.authenticated = value;
    }

    public long createdAt() {
        return createdAt;
    }

    public long lastInteraction() {
        return lastInteraction;
    }

    void touch(long now, String command) {
        this.lastInteraction = now;
        this.lastCommand = command;
    }

    public String lastCommand() {
        return lastCommand;
    }

    /** Closes the connection once the pending replies are sent (QUIT, protocol errors, CLIENT KILL). */
    public void closeAfterReply() {
        this.closeAfterReply = true;
    }

    public boolean closing() {
        return closeAfterReply;
    }

    public boolean noTouch() {
        return noTouch;
    }

    public void noTouch(boolean v) {
        this.noTouch = v;
    }

    public boolean noEvict() {
        return noEvict;
    }

    public void noEvict(boolean v) {
        this.noEvict = v;
    }

    public ReplyMode replyMode() {
        return replyMode;
    }

    public void replyMode(ReplyMode mode) {
        this.replyMode = mode;
    }

    public String address() {
        return Addresses.format(channel.remoteAddress());
    }

    public String localAddress() {
        return Addresses.format(channel.localAddress());
    }
}
