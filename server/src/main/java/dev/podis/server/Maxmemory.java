package dev.podis.server;

import dev.podis.server.command.CommandSpec;
import dev.podis.server.config.ServerConfig;
import dev.podis.storage.Eviction;
import dev.podis.storage.Keyspace;

import java.util.concurrent.TimeUnit;

/**
 * {@code maxmemory}: where it comes from, what counts against it, and what happens over it
 * (Redis's evict.c and the OOM check of processCommand).
 *
 * <h2>The limit</h2>
 * An explicit {@code maxmemory} wins. Otherwise, when the standalone server runs under a cgroup
 * memory limit {@code L}, it is derived from that limit and from this JVM's own sizes
 * ({@link #derive}):
 * <pre>
 *   maxmemory = L - heap max - direct memory max - (96 MiB + L / 16)
 * </pre>
 * The heap max is {@code Runtime.maxMemory()} ({@code -Xmx}), the direct memory max what Netty
 * may allocate for client buffers ({@code -XX:MaxDirectMemorySize}); the last term is the JVM's
 * own memory (metaspace, code cache, GC structures, compiler, threads) plus slack that grows with
 * the data (allocator fragmentation, the error of the estimates). It is never less than
 * {@code L / 16} (a warning says the limit is too small). docker/entrypoint.sh picks the heap and
 * direct memory from the same limit; docs/operations.md has the whole formula. Without a limit
 * (and embedded) {@code maxmemory 0} means no limit, as in Redis.
 *
 * <h2>What counts</h2>
 * {@code used_memory} is the keyspace's own accounting, {@link Keyspace#usedMemory()}: off-heap
 * entries, maps and large strings, plus the collections (lists, hashes, sets, sorted sets, which
 * are Java heap objects; each measured after every command that changed it) and the heap indexes.
 * It is compared with {@code maxmemory}. The heap part also has a limit of its own, half the heap
 * ({@link #HEAP_SHARE}), so that collections never exhaust the JVM heap: while only that part is
 * over, only keys whose values live on the heap are evicted.
 *
 * <h2>Over the limit</h2>
 * Before every command (as Redis's processCommand; not while clients are paused) the policy
 * evicts keys ({@link Eviction}). When it cannot ({@code noeviction}, or no candidate key), a
 * command flagged {@code denyoom}, an EXEC whose transaction holds one, and any command queued
 * inside MULTI are refused with {@code -OOM command not allowed when used memory > 'maxmemory'.}.
 * When eviction runs out of its time ({@code maxmemory-eviction-tenacity}) it goes on in tasks on
 * the command loop and commands are not refused meanwhile.
 */
public final class Maxmemory {
    /** The JVM's own memory outside heap and direct memory, reserved when deriving maxmemory. */
    public static final long JVM_OVERHEAD = 96L << 20;
    /** The heap part of used_memory may use this share of the heap. */
    public static final double HEAP_SHARE = 0.5;

    /** How maxmemory was derived from a container limit. */
    public record Derivation(long limit, long heapMax, long directMax, long reserved, long maxmemory, boolean tooSmall) {
    }

    /**
     * The formula: {@code limit - heapMax - directMax - (JVM_OVERHEAD + limit / 16)}, at least
     * {@code limit / 16}.
     */
    public static Derivation derive(long limit, long heapMax, long directMax) {
        long reserved = JVM_OVERHEAD + limit / 16;
        long m = limit - heapMax - directMax - reserved;
        long floor = limit / 16;
        return new Derivation(limit, heapMax, directMax, reserved, Math.max(m, floor), m < floor);
    }

    /** This JVM's direct memory limit, as Netty applies it to its buffers. */
    static long directMemoryMax() {
        return io.netty.util.internal.PlatformDependent.maxDirectMemory();
    }

    private final ServerContext server;
    private final Keyspace keyspace;
    private final Eviction eviction;
    private long containerLimit = -1;
    private Derivation derivation;
    private long effective;
    private String source = "none";
    private long heapLimit;
    /**
     * Whether the last check before a command ({@link #refuses}) found memory over the limit with
     * nothing left to evict (Redis's pre_command_oom_state): scripts consult it.
     */
    private boolean outOfMemory;
    /** Eviction goes on in tasks on the command loop (Redis's evictionTimeProc). */
    private boolean continuing;
    /** When used memory first went over the limit without being brought back (nanoTime), 0 when within. */
    private long exceededSince;
    private long exceededTotalMillis;
    private final java.util.function.LongSupplier overTotal;
    private final java.util.function.LongSupplier overHeap;

    Maxmemory(ServerContext server) {
        this.server = server;
        this.keyspace = server.keyspace();
        this.eviction = new Eviction(keyspace);
        this.overTotal = () -> keyspace.usedMemory() - effective;
        this.overHeap = () -> heapPart() - heapLimit;
        ServerConfig config = server.config();
        configure();
        for (String p : new String[] {"maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity",
            "lfu-log-factor", "lfu-decay-time"}) {
            config.onChange(p, v -> configure());
        }
        config.onChange("maxmemory", v -> {
            configure();
            if (effective > 0 && keyspace.usedMemory() > effective) {
                Log.warn("WARNING: the new maxmemory value set via CONFIG SET (" + effective + ") is smaller than the "
                        + "current memory usage (" + keyspace.usedMemory() + "). This will result in key eviction "
                        + "and/or the inability to accept new write commands depending on the maxmemory-policy.");
                perform();
            }
        });
    }

