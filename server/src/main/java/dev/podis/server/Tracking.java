package dev.podis.server;

import dev.podis.protocol.RespWriter;
import dev.podis.server.command.CommandSpec;
import dev.podis.server.command.KeyExtractor;
import dev.podis.server.config.ConfigValue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Client-side caching, as Redis's tracking.c: CLIENT TRACKING's two modes and the invalidation
 * messages they earn.
 *
 * <ul>
 *   <li>Default mode: after a read-only command of a tracking client, the keys it named go into the
 *       tracking table (key → ids of the clients that may cache it), subject to OPTIN/OPTOUT and
 *       CLIENT CACHING. A change to a key sends {@code invalidate [key]} to each of them and forgets
 *       the key; the next read tracks it again. Keys are tracked by name, in every database.</li>
 *   <li>BCAST: the client registers prefixes instead (the empty prefix matches every key). Changed
 *       keys are collected per prefix and broadcast, sorted, once the command loop finishes its
 *       current round of work, as Redis does before it sleeps.</li>
 * </ul>
 *
 * <p>Messages are RESP3 pushes ({@code >2 invalidate [keys]}) on the tracking connection or the one
 * it redirects to; a RESP2 redirect target in pub/sub mode gets them as messages of the channel
 * {@code __redis__:invalidate}. FLUSHDB and FLUSHALL invalidate everything: a null instead of the
 * key array to every tracking client. A message for the client whose command caused it follows
 * that command's reply (after a whole MULTI/EXEC), as Redis 7.2.
 *
 * <p>Changes come from the keyspace's reports ({@link dev.podis.storage.KeyspaceListener}), which
 * are on only while some client tracks: with nobody tracking, a write costs nothing here. Like
 * WATCH, a collection looked up for writing counts as changed even when the command then changes
 * nothing (see {@link ServerContext#lookupWrite}); that can only add invalidations, never lose one.
 * When the last tracking client goes the table is dropped (Redis keeps it until its keys change).
 */
public final class Tracking {
    static final int ON = 1;
    /** CLIENT TRACKING options (and flags of {@link State}). */
    public static final int BCAST = 1 << 1;
    public static final int OPTIN = 1 << 2;
    public static final int OPTOUT = 1 << 3;
    public static final int NOLOOP = 1 << 5;
    static final int CACHING = 1 << 4;
    static final int BROKEN_REDIR = 1 << 6;

    private static final Comparator<byte[]> BYTES = Arrays::compareUnsigned;
    private static final byte[] INVALIDATE = ascii("invalidate");
    private static final byte[] REDIR_BROKEN = ascii("tracking-redir-broken");
    private static final byte[] MESSAGE = ascii("message");
    private static final byte[] CHANNEL = ascii("__redis__:invalidate");
    private static final List<String> SCRIPTS_READ_ONLY = List.of("eval_ro", "evalsha_ro", "fcall_ro");

    /** One client's tracking state (CLIENT TRACKING options, CLIENT CACHING, its prefixes). */
    public static final class State {
        int flags;
        long redirect;
        /** BCAST prefixes, sorted as bytes; null when none. */
        TreeSet<byte[]> prefixes;

        public boolean on() {
            return (flags & ON) != 0;
        }

        public boolean bcast() {
            return (flags & BCAST) != 0;
        }

        public boolean optin() {
            return (flags & OPTIN) != 0;
        }

        public boolean optout() {
            return (flags & OPTOUT) != 0;
        }

        /** CLIENT CACHING was given for the next command. */
        public boolean caching() {
            return (flags & CACHING) != 0;
        }

        public boolean noloop() {
            return (flags & NOLOOP) != 0;
        }

        /** The client it redirects to has gone. */
        public boolean brokenRedirect() {
            return (flags & BROKEN_REDIR) != 0;
        }

        /** The id messages go to, 0 for this connection itself. */
        public long redirect() {
            return redirect;
        }

        /** The BCAST prefixes in byte order (a copy). */
        public List<byte[]> prefixes() {
            return prefixes == null ? List.of() : new ArrayList<>(prefixes);
        }
    }

    /** One BCAST prefix: the keys changed since the last broadcast (with who changed them last), its clients. */
    private static final class Prefix {
        final TreeMap<byte[], Client> keys = new TreeMap<>(BYTES);
        final LinkedHashSet<Client> clients = new LinkedHashSet<>();
    }

    /** An invalidation held back until the current command's reply is written; keys null means all. */
    private record Pending(Client client, byte[] key, boolean all) {
    }

    private final ServerContext server;
    private final ConfigValue maxKeys;
    /** Key → ids of the clients that may cache it. */
    private final HashMap<ByteBuffer, LinkedHashSet<Long>> table = new HashMap<>();
    private long totalItems;
    private final TreeMap<byte[], Prefix> prefixTable = new TreeMap<>(BYTES);
    private int clients;
    private boolean broadcastScheduled;
    private final ArrayList<Pending> pending = new ArrayList<>();
    private long lastFlushCommand = -1;
    private int limitRounds;
    private final KeyExtractor.Result keys = new KeyExtractor.Result();

    Tracking(ServerContext server) {
        this.server = server;
        this.maxKeys = server.config().value("tracking-table-max-keys");
    }

    // ---- state (CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO) ----

    /** The tracking state of {@code c}, or null if it never enabled tracking. */
    public static State state(Client c) {
        return c.trackingState();
    }

    /**
     * The error CLIENT TRACKING ON with {@code options} and {@code prefixes} gets from {@code c}'s
     * current state, in Redis's order of checks, or null when tracking may be enabled so.
     */
    public String enableError(Client c, int options, List<byte[]> prefixes) {
        State st = c.trackingState();
        boolean on = st != null && st.on();
        if ((options & BCAST) == 0 && !prefixes.isEmpty()) {
            return "ERR PREFIX option requires BCAST mode to be enabled";
        }
        if (on && st.bcast() != ((options & BCAST) != 0)) {
            return "ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
                    + "and then re-enabling it with a different mode.";
        }
        if ((options & BCAST) != 0 && (options & (OPTIN | OPTOUT)) != 0) {
            return "ERR OPTIN and OPTOUT are not compatible with BCAST";
        }
        if ((options & OPTIN) != 0 && (options & OPTOUT) != 0) {
            return "ERR You can't specify both OPTIN mode and OPTOUT mode";
        }
        if (on && (((options & OPTIN) != 0 && st.optout()) || ((options & OPTOUT) != 0 && st.optin()))) {
            return "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
                    + "and then re-enabling it with a different mode.";
        }
        return (options & BCAST) != 0 ? prefixCollision(c, prefixes) : null;
    }

    /**
     * Redis's checkPrefixCollisionsOrReply: the error text when one of {@code prefixes} overlaps a
     * prefix {@code c} already has or another of them (one is a prefix of the other), else null.
     */
    private String prefixCollision(Client c, List<byte[]> prefixes) {
        State st = c.trackingState();
        for (int i = 0; i < prefixes.size(); i++) {
            byte[] p = prefixes.get(i);
            if (st != null && st.prefixes != null) {
                for (byte[] existing : st.prefixes) {
                    if (overlap(existing, p)) {
                        return "ERR Prefix '" + str(p) + "' overlaps with an existing prefix '" + str(existing)
                                + "'. Prefixes for a single client must not overlap.";
                    }
                }
            }
            for (int j = i + 1; j < prefixes.size(); j++) {
                if (overlap(p, prefixes.get(j))) {
                    return "ERR Prefix '" + str(p) + "' overlaps with another provided prefix '" + str(prefixes.get(j))
                            + "'. Prefixes for a single client must not overlap.";
                }
            }
        }
        return null;
    }

    private static boolean overlap(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        return Arrays.equals(a, 0, n, b, 0, n);
    }

    /**
     * CLIENT TRACKING ON (enableTracking): {@code options} of {@link #BCAST}, {@link #OPTIN},
     * {@link #OPTOUT}, {@link #NOLOOP}; the options already checked by the caller. Enabling again
     * replaces the options and adds prefixes.
     */
    public void enable(Client c, long redirect, int options, List<byte[]> prefixes) {
        State st = c.trackingState();
        if (st == null) {
            st = new State();
            c.trackingState(st);
        }
        if (!st.on()) {
            if (clients++ == 0) {
                server.keyspace().startTrackingChanges();
            }
        }
        st.flags = (st.flags | ON) & ~(BROKEN_REDIR | BCAST | OPTIN | OPTOUT | NOLOOP);
        st.redirect = redirect;
        if ((options & BCAST) != 0) {
            st.flags |= BCAST;
            if (prefixes.isEmpty()) {
                addPrefix(c, st, new byte[0]);
            }
            for (byte[] p : prefixes) {
                addPrefix(c, st, p.clone());
            }
        }
        st.flags |= options & (OPTIN | OPTOUT | NOLOOP);
    }

    private void addPrefix(Client c, State st, byte[] prefix) {
        Prefix p = prefixTable.computeIfAbsent(prefix, k -> new Prefix());
        if (p.clients.add(c)) {
            if (st.prefixes == null) {
                st.prefixes = new TreeSet<>(BYTES);
            }
            st.prefixes.add(prefix);
        }
    }

    /** CLIENT TRACKING OFF, RESET and a closed connection (disableTracking). */
    public void disable(Client c) {
        State st = c.trackingState();
        if (st == null) {
            return;
        }
        if (st.bcast() && st.prefixes != null) {
            for (byte[] prefix : st.prefixes) {
                Prefix p = prefixTable.get(prefix);
                if (p != null) {
                    p.clients.remove(c);
                    if (p.clients.isEmpty()) {
                        prefixTable.remove(prefix);
                    }
                }
            }
            st.prefixes = null;
        }
        if (st.on()) {
            st.flags = 0;
            if (--clients == 0) {
                server.keyspace().stopTrackingChanges();
                // Nobody can be told any more: the table goes (Redis drops entries as keys change).
                table.clear();
                totalItems = 0;
            }
        }
    }

    /** CLIENT CACHING YES|NO: the next command's keys are (not) tracked. */
    public static void caching(Client c) {
        c.trackingState().flags |= CACHING;
    }

    /** After each command outside MULTI (CLIENT itself excepted), CLIENT CACHING's effect ends. */
    static void endCaching(Client c) {
        State st = c.trackingState();
        if (st != null) {
            st.flags &= ~CACHING;
        }
    }

    // ---- remembering keys read ----

    /** True while some client tracks (INFO tracking_clients). */
    public int clients() {
        return clients;
    }

    /** Keys in the tracking table (INFO tracking_total_keys). */
    public int totalKeys() {
        return table.size();
    }

    /** (key, client) pairs in the tracking table (INFO tracking_total_items). */
    public long totalItems() {
        return totalItems;
    }

    /** BCAST prefixes in use (INFO tracking_total_prefixes). */
    public int totalPrefixes() {
        return prefixTable.size();
    }

    /**
     * After a read-only command (trackingRememberKeys): remembers its keys for {@code tracking}, the
     * client whose command (or transaction) it is, unless OPTIN/OPTOUT and CLIENT CACHING say otherwise.
     */
    void commandExecuted(Client tracking, CommandSpec spec, byte[][] argv) {
        State st = tracking.trackingState();
        if (st == null || (st.flags & (ON | BCAST)) != ON || !spec.has(CommandSpec.READONLY)
                || spec.has(CommandSpec.PUBSUB) || SCRIPTS_READ_ONLY.contains(spec.fullName())) {
            return;
        }
        boolean caching = st.caching();
        if ((st.optin() && !caching) || (st.optout() && caching)) {
            return;
        }
        KeyExtractor.Result r = keys;
        int n = spec.keyExtractor().keys(argv, 0, r);
        Long id = tracking.id();
        for (int i = 0; i < n; i++) {
            byte[] key = argv[r.positions[i]];
            LinkedHashSet<Long> ids = table.get(ByteBuffer.wrap(key));
            if (ids == null) {
                ids = new LinkedHashSet<>(2);
                table.put(ByteBuffer.wrap(key.clone()), ids); // outlives the request's buffers
            }
            if (ids.add(id)) {
                totalItems++;
            }
        }
    }

    /**
     * Before a command runs (trackingLimitUsedSlots): while the table holds more keys than
     * tracking-table-max-keys, forgets keys as if they changed, invalidating them for their clients;
     * at most 100 per round, more each time the table is still over the limit.
     */
    void limit() {
        long max = maxKeys.asLong();
        if (max == 0 || table.size() <= max) {
            limitRounds = 0;
            return;
        }
        int effort = 100 * (limitRounds + 1);
        List<byte[]> victims = new ArrayList<>(Math.min(effort, table.size()));
        Iterator<ByteBuffer> it = table.keySet().iterator();
        while (victims.size() < effort && it.hasNext()) {
            victims.add(it.next().array()); // HashMap order: as good as Redis's random walk here
        }
        for (byte[] key : victims) {
            invalidate(key, false);
            if (table.size() <= max) {
                limitRounds = 0;
                return;
            }
        }
        limitRounds++;
    }

    // ---- invalidation ----

    /** A key changed (trackingInvalidateKey): tells its tracking clients, and the BCAST prefixes it matches. */
    void invalidate(byte[] key, boolean bcast) {
        if (bcast && !prefixTable.isEmpty()) {
            rememberForBroadcast(key);
        }
        if (table.isEmpty()) {
            return;
        }
        LinkedHashSet<Long> ids = table.remove(ByteBuffer.wrap(key));
        if (ids == null) {
            return;
        }
        totalItems -= ids.size();
        Client current = server.currentClient();
        for (Long id : ids) {
            Client target = server.clients().get(id);
            State st = target == null ? null : target.trackingState();
            if (st == null || (st.flags & (ON | BCAST)) != ON) {
                continue;
            }
            if (st.noloop() && target == current) {
                continue;
            }
            send(target, key, false);
        }
    }

    /** FLUSHDB / FLUSHALL (trackingInvalidateKeysOnFlush): a null to every tracking client, once per command. */
    void flushed() {
        long command = server.stats().totalCommandsProcessed;
        if (command == lastFlushCommand) {
            return; // FLUSHALL empties every database: one message for all
        }
        lastFlushCommand = command;
        if (clients > 0) {
            for (Client c : new ArrayList<>(server.clients().values())) {
                State st = c.trackingState();
                if (st != null && st.on()) {
                    send(c, null, true);
                }
            }
        }
        table.clear();
        totalItems = 0;
    }

    private void rememberForBroadcast(byte[] key) {
        Client current = server.currentClient();
        boolean any = false;
        for (Map.Entry<byte[], Prefix> e : prefixTable.entrySet()) {
            byte[] prefix = e.getKey();
            if (prefix.length > key.length || !Arrays.equals(prefix, 0, prefix.length, key, 0, prefix.length)) {
                continue;
            }
            e.getValue().keys.put(key.clone(), current);
            any = true;
        }
        if (any && !broadcastScheduled) {
            broadcastScheduled = true;
            server.commandLoop().execute(this::broadcast);
        }
    }

    /** Sends the keys collected per prefix to the prefix's clients (trackingBroadcastInvalidationMessages). */
    void broadcast() {
        broadcastScheduled = false;
        for (Prefix p : prefixTable.values()) {
            if (p.keys.isEmpty()) {
                continue;
            }
            for (Client c : new ArrayList<>(p.clients)) {
                State st = c.trackingState();
                List<byte[]> keys = new ArrayList<>(p.keys.size());
                for (Map.Entry<byte[], Client> k : p.keys.entrySet()) {
                    if (!(st.noloop() && k.getValue() == c)) {
                        keys.add(k.getKey());
                    }
                }
                if (!keys.isEmpty()) {
                    write(c, keys, false);
                }
            }
            p.keys.clear();
        }
    }

    private void send(Client c, byte[] key, boolean all) {
        if (server.executing() && isCurrentTarget(c)) {
            pending.add(new Pending(c, key, all)); // after the command's reply
            return;
        }
        write(c, key == null ? null : List.of(key), all);
    }

    private boolean isCurrentTarget(Client c) {
        Client current = server.currentClient();
        State st = c.trackingState();
        return c == current || (current != null && st != null && st.redirect == current.id());
    }

    /** The held-back invalidations of the command that just finished (trackingHandlePendingKeyInvalidations). */
    void afterCommand() {
        if (pending.isEmpty()) {
            return;
        }
        List<Pending> held = new ArrayList<>(pending);
        pending.clear();
        for (Pending p : held) {
            if (p.client().channel().isActive()) {
                write(p.client(), p.key() == null ? null : List.of(p.key()), p.all());
            }
        }
    }

    /** sendTrackingMessage: to {@code c} or its redirect target; {@code keys} null with {@code all} for a flush. */
    private void write(Client c, List<byte[]> keys, boolean all) {
        State st = c.trackingState();
        Client target = c;
        boolean redirected = false;
        if (st.redirect != 0) {
            Client redir = server.clients().get(st.redirect);
            if (redir == null) {
                st.flags |= BROKEN_REDIR;
                if (c.protocol() > 2 && !c.closingAsap()) {
                    RespWriter w = c.reply();
                    w.pushHeader(2);
                    w.bulk(REDIR_BROKEN);
                    w.integer(st.redirect);
                    delivered(c);
                }
                return;
            }
            target = redir;
            redirected = true;
        }
        if (target.closingAsap()) {
            return;
        }
        RespWriter w;
        if (target.protocol() > 2) {
            w = target.reply();
            w.pushHeader(2);
            w.bulk(INVALIDATE);
        } else if (redirected && target.subscribed()) {
            w = target.reply();
            w.pushHeader(3);
            w.bulk(MESSAGE);
            w.bulk(CHANNEL);
        } else {
            return; // RESP2 without a redirect: nowhere to say it
        }
        if (all) {
            w.nullBulk();
        } else {
            w.arrayHeader(keys.size());
            for (byte[] k : keys) {
                w.bulk(k);
            }
        }
        delivered(target);
    }

    private void delivered(Client c) {
        c.flushSoon();
        server.outputBufferLimits().check(c);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
