package dev.podis.benchmarks;

import dev.podis.protocol.RespWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The reply writer writing common replies into a pooled direct buffer (as a connection's batch
 * buffer), in RESP2 and RESP3. Each invocation writes one reply into a buffer cleared first.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RespWriterBenchmark {
    @Param({"2", "3"})
    public int protocol;

    private ByteBuf out;
    private RespWriter writer;
    private final byte[] value = "v".repeat(64).getBytes(StandardCharsets.US_ASCII);
    private final byte[][] members = new byte[10][];

    @Setup(Level.Trial)
    public void setUp() {
        out = PooledByteBufAllocator.DEFAULT.directBuffer(4096);
        writer = new RespWriter(out, null);
        writer.protocol(protocol);
        for (int i = 0; i < members.length; i++) {
            members[i] = ("member:" + i).getBytes(StandardCharsets.US_ASCII);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        out.release();
    }

    /** A GET hit: $64 bulk. */
    @Benchmark
    public int bulk64() {
        out.clear();
        writer.bulk(value);
        return out.writerIndex();
    }

    /** An INCR-style reply beyond the shared small integers. */
    @Benchmark
    public int integer() {
        out.clear();
        writer.integer(1_234_567L);
        return out.writerIndex();
    }

    /** +OK (SET). */
    @Benchmark
    public int ok() {
        out.clear();
        writer.ok();
        return out.writerIndex();
    }

    /** An array of ten bulk strings (LRANGE / SMEMBERS style). */
    @Benchmark
    public int array10() {
        out.clear();
        writer.arrayHeader(members.length);
        for (byte[] m : members) {
            writer.bulk(m);
        }
        return out.writerIndex();
    }

    /** A map of five pairs with double values (ZRANGE WITHSCORES style in RESP3). */
    @Benchmark
    public int mapWithDoubles() {
        out.clear();
        writer.mapHeader(5);
        for (int i = 0; i < 5; i++) {
            writer.bulk(members[i]);
            writer.doubleValue(i + 0.5);
        }
        return out.writerIndex();
    }
}
