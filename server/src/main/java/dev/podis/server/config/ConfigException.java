package dev.podis.server.config;

/** A rejected configuration value; the message is what CONFIG SET and start-up report. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
