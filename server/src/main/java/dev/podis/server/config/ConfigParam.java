package dev.podis.server.config;

import java.util.List;

/**
 * The definition of one configuration parameter, as Redis 7.2 defines it: its name and alias,
 * its type and default (the text CONFIG GET reports), whether CONFIG SET may change it at run
 * time, and whether Podis acts on it yet (parameters Podis knows from Redis but ignores are
 * accepted, validated and reported by CONFIG GET, so existing redis.conf files keep working).
 *
 * <p>Definitions are immutable; the current values live in {@link ServerConfig}.
 */
public final class ConfigParam {
    /** How a value is parsed and shown. */
    public enum Type {
        /** yes/no. */
        BOOL,
        /** A 64-bit integer in Redis's strict form, with bounds. */
        INT,
        /** Bytes: "100mb", "1gb", "512k"...; CONFIG GET shows the number of bytes. */
        MEMORY,
        /** One word of a fixed set, case-insensitive. */
        ENUM,
        /** Free text (some have a validator). */
        STRING,
        /** A parameter with its own syntax (save, bind, client-output-buffer-limit...). */
        SPECIAL
    }

    /** Parses and validates a special parameter's arguments into the canonical text CONFIG GET shows. */
    @FunctionalInterface
    interface Special {
        String normalize(List<String> args, String current) throws ConfigException;
    }

    /** Validates a string parameter's value. */
    @FunctionalInterface
    interface Check {
        void check(String value) throws ConfigException;
    }

    final String name;
    final String alias;
    final Type type;
    final String defaultValue;
    final boolean mutable;
    final boolean active;
    final boolean hidden;
    final boolean sensitive;
    final boolean protectedConfig;
    final boolean multiArg;
    /** Bounds check in Redis's unsigned form (uint, unsigned long long, size_t parameters). */
    final boolean unsigned;
    final boolean percent;
    final boolean octal;
    final long min;
    final long max;
    /** ENUM: accepted names in Redis's order; "name=canonical" for a synonym shown as canonical. */
    final List<String> enumValues;
    final Special special;
    final Check check;
    /** How CONFIG GET shows a stored value, when that differs from the value itself. */
    final java.util.function.UnaryOperator<String> shown;

    private ConfigParam(Builder b) {
        this.name = b.name;
        this.alias = b.alias;
        this.type = b.type;
        this.defaultValue = b.defaultValue;
        this.mutable = b.mutable;
        this.active = b.active;
        this.hidden = b.hidden;
        this.sensitive = b.sensitive;
        this.protectedConfig = b.protectedConfig;
        this.multiArg = b.multiArg;
        this.unsigned = b.unsigned;
        this.percent = b.percent;
        this.octal = b.octal;
        this.min = b.min;
        this.max = b.max;
        this.enumValues = b.enumValues;
        this.special = b.special;
        this.check = b.check;
        this.shown = b.shown;
    }

    /** The text CONFIG GET shows for the stored {@code value}. */
    public String shown(String value) {
        return shown == null ? value : shown.apply(value);
    }

    public String name() {
        return name;
    }

    /** Redis's other name for the parameter (slaveof for replicaof...), or null. */
    public String alias() {
        return alias;
    }

    /** The alias as a list (empty when there is none). */
    public List<String> aliases() {
        return alias == null ? List.of() : List.of(alias);
    }

    public Type type() {
        return type;
    }

    /** The default, as CONFIG GET shows it (memory in bytes). */
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

    /** Hidden parameters answer CONFIG GET only by their exact name, never to a pattern. */
    public boolean hidden() {
        return hidden;
    }

    /** Secrets (requirepass, masterauth...): may also be read from a file, never logged. */
    public boolean sensitive() {
        return sensitive;
    }

    /** CONFIG SET refuses these unless enable-protected-configs allows it (dir, dbfilename). */
    public boolean protectedConfig() {
        return protectedConfig;
    }

    /** Takes several words ("save 900 1 300 10", "bind 127.0.0.1 ::1"). */
    public boolean multiArg() {
        return multiArg;
    }

    static Builder of(String name, Type type, String defaultValue) {
        return new Builder(name, type, defaultValue);
    }

    static final class Builder {
        final String name;
        final Type type;
        final String defaultValue;
        String alias;
        boolean mutable = true;
        boolean active;
        boolean hidden;
        boolean sensitive;
        boolean protectedConfig;
        boolean multiArg;
        boolean unsigned;
        boolean percent;
        boolean octal;
        long min = Long.MIN_VALUE;
        long max = Long.MAX_VALUE;
        List<String> enumValues;
        Special special;
        Check check;
        java.util.function.UnaryOperator<String> shown;

        Builder(String name, Type type, String defaultValue) {
            this.name = name;
            this.type = type;
            this.defaultValue = defaultValue;
        }

        Builder alias(String a) {
            alias = a;
            return this;
        }

        Builder immutable() {
            mutable = false;
            return this;
        }

        Builder active() {
            active = true;
            return this;
        }

        Builder hidden() {
            hidden = true;
            return this;
        }

        Builder sensitive() {
            sensitive = true;
            return this;
        }

        Builder protectedConfig() {
            protectedConfig = true;
            return this;
        }

        Builder multiArg() {
            multiArg = true;
            return this;
        }

        Builder range(long lo, long hi) {
            min = lo;
            max = hi;
            return this;
        }

        Builder unsigned() {
            unsigned = true;
            return this;
        }

        Builder percent() {
            percent = true;
            return this;
        }

        Builder octal() {
            octal = true;
            return this;
        }

        Builder values(String... v) {
            enumValues = List.of(v);
            return this;
        }

        Builder special(Special s) {
            special = s;
            return this;
        }

        Builder shown(java.util.function.UnaryOperator<String> f) {
            shown = f;
            return this;
        }

        Builder check(Check c) {
            check = c;
            return this;
        }

        ConfigParam build() {
            return new ConfigParam(this);
        }
    }
}
