package dev.podis.server.command;

import dev.podis.server.util.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command table, as data: Redis's metadata for every command is read from
 * {@code commands.json} (arity, flags, key positions, ACL categories, key specs, docs), and each
 * command family binds handlers to the entries it implements. Dispatch, arity errors, COMMAND,
 * and later ACLs, cluster slot checks and replication all read this one table.
 */
public final class CommandTable {
    private final Map<String, CommandSpec> byName = new LinkedHashMap<>();
    /** Lookup by the raw bytes of a command name, case-insensitively, without allocating. */
    private Entry[] buckets = new Entry[1024];

    private static final class Entry {
        final byte[] lowerName;
        final CommandSpec spec;
        final Entry next;

        Entry(byte[] lowerName, CommandSpec spec, Entry next) {
            this.lowerName = lowerName;
            this.spec = spec;
            this.next = next;
        }
    }

    @SuppressWarnings("unchecked")
    public static CommandTable load() {
        CommandTable table = new CommandTable();
        try (InputStream in = CommandTable.class.getResourceAsStream("commands.json")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (Object o : (List<Object>) Json.parse(text)) {
                table.add((Map<String, Object>) o);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the command table", e);
        }
        return table;
    }

    @SuppressWarnings("unchecked")
    private void add(Map<String, Object> info) {
        CommandSpec spec = new CommandSpec(info, null);
        List<Object> subs = (List<Object>) info.get("subcommands");
        if (subs != null) {
            for (Object s : subs) {
                spec.addSubcommand(new CommandSpec((Map<String, Object>) s, spec));
            }
        }
        byName.put(spec.name(), spec);
        byte[] lower = spec.name().getBytes(StandardCharsets.US_ASCII);
        int b = hash(lower, lower.length) & (buckets.length - 1);
        buckets[b] = new Entry(lower, spec, buckets[b]);
    }

    public void installAll(Iterable<? extends CommandFamily> families) {
        for (CommandFamily f : families) {
            f.register(this);
        }
    }

    /**
     * Binds a handler to a command or subcommand by its table name ("get", "config|get").
     * Names not in the table are a programming error.
     */
    public void bind(String fullName, CommandHandler handler) {
        String lower = fullName.toLowerCase(Locale.ROOT);
        int bar = lower.indexOf('|');
        CommandSpec spec = byName.get(bar < 0 ? lower : lower.substring(0, bar));
        if (spec != null && bar >= 0) {
            spec = spec.subcommand(lower.substring(bar + 1));
        }
        if (spec == null) {
            throw new IllegalArgumentException("no such command in commands.json: " + fullName);
        }
        spec.handler(handler);
    }

    /**
     * {@link #bind}, declaring that with exactly {@code argc} arguments the handler keeps none of
     * them: it copies what it stores (e.g. through {@code Database.putString}) and hands them
     * to nothing that keeps them while the server is in its plain state
     * ({@code CommandDispatcher.borrowedKeeps}). Such a call may then run on the arguments the
     * parser reuses for the next request, with no allocation for them.
     */
    public void bindBorrowing(String name, int argc, CommandHandler handler) {
        bind(name, handler);
        lookup(name).borrowArgc(argc);
    }

    /**
     * {@link #bind}, declaring that the handler keeps neither the argument vector nor the command
     * name (argument 0), nor hands them to anything that does, while the server is in its plain
     * state ({@code CommandDispatcher.borrowedKeeps}); it may keep the other arguments as they are.
     * A small request for it then runs on the parser's reused vector and name, and the parser
     * hands the other arguments over (allocating new arrays for them only: the key and elements a
     * collection command may keep), instead of a copy of the whole request.
     */
    public void bindBorrowingName(String name, CommandHandler handler) {
        bind(name, handler);
        lookup(name).borrowsName(true);
    }

    /** The command named by {@code name} (any case), or null. Does not allocate. */
    public CommandSpec lookup(byte[] name) {
        int b = hash(name, name.length) & (buckets.length - 1);
        for (Entry e = buckets[b]; e != null; e = e.next) {
            if (equalsLower(e.lowerName, name)) {
                return e.spec;
            }
        }
        return null;
    }

    public CommandSpec lookup(String name) {
        return byName.get(name.toLowerCase(Locale.ROOT));
    }

    /** Every command in the table, implemented or not. */
    public Collection<CommandSpec> all() {
        return byName.values();
    }

    /** The commands Podis implements (what COMMAND, COMMAND COUNT and COMMAND LIST report). */
    public List<CommandSpec> implemented() {
        List<CommandSpec> out = new ArrayList<>();
        for (CommandSpec s : byName.values()) {
            if (s.implemented()) {
                out.add(s);
            }
        }
        return out;
    }

    public void resetStats() {
        for (CommandSpec s : byName.values()) {
            s.resetStats();
        }
    }

    private static int hash(byte[] name, int len) {
        int h = 0;
        for (int i = 0; i < len; i++) {
            h = 31 * h + (name[i] | 0x20);
        }
        return h ^ (h >>> 16);
    }

    private static boolean equalsLower(byte[] lower, byte[] name) {
        if (lower.length != name.length) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            byte c = name[i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower[i]) {
                return false;
            }
        }
        return true;
    }
}
