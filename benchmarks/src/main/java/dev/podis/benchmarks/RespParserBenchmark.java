package dev.podis.benchmarks;

import dev.podis.protocol.ProtocolException;
import dev.podis.protocol.RespParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The request parser on what a pipelining client sends: a batch of SET/GET commands in one
 * pooled direct buffer (as Netty delivers a read), parsed to argument arrays. Scores are per
 * command.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RespParserBenchmark {
    static final int BATCH = 100;

    private final RespParser parser = new RespParser();
    /** A parser as the server's connections use it: small requests in borrowed (reused) arrays. */
    private final RespParser borrowing = new RespParser();
    private ByteBuf setGet;
    private ByteBuf inline;
    private ByteBuf pingInline;

    @Setup(Level.Trial)
    public void setUp() {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        ByteArrayOutputStream i = new ByteArrayOutputStream();
        String value = "v".repeat(64);
        for (int n = 0; n < BATCH / 2; n++) {
            String key = "key:" + (100000 + n);
            s.writeBytes(command("SET", key, value));
            s.writeBytes(command("GET", key));
            i.writeBytes(("SET " + key + " " + value + "\r\nGET " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        borrowing.borrowArguments(true);
        setGet = direct(s.toByteArray());
        inline = direct(i.toByteArray());
        pingInline = direct("PING\r\n".repeat(BATCH).getBytes(StandardCharsets.US_ASCII));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        setGet.release();
        inline.release();
        pingInline.release();
    }

    private static ByteBuf direct(byte[] bytes) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length);
        b.writeBytes(bytes);
        return b;
    }

    static byte[] command(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private int parseAll(ByteBuf in, Blackhole bh) throws ProtocolException {
        return parseAll(parser, in, bh);
    }

    private static int parseAll(RespParser parser, ByteBuf in, Blackhole bh) throws ProtocolException {
        in.readerIndex(0);
        int n = 0;
        byte[][] argv;
        while ((argv = parser.parse(in)) != null) {
            bh.consume(argv);
            n++;
        }
        return n;
    }

    /** 50 SET key value(64 B) + 50 GET key, multibulk. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int pipelinedSetGet(Blackhole bh) throws ProtocolException {
        return parseAll(setGet, bh);
    }

    /** The same 100 commands with borrowed arguments (what the server's connections parse). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int pipelinedSetGetBorrowed(Blackhole bh) throws ProtocolException {
        return parseAll(borrowing, setGet, bh);
    }

    /** The same commands as inline lines (telnet-style). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int pipelinedSetGetInline(Blackhole bh) throws ProtocolException {
        return parseAll(inline, bh);
    }

    /** The inline commands with borrowed arguments (what the server's connections parse). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int pipelinedSetGetInlineBorrowed(Blackhole bh) throws ProtocolException {
        return parseAll(borrowing, inline, bh);
    }

    /** 100 inline {@code PING} lines (redis-benchmark's PING_INLINE), borrowed arguments. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int pipelinedPingInlineBorrowed(Blackhole bh) throws ProtocolException {
        return parseAll(borrowing, pingInline, bh);
    }
}
