package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandSpec;
import dev.podis.server.command.CommandTable;
import dev.podis.server.command.KeyExtractor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * COMMAND and its subcommands: the command table as clients see it, served from the metadata in
 * {@code commands.json} in Redis 7's reply shapes. Only what Podis implements is listed: a
 * container command shows the subcommands Podis implements (all of them, for a container Podis
 * implements fully, which makes its reply identical to Redis's).
 */
public final class CommandCommands implements CommandFamily {
    private final ServerContext server;

    public CommandCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        // "command" with no subcommand is the container itself: the dispatcher runs it only with argc 1.
        t.bind("command|count", this::count);
        t.bind("command|info", this::info);
        t.bind("command|docs", this::docs);
        t.bind("command|list", this::list);
        t.bind("command|getkeys", this::getkeys);
        t.bind("command|getkeysandflags", this::getkeysAndFlags);
        t.bind("command|help", this::help);
        t.bind("command", this::all);
    }

    void all(Client c, byte[][] argv) {
        List<CommandSpec> cmds = server.commands().implemented();
        RespWriter r = c.reply();
        r.arrayHeader(cmds.size());
        for (CommandSpec s : cmds) {
            writeInfo(r, s);
        }
    }

    void count(Client c, byte[][] argv) {
        c.reply().integer(server.commands().implemented().size());
    }

    void info(Client c, byte[][] argv) {
        if (argv.length == 2) {
            all(c, argv);
            return;
        }
        RespWriter r = c.reply();
        r.arrayHeader(argv.length - 2);
        for (int i = 2; i < argv.length; i++) {
            CommandSpec s = lookupByFullName(Args.str(argv[i]));
            if (s == null) {
                r.nullBulk();
            } else {
                writeInfo(r, s);
            }
        }
    }

    void docs(Client c, byte[][] argv) {
        RespWriter r = c.reply();
        if (argv.length == 2) {
            List<CommandSpec> cmds = server.commands().implemented();
            r.mapHeader(cmds.size());
            for (CommandSpec s : cmds) {
                r.bulk(s.fullName());
                writeDocs(r, s);
            }
            return;
        }
        List<CommandSpec> found = new ArrayList<>();
        for (int i = 2; i < argv.length; i++) {
            CommandSpec s = lookupByFullName(Args.str(argv[i]));
            if (s != null) {
                found.add(s);
            }
        }
        r.mapHeader(found.size());
        for (CommandSpec s : found) {
            r.bulk(s.fullName());
            writeDocs(r, s);
        }
    }

    void list(Client c, byte[][] argv) {
        List<String> names = new ArrayList<>();
        if (argv.length == 2) {
            for (CommandSpec s : server.commands().implemented()) {
                names.add(s.fullName());
                for (CommandSpec sub : s.subcommands().values()) {
                    if (sub.implemented()) {
                        names.add(sub.fullName());
                    }
                }
            }
        } else if (argv.length == 5 && Args.is(argv[2], "FILTERBY")) {
            String value = Args.str(argv[4]);
            int kind;
            if (Args.is(argv[3], "MODULE")) {
                kind = 0;
            } else if (Args.is(argv[3], "ACLCAT")) {
                kind = 1;
            } else if (Args.is(argv[3], "PATTERN")) {
                kind = 2;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
            for (CommandSpec s : server.commands().implemented()) {
                addFiltered(names, s, kind, value);
                for (CommandSpec sub : s.subcommands().values()) {
                    if (sub.implemented()) {
                        addFiltered(names, sub, kind, value);
                    }
                }
            }
        } else {
            c.error(Args.SYNTAX);
            return;
        }
        RespWriter r = c.reply();
        r.arrayHeader(names.size());
        for (String n : names) {
            r.bulk(n);
        }
    }

    private static void addFiltered(List<String> names, CommandSpec s, int kind, String value) {
        switch (kind) {
            case 0:
                return; // Podis has no modules
            case 1:
                if (s.aclCategories().contains("@" + value.toLowerCase(Locale.ROOT))) {
                    names.add(s.fullName());
                }
                return;
            default:
                if (globMatch(value, 0, s.fullName(), 0)) {
                    names.add(s.fullName());
                }
        }
    }

    void getkeys(Client c, byte[][] argv) {
        keys(c, argv, false);
    }

    void getkeysAndFlags(Client c, byte[][] argv) {
        keys(c, argv, true);
    }

    private void keys(Client c, byte[][] argv, boolean withFlags) {
        byte[][] line = Arrays.copyOfRange(argv, 2, argv.length);
        CommandSpec s = server.commands().lookup(line[0]);
        if (s != null && !s.subcommands().isEmpty() && line.length >= 2) {
            s = s.subcommand(Args.lower(line[1]));
        }
        if (s == null) {
            c.error("ERR Invalid command specified");
            return;
        }
        KeyExtractor kx = s.keyExtractor();
        if (!kx.hasKeys()) {
            c.error("ERR The command has no key arguments");
            return;
        }
        int arity = s.arity();
        if ((arity > 0 && arity != line.length) || line.length < -arity) {
            c.error("ERR Invalid number of arguments specified for command");
            return;
        }
        KeyExtractor.Result res = new KeyExtractor.Result();
        if (kx.keys(line, 0, res) == 0) {
            if (s.flags().contains("no_mandatory_keys")) {
                c.reply().arrayHeader(0);
            } else {
                c.error("ERR Invalid arguments specified for command");
            }
            return;
        }
        RespWriter r = c.reply();
        r.arrayHeader(res.count);
        String[] names = new String[16];
        for (int i = 0; i < res.count; i++) {
            if (withFlags) {
                r.arrayHeader(2);
                r.bulk(line[res.positions[i]]);
                int n = KeyExtractor.flagNames(res.flags[i], names);
                r.setHeader(n);
                for (int k = 0; k < n; k++) {
                    r.simple(names[k]);
                }
            } else {
                r.bulk(line[res.positions[i]]);
            }
        }
    }

    void help(Client c, byte[][] argv) {
        ServerCommands.helpReply(c, "COMMAND",
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
                "GETKEYSANDFLAGS <full-command>",
                "    Return the keys and the access flags from a full Redis command.");
    }

    /** "get" or "config|get" (Redis's lookupCommandBySds), implemented commands only. */
    private CommandSpec lookupByFullName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        int bar = lower.indexOf('|');
        CommandSpec s = server.commands().lookup(bar < 0 ? lower : lower.substring(0, bar));
        if (s != null && bar >= 0) {
            if (lower.indexOf('|', bar + 1) >= 0) {
                return null;
            }
            s = s.subcommand(lower.substring(bar + 1));
        }
        return s != null && s.implemented() ? s : null;
    }

    // ---- reply shapes -------------------------------------------------------------------------

    /** One command's COMMAND INFO entry: the ten fields of Redis 7. */
    @SuppressWarnings("unchecked")
    static void writeInfo(RespWriter r, CommandSpec s) {
        Map<String, Object> info = s.info();
        r.arrayHeader(10);
        r.bulk(s.fullName());
        r.integer(s.arity());
        statusSet(r, s.flags());
        r.integer(s.firstKey());
        r.integer(s.lastKey());
        r.integer(s.keyStep());
        statusSet(r, s.aclCategories());
        List<Object> tips = (List<Object>) info.get("tips");
        if (tips == null) {
            r.setHeader(0);
        } else {
            r.setHeader(tips.size());
            for (Object t : tips) {
                r.bulk((String) t);
            }
        }
        List<Object> specs = (List<Object>) info.get("key_specs");
        if (specs == null) {
            r.setHeader(0);
        } else {
            r.setHeader(specs.size());
            for (Object ks : specs) {
                writeValue(r, ks);
            }
        }
        if (s.subcommands().isEmpty()) {
            r.setHeader(0);
        } else {
            List<CommandSpec> subs = implementedSubcommands(s);
            r.arrayHeader(subs.size());
            for (CommandSpec sub : subs) {
                writeInfo(r, sub);
            }
        }
    }

    /** One command's COMMAND DOCS map. */
    @SuppressWarnings("unchecked")
    static void writeDocs(RespWriter r, CommandSpec s) {
        Map<String, Object> docs = (Map<String, Object>) s.info().get("docs");
        List<CommandSpec> subs = s.subcommands().isEmpty() ? List.of() : implementedSubcommands(s);
        int fields = (docs == null ? 0 : docs.size()) + (subs.isEmpty() ? 0 : 1);
        r.mapHeader(fields);
        if (docs != null) {
            for (Map.Entry<String, Object> e : docs.entrySet()) {
                r.bulk(e.getKey());
                writeDocField(r, e.getKey(), e.getValue());
            }
        }
        if (!subs.isEmpty()) {
            r.bulk("subcommands");
            r.mapHeader(subs.size());
            for (CommandSpec sub : subs) {
                r.bulk(sub.fullName());
                writeDocs(r, sub);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void writeDocField(RespWriter r, String key, Object value) {
        switch (key) {
            case "history": {
                List<Object> h = (List<Object>) value;
                r.setHeader(h.size());
                for (Object entry : h) {
                    List<Object> pair = (List<Object>) entry;
                    r.arrayHeader(pair.size());
                    for (Object p : pair) {
                        r.bulk((String) p);
                    }
                }
                return;
            }
            case "arguments":
                writeArguments(r, (List<Object>) value);
                return;
            default:
                writeValue(r, key, value);
        }
    }

    @SuppressWarnings("unchecked")
    private static void writeArguments(RespWriter r, List<Object> args) {
        r.arrayHeader(args.size());
        for (Object a : args) {
            Map<String, Object> m = (Map<String, Object>) a;
            r.mapHeader(m.size());
            for (Map.Entry<String, Object> e : m.entrySet()) {
                r.bulk(e.getKey());
                if (e.getKey().equals("arguments")) {
                    writeArguments(r, (List<Object>) e.getValue());
                } else {
                    writeValue(r, e.getKey(), e.getValue());
                }
            }
        }
    }

    private static void writeValue(RespWriter r, Object value) {
        writeValue(r, null, value);
    }

    /** Generic metadata values: maps, strings as bulk, numbers as integers, flag lists as sets of status. */
    @SuppressWarnings("unchecked")
    private static void writeValue(RespWriter r, String key, Object value) {
        if (value instanceof Map) {
            Map<String, Object> m = (Map<String, Object>) value;
            r.mapHeader(m.size());
            for (Map.Entry<String, Object> e : m.entrySet()) {
                r.bulk(e.getKey());
                writeValue(r, e.getKey(), e.getValue());
            }
        } else if (value instanceof List) {
            List<Object> l = (List<Object>) value;
            if ("flags".equals(key) || "doc_flags".equals(key)) {
                r.setHeader(l.size());
                for (Object o : l) {
                    r.simple((String) o);
                }
            } else {
                r.arrayHeader(l.size());
                for (Object o : l) {
                    writeValue(r, o);
                }
            }
        } else if (value instanceof Number) {
            r.integer(((Number) value).longValue());
        } else {
            r.bulk(String.valueOf(value));
        }
    }

    private static void statusSet(RespWriter r, List<String> items) {
        r.setHeader(items.size());
        for (String s : items) {
            r.simple(s);
        }
    }

    private static List<CommandSpec> implementedSubcommands(CommandSpec s) {
        List<CommandSpec> out = new ArrayList<>();
        for (CommandSpec sub : s.subcommands().values()) {
            if (sub.implemented()) {
                out.add(sub);
            }
        }
        return out;
    }

    /** Redis's stringmatchlen, case-insensitive (COMMAND LIST FILTERBY PATTERN). */
    static boolean globMatch(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char pc = p.charAt(pi);
            switch (pc) {
                case '*':
                    while (pi + 1 < p.length() && p.charAt(pi + 1) == '*') {
                        pi++;
                    }
                    if (pi + 1 == p.length()) {
                        return true;
                    }
                    for (int k = si; k <= s.length(); k++) {
                        if (globMatch(p, pi + 1, s, k)) {
                            return true;
                        }
                    }
                    return false;
                case '?':
                    if (si >= s.length()) {
                        return false;
                    }
                    si++;
                    break;
                case '[': {
                    if (si >= s.length()) {
                        return false;
                    }
                    pi++;
                    boolean not = pi < p.length() && p.charAt(pi) == '^';
                    if (not) {
                        pi++;
                    }
                    boolean match = false;
                    char sc = Character.toLowerCase(s.charAt(si));
                    while (pi < p.length() && p.charAt(pi) != ']') {
                        if (p.charAt(pi) == '\\' && pi + 1 < p.length()) {
                            pi++;
                            if (Character.toLowerCase(p.charAt(pi)) == sc) {
                                match = true;
                            }
                        } else if (pi + 2 < p.length() && p.charAt(pi + 1) == '-') {
                            char a = Character.toLowerCase(p.charAt(pi));
                            char b = Character.toLowerCase(p.charAt(pi + 2));
                            if (a > b) {
                                char t = a;
                                a = b;
                                b = t;
                            }
                            if (sc >= a && sc <= b) {
                                match = true;
                            }
                            pi += 2;
                        } else if (Character.toLowerCase(p.charAt(pi)) == sc) {
                            match = true;
                        }
                        pi++;
                    }
                    if (pi >= p.length()) {
                        pi = p.length() - 1; // unterminated class: the end acts as ']'
                    }
                    if (not) {
                        match = !match;
                    }
                    if (!match) {
                        return false;
                    }
                    si++;
                    break;
                }
                case '\\':
                    if (pi + 1 < p.length()) {
                        pi++;
                        pc = p.charAt(pi);
                    }
                    // fall through
                default:
                    if (si >= s.length() || Character.toLowerCase(pc) != Character.toLowerCase(s.charAt(si))) {
                        return false;
                    }
                    si++;
            }
            pi++;
        }
        return si == s.length();
    }
}
