package dev.podis.benchmarks;

import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.SetValue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Heap bytes per element of the hash and set payloads, measured as the growth of the used heap
 * (after full collections) while one collection of N elements is alive.
 *
 * <p>Run: {@code java -Xmx2g -cp <benchmarks classpath> dev.podis.benchmarks.CollectionMemory [N]}.
 * The shapes match a Redis comparison: hash fields "field:<i>" with 100-byte values, set members
 * "member:<i>", and integer sets. Redis 7.0 measured on the same machine with 1M fields of a
 * hashtable-encoded hash: 184 bytes per field; 10,000 listpack hashes of 100 fields with 50-byte
 * values: 72 bytes per field; a 1M-member set of "member:<i>": 56 bytes per member (INFO used_memory).
 */
public final class CollectionMemory {
    private CollectionMemory() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        byte[] value = new byte[100];
        Arrays.fill(value, (byte) 'v');

        long base = used();
        HashValue hash = HashValue.create();
        for (int i = 0; i < n; i++) {
            hash.set(("field:" + i).getBytes(StandardCharsets.US_ASCII), value, 512, 64);
        }
        long after = used();
        report("hash (" + hash.encoding() + "), 100-byte values", n, after - base);
        hash = keep(hash);

        base = used();
        SetValue set = SetValue.newListpack();
        for (int i = 0; i < n; i++) {
            set.add(("member:" + i).getBytes(StandardCharsets.US_ASCII), 512, 128, 64);
        }
        after = used();
        report("set of strings (" + set.encoding() + ")", n, after - base);
        set = keep(set);

        int k = 10_000;
        base = used();
        HashValue[] smalls = new HashValue[k];
        for (int j = 0; j < k; j++) {
            smalls[j] = HashValue.create();
            for (int i = 0; i < 100; i++) {
                smalls[j].set(("field:" + i).getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(value, 50), 512, 64);
            }
        }
        after = used();
        report(k + " small hashes (" + smalls[0].encoding() + "), 50-byte values", k * 100, after - base);
        smalls = keep(smalls);

        base = used();
        SetValue[] intsets = new SetValue[k];
        for (int j = 0; j < k; j++) {
            intsets[j] = SetValue.newIntSet();
            for (int i = 0; i < 100; i++) {
                intsets[j].add(Integer.toString(i * 3).getBytes(StandardCharsets.US_ASCII), 512, 128, 64);
            }
        }
        after = used();
        report(k + " small integer sets (" + intsets[0].encoding() + ")", k * 100, after - base);
        keep(intsets);
    }

    private static volatile Object sink;

    private static <T> T keep(T o) {
        sink = o;
        return o;
    }

    private static void report(String what, int n, long bytes) {
        System.out.printf("%-45s %9d elements  %8.1f bytes/element%n", what, n, bytes / (double) n);
    }

    private static long used() {
        Runtime rt = Runtime.getRuntime();
        long prev = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long u = rt.totalMemory() - rt.freeMemory();
            if (u >= prev) {
                return u;
            }
            prev = u;
        }
        return prev;
    }
}
