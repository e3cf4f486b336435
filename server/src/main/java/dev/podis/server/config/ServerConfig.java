package dev.podis.server.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The server's configuration: every parameter Podis knows, by its redis.conf name, with typed
 * access for the code that acts on it. One registry serves the config file, the command line,
 * and CONFIG GET/SET/REWRITE.
 */
public final class ServerConfig {
    private final Map<String, ConfigParam> params = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();

    public ServerConfig() {
        ConfigParams.defineAll(this);
    }

    void define(ConfigParam p) {
        params.put(p.name, p);
        for (String a : p.aliases) {
            params.put(a, p);
        }
        values.put(p.name, p.defaultValue);
    }

    public ConfigParam param(String name) {
        return params.get(name.toLowerCase(Locale.ROOT));
    }

    /** Each parameter once, under its canonical name. */
    public Collection<ConfigParam> params() {
        List<ConfigParam> out = new ArrayList<>();
        for (Map.Entry<String, ConfigParam> e : params.entrySet()) {
            if (e.getKey().equals(e.getValue().name)) {
                out.add(e.getValue());
            }
        }
        return out;
    }

    /** Sets a parameter from its text form, validating it against its type. */
    public void set(String name, String value) throws ConfigException {
        ConfigParam p = param(name);
        if (p == null) {
            throw new ConfigException("Unknown option or number of arguments for CONFIG SET - '" + name + "'");
        }
        values.put(p.name, normalize(p, value));
    }

    public String get(String name) {
        ConfigParam p = param(name);
        return p == null ? null : values.get(p.name);
    }

    public int getInt(String name) {
        return (int) getLong(name);
    }

    public long getLong(String name) {
        String v = get(name);
        ConfigParam p = param(name);
        return p.type == ConfigParam.Type.MEMORY ? parseMemory(v) : Long.parseLong(v);
    }

    public boolean getBool(String name) {
        return "yes".equals(get(name));
    }

    private static String normalize(ConfigParam p, String value) throws ConfigException {
        switch (p.type) {
            case BOOL: {
                String v = value.toLowerCase(Locale.ROOT);
                if (!v.equals("yes") && !v.equals("no")) {
                    throw new ConfigException("argument must be 'yes' or 'no'");
                }
                return v;
            }
            case INT: {
                long n;
                try {
                    n = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new ConfigException("argument couldn't be parsed into an integer");
                }
                if (n < p.min || n > p.max) {
                    throw new ConfigException("argument must be between " + p.min + " and " + p.max + " inclusive");
                }
                return Long.toString(n);
            }
            case MEMORY: {
                long n = parseMemory(value);
                if (n < 0) {
                    throw new ConfigException("argument must be a memory value");
                }
                return Long.toString(n);
            }
            case ENUM: {
                String v = value.toLowerCase(Locale.ROOT);
                if (!p.enumValues.contains(v)) {
                    throw new ConfigException("argument(s) must be one of the following: " + String.join(", ", p.enumValues));
                }
                return v;
            }
            default:
                return value;
        }
    }

    /** "100mb", "1gb", "512k" → bytes as Redis's memtoull; -1 if malformed. */
    public static long parseMemory(String v) {
        String s = v.toLowerCase(Locale.ROOT);
        long mul = 1;
        int cut = s.length();
        if (s.endsWith("kb")) { mul = 1024; cut -= 2; }
        else if (s.endsWith("mb")) { mul = 1024L * 1024; cut -= 2; }
        else if (s.endsWith("gb")) { mul = 1024L * 1024 * 1024; cut -= 2; }
        else if (s.endsWith("k")) { mul = 1000; cut -= 1; }
        else if (s.endsWith("m")) { mul = 1000L * 1000; cut -= 1; }
        else if (s.endsWith("g")) { mul = 1000L * 1000 * 1000; cut -= 1; }
        else if (s.endsWith("b")) { cut -= 1; }
        try {
            long n = Long.parseLong(s.substring(0, cut));
            return n < 0 ? -1 : n * mul;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
