package dev.podis.benchmarks;

import dev.podis.storage.types.ListValue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The list payload's end operations on lists of growing size: they should cost the same on a
 * 10-million-element list as on a small one (Redis's quicklist promise), and so should LINDEX
 * and LSET near the ends. Run it with JMH's {@code org.openjdk.jmh.Main ListValueBenchmark} on the
 * module's classpath, or {@link #main} for a quick memory-per-element figure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ListValueBenchmark {
    private static final int FILL = -2;

    @Param({"1000", "10000000"})
    public int size;

    private ListValue list;
    private final byte[] element = "element-value-16".getBytes(StandardCharsets.US_ASCII);

    @Setup(Level.Trial)
    public void fill() {
        list = build(size);
    }

    static ListValue build(int size) {
        ListValue l = new ListValue();
        for (int i = 0; i < size; i++) {
            byte[] e = ("element-" + i).getBytes(StandardCharsets.US_ASCII);
            l.convertForAppend(FILL, e);
            l.push(e, false, FILL);
        }
        return l;
    }

    @Benchmark
    public byte[] lpushThenRpop() {
        list.push(element, true, FILL);
        return list.pop(false);
    }

    @Benchmark
    public byte[] rpushThenLpop() {
        list.push(element, false, FILL);
        return list.pop(true);
    }

    @Benchmark
    public byte[] lindexNearTail() {
        return list.get(list.size() - 3);
    }

    @Benchmark
    public void lsetHead() {
        list.set(1, element, FILL);
    }

    /** Prints the payload's bytes per element for a few sizes. */
    public static void main(String[] args) {
        for (int n : new int[] {100, 100_000, 10_000_000}) {
            ListValue l = build(n);
            System.out.printf("%,d elements (\"element-N\"): %s, %.1f bytes per element, %d nodes%n",
                    n, l.encoding(), (double) l.memoryUsage() / n, l.nodeCount());
        }
    }
}
