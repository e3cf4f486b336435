package dev.podis.benchmarks;

import dev.podis.storage.types.ByteSlice;
import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.SetValue;
import dev.podis.storage.types.SortedSetValue;
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
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The collection payloads' most used operations as redis-benchmark drives them, without the
 * keyspace or the network: HSET (overwrite) / HGET, SADD (present member) / SISMEMBER, ZADD (new
 * score for a present member, as {@code ZADD key __rand_int__ element:__rand_int__} does once
 * warm) / ZSCORE, on one collection of {@code size} members named {@code element:N} (hash values
 * of 100 bytes, as {@code -d 100}), with Redis's default encoding limits: 100 members stay
 * listpacks (except the hash, whose 100-byte values exceed hash-max-listpack-value), 100 K
 * members are hash tables and a skip list. Members are visited in a stride over the whole set.
 * LPUSH/RPOP is {@link ListValueBenchmark#lpushThenRpop}. With {@code -prof gc},
 * {@code gc.alloc.rate.norm} is the allocation per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CollectionBenchmark {
    // Redis 7's defaults: hash-/set-/zset-max-listpack-entries and -value, set-max-intset-entries.
    private static final long LISTPACK_ENTRIES = 128;
    private static final long LISTPACK_VALUE = 64;
    private static final long INTSET_ENTRIES = 512;

    @Param({"100", "100000"})
    public int size;

    private byte[][] members;
    private byte[] value;
    private HashValue hash;
    private SetValue set;
    private SortedSetValue zset;
    private final ByteSlice slice = new ByteSlice();
    private int next;
    private double score;

    @Setup(Level.Trial)
    public void fill() {
        value = new byte[100];
        Arrays.fill(value, (byte) 'x');
        members = new byte[size][];
        hash = HashValue.create();
        set = SetValue.newListpack();
        zset = SortedSetValue.create(size, 16, LISTPACK_ENTRIES, LISTPACK_VALUE);
        for (int i = 0; i < size; i++) {
            members[i] = ("element:" + i).getBytes(StandardCharsets.US_ASCII);
            hash.set(members[i], value, LISTPACK_ENTRIES, LISTPACK_VALUE);
            set.add(members[i], INTSET_ENTRIES, LISTPACK_ENTRIES, LISTPACK_VALUE);
            zset.insert(members[i], i, LISTPACK_ENTRIES, LISTPACK_VALUE);
        }
    }

    private byte[] nextMember() {
        next = (next + 7919) % size; // a stride over the whole collection, no RNG cost
        return members[next];
    }

    @Benchmark
    public boolean hset() {
        return hash.set(nextMember(), value, LISTPACK_ENTRIES, LISTPACK_VALUE);
    }

    @Benchmark
    public int hget() {
        return hash.get(nextMember(), slice) ? slice.length : -1;
    }

    @Benchmark
    public boolean sadd() {
        return set.add(nextMember(), INTSET_ENTRIES, LISTPACK_ENTRIES, LISTPACK_VALUE);
    }

    @Benchmark
    public boolean sismember() {
        return set.contains(nextMember());
    }

    /** ZADD of a present member: look its score up, then move it to a new one. */
    @Benchmark
    public double zadd() {
        byte[] m = nextMember();
        double old = zset.score(m);
        score = (score + 7919) % size;
        zset.update(m, score);
        return old;
    }

    @Benchmark
    public double zscore() {
        return zset.score(nextMember());
    }
}
