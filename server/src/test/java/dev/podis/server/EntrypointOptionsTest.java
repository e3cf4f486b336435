package dev.podis.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM options of the container image ({@code docker/entrypoint.sh --jvm-options}, what the
 * side-by-side benchmark runs Podis with): the image's collector unless JAVA_OPTS picks another,
 * and a JVM that starts with them (two collectors make the JVM refuse to start).
 */
class EntrypointOptionsTest {
    private static final Path ENTRYPOINT = PodisContainer.ROOT.resolve("docker/entrypoint.sh");

    private static String run(Map<String, String> env, String... argv) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().remove("JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + String.join(" ", argv));
        assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + out);
        return out;
    }

    private static List<String> options(String javaOpts) throws IOException, InterruptedException {
        Map<String, String> env = javaOpts == null ? Map.of() : Map.of("JAVA_OPTS", javaOpts);
        return Arrays.asList(run(env, "sh", ENTRYPOINT.toString(), "--jvm-options").trim().split("\\s+"));
    }

    /** The collector a JVM started with {@code options} uses (its own report), starting it for real. */
    private static String collector(List<String> options) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        argv.addAll(options);
        argv.addAll(List.of("-Xlog:gc:stdout", "-version"));
        String out = run(Map.of(), argv.toArray(new String[0]));
        for (String line : out.split("\n")) {
            int at = line.indexOf("Using ");
            if (line.contains("[gc") && at >= 0) {
                return line.substring(at + "Using ".length()).trim();
            }
        }
        throw new AssertionError("no collector in: " + out);
    }

    @Test
    void theImageRunsShenandoahAndJavaOptsCanPickAnother() throws Exception {
        List<String> shipped = options(null);
        assertTrue(shipped.contains("-XX:+UseShenandoahGC"), shipped.toString());
        assertTrue(shipped.contains("-XX:+ExitOnOutOfMemoryError"), shipped.toString());
        assertEquals("Shenandoah", collector(shipped));

        List<String> g1 = options("-XX:+UseG1GC -XX:MaxGCPauseMillis=20");
        assertFalse(g1.contains("-XX:+UseShenandoahGC"), g1.toString());
        assertEquals("G1", collector(g1));

        List<String> heap = options("-Xmx1g");
        assertTrue(heap.contains("-XX:+UseShenandoahGC"), heap.toString());
        assertEquals("-Xmx1g", heap.get(heap.size() - 1), "JAVA_OPTS come last");
    }

    /** What this machine's kernel says of transparent huge pages: offered (always or madvise) or not. */
    private static boolean kernelOffersHugePages() throws IOException {
        Path enabled = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (!Files.isReadable(enabled)) {
            return false;
        }
        String mode = Files.readString(enabled);
        return mode.contains("[always]") || mode.contains("[madvise]");
    }

    @Test
    void theHeapGetsTransparentHugePagesWhereTheKernelOffersThem() throws Exception {
        List<String> shipped = options(null);
        assertEquals(kernelOffersHugePages(), shipped.contains("-XX:+UseTransparentHugePages"), shipped.toString());
        // The JVM starts with them and says nothing about them (it warns when it cannot have them).
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        argv.addAll(shipped);
        argv.add("-version");
        String out = run(Map.of(), argv.toArray(new String[0]));
        assertFalse(out.toLowerCase(java.util.Locale.ROOT).contains("warning"), out);
        // JAVA_OPTS comes last, so it can turn them off.
        List<String> off = options("-XX:-UseTransparentHugePages");
        assertEquals("-XX:-UseTransparentHugePages", off.get(off.size() - 1));
    }

    @Test
    void theJvmGivesFreedNativeMemoryBack() throws Exception {
        List<String> shipped = options(null);
        // The JVM itself reports the periodic trim (a JVM without the option would refuse to start).
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        argv.addAll(shipped);
        argv.addAll(List.of("-Xlog:trimnative=info:stdout", "-version"));
        String out = run(Map.of(), argv.toArray(new String[0]));
        assertTrue(out.contains("Periodic native trim enabled (interval: 5000 ms)"), out);
        // JAVA_OPTS comes last, so it can turn it off.
        List<String> off = options("-XX:TrimNativeHeapInterval=0");
        assertEquals("-XX:TrimNativeHeapInterval=0", off.get(off.size() - 1));
    }
}
