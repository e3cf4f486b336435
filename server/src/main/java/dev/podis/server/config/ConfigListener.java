package dev.podis.server.config;

/**
 * Reacts to a new value of a parameter (CONFIG SET, or a set before start). Throwing rejects the
 * change: CONFIG SET then restores every parameter of the command to its old value and replies
 * with the message, as Redis does when applying a setting fails (e.g. a port it cannot bind).
 */
@FunctionalInterface
public interface ConfigListener {
    void changed(String newValue) throws ConfigException;
}
