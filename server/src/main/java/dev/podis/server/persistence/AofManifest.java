package dev.podis.server.persistence;

import dev.podis.protocol.InlineSplitter;
import dev.podis.server.config.ConfigLoader;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The AOF manifest of Redis 7's multi-part AOF ({@code appendonly.aof.manifest} in the AOF
 * directory): which files make up the AOF, in order. One line per file,
 * {@code file <name> seq <n> type b|h|i}: at most one base file ({@code b}: the dataset when the
 * last rewrite started, RDB or AOF format) first, then history files ({@code h}: replaced by a
 * rewrite, deleted once the new manifest is on disk), then the incremental files ({@code i}: the
 * commands executed since, in increasing sequence). File names follow Redis's rules:
 * {@code <appendfilename>.<seq>.base.rdb|aof} and {@code <appendfilename>.<seq>.incr.aof}.
 *
 * <p>Parsing is as strict as Redis's aofLoadManifestFromFile, with its error texts; changes are
 * made on a copy ({@link #copy}) and only replace the live manifest once persisted, as Redis does.
 */
public final class AofManifest {
    public static final char BASE = 'b';
    public static final char HISTORY = 'h';
    public static final char INCR = 'i';

    /** One line: a file with its sequence number and type. */
    public record Entry(String name, long seq, char type) {
        Entry withType(char t) {
            return new Entry(name, seq, t);
        }
    }

    /** A manifest Redis would refuse, with Redis's reason. */
    public static final class FormatException extends Exception {
        private final int line;
        private final String text;

        FormatException(String reason, int line, String text) {
            super(reason);
            this.line = line;
            this.text = text;
        }

        /** The line number (1-based) of the offending line, 0 if none. */
        public int line() {
            return line;
        }

        /** The offending line, trimmed, or null. */
        public String text() {
            return text;
        }
    }

    private final String fileName;
    private Entry base;
    private final List<Entry> history = new ArrayList<>();
    private final List<Entry> incrs = new ArrayList<>();
    private long baseSeq;
    private long incrSeq;

    /** An empty manifest for {@code appendfilename}. */
    public AofManifest(String fileName) {
        this.fileName = fileName;
    }

    public AofManifest copy() {
        AofManifest m = new AofManifest(fileName);
        m.base = base;
        m.history.addAll(history);
        m.incrs.addAll(incrs);
        m.baseSeq = baseSeq;
        m.incrSeq = incrSeq;
        return m;
    }

    /** {@code <appendfilename>.manifest}. */
    public static String manifestName(String fileName) {
        return fileName + ".manifest";
    }

    /** {@code temp-<appendfilename>.manifest}: written first, then renamed over the manifest. */
    public static String tempManifestName(String fileName) {
        return "temp-" + fileName + ".manifest";
    }

    /** {@code temp-<appendfilename>.incr}: the incremental file while CONFIG SET appendonly yes waits for its base. */
    public static String tempIncrName(String fileName) {
        return "temp-" + fileName + ".incr";
    }

    public String fileName() {
        return fileName;
    }

    public Entry base() {
        return base;
    }

    public List<Entry> incrs() {
        return incrs;
    }

    public List<Entry> history() {
        return history;
    }

    /** True when the manifest names no base and no incremental file. */
    public boolean isEmpty() {
        return base == null && incrs.isEmpty();
    }

    /** The base (if any) and the incremental files: what loading reads, in order. */
    public List<Entry> loadOrder() {
        List<Entry> out = new ArrayList<>(incrs.size() + 1);
        if (base != null) {
            out.add(base);
        }
        out.addAll(incrs);
        return out;
    }

    /**
     * A new base file name for a finished rewrite (the previous base becomes history), as Redis's
     * getNewBaseFileNameAndMarkPreAsHistory: {@code <name>.<seq>.base.rdb} or {@code .base.aof}.
     */
    public String newBase(boolean rdb) {
        if (base != null) {
            history.add(0, base.withType(HISTORY));
        }
        baseSeq++;
        base = new Entry(fileName + "." + baseSeq + ".base" + (rdb ? ".rdb" : ".aof"), baseSeq, BASE);
        return base.name();
    }

    /** Adds and returns a new incremental file name, {@code <name>.<seq>.incr.aof}. */
    public String newIncr() {
        incrSeq++;
        Entry e = new Entry(fileName + "." + incrSeq + ".incr.aof", incrSeq, INCR);
        incrs.add(e);
        return e.name();
    }

    /** The last incremental file, creating one when there is none (getLastIncrAofName). */
    public String lastIncr() {
        return incrs.isEmpty() ? newIncr() : incrs.get(incrs.size() - 1).name();
    }

    /**
     * After a rewrite: every incremental file the new base covers becomes history; with
     * {@code keepLast} the last one (the file being appended to, opened when the rewrite started)
     * stays.
     */
    public void markRewrittenIncrsAsHistory(boolean keepLast) {
        int keep = keepLast && !incrs.isEmpty() ? 1 : 0;
        while (incrs.size() > keep) {
            Entry e = incrs.remove(incrs.size() - 1 - keep);
            history.add(0, e.withType(HISTORY));
        }
    }

    /** Forgets the history files (deleted from disk). */
    public void clearHistory() {
        history.clear();
    }

    /** For a manifest built around an old single-file AOF (Redis's upgrade from before 7.0). */
    public void upgradeBase(String oldFileName) {
        base = new Entry(oldFileName, 1, BASE);
        baseSeq = 1;
    }

    /** The manifest as Redis writes it: base, history, incrs; one line each, names quoted when needed. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        if (base != null) {
            line(sb, base);
        }
        for (Entry e : history) {
            line(sb, e);
        }
        for (Entry e : incrs) {
            line(sb, e);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, Entry e) {
        String name = needsRepr(e.name()) ? ConfigLoader.repr(e.name()) : e.name();
        sb.append("file ").append(name).append(" seq ").append(e.seq()).append(" type ").append(e.type()).append('\n');
    }

    /** Redis's sdsneedsrepr: quoting needed for spaces, quotes, backslashes and non-printable bytes. */
    private static boolean needsRepr(String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c == '\\' || c == '"' || c <= ' ' || c >= 127) {
                return true;
            }
        }
        return false;
    }

    /** Longest line Redis's manifest reader accepts (MANIFEST_MAX_LINE). */
    private static final int MAX_LINE = 1024;

    /** Parses a manifest as Redis's aofLoadManifestFromFile does, with its error texts. */
    public static AofManifest parse(String fileName, byte[] content) throws FormatException {
        AofManifest am = new AofManifest(fileName);
        long maxSeq = 0;
        int lineNo = 0;
        int pos = 0;
        if (content.length == 0) {
            throw new FormatException("Found an empty AOF manifest", 0, null);
        }
        while (pos < content.length) {
            int nl = pos;
            while (nl < content.length && content[nl] != '\n' && nl - pos <= MAX_LINE) {
                nl++;
            }
            lineNo++;
            String raw = new String(content, pos, Math.min(nl, content.length) - pos, StandardCharsets.UTF_8);
            if (!raw.isEmpty() && raw.charAt(0) == '#') {
                pos = skipLine(content, nl);
                continue;
            }
            if (nl >= content.length || content[nl] != '\n') {
                throw new FormatException("The AOF manifest file contains too long line", lineNo, null);
            }
            String line = raw.strip();
            pos = nl + 1;
            if (line.isEmpty()) {
                throw new FormatException("Invalid AOF manifest file format", lineNo, line);
            }
            byte[][] argv = InlineSplitter.split(line.getBytes(StandardCharsets.UTF_8));
            if (argv == null || argv.length < 6 || argv.length % 2 != 0) {
                throw new FormatException("Invalid AOF manifest file format", lineNo, line);
            }
            String name = null;
            long seq = 0;
            char type = 0;
            for (int i = 0; i < argv.length; i += 2) {
                String k = new String(argv[i], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
                String v = new String(argv[i + 1], StandardCharsets.UTF_8);
                switch (k) {
                    case "file":
                        if (v.contains("/")) {
                            throw new FormatException("File can't be a path, just a filename", lineNo, line);
                        }
                        name = v;
                        break;
                    case "seq":
                        seq = atoll(v);
                        break;
                    case "type":
                        type = v.isEmpty() ? 0 : v.charAt(0);
                        break;
                    default:
                        break; // unknown keys are allowed, for forward compatibility
                }
            }
            if (name == null || seq == 0 || type == 0) {
                throw new FormatException("Invalid AOF manifest file format", lineNo, line);
            }
            Entry e = new Entry(name, seq, type);
            switch (type) {
                case BASE:
                    if (am.base != null) {
                        throw new FormatException("Found duplicate base file information", lineNo, line);
                    }
                    am.base = e;
                    am.baseSeq = seq;
                    break;
                case HISTORY:
                    am.history.add(e);
                    break;
                case INCR:
                    if (seq <= maxSeq) {
                        throw new FormatException("Found a non-monotonic sequence number", lineNo, line);
                    }
                    am.incrs.add(e);
                    am.incrSeq = seq;
                    maxSeq = seq;
                    break;
                default:
                    throw new FormatException("Unknown AOF file type", lineNo, line);
            }
        }
        return am;
    }

    private static int skipLine(byte[] content, int from) {
        int p = from;
        while (p < content.length && content[p] != '\n') {
            p++;
        }
        return p + 1;
    }

    /** C's atoll: leading digits (with an optional sign), 0 if none. */
    private static long atoll(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            neg = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            v = v * 10 + (s.charAt(i) - '0');
            i++;
        }
        return neg ? -v : v;
    }
}
