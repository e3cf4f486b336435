package dev.podis.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The start-up JIT directives reach the JVM (the test JVM opens the same package as the runnable
 * jar's manifest), and can be switched off.
 */
class JitDirectivesTest {
    @Test
    void directivesAreAddedToTheRunningJvm() throws Exception {
        assertTrue(JitDirectives.apply(), "the JVM refused the directives");
        String printed = JitDirectives.diagnosticCommand("Compiler.directives_print");
        assertTrue(printed.contains("jdk/internal/org/objectweb/asm/*.*"), printed);
        assertTrue(printed.contains("java/lang/invoke/MethodType$ConcurrentWeakInternSet.*"), printed);
        assertTrue(printed.contains("dev/podis/server/util/Json.*"), printed);
        // the directive touches C2 only: C1 keeps compiling start-up code
        int at = printed.indexOf("jdk/internal/org/objectweb/asm/*.*");
        String c2 = printed.substring(printed.indexOf("c2 directives:", at));
        assertTrue(c2.substring(0, c2.indexOf('\n', c2.indexOf("Exclude:"))).contains("Exclude:true"), c2);
        String c1 = printed.substring(printed.indexOf("c1 directives:", at), printed.indexOf("c2 directives:", at));
        assertTrue(c1.contains("Exclude:false"), c1);
        JitDirectives.diagnosticCommand("Compiler.directives_remove");
    }

    @Test
    void aPropertySwitchesThemOff() {
        String before = System.getProperty("podis.jit.directives");
        System.setProperty("podis.jit.directives", "false");
        try {
            assertFalse(JitDirectives.apply());
        } finally {
            if (before == null) {
                System.clearProperty("podis.jit.directives");
            } else {
                System.setProperty("podis.jit.directives", before);
            }
        }
    }
}