    /**
     * Derives maxmemory from {@code limit} (the cgroup memory limit, -1 for none) whenever
     * {@code maxmemory} is 0. The standalone server calls this; an embedded one never does.
     */
    public void containerLimit(long limit) {
        this.containerLimit = limit;
        configure();
        if (derivation != null) {
            Derivation d = derivation;
            Log.notice("maxmemory " + d.maxmemory() + " bytes derived from the memory limit " + d.limit() + ": minus heap "
                    + d.heapMax() + ", direct memory " + d.directMax() + " and " + d.reserved() + " reserved for the JVM");
            if (d.tooSmall()) {
                Log.warn("WARNING: the memory limit " + d.limit() + " leaves little room for data next to the JVM; "
                        + "maxmemory is set to limit/16. Give the container more memory or a smaller heap.");
            }
        }
    }

    private void configure() {
        ServerConfig config = server.config();
        long configured = config.getLong("maxmemory");
        derivation = null;
        if (configured > 0) {
            effective = configured;
            source = "config";
        } else if (containerLimit > 0) {
            derivation = derive(containerLimit, Runtime.getRuntime().maxMemory(), directMemoryMax());
            effective = derivation.maxmemory();
            source = "container-limit";
        } else {
            effective = 0;
            source = "none";
        }
        heapLimit = (long) (Runtime.getRuntime().maxMemory() * HEAP_SHARE);
        keyspace.maxmemory(effective);
        eviction.policy(Eviction.Policy.of(config.get("maxmemory-policy")));
        eviction.samples(config.getInt("maxmemory-samples"));
        eviction.tenacity(config.getInt("maxmemory-eviction-tenacity"));
        eviction.lfu(config.getInt("lfu-log-factor"), config.getInt("lfu-decay-time"));
    }

    /** The maxmemory in effect (explicit or derived), 0 for none. */
    public long effective() {
        return effective;
    }

    /** {@code config}, {@code container-limit} or {@code none}. */
    public String source() {
        return source;
    }

    /** How maxmemory was derived, or null when it was not. */
    public Derivation derivation() {
        return derivation;
    }

    /** The limit of the heap part of used_memory (collections and indexes), 0 when maxmemory is off. */
    public long heapLimit() {
        return effective > 0 ? heapLimit : 0;
    }

    public Eviction.Policy policy() {
        return eviction.policy();
    }

    /**
     * Redis's {@code pre_command_oom_state}: the check before the running command found used
     * memory over maxmemory that eviction could not bring back (scripts without {@code allow-oom}
     * are refused, and their denyoom commands until they have written).
     */
    public boolean outOfMemory() {
        return outOfMemory && effective > 0;
    }

    /** INFO total_eviction_exceeded_time (ms). */
    public long exceededTotalMillis() {
        return exceededTotalMillis + exceededCurrentMillis();
    }

    /** INFO current_eviction_exceeded_time (ms). */
    public long exceededCurrentMillis() {
        return exceededSince == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exceededSince);
    }

    /** The memory that counts against maxmemory: the heap part (collections and indexes) and the rest. */
    public long heapPart() {
        return Math.max(0, keyspace.usedMemory() - keyspace.offHeapMemory());
    }

    /**
     * Redis's performEvictions: evicts as the policy says until within the limits. Does nothing
     * when maxmemory is off or clients are paused.
     */
    public Eviction.Result perform() {
        if (effective <= 0 || server.pause().active()) {
            return Eviction.Result.OK;
        }
        if (exceededSince == 0 && !continuing) {
            long used = keyspace.usedMemory();
            // The common case, without the eviction machinery (the heap part is at most all of it).
            if (used <= effective && (used <= heapLimit || used - keyspace.offHeapMemory() <= heapLimit)) {
                return Eviction.Result.OK;
            }
        }
        long start = System.nanoTime();
        long evictedBefore = keyspace.evictedKeys();
        Eviction.Result r = eviction.perform(overTotal, overHeap);
        if (keyspace.evictedKeys() != evictedBefore) {
            server.latencyMonitor().addIfNeeded("eviction-cycle", (System.nanoTime() - start) / 1_000_000);
        }
        if (r == Eviction.Result.OK) {
            if (exceededSince != 0) {
                exceededTotalMillis += exceededCurrentMillis();
                exceededSince = 0;
            }
        } else if (exceededSince == 0) {
            exceededSince = System.nanoTime();
        }
        if (r == Eviction.Result.RUNNING) {
            continueLater();
        }
        return r;
    }

    /** Eviction out of time: goes on in a task on the command loop until done (Redis's evictionTimeProc). */
    private void continueLater() {
        if (continuing || server.commandLoop() == null) {
            return;
        }
        continuing = true;
        server.commandLoop().execute(this::continueEviction);
    }

    private void continueEviction() {
        continuing = false;
        if (perform() == Eviction.Result.RUNNING) {
            continueLater();
        }
    }

    /**
     * processCommand's maxmemory check, before a command runs: evicts if needed, and tells whether
     * the command must be refused with the OOM error.
     */
    boolean refuses(Client c, CommandSpec spec) {
        if (effective <= 0) {
            outOfMemory = false;
            return false;
        }
        outOfMemory = perform() == Eviction.Result.FAIL;
        if (!outOfMemory) {
            return false;
        }
        if (spec.has(CommandSpec.DENYOOM)) {
            return true;
        }
        String name = spec.parent() == null ? spec.name() : null;
        if ("exec".equals(name)) {
            return server.transactions().queuedDenyoom(c);
        }
        // Inside MULTI queuing may use any amount of memory: everything but EXEC, DISCARD, QUIT, RESET.
        return c.multiQueued() >= 0 && !"discard".equals(name) && !"quit".equals(name) && !"reset".equals(name);
    }
}
