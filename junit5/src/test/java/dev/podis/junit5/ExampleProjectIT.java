package dev.podis.junit5;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Builds and tests examples/junit5-project, a separate Maven project that knows Podis only by its
 * published coordinates, with the Maven running this build, offline, against the same local
 * repository. The parent pom installs each module before its integration tests, so
 * podis-server and podis-junit5 are there in "mvn verify" as in "mvn install".
 */
class ExampleProjectIT {

    @Test
    void exampleProjectStartsPodisThroughTheExtensionAndTheBuilder() throws Exception {
        Path example = Path.of(System.getProperty("podis.example.dir", "../examples/junit5-project")).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(example.resolve("pom.xml")), "example project at " + example);
        Path log = Path.of("target", "example-project.log").toAbsolutePath();
        Files.createDirectories(log.getParent());

        List<String> cmd = new ArrayList<>();
        cmd.add(maven());
        cmd.add("-o");
        cmd.add("-B");
        cmd.add("-q");
        cmd.add("-f");
        cmd.add(example.resolve("pom.xml").toString());
        String repo = System.getProperty("podis.it.localRepository");
        if (repo != null && !repo.isBlank()) {
            cmd.add("-Dmaven.repo.local=" + repo);
        }
        String version = System.getProperty("podis.version");
        if (version != null && !version.isBlank()) {
            cmd.add("-Dpodis.version=" + version);
        }
        cmd.add("test"); // no "clean": its plugin is not among those a "mvn verify" of Podis resolved
        deleteTree(example.resolve("target"));

        System.out.println("running " + String.join(" ", cmd));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(example.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
        pb.environment().remove("MAVEN_OPTS");
        Process p = pb.start();
        boolean done = p.waitFor(10, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(done, "example build timed out:\n" + output);
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + " failed:\n" + output);

        Path reports = example.resolve("target/surefire-reports");
        assertTrue(Files.isRegularFile(reports.resolve("TEST-com.example.ExtensionExampleTest.xml")), "extension example ran");
        assertTrue(Files.isRegularFile(reports.resolve("TEST-com.example.BuilderExampleTest.xml")), "builder example ran");
        for (String name : List.of("ExtensionExampleTest", "BuilderExampleTest")) {
            String xml = Files.readString(reports.resolve("TEST-com.example." + name + ".xml"));
            assertTrue(xml.contains("failures=\"0\"") && xml.contains("errors=\"0\"") && !xml.contains("tests=\"0\""),
                    name + " passed with at least one test");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The Maven running this build: maven.home, else MAVEN_HOME, else mvn on the PATH. */
    private static String maven() throws IOException {
        String exe = System.getProperty("os.name", "").toLowerCase().startsWith("windows") ? "mvn.cmd" : "mvn";
        for (String home : new String[] {System.getProperty("maven.home"), System.getenv("MAVEN_HOME")}) {
            if (home != null && !home.isBlank()) {
                File f = new File(home, "bin" + File.separator + exe);
                if (f.canExecute()) {
                    return f.getCanonicalPath();
                }
            }
        }
        return exe;
    }
}
