package dev.podis.storage;

import net.openhft.chronicle.bytes.RandomDataInput;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A point-in-time copy of the whole keyspace, made without fork while commands keep running: what
 * BGSAVE and an AOF rewrite write. Started by {@link Keyspace#snapshot}; one at a time.
 *
 * <h2>How</h2>
 * <ul>
 *   <li><b>Walk.</b> The command thread walks every database in steps ({@link #step}, or
 *       {@link #runOn} which paces the steps): whole Chronicle Map segments (off-heap) or hash
 *       buckets (heap) per call, in the order SCAN uses, so every key present for the whole walk
 *       is visited at least once.</li>
 *   <li><b>Handled marks.</b> Each entry carries a mark saying whether the running snapshot has
 *       dealt with it: bit 7 of an off-heap record's first byte ({@link Hooks#mark}, flipped when a
 *       snapshot starts: every existing record becomes "not handled" at once, no memory per key),
 *       a generation number in the heap table's node ({@link Hooks#generation}). The walk hands an
 *       unhandled entry to the snapshot and marks it; a handled one (written since the start, or
 *       met twice) is skipped. So each key is emitted exactly once, with no list of keys seen.</li>
 *   <li><b>Copy before write.</b> A write that is about to replace, remove, expire or change in
 *       place an entry still unhandled hands the old value to the snapshot first and marks the
 *       entry: the old bytes of a string are copied out (off-heap) or simply referenced (heap
 *       strings are never changed in place), a collection is copied. Keys created after the start
 *       are written already marked, so the walk skips them; deleted ones were handed over before
 *       they went. Extra memory is thus bounded by what changes ahead of the walk, and released as
 *       the writer thread writes it.</li>
 *   <li><b>FLUSHDB / FLUSHALL / SWAPDB.</b> Flushing a database the walk has not finished moves its
 *       whole storage into a frozen database that the walk finishes and then frees (O(1), no copy);
 *       the live database starts empty. SWAPDB needs nothing: the walk follows database objects,
 *       and emits each under the number it had at the start.</li>
 *   <li><b>Writer thread.</b> Entries go into bounded chunks ({@link SnapshotPipe}); a writer
 *       thread calls the {@link KeyspaceSink} (encoding, compression, file I/O, fsync). The walk
 *       pauses while more than {@code bufferBytes} wait to be written.</li>
 * </ul>
 * Keys with a TTL that had already passed at the start are left out; a key that expires during
 * the snapshot is handed over before it is removed (it was alive at the start).
 *
 * <p>Entries reach the sink grouped by database, but a database may begin more than once (a
 * copy-before-write of database 3 while the walk is in database 0), as RDB's SELECTDB allows.
 *
 * <p>An aborted snapshot (or one whose sink failed) keeps walking without emitting until every
 * entry is marked again, so that the next snapshot starts from uniform marks; starting a new one
 * meanwhile finishes that walk at once.
 *
 * <p>Threading: everything but the sink runs on the command thread; {@link #done()} completes on
 * the writer thread.
 */
public final class Snapshot {
    /** Tuning of one snapshot. */
    public static final class Options {
        long bufferBytes = 8L << 20;
        double writerShare = 1;
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "podis-snapshot-writer");
            t.setDaemon(true);
            return t;
        };

        /** Bytes handed to the writer thread and not yet written above which the walk pauses (default 8 MB). */
        public Options bufferBytes(long bytes) {
            this.bufferBytes = Math.max(SnapshotPipe.CHUNK, bytes);
            return this;
        }

        /**
         * The share of one CPU the writer thread may take (0.01 to 1, default 1: as fast as it
         * can) while it keeps up: it rests in between, leaving the CPU to the command loop and
         * the clients, so the snapshot takes longer; when more than {@link #bufferBytes} wait it
         * runs flat out.
         */
        public Options writerShare(double share) {
            this.writerShare = Math.max(0.01, Math.min(1, share));
            return this;
        }

        /** Creates the writer thread. */
        public Options threads(ThreadFactory f) {
            this.threads = f;
            return this;
        }
    }

    private static final class Target {
        BaseDatabase db;
        final int index;
        long cursor;
        boolean frozen;
        boolean done;

        Target(BaseDatabase db, int index) {
            this.db = db;
            this.index = index;
        }
    }

    private final Hooks hooks;
    private final Target[] targets;
    private final SnapshotPipe pipe;
    private final long bufferBytes;
    private final long startMillis;
    private final long startNanos;
    private final long keysTotal;
    private int next;
    private boolean emitting = true;
    private boolean walkDone;
    private String abortReason;
    private long walked;
    private long copied;
    private long copiedBytes;
    private long steps;

    Snapshot(Hooks hooks, Database[] dbs, KeyspaceSink sink, Options o) {
        this.hooks = hooks;
        this.bufferBytes = o.bufferBytes;
        this.startMillis = hooks.now();
        this.startNanos = System.nanoTime();
        this.targets = new Target[dbs.length];
        long[] keys = new long[dbs.length];
        long[] expires = new long[dbs.length];
        long total = 0;
        for (int i = 0; i < dbs.length; i++) {
            if (!(dbs[i] instanceof BaseDatabase)) {
                throw new UnsupportedOperationException("snapshots need the keyspace's own databases");
            }
            BaseDatabase db = (BaseDatabase) dbs[i];
            db.snapshotIndex = i;
            targets[i] = new Target(db, i);
            keys[i] = db.size();
            expires[i] = db.volatileSize();
            total += keys[i];
        }
        this.keysTotal = total;
        this.pipe = new SnapshotPipe(sink, keys, expires, o.threads, o.bufferBytes, o.writerShare);
        // From here on every existing entry counts as not handled.
        hooks.mark ^= Record.MARK_BIT;
        if (++hooks.generation == 0) {
            hooks.generation = 1; // 0 is a new node's mark (wraps after 2^32 snapshots)
        }
        hooks.snapshot = this;
    }

    // ------------------------------------------------------------------ walking (command thread)

    /**
     * Walks for about {@code budgetNanos} (at least one segment or a few buckets), unless the
     * writer thread is behind.
     *
     * @return true once the walk is complete (every entry handed over; the writer may still be writing)
     */
    public boolean step(long budgetNanos) {
        if (walkDone) {
            return true;
        }
        steps++;
        if (emitting && pipe.failure() != null) {
            stopEmitting(); // the sink failed: finish the walk only to restore the marks
        }
        long deadline = System.nanoTime() + budgetNanos;
        while (next < targets.length) {
            if (emitting && pipe.inFlight() >= bufferBytes) {
                pipe.publish();
                return false; // back-pressure: the writer thread catches up first
            }
            Target t = targets[next];
            if (t.done) {
                next++;
                continue;
            }
            t.cursor = t.db.snapshotWalk(t.cursor, this);
            if (t.cursor == 0) {
                finishTarget(t);
                next++;
            }
            if (System.nanoTime() - deadline >= 0) {
                pipe.publish();
                return false;
            }
        }
        walkDone = true;
        hooks.snapshot = null;
        if (emitting) {
            pipe.close();
        }
        return true;
    }

    private void finishTarget(Target t) {
        t.done = true;
        if (t.frozen) {
            t.db.release();
            t.db = null;
        }
    }

    /** Whether the walk is complete (or was aborted): writes no longer hand anything over. */
    public boolean walkComplete() {
        return walkDone;
    }

    /**
     * Runs the walk on {@code loop} (the command thread) in steps, and returns at once.
     *
     * <p>While clients keep the loop busy, the walk takes about {@code share} of the loop's time
     * (a step walks at least one segment, so a long step is paid back by waiting), and the writer
     * thread rests to about its {@link Options#writerShare}: the snapshot takes longer and the
     * clients lose little. {@code activity} is a counter that moves while the loop serves clients
     * (commands executed); while it moves by fewer than {@value Driver#IDLE_COMMANDS} in
     * {@value Driver#IDLE_MILLIS} ms the loop counts as idle, and walk and writer run flat out.
     * Either way the walk waits while the writer is behind (more than {@link Options#bufferBytes}
     * in flight). A null {@code activity} means always busy.
     */
    public void runOn(ScheduledExecutorService loop, double share, java.util.function.LongSupplier activity) {
        new Driver(loop, share, activity).tick();
    }

    /** {@link #runOn(ScheduledExecutorService, double, java.util.function.LongSupplier)} for a loop with no activity counter. */
    public void runOn(ScheduledExecutorService loop, double share) {
        runOn(loop, share, null);
    }

    private final class Driver {
        static final long IDLE_MILLIS = 20;
        private static final long MIN_STEP = 50_000;
        private static final long MAX_STEP = 2_000_000;
        private final ScheduledExecutorService loop;
        private final double ratio;
        private final java.util.function.LongSupplier activity;
        private long lastEnd = System.nanoTime();
        /** Loop time the walk may still use (earned while the loop did other work; negative after a long step). */
        private long credit;
        /** Commands below which a window counts as idle (1000 per second). */
        static final long IDLE_COMMANDS = 20;
        private long windowStart;
        private long windowCount;
        private boolean quiet;

        Driver(ScheduledExecutorService loop, double share, java.util.function.LongSupplier activity) {
            this.loop = loop;
            double s = Math.max(0.01, Math.min(0.9, share));
            this.ratio = s / (1 - s);
            this.activity = activity;
        }

        /**
         * Whether clients have left the loop alone: fewer than {@value #IDLE_COMMANDS} commands in
         * the last window of {@value #IDLE_MILLIS} ms (a monitoring client's INFO now and then does
         * not count as load; the verdict holds until the next window).
         */
        private boolean idle(long now) {
            if (activity == null) {
                return false;
            }
            if (now - windowStart >= IDLE_MILLIS * 1_000_000) {
                long a = activity.getAsLong();
                quiet = windowStart != 0 && a - windowCount < IDLE_COMMANDS;
                windowStart = now;
                windowCount = a;
            }
            return quiet;
        }

        void tick() {
            long start = System.nanoTime();
            boolean idle = !emitting || idle(start);
            pipe.paced(!idle);
            long budget;
            if (idle) {
                credit = 0;
                budget = MAX_STEP;
            } else {
                credit = Math.min(MAX_STEP, credit + (long) ((start - lastEnd) * ratio));
                budget = credit;
            }
            boolean complete = false;
            if (budget >= MIN_STEP) {
                try {
                    complete = step(budget);
                } catch (RuntimeException e) {
                    abort("snapshot walk failed: " + e);
                    complete = step(Long.MAX_VALUE);
                }
                if (!idle) {
                    credit -= System.nanoTime() - start;
                }
            }
            lastEnd = System.nanoTime();
            if (complete) {
                return;
            }
            long delay;
            if (emitting && pipe.inFlight() >= bufferBytes) {
                delay = 1_000_000; // the writer is behind
            } else if (!idle && credit < MIN_STEP) {
                // not before the loop has served clients long enough to pay for the next step
                delay = Math.min(10_000_000, (long) ((MIN_STEP - credit) / ratio));
            } else {
                delay = 0; // next turn of the loop
            }
            try {
                loop.schedule(this::tick, delay, TimeUnit.NANOSECONDS);
            } catch (RuntimeException rejected) {
                abort("the command loop stopped");
            }
        }
    }

    // ------------------------------------------------------------------ ending

    /**
     * Completes when the sink has received {@link KeyspaceSink#end} (normally), or exceptionally
     * when the sink failed or the snapshot was aborted.
     */
    public CompletableFuture<Void> done() {
        return pipe.done();
    }

    /**
     * Stops the snapshot (BGSAVE cancelled): the sink gets nothing more and no {@code end};
     * {@link #done()} completes exceptionally. The walk goes on without emitting until the
     * entries' marks are uniform again (see the class comment); call {@link #step} or
     * {@link #runOn} as before, or let the next snapshot finish it.
     */
    public void abort(String why) {
        if (abortReason == null) {
            abortReason = why;
        }
        pipe.abort(new java.io.IOException(why));
        stopEmitting();
    }

    private void stopEmitting() {
        if (!emitting) {
            return;
        }
        emitting = false;
        for (Target t : targets) {
            if (t.frozen && !t.done) {
                finishTarget(t); // frozen databases hold only data on its way out
            }
        }
    }

    /** Completes the walk now, without emitting (before another snapshot starts, or on close). */
    void finishNow() {
        if (emitting) {
            abort("superseded");
        }
        while (!step(Long.MAX_VALUE)) {
            // walks to the end
        }
    }

    /** Drops everything at once (the keyspace is closing): no marks restored. */
    void discard() {
        abort("the keyspace closed");
        for (Target t : targets) {
            if (t.frozen && t.db != null) {
                t.db.release();
                t.db = null;
            }
        }
        walkDone = true;
        hooks.snapshot = null;
    }

    // ------------------------------------------------------------------ statistics

    /** Unix ms when the snapshot started: the point in time it copies. */
    public long startMillis() {
        return startMillis;
    }

    public long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    /** Keys in the keyspace at the start. */
    public long keysTotal() {
        return keysTotal;
    }

    /** Keys handed over so far: by the walk plus before writes. */
    public long keysProcessed() {
        return walked + copied;
    }

    /** Keys handed over by the walk. */
    public long keysWalked() {
        return walked;
    }

    /** Keys whose old value was handed over because a write reached them before the walk. */
    public long keysCopiedOnWrite() {
        return copied;
    }

    /** Bytes of those old values (string bytes; collections counted at a fixed estimate). */
    public long bytesCopiedOnWrite() {
        return copiedBytes;
    }

    /** The most bytes that were waiting for the writer thread at once. */
    public long peakBufferedBytes() {
        return pipe.peak();
    }

    /** Bytes waiting for the writer thread now. */
    public long bufferedBytes() {
        return pipe.inFlight();
    }

    /** Entries the writer thread has passed to the sink. */
    public long entriesWritten() {
        return pipe.written();
    }

    /** Walk steps taken so far. */
    public long steps() {
        return steps;
    }

    /** Why the snapshot was aborted or failed, else null. */
    public String failure() {
        if (abortReason != null) {
            return abortReason;
        }
        Throwable t = pipe.failure();
        return t == null ? null : String.valueOf(t.getMessage() != null ? t.getMessage() : t);
    }

    // ------------------------------------------------------------------ from the databases

    /** Whether entries handed over are kept (false after an abort: only the marks matter). */
    boolean emitting() {
        return emitting;
    }

    /** Whether an entry with this expiry is to be handed over (emitting, and alive at the start). */
    boolean wants(long expireAt) {
        return emitting && liveAtStart(expireAt);
    }

    /** The snapshot's point in time: entries whose TTL passed before it are left out. */
    boolean liveAtStart(long expireAt) {
        return expireAt == StoredValue.NO_EXPIRY || expireAt > startMillis;
    }

    private void count(boolean cow, long bytes) {
        if (cow) {
            copied++;
            copiedBytes += bytes;
        } else {
            walked++;
        }
    }

    /** An off-heap entry met by the walk whose string value is in the keyspace's memory. */
    void inline(BaseDatabase db, ValueType type, int lru, long expireAt, RandomDataInput keyIn, long keyOff, int keyLen,
                RandomDataInput valIn, long valOff, int valLen) {
        if (emitting && liveAtStart(expireAt)) {
            pipe.inline(db.snapshotIndex, type, lru, expireAt, keyIn, keyOff, keyLen, valIn, valOff, valLen);
            count(false, 0);
        }
    }

    /** An off-heap entry about to be written, whose old string value is in the keyspace's memory. */
    void inline(BaseDatabase db, ValueType type, int lru, long expireAt, byte[] key, RandomDataInput valIn, long valOff,
                int valLen) {
        if (emitting && liveAtStart(expireAt)) {
            pipe.inline(db.snapshotIndex, type, lru, expireAt, key, valIn, valOff, valLen);
            count(true, key.length + valLen);
        }
    }

    /** An off-heap entry met by the walk whose value is an array or collection nobody will change. */
    void ref(BaseDatabase db, ValueType type, int lru, long expireAt, RandomDataInput keyIn, long keyOff, int keyLen,
             Object value) {
        if (emitting && liveAtStart(expireAt)) {
            pipe.ref(db.snapshotIndex, type, lru, expireAt, keyIn, keyOff, keyLen, value);
            count(false, 0);
        }
    }

    /** An entry (met by the walk, or about to be written if {@code cow}) with a value nobody will change. */
    void ref(BaseDatabase db, ValueType type, int lru, long expireAt, byte[] key, Object value, boolean cow) {
        if (emitting && liveAtStart(expireAt)) {
            pipe.ref(db.snapshotIndex, type, lru, expireAt, key, value);
            count(cow, key.length + (value instanceof byte[] ? ((byte[]) value).length : SnapshotPipe.OBJECT_COST));
        }
    }

    /** A copy of a collection that stays in use, for the writer thread (or the value itself if it cannot be copied). */
    static Object frozenCopy(Object value) {
        return value instanceof dev.podis.storage.types.CollectionValue
                ? ((dev.podis.storage.types.CollectionValue) value).copy() : value;
    }

    /**
     * Database {@code db} is about to be emptied: whether the walk still needs its entries, in
     * which case the database moves them into a frozen database and calls {@link #detached}.
     */
    boolean wantsDetach(BaseDatabase db) {
        if (!emitting) {
            return false;
        }
        for (Target t : targets) {
            if (t.db == db && !t.frozen && !t.done) {
                return true;
            }
        }
        return false;
    }

    /** {@code live}'s entries now live in {@code frozen}, which the walk finishes and then releases. */
    void detached(BaseDatabase live, BaseDatabase frozen) {
        for (Target t : targets) {
            if (t.db == live && !t.frozen && !t.done) {
                frozen.snapshotIndex = live.snapshotIndex;
                t.db = frozen;
                t.frozen = true;
                return;
            }
        }
    }
}
