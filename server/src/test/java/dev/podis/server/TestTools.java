package dev.podis.server;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** External programs the tests use (redis-server, podman): finding them, and what to do without them. */
public final class TestTools {
    private TestTools() {
    }

    /** The executable {@code name} on the PATH, or null. */
    public static Path onPath(String name) {
        String path = System.getenv("PATH");
        for (String d : path == null ? new String[0] : path.split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * A program the test needs is missing: the test fails when the environment variable CI is set
     * (CI installs it, see .ci/run), else it is skipped with {@code message} printed under {@code tag}.
     */
    public static void missing(String tag, String message) {
        String ci = System.getenv("CI");
        if (ci != null && !ci.isEmpty()) {
            Assertions.fail(message);
        }
        System.out.println("[" + tag + "] SKIPPED: " + message);
        Assumptions.abort(message);
    }
}
