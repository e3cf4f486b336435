package dev.podis.server;

import dev.podis.server.command.CommandFamily;
import dev.podis.server.commands.CommandCommands;
import dev.podis.server.commands.ServerCommands;
import dev.podis.server.commands.ConnectionCommands;
import dev.podis.server.commands.StringCommands;

import java.util.List;

/** Every command family the server installs; one line per family. */
final class CommandFamilies {
    private CommandFamilies() {
    }

    static List<CommandFamily> create(ServerContext server) {
        return List.of(
                new ConnectionCommands(server),
                new StringCommands(server),
                new ServerCommands(server),
                new CommandCommands(server));
    }
}
