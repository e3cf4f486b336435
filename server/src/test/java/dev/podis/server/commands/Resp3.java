package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.TestServer;

import java.io.IOException;
import java.util.concurrent.ExecutionException;

/** Opens a RESP3 connection: with HELLO 3 when the server has it, else by switching the client directly. */
final class Resp3 {
    private Resp3() {
    }

    static RespClient connect(TestServer server) throws IOException {
        RespClient c = new RespClient(server.port());
        Object hello = c.call("HELLO", "3");
        if (!(hello instanceof RespClient.Err)) {
            return c;
        }
        c.call("CLIENT", "SETNAME", "x"); // any round trip: the connection is registered now
        int localPort = c.socket().getLocalPort();
        try {
            server.server().context().commandLoop().submit(() -> {
                for (Client cl : server.server().context().clients().values()) {
                    if (cl.address().endsWith(":" + localPort)) {
                        cl.protocol(3);
                    }
                }
            }).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IOException(e);
        }
        return c;
    }
}
