package dev.podis.server.diff;

import java.nio.charset.StandardCharsets;

/** Renders raw protocol bytes readably: printable ASCII as is, everything else escaped. */
final class Escapes {
    private static final int MAX_SHOWN = 4000;

    private Escapes() {
    }

    /** One line in double quotes: {@code "+OK\r\n"}. */
    static String readable(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length + 8).append('"');
        append(sb, bytes, 0, bytes.length);
        return sb.append('"').toString();
    }

    /** One quoted RESP line per text line, indented, for failure messages. */
    static String block(byte[] bytes, String indent) {
        StringBuilder sb = new StringBuilder();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n' && i > 0 && bytes[i - 1] == '\r') {
                line(sb, indent, bytes, start, i + 1);
                start = i + 1;
                if (sb.length() > MAX_SHOWN) {
                    sb.append(indent).append("... (").append(bytes.length - start).append(" more bytes)\n");
                    return sb.toString();
                }
            }
        }
        if (start < bytes.length) {
            line(sb, indent, bytes, start, bytes.length);
        }
        if (bytes.length == 0) {
            sb.append(indent).append("(nothing)\n");
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String indent, byte[] b, int from, int to) {
        sb.append(indent).append('"');
        append(sb, b, from, Math.min(to, from + MAX_SHOWN));
        if (to - from > MAX_SHOWN) {
            sb.append("...");
        }
        sb.append("\"\n");
    }

    private static void append(StringBuilder sb, byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        sb.append((char) c);
                    } else {
                        sb.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
    }

    /** The command as it would be typed: arguments quoted where needed. */
    static String command(byte[][] argv) {
        StringBuilder sb = new StringBuilder();
        for (byte[] a : argv) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(needsQuotes(a) ? readable(a) : new String(a, StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    private static boolean needsQuotes(byte[] a) {
        if (a.length == 0) {
            return true;
        }
        for (byte x : a) {
            int c = x & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '\\') {
                return true;
            }
        }
        return false;
    }
}
