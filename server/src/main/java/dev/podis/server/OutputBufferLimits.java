package dev.podis.server;

import dev.podis.server.config.ConfigValue;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;

import java.util.function.Function;

/**
 * {@code client-output-buffer-limit}, as Redis's checkClientOutputBufferLimits: per client class
 * (normal, replica, pubsub) a hard limit, and a soft limit that disconnects once a client has
 * stayed over it for longer than the given seconds. A client over its limit is scheduled to be
 * closed as soon as possible, without its pending output (Redis's freeClientAsync), and gets no
 * further messages meanwhile.
 *
 * <p>A client's output is what it has not received yet: the bytes queued in its channel
 * (Netty's outbound buffer, beyond what the socket took) plus its reply buffer not yet flushed.
 * The pub/sub registry checks a receiver each time it queues a message for it; the server cron
 * checks every client ({@link #cron()}), so a soft limit also ends while nothing is published.
 */
public final class OutputBufferLimits {
    static final int NORMAL = 0;
    static final int REPLICA = 1;
    static final int PUBSUB = 2;

    private final ServerContext server;
    private ConfigValue value;
    private String parsedFrom;
    private final long[] hard = new long[3];
    private final long[] soft = new long[3];
    private final long[] softSeconds = new long[3];
    private Function<Client, String> describer = c -> "id=" + c.id() + " addr=" + c.address();

    OutputBufferLimits(ServerContext server) {
        this.server = server;
    }

    /** How a client is named in the log line (Redis prints its CLIENT LIST line). */
    public void describer(Function<Client, String> describer) {
        this.describer = describer;
    }

    /** Bytes of output {@code c} has not received yet: queued in its channel plus its reply buffer. */
    public static long pendingBytes(Client c) {
        long n = 0;
        ByteBuf replies = c.pendingReplies();
        if (replies != null) {
            n += replies.readableBytes();
        }
        Channel ch = c.channel();
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        if (out != null) {
            n += out.totalPendingWriteBytes();
        }
        return n;
    }

    /**
     * Closes {@code c} asynchronously when it is over its class's limit; returns true when it is
     * (or already was) being closed for that reason.
     */
    public boolean check(Client c) {
        if (c.closingAsap()) {
            return true;
        }
        refresh();
        int cls = c.subscribed() ? PUBSUB : NORMAL; // replicas do not exist yet; MONITOR counts as normal
        long hardLimit = hard[cls];
        long softLimit = soft[cls];
        if (hardLimit == 0 && softLimit == 0) {
            c.outputSoftLimitSince(0);
            return false;
        }
        long used = pendingBytes(c);
        boolean overHard = hardLimit != 0 && used >= hardLimit;
        boolean overSoft = softLimit != 0 && used >= softLimit;
        if (overSoft) {
            long now = System.currentTimeMillis() / 1000;
            if (c.outputSoftLimitSince() == 0) {
                c.outputSoftLimitSince(now); // first time over: the clock starts
                overSoft = false;
            } else if (now - c.outputSoftLimitSince() <= softSeconds[cls]) {
                overSoft = false;
            }
        } else {
            c.outputSoftLimitSince(0);
        }
        if (!overHard && !overSoft) {
            return false;
        }
        closeAsap(c);
        return true;
    }

    /** Checks every client (the server cron). */
    public void cron() {
        if (server.clients().isEmpty()) {
            return;
        }
        refresh();
        if (hard[NORMAL] == 0 && soft[NORMAL] == 0 && hard[PUBSUB] == 0 && soft[PUBSUB] == 0) {
            return;
        }
        // check() closes asynchronously, so the client map does not change under this loop.
        for (Client c : server.clients().values()) {
            if (c.channel().isActive()) {
                check(c);
            }
        }
    }

    private void closeAsap(Client c) {
        String info = describer.apply(c);
        c.closeAsap();
        c.release(); // its unflushed output goes; whatever the channel still holds goes with the close
        Log.warn("Client " + info + " scheduled to be closed ASAP for overcoming of output buffer limits.");
        Channel ch = c.channel();
        ch.eventLoop().execute(ch::close); // not inside the caller's loop over subscribers
    }

    /** Re-reads the parameter when CONFIG SET changed it ("normal H S SEC slave H S SEC pubsub H S SEC"). */
    private void refresh() {
        if (value == null) {
            value = server.config().value("client-output-buffer-limit");
        }
        String text = value.asString();
        if (text == parsedFrom) {
            return;
        }
        String[] w = text.trim().split("\\s+");
        for (int j = 0; j + 3 < w.length; j += 4) {
            int cls;
            switch (w[j]) {
                case "normal": cls = NORMAL; break;
                case "slave": case "replica": cls = REPLICA; break;
                case "pubsub": cls = PUBSUB; break;
                default: continue;
            }
            hard[cls] = unsigned(w[j + 1]);
            soft[cls] = unsigned(w[j + 2]);
            softSeconds[cls] = unsigned(w[j + 3]);
        }
        parsedFrom = text;
    }

    private static long unsigned(String s) {
        try {
            long v = Long.parseUnsignedLong(s);
            return v < 0 ? Long.MAX_VALUE : v;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
