package dev.podis.benchmarks;

import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.SortedSetValue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;

/**
 * Heap bytes per sorted set member, to compare with Redis's used_memory for the same data.
 *
 * <p>Three shapes, each stored in a heap keyspace as the server stores them:
 * <ul>
 *   <li>one set of {@code members} members "member:N" with score N (skiplist encoding);</li>
 *   <li>the same with random scores in [0, members);</li>
 *   <li>{@code sets} sets of 100 such members each (listpack encoding).</li>
 * </ul>
 * Usage: {@code java -cp ... dev.podis.benchmarks.SortedSetMemory [members] [sets]}
 * (defaults 1000000 and 10000). {@code benchmarks/side-by-side/collection_memory.py} runs this
 * next to redis-server loaded with the same data.
 */
public final class SortedSetMemory {
    private SortedSetMemory() {
    }

    public static void main(String[] args) {
        int members = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int sets = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        System.out.printf("JVM %s, max heap %d MB%n", System.getProperty("java.vm.version"),
                Runtime.getRuntime().maxMemory() >> 20);

        try (Keyspace ks = Keyspace.onHeap(1)) {
            Database db = ks.db(0);
            long before = usedHeap();
            SortedSetValue z = SortedSetValue.create(0, 0, 128, 64);
            for (int i = 0; i < members; i++) {
                z.insert(("member:" + i).getBytes(StandardCharsets.US_ASCII), i, 128, 64);
            }
            db.put("big".getBytes(StandardCharsets.US_ASCII), StoredValue.object(ValueType.ZSET, z, StoredValue.NO_EXPIRY));
            long after = usedHeap();
            System.out.printf("%s, %d members in one set: %.1f bytes/member (memoryUsage estimate %.1f)%n",
                    z.encoding(), members, (after - before) / (double) members, z.memoryUsage(0) / (double) members);
            db.clear();
            z = null;

            // The same members with random scores (inserted in random order, as ZADD with random
            // scores fills a set): the tree's nodes are then about two thirds full.
            java.util.Random rnd = new java.util.Random(1);
            before = usedHeap();
            z = SortedSetValue.create(0, 0, 128, 64);
            for (int i = 0; i < members; i++) {
                z.insert(("member:" + i).getBytes(StandardCharsets.US_ASCII), rnd.nextInt(members), 128, 64);
            }
            db.put("big".getBytes(StandardCharsets.US_ASCII), StoredValue.object(ValueType.ZSET, z, StoredValue.NO_EXPIRY));
            after = usedHeap();
            System.out.printf("%s, %d members in one set, random scores: %.1f bytes/member (memoryUsage estimate %.1f)%n",
                    z.encoding(), members, (after - before) / (double) members, z.memoryUsage(0) / (double) members);
            db.clear();
            z = null;

            before = usedHeap();
            String encoding = "";
            for (int k = 0; k < sets; k++) {
                SortedSetValue s = SortedSetValue.create(100, 10, 128, 64);
                for (int i = 0; i < 100; i++) {
                    s.insert(("member:" + i).getBytes(StandardCharsets.US_ASCII), i, 128, 64);
                }
                encoding = s.encoding();
                db.put(("z" + k).getBytes(StandardCharsets.US_ASCII), StoredValue.object(ValueType.ZSET, s, StoredValue.NO_EXPIRY));
            }
            after = usedHeap();
            System.out.printf("%s, %d sets of 100 members (keys included): %.1f bytes/member%n", encoding, sets,
                    (after - before) / (double) (sets * 100L));
            if (db.size() != sets) {
                throw new IllegalStateException("lost keys");
            }
        }
    }

    private static long usedHeap() {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(used, mx.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
