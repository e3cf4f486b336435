package dev.podis.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Formats socket addresses as Redis prints them ("127.0.0.1:6379", "[::1]:6379" as "::1:6379"). */
final class Addresses {
    private Addresses() {
    }

    static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress) {
            InetSocketAddress i = (InetSocketAddress) a;
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return host + ":" + i.getPort();
        }
        return String.valueOf(a);
    }
}
