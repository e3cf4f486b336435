package dev.podis.server.config;

import java.util.List;

/**
 * The definition of one configuration parameter: its Redis name and aliases, its type and
 * default, whether CONFIG SET may change it at run time, and whether Podis acts on it yet
 * (parameters Podis knows from Redis but ignores are accepted and reported by CONFIG GET).
 */
public final class ConfigParam {
    public enum Type { STRING, INT, MEMORY, BOOL, ENUM }

    final String name;
    final List<String> aliases;
    final Type type;
    final String defaultValue;
    final boolean mutable;
    final boolean active;
    final List<String> enumValues;
    final long min;
    final long max;

    ConfigParam(String name, List<String> aliases, Type type, String defaultValue, boolean mutable,
                boolean active, List<String> enumValues, long min, long max) {
        this.name = name;
        this.aliases = aliases;
        this.type = type;
        this.defaultValue = defaultValue;
        this.mutable = mutable;
        this.active = active;
        this.enumValues = enumValues;
        this.min = min;
        this.max = max;
    }

    public String name() {
        return name;
    }

    public List<String> aliases() {
        return aliases;
    }

    public Type type() {
        return type;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public boolean mutable() {
        return mutable;
    }

    /** False for parameters accepted for compatibility that do not change Podis's behaviour yet. */
    public boolean active() {
        return active;
    }
}
