package dev.podis.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The slow log (SLOWLOG): commands that took at least {@code slowlog-log-slower-than}
 * microseconds, newest first, at most {@code slowlog-max-len} entries. Arguments are trimmed as
 * Redis trims them: at most 32 arguments and 128 bytes per argument.
 */
public final class SlowLog {
    static final int MAX_ARGC = 32;
    static final int MAX_STRING = 128;

    /** One logged command. */
    public static final class Entry {
        public final long id;
        public final long timestamp;
        public final long micros;
        public final byte[][] argv;
        public final String peer;
        public final String clientName;

        Entry(long id, long timestamp, long micros, byte[][] argv, String peer, String clientName) {
            this.id = id;
            this.timestamp = timestamp;
            this.micros = micros;
            this.argv = argv;
            this.peer = peer;
            this.clientName = clientName;
        }
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long nextId;
    private long slowerThan = 10000;
    private int maxLen = 128;

    /** Applies the current slowlog-log-slower-than and slowlog-max-len. */
    public void configure(long slowerThanMicros, int maxLength) {
        this.slowerThan = slowerThanMicros;
        this.maxLen = Math.max(0, maxLength);
        while (entries.size() > maxLen) {
            entries.removeLast();
        }
    }

    /** True when a command that took {@code micros} must be logged. */
    public boolean wants(long micros) {
        return slowerThan >= 0 && maxLen > 0 && micros >= slowerThan;
    }

    public void add(Client c, byte[][] argv, long micros) {
        int argc = Math.min(argv.length, MAX_ARGC);
        byte[][] kept = new byte[argc][];
        for (int j = 0; j < argc; j++) {
            if (argc != argv.length && j == argc - 1) {
                kept[j] = ("... (" + (argv.length - argc + 1) + " more arguments)").getBytes(StandardCharsets.US_ASCII);
            } else if (argv[j].length > MAX_STRING) {
                byte[] tail = ("... (" + (argv[j].length - MAX_STRING) + " more bytes)").getBytes(StandardCharsets.US_ASCII);
                byte[] b = new byte[MAX_STRING + tail.length];
                System.arraycopy(argv[j], 0, b, 0, MAX_STRING);
                System.arraycopy(tail, 0, b, MAX_STRING, tail.length);
                kept[j] = b;
            } else {
                kept[j] = argv[j].clone(); // the request's arrays may be reused (borrowed arguments)
            }
        }
        String name = c.name();
        entries.addFirst(new Entry(nextId++, System.currentTimeMillis() / 1000, micros, kept, c.address(),
                name == null ? "" : name));
        while (entries.size() > maxLen) {
            entries.removeLast();
        }
    }

    public int length() {
        return entries.size();
    }

    public void reset() {
        entries.clear();
    }

    /** Newest first. */
    public Iterator<Entry> iterator() {
        return entries.iterator();
    }
}
