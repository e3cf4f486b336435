package dev.podis.benchmarks;

import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.SetValue;
import dev.podis.storage.types.SortedSetValue;

import java.nio.charset.StandardCharsets;

/**
 * The longest single insert while one set, hash and sorted set grow from empty to
 * {@code members} members (default 4M), as SADD / HSET / ZADD apply them: shows whether a resize
 * of the collection's hash table stalls the command thread. Prints, per type, the slowest
 * insert, the 99.99th percentile and the total time, over {@code rounds} rounds (default 3).
 * Usage: {@code java -Xmx8g -cp ... dev.podis.benchmarks.GrowthLatency [members] [rounds]}.
 */
public final class GrowthLatency {
    private GrowthLatency() {
    }

    interface Insert {
        void add(byte[] m);
    }

    public static void main(String[] args) {
        int members = args.length > 0 ? Integer.parseInt(args[0]) : 4_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        byte[][] keys = new byte[members][];
        for (int i = 0; i < members; i++) {
            keys[i] = ("member:" + i).getBytes(StandardCharsets.US_ASCII);
        }
        byte[] value = "value-of-sixteen".getBytes(StandardCharsets.US_ASCII);
        for (int r = 0; r < rounds; r++) {
            SetValue s = SetValue.newListpack();
            run("set  (SADD)", keys, m -> s.add(m, 512, 128, 64));
            HashValue h = HashValue.create();
            run("hash (HSET)", keys, m -> h.set(m, value, 128, 64));
            SortedSetValue z = SortedSetValue.create(0, 0, 128, 64);
            double[] score = {0};
            run("zset (ZADD)", keys, m -> z.insert(m, score[0]++, 128, 64));
        }
    }

    private static void run(String name, byte[][] keys, Insert insert) {
        System.gc();
        long[] histogram = new long[64]; // by log2 of nanoseconds
        long max = 0;
        int maxAt = 0;
        long start = System.nanoTime();
        long last = start;
        for (int i = 0; i < keys.length; i++) {
            insert.add(keys[i]);
            long now = System.nanoTime();
            long d = now - last;
            last = now;
            histogram[63 - Long.numberOfLeadingZeros(Math.max(1, d))]++;
            if (d > max) {
                max = d;
                maxAt = i;
            }
        }
        long total = System.nanoTime() - start;
        long target = keys.length / 10_000; // slowest 0.01%
        long seen = 0;
        int bucket = 63;
        while (bucket > 0 && seen + histogram[bucket] <= target) {
            seen += histogram[bucket--];
        }
        System.out.printf("%s %,d members: max %.2f ms (at member %,d), p99.99 < %.3f ms, total %.0f ms%n",
                name, keys.length, max / 1e6, maxAt, (2L << bucket) / 1e6, total / 1e6);
    }
}
