package dev.podis.server;

import java.util.ArrayList;
import java.util.List;

/**
 * Clients in MONITOR mode, and the feed of executed commands they receive, in Redis's format:
 * {@code +1700000000.123456 [0 127.0.0.1:54321] "SET" "k" "v"}.
 */
public final class Monitors {
    private final List<Client> clients = new ArrayList<>();

    /** Adds a monitor; false if the client already is one. */
    public boolean add(Client c) {
        if (clients.contains(c)) {
            return false;
        }
        clients.add(c);
        return true;
    }

    public boolean isEmpty() {
        return clients.isEmpty();
    }

    public int size() {
        return clients.size();
    }

    public boolean contains(Client c) {
        return clients.contains(c);
    }

    void remove(Client c) {
        clients.remove(c);
    }

    /** Sends one executed command to every monitor. */
    public void feed(Client source, byte[][] argv) {
        clients.removeIf(m -> !m.channel().isActive());
        if (clients.isEmpty()) {
            return;
        }
        String line = format(source, argv);
        for (Client m : clients) {
            m.reply().simple(line);
            m.flushSoon();
        }
    }

    static String format(Client source, byte[][] argv) {
        java.time.Instant now = java.time.Instant.now();
        StringBuilder sb = new StringBuilder(64);
        sb.append(now.getEpochSecond()).append('.');
        String micros = Integer.toString(now.getNano() / 1000);
        for (int i = micros.length(); i < 6; i++) {
            sb.append('0');
        }
        sb.append(micros).append(" [").append(source.dbIndex()).append(' ').append(source.address()).append(']');
        boolean auth = argv.length > 0 && isWord(argv[0], "auth");
        for (int i = 0; i < argv.length; i++) {
            sb.append(' ');
            if (auth && i > 0) {
                sb.append("\"(redacted)\"");
            } else {
                repr(sb, argv[i]);
            }
        }
        return sb.toString();
    }

    private static boolean isWord(byte[] a, String w) {
        return new String(a, java.nio.charset.StandardCharsets.ISO_8859_1).equalsIgnoreCase(w);
    }

    /** Redis's sdscatrepr: a quoted string with C-style escapes for what is not printable. */
    static void repr(StringBuilder sb, byte[] s) {
        sb.append('"');
        for (byte b : s) {
            int c = b & 0xff;
            switch (c) {
                case '\\': sb.append("\\\\"); break;
                case '"': sb.append("\\\""); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case 7: sb.append("\\a"); break;
                case '\b': sb.append("\\b"); break;
                default:
                    if (c >= 32 && c < 127) {
                        sb.append((char) c);
                    } else {
                        sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    }
            }
        }
        sb.append('"');
    }
}
