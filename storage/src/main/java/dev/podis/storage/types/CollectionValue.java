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
}
