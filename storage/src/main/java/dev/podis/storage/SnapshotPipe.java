package dev.podis.storage;

import dev.podis.storage.types.Varint;
import net.openhft.chronicle.bytes.RandomDataInput;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hand-over from the command thread to a snapshot's writer thread.
 *
 * <p>The command thread appends entries (a key and its value as of the snapshot's start) to a
 * chunk: string bytes copied straight out of the keyspace's memory, or a reference to an array
 * nobody changes any more (a heap string, a large value just loaded, a collection copy). Full
 * chunks go to a queue; the writer thread turns each entry back into a {@link StoredValue} and
 * calls the {@link KeyspaceSink} (RDB encoding, compression, file writes and fsync all happen
 * there). Drained chunks come back to a pool, so a snapshot reuses a few buffers.
 *
 * <p>{@link #inFlight()} counts the bytes handed over and not yet written: the snapshot's walk
 * pauses above its budget (back-pressure); copies made on a write to a key the walk has not
 * reached cannot wait and may go above it.
 *
 * <pre>
 * entry: tag (1) | db (varint) | type (1) | lru (3) | [expireAt (8) if tag has EXPIRES]
 *        | key length (varint) | key | [value length (varint) | value, if tag is INLINE]
 * </pre>
 * A REF entry's value (byte[] for strings, the collection otherwise) is the chunk's next reference.
 */
final class SnapshotPipe {
    static final int CHUNK = 64 * 1024;
    private static final int INLINE = 1;
    private static final int REF = 2;
    private static final int EXPIRES = 4;
    /** Bytes a collection reference counts in {@link #inFlight()} (its real size is not known cheaply). */
    static final int OBJECT_COST = 256;

    private static final Chunk END = new Chunk(0);

    static final class Chunk {
        final byte[] buf;
        int pos;
        final List<Object> refs = new ArrayList<>();
        long refBytes;

        Chunk(int capacity) {
            this.buf = new byte[capacity];
        }

        long weight() {
            return pos + refBytes;
        }
    }

    private final KeyspaceSink sink;
    private final long[] keys;
    private final long[] expires;
    private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Chunk> pool = new ConcurrentLinkedQueue<>();
    private final AtomicLong inFlight = new AtomicLong();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Thread writer;
    /** Bytes in flight above which the writer never waits (the walk waits there: see {@link Snapshot}). */
    private final long budget;
    /** Share of one CPU the writer may use while it keeps up (1: no pacing). */
    private final double writerShare;
    /** Whether the writer paces itself now (the command loop is busy with clients). */
    private volatile boolean paced = true;
    private volatile Throwable failure;
    private volatile long written;
    private long peak;
    private Chunk current;
    private boolean closed;

    /**
     * @param keys    per database, its size at the snapshot's start (the sink's hint)
     * @param expires per database, its keys with a TTL at the start
     */
    SnapshotPipe(KeyspaceSink sink, long[] keys, long[] expires, ThreadFactory threads, long budget, double writerShare) {
        this.sink = sink;
        this.keys = keys;
        this.expires = expires;
        this.budget = budget;
        this.writerShare = writerShare;
        this.writer = threads.newThread(this::drain);
        this.writer.start();
    }

    /** Bytes handed to the writer thread and not written yet (the chunk being filled included). */
    long inFlight() {
        return inFlight.get() + (current == null ? 0 : current.weight());
    }

    /** The highest {@link #inFlight()} seen. */
    long peak() {
        return peak;
    }

    /** Entries the writer thread has passed to the sink. */
    long written() {
        return written;
    }

    /** Why the writer thread stopped, or null. */
    Throwable failure() {
        return failure;
    }

    /** Completes when the sink has received {@link KeyspaceSink#end} (or exceptionally when it failed). */
    CompletableFuture<Void> done() {
        return done;
    }

    // ---------------------------------------------------------------- command thread

    private Chunk room(int need) {
        Chunk c = current;
        if (c != null && c.buf.length - c.pos >= need) {
            return c;
        }
        if (c != null) {
            publish();
        }
        if (need > CHUNK) {
            c = new Chunk(need);
        } else {
            c = pool.poll();
            if (c == null) {
                c = new Chunk(CHUNK);
            }
        }
        current = c;
        return c;
    }

    private static int header(Chunk c, int tag, int db, ValueType type, int lru, long expireAt, int keyLen) {
        byte[] b = c.buf;
        int p = c.pos;
        boolean exp = expireAt != StoredValue.NO_EXPIRY;
        b[p++] = (byte) (tag | (exp ? EXPIRES : 0));
        p = Varint.write(b, p, db);
        b[p++] = (byte) type.ordinal();
        b[p++] = (byte) lru;
        b[p++] = (byte) (lru >>> 8);
        b[p++] = (byte) (lru >>> 16);
        if (exp) {
            for (int i = 0; i < 8; i++) {
                b[p++] = (byte) (expireAt >>> (8 * i));
            }
        }
        return Varint.write(b, p, keyLen);
    }

    private static final int MAX_HEADER = 1 + 5 + 1 + 3 + 8 + 5 + 5;

    /** An entry whose key and string value are copied out of memory (an off-heap record). */
    void inline(int db, ValueType type, int lru, long expireAt, RandomDataInput keyIn, long keyOff, int keyLen,
                RandomDataInput valIn, long valOff, int valLen) {
        Chunk c = room(MAX_HEADER + keyLen + valLen);
        int p = header(c, INLINE, db, type, lru, expireAt, keyLen);
        keyIn.read(keyOff, c.buf, p, keyLen);
        p = Varint.write(c.buf, p + keyLen, valLen);
        valIn.read(valOff, c.buf, p, valLen);
        c.pos = p + valLen;
        track();
    }

    /** An entry with a heap key whose string value is copied out of memory (an off-heap record). */
    void inline(int db, ValueType type, int lru, long expireAt, byte[] key, RandomDataInput valIn, long valOff, int valLen) {
        Chunk c = room(MAX_HEADER + key.length + valLen);
        int p = header(c, INLINE, db, type, lru, expireAt, key.length);
        System.arraycopy(key, 0, c.buf, p, key.length);
        p = Varint.write(c.buf, p + key.length, valLen);
        valIn.read(valOff, c.buf, p, valLen);
        c.pos = p + valLen;
        track();
    }

    /** An entry whose key is copied out of memory and whose value is an array or collection nobody changes. */
    void ref(int db, ValueType type, int lru, long expireAt, RandomDataInput keyIn, long keyOff, int keyLen, Object value) {
        Chunk c = room(MAX_HEADER + keyLen);
        int p = header(c, REF, db, type, lru, expireAt, keyLen);
        keyIn.read(keyOff, c.buf, p, keyLen);
        c.pos = p + keyLen;
        addRef(c, value);
    }

    /** An entry with a heap key (copied) and a value nobody changes (byte[] for strings, else a collection). */
    void ref(int db, ValueType type, int lru, long expireAt, byte[] key, Object value) {
        Chunk c = room(MAX_HEADER + key.length);
        int p = header(c, REF, db, type, lru, expireAt, key.length);
        System.arraycopy(key, 0, c.buf, p, key.length);
        c.pos = p + key.length;
        addRef(c, value);
    }

    private void addRef(Chunk c, Object value) {
        c.refs.add(value);
        c.refBytes += value instanceof byte[] ? ((byte[]) value).length : OBJECT_COST;
        if (c.refBytes > CHUNK) {
            publish();
        }
        track();
    }

    private void track() {
        long now = inFlight();
        if (now > peak) {
            peak = now;
        }
    }

    /** Whether the writer paces itself to its share (set by the walk's driver: false while the loop is idle). */
    void paced(boolean on) {
        this.paced = on;
    }

    /** Hands the chunk being filled to the writer thread. */
    void publish() {
        Chunk c = current;
        current = null;
        if (c == null || c.pos == 0) {
            if (c != null && c.buf.length == CHUNK) {
                pool.offer(c);
            }
            return;
        }
        if (failure != null) {
            return; // the writer has stopped: nothing more is written
        }
        inFlight.addAndGet(c.weight());
        queue.add(c);
    }

    /** The walk is complete: everything appended so far is written, then {@link KeyspaceSink#end}. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        publish();
        queue.add(END);
    }

    /** Stops the writer thread without ending the sink; {@link #done()} completes exceptionally with {@code why}. */
    void abort(Throwable why) {
        if (failure == null) {
            failure = why;
        }
        current = null;
        closed = true;
        queue.clear();
        queue.add(END);
        java.util.concurrent.locks.LockSupport.unpark(writer); // it may be resting (pacing)
    }

    // ---------------------------------------------------------------- writer thread

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** CPU time of the calling thread where the JVM measures it, else wall time. */
    private static long cpuNanos() {
        long t = THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
        return t >= 0 ? t : System.nanoTime();
    }

    private void drain() {
        int db = -1;
        long owed = 0;
        try {
            while (true) {
                Chunk c = queue.take();
                if (c == END) {
                    break;
                }
                if (failure != null) {
                    break;
                }
                long busy = writerShare < 1 ? cpuNanos() : 0;
                db = replay(c, db);
                if (writerShare < 1) {
                    // Pacing: after working for t, rest t * (1 - share) / share, so that the writer
                    // takes about its share of a CPU from the command loop and the clients; but
                    // never while it is behind (more than the budget waits: the walk has stopped,
                    // and copies made before writes pile up).
                    owed += (long) ((cpuNanos() - busy) * (1 - writerShare) / writerShare);
                    if (inFlight.get() >= budget || !paced) {
                        owed = 0;
                    } else if (owed > 1_000_000) {
                        java.util.concurrent.locks.LockSupport.parkNanos(owed);
                        owed = 0;
                    }
                }
                inFlight.addAndGet(-c.weight());
                c.pos = 0;
                c.refs.clear();
                c.refBytes = 0;
                if (c.buf.length == CHUNK) {
                    pool.offer(c);
                }
            }
            if (failure != null) {
                done.completeExceptionally(failure);
                return;
            }
            sink.end();
            done.complete(null);
        } catch (Throwable t) {
            if (failure == null) {
                failure = t;
            }
            queue.clear();
            done.completeExceptionally(t);
        }
    }

    private int replay(Chunk c, int db) throws Exception {
        byte[] b = c.buf;
        int p = 0;
        int ref = 0;
        while (p < c.pos && failure == null) { // an abort stops the writer between entries
            int tag = b[p++];
            int entryDb = Varint.read(b, p);
            p += Varint.size(entryDb);
            ValueType type = ValueType.ofCode(b[p++]);
            int lru = (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16;
            p += 3;
            long expireAt = StoredValue.NO_EXPIRY;
            if ((tag & EXPIRES) != 0) {
                expireAt = 0;
                for (int i = 7; i >= 0; i--) {
                    expireAt = expireAt << 8 | (b[p + i] & 0xff);
                }
                p += 8;
            }
            int keyLen = Varint.read(b, p);
            p += Varint.size(keyLen);
            // The sink copies what it keeps (KeyspaceSink's contract): arrays of the usual sizes are reused.
            byte[] key = scratch(keyScratch, keyLen);
            System.arraycopy(b, p, key, 0, key.length);
            p += key.length;
            byte[] bytes = null;
            Object object = null;
            if ((tag & INLINE) != 0) {
                int valLen = Varint.read(b, p);
                p += Varint.size(valLen);
                bytes = scratch(valueScratch, valLen);
                System.arraycopy(b, p, bytes, 0, bytes.length);
                p += bytes.length;
            } else {
                Object v = c.refs.get(ref);
                c.refs.set(ref++, null);
                if (v instanceof byte[]) {
                    bytes = (byte[]) v;
                } else {
                    object = v;
                }
            }
            if (entryDb != db) {
                db = entryDb;
                sink.database(db, keys[db], expires[db]);
            }
            sink.entry(key, StoredValue.decoded(type, bytes, object, expireAt, lru));
            written++;
        }
        return db;
    }

    /** Reused key and value arrays by length (the writer thread's), up to {@value #SCRATCH_MAX} bytes. */
    private static final int SCRATCH_MAX = 512;
    private final byte[][] keyScratch = new byte[SCRATCH_MAX + 1][];
    private final byte[][] valueScratch = new byte[SCRATCH_MAX + 1][];

    private static byte[] scratch(byte[][] cache, int len) {
        if (len > SCRATCH_MAX) {
            return new byte[len];
        }
        byte[] a = cache[len];
        if (a == null) {
            a = new byte[len];
            cache[len] = a;
        }
        return a;
    }

}
