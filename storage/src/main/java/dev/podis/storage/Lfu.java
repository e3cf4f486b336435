package dev.podis.storage;

import java.util.SplittableRandom;

/**
 * Redis's access data in a key's 24-bit field (evict.c), for the LRU and LFU maxmemory policies.
 *
 * <p>LRU: the field is the LRU clock, Unix seconds modulo 2^24; a key's idle time is the clock now
 * minus the field, modulo 2^24.
 *
 * <p>LFU: the high 16 bits are the time in minutes (modulo 2^16) the counter was last decremented,
 * the low 8 bits a logarithmic access counter. A new key starts at {@value #INIT_COUNTER}. An
 * access first applies the decay (the counter loses one per {@code lfu-decay-time} minutes elapsed)
 * and then increments the counter with probability {@code 1 / ((counter - 5) * lfu-log-factor + 1)},
 * so that it saturates at 255 only after about a million accesses with the default factor 10.
 */
final class Lfu {
    static final int INIT_COUNTER = 5;
    static final int DEFAULT_LOG_FACTOR = 10;
    static final int DEFAULT_DECAY_TIME = 1;
    /** The 24 bits of the field (Redis's LRU_CLOCK_MAX). */
    static final int FIELD_MASK = (1 << 24) - 1;

    private Lfu() {
    }

    /** Minutes modulo 2^16 (LFUGetTimeInMinutes). */
    static int minutes(long nowMillis) {
        return (int) ((nowMillis / 1000 / 60) & 0xFFFF);
    }

    /** The field of a new key: now, with the initial counter. */
    static int initial(long nowMillis) {
        return minutes(nowMillis) << 8 | INIT_COUNTER;
    }

    /** Minutes since {@code ldt}, with the 16-bit wrap-around (LFUTimeElapsed). */
    static long elapsedMinutes(int ldt, long nowMillis) {
        int now = minutes(nowMillis);
        return now >= ldt ? now - ldt : 65535 - ldt + now;
    }

    /** The counter of {@code field} after the decay due now (LFUDecrAndReturn); the field is unchanged. */
    static int counter(int field, long nowMillis, int decayTime) {
        int ldt = (field >>> 8) & 0xFFFF;
        int counter = field & 0xFF;
        long periods = decayTime > 0 ? elapsedMinutes(ldt, nowMillis) / decayTime : 0;
        if (periods > 0) {
            counter = periods > counter ? 0 : counter - (int) periods;
        }
        return counter;
    }

    /** Increments a counter logarithmically (LFULogIncr). */
    static int increment(int counter, int logFactor, SplittableRandom random) {
        if (counter == 255) {
            return 255;
        }
        double r = random.nextDouble();
        double base = Math.max(0, counter - INIT_COUNTER);
        double p = 1.0 / (base * logFactor + 1);
        return r < p ? counter + 1 : counter;
    }

    /** The field after one access (updateLFU): decay, increment, stamped with the minute now. */
    static int access(int field, long nowMillis, int logFactor, int decayTime, SplittableRandom random) {
        int counter = increment(counter(field, nowMillis, decayTime), logFactor, random);
        return minutes(nowMillis) << 8 | counter;
    }

    /** Seconds since the LRU clock {@code field} (estimateObjectIdleTime, in seconds). */
    static long idleSeconds(int field, long nowMillis) {
        int clock = Hooks.lruClock(nowMillis);
        int lru = field & FIELD_MASK;
        return clock >= lru ? clock - lru : (long) FIELD_MASK - lru + clock;
    }
}
