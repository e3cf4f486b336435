package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.Log;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.util.Glob;
import dev.podis.server.config.ConfigException;
import dev.podis.server.config.ConfigParam;
import dev.podis.server.config.ServerConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CONFIG command family: GET (several patterns, globs, aliases; a map in RESP3), SET (several
 * parameters at once, all or nothing), RESETSTAT, REWRITE and HELP, with Redis 7's replies and
 * error texts. The parameters themselves live in {@link ServerConfig}.
 */
public final class ConfigCommands implements CommandFamily {
    private static final String[] HELP = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    };

    private final ServerContext server;

    public ConfigCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        t.bind("config|get", this::get);
        t.bind("config|set", this::set);
        t.bind("config|resetstat", this::resetstat);
        t.bind("config|rewrite", this::rewrite);
        t.bind("config|help", this::help);
    }

    /**
     * CONFIG GET pattern [pattern ...]: a name without glob characters is looked up directly
     * (hidden parameters too) and answered under the name as given; a pattern matches canonical
     * names and aliases case-insensitively. Each parameter name appears once.
     */
    void get(Client c, byte[][] argv) {
        ServerConfig config = server.config();
        Map<String, String[]> matches = new LinkedHashMap<>();
        for (int i = 2; i < argv.length; i++) {
            String pattern = Args.str(argv[i]);
            if (pattern.indexOf('[') < 0 && pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0) {
                String key = pattern.toLowerCase(Locale.ROOT);
                ConfigParam p = config.param(pattern);
                if (!matches.containsKey(key) && p != null) {
                    matches.put(key, new String[] {pattern, p.shown(config.get(pattern))});
                }
                continue;
            }
            for (String name : config.names()) {
                ConfigParam p = config.param(name);
                if (p.hidden() || matches.containsKey(name)) {
                    continue;
                }
                if (Glob.match(pattern, name, true)) {
                    matches.put(name, new String[] {name, p.shown(config.get(name))});
                }
            }
        }
        RespWriter r = c.reply();
        r.mapHeader(matches.size());
        for (String[] kv : matches.values()) {
            r.bulk(kv[0]);
            r.bulk(kv[1]);
        }
    }

    /** CONFIG SET parameter value [parameter value ...]: atomic, as Redis 7. */
    void set(Client c, byte[][] argv) {
        if ((argv.length & 1) != 0) {
            c.error(Args.SYNTAX);
            return;
        }
        List<String> pairs = new ArrayList<>(argv.length - 2);
        for (int i = 2; i < argv.length; i++) {
            pairs.add(Args.str(argv[i]));
        }
        try {
            server.config().setAll(pairs, isLocal(c));
        } catch (ConfigException e) {
            c.error("ERR " + e.getMessage());
            return;
        }
        c.reply().ok();
    }

    void resetstat(Client c, byte[][] argv) {
        server.stats().reset();
        server.commands().resetStats();
        c.reply().ok();
    }

    void rewrite(Client c, byte[][] argv) {
        try {
            server.config().rewrite();
        } catch (ConfigException e) {
            c.error("ERR " + e.getMessage());
            return;
        } catch (IOException | RuntimeException e) {
            Log.warn("CONFIG REWRITE failed: " + e);
            c.error("ERR Rewriting config file: " + reason(e));
            return;
        }
        Log.notice("CONFIG REWRITE executed with success.");
        c.reply().ok();
    }

    void help(Client c, byte[][] argv) {
        RespWriter r = c.reply();
        r.arrayHeader(HELP.length);
        for (String line : HELP) {
            r.simple(line);
        }
    }

    private static String reason(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "No such file or directory";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** A client on a loopback address or a unix socket (for enable-protected-configs local). */
    private static boolean isLocal(Client c) {
        SocketAddress a = c.channel().remoteAddress();
        if (a instanceof InetSocketAddress) {
            InetSocketAddress i = (InetSocketAddress) a;
            return i.getAddress() != null && i.getAddress().isLoopbackAddress();
        }
        return a != null && !(a instanceof InetSocketAddress); // unix domain socket
    }

}
