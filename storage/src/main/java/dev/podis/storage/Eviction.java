package dev.podis.storage;

import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The maxmemory policies, as Redis's evict.c approximates them by sampling.
 *
 * <p>{@link #perform} evicts keys until the memory over the limit (as its caller measures it) is
 * gone:
 * <ul>
 *   <li>LRU, LFU and volatile-ttl: every database with candidate keys (all keys, or only those
 *       with a TTL for the volatile policies) gives {@code maxmemory-samples} random keys; each is
 *       scored (idle time; 255 minus the LFU counter; {@code Long.MAX_VALUE} minus the expiry) and
 *       kept in a pool of the {@value #POOL_SIZE} best candidates seen, which persists across
 *       calls. The best candidate that still exists (and still has a TTL, for volatile policies)
 *       is evicted.</li>
 *   <li>allkeys-random and volatile-random: a random candidate of the next database in turn.</li>
 *   <li>noeviction: nothing is evicted; the caller refuses commands that would use more memory.</li>
 * </ul>
 * An eviction removes the key and reports it ({@link KeyspaceListener#evicted}). Every 16 keys the
 * time spent is checked against {@code maxmemory-eviction-tenacity}'s limit; past it,
 * {@link Result#RUNNING} tells the caller to go on later.
 */
public final class Eviction {
    /** Redis's EVPOOL_SIZE. */
    static final int POOL_SIZE = 16;
    /**
     * Rounds of sampling without finding a live candidate before giving up, unless the candidates
     * are rare (only values on the heap wanted): then as many rounds as it takes to see every key
     * about twice, within the time limit.
     */
    private static final int MAX_EMPTY_ROUNDS = 100;
    /** evictOne's answers besides "evicted one". */
    private static final int NONE = 0;
    private static final int OUT_OF_TIME = -1;

    /** The eight policies of {@code maxmemory-policy}. */
    public enum Policy {
        VOLATILE_LRU, VOLATILE_LFU, VOLATILE_RANDOM, VOLATILE_TTL, ALLKEYS_LRU, ALLKEYS_LFU, ALLKEYS_RANDOM, NOEVICTION;

        /** By config name ({@code allkeys-lru}); IllegalArgumentException for others. */
        public static Policy of(String name) {
            return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        }

        public String configName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public boolean allKeys() {
            return this == ALLKEYS_LRU || this == ALLKEYS_LFU || this == ALLKEYS_RANDOM;
        }

        /** The access field holds LFU data under this policy. */
        public boolean lfu() {
            return this == ALLKEYS_LFU || this == VOLATILE_LFU;
        }

        boolean lru() {
            return this == ALLKEYS_LRU || this == VOLATILE_LRU;
        }

        boolean random() {
            return this == ALLKEYS_RANDOM || this == VOLATILE_RANDOM;
        }
    }

    /** Redis's EVICT_OK, EVICT_RUNNING and EVICT_FAIL. */
    public enum Result {
        /** Within the limit (possibly after evicting). */
        OK,
        /** Still over the limit, but the time for this call ran out: call again soon. */
        RUNNING,
        /** Over the limit with nothing to evict (noeviction, or no candidate key). */
        FAIL
    }

    private final Keyspace keyspace;
    private final long[] poolScore = new long[POOL_SIZE];
    private final byte[][] poolKey = new byte[POOL_SIZE][];
    private final int[] poolDb = new int[POOL_SIZE];
    private final boolean[] poolHeap = new boolean[POOL_SIZE];
    /** Only values on the Java heap (collections) help: the heap part is over its limit. */
    private boolean heapOnly;
    private Policy policy = Policy.NOEVICTION;
    private int samples = 5;
    private int tenacity = 10;
    private int nextDb;
    /** Scratch of one population round. */
    private int populatingDb;
    private long populatingNow;
    private final BaseDatabase.Sampler toPool = this::offer;

    public Eviction(Keyspace keyspace) {
        this.keyspace = keyspace;
    }

    /** {@code maxmemory-policy}; also makes the keyspace keep LFU data in the access field, or the LRU clock. */
    public void policy(Policy p) {
        this.policy = p;
        keyspace.hooks().lfu = p.lfu();
    }

    public Policy policy() {
        return policy;
    }

    /** {@code maxmemory-samples}. */
    public void samples(int n) {
        this.samples = Math.max(1, n);
    }

    /** {@code maxmemory-eviction-tenacity} (0 to 100). */
    public void tenacity(int t) {
        this.tenacity = Math.max(0, Math.min(100, t));
    }

    /** {@code lfu-log-factor} and {@code lfu-decay-time}. */
    public void lfu(int logFactor, int decayTime) {
        keyspace.hooks().lfuLogFactor = logFactor;
        keyspace.hooks().lfuDecayTime = decayTime;
    }

    /**
     * Redis's evictionTimeLimitUs: 50 µs per step up to tenacity 10, then 15% more per step
     * (about two minutes at 99), no limit at 100.
     */
    long timeLimitMicros() {
        if (tenacity <= 10) {
            return 50L * tenacity;
        }
        if (tenacity < 100) {
            return (long) (500.0 * Math.pow(1.15, tenacity - 10.0));
        }
        return Long.MAX_VALUE;
    }

    /**
     * Evicts until neither {@code over} (bytes of all data over the limit) nor {@code heapOver}
     * (bytes of the data on the Java heap over its own limit) is positive; both are measured again
     * after each key. While only the heap part is over, only keys whose values live on the heap
     * are candidates.
     *
     * @return {@link Result#OK} when within the limits, {@link Result#RUNNING} when the time limit
     *         stopped it first, {@link Result#FAIL} when nothing can be evicted
     */
    public Result perform(LongSupplier over, LongSupplier heapOver) {
        if (over.getAsLong() <= 0 && heapOver.getAsLong() <= 0) {
            return Result.OK;
        }
        if (policy == Policy.NOEVICTION) {
            return Result.FAIL;
        }
        long start = System.nanoTime();
        long limitMicros = timeLimitMicros();
        long limitNanos = limitMicros == Long.MAX_VALUE ? Long.MAX_VALUE : limitMicros * 1000;
        long freed = 0;
        long deadline = limitNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + limitNanos;
        while (true) {
            boolean total = over.getAsLong() > 0;
            if (!total && heapOver.getAsLong() <= 0) {
                return Result.OK;
            }
            heapOnly = !total;
            int found = evictOne(deadline);
            if (found == NONE) {
                return Result.FAIL;
            }
            if (found == OUT_OF_TIME) {
                return Result.RUNNING;
            }
            freed++;
            if (freed % 16 == 0 && System.nanoTime() - start > limitNanos) {
                return over.getAsLong() > 0 || heapOver.getAsLong() > 0 ? Result.RUNNING : Result.OK;
            }
        }
    }

    /** Picks and evicts one key by the policy: 1, or {@link #NONE} without a candidate, or {@link #OUT_OF_TIME}. */
    private int evictOne(long deadline) {
        int n = keyspace.count();
        boolean all = policy.allKeys();
        if (policy.random()) {
            for (int i = 0; i < n; i++) {
                int j = nextDb = (nextDb + 1) % n;
                BaseDatabase db = keyspace.base(j);
                if (db == null || (all ? db.size() : db.volatileSize()) == 0) {
                    continue;
                }
                byte[][] picked = new byte[1][];
                BaseDatabase.Sampler one = (key, access, expireAt, onHeap) -> {
                    if (onHeap || !heapOnly) {
                        picked[0] = key;
                    }
                };
                // While only heap values help, a few tries to find one among the other keys.
                for (int t = 0; t < (heapOnly ? samples * 4 : 1) && picked[0] == null; t++) {
                    if (all && heapOnly) {
                        db.sampleHeapKeys(1, one);
                    } else if (all) {
                        db.sampleKeys(1, one);
                    } else {
                        db.sampleVolatileKeys(1, heapOnly, one);
                    }
                }
                if (picked[0] != null && db.evict(picked[0])) {
                    return 1;
                }
            }
            return NONE;
        }
        if (heapOnly) {
            dropOffHeapCandidates();
        }
        long rounds = MAX_EMPTY_ROUNDS;
        for (long round = 0; round < rounds; round++) {
            if (round > 0 && round % 64 == 0 && System.nanoTime() - deadline > 0) {
                return OUT_OF_TIME;
            }
            long candidates = 0;
            populatingNow = keyspace.now();
            for (int i = 0; i < n; i++) {
                BaseDatabase db = keyspace.base(i);
                if (db == null) {
                    continue;
                }
                long keys = all ? db.size() : db.volatileSize();
                if (keys == 0) {
                    continue;
                }
                candidates += keys;
                populatingDb = i;
                if (all && heapOnly) {
                    db.sampleHeapKeys(samples, toPool);
                } else if (all) {
                    db.sampleKeys(samples, toPool);
                } else {
                    db.sampleVolatileKeys(samples, policy != Policy.VOLATILE_TTL || heapOnly, toPool);
                }
            }
            if (candidates == 0) {
                return NONE;
            }
            if (heapOnly) {
                rounds = Math.max(MAX_EMPTY_ROUNDS, 2 * candidates / samples + 1);
            }
            // The best candidates are at the end of the pool; skip those gone meanwhile ("ghosts").
            for (int k = POOL_SIZE - 1; k >= 0; k--) {
                byte[] key = poolKey[k];
                if (key == null) {
                    continue;
                }
                int dbIndex = poolDb[k];
                poolKey[k] = null;
                poolScore[k] = 0;
                BaseDatabase db = dbIndex < n ? keyspace.base(dbIndex) : null;
                if (db != null && (all ? db.holds(key) : db.isVolatile(key)) && db.evict(key)) {
                    return 1;
                }
            }
        }
        return NONE;
    }

    /** Keeps only the pool's candidates whose values live on the heap, in order, packed to the left. */
    private void dropOffHeapCandidates() {
        int j = 0;
        for (int k = 0; k < POOL_SIZE; k++) {
            if (poolKey[k] != null && poolHeap[k]) {
                poolKey[j] = poolKey[k];
                poolScore[j] = poolScore[k];
                poolDb[j] = poolDb[k];
                poolHeap[j] = true;
                j++;
            }
        }
        for (; j < POOL_SIZE; j++) {
            poolKey[j] = null;
            poolScore[j] = 0;
        }
    }

    /** The eviction score of a sampled key: higher is evicted first. */
    private long score(int access, long expireAt) {
        switch (policy) {
            case ALLKEYS_LRU:
            case VOLATILE_LRU:
                return Lfu.idleSeconds(access, populatingNow) * 1000;
            case ALLKEYS_LFU:
            case VOLATILE_LFU:
                return 255 - Lfu.counter(access, populatingNow, keyspace.hooks().lfuDecayTime);
            default: // volatile-ttl: the sooner it expires, the better
                return Long.MAX_VALUE - expireAt;
        }
    }

    /** Redis's evictionPoolPopulate insertion: the pool is sorted by score, ascending. */
    private void offer(byte[] key, int access, long expireAt, boolean onHeap) {
        if (heapOnly && !onHeap) {
            return;
        }
        long s = score(access, expireAt);
        int k = 0;
        while (k < POOL_SIZE && poolKey[k] != null && poolScore[k] < s) {
            k++;
        }
        if (k == 0 && poolKey[POOL_SIZE - 1] != null) {
            return; // worse than everything in a full pool
        } else if (k < POOL_SIZE && poolKey[k] == null) {
            // an empty slot: nothing to move
        } else if (poolKey[POOL_SIZE - 1] == null) {
            // room on the right: shift k.. one to the right
            System.arraycopy(poolKey, k, poolKey, k + 1, POOL_SIZE - k - 1);
            System.arraycopy(poolScore, k, poolScore, k + 1, POOL_SIZE - k - 1);
            System.arraycopy(poolDb, k, poolDb, k + 1, POOL_SIZE - k - 1);
            System.arraycopy(poolHeap, k, poolHeap, k + 1, POOL_SIZE - k - 1);
        } else {
            // full: drop the worst (leftmost) and insert at k - 1
            k--;
            System.arraycopy(poolKey, 1, poolKey, 0, k);
            System.arraycopy(poolScore, 1, poolScore, 0, k);
            System.arraycopy(poolDb, 1, poolDb, 0, k);
            System.arraycopy(poolHeap, 1, poolHeap, 0, k);
        }
        poolKey[k] = key;
        poolScore[k] = s;
        poolDb[k] = populatingDb;
        poolHeap[k] = onHeap;
    }
}
