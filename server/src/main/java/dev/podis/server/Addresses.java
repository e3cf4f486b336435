package dev.podis.server;

import io.netty.util.NetUtil;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Formats socket addresses as Redis prints them ("127.0.0.1:6379", "[::1]:6379"). */
final class Addresses {
    private Addresses() {
    }

    static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress) {
            InetSocketAddress i = (InetSocketAddress) a;
            if (i.getAddress() instanceof Inet6Address) {
                // Redis (anetFormatAddr) brackets IPv6 hosts and writes them compressed, as inet_ntop does.
                return "[" + NetUtil.toAddressString(i.getAddress()) + "]:" + i.getPort();
            }
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return host + ":" + i.getPort();
        }
        return String.valueOf(a);
    }
}
