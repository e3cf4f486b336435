package dev.podis.server;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps the JIT's optimising compiler (C2) off code that only runs while the JVM starts, so that
 * its time goes to the code that serves (and loads the dataset) instead.
 *
 * <p>Starting Podis spins several hundred lambda classes (the command bindings, Netty, Chronicle
 * Map), and the JDK builds each with its internal copy of ASM. ASM gets hot enough for C2, which
 * then spent about a third of its start-up time on it (one method, {@code Frame.execute}, took the
 * longest C2 compile of the whole start), on two cores, while the start-up load of a dataset waits
 * for the same cores. After start-up ASM runs only for the odd lambda first used later, where the
 * quick compiler's (C1) code is plenty. With ASM out of the way C2 took the JSON parser next
 * (reading the command table's commands.json: a compile as long as ASM's); its other user, Lua's
 * {@code cjson.decode}, runs on C1's code too. {@code MethodType.makeImpl}, which interns the
 * lambdas' method types, took C2 0.4 s (the longest compile of the start, with the interning set
 * it inlines), just as a start-up load of the dataset began.
 *
 * <p>A runnable jar cannot pass JVM flags ({@code -XX:CompileCommand}), so the directives are
 * added at run time through the JVM's diagnostic command {@code Compiler.directives_add} (what
 * {@code jcmd} calls), reached through the JDK's own implementation; the jar's manifest opens its
 * package. Anything missing (another JDK, no {@code jdk.management} module, an embedded server
 * without the manifest's options) leaves the JVM as it was: this is only about speed.
 */
final class JitDirectives {
    /** C2 skips these methods (C1 still compiles them): start-up-only code, see the class comment. */
    static final String DIRECTIVES = "[{ match: [\"jdk/internal/org/objectweb/asm/*.*\","
            + " \"java/lang/invoke/MethodType$ConcurrentWeakInternSet.*\", \"java/lang/invoke/MethodType.makeImpl\","
            + " \"dev/podis/server/util/Json.*\"],"
            + " c2: { Exclude: true } }]";

    private JitDirectives() {
    }

    /** Runs one of the JVM's diagnostic commands (as {@code jcmd} would) and returns its output. */
    static String diagnosticCommand(String command) throws ReflectiveOperationException {
        // Loads the native library behind the diagnostic commands.
        Class.forName("com.sun.management.internal.PlatformMBeanProviderImpl");
        Class<?> impl = Class.forName("com.sun.management.internal.DiagnosticCommandImpl");
        Method instance = impl.getDeclaredMethod("getDiagnosticCommandMBean");
        instance.setAccessible(true);
        Method execute = impl.getDeclaredMethod("executeDiagnosticCommand", String.class);
        execute.setAccessible(true);
        return String.valueOf(execute.invoke(instance.invoke(null), command));
    }

    /** Adds {@link #DIRECTIVES}; returns whether the JVM took them. */
    static boolean apply() {
        if ("false".equals(System.getProperty("podis.jit.directives"))) {
            return false;
        }
        Path file = null;
        try {
            file = Path.of(System.getProperty("java.io.tmpdir"), "podis-jit-" + ProcessHandle.current().pid() + ".json");
            // A new file: whatever has the name (a leftover, a link) goes first, and is never written through.
            Files.deleteIfExists(file);
            Files.write(file, DIRECTIVES.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            return diagnosticCommand("Compiler.directives_add " + file).contains("added");
        } catch (ReflectiveOperationException | RuntimeException | LinkageError | java.io.IOException e) {
            return false;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (java.io.IOException | RuntimeException ignored) {
                    // a temporary file of a few bytes
                }
            }
        }
    }
}
