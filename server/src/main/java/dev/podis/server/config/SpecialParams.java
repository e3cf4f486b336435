package dev.podis.server.config;

import dev.podis.server.KeyspaceEvents;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parsing and validation of the parameters with their own syntax, and the number forms Redis
 * accepts (memtoull, string2ll, strtoll), each with Redis's error texts.
 */
final class SpecialParams {
    private SpecialParams() {
    }

    // ------------------------------------------------------------------ numbers

    /**
     * Redis's memtoull: digits then an optional unit b, k, kb, m, mb, g, gb (any case).
     * Returns the raw 64-bit pattern of the unsigned result, or null when malformed.
     */
    static Long memtoull(String s) {
        if (s.startsWith("-")) {
            return null;
        }
        int u = 0;
        while (u < s.length() && s.charAt(u) >= '0' && s.charAt(u) <= '9') {
            u++;
        }
        String unit = s.substring(u).toLowerCase(Locale.ROOT);
        long mul;
        switch (unit) {
            case "": case "b": mul = 1; break;
            case "k": mul = 1000; break;
            case "kb": mul = 1024; break;
            case "m": mul = 1000L * 1000; break;
            case "mb": mul = 1024L * 1024; break;
            case "g": mul = 1000L * 1000 * 1000; break;
            case "gb": mul = 1024L * 1024 * 1024; break;
            default: return null;
        }
        if (u >= 128) {
            return null;
        }
        String digits = s.substring(0, u);
        long val;
        if (digits.isEmpty()) {
            val = 0;
        } else {
            // strtoull saturates at ULLONG_MAX on overflow (and Redis accepts that).
            java.math.BigInteger b = new java.math.BigInteger(digits);
            val = b.bitLength() > 64 ? -1L : b.longValue();
        }
        if (Long.compareUnsigned(val, Long.divideUnsigned(-1L, mul)) > 0) {
            return null;
        }
        return val * mul;
    }

