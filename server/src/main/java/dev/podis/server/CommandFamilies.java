package dev.podis.server;

import dev.podis.server.command.CommandFamily;
import dev.podis.server.commands.BitmapCommands;
import dev.podis.server.commands.ClientCommands;
import dev.podis.server.commands.CommandCommands;
import dev.podis.server.commands.ConfigCommands;
import dev.podis.server.commands.ConnectionCommands;
import dev.podis.server.commands.DatabaseCommands;
import dev.podis.server.commands.GeoCommands;
import dev.podis.server.commands.HashCommands;
import dev.podis.server.commands.HyperLogLogCommands;
import dev.podis.server.commands.KeyCommands;
import dev.podis.server.commands.ListCommands;
import dev.podis.server.commands.PersistenceCommands;
import dev.podis.server.commands.PubSubCommands;
import dev.podis.server.commands.ScriptingCommands;
import dev.podis.server.commands.ServerCommands;
import dev.podis.server.commands.SetCommands;
import dev.podis.server.commands.SortCommands;
import dev.podis.server.commands.SortedSetCommands;
import dev.podis.server.commands.StreamCommands;
import dev.podis.server.commands.StringCommands;

import java.util.ArrayList;
import java.util.List;

/** Every command family the server installs; one line per family. */
final class CommandFamilies {
    private CommandFamilies() {
    }

    static List<CommandFamily> create(ServerContext server) {
        List<CommandFamily> families = new ArrayList<>();
        families.add(new ConnectionCommands(server));
        families.add(new ClientCommands(server));
        families.add(new ConfigCommands(server));
        families.add(new ServerCommands(server));
        families.add(new CommandCommands(server));
        families.add(new KeyCommands(server));
        families.add(new DatabaseCommands(server));
        families.add(new StringCommands(server));
        families.add(new BitmapCommands(server));
        families.add(new ListCommands(server));
        families.add(new HashCommands(server));
        families.add(new SetCommands(server));
        SortedSetCommands zsets = new SortedSetCommands(server);
        families.add(zsets);
        families.add(new GeoCommands(server, zsets));
        families.add(new HyperLogLogCommands(server));
        families.add(new SortCommands(server));
        families.add(new StreamCommands(server));
        families.add(new PubSubCommands(server));
        families.add(new PersistenceCommands(server));
        families.add(server.transactions());
        families.add(new ScriptingCommands(server));
        return families;
    }
}
