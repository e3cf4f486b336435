package dev.podis.storage;

import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * All databases of a server, and what spans them: SWAPDB, FLUSHALL, memory accounting and the
 * active expiry cycle. Used by one thread at a time, like {@link Database}.
 */
public final class Keyspace implements AutoCloseable {
    private final Database[] databases;
    private final LongSupplier clock;
    private final Runnable closer;
    private final java.util.function.LongSupplier memory;

    /**
     * @param count   number of databases ({@code databases} config)
     * @param factory creates database {@code i}
     * @param clock   Unix time in milliseconds (tests and DEBUG may substitute their own)
     * @param memory  bytes used by stored data (off-heap plus heap structures)
     * @param closer  frees what the databases hold
     */
    public Keyspace(int count, IntFunction<Database> factory, LongSupplier clock, LongSupplier memory, Runnable closer) {
        this.databases = new Database[count];
        for (int i = 0; i < count; i++) {
            databases[i] = factory.apply(i);
        }
        this.clock = clock;
        this.memory = memory;
        this.closer = closer;
    }

    /** A heap-backed keyspace: no JVM flags, no off-heap memory; for in-process use and tests. */
    public static Keyspace onHeap(int count) {
        LongSupplier clock = System::currentTimeMillis;
        HeapDatabase[] dbs = new HeapDatabase[count];
        return new Keyspace(count, i -> dbs[i] = new HeapDatabase(i, clock), clock, () -> {
            long total = 0;
            for (HeapDatabase db : dbs) {
                total += db.estimatedBytes();
            }
            return total;
        }, () -> { });
    }

    public int count() {
        return databases.length;
    }

    public Database db(int index) {
        return databases[index];
    }

    public long now() {
        return clock.getAsLong();
    }

    /** SWAPDB: clients of either database see the other's data from now on. */
    public void swap(int a, int b) {
        Database t = databases[a];
        databases[a] = databases[b];
        databases[b] = t;
    }

    public void flushAll() {
        for (Database db : databases) {
            db.clear();
        }
    }

    /** Bytes held for stored data, as INFO used_memory reports it. */
    public long usedMemory() {
        return memory.getAsLong();
    }

    /**
     * Removes expired keys by sampling, as Redis's active expiry does, spending at most
     * {@code budgetMicros} of CPU time.
     *
     * @return the number of keys removed
     */
    public long activeExpireCycle(long budgetMicros) {
        long removed = 0;
        for (Database db : databases) {
            if (db instanceof ActiveExpiry) {
                removed += ((ActiveExpiry) db).expireSample(budgetMicros / databases.length);
            }
        }
        return removed;
    }

    @Override
    public void close() {
        closer.run();
    }

    /** Implemented by databases that support the active expiry cycle. */
    public interface ActiveExpiry {
        long expireSample(long budgetMicros);
    }
}
