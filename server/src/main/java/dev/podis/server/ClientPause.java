package dev.podis.server;

import dev.podis.server.command.CommandSpec;
import dev.podis.server.net.ClientConnection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * CLIENT PAUSE and CLIENT UNPAUSE: while a pause is active, the commands it covers (every command
 * for ALL, commands that may write or replicate for WRITE) are not executed; the client that sent
 * one is held with that command, its connection stops reading, and whatever it pipelined after it
 * waits in its query buffer. When the pause ends (its timeout, or CLIENT UNPAUSE) the held
 * clients run their held command and then their buffered input, in the order they were held, as
 * Redis unblocks its postponed clients. A command that arrives while paused goes through every
 * other check first (unknown command, arity, NOAUTH are answered at once), and a resumed command
 * is checked again from the start, so a new pause can hold it again.
 *
 * <p>While paused, active expiry stops too (Redis pauses expiry and eviction with clients, so
 * that the dataset does not change under a paused primary).
 */
public final class ClientPause {
    /**
     * Commands without the write flag that Redis still pauses under WRITE because they may
     * propagate something (its internal MAY_REPLICATE flag, which COMMAND INFO does not show).
     */
    private static final Set<String> MAY_REPLICATE = Set.of("publish", "spublish", "eval", "evalsha", "fcall", "pfcount");

    private final ServerContext server;
    private final ArrayDeque<Client> held = new ArrayDeque<>();
    /** When the pause ends (epoch ms); 0 when not paused. */
    private long endMillis;
    private boolean all;
    private ScheduledFuture<?> timer;
    private boolean releaseScheduled;

    ClientPause(ServerContext server) {
        this.server = server;
    }

    /** True while a pause is in force (checked on the hot path: one field read). */
    public boolean active() {
        return endMillis != 0;
    }

    /** True while the pause in force covers every command, false for WRITE (or no pause). */
    public boolean pausesAll() {
        return active() && all;
    }

    public long endMillis() {
        return endMillis;
    }

    /** How many clients are held right now. */
    public int heldCount() {
        return held.size();
    }

    /**
     * Starts a pause until {@code endMillis}, or extends the one in force: the later end and
     * the stricter mode win, as in Redis.
     */
    public void pause(long endMillis, boolean all) {
        long now = System.currentTimeMillis();
        if (!active()) {
            if (endMillis <= now) {
                return; // CLIENT PAUSE 0: nothing to pause
            }
            this.endMillis = endMillis;
            this.all = all;
        } else {
            this.all |= all;
            this.endMillis = Math.max(this.endMillis, endMillis);
        }
        armTimer(now);
    }

    /** Ends the pause (CLIENT UNPAUSE or the timeout) and lets the held clients run. */
    public void unpause() {
        endMillis = 0;
        all = false;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        scheduleRelease();
    }

    /** Called by the dispatcher while {@link #active()}: true if this command must wait. */
    boolean mustHold(Client c, CommandSpec spec) {
        if (System.currentTimeMillis() >= endMillis) {
            unpause();
            return false;
        }
        if (all || spec.has(CommandSpec.WRITE)) {
            return true;
        }
        String top = spec.parent() == null ? spec.name() : spec.parent().name();
        // EXEC of a transaction that queued writes is held too (Redis looks at the queued commands' flags).
        return MAY_REPLICATE.contains(top) || (top.equals("exec") && server.transactions().queuedWrites(c));
    }

    void hold(Client c, CommandSpec spec, byte[][] argv) {
        server.transactions().held(c);
        c.hold(argv);
        c.lastCommand(spec.fullName());
        held.add(c);
        c.channel().config().setAutoRead(false);
    }

    private void armTimer(long now) {
        if (timer != null) {
            timer.cancel(false);
        }
        timer = server.commandLoop().schedule(this::timeout, Math.max(1, endMillis - now), TimeUnit.MILLISECONDS);
    }

    private void timeout() {
        timer = null;
        if (!active()) {
            return;
        }
        long now = System.currentTimeMillis();
        if (now >= endMillis) {
            unpause();
        } else {
            armTimer(now);
        }
    }

    /** The held clients run after the current command and read batch, not inside them. */
    private void scheduleRelease() {
        if (!releaseScheduled && !held.isEmpty()) {
            releaseScheduled = true;
            server.commandLoop().execute(this::release);
        }
    }

    private void release() {
        releaseScheduled = false;
        List<Client> ready = new ArrayList<>(held);
        held.clear();
        for (Client c : ready) {
            if (!c.channel().isActive() || !c.held()) {
                continue;
            }
            ClientConnection conn = c.channel().pipeline().get(ClientConnection.class);
            if (conn != null) {
                conn.resumeHeld();
            }
        }
    }
}
