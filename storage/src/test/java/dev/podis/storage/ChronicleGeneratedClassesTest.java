package dev.podis.storage;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The class Chronicle Map would otherwise compile at run time when it creates its first map is
 * shipped precompiled (storage/src/main/java/net/openhft/chronicle/hash): it must be exactly what
 * the Chronicle version on the classpath generates, or a map's header would be read with another
 * layout. After a Chronicle upgrade this test fails and prints the source to commit instead.
 */
class ChronicleGeneratedClassesTest {
    private static final String NATIVE = "net.openhft.chronicle.hash.VanillaGlobalMutableState$$Native";

    @Test
    void precompiledGlobalStateMatchesWhatChronicleGenerates() throws Exception {
        Class<?> valueModel = Class.forName("net.openhft.chronicle.values.ValueModel");
        Object model = valueModel.getMethod("acquire", Class.class)
                .invoke(null, Class.forName("net.openhft.chronicle.hash.VanillaGlobalMutableState"));
        Method generate = Class.forName("net.openhft.chronicle.values.Generators")
                .getDeclaredMethod("generateNativeClass", valueModel, String.class);
        generate.setAccessible(true);
        String expected = (String) generate.invoke(null, model, "VanillaGlobalMutableState$$Native");

        Path file = Path.of("src/main/java/net/openhft/chronicle/hash/VanillaGlobalMutableState$$Native.java");
        String committed = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.startsWith("// "))
                .collect(Collectors.joining("\n", "", "\n"));
        assertEquals(expected.strip(), committed.strip(),
                "Chronicle generates another " + NATIVE + " now: replace the file's content (below its comment) with\n" + expected);
    }

    @Test
    void chronicleUsesThePrecompiledClass() throws Exception {
        Class<?> valueModel = Class.forName("net.openhft.chronicle.values.ValueModel");
        Object model = valueModel.getMethod("acquire", Class.class)
                .invoke(null, Class.forName("net.openhft.chronicle.hash.VanillaGlobalMutableState"));
        Class<?> used = (Class<?>) valueModel.getMethod("nativeClass").invoke(model);
        assertSame(Class.forName(NATIVE), used);
    }
}
