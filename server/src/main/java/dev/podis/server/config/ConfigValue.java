package dev.podis.server.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The live value of one parameter. Code that reads a parameter on a hot path keeps this handle
 * (from {@link ServerConfig#value(String)}) in a field and calls {@link #asLong()} or
 * {@link #asBool()}: a field read, no lookup, no parsing, no allocation, and always current
 * because CONFIG SET updates the handle in place.
 */
public final class ConfigValue {
    final ConfigParam param;
    private volatile String text;
    private volatile long number;
    final List<ConfigListener> listeners = new ArrayList<>(1);

    ConfigValue(ConfigParam param) {
        this.param = param;
    }

    public ConfigParam param() {
        return param;
    }

    /** The value as CONFIG GET shows it. */
    public String asString() {
        return text;
    }

    /**
     * Numbers (memory in bytes); an unsigned value above Long.MAX_VALUE reads as Long.MAX_VALUE;
     * a percentage (maxmemory-clients "10%") reads as its negative, as Redis stores it.
     * yes/no read as 1/0; other types as 0.
     */
    public long asLong() {
        return number;
    }

    public int asInt() {
        long n = number;
        return n > Integer.MAX_VALUE ? Integer.MAX_VALUE : n < Integer.MIN_VALUE ? Integer.MIN_VALUE : (int) n;
    }

    public boolean asBool() {
        return number != 0;
    }

    void set(String canonical) {
        long n = 0;
        switch (param.type) {
            case BOOL:
                n = canonical.equals("yes") ? 1 : 0;
                break;
            case INT:
            case MEMORY:
                if (canonical.endsWith("%")) {
                    n = -Long.parseLong(canonical.substring(0, canonical.length() - 1));
                } else if (param.octal) {
                    n = Long.parseLong(canonical, 8);
                } else if (param.unsigned) {
                    long raw = Long.parseUnsignedLong(canonical);
                    n = raw < 0 ? Long.MAX_VALUE : raw;
                } else {
                    n = Long.parseLong(canonical);
                }
                break;
            default:
                break;
        }
        this.number = n;
        this.text = canonical;
    }
}
