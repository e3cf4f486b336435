package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.ServerContext;
import dev.podis.server.Tracking;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.net.ClientConnection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.unix.UnixChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CLIENT command (networking.c's clientCommand): identity (ID, SETNAME, GETNAME, SETINFO),
 * introspection (LIST, INFO), control of other connections (KILL, PAUSE, UNPAUSE, UNBLOCK) and of
 * this one (REPLY, NO-EVICT, NO-TOUCH), and client-side caching (TRACKING, CACHING, GETREDIR,
 * TRACKINGINFO; the tracking itself is {@link Tracking}).
 */
public final class ClientCommands implements CommandFamily {
    /** Client types as CLIENT LIST TYPE and CLIENT KILL TYPE name them. */
    private enum Type { NORMAL, REPLICA, PUBSUB, MASTER }

    private static final String[] HELP = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>",
        "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.",
        "    * LIB-VER: the client lib version.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
        "HELP",
        "    Prints this help.",
    };

    static final String BAD_NAME = "ERR Client names cannot contain spaces, newlines or special characters.";

    private final ServerContext server;

    public ClientCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        t.bind("client|id", this::id);
        t.bind("client|setname", this::setname);
        t.bind("client|getname", this::getname);
        t.bind("client|setinfo", this::setinfo);
        t.bind("client|list", this::list);
        t.bind("client|info", this::info);
        t.bind("client|kill", this::kill);
        t.bind("client|reply", this::reply);
        t.bind("client|no-evict", this::noEvict);
        t.bind("client|no-touch", this::noTouch);
        t.bind("client|pause", this::pause);
        t.bind("client|unpause", this::unpause);
        t.bind("client|unblock", this::unblock);
        t.bind("client|help", this::help);
        t.bind("client|tracking", this::tracking);
        t.bind("client|caching", this::caching);
        t.bind("client|getredir", this::getredir);
        t.bind("client|trackinginfo", this::trackinginfo);
    }

    void id(Client c, byte[][] argv) {
        c.reply().integer(c.id());
    }

    void setname(Client c, byte[][] argv) {
        if (!validName(argv[2])) {
            c.error(BAD_NAME);
            return;
        }
        c.name(argv[2].length == 0 ? null : Args.str(argv[2]));
        c.reply().ok();
    }

    void getname(Client c, byte[][] argv) {
        c.reply().bulk(c.name());
    }

    void setinfo(Client c, byte[][] argv) {
        boolean libName = Args.is(argv[2], "LIB-NAME");
        if (!libName && !Args.is(argv[2], "LIB-VER")) {
            c.error("ERR Unrecognized option '" + Args.str(argv[2]) + "'");
            return;
        }
        if (!validName(argv[3])) {
            c.error("ERR " + Args.str(argv[2]) + " cannot contain spaces, newlines or special characters.");
            return;
        }
        String value = argv[3].length == 0 ? null : Args.str(argv[3]);
        if (libName) {
            c.libName(value);
        } else {
            c.libVersion(value);
        }
        c.reply().ok();
    }

    void list(Client c, byte[][] argv) {
        StringBuilder out = new StringBuilder();
        long now = System.currentTimeMillis();
        if (argv.length == 4 && Args.is(argv[2], "TYPE")) {
            Type type = parseType(argv[3]);
            if (type == null) {
                c.error("ERR Unknown client type '" + Args.str(argv[3]) + "'");
                return;
            }
            for (Client other : server.clients().values()) {
                if (typeOf(other) == type) {
                    appendInfo(out, other, c, argv, now).append('\n');
                }
            }
        } else if (argv.length > 3 && Args.is(argv[2], "ID")) {
            List<Long> ids = new ArrayList<>();
            for (int i = 3; i < argv.length; i++) {
                long id = Args.parseLong(argv[i]);
                if (id == Args.NOT_A_NUMBER && !Args.isLong(argv[i])) {
                    c.error("ERR Invalid client ID");
                    return;
                }
                ids.add(id);
            }
            for (long id : ids) {
                Client other = server.clients().get(id);
                if (other != null) {
                    appendInfo(out, other, c, argv, now).append('\n');
                }
            }
        } else if (argv.length != 2) {
            c.error(Args.SYNTAX);
            return;
        } else {
            for (Client other : server.clients().values()) {
                appendInfo(out, other, c, argv, now).append('\n');
            }
        }
        c.reply().verbatim("txt", out.toString());
    }

    void info(Client c, byte[][] argv) {
        StringBuilder out = new StringBuilder();
        appendInfo(out, c, c, argv, System.currentTimeMillis()).append('\n');
        c.reply().verbatim("txt", out.toString());
    }

    void kill(Client c, byte[][] argv) {
        String addr = null;
        String laddr = null;
        Type type = null;
        long id = 0;
        boolean skipMe = true;
        if (argv.length == 3) {
            addr = Args.str(argv[2]);
            skipMe = false; // the old form may kill the caller itself
        } else {
            for (int i = 2; i < argv.length; i += 2) {
                boolean moreArgs = i + 1 < argv.length;
                byte[] opt = argv[i];
                if (Args.is(opt, "ID") && moreArgs) {
                    id = Args.parseLong(argv[i + 1]);
                    if (id == Args.NOT_A_NUMBER || id < 1) {
                        c.error("ERR client-id should be greater than 0");
                        return;
                    }
                } else if (Args.is(opt, "TYPE") && moreArgs) {
                    type = parseType(argv[i + 1]);
                    if (type == null) {
                        c.error("ERR Unknown client type '" + Args.str(argv[i + 1]) + "'");
                        return;
                    }
                } else if (Args.is(opt, "ADDR") && moreArgs) {
                    addr = Args.str(argv[i + 1]);
                } else if (Args.is(opt, "LADDR") && moreArgs) {
                    laddr = Args.str(argv[i + 1]);
                } else if (Args.is(opt, "USER") && moreArgs) {
                    // Only the default user exists until ACLs land, and every client is logged in as it.
                    if (!Args.str(argv[i + 1]).equals("default")) {
                        c.error("ERR No such user '" + Args.str(argv[i + 1]) + "'");
                        return;
                    }
                } else if (Args.is(opt, "SKIPME") && moreArgs) {
                    if (Args.is(argv[i + 1], "YES")) {
                        skipMe = true;
                    } else if (Args.is(argv[i + 1], "NO")) {
                        skipMe = false;
                    } else {
                        c.error(Args.SYNTAX);
                        return;
                    }
                } else {
                    c.error(Args.SYNTAX);
                    return;
                }
            }
        }
        int killed = 0;
        boolean killMe = false;
        for (Client other : new ArrayList<>(server.clients().values())) {
            if (addr != null && !addr.equals(other.address())) {
                continue;
            }
            if (laddr != null && !laddr.equals(other.localAddress())) {
                continue;
            }
            if (type != null && typeOf(other) != type) {
                continue;
            }
            if (id != 0 && other.id() != id) {
                continue;
            }
            if (other == c) {
                if (skipMe) {
                    continue;
                }
                killMe = true;
            } else {
                disconnect(other);
            }
            killed++;
        }
        if (argv.length == 3) {
            if (killed == 0) {
                c.error("ERR No such client");
            } else {
                c.reply().ok();
            }
        } else {
            c.reply().integer(killed);
        }
        if (killMe) {
            c.closeAfterReply(); // after the reply is queued, as Redis does
        }
    }

    /** Closes another client at once, dropping its unsent replies and anything it had pipelined. */
    private void disconnect(Client other) {
        other.closeAfterReply();
        server.clients().remove(other.id());
        other.channel().close();
    }

    void reply(Client c, byte[][] argv) {
        if (Args.is(argv[2], "ON")) {
            c.repliesOn();
            c.reply().ok();
        } else if (Args.is(argv[2], "OFF")) {
            c.replyMode(Client.ReplyMode.OFF);
        } else if (Args.is(argv[2], "SKIP")) {
            if (c.replyMode() != Client.ReplyMode.OFF) {
                c.replyMode(Client.ReplyMode.SKIP); // the next command's reply is dropped
            }
        } else {
            c.error(Args.SYNTAX);
        }
    }

    void noEvict(Client c, byte[][] argv) {
        Boolean on = onOff(argv[2]);
        if (on == null) {
            c.error(Args.SYNTAX);
            return;
        }
        c.noEvict(on);
        c.reply().ok();
    }

    void noTouch(Client c, byte[][] argv) {
        Boolean on = onOff(argv[2]);
        if (on == null) {
            c.error(Args.SYNTAX);
            return;
        }
        c.noTouch(on);
        c.reply().ok();
    }

    void pause(Client c, byte[][] argv) {
        if (argv.length > 4) {
            subcommandSyntaxError(c, argv);
            return;
        }
        boolean all = true;
        if (argv.length == 4) {
            if (Args.is(argv[3], "WRITE")) {
                all = false;
            } else if (!Args.is(argv[3], "ALL")) {
                c.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
                return;
            }
        }
        long timeout = Args.parseLong(argv[2]);
        if (timeout == Args.NOT_A_NUMBER && !Args.isLong(argv[2])) {
            c.error("ERR timeout is not an integer or out of range");
            return;
        }
        if (timeout < 0) {
            c.error("ERR timeout is negative");
            return;
        }
        long now = System.currentTimeMillis();
        if (timeout > Long.MAX_VALUE - now) {
            c.error("ERR timeout is out of range");
            return;
        }
        server.pause().pause(timeout > 0 ? now + timeout : 0, all);
        c.reply().ok();
    }

    void unpause(Client c, byte[][] argv) {
        server.pause().unpause();
        c.reply().ok();
    }

    void unblock(Client c, byte[][] argv) {
        if (argv.length > 4) {
            subcommandSyntaxError(c, argv);
            return;
        }
        boolean error = false;
        if (argv.length == 4) {
            if (Args.is(argv[3], "ERROR")) {
                error = true;
            } else if (!Args.is(argv[3], "TIMEOUT")) {
                c.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
                return;
            }
        }
        long id = Args.parseLong(argv[2]);
        if (id == Args.NOT_A_NUMBER && !Args.isLong(argv[2])) {
            c.error(Args.NOT_INTEGER);
            return;
        }
        Client target = server.clients().get(id);
        // A client held by CLIENT PAUSE is not blocked in a command: only the pause ends that wait.
        Client.Blocked blocked = target == null ? null : target.blocked();
        if (blocked == null || !blocked.unblockable()) {
            c.reply().integer(0);
            return;
        }
        if (error) {
            blocked.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
        } else {
            blocked.timeout();
        }
        c.reply().integer(1);
    }

    // ---- client-side caching

    /** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP], checks in Redis's order. */
    void tracking(Client c, byte[][] argv) {
        long redirect = 0;
        int options = 0;
        List<byte[]> prefixes = new ArrayList<>();
        for (int j = 3; j < argv.length; j++) {
            boolean moreArgs = j + 1 < argv.length;
            byte[] opt = argv[j];
            if (Args.is(opt, "REDIRECT") && moreArgs) {
                j++;
                if (redirect != 0) {
                    c.error("ERR A client can only redirect to a single other client");
                    return;
                }
                redirect = Args.parseLong(argv[j]);
                if (redirect == Args.NOT_A_NUMBER && !Args.isLong(argv[j])) {
                    c.error(Args.NOT_INTEGER);
                    return;
                }
                if (!server.clients().containsKey(redirect)) {
                    c.error("ERR The client ID you want redirect to does not exist");
                    return;
                }
            } else if (Args.is(opt, "BCAST")) {
                options |= Tracking.BCAST;
            } else if (Args.is(opt, "OPTIN")) {
                options |= Tracking.OPTIN;
            } else if (Args.is(opt, "OPTOUT")) {
                options |= Tracking.OPTOUT;
            } else if (Args.is(opt, "NOLOOP")) {
                options |= Tracking.NOLOOP;
            } else if (Args.is(opt, "PREFIX") && moreArgs) {
                prefixes.add(argv[++j]);
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        Tracking tracking = server.tracking();
        if (Args.is(argv[2], "ON")) {
            String error = tracking.enableError(c, options, prefixes);
            if (error != null) {
                c.error(error);
                return;
            }
            tracking.enable(c, redirect, options, prefixes);
        } else if (Args.is(argv[2], "OFF")) {
            tracking.disable(c);
        } else {
            c.error(Args.SYNTAX);
            return;
        }
        c.reply().ok();
    }

    /** CLIENT CACHING YES|NO: for OPTIN (YES) or OPTOUT (NO) tracking, about the next command. */
    void caching(Client c, byte[][] argv) {
        Tracking.State st = c.trackingState();
        if (st == null || !st.on()) {
            c.error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
                    + "OPTOUT mode enabled");
            return;
        }
        if (Args.is(argv[2], "YES")) {
            if (!st.optin()) {
                c.error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
                return;
            }
        } else if (Args.is(argv[2], "NO")) {
            if (!st.optout()) {
                c.error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
                return;
            }
        } else {
            c.error(Args.SYNTAX);
            return;
        }
        Tracking.caching(c);
        c.reply().ok();
    }

    void getredir(Client c, byte[][] argv) {
        c.reply().integer(redirectOf(c));
    }

    /** The redirect id CLIENT GETREDIR, TRACKINGINFO and CLIENT LIST redir= show: -1 when not tracking. */
    private static long redirectOf(Client c) {
        Tracking.State st = c.trackingState();
        return st != null && st.on() ? st.redirect() : -1;
    }

    /** CLIENT TRACKINGINFO: a map of flags (a set), redirect and prefixes. */
    void trackinginfo(Client c, byte[][] argv) {
        Tracking.State st = c.trackingState();
        List<String> flags = new ArrayList<>();
        flags.add(st != null && st.on() ? "on" : "off");
        if (st != null) {
            if (st.bcast()) {
                flags.add("bcast");
            }
            if (st.optin()) {
                flags.add("optin");
                if (st.caching()) {
                    flags.add("caching-yes");
                }
            }
            if (st.optout()) {
                flags.add("optout");
                if (st.caching()) {
                    flags.add("caching-no");
                }
            }
            if (st.noloop()) {
                flags.add("noloop");
            }
            if (st.brokenRedirect()) {
                flags.add("broken_redirect");
            }
        }
        RespWriter r = c.reply();
        r.mapHeader(3);
        r.bulk("flags");
        r.setHeader(flags.size());
        for (String f : flags) {
            r.bulk(f);
        }
        r.bulk("redirect");
        r.integer(redirectOf(c));
        r.bulk("prefixes");
        List<byte[]> prefixes = st == null ? List.of() : st.prefixes();
        r.arrayHeader(prefixes.size());
        for (byte[] p : prefixes) {
            r.bulk(p);
        }
    }

    void help(Client c, byte[][] argv) {
        c.reply().arrayHeader(HELP.length);
        for (String line : HELP) {
            c.reply().simple(line);
        }
    }

    // ---- helpers ----

    /** Redis's client name (and library attribute) charset: printable ASCII without spaces; empty is allowed. */
    static boolean validName(byte[] name) {
        for (byte b : name) {
            if (b < '!' || b > '~') {
                return false;
            }
        }
        return true;
    }

    private static Boolean onOff(byte[] arg) {
        if (Args.is(arg, "ON")) {
            return Boolean.TRUE;
        }
        if (Args.is(arg, "OFF")) {
            return Boolean.FALSE;
        }
        return null;
    }

    private static void subcommandSyntaxError(Client c, byte[][] argv) {
        String sub = Args.str(argv[1]);
        if (sub.length() > 128) {
            sub = sub.substring(0, 128);
        }
        c.error("ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try "
                + Args.str(argv[0]).toUpperCase(Locale.ROOT) + " HELP.");
    }

    private static Type parseType(byte[] name) {
        if (Args.is(name, "normal")) {
            return Type.NORMAL;
        }
        if (Args.is(name, "slave") || Args.is(name, "replica")) {
            return Type.REPLICA;
        }
        if (Args.is(name, "pubsub")) {
            return Type.PUBSUB;
        }
        if (Args.is(name, "master")) {
            return Type.MASTER;
        }
        return null;
    }

    /** Replication will add the master and replica types; MONITOR clients count as normal, as in Redis. */
    private static Type typeOf(Client c) {
        return c.subscribed() ? Type.PUBSUB : Type.NORMAL;
    }

    /**
     * One client's line for CLIENT LIST and CLIENT INFO, field for field in Redis 7.2's order.
     * For the calling client the command being executed is the current one, and it is not idle.
     */
    static StringBuilder appendInfo(StringBuilder sb, Client c, Client caller, byte[][] callerArgv, long now) {
        boolean self = c == caller;
        Channel ch = c.channel();
        ClientConnection conn = ch.pipeline().get(ClientConnection.class);
        int qbuf = conn == null ? 0 : conn.queryBufferLength();
        int qbufFree = conn == null ? 0 : conn.queryBufferFree();
        long argvMem = self ? argvBytes(callerArgv) : argvBytes(c.heldCommand());
        ByteBuf replies = c.pendingReplies();
        int rbs = replies == null ? 0 : replies.capacity();
        int obl = replies == null ? 0 : replies.readableBytes();
        ChannelOutboundBuffer outbound = ch.unsafe().outboundBuffer();
        int oll = outbound == null ? 0 : outbound.size();
        long omem = outbound == null ? 0 : outbound.totalPendingWriteBytes();
        String cmd = self ? commandName(callerArgv) : c.lastCommand();
        sb.append("id=").append(c.id())
                .append(" addr=").append(c.address())
                .append(" laddr=").append(c.localAddress())
                .append(" fd=").append(ch instanceof UnixChannel ? ((UnixChannel) ch).fd().intValue() : -1)
                .append(" name=").append(c.name() == null ? "" : c.name())
                .append(" age=").append((now - c.createdAt()) / 1000)
                .append(" idle=").append(self ? 0 : Math.max(0, now - c.lastInteraction()) / 1000)
                .append(" flags=");
        appendFlags(sb, c);
        sb.append(" db=").append(c.dbIndex())
                .append(" sub=").append(c.channelSubscriptions())
                .append(" psub=").append(c.patternSubscriptions())
                .append(" ssub=").append(c.shardSubscriptions())
                .append(" multi=").append(c.multiQueued())
                .append(" qbuf=").append(qbuf)
                .append(" qbuf-free=").append(qbufFree)
                .append(" argv-mem=").append(argvMem)
                .append(" multi-mem=0")
                .append(" rbs=").append(rbs)
                .append(" rbp=").append(rbs)
                .append(" obl=").append(obl)
                .append(" oll=").append(oll)
                .append(" omem=").append(omem)
                .append(" tot-mem=").append(qbuf + qbufFree + argvMem + rbs + omem)
                .append(" events=").append(ch.isActive() ? (oll > 0 ? "rw" : "r") : "")
                .append(" cmd=").append(cmd)
                .append(" user=default")
                .append(" redir=").append(redirectOf(c))
                .append(" resp=").append(c.protocol())
                .append(" lib-name=").append(c.libName() == null ? "" : c.libName())
                .append(" lib-ver=").append(c.libVersion() == null ? "" : c.libVersion());
        return sb;
    }

    /** Redis's flag letters, in its order; N when none applies. */
    private static void appendFlags(StringBuilder sb, Client c) {
        int start = sb.length();
        if (c.subscribed()) {
            sb.append('P');
        }
        if (c.multiQueued() >= 0) {
            sb.append('x');
        }
        if (c.blocked() != null || c.held()) {
            sb.append('b');
        }
        Tracking.State tracking = c.trackingState();
        if (tracking != null && tracking.on()) {
            sb.append('t');
            if (tracking.brokenRedirect()) {
                sb.append('R');
            }
            if (tracking.bcast()) {
                sb.append('B');
            }
        }
        if (c.watchDirty()) {
            sb.append('d');
        }
        if (c.closing()) {
            sb.append('c');
        }
        if (c.noEvict()) {
            sb.append('e');
        }
        if (c.noTouch()) {
            sb.append('T');
        }
        if (sb.length() == start) {
            sb.append('N');
        }
    }

    private static long argvBytes(byte[][] argv) {
        long n = 0;
        if (argv != null) {
            for (byte[] a : argv) {
                n += a.length;
            }
        }
        return n;
    }

    /** "client|list" for the running CLIENT LIST, as the table names it. */
    private static String commandName(byte[][] argv) {
        return Args.lower(argv[0]) + "|" + Args.lower(argv[1]);
    }
}
