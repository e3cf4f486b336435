package dev.podis.server.diff;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The differential harness: every script in {@code src/test/resources/diff/*.redis} is sent to a
 * real {@code redis-server} and to Podis, and the replies must compare as the script says (byte
 * for byte unless a directive says otherwise). Scripts named in {@code diff/PENDING} run too, but
 * their mismatches are reported (on the console and in {@code target/diff-reports/}) and the test
 * is marked skipped instead of failing. See {@code diff/README.md}.
 *
 * <p>Without {@code redis-server} on the PATH the test fails when the environment variable
 * {@code CI} is set and is skipped otherwise. {@code -Dpodis.diff.redis-server=PATH} names another
 * executable (another Redis version); {@code -Dpodis.diff.timeout=MS} sets the per-reply timeout.
 */
class DifferentialTest {
    private static final String DIR = "diff";
    private static final long TIMEOUT_MS = Long.getLong("podis.diff.timeout", 1000);
    private static final int CONSOLE_LINES = 20;
    private static final Path REPORTS = Path.of("target", "diff-reports");

    private static RedisProcess redis;

    @BeforeAll
    static void startRedis() throws Exception {
        String given = System.getProperty("podis.diff.redis-server");
        Path exe = given == null || given.isEmpty() ? RedisProcess.findExecutable() : Path.of(given);
        if (exe == null || !Files.isExecutable(exe)) {
            String msg = (exe == null ? "redis-server is not on the PATH" : exe + " is not an executable")
                    + ": the differential tests need the Debian packages redis-server and redis-tools "
                    + "(apt-get install redis-server redis-tools; .ci/run installs them)";
            dev.podis.server.TestTools.missing("diff", msg);
        }
        redis = RedisProcess.start(exe);
        System.out.println("[diff] reference " + exe + " version " + redis.version() + " on port " + redis.port());
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }

    @TestFactory
    Stream<DynamicTest> scripts() throws IOException, URISyntaxException {
        Path dir = scriptDir();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".redis")).sorted().toList();
        }
        Set<String> pending = pending(dir);
        List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
        for (String p : pending) {
            Assertions.assertTrue(names.contains(p), "diff/PENDING names " + p + ", which is not a script in diff/");
        }
        Assertions.assertFalse(files.isEmpty(), "no scripts in " + dir);
        return files.stream().map(f -> {
            String name = f.getFileName().toString();
            return DynamicTest.dynamicTest(name, f.toUri(), () -> runScript(name, f, pending.contains(name)));
        });
    }

    private static void runScript(String name, Path file, boolean pending) throws Exception {
        Script script = Script.parse(name, Files.readString(file, StandardCharsets.UTF_8));
        long start = System.nanoTime();
        List<ScriptRunner.Mismatch> mismatches;
        // A fresh Podis per script, and a flushed Redis: no script sees another's data or settings.
        ScriptRunner runner = new ScriptRunner(TIMEOUT_MS);
        try (TestServer podis = TestServer.start()) {
            redis.run("FLUSHALL", "SCRIPT FLUSH", "FUNCTION FLUSH", "CONFIG RESETSTAT");
            mismatches = runner.run(script, redis.port(), podis.port());
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        String report = report(name, script, mismatches, ms);
        writeReport(name + ".txt", report);
        writeReport(name + ".transcript", runner.transcript());
        if (pending) {
            if (mismatches.isEmpty()) {
                System.out.println("[diff] " + name + " is listed in diff/PENDING but now matches Redis entirely: "
                        + "remove it from diff/PENDING so that it is enforced");
                return;
            }
            System.out.println("[diff] PENDING " + name + ": " + mismatches.size() + " mismatch(es), not enforced "
                    + "(details in " + REPORTS.resolve(name + ".txt") + "):");
            int shown = 0;
            for (ScriptRunner.Mismatch m : mismatches) {
                if (shown++ == CONSOLE_LINES) {
                    System.out.println("[diff]   ... and " + (mismatches.size() - CONSOLE_LINES) + " more");
                    break;
                }
                System.out.println("[diff]   " + m.brief(name));
            }
            Assumptions.abort(name + " is pending (diff/PENDING): " + mismatches.size() + " mismatch(es) reported");
        }
        if (!mismatches.isEmpty()) {
            Assertions.fail(report);
        }
    }

    private static String report(String name, Script script, List<ScriptRunner.Mismatch> mismatches, long ms) {
        StringBuilder sb = new StringBuilder();
        sb.append(name).append(": ").append(script.steps().size()).append(" steps, ")
                .append(mismatches.size()).append(" mismatch(es), ").append(ms).append(" ms\n");
        for (ScriptRunner.Mismatch m : mismatches) {
            sb.append('\n').append(m.describe(name));
        }
        return sb.toString();
    }

    private static void writeReport(String name, String report) {
        try {
            Files.createDirectories(REPORTS);
            Files.writeString(REPORTS.resolve(name), report, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.out.println("[diff] could not write the report for " + name + ": " + e);
        }
    }

    private static Path scriptDir() throws URISyntaxException {
        URL readme = DifferentialTest.class.getClassLoader().getResource(DIR + "/README.md");
        Assertions.assertNotNull(readme, "test resource " + DIR + "/README.md not found");
        Assertions.assertEquals("file", readme.getProtocol(), "the scripts must be a directory on the test classpath");
        return Path.of(readme.toURI()).getParent();
    }

    /** Script names from diff/PENDING, one a line, '#' comments. */
    private static Set<String> pending(Path dir) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        Path file = dir.resolve("PENDING");
        if (!Files.exists(file)) {
            return names;
        }
        try (InputStream in = Files.newInputStream(file)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int hash = line.indexOf('#');
                String n = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (!n.isEmpty()) {
                    names.add(n);
                }
            }
        }
        return names;
    }
}
