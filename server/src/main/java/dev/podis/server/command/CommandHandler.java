package dev.podis.server.command;

import dev.podis.server.Client;

/** Executes one command. {@code argv[0]} is the command name as the client sent it. */
@FunctionalInterface
public interface CommandHandler {
    void execute(Client client, byte[][] argv);
}
