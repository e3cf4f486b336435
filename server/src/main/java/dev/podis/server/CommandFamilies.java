package dev.podis.server;

import dev.podis.server.command.CommandFamily;
import dev.podis.server.commands.ClientCommands;
import dev.podis.server.commands.ConfigCommands;
import dev.podis.server.commands.ConnectionCommands;
import dev.podis.server.commands.DatabaseCommands;
import dev.podis.server.commands.KeyCommands;
import dev.podis.server.commands.StringCommands;

import java.util.List;

/** Every command family the server installs; one line per family. */
final class CommandFamilies {
    private CommandFamilies() {
    }

    static List<CommandFamily> create(ServerContext server) {
        return List.of(
                new ConnectionCommands(server),
                new KeyCommands(server),
                new DatabaseCommands(server),
                new ClientCommands(server),
                new ConfigCommands(server),
                new StringCommands(server));
    }
}
