package dev.podis.server.diff;

import dev.podis.protocol.InlineSplitter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A differential script (see src/test/resources/diff/README.md): one command per line in
 * redis-cli syntax, {@code #} comments, and a few {@code @} directives.
 */
final class Script {
    /** How the replies of one step are compared. */
    enum Mode {
        /** Byte for byte (the default). */
        EXACT,
        /** Both must reply; the replies are not compared. */
        IGNORE,
        /** The replies must differ (a documented known difference). */
        DIFFERENT,
        /** Same RESP type at the top. */
        SAME_TYPE,
        /** Same RESP types and aggregate sizes all the way down; scalar contents may differ. */
        SAME_SHAPE
    }

    enum Kind {
        /** A command sent as a RESP array of bulk strings. */
        COMMAND,
        /** Raw bytes sent as they are, followed by {@code replies} replies. */
        RAW,
        /** Wait {@code millis}. */
        SLEEP,
        /** Both servers must close the connection; then both are reconnected. */
        CLOSED,
        /** Later steps use the connection named {@code argv[0]} (opened on first use, RESP2, db 0). */
        CLIENT,
        /** A command sent without reading its reply now (a blocking command): a later {@code @reply} reads it. */
        SEND,
        /** Reads one reply that is due on the current connection (after {@code @send}). */
        REPLY,
        /** Waits until both servers report {@code millis} blocked clients (INFO blocked_clients). */
        BLOCKED
    }

    record Step(int line, Kind kind, byte[][] argv, byte[] raw, int replies, long millis, Mode mode, String reason,
                String source) {
        String describe() {
            return switch (kind) {
                case COMMAND -> Escapes.command(argv);
                case RAW -> "@raw " + Escapes.readable(raw);
                case SLEEP -> "@sleep " + millis;
                case CLOSED -> "@closed";
                case CLIENT -> "@client " + new String(argv[0], StandardCharsets.UTF_8);
                case SEND -> "@send " + Escapes.command(argv);
                case REPLY -> "@reply";
                case BLOCKED -> "@blocked " + millis;
            };
        }
    }

    static final class ParseException extends Exception {
        ParseException(String name, int line, String message) {
            super(name + ":" + line + ": " + message);
        }
    }

    private final String name;
    private final List<Step> steps;

    private Script(String name, List<Step> steps) {
        this.name = name;
        this.steps = steps;
    }

    String name() {
        return name;
    }

    List<Step> steps() {
        return steps;
    }

    static Script parse(String name, String text) throws ParseException {
        List<Step> steps = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        Mode pendingMode = null;
        String pendingReason = null;
        int pendingLine = 0;
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("@")) {
                int sp = firstSpace(line);
                String directive = sp < 0 ? line : line.substring(0, sp);
                String rest = sp < 0 ? "" : line.substring(sp + 1).strip();
                Mode mode = switch (directive) {
                    case "@ignore-reply" -> Mode.IGNORE;
                    case "@expect-difference" -> Mode.DIFFERENT;
                    case "@same-type" -> Mode.SAME_TYPE;
                    case "@same-shape" -> Mode.SAME_SHAPE;
                    default -> null;
                };
                if (mode != null) {
                    if (pendingMode != null) {
                        throw new ParseException(name, lineNo, "two comparison directives for one command (line "
                                + pendingLine + ")");
                    }
                    String reason = unquote(rest);
                    if (reason.isEmpty()) {
                        throw new ParseException(name, lineNo, directive + " needs a reason");
                    }
                    pendingMode = mode;
                    pendingReason = reason;
                    pendingLine = lineNo;
                    continue;
                }
                Mode m = pendingMode == null ? Mode.EXACT : pendingMode;
                switch (directive) {
                    case "@resp2", "@resp3" -> {
                        if (!rest.isEmpty()) {
                            throw new ParseException(name, lineNo, directive + " takes no argument");
                        }
                        if (pendingMode != null) {
                            throw new ParseException(name, lineNo, directive + " cannot follow a comparison directive");
                        }
                        // HELLO's reply names the server, its version and the connection id: only its shape can match.
                        byte[][] hello = {bytes("HELLO"), bytes(directive.equals("@resp3") ? "3" : "2")};
                        steps.add(new Step(lineNo, Kind.COMMAND, hello, null, 1, 0, Mode.SAME_SHAPE,
                                "HELLO names the server and its version", line));
                    }
                    case "@sleep" -> {
                        long ms;
                        try {
                            ms = Long.parseLong(rest);
                        } catch (NumberFormatException e) {
                            throw new ParseException(name, lineNo, "@sleep needs milliseconds");
                        }
                        if (ms < 0 || ms > 5000) {
                            throw new ParseException(name, lineNo, "@sleep must be 0..5000 ms");
                        }
                        if (pendingMode != null) {
                            throw new ParseException(name, lineNo, "@sleep cannot follow a comparison directive");
                        }
                        steps.add(new Step(lineNo, Kind.SLEEP, null, null, 0, ms, Mode.EXACT, null, line));
                    }
                    case "@client" -> {
                        if (rest.isEmpty() || firstSpace(rest) >= 0) {
                            throw new ParseException(name, lineNo, "@client needs one connection name");
                        }
                        if (pendingMode != null) {
                            throw new ParseException(name, lineNo, "@client cannot follow a comparison directive");
                        }
                        steps.add(new Step(lineNo, Kind.CLIENT, new byte[][] {bytes(rest)}, null, 0, 0, Mode.EXACT,
                                null, line));
                    }
                    case "@send" -> {
                        byte[][] argv = InlineSplitter.split(bytes(rest));
                        if (argv == null || argv.length == 0) {
                            throw new ParseException(name, lineNo, "@send needs a command");
                        }
                        if (pendingMode != null) {
                            throw new ParseException(name, lineNo, "@send cannot follow a comparison directive "
                                    + "(put it before the @reply that reads the reply)");
                        }
                        steps.add(new Step(lineNo, Kind.SEND, argv, null, 0, 0, Mode.EXACT, null, line));
                    }
                    case "@reply" -> {
                        if (!rest.isEmpty()) {
                            throw new ParseException(name, lineNo, "@reply takes no argument");
                        }
                        steps.add(new Step(lineNo, Kind.REPLY, null, null, 1, 0, m, pendingReason, line));
                        pendingMode = null;
                        pendingReason = null;
                    }
                    case "@blocked" -> {
                        long n;
                        try {
                            n = Long.parseLong(rest);
                        } catch (NumberFormatException e) {
                            throw new ParseException(name, lineNo, "@blocked needs a number of clients");
                        }
                        if (n < 0 || pendingMode != null) {
                            throw new ParseException(name, lineNo, "@blocked needs a count >= 0 and no comparison directive");
                        }
                        steps.add(new Step(lineNo, Kind.BLOCKED, null, null, 0, n, Mode.EXACT, null, line));
                    }
                    case "@closed" -> {
                        if (pendingMode != null) {
                            throw new ParseException(name, lineNo, "@closed cannot follow a comparison directive");
                        }
                        steps.add(new Step(lineNo, Kind.CLOSED, null, null, 0, 0, Mode.EXACT, null, line));
                    }
                    case "@raw" -> {
                        byte[][] args = InlineSplitter.split(bytes(rest));
                        if (args == null || args.length < 1 || args.length > 2) {
                            throw new ParseException(name, lineNo, "@raw needs [replies] \"bytes\"");
                        }
                        int replies = 1;
                        if (args.length == 2) {
                            try {
                                replies = Integer.parseInt(new String(args[0], StandardCharsets.US_ASCII));
                            } catch (NumberFormatException e) {
                                throw new ParseException(name, lineNo, "@raw reply count is not a number");
                            }
                            if (replies < 0 || replies > 100) {
                                throw new ParseException(name, lineNo, "@raw reply count must be 0..100");
                            }
                        }
                        byte[] raw = args[args.length - 1];
                        if (raw.length == 0) {
                            throw new ParseException(name, lineNo, "@raw needs bytes to send");
                        }
                        steps.add(new Step(lineNo, Kind.RAW, null, raw, replies, 0, m, pendingReason, line));
                        pendingMode = null;
                        pendingReason = null;
                    }
                    default -> throw new ParseException(name, lineNo, "unknown directive " + directive);
                }
                continue;
            }
            byte[][] argv = InlineSplitter.split(bytes(line));
            if (argv == null) {
                throw new ParseException(name, lineNo, "unbalanced quotes");
            }
            Mode m = pendingMode == null ? Mode.EXACT : pendingMode;
            steps.add(new Step(lineNo, Kind.COMMAND, argv, null, 1, 0, m, pendingReason, line));
            pendingMode = null;
            pendingReason = null;
        }
        if (pendingMode != null) {
            throw new ParseException(name, pendingLine, "comparison directive not followed by a command");
        }
        return new Script(name, steps);
    }

    private static int firstSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1).strip();
        }
        return s;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
