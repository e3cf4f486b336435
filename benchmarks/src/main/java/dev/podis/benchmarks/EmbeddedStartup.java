package dev.podis.benchmarks;

import dev.podis.Podis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Start-up time and idle heap of an embedded Podis (not a JMH benchmark: the first start of a
 * fresh JVM is the point). Measures, with no JVM flags needed:
 * <ol>
 *   <li>the first {@code Podis.builder()...start()} of this JVM to the first PONG over TCP, and the
 *       process CPU time it took (less dependent on a busy machine than the wall-clock time);</li>
 *   <li>the same in a warm JVM, {@code rounds} times (default 50): median, 95th percentile, max;</li>
 *   <li>the heap an idle server adds: used heap after full GCs with the server started (one PING
 *       answered, connection closed) minus before, median of 10.</li>
 * </ol>
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.podis.benchmarks.EmbeddedStartup [rounds]}
 */
public final class EmbeddedStartup {
    private static final byte[] PING = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);

    private EmbeddedStartup() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 50;

        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Podis first = Podis.builder().build().start();
        long started = System.nanoTime() - t0;
        ping(first.port());
        long firstNanos = System.nanoTime() - t0;
        long cpu = os.getProcessCpuTime() - cpu0;
        first.close();
        System.out.printf("first start to PONG (fresh JVM): %.1f ms (start() %.1f ms, then the first connection and PING %.1f ms);"
                + " process CPU time meanwhile %.1f ms (all threads, JIT and GC included)%n",
                firstNanos / 1e6, started / 1e6, (firstNanos - started) / 1e6, cpu / 1e6);

        for (int i = 0; i < 20; i++) { // warm-up
            try (Podis p = Podis.builder().build().start()) {
                ping(p.port());
            }
        }
        long[] warm = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long s = System.nanoTime();
            Podis p = Podis.builder().build().start();
            ping(p.port());
            warm[i] = System.nanoTime() - s;
            p.close();
        }
        Arrays.sort(warm);
        System.out.printf("warm start to PONG (%d starts): median %.2f ms, p95 %.2f ms, max %.2f ms%n", rounds,
                warm[rounds / 2] / 1e6, warm[(int) Math.min(rounds - 1, Math.ceil(rounds * 0.95) - 1)] / 1e6,
                warm[rounds - 1] / 1e6);

        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long[] added = new long[10];
        for (int i = 0; i < added.length; i++) {
            long before = usedAfterGc(mem);
            Podis p = Podis.builder().build().start();
            ping(p.port());
            long after = usedAfterGc(mem);
            added[i] = after - before;
            p.close();
        }
        Arrays.sort(added);
        System.out.printf("heap added by an idle server: median %.2f MB, max %.2f MB (of %d samples)%n",
                added[added.length / 2] / 1048576.0, added[added.length - 1] / 1048576.0, added.length);
    }

    private static long usedAfterGc(MemoryMXBean mem) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    private static void ping(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            out.write(PING);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] reply = new byte[7];
            int n = 0;
            while (n < reply.length) {
                int r = in.read(reply, n, reply.length - n);
                if (r < 0) {
                    throw new IOException("connection closed after " + n + " bytes");
                }
                n += r;
            }
            String text = new String(reply, StandardCharsets.US_ASCII);
            if (!text.equals("+PONG\r\n")) {
                throw new IOException("unexpected reply " + text);
            }
        }
    }
}
