package dev.podis.storage;

import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * All databases of a server, and what spans them: SWAPDB, FLUSHALL, memory accounting and the
 * active expiry cycle. Used by one thread at a time, like {@link Database}.
 *
 * <p>Two implementations behave the same: {@link #offHeap} keeps keys and string values off-heap
 * in Chronicle Map (needs the JVM flags of {@link #REQUIRED_JVM_FLAGS}); {@link #onHeap} keeps
 * them on the Java heap. {@link #create} picks one from {@link KeyspaceOptions}.
 *
 * <p>Writes to an off-heap keyspace may throw {@link KeyspaceFullException} when its memory budget
 * is used up; nothing else about capacity is ever thrown out of a database call.
 */
public final class Keyspace implements AutoCloseable {
    /** The JVM options Chronicle Map needs (also in the parent pom's {@code chronicle.jvm.flags}). */
    public static final String REQUIRED_JVM_FLAGS = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED "
            + "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED "
            + "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED "
            + "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED "
            + "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED "
            + "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED "
            + "--add-opens=java.base/java.util=ALL-UNNAMED -Dchronicle.analytics.disable=true";

    private static volatile Boolean offHeapAvailable;

    private final Database[] databases;
    private final Hooks hooks;
    private final Runnable closer;
    private final LongSupplier memory;
    private LongSupplier offHeap = () -> 0;
    private final String backend;
    private final OffHeapSizing sizing;
    private int expireDb;
    private boolean closed;

    /**
     * A keyspace over databases of your own.
     *
     * @param count   number of databases ({@code databases} config)
     * @param factory creates database {@code i}
     * @param clock   Unix time in milliseconds (tests and DEBUG may substitute their own)
     * @param memory  bytes used by stored data (off-heap plus heap structures)
     * @param closer  frees what the databases hold
     */
    public Keyspace(int count, IntFunction<Database> factory, LongSupplier clock, LongSupplier memory, Runnable closer) {
        this(count, (i, h) -> factory.apply(i), new Hooks(clock), memory, closer, "custom");
    }

    private interface Factory {
        Database create(int index, Hooks hooks);
    }

    private Keyspace(int count, Factory factory, Hooks hooks, LongSupplier memory, Runnable closer, String backend) {
        this(count, factory, hooks, memory, closer, backend, null);
    }

    private Keyspace(int count, Factory factory, Hooks hooks, LongSupplier memory, Runnable closer, String backend,
                     OffHeapSizing sizing) {
        this.sizing = sizing;
        this.databases = new Database[count];
        this.hooks = hooks;
        for (int i = 0; i < count; i++) {
            databases[i] = factory.create(i, hooks);
        }
        this.memory = memory;
        this.closer = closer;
        this.backend = backend;
    }

    /** A heap-backed keyspace: no JVM flags, no off-heap memory; for in-process use and tests. */
    public static Keyspace onHeap(int count) {
        return create(new KeyspaceOptions().databases(count).backend(KeyspaceOptions.Backend.HEAP));
    }

    /**
     * An off-heap keyspace on Chronicle Map.
     *
     * <p>The first off-heap keyspace of a JVM takes a few hundred ms to create (Chronicle Map
     * loads its classes; the one it would compile is precompiled); later ones take milliseconds. Each database's map is created on its first write.
     *
     * @param budgetBytes memory budget ({@code maxmemory}); 0 for the container's or machine's memory
     * @throws IllegalStateException if the JVM lacks the flags Chronicle Map needs
     */
    public static Keyspace offHeap(int count, long budgetBytes) {
        return create(new KeyspaceOptions().databases(count).maxmemory(budgetBytes).backend(KeyspaceOptions.Backend.OFFHEAP));
    }

    public static Keyspace create(KeyspaceOptions o) {
        Hooks hooks = new Hooks(o.clock);
        boolean off = o.backend == KeyspaceOptions.Backend.OFFHEAP
                || (o.backend == KeyspaceOptions.Backend.AUTO && offHeapAvailable());
        if (!off) {
            HeapDatabase[] dbs = new HeapDatabase[o.databases];
            return new Keyspace(o.databases, (i, h) -> dbs[i] = new HeapDatabase(i, h), hooks, () -> {
                long total = 0;
                for (HeapDatabase db : dbs) {
                    total += db.estimatedBytes();
                }
                return total;
            }, () -> {
                for (HeapDatabase db : dbs) {
                    db.release();
                }
            }, "heap");
        }
        if (!offHeapAvailable()) {
            throw new IllegalStateException("the off-heap keyspace needs a full JDK and these JVM options: " + REQUIRED_JVM_FLAGS);
        }
        OffHeapSizing.warmUp();
        OffHeapSizing sizing = new OffHeapSizing(MemoryBudget.budget(o.maxmemory), o.initialEntries);
        OffHeapDatabase[] dbs = new OffHeapDatabase[o.databases];
        LongSupplier used = () -> {
            long total = 0;
            for (OffHeapDatabase db : dbs) {
                total += db.usedBytes();
            }
            return total;
        };
        sizing.usedMemory(used);
        Keyspace ks = new Keyspace(o.databases, (i, h) -> dbs[i] = new OffHeapDatabase(i, h, sizing), hooks, used, () -> {
            for (OffHeapDatabase db : dbs) {
                db.release();
            }
        }, "offheap", sizing);
        ks.offHeap = () -> {
            long total = 0;
            for (OffHeapDatabase db : dbs) {
                total += db.offHeapBytes();
            }
            return total;
        };
        return ks;
    }

    /**
     * Whether this JVM can run the off-heap keyspace: Chronicle Map is on the class path, the
     * packages it reflects on are opened to it, and a Java compiler is present (it generates
     * classes at run time). Without it, use {@link #onHeap}.
     */
    public static boolean offHeapAvailable() {
        Boolean b = offHeapAvailable;
        if (b == null) {
            b = probe();
            offHeapAvailable = b;
        }
        return b;
    }

    private static boolean probe() {
        try {
            Class.forName("net.openhft.chronicle.map.ChronicleMapBuilder", false, Keyspace.class.getClassLoader());
            Module me = Keyspace.class.getModule();
            Module base = Object.class.getModule();
            if (!base.isOpen("java.lang", me) || !base.isOpen("java.lang.reflect", me) || !base.isOpen("java.nio", me)
                    || !base.isOpen("sun.nio.ch", me)) {
                return false;
            }
            Module javac = ModuleLayer.boot().findModule("jdk.compiler").orElse(null);
            if (javac == null || !javac.isExported("com.sun.tools.javac.file", me)) {
                return false;
            }
            return javax.tools.ToolProvider.getSystemJavaCompiler() != null;
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            return false;
        }
    }

    /**
     * Changes the memory budget (CONFIG SET maxmemory): 0 means the container's or machine's
     * memory. Writes past it throw {@link KeyspaceFullException}. The heap keyspace has no budget.
     */
    public void maxmemory(long bytes) {
        if (sizing != null) {
            sizing.budgetBytes(MemoryBudget.budget(bytes));
        }
    }

    /** The memory budget of the off-heap keyspace in bytes, or -1 for the heap keyspace. */
    public long budget() {
        return sizing == null ? -1 : sizing.budgetBytes();
    }

    /** {@code "offheap"} or {@code "heap"} (or {@code "custom"}). */
    public String backend() {
        return backend;
    }

    public int count() {
        return databases.length;
    }

    public Database db(int index) {
        return databases[index];
    }

    public long now() {
        return hooks.now();
    }

    /** Receives keys removed by expiry (lazily or actively); replaces any previous listener. */
    public void listener(KeyspaceListener listener) {
        hooks.listener = listener == null ? KeyspaceListener.NONE : listener;
    }

    /**
     * Turns the reports of {@link KeyspaceListener#modified}, {@code clearing} and {@code swapping}
     * on or off (on while any client WATCHes a key; off, a write costs one field read).
     */
    public void trackChanges(boolean on) {
        hooks.trackChanges = on;
    }

    /** Keys removed because they expired, lazily or by {@link #activeExpireCycle}, since creation. */
    public long expiredKeys() {
        return hooks.expiredKeys;
    }

    /** Keys removed by the maxmemory policy ({@link Eviction}) since creation. */
    public long evictedKeys() {
        return hooks.evictedKeys;
    }

    Hooks hooks() {
        return hooks;
    }

    /** Database {@code i} when it is one of ours (eviction needs more than {@link Database}), else null. */
    BaseDatabase base(int i) {
        return databases[i] instanceof BaseDatabase ? (BaseDatabase) databases[i] : null;
    }

    /**
     * A command looked up the collection {@code v} under {@code key} of database {@code db} for
     * writing: it may change in place, so its memory is measured again (at the latest when
     * {@link #usedMemory()} is next read). Strings need no call: they change through
     * {@link Database#put}.
     */
    public void collectionWritten(int db, byte[] key, StoredValue v) {
        if (v != null && v.object() != null && databases[db] instanceof BaseDatabase) {
            hooks.collectionWritten((BaseDatabase) databases[db], key, v);
        }
    }

    /** The LFU counter in a key's access field ({@link StoredValue#lruOrLfu()}) after the decay due now (OBJECT FREQ). */
    public int lfuCounter(int accessField) {
        return Lfu.counter(accessField, hooks.now(), hooks.lfuDecayTime);
    }

    /** Seconds since the LRU clock in a key's access field (OBJECT IDLETIME). */
    public long idleSeconds(int accessField) {
        return Lfu.idleSeconds(accessField, hooks.now());
    }

    /** SWAPDB: clients of either database see the other's data from now on. */
    public void swap(int a, int b) {
        if (hooks.trackChanges) {
            hooks.listener.swapping(a, b);
        }
        Database t = databases[a];
        databases[a] = databases[b];
        databases[b] = t;
        if (databases[a] instanceof BaseDatabase) {
            ((BaseDatabase) databases[a]).index(a);
        }
        if (databases[b] instanceof BaseDatabase) {
            ((BaseDatabase) databases[b]).index(b);
        }
    }

    /** Removes every key of every database and frees the memory they held. */
    public void flushAll() {
        for (Database db : databases) {
            db.clear();
        }
    }

    /**
     * Bytes held for stored data, as INFO used_memory reports it and maxmemory limits it: the
     * off-heap maps (each key at its share of its map's reservation, see {@code OffHeapSizing}),
     * large values, the collections as last measured ({@link #collectionWritten}) and the heap-side
     * indexes (estimates).
     */
    public long usedMemory() {
        if (hooks.hasPending()) {
            hooks.settle();
        }
        return memory.getAsLong();
    }

    /**
     * The part of {@link #usedMemory()} outside the Java heap (Chronicle entries, large values);
     * 0 for the heap keyspace. The rest (collections, expiry indexes) is in the heap, so a
     * process's memory is this plus the heap in use.
     */
    public long offHeapMemory() {
        return offHeap.getAsLong();
    }

    /**
     * Removes expired keys as Redis 7's active expiry does: for each database in turn (resuming
     * where the last cycle stopped), walk the keys with a TTL with a cursor, {@value BaseDatabase#KEYS_PER_LOOP}
     * per loop, and repeat while more than {@value BaseDatabase#ACCEPTABLE_STALE}% of a sample had
     * expired; stop once {@code budgetMicros} of time is used. Off-heap databases also move
     * entries into a grown map in this time.
     *
     * @return the number of keys removed (also counted in {@link #expiredKeys()})
     */
    public long activeExpireCycle(long budgetMicros) {
        long start = System.nanoTime();
        long deadline = start + Math.max(1, budgetMicros) * 1000;
        // Moving entries into a grown map may use a quarter of the time; expiry always gets the rest.
        long backgroundDeadline = start + Math.max(1, budgetMicros) * 250;
        long removed = 0;
        int n = databases.length;
        for (int visited = 0; visited < n; visited++) {
            int i = expireDb;
            expireDb = (expireDb + 1) % n;
            if (!(databases[i] instanceof BaseDatabase)) {
                if (databases[i] instanceof ActiveExpiry) {
                    removed += ((ActiveExpiry) databases[i]).expireSample(budgetMicros / n);
                }
                continue;
            }
            BaseDatabase db = (BaseDatabase) databases[i];
            db.background(backgroundDeadline);
            boolean repeat = db.volatileSize() > 0;
            while (repeat) {
                long[] r = db.expireLoop(hooks.now());
                removed += r[1];
                repeat = r[0] > 0 && r[1] * 100 > r[0] * BaseDatabase.ACCEPTABLE_STALE && db.volatileSize() > 0;
                if (System.nanoTime() >= deadline) {
                    // Resume in this database next time.
                    expireDb = i;
                    return removed;
                }
            }
        }
        return removed;
    }

    /** Frees all memory held by the databases (off-heap maps and large values included). Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closer.run();
        }
    }

    /** Implemented by databases that support the active expiry cycle. */
    public interface ActiveExpiry {
        long expireSample(long budgetMicros);
    }
}
