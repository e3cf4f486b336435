package dev.podis.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** sdssplitargs behaviour (Redis 7.0), each case checked against redis-server's inline parsing. */
class InlineSplitterTest {
    private static List<String> split(String line) {
        byte[][] argv = InlineSplitter.split(line.getBytes(StandardCharsets.ISO_8859_1));
        if (argv == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (byte[] a : argv) {
            out.add(new String(a, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    @Test
    void whitespaceSeparates() {
        assertEquals(List.of("SET", "k", "v"), split("SET k v"));
        assertEquals(List.of("SET", "k", "v"), split("  SET \t k\r\nv  "));
        assertEquals(List.of(), split(""));
        assertEquals(List.of(), split("   \t "));
        // Leading whitespace is isspace() (also \v and \f), but inside a word only space, \t, \r, \n end it.
        assertEquals(List.of("ECHO", "a\u000bb"), split("ECHO\ta\u000bb"));
        assertEquals(List.of("a"), split("\u000b\u000ca"));
    }

    @Test
    void doubleQuotes() {
        assertEquals(List.of("ECHO", "hello world"), split("ECHO \"hello world\""));
        assertEquals(List.of("ECHO", ""), split("ECHO \"\""));
        assertEquals(List.of("ECHO", "aAb"), split("ECHO \"a\\x41b\""));
        assertEquals(List.of("ECHO", "\u00ff"), split("ECHO \"\\xff\""));
        assertEquals(List.of("ECHO", "a\n\r\t\b\u0007z\"\\"), split("ECHO \"a\\n\\r\\t\\b\\a\\z\\\"\\\\\""));
        // "\x" not followed by two hex digits is just an escaped x.
        assertEquals(List.of("ECHO", "xZZ"), split("ECHO \"\\xZZ\""));
        assertEquals(List.of("ECHO", "x4"), split("ECHO \"\\x4\""));
        // A quote may start in the middle of a word.
        assertEquals(List.of("ab c"), split("a\"b c\""));
    }

    @Test
    void singleQuotes() {
        assertEquals(List.of("ECHO", "a'b", "c\\nd"), split("ECHO 'a\\'b' 'c\\nd'"));
        assertEquals(List.of("ECHO", "\"x\""), split("ECHO '\"x\"'"));
        assertEquals(List.of("ECHO", ""), split("ECHO ''"));
    }

    @Test
    void unbalancedOrGluedQuotesAreErrors() {
        assertNull(split("ECHO \"abc"));
        assertNull(split("ECHO 'abc"));
        assertNull(split("ECHO \"abc\"d"));
        assertNull(split("ECHO 'abc'd"));
        assertNull(split("ECHO \"abc\\"));
        assertNull(split("ECHO \"abc\\\""));
    }

    @Test
    void closingQuoteMayBeFollowedByAnyWhitespace() {
        assertEquals(List.of("a", "b"), split("\"a\"\u000b b"));
        assertEquals(List.of("a"), split("'a'"));
    }
}
