package dev.podis.server;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The container image of this build and containers of it, for the container tests (*IT), with
 * podman and no registry: {@link #image()} builds the base image with
 * {@code docker/build-local-base.sh} (once per machine) and docker/Dockerfile with the jar of this
 * build (once per test JVM, removed when it exits). Each container publishes the client port and
 * the admin port on loopback.
 * <p>
 * Without podman the tests are skipped, or fail when the environment variable CI is set (.ci/run
 * installs podman, buildah, debootstrap and runc). Podman reads docker/podman-containers.conf
 * unless CONTAINERS_CONF is set.
 * <p>
 * Test classes register {@link Cleanup} ({@code @ExtendWith(PodisContainer.Cleanup.class)}): a
 * failing test then reports the log of every container it started, and they are removed after it.
 */
final class PodisContainer implements AutoCloseable {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final String BASE = "localhost/podis-base:bookworm-jdk17";
    /** The uid the image runs Podis as (docker/Dockerfile). */
    static final int UID = 10001;

    private static String image;
    private static String containersConf;
    /** Containers started and not removed yet (the current test's). */
    private static final List<PodisContainer> LIVE = new CopyOnWriteArrayList<>();

    private final String name;
    private final int port;
    private final int adminPort;

    private PodisContainer(String name, int port, int adminPort) {
        this.name = name;
        this.port = port;
        this.adminPort = adminPort;
    }

    /** The image of this build (built on first use); skips or fails the test without podman. */
    static synchronized String image() throws IOException, InterruptedException {
        if (image != null) {
            return image;
        }
        if (TestTools.onPath("podman") == null) {
            TestTools.missing("container", "podman is not installed: the container tests need podman, buildah, debootstrap "
                    + "and runc (apt-get install podman buildah debootstrap runc; .ci/run installs them)");
        }
        String given = System.getenv("CONTAINERS_CONF");
        containersConf = given != null && !given.isEmpty() ? given
                : ROOT.resolve("docker/podman-containers.conf").toString();
        assertTrue(Files.isRegularFile(ROOT.resolve("server/target/podis.jar")), "the jar is built before the ITs");
        run(15, "sh", ROOT.resolve("docker/build-local-base.sh").toString(), BASE);
        String id = UUID.randomUUID().toString().substring(0, 8);
        String tag = "localhost/podis-it:" + id;
        // Every image the build commits (the stages' too) carries this label, so that the stages
        // left untagged by a multi-stage build are removed with the image.
        String label = "podis.it=" + id;
        long t0 = System.nanoTime();
        run(10, "podman", "build", "-q", "-f", ROOT.resolve("docker/Dockerfile").toString(),
                "--build-arg", "JAR_FROM=prebuilt", "--build-arg", "BASE_IMAGE=" + BASE,
                "--build-arg", "BUILD_IMAGE=" + BASE, "--label", label, "-t", tag, ROOT.toString());
        System.out.printf("[container] built %s in %.1f s%n", tag, (System.nanoTime() - t0) / 1e9);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                exec(2, "podman", "rmi", "-f", tag);
                exec(2, "podman", "image", "prune", "-f", "--filter", "label=" + label);
            } catch (IOException | InterruptedException ignored) {
                // the JVM is exiting
            }
        }, "podis-it-rmi"));
        image = tag;
        return image;
    }

    /** A finished command's exit code and output (standard output and error), or an HTTP status and body. */
    record Result(int code, String output) { }

    /** Runs a command to completion (podman with our containers.conf) within {@code minutes}. */
    static Result exec(int minutes, String... cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile("podis-it", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            if (containersConf != null) {
                pb.environment().put("CONTAINERS_CONF", containersConf);
            }
            Process p = pb.start();
            boolean done = p.waitFor(minutes, TimeUnit.MINUTES);
            String text = Files.readString(log, StandardCharsets.UTF_8);
            // The end of a long log (debootstrap, podman build) is where a failure shows.
            String tail = text.length() > 30_000 ? "...\n" + text.substring(text.length() - 30_000) : text;
            if (!done) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not finish in " + minutes + " min:\n" + tail);
            }
            return new Result(p.exitValue(), tail.trim());
        } finally {
            Files.delete(log);
        }
    }

    /** Runs a command to completion, failing the test on a non-zero exit; returns its output. */
    static String run(int minutes, String... cmd) throws IOException, InterruptedException {
        Result r = exec(minutes, cmd);
        assertEquals(0, r.code(), String.join(" ", cmd) + " failed:\n" + r.output());
        return r.output();
    }

    /**
     * Makes a host directory usable as a container's /data volume: writable by the image's
     * non-root user (whatever uid podman maps it to), files in it readable.
     */
    static Path volume(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            }
        }
        return dir;
    }

    /**
     * Starts a container of the image, detached: {@code runOptions} for podman run (e.g.
     * {@code --memory 512m}, {@code -v dir:/data}), then Podis's arguments. Returns at once; see
     * {@link #awaitPing()}.
     */
    static PodisContainer start(List<String> runOptions, String... podisArgs) throws Exception {
        String img = image();
        String name = "podis-it-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> cmd = new ArrayList<>(List.of("podman", "run", "-d", "--name", name,
                "-p", "127.0.0.1::6379", "-p", "127.0.0.1::9121"));
        cmd.addAll(runOptions);
        cmd.add(img);
        cmd.addAll(List.of(podisArgs));
        run(2, cmd.toArray(new String[0]));
        PodisContainer c = new PodisContainer(name, mappedPort(name, 6379), mappedPort(name, 9121));
        LIVE.add(c);
        return c;
    }

    private static int mappedPort(String name, int port) throws IOException, InterruptedException {
        String mapped = run(1, "podman", "port", name, port + "/tcp"); // 127.0.0.1:PORT
        return Integer.parseInt(mapped.substring(mapped.lastIndexOf(':') + 1).trim());
    }

    String name() {
        return name;
    }

    /** The client port on 127.0.0.1. */
    int port() {
        return port;
    }

    Jedis jedis(int timeoutMillis) {
        return new Jedis("127.0.0.1", port, timeoutMillis);
    }

    /** Waits until PING answers (the dataset is loaded); fails with the log after two minutes. */
    PodisContainer awaitPing() throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            try (Jedis j = jedis(10_000)) {
                j.ping();
                return this;
            } catch (RuntimeException e) {
                if (System.currentTimeMillis() > deadline || !"running".equals(inspect("{{.State.Status}}"))) {
                    fail("the container did not answer (" + e + ")");
                }
                Thread.sleep(100);
            }
        }
    }

    /** An HTTP GET on the admin port: status and body; status -1 while nothing answers. */
    Result admin(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + adminPort + path).toURL().openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout(10_000);
            int status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                return new Result(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            return new Result(-1, e.toString());
        }
    }

    /** {@code podman inspect --format}, e.g. {@code {{.State.ExitCode}}}. */
    String inspect(String format) throws IOException, InterruptedException {
        return run(1, "podman", "inspect", name, "--format", format);
    }

    /** The container's output so far. */
    String logs() throws IOException, InterruptedException {
        return exec(1, "podman", "logs", name).output();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        LIVE.remove(this);
        exec(2, "podman", "rm", "-f", name);
    }

    /**
     * JUnit extension: a failing test's error carries the log of every container it started; the
     * containers are removed after each test.
     */
    static final class Cleanup implements TestExecutionExceptionHandler, AfterEachCallback {
        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
            StringBuilder logs = new StringBuilder();
            for (PodisContainer c : LIVE) {
                logs.append("\n----- log of container ").append(c.name).append(" (")
                        .append(exec(1, "podman", "inspect", c.name, "--format",
                                "status {{.State.Status}}, exit code {{.State.ExitCode}}, OOMKilled {{.State.OOMKilled}}")
                                .output())
                        .append(") -----\n").append(c.logs());
            }
            if (logs.isEmpty()) {
                throw failure;
            }
            AssertionError withLogs = new AssertionError(failure.getMessage() + logs, failure);
            throw withLogs;
        }

        @Override
        public void afterEach(ExtensionContext context) throws Exception {
            for (PodisContainer c : Set.copyOf(LIVE)) {
                c.close();
            }
        }
    }
}
