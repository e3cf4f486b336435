package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.ServerContext;
import dev.podis.server.Version;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET (CLIENT is in
 * {@link ClientCommands}).
 *
 * <p>Authentication: until ACLs exist the only user is "default", whose password is
 * {@code requirepass}; with no password configured it needs none ("nopass"), so every new
 * connection starts authenticated.
 */
public final class ConnectionCommands implements CommandFamily {
    private static final byte[] PONG = "+PONG\r\n".getBytes(StandardCharsets.US_ASCII);
    private final ServerContext server;

    public ConnectionCommands(ServerContext server) {
        this.server = server;
    }

    @Override
    public void register(CommandTable t) {
        t.bindBorrowing("ping", 1, this::ping); // PING alone keeps nothing (PING_INLINE: no allocation)
        t.bind("echo", this::echo);
        t.bind("quit", this::quit);
        t.bind("select", this::select);
        t.bind("hello", this::hello);
        t.bind("auth", this::auth);
        t.bind("reset", this::reset);
    }

    static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    static final String HELLO_NOAUTH = "NOAUTH HELLO must be called with the client already authenticated, "
            + "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client "
            + "and select the RESP protocol version at the same time";

    void ping(Client c, byte[][] argv) {
        if (argv.length > 2) {
            c.error("ERR wrong number of arguments for 'ping' command");
        } else if (c.subscribed() && c.protocol() == 2) {
            // RESP2 in subscribed mode: a PING answers in the shape of a pub/sub message.
            c.reply().arrayHeader(2);
            c.reply().bulk("pong");
            c.reply().bulk(argv.length == 2 ? argv[1] : new byte[0]);
        } else if (argv.length == 2) {
            c.reply().bulk(argv[1]);
        } else {
            c.reply().raw(PONG);
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
        long index = Args.intOrReply(c, argv[1], null);
        if (index == Args.INVALID) {
            return;
        }
        if (index < 0 || index >= server.keyspace().count()) {
            c.error("ERR DB index is out of range");
            return;
        }
        c.select((int) index);
        c.reply().ok();
    }

    /** HELLO [protover [AUTH username password] [SETNAME clientname]] */
    void hello(Client c, byte[][] argv) {
        long version = 0;
        int next = 1;
        if (argv.length >= 2) {
            version = Args.parseLong(argv[next++]);
            if (version == Args.NOT_A_NUMBER && !Args.isLong(argv[1])) {
                c.error("ERR Protocol version is not an integer or out of range");
                return;
            }
            if (version < 2 || version > 3) {
                c.error("NOPROTO unsupported protocol version");
                return;
            }
        }
        byte[] user = null;
        byte[] pass = null;
        byte[] name = null;
        for (int j = next; j < argv.length; j++) {
            int moreArgs = argv.length - 1 - j;
            if (Args.is(argv[j], "AUTH") && moreArgs >= 2) {
                user = argv[j + 1];
                pass = argv[j + 2];
                j += 2;
            } else if (Args.is(argv[j], "SETNAME") && moreArgs >= 1) {
                name = argv[j + 1];
                if (!ClientCommands.validName(name)) {
                    c.error(ClientCommands.BAD_NAME);
                    return;
                }
                j++;
            } else {
                c.error("ERR Syntax error in HELLO option '" + Args.str(argv[j]) + "'");
                return;
            }
        }
        if (user != null) {
            if (!checkPassword(user, pass)) {
                c.error(WRONGPASS);
                return;
            }
            c.authenticated(true);
        }
        if (!c.authenticated()) {
            c.error(HELLO_NOAUTH);
            return;
        }
        if (name != null) {
            c.name(name.length == 0 ? null : Args.str(name));
        }
        if (version != 0) {
            c.protocol((int) version);
        }
        c.reply().mapHeader(7);
        c.reply().bulk("server");
        c.reply().bulk("redis");
        c.reply().bulk("version");
        c.reply().bulk(Version.REDIS);
        c.reply().bulk("proto");
        c.reply().integer(c.protocol());
        c.reply().bulk("id");
        c.reply().integer(c.id());
        c.reply().bulk("mode");
        c.reply().bulk("standalone");
        c.reply().bulk("role");
        c.reply().bulk("master");
        c.reply().bulk("modules");
        c.reply().arrayHeader(0);
    }

    /** AUTH [username] password */
    void auth(Client c, byte[][] argv) {
        if (argv.length > 3) {
            c.error(Args.SYNTAX);
            return;
        }
        byte[] user;
        byte[] pass;
        if (argv.length == 2) {
            if (requirePass().isEmpty()) {
                c.error("ERR AUTH <password> called without any password configured for the default user. "
                        + "Are you sure your configuration is correct?");
                return;
            }
            user = DEFAULT_USER;
            pass = argv[1];
        } else {
            user = argv[1];
            pass = argv[2];
        }
        if (checkPassword(user, pass)) {
            c.authenticated(true);
            c.reply().ok();
        } else {
            // A failed AUTH leaves an already authenticated connection authenticated, as in Redis.
            c.error(WRONGPASS);
        }
    }

    /** RESET: the connection as new (see {@link Client#resetConnectionState()}), plus each family's own state. */
    void reset(Client c, byte[][] argv) {
        c.resetConnectionState();
        server.runClientResetHooks(c);
        c.reply().simple("RESET");
    }

    private static final byte[] DEFAULT_USER = "default".getBytes(StandardCharsets.US_ASCII);

    private String requirePass() {
        return server.config().get("requirepass");
    }

    /** The default user's password check: any password when none is configured, else requirepass. */
    private boolean checkPassword(byte[] user, byte[] pass) {
        boolean knownUser = MessageDigest.isEqual(user, DEFAULT_USER);
        String required = requirePass();
        if (required.isEmpty()) {
            return knownUser;
        }
        // Compare in constant time so the reply time tells nothing about the password.
        boolean passOk = MessageDigest.isEqual(required.getBytes(StandardCharsets.UTF_8), pass);
        return knownUser & passOk;
    }
}
