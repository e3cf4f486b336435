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
        sizing.prepareSpare(); // database 0's first write takes it
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

    /**
     * The start of an (outermost) command. It answers the clock's time at {@code nanoTime} (a
     * {@link System#nanoTime} the caller just read) to every read of it ({@link #now}, expiry,
     * the LRU/LFU access field) until {@link #endCommand}: the server freezes it for the length of
     * a command, as Redis's commands (and scripts, MULTI/EXEC) see the time they started at. The
     * system clock's time is derived from {@code nanoTime}, so the caller's one clock read serves
     * the whole command. It also forgets the key the previous command read last: requests arrive
     * in argument arrays the parser reuses, so the same array may now name another key, whose
     * write must count as an access of its own. Returns the time.
     */
    public long beginCommand(long nanoTime) {
        long now = hooks.timeAt(nanoTime);
        hooks.frozen = now;
        hooks.lastTouched = null;
        return now;
    }

    /** Lets the clock run again after {@link #beginCommand}. */
    public void endCommand() {
        hooks.frozen = Hooks.NOT_FROZEN;
    }

    /**
     * Stops (true) or restarts expiry: while stopped no key expires, lazily or actively, and
     * {@link #alreadyExpired} answers false. Redis does the same while it loads a dataset: an AOF
     * replays commands against keys as they were when the commands ran, so a key whose time to
     * live ran out since must stay until the replay is over.
     */
    public void pauseExpiry(boolean paused) {
        hooks.expiryPaused = paused;
    }

    public boolean expiryPaused() {
        return hooks.expiryPaused;
    }

    /**
     * {@code activerehashing}: whether the background step (with active expiry) finishes the heap
     * key tables' incremental resizes; when off, only writes move them, as in Redis.
     */
    public void activeRehashing(boolean on) {
        hooks.activeRehashing = on;
    }

    /**
     * Whether an absolute expiry time {@code at} (ms) is already past (Redis's checkAlreadyExpired):
     * commands that set such a time delete the key instead. False while expiry is paused.
     */
    public boolean alreadyExpired(long at) {
        return at <= hooks.expiryNow();
    }

    /** Receives keys removed by expiry (lazily or actively); replaces any previous listener. */
    public void listener(KeyspaceListener listener) {
        hooks.listener = listener == null ? KeyspaceListener.NONE : listener;
    }

    /**
     * Asks for the reports of {@link KeyspaceListener#modified}, {@code clearing} and {@code swapping}
     * (WATCH while a key is watched, a snapshot while it runs, ...). Reports stay on until every
     * caller has called {@link #stopTrackingChanges}; with none, a write costs one field read.
     */
    public void startTrackingChanges() {
        hooks.trackChanges = ++hooks.changeTrackers > 0;
    }

    /** Ends one {@link #startTrackingChanges}. */
    public void stopTrackingChanges() {
        if (hooks.changeTrackers > 0) {
            hooks.changeTrackers--;
        }
        hooks.trackChanges = hooks.changeTrackers > 0;
    }

    /**
     * Changes made to the data since start, as Redis's {@code server.dirty}: save points and
     * {@code rdb_changes_since_last_save} read it, and a command that raised it is a write to
     * propagate (AOF, replicas).
     */
    public long dirty() {
        return hooks.dirty;
    }

    /**
     * A command is about to change the collection at {@code key} in place (collections are not
     * re-put after a change): counts it and reports it like a put.
     */
    public void modifiedInPlace(int db, byte[] key) {
        hooks.dirty++;
        Snapshot s = hooks.snapshot;
        if (s != null && databases[db] instanceof BaseDatabase) {
            ((BaseDatabase) databases[db]).snapshotBeforeInPlace(key, s);
        }
        if (hooks.trackChanges) {
            hooks.listener.modifiedInPlace(db, key);
        }
    }

    /**
     * Starts a point-in-time copy of every database into {@code sink}, made while commands go on
     * (see {@link Snapshot}): drive its walk with {@link Snapshot#runOn} or {@link Snapshot#step}
     * on the command thread; the sink is called on the snapshot's writer thread. One at a time.
     *
     * @throws IllegalStateException if a snapshot is running
     */
    public Snapshot snapshot(KeyspaceSink sink, Snapshot.Options options) {
        Snapshot running = hooks.snapshot;
        if (running != null) {
            if (running.emitting() && running.failure() == null) {
                throw new IllegalStateException("a snapshot is already running");
            }
            running.finishNow(); // a failed or aborted one still restoring its marks
        }
        return new Snapshot(hooks, databases, sink, options == null ? new Snapshot.Options() : options);
    }

    /** The snapshot whose walk is running, or null. */
    public Snapshot runningSnapshot() {
        Snapshot s = hooks.snapshot;
        return s != null && s.emitting() ? s : null;
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
            hooks.collectionWritten((BaseDatabase) databases[db], key, v.object());
        }
    }

    /**
     * A write command's lookup of a collection, without a {@link StoredValue}: as
     * {@link Database#collection(byte[], boolean)} (the payload, {@link Database#STRING_VALUE} or
     * null), and for a collection what {@link #modifiedInPlace} and {@link #collectionWritten}
     * do, since it may change in place. Does not keep {@code key} (a command may pass the
     * parser's reused arrays): it is copied where something keeps it.
     */
    public Object collectionForWrite(int db, byte[] key) {
        Database d = databases[db];
        if (!(d instanceof BaseDatabase)) {
            StoredValue v = d.get(key);
            if (v == null || v.type() == ValueType.STRING) {
                return v == null ? null : Database.STRING_VALUE;
            }
            modifiedInPlace(db, key.clone());
            return v.object();
        }
        Object o = ((BaseDatabase) d).collectionForWrite(key);
        if (o != null && o != Database.STRING_VALUE) {
            if (hooks.snapshot == null && !hooks.trackChanges) {
                hooks.dirty++; // modifiedInPlace with nobody to tell
            } else {
                modifiedInPlace(db, key.clone());
            }
        }
        return o;
    }

    /** The LFU counter in a key's access field ({@link StoredValue#lruOrLfu()}) after the decay due now (OBJECT FREQ). */
    public int lfuCounter(int accessField) {
        return Lfu.counter(accessField, hooks.now(), hooks.lfuDecayTime);
    }

    /** Seconds since the LRU clock in a key's access field (OBJECT IDLETIME). */
    public long idleSeconds(int accessField) {
        return Lfu.idleSeconds(accessField, hooks.now());
    }

    /**
     * Sets the change counter (see {@link #dirty()}) back to {@code value}: loading a dataset
     * (start-up, DEBUG RELOAD) is not a change, as in Redis, though it writes through the databases.
     */
    public void dirty(long value) {
        hooks.dirty = value;
    }

    /**
     * A synchronous copy of the whole keyspace (SAVE, DEBUG DIGEST, DEBUG RELOAD): for each
     * non-empty database in order, {@link KeyspaceSink#database} with its sizes, then every key
     * that is live now exactly once; then {@link KeyspaceSink#end}. Keys that expired but are not
     * removed yet are skipped (and left in place). Nothing may change the keyspace until it
     * returns: run it on the command thread. The sink must not change the keys or values it is
     * given (they may be the stored ones) and must copy what it keeps.
     */
    public void copyTo(KeyspaceSink sink) throws java.io.IOException {
        long now = hooks.now();
        for (int i = 0; i < databases.length; i++) {
            Database d = databases[i];
            if (d.size() == 0) {
                continue;
            }
            sink.database(i, d.size(), d.volatileSize());
            if (d instanceof BaseDatabase) {
                ((BaseDatabase) d).copyEntries(sink, now);
            } else {
                copyByScan(d, sink);
            }
        }
        sink.end();
    }

    /** Databases of other kinds: SCAN (every key at least once; duplicates dropped) and PEEK. */
    private static void copyByScan(Database d, KeyspaceSink sink) throws java.io.IOException {
        java.util.Set<java.nio.ByteBuffer> seen = new java.util.HashSet<>();
        java.util.List<byte[]> batch = new java.util.ArrayList<>();
        long cursor = 0;
        do {
            batch.clear();
            cursor = d.scan(cursor, 1000, batch::add);
            for (byte[] k : batch) {
                if (seen.add(java.nio.ByteBuffer.wrap(k))) {
                    StoredValue v = d.peek(k);
                    if (v != null) {
                        sink.entry(k, v);
                    }
                }
            }
        } while (cursor != 0);
    }

    /** A hint that about {@code keys} keys are about to be loaded into database {@code db} (RDB RESIZEDB). */
    public void expectKeys(int db, long keys) {
        if (databases[db] instanceof BaseDatabase) {
            ((BaseDatabase) databases[db]).expectKeys(keys);
        }
    }

    /** SWAPDB: clients of either database see the other's data from now on. */
    public void swap(int a, int b) {
        hooks.dirty++;
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
        if (hooks.expiryPaused) {
            return 0;
        }
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

    /** For tests: the off-heap map sizing (null for the heap backend). */
    OffHeapSizing sizing() {
        return sizing;
    }

    /** Frees all memory held by the databases (off-heap maps and large values included). Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (hooks.snapshot != null) {
                hooks.snapshot.discard();
            }
            closer.run();
            if (sizing != null) {
                sizing.close();
            }
        }
    }

    /** Implemented by databases that support the active expiry cycle. */
    public interface ActiveExpiry {
        long expireSample(long budgetMicros);
    }
}
