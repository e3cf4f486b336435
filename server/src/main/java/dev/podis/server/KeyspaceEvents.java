package dev.podis.server;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Keyspace notifications, as Redis's notify.c: the event classes of {@code notify-keyspace-events}
 * and the publishing of {@code __keyspace@<db>__:<key>} (message: the event) and
 * {@code __keyevent@<db>__:<event>} (message: the key) through {@link PubSub}.
 *
 * <p>Command families report an event where Redis calls {@code notifyKeyspaceEvent}, with the same
 * class and name and in the same order, through {@link ServerContext#notifyKeyspaceEvent(Client, int, String, byte[])}.
 * That call reads one field and returns while the class is off, so it costs nothing with
 * notifications off (the default). The events of a command that writes:
 *
 * <ul>
 *   <li>{@link #NEW} {@code new} first, when the command creates the key (Redis's dbAdd:
 *       {@link ServerContext#notifyNew}, or {@link ServerContext#notifyIfNew} before a put that does
 *       not look the key up);</li>
 *   <li>the command's own event once the change is made ({@code set}, {@code lpush}, {@code hset},
 *       {@code zadd}, ...), only when something changed;</li>
 *   <li>{@link #GENERIC} {@code del} after it when the command emptied a collection and so removed
 *       the key ({@link ServerContext#notifyDeleted}).</li>
 * </ul>
 *
 * <p>Expiry ({@code expired}) and reads of missing keys ({@code keymiss}, in
 * {@link ServerContext#lookupRead}) are reported by the server itself; eviction reports
 * {@code evicted} through {@link ServerContext#evicted} (or {@link dev.podis.storage.KeyspaceListener#evicted}).
 *
 * <p>Families still to come call the same API with Redis's names: streams with {@link #STREAM}
 * ({@code xadd}, {@code xtrim}, {@code xdel}, {@code xsetid}, {@code xgroup-create},
 * {@code xgroup-createconsumer}, {@code xgroup-delconsumer}, {@code xgroup-destroy},
 * {@code xgroup-setid}, {@code xautoclaim}/{@code xclaim} as {@code xclaim}), HyperLogLog with
 * {@link #STRING} ({@code pfadd}, and {@code pfadd} for PFMERGE's destination), geo through the
 * sorted-set class ({@link #ZSET}: {@code zadd} for GEOADD, {@code geosearchstore} for
 * GEOSEARCHSTORE and {@code georadiusstore} for the STORE forms of GEORADIUS, {@code del} instead
 * for an empty result), each with {@code new} before it when the key is created; XREADGROUP and
 * XCLAIM that create a consumer report {@code xgroup-createconsumer} first.
 *
 * <p>A message for the client that ran the command follows that command's reply (after a whole
 * MULTI/EXEC), as in Redis 7.2: {@link PubSub} holds it until the dispatcher finishes the command.
 */
public final class KeyspaceEvents {
    /** K: {@code __keyspace@<db>__:<key>} channels. */
    public static final int KEYSPACE = 1;
    /** E: {@code __keyevent@<db>__:<event>} channels. */
    public static final int KEYEVENT = 1 << 1;
    /** g: generic commands (del, expire, rename, ...). */
    public static final int GENERIC = 1 << 2;
    /** $: string commands. */
    public static final int STRING = 1 << 3;
    /** l: list commands. */
    public static final int LIST = 1 << 4;
    /** s: set commands. */
    public static final int SET = 1 << 5;
    /** h: hash commands. */
    public static final int HASH = 1 << 6;
    /** z: sorted-set commands. */
    public static final int ZSET = 1 << 7;
    /** x: keys removed because they expired. */
    public static final int EXPIRED = 1 << 8;
    /** e: keys removed by maxmemory eviction. */
    public static final int EVICTED = 1 << 9;
    /** t: stream commands. */
    public static final int STREAM = 1 << 10;
    /** m: a read of a missing key (not part of A). */
    public static final int KEY_MISS = 1 << 11;
    /** d: module events (accepted; Podis has no modules). */
    public static final int MODULE = 1 << 13;
    /** n: a key was created (not part of A). */
    public static final int NEW = 1 << 14;
    /** A: g$lshzxetd. */
    public static final int ALL = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

    /** Redis's error for an unknown class character. */
    public static final String INVALID = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

    private static final byte[] KEYSPACE_PREFIX = ascii("__keyspace@");
    private static final byte[] KEYEVENT_PREFIX = ascii("__keyevent@");
    private static final byte[] INFIX = ascii("__:");

    private final PubSub pubsub;
    /** Event names as bytes, by name (the names are a small fixed set of literals). */
    private final Map<String, byte[]> names = new HashMap<>();
    /** "<db>" as digits, by database index. */
    private byte[][] dbDigits = new byte[16][];

    KeyspaceEvents(PubSub pubsub) {
        this.pubsub = pubsub;
    }

    /** The class bits of a {@code notify-keyspace-events} value, or -1 for an unknown character. */
    public static int parse(String classes) {
        int flags = 0;
        for (int i = 0; i < classes.length(); i++) {
            switch (classes.charAt(i)) {
                case 'A': flags |= ALL; break;
                case 'g': flags |= GENERIC; break;
                case '$': flags |= STRING; break;
                case 'l': flags |= LIST; break;
                case 's': flags |= SET; break;
                case 'h': flags |= HASH; break;
                case 'z': flags |= ZSET; break;
                case 'x': flags |= EXPIRED; break;
                case 'e': flags |= EVICTED; break;
                case 'K': flags |= KEYSPACE; break;
                case 'E': flags |= KEYEVENT; break;
                case 't': flags |= STREAM; break;
                case 'm': flags |= KEY_MISS; break;
                case 'd': flags |= MODULE; break;
                case 'n': flags |= NEW; break;
                default: return -1;
            }
        }
        return flags;
    }

    /**
     * The text Redis shows for {@code flags} (keyspaceEventsFlagsToString): "A" when every class of
     * A is on (and then without "n", as Redis prints it), else the classes in Redis's order; then
     * K, E and m.
     */
    public static String format(int flags) {
        return format(flags, false);
    }

    /** Like {@link #format(int)}, but keeping "n" next to "A", so that the text parses back to {@code flags}. */
    public static String formatKeepingNew(int flags) {
        return format(flags, true);
    }

    private static String format(int flags, boolean keepNew) {
        StringBuilder sb = new StringBuilder();
        if ((flags & ALL) == ALL) {
            sb.append('A');
            if (keepNew && (flags & NEW) != 0) {
                sb.append('n');
            }
        } else {
            append(sb, flags, GENERIC, 'g');
            append(sb, flags, STRING, '$');
            append(sb, flags, LIST, 'l');
            append(sb, flags, SET, 's');
            append(sb, flags, HASH, 'h');
            append(sb, flags, ZSET, 'z');
            append(sb, flags, EXPIRED, 'x');
            append(sb, flags, EVICTED, 'e');
            append(sb, flags, STREAM, 't');
            append(sb, flags, MODULE, 'd');
            append(sb, flags, NEW, 'n');
        }
        append(sb, flags, KEYSPACE, 'K');
        append(sb, flags, KEYEVENT, 'E');
        append(sb, flags, KEY_MISS, 'm');
        return sb.toString();
    }

    private static void append(StringBuilder sb, int flags, int bit, char c) {
        if ((flags & bit) != 0) {
            sb.append(c);
        }
    }

    /**
     * Publishes one event (notifyKeyspaceEvent) to the channels {@code flags} asks for. The caller
     * has checked that the event's class is on. {@code publisher} is the client whose command caused
     * it (its own copy is held back until its reply is written), or null (active expiry).
     */
    void publish(Client publisher, int flags, String event, byte[] key, int db) {
        byte[] name = names.computeIfAbsent(event, KeyspaceEvents::ascii);
        byte[] digits = digits(db);
        if ((flags & KEYSPACE) != 0) {
            pubsub.publish(publisher, channel(KEYSPACE_PREFIX, digits, key), name, false);
        }
        if ((flags & KEYEVENT) != 0) {
            pubsub.publish(publisher, channel(KEYEVENT_PREFIX, digits, name), key, false);
        }
    }

    private byte[] digits(int db) {
        if (db >= dbDigits.length) {
            dbDigits = java.util.Arrays.copyOf(dbDigits, db + 1);
        }
        byte[] d = dbDigits[db];
        if (d == null) {
            d = ascii(Integer.toString(db));
            dbDigits[db] = d;
        }
        return d;
    }

    private static byte[] channel(byte[] prefix, byte[] db, byte[] suffix) {
        byte[] out = new byte[prefix.length + db.length + INFIX.length + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(db, 0, out, prefix.length, db.length);
        System.arraycopy(INFIX, 0, out, prefix.length + db.length, INFIX.length);
        System.arraycopy(suffix, 0, out, prefix.length + db.length + INFIX.length, suffix.length);
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
