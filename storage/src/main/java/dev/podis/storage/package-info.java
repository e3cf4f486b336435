/**
 * The keyspace: databases, stored values, expiry and memory accounting. No sockets, no wire format.
 *
 * <h2>Two implementations, one behaviour</h2>
 * {@link dev.podis.storage.Keyspace#create} builds either
 * <ul>
 *   <li><b>off-heap</b> ({@code OffHeapDatabase}): keys and {@code Record}s in Chronicle Map, string
 *       values over 8 KB in a native large-value store (up to 512 MB), collections as heap objects
 *       found through a heap index of the collection keys that is read before Chronicle (a
 *       collection command then skips the Chronicle query, 0.5-0.8 µs, a fifth to a third of its
 *       time; the record, type and expiry only, stays in the map for SCAN, RANDOMKEY, snapshots
 *       and map growth). GET's value goes to the reply through {@link dev.podis.storage.Database#readString}
 *       from a reused buffer, without a heap copy. Needs the JVM flags of
 *       {@link dev.podis.storage.Keyspace#REQUIRED_JVM_FLAGS} and a full JDK
 *       ({@link dev.podis.storage.Keyspace#offHeapAvailable()} tells);</li>
 *   <li><b>heap</b> ({@code HeapDatabase}): a SCAN-safe hash table of {@link dev.podis.storage.StoredValue}s,
 *       for JVMs without those flags.</li>
 * </ul>
 * Both keep an expiry index of their own (a heap {@code KeyTable} of the keys with a TTL), expire
 * lazily on every access and actively in {@link dev.podis.storage.Keyspace#activeExpireCycle} as
 * Redis 7 does, and pass the same contract tests.
 *
 * <h2>Capacity and memory (measured on this project's 2-core build machine, Chronicle Map 2026.1)</h2>
 * <ul>
 *   <li>A Chronicle Map's {@code entries} reserves address space, not RSS; but once keys spread over
 *       all segments the hash lookups are touched, so a map sized far beyond its content costs far more
 *       RSS per key (150 M entries: ~1.7 KB/key for the first million keys). Maps therefore start near
 *       1/64 of the budget's entry count (16 K to 256 K entries) and are replaced by a map 4 times bigger
 *       when full, entries moving over step by step (see {@code OffHeapSizing}).</li>
 *   <li>1 M keys of 16 bytes with 100-byte values: ~140–158 bytes of RSS per key (10 K keys in a
 *       512-segment map: ~14 MB, the segments' hash lookups);
 *       {@link dev.podis.storage.Keyspace#usedMemory()} counts each key at its share of its map's
 *       reservation at 70% fill (about 220 bytes per key: under churn all of a map becomes resident,
 *       and fuller maps allocate segment tiers that are never given back; see {@code OffHeapSizing}),
 *       or the segments' resident hash lookups when few keys are spread over many.</li>
 *   <li>The budget is {@code maxmemory}, else the cgroup limit, else physical memory
 *       ({@link dev.podis.storage.MemoryBudget}). Only at the budget is a write refused, with
 *       {@link dev.podis.storage.KeyspaceFullException}.</li>
 * </ul>
 *
 * <h2>Eviction</h2>
 * {@link dev.podis.storage.Eviction} applies the maxmemory policies by sampling, as Redis's
 * evict.c; every key's record carries the 24-bit LRU clock or LFU data ({@code Lfu}).
 * Collections are measured again after the commands that change them
 * ({@link dev.podis.storage.Keyspace#collectionWritten}).
 *
 * <h2>Threading</h2>
 * One thread at a time (the server's command thread); no locks of our own. Chronicle Map takes its
 * segment locks uncontended.
 */
package dev.podis.storage;
