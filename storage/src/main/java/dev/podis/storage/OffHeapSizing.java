package dev.podis.storage;

import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * How big the Chronicle Maps of an off-heap keyspace are, derived from a memory budget
 * ({@code maxmemory}, else the cgroup or physical memory) — never a fixed count.
 *
 * <p>Measured on Chronicle Map 2026.1 (16-byte keys, ~100-byte values, this machine): a map's
 * {@code entries} costs address space, not resident memory, until used (a 100 M-entry map costs a
 * few MB of RSS when created); but as keys spread over all segments every segment's hash lookup
 * gets touched, so a map sized for 150 M entries cost ~1.7 KB of RSS per key for its first million
 * keys, against ~150 bytes for a map sized near its content. Extra segment tiers
 * ({@code maxBloatFactor}) let a map grow in place, but every lookup walks a segment's tiers in
 * turn, so deep tier chains make it slow (a 2 K-entry map grown to 150 K keys: ~40 µs per put).
 *
 * <p>Hence: a database's first map has {@link #initialEntries()} ({@value #INITIAL} unless the
 * options say otherwise), each map may grow by tiers to
 * {@value #MAX_BLOAT} times that, and when it is full a map {@value #GROWTH} times bigger replaces
 * it, filled incrementally ({@link OffHeapDatabase#migrateStep}). A full map is replaced only
 * while the memory in use is below the budget; at the budget the write is refused with
 * {@link KeyspaceFullException}.
 *
 * <p>A map reserves its memory for its configured entries up front ({@code offHeapMemoryUsed()}:
 * about {@code 1.2 * (key + value) + 15} bytes per entry, 155 for 16-byte keys and 100-byte
 * values), and under churn (keys deleted or evicted, others inserted) all of it becomes resident,
 * however few keys it holds. So a replacing map is sized for the average entry seen so far and
 * never reserves more than the budget ({@link #nextEntries}), and the keyspace accounts each key
 * at least at its map's reservation per entry divided by {@link #TARGET_FILL} (see
 * {@code OffHeapDatabase.offHeapBytes}): at the budget a map is 70% full and all its reservation
 * may be resident.
 */
final class OffHeapSizing {
    /**
     * The share of a map's configured entries that keys may fill before the accounting counts it
     * as full: under churn (keys deleted or evicted, others inserted) a map filled further starts
     * allocating extra segment tiers, in bulks of tens of MB that are never given back (measured:
     * none at 70%, 26 MB bulks at 86% with 200-byte values).
     */
    static final double TARGET_FILL = 0.7;

    /** A map's reservation per configured entry for entries of {@code avgEntry} bytes (key + record), measured. */
    static long reservedPerEntry(long avgEntry) {
        return avgEntry * 6 / 5 + 15;
    }
    /**
     * Entries of a database's first map. Small: a map costs in proportion to its segments to make
     * (zeroing each one's hash lookup), to clear and to keep resident, while a small dataset, the
     * usual one of a test suite that flushes between tests, needs few; bigger datasets grow into
     * maps twice as big in turn, as Redis's dict does. Measured: with 100 K keys a 1 M-entry map
     * made a GET ~20% slower than a 256 K-entry one (more cache and TLB misses per lookup,
     * KeyspaceBenchmark), and with back-to-back FLUSHALLs a first map of 16 K entries instead of
     * 256 K took the 90th percentile of the SET after each from 2.0-4.3 ms to 0.8-1.2 ms.
     */
    static final long INITIAL = 16 * 1024;
    static final double MAX_BLOAT = 2.0;
    /**
     * A replacing map is twice as big, as Redis's dict doubles: a map's hash lookup is resident
     * wherever keys landed, and under churn its whole reservation becomes resident, so a map far
     * bigger than its keys costs memory per key (1 M keys of 16 + 100 bytes, RSS of the map alone:
     * 151 bytes per key in a 2 M-entry map, 175 in a 4 M-entry one). Each key moves about once
     * more than with four-fold growth, but {@code OffHeapDatabase.MIGRATE_PER_WRITE} entries per
     * write move them cheaply enough that 1 M fresh keys went in no slower than before (in-process,
     * 1.3-1.5 s against 1.3-2.2 s with four-fold growth and 32 entries per write).
     */
    static final long GROWTH = 2;
    /** Resident bytes of one segment's header, hash lookup and free list once keys are spread over it (measured). */
    static final long SEGMENT_BYTES = 28 * 1024;

    /**
     * Resident memory of a map beyond its entries: each segment's hash lookup pages are touched as
     * keys land in them (random positions), so a segment with k keys has about
     * {@code 1 - e^(-k/3)} of its {@link #SEGMENT_BYTES} resident. Calibrated on this machine: a
     * 512-segment map holding 10 K keys uses ~15 MB of RSS, holding 1 M keys ~140-158 bytes per key.
     */
    static long mapOverhead(int segments, long keys) {
        double perSegment = (double) keys / Math.max(1, segments);
        return 64 * 1024 + (long) (segments * SEGMENT_BYTES * (1 - Math.exp(-perSegment / 3)));
    }
    static final int AVERAGE_KEY = 16;
    static final int AVERAGE_RECORD = 100;

    private volatile long budgetBytes;
    /** The ratio of actual to modelled reservations, measured on the first map (1.0 until then). */
    private double reservationScale = 1.0;
    private final long initialEntries;
    private LongSupplier used = () -> 0;

    OffHeapSizing(long budgetBytes, long initialEntriesOverride) {
        this.budgetBytes = budgetBytes;
        this.initialEntries = initialEntriesOverride > 0 ? initialEntriesOverride : INITIAL;
    }

    void usedMemory(LongSupplier used) {
        this.used = used;
    }

    long budgetBytes() {
        return budgetBytes;
    }

    /** A new budget (CONFIG SET maxmemory); map sizes already chosen stay. */
    void budgetBytes(long bytes) {
        this.budgetBytes = bytes;
    }

    long initialEntries() {
        return initialEntries;
    }

    boolean atBudget() {
        return used.getAsLong() >= budgetBytes;
    }

    /**
     * Entries of the map that replaces a full one of {@code previous} entries holding {@code count}
     * keys of {@code avgEntry} bytes on average (key and record): {@value #GROWTH} times bigger,
     * but reserving no more than the budget; more than the keys present in any case.
     */
    long nextEntries(long previous, long count, long avgEntry) {
        long target = previous * GROWTH;
        long cap = Math.max(INITIAL, (long) (budgetBytes / (reservedPerEntry(avgEntry) * reservationScale)));
        long next = Math.min(target, cap);
        return next > count + count / 8 ? next : Math.max(previous + previous / 2, count * 2);
    }

    private static boolean warm;

    /**
     * Creates and closes a tiny map once per JVM: Chronicle Map's first map loads and initialises
     * its classes (about 0.25 s here), which belongs in start-up, not in the first write a client
     * sends. The one class Chronicle would compile with javac for it (1.5 s or more) is shipped
     * precompiled (net.openhft.chronicle.hash.VanillaGlobalMutableState$$Native), and Chronicle's
     * POSIX binding is replaced by its no-op one before it loads (nothing in-memory uses it).
     */
    static synchronized void warmUp() {
        if (!warm) {
            // Chronicle's start-up loads its POSIX binding (JNR, which generates native stubs: about
            // a tenth of the JVM's start-up work) only to have it ready; maps without a file never
            // call it (it serves msync, fallocate and madvise of mapped files).
            net.openhft.posix.PosixAPI.useNoOpPosixApi();
            ChronicleMapBuilder.of(byte[].class, byte[].class).entries(64).averageKeySize(AVERAGE_KEY)
                    .averageValueSize(AVERAGE_RECORD).create().close();
            warm = true;
        }
    }

    /**
     * Makes and closes maps off the command thread. Creating a database's first map costs about a
     * millisecond (Chronicle zeroes every segment's hash lookup and free list, and looks for its
     * analytics each time), and closing a big one unmaps all its memory; a test suite that flushes
     * between tests paid both on every FLUSHALL and the write after it. One daemon thread for the
     * JVM: the work is rare and short.
     */
    private static final ExecutorService MAP_WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "podis-map-worker");
        t.setDaemon(true);
        return t;
    });

    /** The fill at which a map's replacement is made ahead ({@link #prepareGrowth}). */
    static final double PREPARE_FILL = 0.6;
    /** A map made ahead that no database took within this long is closed (its database stopped growing). */
    static final long PREPARED_TTL_NANOS = 30_000_000_000L;

    /** A bigger map made ahead for a database about to grow. */
    private record Prepared(long entries, long record, long madeAt, ChronicleMap<byte[], byte[]> map) {
    }

    private final AtomicReference<Prepared> growth = new AtomicReference<>();

    /** A first map made ahead (see {@link #MAP_WORKER}), taken by the next database that needs one. */
    private final AtomicReference<ChronicleMap<byte[], byte[]>> spare = new AtomicReference<>();
    private volatile boolean closed;

    /** Has a spare first map made in the background, unless one is ready. */
    void prepareSpare() {
        MAP_WORKER.execute(() -> {
            if (closed || spare.get() != null) {
                return;
            }
            ChronicleMap<byte[], byte[]> m = createMap(initialEntries, AVERAGE_KEY + AVERAGE_RECORD);
            if (!spare.compareAndSet(null, m) || closed) {
                spare.compareAndSet(m, null);
                m.close();
            }
        });
    }

    /**
     * Has a map of {@code entries} for entries of {@code avgEntry} bytes made in the background,
     * for a database whose map will soon be full ({@link #takeGrowth}).
     */
    void prepareGrowth(long entries, long avgEntry) {
        MAP_WORKER.execute(() -> {
            Prepared ready = growth.get();
            if (closed || (ready != null && ready.entries == entries)) {
                return;
            }
            Prepared made = new Prepared(entries, record(avgEntry), System.nanoTime(), createMap(entries, avgEntry));
            Prepared replaced = growth.getAndSet(made);
            if (replaced != null) {
                replaced.map.close();
            }
            if (closed && growth.compareAndSet(made, null)) {
                made.map.close();
            }
        });
    }

    /**
     * The map made ahead for {@code entries} entries, if there is one made for records of about
     * this size (within a quarter: Chronicle sizes its entry space by them); null otherwise.
     */
    ChronicleMap<byte[], byte[]> takeGrowth(long entries, long avgEntry) {
        Prepared p = growth.get();
        long record = record(avgEntry);
        if (p == null || p.entries != entries || record > p.record * 5 / 4 || record < p.record * 3 / 4
                || !growth.compareAndSet(p, null)) {
            return null;
        }
        return scaled(p.map, entries, AVERAGE_KEY + p.record);
    }

    /** Closes a map made ahead that nobody took for {@link #PREPARED_TTL_NANOS}. */
    void dropStaleGrowth() {
        Prepared p = growth.get();
        if (p != null && System.nanoTime() - p.madeAt > PREPARED_TTL_NANOS && growth.compareAndSet(p, null)) {
            retire(p.map);
        }
    }

    /** For tests: the growth map ready now, if any. */
    ChronicleMap<byte[], byte[]> preparedGrowth() {
        Prepared p = growth.get();
        return p == null ? null : p.map;
    }

    /** For tests: the spare ready now, if any. */
    ChronicleMap<byte[], byte[]> spare() {
        return spare.get();
    }

    /** Closes a map nothing uses any more, off the command thread. */
    static void retire(ChronicleMap<byte[], byte[]> map) {
        MAP_WORKER.execute(map::close);
    }

    /** The keyspace is closing: no more spares; the one made is closed. */
    void close() {
        closed = true;
        ChronicleMap<byte[], byte[]> m = spare.getAndSet(null);
        if (m != null) {
            retire(m);
        }
        Prepared p = growth.getAndSet(null);
        if (p != null) {
            retire(p.map);
        }
    }

    /** A database's first map: the spare made ahead when there is one (then the next is prepared). */
    ChronicleMap<byte[], byte[]> newMap(long entries) {
        if (entries == initialEntries) {
            ChronicleMap<byte[], byte[]> m = spare.getAndSet(null);
            if (m != null) {
                prepareSpare();
                return scaled(m, entries, AVERAGE_KEY + AVERAGE_RECORD);
            }
            prepareSpare();
        }
        return newMap(entries, AVERAGE_KEY + AVERAGE_RECORD);
    }

    /** A map for {@code entries} entries of {@code avgEntry} bytes on average (key and record). */
    ChronicleMap<byte[], byte[]> newMap(long entries, long avgEntry) {
        return scaled(createMap(entries, avgEntry), entries, avgEntry);
    }

    private static long record(long avgEntry) {
        return Math.max(8, avgEntry - AVERAGE_KEY);
    }

    private static ChronicleMap<byte[], byte[]> createMap(long entries, long avgEntry) {
        return ChronicleMapBuilder.of(byte[].class, byte[].class)
                .name("podis-keyspace")
                .entries(entries)
                .averageKeySize(AVERAGE_KEY)
                .averageValueSize(record(avgEntry))
                .maxBloatFactor(MAX_BLOAT)
                .create();
    }

    /** Notes the actual reservation of a map made for {@code entries} of {@code avgEntry} bytes. */
    private ChronicleMap<byte[], byte[]> scaled(ChronicleMap<byte[], byte[]> m, long entries, long avgEntry) {
        reservationScale = Math.max(1.0,
                (double) m.offHeapMemoryUsed() / entries / reservedPerEntry(AVERAGE_KEY + record(avgEntry)));
        return m;
    }
}
