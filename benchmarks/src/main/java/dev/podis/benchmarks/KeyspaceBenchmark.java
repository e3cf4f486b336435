package dev.podis.benchmarks;

import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceOptions;
import dev.podis.storage.StoredValue;
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
 * The keyspace's GET and SET path without the network: 100 K keys of 16 bytes with 100-byte
 * values (redis-benchmark's {@code -r 100000 -d 100}), random keys. {@code backend} = offheap runs
 * on Chronicle Map (the JVM flags it needs are added to the fork), heap on the heap tables.
 * With {@code -prof gc}, {@code gc.alloc.rate.norm} is the allocation per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
        "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED", "-Dchronicle.analytics.disable=true"})
public class KeyspaceBenchmark {
    private static final int KEYS = 100_000;

    @Param({"offheap"})
    public String backend;

    /** Entries of the first map (0: the keyspace's own sizing, 1 M on a machine with 10+ GB). */
    @Param({"0"})
    public long entries;

    private Keyspace keyspace;
    private Database db;
    private byte[][] keys;
    private byte[] value;
    private int next;

    @Setup(Level.Trial)
    public void fill() {
        keyspace = Keyspace.create(new KeyspaceOptions().databases(16).initialEntries(entries)
                .backend(backend.equals("heap") ? KeyspaceOptions.Backend.HEAP : KeyspaceOptions.Backend.OFFHEAP));
        db = keyspace.db(0);
        keys = new byte[KEYS][];
        value = new byte[100];
        java.util.Arrays.fill(value, (byte) 'x');
        for (int i = 0; i < KEYS; i++) {
            keys[i] = String.format("key:%012d", i).getBytes(StandardCharsets.US_ASCII);
            db.put(keys[i], StoredValue.string(value.clone()));
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        keyspace.close();
    }

    private byte[] nextKey() {
        next = (next + 7919) % KEYS; // a stride over the whole keyspace, no RNG cost
        return keys[next];
    }

    @Benchmark
    public StoredValue get() {
        return db.get(nextKey());
    }

    /** GET's path in the server: the value handed to a sink (the reply writer) from a reused buffer. */
    @Benchmark
    public int readString() {
        return db.readString(nextKey(), true, sink);
    }

    private long sinkBytes;
    private final Database.StringSink sink = (bytes, offset, length) -> this.sinkBytes += length;

    @Benchmark
    public void set() {
        db.put(nextKey(), StoredValue.string(value));
    }

    /** SET's path in the server: key and value from reused arrays, written without a {@code StoredValue}. */
    @Benchmark
    public void putString() {
        db.putString(nextKey(), value, StoredValue.NO_EXPIRY);
    }
}
