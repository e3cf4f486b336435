package dev.podis.benchmarks;

import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceOptions;
import dev.podis.storage.Snapshot;
import dev.podis.storage.StoredValue;
import dev.podis.storage.rdb.RdbWriter;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * What a fork-less snapshot costs the command thread, without the network: 1 M keys of 16 bytes
 * with 100-byte values of random printable bytes (redis-benchmark's {@code -r 1000000 -d 100})
 * in an off-heap keyspace, written as RDB to a file in the system temporary directory.
 *
 * <ul>
 *   <li>SAVE: {@code Keyspace.copyTo(RdbWriter)} on one thread (encoding and I/O included);</li>
 *   <li>snapshot walk: CPU time of the command thread per key when the walk runs unthrottled
 *       ({@link Snapshot#step} back to back), and the wall time until the writer thread is done;</li>
 *   <li>overwrites: CPU per overwrite with no snapshot, and during a snapshot that has not walked
 *       yet (every first overwrite of a key copies its old value out).</li>
 * </ul>
 * <pre>
 * java $(chronicle flags) -Xmx512m -cp benchmarks/target/benchmarks.jar dev.podis.benchmarks.SnapshotCost [keys]
 * </pre>
 */
public final class SnapshotCost {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private SnapshotCost() {
    }

    static long cpu() {
        return THREADS.getCurrentThreadCpuTime();
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path file = Files.createTempFile("podis-snapshot-cost", ".rdb");
        try (Keyspace ks = Keyspace.create(new KeyspaceOptions().databases(16).backend(KeyspaceOptions.Backend.OFFHEAP))) {
            Database db = ks.db(0);
            ks.expectKeys(0, n);
            // Values as redis-benchmark 7 -d 100 writes them: printable bytes that LZF cannot shrink.
            SplittableRandom values = new SplittableRandom(7);
            byte[] value = new byte[100];
            for (int i = 0; i < value.length; i++) {
                value[i] = (byte) (33 + values.nextInt(90));
            }
            for (int i = 0; i < n; i++) {
                db.put(KeyspaceMemory.key(i), StoredValue.string(value.clone()));
            }
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                long c0 = cpu();
                try (FileChannel ch = open(file)) {
                    ks.copyTo(new RdbWriter(ch, new RdbWriter.Options()));
                }
                long c1 = cpu();
                long t1 = System.nanoTime();

                FileChannel ch = open(file);
                long[] writerCpu = new long[1];
                java.util.concurrent.CountDownLatch writerDone = new java.util.concurrent.CountDownLatch(1);
                // A buffer big enough for the whole file: the walk never waits, so its CPU time is its own.
                Snapshot s = ks.snapshot(new RdbWriter(ch, new RdbWriter.Options()), new Snapshot.Options()
                        .bufferBytes(1L << 30).threads(r -> new Thread(() -> {
                            r.run();
                            writerCpu[0] = cpu();
                            writerDone.countDown();
                        }, "writer")));
                long w0 = cpu();
                long t2 = System.nanoTime();
                while (!s.step(1_000_000)) {
                    Thread.onSpinWait();
                }
                long w1 = cpu();
                s.done().get();
                long t3 = System.nanoTime();
                writerDone.await();
                ch.close();

                SplittableRandom rnd = new SplittableRandom(round);
                long o0 = cpu();
                for (int i = 0; i < n; i++) {
                    db.put(KeyspaceMemory.key(rnd.nextInt(n)), StoredValue.string(value));
                }
                long o1 = cpu();
                ch = open(file);
                Snapshot cow = ks.snapshot(new RdbWriter(ch, new RdbWriter.Options()), null);
                long o2 = cpu();
                for (int i = 0; i < n; i++) {
                    db.put(KeyspaceMemory.key(rnd.nextInt(n)), StoredValue.string(value));
                }
                long o3 = cpu();
                long copied = cow.keysCopiedOnWrite();
                while (!cow.step(1_000_000)) {
                    Thread.onSpinWait();
                }
                cow.done().get();
                ch.close();
                System.out.printf("round %d: SAVE %.0f ms (cpu %.0f ms); snapshot walk cpu %.0f ns/key (%d steps), writer thread cpu %.0f ns/key, done after %.0f ms, "
                                + "peak buffered %.1f MB; overwrite %.0f ns/op, during an unwalked snapshot %.0f ns/op "
                                + "(%d copies, peak buffered %.1f MB); file %.1f MB%n",
                        round, (t1 - t0) / 1e6, (c1 - c0) / 1e6, (double) (w1 - w0) / n, s.steps(), (double) writerCpu[0] / n, (t3 - t2) / 1e6,
                        s.peakBufferedBytes() / 1048576.0, (double) (o1 - o0) / n, (double) (o3 - o2) / n, copied,
                        cow.peakBufferedBytes() / 1048576.0, Files.size(file) / 1048576.0);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.CREATE);
    }
}
