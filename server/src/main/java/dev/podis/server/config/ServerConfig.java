package dev.podis.server.config;

import dev.podis.protocol.InlineSplitter;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The server's configuration: every parameter of Redis 7.2 by its redis.conf name (and alias),
 * its live value, typed access for the code that acts on it, and change listeners. One registry
 * serves the config file, the environment, the command line, and CONFIG GET/SET/REWRITE.
 *
 * <p>Values are kept in the canonical text CONFIG GET shows (memory in bytes, enums in lower
 * case) plus a typed copy: hot paths keep a {@link ConfigValue} handle and read a field.
 * Everything that changes values runs before start or on the command thread.
 */
public final class ServerConfig {
    /** Name or alias (lower case) → live value; aliases share their parameter's value. */
    private final Map<String, ConfigValue> byName = new HashMap<>();
    /** Every parameter once, in definition order. */
    private final List<ConfigValue> ordered = new ArrayList<>();
    /** Sensitive parameters whose value was read from a file: name → path (kept out of REWRITE). */
    final Map<String, String> secretFiles = new LinkedHashMap<>();
    /** The file the server was started with, for CONFIG REWRITE. */
    private Path configFile;

    public ServerConfig() {
        this(Path.of("").toAbsolutePath().toString());
    }

    /** A configuration whose default {@code dir} is {@code workingDirectory} (Redis: the process's cwd). */
    public ServerConfig(String workingDirectory) {
        for (ConfigParam p : ConfigParams.all(workingDirectory)) {
            ConfigValue v = new ConfigValue(p);
            v.set(p.defaultValue);
            ordered.add(v);
            byName.put(p.name, v);
            if (p.alias != null) {
                byName.put(p.alias, v);
            }
        }
    }

    // ------------------------------------------------------------------ lookup

    /** The parameter named {@code name} or its alias (any case), or null. */
    public ConfigParam param(String name) {
        ConfigValue v = byName.get(name.toLowerCase(Locale.ROOT));
        return v == null ? null : v.param;
    }

    /** Each parameter once, under its canonical name, in definition order. */
    public Collection<ConfigParam> params() {
        List<ConfigParam> out = new ArrayList<>(ordered.size());
        for (ConfigValue v : ordered) {
            out.add(v.param);
        }
        return out;
    }

    /** Every name CONFIG GET can match: canonical names and aliases, in definition order. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        for (ConfigValue v : ordered) {
            out.add(v.param.name);
            if (v.param.alias != null) {
                out.add(v.param.alias);
            }
        }
        return out;
    }

    /** The live handle of a parameter, for hot paths (see {@link ConfigValue}). */
    public ConfigValue value(String name) {
        ConfigValue v = byName.get(name.toLowerCase(Locale.ROOT));
        if (v == null) {
            throw new IllegalArgumentException("no such config parameter: " + name);
        }
        return v;
    }

    // ------------------------------------------------------------------ typed access

    /** The value as CONFIG GET shows it, or null for an unknown name. */
    public String get(String name) {
        ConfigValue v = byName.get(name.toLowerCase(Locale.ROOT));
        return v == null ? null : v.asString();
    }

    public int getInt(String name) {
        return value(name).asInt();
    }

    public long getLong(String name) {
        return value(name).asLong();
    }

    public boolean getBool(String name) {
        return value(name).asBool();
    }

    /** The file the server was started with (what CONFIG REWRITE writes), or null. */
    public Path configFile() {
        return configFile;
    }

    public void configFile(Path file) {
        this.configFile = file == null ? null : file.toAbsolutePath();
    }

    /**
     * CONFIG REWRITE: writes the current configuration into the file the server was started with,
     * keeping its comments and layout (see {@link ConfigRewriter}).
     *
     * @throws ConfigException "The server is running without a config file" when there is none
     */
    public void rewrite() throws ConfigException, java.io.IOException {
        if (configFile == null) {
            throw new ConfigException("The server is running without a config file");
        }
        ConfigRewriter.rewrite(this, configFile);
    }

