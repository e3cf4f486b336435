package dev.podis.server.commands;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/** A real redis-server started for comparison, when one is installed (else {@link #start()} returns null). */
final class RealRedis implements AutoCloseable {
    private final Process process;
    private final int port;

    private RealRedis(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static RealRedis start() {
        return start(null, "dump.rdb");
    }

    /**
     * Starts with {@code --dir dir --dbfilename file} (it loads that file when present) or, with a
     * null dir, without one; null when redis-server is missing or does not come up (a file it
     * cannot load).
     */
    static RealRedis start(java.nio.file.Path dir, String dbfilename, String... extraArgs) {
        if (dev.podis.server.diff.RedisProcess.findExecutable() == null) {
            return null;
        }
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("redis-server", "--port",
                    Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
                    "--enable-debug-command", "yes"));
            if (dir != null) {
                args.addAll(java.util.List.of("--dir", dir.toString(), "--dbfilename", dbfilename));
            }
            args.addAll(java.util.List.of(extraArgs));
            Process p = new ProcessBuilder(args)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline && p.isAlive()) {
                try (Socket probe = new Socket("127.0.0.1", port)) {
                    return new RealRedis(p, port);
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            p.destroyForcibly();
            return null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }
}
