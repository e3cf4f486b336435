package dev.podis.server.command;

/**
 * A family of commands (strings, keys, server, ...): one class per family, one method per
 * command, bound by name to the metadata in {@code commands.json}.
 */
public interface CommandFamily {
    void register(CommandTable table);
}
