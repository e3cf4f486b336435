package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;

/** String commands (t_string.c): GET, SET and the rest of the family. */
public final class StringCommands implements CommandFamily {
    private final ServerContext server;

    public StringCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        t.bind("get", this::get);
        t.bind("set", this::set);
    }

    void get(Client c, byte[][] argv) {
        StoredValue v = server.lookupRead(c, argv[1]);
        if (v == null) {
            c.reply().nullBulk();
        } else if (v.type() != ValueType.STRING) {
            c.error(Args.WRONGTYPE);
        } else {
            c.reply().bulk(v.bytes());
        }
    }

    void set(Client c, byte[][] argv) {
        c.db().put(argv[1], StoredValue.string(argv[2]));
        c.reply().ok();
    }
}
