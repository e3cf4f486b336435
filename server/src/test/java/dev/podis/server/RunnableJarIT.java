package dev.podis.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runnable jar as a user starts it (the README's command): {@code java -jar podis.jar} with
 * no JVM flags of its own. Runs after packaging ({@code mvn verify}).
 */
class RunnableJarIT {
    private static final Path JAR = Path.of(System.getProperty("podis.jar", "target/podis.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process start(String... args) throws IOException {
        return startWith(List.of(), args);
    }

    private Process startWith(List<String> jvmOptions, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile()).start();
    }

    private String output() throws IOException {
        return Files.readString(dir.resolve("out.log"), StandardCharsets.UTF_8);
    }

    private static Jedis connect(int port, Process p) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                Jedis j = new Jedis("127.0.0.1", port);
                j.ping();
                return j;
            } catch (RuntimeException e) {
                if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                    throw new AssertionError("the server did not answer on port " + port, e);
                }
                Thread.sleep(50);
            }
        }
    }

    /** The output of the JDK's jcmd for a running JVM. */
    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jcmd finished");
        return out;
    }

    @Test
    void startsWithoutJvmFlagsOnTheOffHeapKeyspaceAndShutsDownCleanly() throws Exception {
        int port = freePort();
        Files.createDirectories(dir.resolve("data"));
        Process p = start("--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", "data", "--save", "",
                "--admin-port", "0");
        try (Jedis j = connect(port, p)) {
            assertEquals("OK", j.set("k", "v"));
            assertEquals("v", j.get("k"));
            String info = j.info("server");
            assertTrue(info.contains("podis_keyspace_backend:offheap"), "the manifest's flags enable the off-heap keyspace: " + info);
            assertTrue(info.contains("redis_version:"), info);
            assertEquals(dir.resolve("data").toRealPath().toString(), j.configGet("dir").get("dir"));
            // Netty's defaults that cost a server time (leak-detection stack traces, flight-recorder
            // events registered at the first reply) are off unless the user sets them.
            String props = jcmd(p.pid(), "VM.system_properties");
            assertTrue(props.contains("io.netty.leakDetection.level=disabled"), props);
            assertTrue(props.contains("io.netty.jfr.enabled=false"), props);
            try {
                j.shutdown();
            } catch (RuntimeException closed) {
                // the connection closes as the server stops
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "SHUTDOWN stops the process");
            assertEquals(0, p.exitValue(), output());
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * Once ready, the standalone server asks for one collection when the JVM runs it concurrently
     * (Shenandoah: the start's garbage goes back to the system at once, see HeapRelease), and
     * never where it would stop the world (G1's explicit collection is a full one).
     */
    @Test
    void releasesTheStartsGarbageOnlyWhereTheCollectionIsConcurrent() throws Exception {
        for (String gc : new String[] {"-XX:+UseShenandoahGC", "-XX:+UseG1GC"}) {
            int port = freePort();
            Path log = dir.resolve(gc.substring(7) + ".log");
            Process p = startWith(List.of(gc, "-Xlog:gc:file=" + log), "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--dir", dir.toString(), "--save", "", "--admin-port", "-1");
            try (Jedis j = connect(port, p)) {
                boolean concurrent = gc.contains("Shenandoah");
                long deadline = System.currentTimeMillis() + (concurrent ? 30_000 : 3_000);
                boolean requested = false;
                while (!requested && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                    requested = Files.exists(log) && Files.readString(log).contains("System.gc()");
                }
                assertEquals(concurrent, requested, gc + ": " + (Files.exists(log) ? Files.readString(log) : "no log"));
                assertEquals("PONG", j.ping());
            } finally {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void sigtermAnswersPipelinedCommandsSentBeforeItAndExitsWithZero() throws Exception {
        int port = freePort();
        int adminPort = freePort();
        Process p = start("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--admin-port", Integer.toString(adminPort));
        try {
            try (Jedis j = connect(port, p)) {
                String info = j.info("server");
                assertTrue(info.contains("podis_cgroup_memory_limit:") && info.contains("podis_cgroup_cpu_quota:"), info);
            }
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpResponse<String> ready = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + adminPort + "/readyz")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), ready.body());
            int n = 2000;
            StringBuilder pipeline = new StringBuilder();
            for (int i = 0; i < n; i++) {
                String key = "key:" + i;
                pipeline.append("*3\r\n$3\r\nSET\r\n$").append(key.length()).append("\r\n").append(key)
                        .append("\r\n$1\r\nv\r\n");
            }
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                s.setSoTimeout(60_000);
                s.getOutputStream().write(pipeline.toString().getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                p.destroy(); // SIGTERM
                java.io.InputStream in = s.getInputStream();
                byte[] ok = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
                int answered = 0;
                int pos = 0;
                int b;
                while (answered < n && (b = in.read()) >= 0) {
                    assertEquals(ok[pos], (byte) b, "reply " + answered);
                    if (++pos == ok.length) {
                        pos = 0;
                        answered++;
                    }
                }
                assertEquals(n, answered, "every command sent before SIGTERM is answered");
                assertEquals(-1, in.read(), "then the server closes the connection");
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "SIGTERM stops the process");
            assertEquals(0, p.exitValue(), output());
            assertTrue(output().contains("Shutting down (SIGTERM)"), output());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void versionHelpAndUnknownParameters() throws Exception {
        Process v = start("--version");
        assertTrue(v.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, v.exitValue());
        assertTrue(output().contains("redis_version="), output());

        Process h = start("--help");
        assertTrue(h.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, h.exitValue());
        assertTrue(output().contains("Usage"), output());

        Process bad = start("--no-such-parameter", "1");
        assertTrue(bad.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, bad.exitValue());
        assertTrue(output().contains("no-such-parameter"), "the message names the parameter: " + output());
    }
}
