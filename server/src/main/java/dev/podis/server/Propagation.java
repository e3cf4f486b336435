package dev.podis.server;

import dev.podis.server.command.CommandSpec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The write stream: the one ordered stream of executed write commands that the AOF and (later)
 * replicas consume, as Redis's {@code call()} / {@code alsoPropagate()} /
 * {@code propagatePendingCommands()} build it.
 *
 * <p><b>What enters the stream.</b> The dispatcher runs every command inside an <i>execution
 * unit</i> ({@link #enter} / {@link #exit}; units nest, as MULTI/EXEC and scripts run their
 * commands inside their own). A command that raised {@link dev.podis.storage.Keyspace#dirty()}
 * (one change per key written, per in-place collection write, per flush) and did not answer an
 * error is added to the unit, as the client sent it or as its command family rewrote it
 * ({@link Client#propagateAs}); a family may also add commands of its own
 * ({@link Client#alsoPropagate}), keep the command out ({@link Client#preventPropagation}) or
 * force it in ({@link Client#forcePropagation}). EXEC and the script commands never enter
 * themselves: their effects do. Keys the keyspace removes by itself enter as {@code DEL} (or
 * {@code UNLINK} under {@code lazyfree-lazy-expire} / {@code lazyfree-lazy-eviction}, as Redis):
 * expired keys through {@link #deletion}, lazily inside the unit of the command that found them,
 * actively as a unit of their own.
 *
 * <p><b>How a unit leaves.</b> When the outermost unit ends, its commands go to every
 * subscriber in order; more than one command are wrapped in {@code MULTI} ... {@code EXEC} (a
 * MULTI/EXEC block, a script, a command that also expired keys), except for the commands that
 * touch arbitrary keys (SCAN, KEYS, RANDOMKEY), whose lazy expirations go out one by one, as in
 * Redis 7. Each command carries its database; a subscriber emits SELECT itself when the
 * database changes (the AOF and each replica track their own selected database), and
 * {@code MULTI}/{@code EXEC} carry none ({@code -1}).
 *
 * <p><b>Targets.</b> Each command goes to the AOF, to replicas, or both ({@link #AOF},
 * {@link #REPL}): PUBLISH reaches replicas only, as in Redis. A {@link Subscriber} says which it
 * is. With no subscriber nothing is collected: a write costs a field read.
 *
 * <p>Runs on the command thread only, like everything that touches the keyspace.
 */
public final class Propagation {
    /** Target bit: the append-only file. */
    public static final int AOF = 1;
    /** Target bit: replicas. */
    public static final int REPL = 2;
    /** Both targets. */
    public static final int ALL = AOF | REPL;

    static final byte[] MULTI = bytes("MULTI");
    static final byte[] EXEC = bytes("EXEC");
    /** Command names families rewrite to (upper case, as Redis's shared objects). */
    public static final byte[] DEL = bytes("DEL");
    public static final byte[] UNLINK = bytes("UNLINK");
    public static final byte[] SET = bytes("SET");
    public static final byte[] PXAT = bytes("PXAT");
    public static final byte[] KEEPTTL = bytes("KEEPTTL");
    public static final byte[] PEXPIREAT = bytes("PEXPIREAT");
    public static final byte[] PERSIST = bytes("PERSIST");

    /** A consumer of the stream (the AOF, a replica link, a test). */
    public interface Subscriber {
        /** {@link #AOF} or {@link #REPL} (or both): which commands this subscriber receives. */
        int targets();

        /**
         * One command of the stream for database {@code db} ({@code -1} for MULTI and EXEC, which
         * belong to no database). The arrays must not be changed and are not the subscriber's to
         * keep: serialize or copy them.
         */
        void feed(int db, byte[][] argv);

        /** The commands of one execution unit were all fed (a point where the stream is consistent). */
        default void unitEnd() {
        }
    }

    private final List<Subscriber> subscribers = new ArrayList<>();
    /** Union of the subscribers' targets: 0 means nothing is collected. */
    private int wanted;
    private int depth;
    /** The outermost command of the unit touches arbitrary keys: its commands are not wrapped in MULTI/EXEC. */
    private boolean noTransaction;
    private int count;
    private int[] dbs = new int[8];
    private byte[][][] argvs = new byte[8][][];
    private int[] targets = new int[8];

    /** Adds a subscriber; it receives the units that end from now on. */
    public void subscribe(Subscriber s) {
        subscribers.add(s);
        wanted |= s.targets();
    }

    public void unsubscribe(Subscriber s) {
        subscribers.remove(s);
        int w = 0;
        for (Subscriber x : subscribers) {
            w |= x.targets();
        }
        wanted = w;
    }

    /** True when some subscriber wants the commands of {@code target} ({@link #AOF}, {@link #REPL}). */
    public boolean wants(int target) {
        return (wanted & target) != 0;
    }

    /** True when any subscriber listens: families may skip building rewrites otherwise. */
    public boolean active() {
        return wanted != 0;
    }

    /**
     * Opens an execution unit (Redis's enterExecutionUnit). The dispatcher opens one per command;
     * code that executes commands outside the dispatcher (a script runner driven by a timer, a
     * module) opens one around them so that their effects leave together, wrapped in MULTI/EXEC.
     * Every call must be matched by {@link #exit}.
     *
     * @param spec the command that opens it, or null
     */
    public void enter(CommandSpec spec) {
        if (depth++ == 0) {
            noTransaction = spec != null && spec.propagation() == CommandSpec.Propagation.ARBITRARY_KEYS;
        }
    }

    /** Closes the unit opened by {@link #enter}; the outermost one sends what it collected. */
    public void exit() {
        if (--depth == 0 && count > 0) {
            flush();
        }
    }

    /** The nesting depth of execution units (0 outside any command). */
    public int depth() {
        return depth;
    }

    /**
     * Adds a command to the current unit (Redis's alsoPropagate), or sends it at once outside any
     * unit. {@code targets} is {@link #AOF}, {@link #REPL} or {@link #ALL}.
     */
    public void add(int db, byte[][] argv, int targets) {
        int t = targets & wanted;
        if (t == 0) {
            return;
        }
        if (count == dbs.length) {
            dbs = Arrays.copyOf(dbs, count * 2);
            argvs = Arrays.copyOf(argvs, count * 2);
            this.targets = Arrays.copyOf(this.targets, count * 2);
        }
        dbs[count] = db;
        argvs[count] = argv;
        this.targets[count] = t;
        count++;
        if (depth == 0) {
            flush();
        }
    }

    /**
     * A key the keyspace removed by itself (expired, or evicted): {@code DEL key}, or
     * {@code UNLINK key} when {@code lazy} (lazyfree-lazy-expire / lazyfree-lazy-eviction), as
     * Redis's propagateDeletion. Inside a command it joins that command's unit (before the
     * command itself); outside (the active expiry cycle, eviction before a command) it leaves at
     * once, on its own.
     */
    public void deletion(int db, byte[] key, boolean lazy) {
        if (wanted == 0) {
            return;
        }
        add(db, new byte[][] {lazy ? UNLINK : DEL, Arrays.copyOf(key, key.length)}, ALL);
    }

    private void flush() {
        int n = count;
        count = 0;
        int union = 0;
        for (int i = 0; i < n; i++) {
            union |= targets[i];
        }
        boolean transaction = n > 1 && !noTransaction;
        try {
            if (transaction) {
                send(-1, new byte[][] {MULTI}, union);
            }
            for (int i = 0; i < n; i++) {
                send(dbs[i], argvs[i], targets[i]);
                argvs[i] = null;
            }
            if (transaction) {
                send(-1, new byte[][] {EXEC}, union);
            }
        } finally {
            for (Subscriber s : subscribers) {
                s.unitEnd();
            }
        }
    }

    private void send(int db, byte[][] argv, int t) {
        for (int i = 0; i < subscribers.size(); i++) {
            Subscriber s = subscribers.get(i);
            if ((s.targets() & t) != 0) {
                s.feed(db, argv);
            }
        }
    }

    /** A number as a command argument. */
    public static byte[] number(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