    // ------------------------------------------------------------------ listeners

    /** Calls {@code listener} with the new value each time the parameter changes. */
    public void onChange(String name, Consumer<String> listener) {
        value(name).listeners.add(listener::accept);
    }

    /** Like {@link #onChange(String, Consumer)}, for listeners that may reject the new value. */
    public void onApply(String name, ConfigListener listener) {
        value(name).listeners.add(listener);
    }

    // ------------------------------------------------------------------ setting

    /**
     * Sets one parameter from its text form, as CONFIG SET would (a multi-word parameter's words
     * separated by single spaces), but also immutable ones: for embedding and tests, before start.
     * The message of the exception is Redis's bare reason ("argument couldn't be parsed into an
     * integer"), or the unknown-option text.
     */
    public void set(String name, String value) throws ConfigException {
        ConfigValue v = byName.get(name.toLowerCase(Locale.ROOT));
        if (v == null) {
            throw new ConfigException("Unknown option or number of arguments for CONFIG SET - '" + name + "'");
        }
        String canonical = normalize(v.param, splitForSet(v.param, value), v.asString());
        String old = v.asString();
        v.set(canonical);
        if (!old.equals(canonical)) {
            secretFiles.remove(v.param.name);
            try {
                fire(v);
            } catch (ConfigException e) {
                v.set(old);
                throw e;
            }
        }
    }

    /**
     * CONFIG SET with any number of name/value pairs, atomically as Redis 7: either every value
     * is valid and applied, or none changes. The exception's message is the full error text
     * without the "ERR " prefix.
     *
     * @param localClient whether the client is on a loopback address or unix socket
     *                    (for {@code enable-protected-configs local})
     */
    public void setAll(List<String> pairs, boolean localClient) throws ConfigException {
        int n = pairs.size() / 2;
        ConfigValue[] slots = new ConfigValue[n];
        String[] keys = new String[n];
        String invalidName = null;
        String errArg = null;
        String err = null;
        boolean invalid = false;
        for (int i = 0; i < n; i++) {
            String name = pairs.get(2 * i);
            ConfigValue v = byName.get(name.toLowerCase(Locale.ROOT));
            if (v == null) {
                if (!invalid) {
                    invalidName = name;
                    invalid = true;
                }
                continue;
            }
            if (invalid) {
                continue;
            }
            if (!v.param.mutable || (v.param.protectedConfig && !protectedAllowed(localClient))) {
                err = !v.param.mutable ? "can't set immutable config" : "can't set protected config";
                errArg = name;
                invalid = true;
                continue;
            }
            // As in Redis, a parameter and its alias count as different names here (the later wins).
            String key = name.toLowerCase(Locale.ROOT);
            for (int j = 0; j < i; j++) {
                if (key.equals(keys[j])) {
                    err = "duplicate parameter";
                    errArg = name;
                    invalid = true;
                    break;
                }
            }
            slots[i] = v;
            keys[i] = key;
        }
        if (invalidName != null) {
            throw new ConfigException("Unknown option or number of arguments for CONFIG SET - '" + invalidName + "'");
        }
        if (invalid) {
            throw failed(errArg, err);
        }
        // Validate every value before changing anything.
        String[] canonical = new String[n];
        for (int i = 0; i < n; i++) {
            String current = slots[i].asString();
            for (int j = 0; j < i; j++) {
                if (slots[j] == slots[i]) {
                    current = canonical[j]; // a parameter set twice through its alias
                }
            }
            try {
                canonical[i] = normalize(slots[i].param, splitForSet(slots[i].param, pairs.get(2 * i + 1)),
                        current);
            } catch (ConfigException e) {
                throw failed(pairs.get(2 * i).toLowerCase(Locale.ROOT), e.getMessage());
            }
        }
        String[] old = new String[n];
        for (int i = 0; i < n; i++) {
            old[i] = slots[i].asString();
            slots[i].set(canonical[i]);
        }
        // Apply: listeners may refuse (a port that cannot be bound); then everything is restored.
        for (int i = 0; i < n; i++) {
            if (old[i].equals(canonical[i])) {
                continue;
            }
            secretFiles.remove(slots[i].param.name);
            try {
                fire(slots[i]);
            } catch (ConfigException e) {
                for (int k = n - 1; k >= 0; k--) {
                    slots[k].set(old[k]);
                }
                for (int k = 0; k < i; k++) {
                    if (!old[k].equals(canonical[k])) {
                        try {
                            fire(slots[k]);
                        } catch (ConfigException ignored) {
                            // restoring the previous, working value; nothing better to do
                        }
                    }
                }
                throw failed(pairs.get(2 * i).toLowerCase(Locale.ROOT), e.getMessage());
            }
        }
    }

