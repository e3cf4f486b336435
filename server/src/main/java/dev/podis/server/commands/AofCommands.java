package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;

/**
 * BGREWRITEAOF (Redis's aof.c command): rewrites the AOF into a new base file (see
 * {@link dev.podis.server.persistence.Aof}). Inside MULTI/EXEC or a script it is scheduled for the
 * server cron, as Redis does while it cannot start a rewrite at once.
 */
public final class AofCommands implements CommandFamily {
    private final ServerContext server;

    public AofCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        t.bind("bgrewriteaof", this::bgrewriteaof);
    }

    void bgrewriteaof(Client c, byte[][] argv) {
        String r = server.aof().bgrewriteaof(c.denyBlocking());
        if (r.startsWith("ERR ")) {
            c.error(r);
        } else {
            c.reply().simple(r);
        }
    }
}
