package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;

/** Connection commands: PING, ECHO, QUIT, SELECT (HELLO, AUTH, CLIENT, RESET join them). */
public final class ConnectionCommands implements CommandFamily {
    private final ServerContext server;

    public ConnectionCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        t.bind("ping", this::ping);
        t.bind("echo", this::echo);
        t.bind("quit", this::quit);
        t.bind("select", this::select);
    }

    void ping(Client c, byte[][] argv) {
        if (argv.length > 2) {
            c.error("ERR wrong number of arguments for 'ping' command");
        } else if (argv.length == 2) {
            c.reply().bulk(argv[1]);
        } else {
            c.reply().simple("PONG");
        }
    }

    void echo(Client c, byte[][] argv) {
        c.reply().bulk(argv[1]);
    }

    void quit(Client c, byte[][] argv) {
        c.reply().ok();
        c.closeAfterReply();
    }

    void select(Client c, byte[][] argv) {
        long index = Args.parseLong(argv[1]);
        if (index == Args.NOT_A_NUMBER || index > Integer.MAX_VALUE || index < Integer.MIN_VALUE) {
            c.error(Args.NOT_INTEGER);
            return;
        }
        if (index < 0 || index >= server.keyspace().count()) {
            c.error("ERR DB index is out of range");
            return;
        }
        c.select((int) index);
        c.reply().ok();
    }
}
