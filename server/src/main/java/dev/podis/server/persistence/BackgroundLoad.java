package dev.podis.server.persistence;

import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.StoredValue;
import dev.podis.storage.rdb.GrowableBytes;
import dev.podis.storage.rdb.RdbLoader;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import io.netty.channel.EventLoop;

/**
 * Loads a dataset with two threads: a reader thread parses the file ({@link RdbLoader}: reading,
 * LZF, building values) into batches, and the command loop puts the batches into the keyspace in
 * time slices, serving clients (with -LOADING) between slices. Parsing thus overlaps the
 * keyspace's inserts, and the keyspace is only ever touched by the command loop.
 *
 * <p>Batches are handed over through a blocking queue (a happens-before edge) and come back
 * through another once inserted, for the reader to fill again; values the reader built are never
 * touched by it again. String keys travel as bytes in the batch's buffer, so a load of strings
 * leaves no garbage per key.
 */
final class BackgroundLoad {
    /** Keys per batch handed from the reader to the command loop. */
    private static final int BATCH = 1024;
    /** Batches parsed ahead of the inserts (memory bound: a few thousand values). */
    private static final int AHEAD = 32;
    /** The command loop inserts for at most this long before it serves clients again. */
    private static final long SLICE_NANOS = 20_000_000L;

    /** What the command loop does with the batches, and when the load ends. */
    interface Target {
        /** Puts one item into the keyspace (database switches and keys, in file order). */
        KeyspaceSink sink();

        /** Progress in bytes read, after each slice. */
        void progress(long bytes);

        /** Called per key inserted (key-load-delay). */
        void perKey();

        /** The load ended: {@code failure} is null on success. */
        void done(Throwable failure);
    }

    /** A batch is handed over once its strings hold this many bytes, even with fewer than {@link #BATCH} keys. */
    private static final int BATCH_BYTES = 256 * 1024;
    /** The most bytes of key and value a string may have to travel in a batch's {@code strings}. */
    private static final int BATCHED_STRING_MAX = 16 * 1024;

    /**
     * Up to {@link #BATCH} items in file order: a database switch, a key with its value, or a
     * string key whose key and value bytes lie back to back in {@code strings} (no arrays of their
     * own). Batches go back to the reader once inserted, so a load of string keys makes no garbage.
     */
    private static final class Batch {
        static final byte DATABASE = 0;
        static final byte ENTRY = 1;
        static final byte STRING = 2;

        final byte[] kinds = new byte[BATCH];
        final byte[][] keys = new byte[BATCH][];
        final StoredValue[] values = new StoredValue[BATCH];
        /** A STRING item's key and value lengths, expiry and access data. */
        final int[] keyLengths = new int[BATCH];
        final int[] valueLengths = new int[BATCH];
        final long[] expiries = new long[BATCH];
        final int[] access = new int[BATCH];
        final GrowableBytes strings = new GrowableBytes(2 * BATCH_BYTES);
        /** Database switches, consumed in order by the DATABASE items. */
        final List<long[]> databases = new ArrayList<>(1);
        int n;
        long offset;
        boolean last;
        Throwable failure;

        /** Empty, for the reader to fill again. */
        Batch reset() {
            Arrays.fill(keys, 0, n, null);
            Arrays.fill(values, 0, n, null);
            strings.clear();
            databases.clear();
            n = 0;
            return this;
        }
    }

    private final RdbLoader loader;
    private final EventLoop loop;
    private final Target target;
    private final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(AHEAD);
    /** Inserted batches, for the reader to reuse. */
    private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(AHEAD + 2);
    private volatile boolean cancelled;

    BackgroundLoad(RdbLoader loader, EventLoop loop, Target target) {
        this.loader = loader;
        this.loop = loop;
        this.target = target;
    }

    /** Stops the reader (the server is closing); the keyspace keeps what was inserted. */
    void cancel() {
        cancelled = true;
        queue.clear();
    }

    void start() {
        Thread reader = new Thread(this::read, "podis-rdb-reader");
        reader.setDaemon(true);
        reader.start();
        loop.execute(this::insert);
    }

