package dev.podis.benchmarks;

import dev.podis.protocol.RespWriter;
import dev.podis.server.commands.ListCommands;
import dev.podis.storage.types.ListValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The list work of redis-benchmark's {@code lpush} and {@code lrange_100} tests ({@code -d 100},
 * one key {@code mylist}): LPUSH of a 100-byte element onto a list that grows to 500 K elements
 * (then starts again, as the side-by-side run deletes the key before each run), and
 * LRANGE mylist 0 99 written as a reply into a fresh pooled buffer of the size a connection
 * starts a batch with (what a reply costs at {@code -P 1}); a heap one, since the JMH thread has
 * no pool cache for direct buffers. Compare allocation ({@code -prof gc}) more than times.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ListCommandBenchmark {
    private static final int FILL = -2;
    private static final int GROW_TO = 500_000;
    /** The first reply buffer of a batch (Client.REPLY_BUFFER). */
    private static final int REPLY_BUFFER = 2048;

    private final byte[] element = new byte[100];
    private ListValue growing;
    private ListValue hundredPlus;
    private RespWriter writer;

    @Setup(Level.Trial)
    public void setUp() {
        Arrays.fill(element, (byte) 'x');
        growing = new ListValue();
        hundredPlus = new ListValue();
        for (int i = 0; i < 10_000; i++) {
            hundredPlus.convertForAppend(FILL, element);
            hundredPlus.push(element, true, FILL);
        }
        writer = new RespWriter(null, null);
    }

    /** LPUSH mylist <100 bytes> as ListCommands runs it. */
    @Benchmark
    public long lpush() {
        ListValue l = growing;
        if (l.size() >= GROW_TO) {
            l = growing = new ListValue();
        }
        l.convertForAppend(FILL, element);
        l.push(element, true, FILL);
        return l.size();
    }

    /** LRANGE's reply written the plain way: three writes per element into a buffer that doubles. */
    @Benchmark
    public int lrange100PerElement() {
        ByteBuf out = PooledByteBufAllocator.DEFAULT.heapBuffer(REPLY_BUFFER);
        writer.target(out);
        writer.arrayHeader(100);
        int[] left = {100};
        hundredPlus.visit(0, true, (buf, off, len) -> {
            writer.bulk(buf, off, len);
            return --left[0] > 0;
        });
        int n = out.writerIndex();
        out.release();
        return n;
    }

    /** LRANGE mylist 0 99: the reply written into a fresh connection buffer, which is then released. */
    @Benchmark
    public int lrange100() {
        ByteBuf out = PooledByteBufAllocator.DEFAULT.heapBuffer(REPLY_BUFFER);
        writer.target(out);
        ListCommands.writeRange(writer, hundredPlus, 0, 100);
        int n = out.writerIndex();
        out.release();
        return n;
    }
}
