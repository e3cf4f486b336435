package dev.podis.storage;

import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

import java.util.function.LongSupplier;

/**
 * How big the Chronicle Maps of an off-heap keyspace are, derived from a memory budget
 * ({@code maxmemory}, else the cgroup or physical memory) — never a fixed count.
 *
 * <p>Measured on Chronicle Map 2026.1 (16-byte keys, ~100-byte values): a map's {@code entries}
 * costs address space, not resident memory, until used; but the hash lookups of all segments
 * are touched as soon as keys spread over them, so a map sized for 150 M entries costs ~1.7 KB of
 * RSS per key for the first million keys, against ~150 bytes for a map sized near its content.
 * Hence: maps start at {@link #initialEntries} (between {@value #MIN_INITIAL} and
 * {@value #MAX_INITIAL} entries, 1/32 of the budget's entry count) and grow by extra segment tiers,
 * allowed up to twice the budget's entry count ({@link #maxBloatFactor}); tiers are allocated only
 * when a segment fills, so an empty or small keyspace stays small however large the budget.
 */
final class OffHeapSizing {
    /** Bytes per entry assumed when converting a budget into an entry count (16-byte key, ~100-byte value). */
    static final long BYTES_PER_ENTRY = 160;
    static final long MIN_INITIAL = 16 * 1024;
    static final long MAX_INITIAL = 1 << 20;
    /** Fixed cost counted per map (segment headers and first pages touched). */
    static final long MAP_FIXED_BYTES = 64 * 1024;
    static final int AVERAGE_KEY = 16;
    static final int AVERAGE_RECORD = 100;

    private final long budgetBytes;
    private final long initialEntries;
    private final double maxBloatFactor;
    private LongSupplier used = () -> 0;

    OffHeapSizing(long budgetBytes, long initialEntriesOverride) {
        this.budgetBytes = budgetBytes;
        long budgetEntries = Math.max(1, budgetBytes / BYTES_PER_ENTRY);
        this.initialEntries = initialEntriesOverride > 0 ? initialEntriesOverride
                : Math.max(MIN_INITIAL, Math.min(MAX_INITIAL, budgetEntries / 32));
        this.maxBloatFactor = Math.max(1.0, Math.min(1000.0, Math.ceil(2.0 * budgetEntries / initialEntries)));
    }

    void usedMemory(LongSupplier used) {
        this.used = used;
    }

    long budgetBytes() {
        return budgetBytes;
    }

    long initialEntries() {
        return initialEntries;
    }

    double maxBloatFactor() {
        return maxBloatFactor;
    }

    boolean atBudget() {
        return used.getAsLong() >= budgetBytes;
    }

    ChronicleMap<byte[], byte[]> newMap() {
        ChronicleMapBuilder<byte[], byte[]> b = ChronicleMapBuilder.of(byte[].class, byte[].class)
                .name("podis-keyspace")
                .entries(initialEntries)
                .averageKeySize(AVERAGE_KEY)
                .averageValueSize(AVERAGE_RECORD);
        if (maxBloatFactor > 1.0) {
            b.maxBloatFactor(maxBloatFactor);
        }
        return b.create();
    }
}
