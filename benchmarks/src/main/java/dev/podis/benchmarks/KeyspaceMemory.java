package dev.podis.benchmarks;

import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceOptions;
import dev.podis.storage.StoredValue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory per key and single-thread get/put rates of the keyspace.
 *
 * <p>Run with a small, pre-touched heap so that RSS growth is the keyspace's own memory:
 * <pre>
 * java $(chronicle flags) -Xms64m -Xmx64m -XX:+AlwaysPreTouch -cp ... dev.podis.benchmarks.KeyspaceMemory [keys] [offheap|heap]
 * </pre>
 * Rates are per second of this thread's CPU time. Keys are 16 bytes ({@code key:000000000001}), values 100 bytes; the budget is the machine's
 * memory (maxmemory 0), as a server started without maxmemory would have.
 */
public final class KeyspaceMemory {
    private KeyspaceMemory() {
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * CPU time of this thread in ns: rates are computed from it rather than wall time, since
     * the machines this runs on are often shared and wall time then measures the neighbours.
     */
    static long cpu() {
        return THREADS.getCurrentThreadCpuTime();
    }

    static long rss() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    static byte[] key(long i) {
        byte[] k = "key:000000000000".getBytes();
        for (int j = 15; j >= 4; j--) {
            k[j] = (byte) ('0' + i % 10);
            i /= 10;
        }
        return k;
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        KeyspaceOptions.Backend backend = args.length > 1 ? KeyspaceOptions.Backend.of(args[1]) : KeyspaceOptions.Backend.OFFHEAP;
        // Warm up once (Chronicle compiles classes for its first map) so that it does not count.
        try (Keyspace warm = Keyspace.create(new KeyspaceOptions().databases(1).backend(backend))) {
            for (int i = 0; i < 100_000; i++) {
                warm.db(0).put(key(i), StoredValue.string(new byte[100]));
                warm.db(0).get(key(i));
            }
        }
        System.gc();
        Thread.sleep(200);
        long rss0 = rss();
        try (Keyspace ks = Keyspace.create(new KeyspaceOptions().databases(16).backend(backend))) {
            Database db = ks.db(0);
            byte[] value = new byte[100];
            long t0 = cpu();
            for (int i = 0; i < n; i++) {
                db.put(key(i), StoredValue.string(value));
            }
            long t1 = cpu();
            System.gc();
            Thread.sleep(200);
            long rss1 = rss();
            System.out.printf("backend=%s keys=%d budget=%d MB%n", ks.backend(), n, ks.budget() >> 20);
            System.out.printf("RSS growth %.1f MB = %.1f bytes/key; usedMemory %.1f bytes/key%n",
                    (rss1 - rss0) / 1048576.0, (double) (rss1 - rss0) / n, (double) ks.usedMemory() / n);
            System.out.printf("put (insert) %.2f M/s%n", n / ((t1 - t0) / 1e9) / 1e6);
            for (int round = 0; round < 3; round++) {
                long g0 = cpu();
                long hits = 0;
                for (int i = 0; i < n; i++) {
                    if (db.get(key((i * 7919L) % n)) != null) {
                        hits++;
                    }
                }
                long g1 = cpu();
                for (int i = 0; i < n; i++) {
                    db.put(key((i * 7919L) % n), StoredValue.string(value));
                }
                long g2 = cpu();
                System.out.printf("round %d: get %.2f M/s (%d hits), put (overwrite) %.2f M/s%n", round,
                        n / ((g1 - g0) / 1e9) / 1e6, hits, n / ((g2 - g1) / 1e9) / 1e6);
            }
        }
        System.gc();
        Thread.sleep(200);
        System.out.printf("RSS after close: %+.1f MB from start%n", (rss() - rss0) / 1048576.0);
        if (backend != KeyspaceOptions.Backend.HEAP) {
            rawChronicle(n);
        }
    }

    /** The same work on a bare Chronicle Map sized for the keys, as a yardstick for this machine's load. */
    static void rawChronicle(int n) {
        try (net.openhft.chronicle.map.ChronicleMap<byte[], byte[]> m = net.openhft.chronicle.map.ChronicleMapBuilder
                .of(byte[].class, byte[].class).entries(n).averageKeySize(16).averageValueSize(104).create()) {
            byte[] value = new byte[104];
            long t0 = cpu();
            for (int i = 0; i < n; i++) {
                m.put(key(i), value);
            }
            long t1 = cpu();
            byte[] using = new byte[104];
            long hits = 0;
            for (int i = 0; i < n; i++) {
                if (m.getUsing(key((i * 7919L) % n), using) != null) {
                    hits++;
                }
            }
            long t2 = cpu();
            System.out.printf("bare Chronicle Map (sized for %d): put %.2f M/s, get %.2f M/s (%d hits)%n", n,
                    n / ((t1 - t0) / 1e9) / 1e6, n / ((t2 - t1) / 1e9) / 1e6, hits);
        }
    }
}
