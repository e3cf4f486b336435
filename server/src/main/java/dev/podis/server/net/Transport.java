package dev.podis.server.net;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.Locale;

/**
 * The kernel interface the command loop does its network I/O with ({@code network-transport}):
 * io_uring, epoll or the JDK's NIO. {@code auto} takes the first of them the kernel and the
 * process allow, in that order.
 *
 * <p>Why io_uring first: with epoll every request costs the loop a read and a write system call
 * (and redis-benchmark -P 1 spends most of the server's CPU in them); io_uring submits a pass's
 * receives and sends together and completes them in shared rings. Side by side with redis-server
 * on 2 cores it served -P 1 at 1.06-1.12x Redis where epoll gave 0.92-1.01x, and at -P 16 it
 * lowered p99 below Redis's on most tests (benchmarks/README.md, the network transport).
 * Container runtimes' default seccomp profiles often refuse io_uring; {@code auto} then falls
 * back to epoll without a word beyond the start-up log line.
 */
public enum Transport {
    IO_URING("io_uring") {
        @Override
        public boolean available() {
            return IoUring.isAvailable();
        }

        @Override
        Throwable unavailabilityCause() {
            return IoUring.unavailabilityCause();
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return IoUringIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerChannel> serverChannel() {
            return IoUringServerSocketChannel.class;
        }
    },
    EPOLL("epoll") {
        @Override
        public boolean available() {
            return Epoll.isAvailable();
        }

        @Override
        Throwable unavailabilityCause() {
            return Epoll.unavailabilityCause();
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }
    },
    NIO("nio") {
        @Override
        public boolean available() {
            return true;
        }

        @Override
        Throwable unavailabilityCause() {
            return null;
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerChannel> serverChannel() {
            return NioServerSocketChannel.class;
        }
    };

    /** The values of {@code network-transport}: {@code auto} and each transport's name. */
    public static final String[] CONFIG_VALUES = {"auto", "io_uring", "epoll", "nio"};

    private final String configName;

    Transport(String configName) {
        this.configName = configName;
    }

    /** The name in {@code network-transport} and in INFO's {@code multiplexing_api}. */
    public String configName() {
        return configName;
    }

    /** True if this process can use it (native library loaded, kernel support, not refused). */
    public abstract boolean available();

    abstract Throwable unavailabilityCause();

    public abstract IoHandlerFactory ioHandlerFactory();

    public abstract Class<? extends ServerChannel> serverChannel();

    /**
     * The transport {@code network-transport} names: {@code auto} takes the first available one;
     * a named one that is not available fails with the reason.
     */
    public static Transport choose(String configured) {
        String name = configured.toLowerCase(Locale.ROOT);
        if (name.equals("auto")) {
            for (Transport t : values()) {
                if (t.available()) {
                    return t;
                }
            }
        }
        for (Transport t : values()) {
            if (t.configName.equals(name)) {
                if (!t.available()) {
                    Throwable cause = t.unavailabilityCause();
                    throw new IllegalStateException("network-transport " + name + " is not available here"
                            + (cause == null ? "" : ": " + cause), cause);
                }
                return t;
            }
        }
        throw new IllegalArgumentException("unknown network-transport " + configured);
    }
}
