package dev.podis;

import dev.podis.server.PodisServer;
import dev.podis.server.config.ConfigException;
import dev.podis.server.config.ServerConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Podis in-process, for tests and local development.
 *
 * <pre>{@code
 * try (Podis podis = Podis.builder().build().start()) {
 *     Jedis jedis = new Jedis(podis.host(), podis.port());
 *     ...
 * }
 * }</pre>
 *
 * <p>Defaults differ from the standalone server in what suits a test: a free port on
 * {@code 127.0.0.1}, nothing written to disk ({@code save ""}, {@code appendonly no}, {@code dir}
 * the system temporary directory, written to only by an explicit SAVE or DEBUG RELOAD, and no
 * dataset loaded at start unless a data directory is given), the heap keyspace
 * ({@code keyspace-backend heap}: no JVM flags needed, a start in milliseconds, no native memory;
 * the command code is the same for both keyspaces), and no admin HTTP port ({@code admin-port -1}).
 * Every default can be changed with
 * {@link Builder#config(String, String)}, e.g. {@code config("keyspace-backend", "auto")} for the
 * off-heap keyspace when the JVM has the flags it needs.
 *
 * <p>This is a thin face over {@link PodisServer}: {@link #start()} starts one, {@link #close()}
 * stops its threads, closes its listening sockets and releases its keyspace. A Podis starts once;
 * build another (the builder can be reused) for a fresh server.
 */
public final class Podis implements AutoCloseable {
    private final ServerConfig config;
    private final boolean dataDirGiven;
    private PodisServer server;
    private boolean closed;

    private Podis(ServerConfig config, boolean dataDirGiven) {
        this.config = config;
        this.dataDirGiven = dataDirGiven;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the listening sockets and starts the server thread.
     *
     * @return this Podis, started
     * @throws IllegalStateException if already started or closed, the address cannot be bound, or
     *                               the append-only file ({@code appendonly yes}) cannot be loaded
     */
    public synchronized Podis start() {
        if (server != null || closed) {
            throw new IllegalStateException(closed ? "this Podis is closed; build a new one" : "already started");
        }
        Thread warmUp = firstStartWarmUp();
        PodisServer s = new PodisServer(config).loadAtStart(dataDirGiven);
        try {
            joinQuietly(warmUp);
            s.start();
            s.loaded().join(); // the data in dir/dbfilename, when a data directory was given
        } catch (java.util.concurrent.CompletionException e) {
            s.close();
            String what = config.getBool("appendonly") ? "the append-only file " + config.get("appenddirname")
                    : config.get("dbfilename");
            throw new IllegalStateException("cannot load " + what + " from " + config.get("dir")
                    + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            s.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        server = s;
        return this;
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARMED = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * On the first start of the JVM, initialises Netty's transport and buffer allocator (loading
     * the native transports' libraries, the allocator's JFR event classes) on a short-lived thread while
     * the server is being built, taking them off the start's critical path. Null afterwards.
     */
    private static Thread firstStartWarmUp() {
        if (!WARMED.compareAndSet(false, true)) {
            return null;
        }
        Thread t = new Thread(() -> {
            try {
                dev.podis.server.net.Transport.IO_URING.available();
                dev.podis.server.net.Transport.EPOLL.available();
                io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(256).release();
            } catch (Throwable ignored) {
                // start() meets the same problem, and reports it, on its own
            }
        }, "podis-warm-up");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void joinQuietly(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether started and not yet closed (SHUTDOWN sent by a client also stops the server). */
    public synchronized boolean isRunning() {
        return server != null && !closed && server.context().commandLoop() != null
                && !server.context().commandLoop().isShuttingDown();
    }

    /** The port the server listens on (the one chosen when configured with port 0). */
    public int port() {
        return running().port();
    }

    /**
     * The address clients should connect to: the first {@code bind} address, with a wildcard
     * ({@code *}, {@code 0.0.0.0}) given as the loopback address.
     */
    public String host() {
        String first = config.get("bind").trim().split("\\s+")[0];
        if (first.startsWith("-")) {
            first = first.substring(1);
        }
        switch (first) {
            case "", "*", "0.0.0.0":
                return "127.0.0.1";
            case "::*", "::":
                return "::1";
            default:
                return first;
        }
    }

    /** {@code redis://host:port}, the form Jedis, Lettuce, Redisson and Spring's {@code spring.data.redis.url} take. */
    public String uri() {
        String h = host();
        return "redis://" + (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port();
    }

    /** Removes every key of every database, as FLUSHALL does, on the server's command thread. */
    public void flushAll() {
        PodisServer s = running();
        var loop = s.context().commandLoop();
        if (loop.inEventLoop()) {
            s.context().keyspace().flushAll();
        } else {
            loop.submit(() -> s.context().keyspace().flushAll()).syncUninterruptibly();
        }
    }

    /** The live configuration value of a parameter (as CONFIG GET shows it). */
    public String config(String name) {
        if (config.param(name) == null) {
            throw new IllegalArgumentException("unknown config parameter '" + name + "'");
        }
        return config.get(name);
    }

    /**
     * The server itself, for Podis's own tests and tools. Internal API: it may change between
     * versions.
     */
    public PodisServer server() {
        return running();
    }

    /**
     * Stops the server: closes its listening sockets and connections, stops its threads and
     * releases its keyspace. Returns once the threads have ended. Idempotent.
     */
    @Override
    public synchronized void close() {
        closed = true;
        if (server != null) {
            server.close();
            server = null;
        }
    }

    private synchronized PodisServer running() {
        if (server == null) {
            throw new IllegalStateException(closed ? "this Podis is closed" : "not started; call start()");
        }
        return server;
    }

    /** Settings for a {@link Podis}; reusable, each {@link #build()} makes an independent server. */
    public static final class Builder {
        private final List<String[]> settings = new ArrayList<>();

        private Builder() {
        }

        /** The port to listen on; 0 (the default) picks a free one, see {@link Podis#port()}. */
        public Builder port(int port) {
            return config("port", Integer.toString(port));
        }

        /** The addresses to listen on, as redis.conf's {@code bind} (default {@code 127.0.0.1}). */
        public Builder bind(String addresses) {
            return config("bind", addresses);
        }

        /** Any configuration parameter by its redis.conf name; checked by {@link #build()}. Later settings win. */
        public Builder config(String name, String value) {
            settings.add(new String[] {name, value});
            return this;
        }

        /**
         * The directory for data files ({@code dir}), created if missing. {@link Podis#start()}
         * loads {@code dbfilename} (dump.rdb) from it when present and returns once it is loaded;
         * SAVE writes it there. Without it nothing is loaded at start. With {@code appendonly yes}
         * the append-only file ({@code appendonlydir} in it) is loaded instead and kept there.
         */
        public Builder dataDir(Path dir) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + dir, e);
            }
            return config("dir", dir.toAbsolutePath().toString());
        }

        /**
         * A Podis with these settings, not yet started.
         *
         * @throws IllegalArgumentException for an unknown parameter or an invalid value
         */
        public Podis build() {
            String tmp = System.getProperty("java.io.tmpdir");
            ServerConfig c = new ServerConfig(Path.of(tmp).toAbsolutePath().toString());
            set(c, "port", "0");
            set(c, "bind", "127.0.0.1");
            set(c, "admin-port", "-1"); // no admin HTTP port in-process unless asked for
            set(c, "save", "");
            set(c, "appendonly", "no");
            set(c, "keyspace-backend", "heap");
            boolean dir = false;
            for (String[] s : settings) {
                set(c, s[0], s[1]);
                dir |= s[0].equalsIgnoreCase("dir");
            }
            return new Podis(c, dir);
        }

        private static void set(ServerConfig c, String name, String value) {
            try {
                c.set(name, value);
            } catch (ConfigException e) {
                throw new IllegalArgumentException("config " + name + " '" + value + "': " + e.getMessage(), e);
            }
        }
    }
}
