package dev.podis.server.diff;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} (the one found on the PATH) started on a free loopback port in a
 * temporary directory of its own, without persistence, and killed on {@link #close()}; or, with
 * {@link #startIn}, in a directory and with options of the caller's (persistence tests).
 */
public final class RedisProcess implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int port;
    private final Thread shutdownHook;
    private final boolean ownDir;

    private RedisProcess(Process process, Path dir, int port, boolean ownDir) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.ownDir = ownDir;
        this.shutdownHook = new Thread(process::destroyForcibly, "redis-server-kill");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The redis-server executable on the PATH, or null. */
    public static Path findExecutable() {
        Path p = dev.podis.server.TestTools.onPath("redis-server");
        if (p != null) {
            return p;
        }
        if (System.getenv("CI") != null) {
            // CI installs redis-server (.ci/run): tests comparing against it must not skip silently there
            throw new IllegalStateException("redis-server is not on the PATH, but CI must have it (see .ci/run)");
        }
        return null;
    }

    /** Starts it, with extra command-line options if any (e.g. {@code --enable-debug-command local}). */
    static RedisProcess start(Path executable, String... options) throws IOException, InterruptedException {
        List<String> args = new java.util.ArrayList<>(List.of("--save", "", "--appendonly", "no"));
        args.addAll(List.of(options));
        return start(executable, null, args);
    }

    /**
     * Starts the redis-server on the PATH with {@code --dir dir} and {@code args} (redis-server
     * flags such as {@code --appendonly yes}); {@code dir} is left in place on {@link #close()}.
     */
    public static RedisProcess startIn(Path dir, String... args) throws IOException, InterruptedException {
        Path exe = findExecutable();
        if (exe == null) {
            throw new IOException("redis-server is not on the PATH");
        }
        return start(exe, dir, List.of(args));
    }

    private static RedisProcess start(Path executable, Path givenDir, List<String> args)
            throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Path dir = givenDir != null ? givenDir : Files.createTempDirectory("podis-diff-redis");
            int port = freePort();
            List<String> cmd = new java.util.ArrayList<>(List.of(executable.toString(),
                    "--port", String.valueOf(port),
                    "--bind", "127.0.0.1",
                    "--daemonize", "no",
                    "--dir", dir.toString(),
                    "--logfile", dir.resolve("redis.log").toString()));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .start();
            if (awaitPong(p, port)) {
                return new RedisProcess(p, dir, port, givenDir == null);
            }
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            last = new IOException("redis-server did not start on port " + port + ": " + log(dir));
            if (givenDir == null) {
                deleteTree(dir);
            } else {
                break; // the caller's files made it fail: trying again would not help
            }
        }
        throw last;
    }

    /** The server's log so far (redis.log and its standard output). */
    public String log() {
        return log(dir);
    }

    public int port() {
        return port;
    }

    /** redis_version as INFO server reports it. */
    String version() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.getOutputStream().write(ScriptRunner.encode(new byte[][]{
                    "INFO".getBytes(StandardCharsets.US_ASCII), "server".getBytes(StandardCharsets.US_ASCII)}));
            Reply r = new ReplyReader(s).read(2000);
            String info = new String(r.bytes(), StandardCharsets.UTF_8);
            int i = info.indexOf("redis_version:");
            return i < 0 ? "?" : info.substring(i + 14, info.indexOf('\r', i));
        } catch (IOException e) {
            return "?";
        }
    }

    /** Sends commands on a fresh connection and waits for their replies (errors are ignored). */
    void run(String... commands) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            ReplyReader reader = new ReplyReader(s);
            OutputStream out = s.getOutputStream();
            for (String c : commands) {
                String[] parts = c.split(" ");
                byte[][] argv = new byte[parts.length][];
                for (int i = 0; i < parts.length; i++) {
                    argv[i] = parts[i].getBytes(StandardCharsets.US_ASCII);
                }
                out.write(ScriptRunner.encode(argv));
                reader.read(5000);
            }
        }
    }

    /** Stops the server with SIGKILL (no shutdown work: nothing more written). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
        if (ownDir) {
            deleteTree(dir);
        }
    }

    private static boolean awaitPong(Process p, int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                return false;
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                s.setSoTimeout(1000);
                s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                byte[] b = new byte[7];
                int n = 0;
                while (n < 7) {
                    int r = in.read(b, n, 7 - n);
                    if (r < 0) {
                        break;
                    }
                    n += r;
                }
                if (n == 7 && "+PONG\r\n".equals(new String(b, StandardCharsets.US_ASCII))) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private static String log(Path dir) {
        StringBuilder sb = new StringBuilder();
        for (String f : new String[]{"stdout.log", "redis.log"}) {
            try {
                sb.append(Files.readString(dir.resolve(f), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // missing log
            }
        }
        String s = sb.toString().strip();
        return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
