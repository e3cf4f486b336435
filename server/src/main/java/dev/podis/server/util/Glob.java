package dev.podis.server.util;

import java.nio.charset.StandardCharsets;

/**
 * Glob-style matching exactly as Redis's {@code stringmatchlen} does it: used by KEYS, SCAN MATCH,
 * PSUBSCRIBE and friends, CONFIG GET and every other command that takes a pattern.
 *
 * <ul>
 *   <li>{@code *} any run of bytes (also empty), {@code ?} any one byte;</li>
 *   <li>{@code [abc]} one of the listed bytes, {@code [^abc]} any byte not listed,
 *       {@code [a-z]} a range (a range written backwards, {@code [z-a]}, means the same);</li>
 *   <li>{@code \x} the byte {@code x} literally, also inside brackets.</li>
 * </ul>
 *
 * <p>Redis's edge cases, kept on purpose because clients see them:
 * <ul>
 *   <li>an unterminated {@code [} class ends with the pattern (so {@code "a[b"} matches "ab");</li>
 *   <li>a {@code \} as the last byte of the pattern matches a {@code \} in the string;</li>
 *   <li>inside brackets, {@code x-y} is read as a range whenever a byte follows the {@code -},
 *       even when that byte is {@code ]} (so {@code "[a-]"} is the range a..] and stays open);</li>
 *   <li>bytes compare as signed values (as C's {@code char} on x86-64), so a range never spans
 *       between ASCII and bytes 0x80-0xFF; the nocase flag folds only ASCII A-Z;</li>
 *   <li>more than 1000 nested {@code *} levels never match (Redis's guard against abusive patterns).</li>
 * </ul>
 *
 * <p>Matching works on bytes, allocates nothing and uses no regular expressions. Its recursion
 * depth is bounded by the number of {@code *} groups in the pattern (at most 1000).
 */
public final class Glob {
    private static final int MATCH = 1;
    private static final int NO_MATCH = 0;
    /** No match, and no longer match for an earlier {@code *} can help either (stop all star loops). */
    private static final int NO_MATCH_STOP = -1;
    private static final int MAX_NESTING = 1000;

    private Glob() {
    }

    /** True if {@code string} matches {@code pattern}, case-sensitively. */
    public static boolean match(byte[] pattern, byte[] string) {
        return match(pattern, 0, pattern.length, string, 0, string.length, false);
    }

    /** True if {@code string} matches {@code pattern}; {@code nocase} folds ASCII letters. */
    public static boolean match(byte[] pattern, byte[] string, boolean nocase) {
        return match(pattern, 0, pattern.length, string, 0, string.length, nocase);
    }

    /** Matches the given ranges of two arrays. */
    public static boolean match(byte[] pattern, int patternOffset, int patternLength,
                                byte[] string, int stringOffset, int stringLength, boolean nocase) {
        return matchFrom(pattern, patternOffset, patternOffset + patternLength,
                string, stringOffset, stringOffset + stringLength, nocase, 0) == MATCH;
    }

    /** Convenience for text patterns (CONFIG GET and the like); both sides are taken as UTF-8. */
    public static boolean match(String pattern, String string, boolean nocase) {
        return match(pattern.getBytes(StandardCharsets.UTF_8), string.getBytes(StandardCharsets.UTF_8), nocase);
    }

    /** True if the pattern is exactly {@code *}, which matches everything (callers may skip matching). */
    public static boolean matchesAll(byte[] pattern) {
        return pattern.length == 1 && pattern[0] == '*';
    }

    /**
     * @param p    position in the pattern; {@code pEnd} its end
     * @param s    position in the string; {@code sEnd} its end
     */
    private static int matchFrom(byte[] pat, int p, int pEnd, byte[] str, int s, int sEnd,
                                 boolean nocase, int nesting) {
        if (nesting > MAX_NESTING) {
            return NO_MATCH;
        }
        while (p < pEnd && s < sEnd) {
            byte pc = pat[p];
            switch (pc) {
                case '*': {
                    while (p + 1 < pEnd && pat[p + 1] == '*') {
                        p++;
                    }
                    if (p + 1 == pEnd) {
                        return MATCH; // a trailing star matches the rest
                    }
                    while (s < sEnd) {
                        int r = matchFrom(pat, p + 1, pEnd, str, s, sEnd, nocase, nesting + 1);
                        if (r != NO_MATCH) {
                            return r;
                        }
                        s++;
                    }
                    // The rest of the pattern matches nowhere in the rest of the string: a longer
                    // match for any earlier star cannot help either.
                    return NO_MATCH_STOP;
                }
                case '?':
                    s++;
                    break;
                case '[': {
                    p++;
                    boolean not = p < pEnd && pat[p] == '^';
                    if (not) {
                        p++;
                    }
                    byte c = str[s];
                    boolean matched = false;
                    while (true) {
                        if (p < pEnd && pat[p] == '\\' && pEnd - p >= 2) {
                            p++;
                            if (pat[p] == c) {
                                matched = true;
                            }
                        } else if (p < pEnd && pat[p] == ']') {
                            break;
                        } else if (p >= pEnd) {
                            p--; // unterminated class: it ends with the pattern
                            break;
                        } else if (pEnd - p >= 3 && pat[p + 1] == '-') {
                            int start = pat[p];
                            int end = pat[p + 2];
                            int ch = c;
                            if (start > end) {
                                int t = start;
                                start = end;
                                end = t;
                            }
                            if (nocase) {
                                start = lower(start);
                                end = lower(end);
                                ch = lower(ch);
                            }
                            p += 2;
                            if (ch >= start && ch <= end) {
                                matched = true;
                            }
                        } else if (nocase ? lower(pat[p]) == lower(c) : pat[p] == c) {
                            matched = true;
                        }
                        p++;
                    }
                    if (not) {
                        matched = !matched;
                    }
                    if (!matched) {
                        return NO_MATCH;
                    }
                    s++;
                    break;
                }
                case '\\':
                    if (pEnd - p >= 2) {
                        p++;
                    }
                    // fall through: the escaped byte (or a final backslash) matches literally
                default:
                    if (nocase ? lower(pat[p]) != lower(str[s]) : pat[p] != str[s]) {
                        return NO_MATCH;
                    }
                    s++;
                    break;
            }
            p++;
            if (s == sEnd) {
                while (p < pEnd && pat[p] == '*') {
                    p++;
                }
                break;
            }
        }
        return p == pEnd && s == sEnd ? MATCH : NO_MATCH;
    }

    /** C's tolower in the "C" locale: only ASCII A-Z change. */
    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }
}
