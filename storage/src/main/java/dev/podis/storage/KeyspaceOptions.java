package dev.podis.storage;

import java.util.function.LongSupplier;

/** How to build a {@link Keyspace}: see {@link Keyspace#create(KeyspaceOptions)}. */
public final class KeyspaceOptions {
    /** Where the keys live. */
    public enum Backend {
        /** Off-heap when {@link Keyspace#offHeapAvailable()}, else on the heap. */
        AUTO,
        /** Chronicle Map off-heap; needs the JVM flags listed in {@link Keyspace#REQUIRED_JVM_FLAGS}. */
        OFFHEAP,
        /** Java heap; no flags needed. */
        HEAP;

        /** By config value {@code auto|offheap|heap} (case-insensitive). */
        public static Backend of(String s) {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        }
    }

    int databases = 16;
    Backend backend = Backend.AUTO;
    long maxmemory;
    long initialEntries;
    /** The default clock: the system's time in milliseconds. */
    static final LongSupplier SYSTEM_CLOCK = System::currentTimeMillis;
    LongSupplier clock = SYSTEM_CLOCK;

    public KeyspaceOptions databases(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("databases must be >= 1");
        }
        this.databases = n;
        return this;
    }

    public KeyspaceOptions backend(Backend b) {
        this.backend = b;
        return this;
    }

    /** The memory budget in bytes; 0 (default) means the container's or machine's memory. */
    public KeyspaceOptions maxmemory(long bytes) {
        this.maxmemory = Math.max(0, bytes);
        return this;
    }

    /** Entries each off-heap map starts with; 0 (default) derives it from the budget. For tests. */
    public KeyspaceOptions initialEntries(long n) {
        this.initialEntries = n;
        return this;
    }

    /** Unix time in milliseconds (tests and DEBUG may substitute their own). */
    public KeyspaceOptions clock(LongSupplier clock) {
        this.clock = clock;
        return this;
    }
}