    /** The reader thread: parses everything into batches. */
    private void read() {
        Batch[] current = {new Batch()};
        KeyspaceSink collect = new KeyspaceSink() {
            @Override
            public void database(int db, long keys, long expires) throws IOException {
                Batch b = current[0];
                b.databases.add(new long[] {db, keys, expires});
                b.kinds[b.n++] = Batch.DATABASE;
                flushIfFull();
            }

            @Override
            public void entry(byte[] key, StoredValue value) throws IOException {
                Batch b = current[0];
                b.kinds[b.n] = Batch.ENTRY;
                b.keys[b.n] = key;
                b.values[b.n] = value;
                b.n++;
                flushIfFull();
            }

            @Override
            public void stringEntry(byte[] bytes, int keyOffset, int keyLength, int valueOffset, int valueLength,
                                    long expireAt, int lruOrLfu) throws IOException {
                if (keyLength + valueLength > BATCHED_STRING_MAX) {
                    // A big value: in arrays of its own, not in a batch buffer kept for the whole load.
                    KeyspaceSink.super.stringEntry(bytes, keyOffset, keyLength, valueOffset, valueLength, expireAt, lruOrLfu);
                    return;
                }
                Batch b = current[0];
                int i = b.n++;
                b.kinds[i] = Batch.STRING;
                b.strings.append(bytes, keyOffset, keyLength);
                b.strings.append(bytes, valueOffset, valueLength);
                b.keyLengths[i] = keyLength;
                b.valueLengths[i] = valueLength;
                b.expiries[i] = expireAt;
                b.access[i] = lruOrLfu;
                flushIfFull();
            }

            private void flushIfFull() throws IOException {
                if (current[0].n == BATCH || current[0].strings.length() >= BATCH_BYTES) {
                    hand(current[0]);
                    Batch reused = free.poll();
                    current[0] = reused != null ? reused.reset() : new Batch();
                }
            }

            @Override
            public void end() {
            }
        };
        Batch last;
        try {
            loader.loadAll(collect);
            last = current[0];
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            last = current[0];
            last.failure = e;
        }
        last.last = true;
        try {
            hand(last);
        } catch (IOException ignored) {
            // cancelled
        }
    }

    private void hand(Batch b) throws IOException {
        b.offset = loader.offset();
        try {
            while (!queue.offer(b, 100, TimeUnit.MILLISECONDS)) {
                if (cancelled) {
                    throw new IOException("load cancelled");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("load interrupted");
        }
    }

    /** The command loop: inserts batches for one slice, then lets clients in. */
    private void insert() {
        if (cancelled) {
            return;
        }
        long start = System.nanoTime();
        KeyspaceSink sink = target.sink();
        try {
            Batch b;
            while ((b = queue.poll()) != null) {
                int db = 0;
                int at = 0;
                byte[] strings = b.strings.array();
                for (int i = 0; i < b.n; i++) {
                    switch (b.kinds[i]) {
                        case Batch.DATABASE: {
                            long[] d = b.databases.get(db++);
                            sink.database((int) d[0], d[1], d[2]);
                            continue;
                        }
                        case Batch.ENTRY:
                            sink.entry(b.keys[i], b.values[i]);
                            break;
                        default: {
                            int keyLength = b.keyLengths[i];
                            int valueLength = b.valueLengths[i];
                            sink.stringEntry(strings, at, keyLength, at + keyLength, valueLength, b.expiries[i], b.access[i]);
                            at += keyLength + valueLength;
                        }
                    }
                    target.perKey();
                }
                target.progress(b.offset);
                if (b.last) {
                    if (b.failure == null) {
                        sink.end();
                    }
                    target.done(b.failure);
                    return;
                }
                free.offer(b); // dropped when the reader is far enough ahead to have made more
                if (System.nanoTime() - start > SLICE_NANOS) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            cancelled = true;
            queue.clear();
            target.done(e);
            return;
        }
        // Clients get their turn (a task queued with execute() would run before any I/O, as the
        // loop runs its pending tasks first). A task scheduled with no delay is due at once, so the
        // loop polls I/O without blocking and comes straight back: the thread does not sleep
        // between slices (on a busy machine a sleeping thread waited milliseconds for a core
        // again, up to a fifth of the load). An empty queue means the reader is behind: wait a bit.
        loop.schedule(this::insert, queue.isEmpty() ? 200 : 0, TimeUnit.MICROSECONDS);
    }
}