    private static ConfigException failed(String arg, String reason) {
        return new ConfigException("CONFIG SET failed (possibly related to argument '" + arg + "')"
                + (reason == null ? "" : " - " + reason));
    }

    private boolean protectedAllowed(boolean localClient) {
        String mode = get("enable-protected-configs");
        return mode.equals("yes") || (mode.equals("local") && localClient);
    }

    private static void fire(ConfigValue v) throws ConfigException {
        String now = v.asString();
        for (ConfigListener l : v.listeners) {
            l.changed(now);
        }
    }

    /** CONFIG SET's reading of a value: multi-word parameters split on single spaces ("" is no words). */
    private static List<String> splitForSet(ConfigParam p, String value) {
        if (!p.multiArg) {
            return List.of(value);
        }
        if (value.isEmpty()) {
            return List.of();
        }
        return Arrays.asList(value.split(" ", -1));
    }

    /**
     * Applies one directive of a config file, environment variable or command-line flag.
     * {@code seen} collects the names set earlier in the same layer: within one layer repeated
     * {@code save} lines add up, as in redis.conf; a later layer replaces them.
     * The exception's message is Redis's bare reason.
     */
    void applyDirective(String name, List<String> args, Set<String> seen) throws ConfigException {
        ConfigValue v = byName.get(name.toLowerCase(Locale.ROOT));
        if (v == null) {
            throw new ConfigException("unknown");
        }
        ConfigParam p = v.param;
        List<String> words = args;
        if (p.multiArg && args.size() == 1 && !args.get(0).isEmpty()) {
            byte[][] split = InlineSplitter.split(args.get(0).getBytes(StandardCharsets.UTF_8));
            if (split == null) {
                throw new ConfigException("Unbalanced quotes in configuration line");
            }
            words = new ArrayList<>();
            for (byte[] w : split) {
                words.add(new String(w, StandardCharsets.UTF_8));
            }
        } else if (!p.multiArg && args.size() != 1) {
            throw new ConfigException("wrong number of arguments");
        }
        String canonical = normalize(p, words, v.asString());
        if (p.name.equals("save") && seen.contains("save") && !canonical.isEmpty()
                && !(words.size() == 1 && words.get(0).isEmpty()) && !v.asString().isEmpty()) {
            canonical = v.asString() + " " + canonical;
        }
        seen.add(p.name);
        secretFiles.remove(p.name);
        String old = v.asString();
        v.set(canonical);
        if (!old.equals(canonical)) {
            fire(v);
        }
    }

    // ------------------------------------------------------------------ validation

