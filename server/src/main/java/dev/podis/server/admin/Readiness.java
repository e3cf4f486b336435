package dev.podis.server.admin;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What {@code /readyz} asks: every registered check must pass. The server registers "started,
 * accepting, not shutting down"; persistence (loading a dump) and replication (in sync with the
 * primary) add theirs when they exist. Checks are called from the admin thread: they must read
 * only thread-safe (volatile) state.
 */
public final class Readiness {
    /** One condition for readiness. */
    @FunctionalInterface
    public interface ReadinessCheck {
        /** Null when this condition holds; otherwise a short reason ("shutting down"). */
        String notReadyReason();
    }

    private final List<ReadinessCheck> checks = new CopyOnWriteArrayList<>();

    public void add(ReadinessCheck check) {
        checks.add(check);
    }

    /** Null when ready, else the first failing check's reason. */
    public String notReadyReason() {
        for (ReadinessCheck c : checks) {
            String reason = c.notReadyReason();
            if (reason != null) {
                return reason;
            }
        }
        return null;
    }
}
