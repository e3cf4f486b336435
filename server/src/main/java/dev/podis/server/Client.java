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
 * once, by a task after the loop's pass over its ready connections ({@link #flushSoon()}), as are
 * replies produced outside a batch (another client's PUBLISH, an unblocked BLPOP).
 */
public final class Client {
    /**
     * First capacity of a batch's reply buffer: 16 pipelined GET replies of 100 bytes fit without
     * the buffer growing (and copying) three times, as it did from 256 bytes. (Starting a client's
     * buffer at what its last batch needed, up to 128 KB, was tried for LRANGE-sized replies and
     * cost about 1.5x the CPU per LRANGE_100 at -P 16, likely because pooled buffers above 32 KB
     * are not kept in the thread's cache.)
     */
    static final int REPLY_BUFFER = 2048;
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

    /** Writes a string from the keyspace as a bulk reply (GET's zero-copy path; one instance per client). */
    private final Database.StringSink bulkReply = (bytes, offset, length) -> reply().bulk(bytes, offset, length);

    /** A sink that writes the string it receives as this client's next bulk reply. */
    public Database.StringSink bulkReply() {
        return bulkReply;
    }

    /**
     * A client without a connection, for commands the server runs itself (a script's
     * redis.call): its replies go where its owner points {@link #reply()}'s target, and it
     * shows as {@code address} in MONITOR and the slow log.
     */
    public static Client detached(ServerContext server, String address) {
        Client c = new Client(server.nextClientId(), null, server);
        c.detachedAddress = address;
        return c;
    }

    /** The address of a {@link #detached} client, null for a connection. */
    private String detachedAddress;

    /** The writer for this client's replies; valid while a command executes. */
    public RespWriter reply() {
        if (reply.target() == null) {
            reply.target(channel != null ? channel.alloc().ioBuffer(REPLY_BUFFER) : io.netty.buffer.Unpooled.buffer(REPLY_BUFFER));
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
        if (!server.beforeReply()) {
            return; // what these replies acknowledge could not be persisted: the server is stopping
        }
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

    /** Flushes after the command loop's current pass over its ready connections. */
    public void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            server.replyAfterPass(this);
        }
    }

    /**
     * A client without a connection, for commands the server runs itself (the AOF loader): it is
     * authenticated, may not block, and its replies go nowhere ({@link #dropReplies}).
     */
    public static Client detached(ServerContext server) {
        Client c = new Client(-1, new io.netty.channel.embedded.EmbeddedChannel(), server);
        c.authenticated = true;
        c.denyBlocking = true;
        return c;
    }

    /** Forgets the replies written so far (a detached client's, which nobody reads). */
    public void dropReplies() {
        ByteBuf out = reply.target();
        if (out != null) {
            out.clear();
        }
    }

    /** Releases a {@link #detached} client. */
    public void closeDetached() {
        release();
        channel.close();
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
        return channel == null ? detachedAddress : Addresses.format(channel.remoteAddress());
    }

    public String localAddress() {
        return channel == null ? detachedAddress : Addresses.format(channel.localAddress());
    }

    // ---- Connection state used by CLIENT, RESET and CLIENT PAUSE (connection family) ----

    /** True while the reply of the command being executed is dropped by CLIENT REPLY SKIP. */
    private boolean skipCurrentReply;
    /** A command held back by CLIENT PAUSE, executed once the pause ends (see {@link ClientPause}). */
    private byte[][] heldCommand;
    /** Subscription counts for CLIENT LIST (sub=, psub=, ssub=); the pub/sub family keeps them current. */
    private int channelSubscriptions;
    private int patternSubscriptions;
    private int shardSubscriptions;
    /** Commands queued in MULTI, or -1 outside a transaction (CLIENT LIST multi=); kept by the transaction family. */
    private int multiQueued = -1;
    /** The blocking operation this client waits in, or null (CLIENT UNBLOCK, flag b). */
    private Blocked blocked;

    /**
     * A blocking command in progress (BLPOP, XREAD BLOCK, WAIT ...), as CLIENT UNBLOCK sees it.
     * The family that blocks a client installs one with {@link #blocked(Blocked)} and clears it
     * when the wait ends.
     */
    public interface Blocked {
        /** Whether CLIENT UNBLOCK may end this wait (Redis refuses for waits with no timeout reply). */
        default boolean unblockable() {
            return true;
        }

        /** Ends the wait as if its timeout had expired, replying as the command does then. */
        void timeout();

        /** Ends the wait with this error reply (CLIENT UNBLOCK ... ERROR). */
        void error(String text);
    }

    /** Writer position before a command runs, so that CLIENT REPLY OFF|SKIP can drop what it wrote. */
    int replyMark() {
        ByteBuf out = reply.target();
        return out == null ? 0 : out.writerIndex();
    }

    /** Drops the replies written since {@code mark} (taken with {@link #replyMark()}). */
    void discardRepliesSince(int mark) {
        ByteBuf out = reply.target();
        if (out != null && out.writerIndex() > mark) {
            out.writerIndex(mark);
        }
    }

    boolean skipCurrentReply() {
        return skipCurrentReply;
    }

    void skipCurrentReply(boolean value) {
        this.skipCurrentReply = value;
    }

    /** CLIENT REPLY ON: replies flow again, including the one of the command being executed. */
    public void repliesOn() {
        this.replyMode = ReplyMode.ON;
        this.skipCurrentReply = false;
    }

    /** The reply buffer still waiting to be flushed (CLIENT LIST obl= / rbs=), or null. */
    public ByteBuf pendingReplies() {
        return reply.target();
    }

    /** True while a command of this client is held by CLIENT PAUSE. */
    public boolean held() {
        return heldCommand != null;
    }

    /** The command held by CLIENT PAUSE, or null. */
    public byte[][] heldCommand() {
        return heldCommand;
    }

    void hold(byte[][] argv) {
        this.heldCommand = argv;
    }

    /** Takes the held command back for execution. */
    public byte[][] takeHeldCommand() {
        byte[][] argv = heldCommand;
        heldCommand = null;
        return argv;
    }

    public int channelSubscriptions() {
        return channelSubscriptions;
    }

    public void channelSubscriptions(int count) {
        this.channelSubscriptions = count;
    }

    public int patternSubscriptions() {
        return patternSubscriptions;
    }

    public void patternSubscriptions(int count) {
        this.patternSubscriptions = count;
    }

    public int shardSubscriptions() {
        return shardSubscriptions;
    }

    public void shardSubscriptions(int count) {
        this.shardSubscriptions = count;
    }

    /** True when the client is in pub/sub mode (subscribed to anything). */
    public boolean subscribed() {
        return channelSubscriptions + patternSubscriptions + shardSubscriptions > 0;
    }

    public int multiQueued() {
        return multiQueued;
    }

    public void multiQueued(int count) {
        this.multiQueued = count;
    }

    public Blocked blocked() {
        return blocked;
    }

    /** MULTI state and watched keys, or null (kept by {@link Transactions}). */
    private Transactions.State transaction;

    Transactions.State transaction() {
        return transaction;
    }

    void transaction(Transactions.State state) {
        this.transaction = state;
    }

    /** True when a key this client WATCHes has changed, so its EXEC will fail (CLIENT LIST flag d). */
    public boolean watchDirty() {
        return transaction != null && transaction.dirty;
    }

    /** CLIENT TRACKING state, or null until the client first enables tracking (kept by {@link Tracking}). */
    private Tracking.State tracking;

    /** The client's CLIENT TRACKING state (CLIENT LIST flags t, B, R and redir=), or null if it never tracked. */
    public Tracking.State trackingState() {
        return tracking;
    }

    void trackingState(Tracking.State state) {
        this.tracking = state;
    }

    /** Set while blocking commands must not block (MULTI/EXEC, scripts): they answer as on timeout. */
    private boolean denyBlocking;

    /**
     * True while a blocking command run by this client must answer at once instead of blocking
     * (Redis's CLIENT_DENY_BLOCKING): the transaction engine sets it around EXEC, scripting
     * around a script. Keys made ready meanwhile are served after the command that set it ends.
     */
    public boolean denyBlocking() {
        return denyBlocking;
    }

    public void denyBlocking(boolean deny) {
        this.denyBlocking = deny;
    }

    public void blocked(Blocked operation) {
        this.blocked = operation;
    }

    /** Records the command the client is about to run or waits to run (CLIENT LIST cmd=). */
    void lastCommand(String command) {
        this.lastCommand = command;
    }

    /**
     * Back to the state of a new connection, as RESET does: RESP2, database 0, no name, default
     * authentication, CLIENT REPLY ON, NO-EVICT and NO-TOUCH off. The library name and version
     * stay: they still describe the library behind the connection.
     */
    public void resetConnectionState() {
        protocol(2);
        dbIndex = 0;
        name = null;
        authenticated = server.config().get("requirepass").isEmpty();
        replyMode = ReplyMode.ON; // an active SKIP of the RESET itself still applies, as in Redis
        noEvict = false;
        noTouch = false;
    }

    // ---- Output buffer limits (client-output-buffer-limit), kept by OutputBufferLimits ----

    /** Unix seconds since which the output has been over the soft limit; 0 while under it. */
    private long outputSoftLimitSince;
    /** Set once the client is to be closed for its output buffer (Redis's CLIENT_CLOSE_ASAP). */
    private boolean closeAsap;

    long outputSoftLimitSince() {
        return outputSoftLimitSince;
    }

    void outputSoftLimitSince(long unixSeconds) {
        this.outputSoftLimitSince = unixSeconds;
    }

    /** True once the client is scheduled to be closed for overcoming its output buffer limit. */
    public boolean closingAsap() {
        return closeAsap;
    }

    void closeAsap() {
        this.closeAsap = true;
    }

    // ---- The write stream (see Propagation): what this command propagates ----

    /** Set while a command runs: it propagates as this instead of its own argv (null: as it ran). */
    byte[][] propagateArgv;
    /** PREVENT_* and FORCE_* bits for the command that runs. */
    int propagateFlags;
    static final int PREVENT_AOF = Propagation.AOF;
    static final int PREVENT_REPL = Propagation.REPL;
    static final int FORCE_SHIFT = 2;

    /**
     * True when something consumes the write stream (the AOF, a replica): a command family may
     * skip building a rewrite ({@link #propagateAs}) when nobody would read it.
     */
    public boolean propagating() {
        return server.propagation().active();
    }

    /**
     * The command that runs propagates as {@code argv} instead of the arguments it was called
     * with (Redis's rewriteClientCommandVector): SET EX as SET PXAT, INCRBYFLOAT as SET KEEPTTL,
     * BLPOP as LPOP, EXPIRE with a past time as DEL... The arrays must not change afterwards.
     * It still propagates only if it changed data, unless forced ({@link #forcePropagation}).
     */
    public void propagateAs(byte[]... argv) {
        this.propagateArgv = argv;
    }

    /**
     * Adds {@code argv}, for the client's current database, to the write stream now, before the
     * running command itself (Redis's alsoPropagate): SPOP with a count as SREMs, ...
     */
    public void alsoPropagate(byte[]... argv) {
        server.propagation().add(dbIndex, argv, Propagation.ALL);
    }

    /** The running command does not propagate itself (what it added with {@link #alsoPropagate} does). */
    public void preventPropagation() {
        this.propagateFlags |= PREVENT_AOF | PREVENT_REPL;
    }

    /**
     * The running command propagates to {@code targets} ({@link Propagation#AOF},
     * {@link Propagation#REPL}) even if it changed no data (FLUSHALL on an empty dataset; PUBLISH
     * to replicas only).
     */
    public void forcePropagation(int targets) {
        this.propagateFlags |= (targets & Propagation.ALL) << FORCE_SHIFT;
    }
}