    /** Validates {@code args} for {@code p} and returns the canonical text CONFIG GET will show. */
    static String normalize(ConfigParam p, List<String> args, String current) throws ConfigException {
        if (p.type == ConfigParam.Type.SPECIAL) {
            return p.special.normalize(args, current);
        }
        if (args.size() != 1) {
            throw new ConfigException("wrong number of arguments");
        }
        String value = args.get(0);
        switch (p.type) {
            case BOOL: {
                String v = value.toLowerCase(Locale.ROOT);
                if (!v.equals("yes") && !v.equals("no")) {
                    throw new ConfigException("argument must be 'yes' or 'no'");
                }
                return v;
            }
            case ENUM: {
                for (String e : p.enumValues) {
                    int eq = e.indexOf('=');
                    String accepted = eq < 0 ? e : e.substring(0, eq);
                    if (accepted.equalsIgnoreCase(value)) {
                        return eq < 0 ? e : e.substring(eq + 1);
                    }
                }
                List<String> names = new ArrayList<>();
                for (String e : p.enumValues) {
                    int eq = e.indexOf('=');
                    names.add(eq < 0 ? e : e.substring(0, eq));
                }
                throw new ConfigException("argument(s) must be one of the following: " + String.join(", ", names));
            }
            case INT:
            case MEMORY:
                return number(p, value);
            default:
                if (p.check != null) {
                    p.check.check(value);
                }
                return value;
        }
    }

    /** Redis's numeric parameter parsing, bounds checks and error texts (numericParseString & co). */
    private static String number(ConfigParam p, String value) throws ConfigException {
        boolean memory = p.type == ConfigParam.Type.MEMORY;
        Long raw = null;
        boolean isPercent = false;
        if (memory) {
            raw = SpecialParams.memtoull(value);
        }
        if (raw == null && p.percent && value.length() > 1 && value.endsWith("%")) {
            Long n = SpecialParams.string2ll(value.substring(0, value.length() - 1));
            if (n != null && n >= 0) {
                raw = -n;
                isPercent = true;
            }
        }
        if (raw == null && p.octal) {
            raw = SpecialParams.strtollFull(value, 8);
            if (value.isEmpty()) {
                raw = 0L;
            }
        }
        if (raw == null && !memory && !p.percent && !p.octal) {
            raw = SpecialParams.string2ll(value);
        }
        if (raw == null) {
            if (memory && p.percent) {
                throw new ConfigException("argument must be a memory or percent value");
            } else if (memory) {
                throw new ConfigException("argument must be a memory value");
            } else if (p.octal) {
                throw new ConfigException("argument must be an octal number");
            }
            throw new ConfigException("argument couldn't be parsed into an integer");
        }
        long ll = raw;
        if (p.unsigned) {
            if (Long.compareUnsigned(ll, p.max) > 0 || Long.compareUnsigned(ll, p.min) < 0) {
                if (p.octal) {
                    throw new ConfigException("argument must be between " + Long.toOctalString(p.min) + " and "
                            + Long.toOctalString(p.max) + " inclusive");
                }
                throw new ConfigException("argument must be between " + Long.toUnsignedString(p.min) + " and "
                        + Long.toUnsignedString(p.max) + " inclusive");
            }
        } else if (p.percent && ll < 0) {
            if (ll < p.min) {
                throw new ConfigException("percentage argument must be less or equal to " + (-p.min));
            }
        } else if (ll > p.max || ll < p.min) {
            throw new ConfigException("argument must be between " + p.min + " and " + p.max + " inclusive");
        }
        if (p.name.equals("hz")) {
            // Redis keeps hz within 1..500 whatever is asked.
            ll = Math.max(1, Math.min(500, ll));
        }
        if (isPercent || (p.percent && ll < 0)) {
            return (-ll) + "%";
        }
        if (p.octal) {
            return Long.toOctalString(ll);
        }
        return p.unsigned ? Long.toUnsignedString(ll) : Long.toString(ll);
    }

    /** "100mb", "1gb", "512k" → bytes as Redis's memtoull; -1 if malformed (or above Long.MAX_VALUE). */
    public static long parseMemory(String v) {
        Long n = SpecialParams.memtoull(v);
        return n == null || n < 0 ? -1 : n;
    }
}