    /** Redis's string2ll: no spaces, no '+', no leading zeros. Null when not a valid 64-bit integer. */
    static Long string2ll(String s) {
        int n = s.length();
        if (n == 0 || n > 20) {
            return null;
        }
        if (s.equals("0")) {
            return 0L;
        }
        int i = 0;
        boolean neg = false;
        if (s.charAt(0) == '-') {
            neg = true;
            i++;
            if (n == 1) {
                return null;
            }
        }
        if (s.charAt(i) < '1' || s.charAt(i) > '9') {
            return null;
        }
        long v = 0;
        for (; i < n; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return null;
            }
            if (v < (Long.MIN_VALUE + d) / 10) {
                return null;
            }
            v = v * 10 - d;
        }
        if (!neg) {
            return v == Long.MIN_VALUE ? null : -v;
        }
        return v;
    }

    /**
     * C's strtoll(s, &end, radix) followed by a check that the whole string was consumed: leading
     * whitespace and a sign allowed, saturating on overflow; the empty string reads as 0.
     * Null when characters remain.
     */
    static Long strtollFull(String s, int radix) {
        int n = s.length();
        if (n == 0) {
            return 0L;
        }
        int i = 0;
        while (i < n && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean neg = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            neg = s.charAt(i) == '-';
            i++;
        }
        int start = i;
        java.math.BigInteger v = java.math.BigInteger.ZERO;
        java.math.BigInteger r = java.math.BigInteger.valueOf(radix);
        while (i < n && Character.digit(s.charAt(i), radix) >= 0) {
            v = v.multiply(r).add(java.math.BigInteger.valueOf(Character.digit(s.charAt(i), radix)));
            i++;
        }
        if (i == start || i != n) {
            return null;
        }
        if (neg) {
            v = v.negate();
        }
        if (v.bitLength() > 63) {
            return v.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return v.longValue();
    }

    // ------------------------------------------------------------------ string checks

    static void checkHostname(String v) throws ConfigException {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '-' && c != '.') {
                throw new ConfigException("Hostnames may only contain alphanumeric characters, hyphens or dots");
            }
        }
    }

    static void checkBaseName(String v, String error) throws ConfigException {
        if (v.indexOf('/') >= 0 || v.indexOf('\\') >= 0) {
            throw new ConfigException(error);
        }
    }

    // ------------------------------------------------------------------ special parameters

    private static final String[] SHUTDOWN_FLAGS = {"save", "nosave", "now", "force"};

    static String shutdownFlags(List<String> args, String current) throws ConfigException {
        boolean[] set = new boolean[SHUTDOWN_FLAGS.length];
        if (args.isEmpty()) {
            throw new ConfigException("argument(s) must be one of the following: default, save, nosave, now, force");
        }
        for (String a : args) {
            String w = a.toLowerCase(Locale.ROOT);
            if (w.equals("default")) {
                continue;
            }
            int k = List.of(SHUTDOWN_FLAGS).indexOf(w);
            if (k < 0) {
                throw new ConfigException("argument(s) must be one of the following: default, save, nosave, now, force");
            }
            set[k] = true;
        }
        if (set[0] && set[1]) {
            throw new ConfigException("shutdown options SAVE and NOSAVE can't be used simultaneously");
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < set.length; k++) {
            if (set[k]) {
                sb.append(sb.length() == 0 ? "" : " ").append(SHUTDOWN_FLAGS[k]);
            }
        }
        return sb.length() == 0 ? "default" : sb.toString();
    }

    /** save: pairs of "seconds changes" (seconds >= 1, changes >= 0); a single "" disables snapshots. */
    static String save(List<String> args, String current) throws ConfigException {
        if (args.size() == 1 && args.get(0).isEmpty()) {
            return "";
        }
        if ((args.size() & 1) != 0) {
            throw new ConfigException("Invalid save parameters");
        }
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < args.size(); j++) {
            Long v = strtollFull(args.get(j), 10);
            if (v == null || ((j & 1) == 0 && v < 1) || ((j & 1) == 1 && v < 0)) {
                throw new ConfigException("Invalid save parameters");
            }
            sb.append(j == 0 ? "" : " ").append((j & 1) == 0 ? v : (long) (int) (long) v);
        }
        return sb.toString();
    }

    static String bind(List<String> args, String current) throws ConfigException {
        if (args.size() > 16) {
            throw new ConfigException("Too many bind addresses specified.");
        }
        if (args.size() == 1 && args.get(0).isEmpty()) {
            return "";
        }
        return String.join(" ", args);
    }

    private static final String[] OBUF_CLASSES = {"normal", "slave", "pubsub"};

    static String clientOutputBufferLimit(List<String> args, String current) throws ConfigException {
        if (args.size() % 4 != 0) {
            throw new ConfigException("Wrong number of arguments in buffer limit configuration.");
        }
        String[] cur = current.split(" ");
        String[][] limits = new String[3][];
        for (int c = 0; c < 3; c++) {
            limits[c] = new String[] {cur[c * 4 + 1], cur[c * 4 + 2], cur[c * 4 + 3]};
        }
        for (int j = 0; j < args.size(); j += 4) {
            String cls = args.get(j).toLowerCase(Locale.ROOT);
            int c;
            switch (cls) {
                case "normal": c = 0; break;
                case "slave": case "replica": c = 1; break;
                case "pubsub": c = 2; break;
                default:
                    throw new ConfigException("Invalid client class specified in buffer limit configuration.");
            }
            Long hard = memtoull(args.get(j + 1));
            Long soft = memtoull(args.get(j + 2));
            Long secs = strtollFull(args.get(j + 3), 10);
            if (hard == null || soft == null || secs == null || secs < 0) {
                throw new ConfigException("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
            }
            limits[c] = new String[] {Long.toUnsignedString(hard), Long.toUnsignedString(soft),
                    Long.toString((int) (long) secs)};
        }
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < 3; c++) {
            sb.append(c == 0 ? "" : " ").append(OBUF_CLASSES[c]).append(' ')
                    .append(String.join(" ", limits[c]));
        }
        return sb.toString();
    }

    static String oomScoreAdjValues(List<String> args, String current) throws ConfigException {
        if (args.size() != 3) {
            throw new ConfigException("wrong number of arguments");
        }
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            Long v = strtollFull(a, 10);
            if (v == null || v < -2000 || v > 2000) {
                throw new ConfigException("Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
            }
            sb.append(sb.length() == 0 ? "" : " ").append(v);
        }
        return sb.toString();
    }

    /**
     * notify-keyspace-events: the classes as Redis parses them; stored in Redis's order with "n"
     * kept next to "A" (Redis's own text drops it there, see {@link #shownKeyspaceEvents}).
     */
    static String notifyKeyspaceEvents(List<String> args, String current) throws ConfigException {
        if (args.size() != 1) {
            throw new ConfigException("wrong number of arguments");
        }
        int flags = KeyspaceEvents.parse(args.get(0));
        if (flags < 0) {
            throw new ConfigException(KeyspaceEvents.INVALID);
        }
        return KeyspaceEvents.formatKeepingNew(flags);
    }

    /** What CONFIG GET shows for notify-keyspace-events: Redis's text, without "n" after "A". */
    static String shownKeyspaceEvents(String stored) {
        int flags = KeyspaceEvents.parse(stored);
        return flags < 0 ? stored : KeyspaceEvents.format(flags);
    }

    static String replicaOf(List<String> args, String current) throws ConfigException {
        if (args.size() != 2) {
            throw new ConfigException("wrong number of arguments");
        }
        if (args.get(0).equalsIgnoreCase("no") && args.get(1).equalsIgnoreCase("one")) {
            return "";
        }
        Long port = strtollFull(args.get(1), 10);
        if (port == null || port < 0 || port > 65535) {
            throw new ConfigException("Invalid master port");
        }
        return args.get(0) + " " + port;
    }

    static String percentiles(List<String> args, String current) throws ConfigException {
        if (args.size() == 1 && args.get(0).isEmpty()) {
            return "";
        }
        List<String> out = new ArrayList<>();
        for (String a : args) {
            if (!a.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
                throw new ConfigException("Invalid latency-tracking-info-percentiles parameters");
            }
            double d = Double.parseDouble(a);
            if (d < 0.0 || d > 100.0) {
                throw new ConfigException("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
            }
            // printf("%f") then trailing zeros trimmed, as Redis prints them
            String f = new BigDecimal(String.format(Locale.ROOT, "%f", d)).stripTrailingZeros().toPlainString();
            out.add(f);
        }
        return String.join(" ", out);
    }

    /**
     * dir: Redis changes its working directory; Podis keeps the absolute path and resolves its
     * files against it. A relative path is relative to the current dir, as chdir would make it.
     */
    static String dir(List<String> args, String current) throws ConfigException {
        if (args.size() != 1) {
            throw new ConfigException("wrong number of arguments");
        }
        Path p;
        try {
            p = Path.of(current).resolve(args.get(0)).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            throw new ConfigException("No such file or directory");
        }
        if (!Files.exists(p)) {
            throw new ConfigException("No such file or directory");
        }
        if (!Files.isDirectory(p)) {
            throw new ConfigException("Not a directory");
        }
        return p.toString();
    }
}
