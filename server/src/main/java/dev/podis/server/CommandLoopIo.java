package dev.podis.server;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;

/**
 * The command loop's I/O handler (epoll or NIO), wrapped so that a long script can let the loop
 * process I/O events from inside the script, as Redis's processEventsWhileBlocked does: other
 * clients get their BUSY replies and SCRIPT KILL can arrive while the script runs.
 *
 * <p>Netty's I/O handlers are not re-entrant while they dispatch a batch of ready events, so a
 * nested {@link #pump()} runs only when the loop is outside its I/O phase ({@link #inIo()}); the
 * connection handler starts scripts from a task for that reason (see ClientConnection and
 * {@code scripting/package-info.java}).
 */
final class CommandLoopIo implements IoHandlerFactory {
    private final IoHandlerFactory delegate;
    private Handler handler;

    CommandLoopIo(IoHandlerFactory delegate) {
        this.delegate = delegate;
    }

    @Override
    public IoHandler newHandler(io.netty.util.concurrent.ThreadAwareExecutor executor) {
        Handler h = new Handler(delegate.newHandler(executor));
        if (handler == null) {
            handler = h; // one command loop
        }
        return h;
    }

    @Override
    public boolean isChangingThreadSupported() {
        return delegate.isChangingThreadSupported();
    }

    /** True while the loop dispatches I/O events (channel reads and writes). */
    boolean inIo() {
        Handler h = handler;
        return h != null && h.inIo;
    }

    /** Processes the I/O events ready now, without waiting; false when that is not safe here. */
    boolean pump() {
        Handler h = handler;
        if (h == null || h.inIo) {
            return false;
        }
        h.inIo = true;
        try {
            h.delegate.run(NOW);
        } finally {
            h.inIo = false;
        }
        return true;
    }

    /** A context that never blocks: take what is ready and return. */
    private static final IoHandlerContext NOW = new IoHandlerContext() {
        @Override
        public boolean canBlock() {
            return false;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return 0;
        }

        @Override
        public long deadlineNanos() {
            return System.nanoTime();
        }
    };

    private static final class Handler implements IoHandler {
        final IoHandler delegate;
        boolean inIo;

        Handler(IoHandler delegate) {
            this.delegate = delegate;
        }

        @Override
        public void initialize() {
            delegate.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            inIo = true;
            try {
                return delegate.run(context);
            } finally {
                inIo = false;
            }
        }

        @Override
        public void prepareToDestroy() {
            delegate.prepareToDestroy();
        }

        @Override
        public void destroy() {
            delegate.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return delegate.register(handle);
        }

        @Override
        public void wakeup() {
            delegate.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return delegate.isCompatible(handleType);
        }
    }
}
