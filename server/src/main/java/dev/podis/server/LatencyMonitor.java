package dev.podis.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The latency monitor (LATENCY LATEST/HISTORY/...): for each event class ("command",
 * "fast-command", "expire-cycle", ...) the last 160 samples of at least
 * {@code latency-monitor-threshold} milliseconds, one per second (the worst of that second).
 */
public final class LatencyMonitor {
    public static final int SAMPLES = 160;

    /** Samples of one event class, oldest first in {@link #times}/{@link #latencies} from {@link #first()}. */
    public static final class Series {
        public final long[] times = new long[SAMPLES];
        public final long[] latencies = new long[SAMPLES];
        int next;
        int count;
        public long max;

        /** Index of the oldest sample. */
        public int first() {
            return (next - count + SAMPLES) % SAMPLES;
        }

        public int count() {
            return count;
        }

        public int latestIndex() {
            return (next - 1 + SAMPLES) % SAMPLES;
        }
    }

    private final Map<String, Series> events = new LinkedHashMap<>();
    private long thresholdMs;

    public void threshold(long ms) {
        this.thresholdMs = ms;
    }

    public long threshold() {
        return thresholdMs;
    }

    /** Records {@code ms} for {@code event} when monitoring is on and it reaches the threshold. */
    public void addIfNeeded(String event, long ms) {
        if (thresholdMs > 0 && ms >= thresholdMs) {
            add(event, ms, System.currentTimeMillis() / 1000);
        }
    }

    void add(String event, long ms, long now) {
        Series s = events.computeIfAbsent(event, e -> new Series());
        if (ms > s.max) {
            s.max = ms;
        }
        if (s.count > 0 && s.times[s.latestIndex()] == now) {
            int i = s.latestIndex();
            s.latencies[i] = Math.max(s.latencies[i], ms);
            return;
        }
        s.times[s.next] = now;
        s.latencies[s.next] = ms;
        s.next = (s.next + 1) % SAMPLES;
        if (s.count < SAMPLES) {
            s.count++;
        }
    }

    public Map<String, Series> events() {
        return events;
    }

    /** Forgets one event class; true if it existed. */
    public boolean reset(String event) {
        return events.remove(event) != null;
    }

    public int resetAll() {
        int n = events.size();
        events.clear();
        return n;
    }
}
