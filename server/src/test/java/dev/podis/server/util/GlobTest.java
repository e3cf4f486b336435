package dev.podis.server.util;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Expected results follow Redis's stringmatchlen (checked against redis-server's KEYS). */
class GlobTest {
    private static boolean m(String pattern, String s) {
        return Glob.match(pattern.getBytes(StandardCharsets.ISO_8859_1), s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static boolean mi(String pattern, String s) {
        return Glob.match(pattern.getBytes(StandardCharsets.ISO_8859_1), s.getBytes(StandardCharsets.ISO_8859_1), true);
    }

    @Test
    void literals() {
        assertTrue(m("hello", "hello"));
        assertFalse(m("hello", "hell"));
        assertFalse(m("hell", "hello"));
        assertFalse(m("hello", "Hello"));
        assertTrue(m("", ""));
        assertFalse(m("", "a"));
        assertFalse(m("a", ""));
    }

    @Test
    void star() {
        // As in Redis, a star needs at least one byte of string to be looked at: "*" does not match
        // the empty string here (KEYS and SCAN treat a lone "*" as "everything" before matching).
        assertFalse(m("*", ""));
        assertFalse(m("**", ""));
        assertTrue(m("*", "anything"));
        assertTrue(m("**", "x"));
        assertTrue(m("h*o", "ho"));
        assertTrue(m("h*o", "hello"));
        assertFalse(m("h*o", "hellx"));
        assertTrue(m("*llo", "hello"));
        assertTrue(m("he*", "he"));
        assertTrue(m("a*b*c", "aXbYc"));
        assertTrue(m("a*b*c", "abc"));
        assertFalse(m("a*b*c", "acb"));
        assertTrue(m("a**b", "ab"));
        assertTrue(m("*a*", "banana"));
        assertTrue(m("a*", "a"));
        assertTrue(m("a***", "a"));
        assertFalse(m("*a", "b"));
        assertTrue(m("*.*", "a.b"));
    }

    @Test
    void questionMark() {
        assertTrue(m("h?llo", "hello"));
        assertTrue(m("h?llo", "hallo"));
        assertFalse(m("h?llo", "hllo"));
        assertTrue(m("???", "abc"));
        assertFalse(m("???", "ab"));
        assertFalse(m("?", ""));
    }

    @Test
    void classes() {
        assertTrue(m("h[ae]llo", "hello"));
        assertTrue(m("h[ae]llo", "hallo"));
        assertFalse(m("h[ae]llo", "hillo"));
        assertTrue(m("h[^e]llo", "hallo"));
        assertFalse(m("h[^e]llo", "hello"));
        assertTrue(m("h[a-b]llo", "hbllo"));
        assertFalse(m("h[a-b]llo", "hcllo"));
        assertTrue(m("[a-cx-z]", "y"));
        assertFalse(m("[a-cx-z]", "m"));
        assertTrue(m("[^a-c]", "d"));
        assertFalse(m("[^a-c]", "b"));
        assertFalse(m("[]", "a"));
        assertTrue(m("[^]", "a")); // an empty negated class matches any one byte
    }

    @Test
    void rangeWrittenBackwardsIsTheSameRange() {
        assertTrue(m("[z-a]", "m"));
        assertTrue(m("[z-a]", "a"));
        assertTrue(m("[z-a]", "z"));
        assertFalse(m("[z-a]", "A"));
    }

    @Test
    void dashAtTheEndOfAClassStartsARangeUpToTheClosingBracket() {
        // "[a-]" reads as the range ']'..'a' (0x5D..0x61) and the class stays open to the end
        assertFalse(m("[a-]", "-"));
        assertFalse(m("[a-]", "b"));
        assertTrue(m("[a-]", "_"));
        assertTrue(m("[a-]]", "]"));
        assertFalse(m("[a-]x", "_x")); // 'x' belongs to the (unterminated) class
        assertTrue(m("[a-]x", "x"));
        assertTrue(m("[-a]", "-"));
    }

    @Test
    void unterminatedClassEndsWithThePattern() {
        assertTrue(m("a[b", "ab"));
        assertFalse(m("a[b", "ac"));
        assertTrue(m("a[bc", "ac"));
        assertFalse(m("a[", "ab"));  // empty class matches nothing
        assertTrue(m("a[^", "ab"));  // empty negated class matches any byte
        assertFalse(m("a[b", "a"));
    }

    @Test
    void escapes() {
        assertTrue(m("h\\*llo", "h*llo"));
        assertFalse(m("h\\*llo", "hello"));
        assertTrue(m("\\?", "?"));
        assertFalse(m("\\?", "a"));
        assertTrue(m("\\[a]", "[a]"));
        assertTrue(m("a\\\\b", "a\\b"));
        assertTrue(m("[\\]]", "]"));
        assertTrue(m("[\\^a]", "^"));
        assertTrue(m("[\\-]", "-"));
        assertFalse(m("[\\-]", "\\"));
    }

    @Test
    void backslashAtTheEndMatchesABackslash() {
        assertTrue(m("a\\", "a\\"));
        assertFalse(m("a\\", "a"));
        assertFalse(m("a\\", "ab"));
        assertTrue(m("[\\", "\\")); // inside an unterminated class too
    }

    @Test
    void noCaseFoldsOnlyAsciiLetters() {
        assertTrue(mi("HeLLo", "hello"));
        assertTrue(mi("h[A-C]llo", "hbllo"));
        assertTrue(mi("h[a-c]llo", "hBllo"));
        assertTrue(mi("[^X]", "y"));
        assertFalse(mi("[^X]", "x"));
        assertTrue(mi("*LO", "hello"));
        assertFalse(m("*LO", "hello"));
        assertFalse(mi("\u00e9", "\u00c9")); // Latin-1 letters are not folded
        assertTrue(mi("[\\A]", "A"));
        assertFalse(mi("[\\A]", "a")); // an escaped byte in a class compares exactly
    }

    @Test
    void bytesAreSigned() {
        // As C's char on x86-64: bytes 0x80-0xFF are negative, so they sort below ASCII.
        assertTrue(m("[\u0080-a]", "A"));
        assertFalse(m("[a-\u00ff]", "\u00e0"));
        assertTrue(m("?", "\u00ff"));
        assertTrue(m("\u00ff*", "\u00ff\u0000x"));
        assertTrue(m("a\u0000b", "a\u0000b"));
    }

    @Test
    void rangesOfArrays() {
        byte[] pat = "xx*yy".getBytes(StandardCharsets.US_ASCII);
        byte[] str = "--abc--".getBytes(StandardCharsets.US_ASCII);
        assertTrue(Glob.match(pat, 2, 1, str, 2, 3, false));
        assertTrue(Glob.match(pat, 0, 2, "xx".getBytes(StandardCharsets.US_ASCII), 0, 2, false));
        assertFalse(Glob.match(pat, 0, 3, str, 0, 2, false));
    }

    @Test
    void stringConvenienceAndMatchesAll() {
        assertTrue(Glob.match("maxmemory*", "maxmemory-policy", false));
        assertTrue(Glob.match("MAXMEMORY", "maxmemory", true));
        assertTrue(Glob.matchesAll(new byte[] {'*'}));
        assertFalse(Glob.matchesAll(new byte[] {'*', '*'}));
    }

    @Test
    void pathologicalPatternsFinishQuickly() {
        String s = "a".repeat(60);
        String p = "a*".repeat(40) + "b";
        // Without Redis's early stop this would take exponential time (the test would hang).
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertFalse(m(p, s)));
    }

    @Test
    void deepNestingNeverMatchesAndNeverOverflows() {
        String p = "*a".repeat(1001);
        String s = "a".repeat(1001);
        assertFalse(m(p, s));
        String p2 = "*a".repeat(999);
        assertTrue(m(p2, s));
        assertFalse(m("*x".repeat(100_000), "x".repeat(10)));
    }
}
