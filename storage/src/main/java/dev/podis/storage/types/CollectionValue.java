package dev.podis.storage.types;

/**
 * A collection payload (the object of a list, hash, set or sorted-set {@code StoredValue}): what
 * commands that work on any type need from it, so that they need not know each type.
 */
public interface CollectionValue {
    /** Redis's name for the current encoding, as OBJECT ENCODING reports it ("listpack", "hashtable"...). */
    String encoding();

    /** An independent copy (COPY). */
    CollectionValue copy();

    /** Bytes of memory the payload holds, estimated (MEMORY USAGE). */
    long memoryUsage();

    /**
     * Bytes of memory the payload holds, for the keyspace's accounting ({@code used_memory},
     * {@code maxmemory}): measured again after every command that may change the collection, so
     * it must be cheap (constant time, or a bounded sample). By default {@link #memoryUsage()}.
     */
    default long accountedBytes() {
        return memoryUsage();
    }

    /** Nodes measured one by one by {@link #sampledNodeBytes}; more are sampled. */
    int ACCOUNTING_SAMPLES = 32;

    /**
     * The bytes of {@code count} nodes (a list's quicklist nodes, a stream's listpacks), given
     * each one's by {@code nodeBytes}, in bounded time: exact up to {@link #ACCOUNTING_SAMPLES}
     * nodes, else the nodes at both ends (where pushes, pops, appends and trims happen) and evenly
     * spaced ones in between, scaled to the node count.
     */
    static long sampledNodeBytes(int count, java.util.function.IntToLongFunction nodeBytes) {
        long total = 0;
        if (count <= ACCOUNTING_SAMPLES) {
            for (int i = 0; i < count; i++) {
                total += nodeBytes.applyAsLong(i);
            }
            return total;
        }
        int ends = ACCOUNTING_SAMPLES / 4;
        for (int i = 0; i < ends; i++) {
            total += nodeBytes.applyAsLong(i) + nodeBytes.applyAsLong(count - 1 - i);
        }
        int inner = ACCOUNTING_SAMPLES - 2 * ends;
        long innerNodes = count - 2L * ends;
        long step = innerNodes / inner;
        long innerBytes = 0;
        for (int k = 0; k < inner; k++) {
            innerBytes += nodeBytes.applyAsLong((int) (ends + k * step));
        }
        return total + innerBytes * innerNodes / inner;
    }
}
