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
import java.util.Arrays;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The kernel interface the command loop does its network I/O with ({@code network-transport}):
 * io_uring, epoll or the JDK's NIO. {@code auto} takes the first of them the kernel and the
 * process allow, in that order.
 *
 * <p>Why io_uring first: with epoll every request costs the loop a read and a write system call
 * (and redis-benchmark -P 1 spends most of the server's CPU in them); io_uring submits a pass's
 * receives and sends together and completes them in shared rings. Side by side with redis-server
 * on 2 cores it served -P 1 at 0.96-1.12x Redis where epoll gave 0.83-1.01x, and at -P 16 it
 * lowered p99 below Redis's on most tests (benchmarks/README.md, the network transport).
 * Container runtimes' default seccomp profiles often refuse io_uring; {@code auto} then falls
 * back to epoll without a word beyond the start-up log line.
 */
public enum Transport {
    IO_URING("io_uring", IoUring::isAvailable, IoUring::unavailabilityCause, IoUringIoHandler::newFactory,
            IoUringServerSocketChannel.class),
    EPOLL("epoll", Epoll::isAvailable, Epoll::unavailabilityCause, EpollIoHandler::newFactory,
            EpollServerSocketChannel.class),
    NIO("nio", () -> true, () -> null, NioIoHandler::newFactory, NioServerSocketChannel.class);

    /** The values of {@code network-transport}: {@code auto} and each transport's name. */
    public static final String[] CONFIG_VALUES = Stream.concat(Stream.of("auto"),
            Arrays.stream(values()).map(Transport::configName)).toArray(String[]::new);

    private final String configName;
    // Method references, so that a transport's native library is only loaded when it is asked for.
    private final BooleanSupplier available;
    private final Supplier<Throwable> unavailabilityCause;
    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final Class<? extends ServerChannel> serverChannel;

    Transport(String configName, BooleanSupplier available, Supplier<Throwable> unavailabilityCause,
              Supplier<IoHandlerFactory> ioHandlerFactory, Class<? extends ServerChannel> serverChannel) {
        this.configName = configName;
        this.available = available;
        this.unavailabilityCause = unavailabilityCause;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannel = serverChannel;
    }

    /** The name in {@code network-transport} and in INFO's {@code multiplexing_api}. */
    public String configName() {
        return configName;
    }

    /** True if this process can use it (native library loaded, kernel support, not refused). */
    public boolean available() {
        return available.getAsBoolean();
    }

    public IoHandlerFactory ioHandlerFactory() {
        return ioHandlerFactory.get();
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

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
                    Throwable cause = t.unavailabilityCause.get();
                    throw new IllegalStateException("network-transport " + name + " is not available here"
                            + (cause == null ? "" : ": " + cause), cause);
                }
                return t;
            }
        }
        throw new IllegalArgumentException("unknown network-transport " + configured);
    }
}
