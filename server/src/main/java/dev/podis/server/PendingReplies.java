package dev.podis.server;

import io.netty.channel.EventLoop;
import java.util.ArrayDeque;

/**
 * Clients whose replies go out after the command loop's current pass over its ready connections
 * (Redis's clients_pending_write, written in beforeSleep). The first client queued in a pass
 * schedules one task on the loop, which Netty runs after the pass's I/O; that task flushes every
 * client queued by then. A long script that lets the loop process I/O
 * ({@link ServerContext#pumpEvents}) flushes the queue itself afterwards, since no task runs until
 * the script returns.
 */
final class PendingReplies implements Runnable {
    private final ArrayDeque<Client> clients = new ArrayDeque<>();
    private boolean scheduled;

    /** Queues {@code c} (once: {@link Client#flushSoon} guards against repeats) on {@code loop}. */
    void add(Client c, EventLoop loop) {
        clients.add(c);
        if (!scheduled) {
            scheduled = true;
            loop.execute(this);
        }
    }

    /** Flushes every queued client, including those queued while it runs. */
    @Override
    public void run() {
        scheduled = false;
        Client c;
        while ((c = clients.poll()) != null) {
            c.flush();
        }
    }
}
