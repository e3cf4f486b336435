package dev.podis.server.diff;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one script against the reference Redis and against Podis, step by step over raw
 * connections to each (one, plus those a script names with {@code @client}), and collects every
 * step whose replies do not compare as the script says.
 */
final class ScriptRunner {
    /** A step whose replies did not compare as required. */
    record Mismatch(Script.Step step, String problem, String redis, String podis) {
        /** The full, multi-line description used in failure messages and reports. */
        String describe(String script) {
            return script + ":" + step.line() + ": " + step.describe() + "\n"
                    + "  " + problem + "\n"
                    + (redis.isEmpty() ? "" : "  redis:\n" + redis)
                    + (podis.isEmpty() ? "" : "  podis:\n" + podis);
        }

        /** One line, for summaries. */
        String brief(String script) {
            return script + ":" + step.line() + ": " + step.describe() + " -- " + problem;
        }
    }

    /** What one server answered to one step: its replies, or why they could not be read. */
    record Outcome(List<Reply> replies, String failure) {
        boolean ok() {
            return failure == null;
        }

        String render() {
            StringBuilder sb = new StringBuilder();
            for (Reply r : replies) {
                sb.append(Escapes.block(r.bytes(), "    "));
            }
            if (failure != null) {
                sb.append("    <").append(failure).append(">\n");
            }
            if (sb.length() == 0) {
                sb.append("    (no reply expected)\n");
            }
            return sb.toString();
        }
    }

    /** One raw connection to one server. */
    private static final class Conn implements AutoCloseable {
        final String host;
        final int port;
        Socket socket;
        OutputStream out;
        ReplyReader reader;

        Conn(String host, int port) throws IOException {
            this.host = host;
            this.port = port;
            open();
        }

        void open() throws IOException {
            close();
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 2000);
            out = socket.getOutputStream();
            reader = new ReplyReader(socket);
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                socket = null;
            }
        }
    }

    /** Steps without a complete reply after which a script is abandoned, so that a mute server costs seconds, not minutes. */
    private static final int MAX_FAILURES = 3;

    private final long timeoutMillis;
    private final StringBuilder transcript = new StringBuilder();

    ScriptRunner(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** Every step with Redis's replies (and Podis's where they are not the same bytes). */
    String transcript() {
        return transcript.toString();
    }

    List<Mismatch> run(Script script, int redisPort, int podisPort) throws IOException {
        List<Mismatch> mismatches = new ArrayList<>();
        // Named connections (@client); "main" is the one every script starts with.
        Map<String, Conn[]> clients = new LinkedHashMap<>();
        try {
            Conn[] current = {new Conn("127.0.0.1", redisPort), new Conn("127.0.0.1", podisPort)};
            clients.put("main", current);
            int failures = 0;
            steps:
            for (Script.Step step : script.steps()) {
                Conn redis = current[0];
                Conn podis = current[1];
                switch (step.kind()) {
                    case SLEEP -> sleep(step.millis());
                    case CLIENT -> {
                        String name = new String(step.argv()[0], StandardCharsets.UTF_8);
                        Conn[] pair = clients.get(name);
                        if (pair == null) {
                            pair = new Conn[] {new Conn("127.0.0.1", redisPort), new Conn("127.0.0.1", podisPort)};
                            clients.put(name, pair);
                        }
                        current = pair;
                        transcript.append(step.line()).append(": ").append(step.describe()).append('\n');
                    }
                    case BLOCKED -> {
                        String problem = awaitBlocked(clients, redisPort, podisPort, step.millis());
                        transcript.append(step.line()).append(": ").append(step.describe()).append('\n');
                        if (problem != null) {
                            transcript.append("  MISMATCH: ").append(problem).append('\n');
                            mismatches.add(new Mismatch(step, problem, "", ""));
                        }
                    }
                    case SEND -> {
                        byte[] request = encode(step.argv());
                        String rs = send(redis, request);
                        String ps = send(podis, request);
                        transcript.append(step.line()).append(": ").append(step.describe()).append('\n');
                        if (rs != null || ps != null) {
                            String problem = "could not send: redis " + rs + ", podis " + ps;
                            transcript.append("  MISMATCH: ").append(problem).append('\n');
                            mismatches.add(new Mismatch(step, problem, "", ""));
                        }
                    }
                    case CLOSED -> {
                        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
                        String r = expectClose(redis, deadline);
                        String p = expectClose(podis, deadline);
                        String rs = "    <" + (r == null ? "closed" : r) + ">\n";
                        String ps = "    <" + (p == null ? "closed" : p) + ">\n";
                        transcript.append(step.line()).append(": @closed\n").append(rs);
                        if (r != null || p != null) {
                            transcript.append("  podis:\n").append(ps).append("  MISMATCH\n");
                            mismatches.add(new Mismatch(step, "the connection must be closed by the server", rs, ps));
                        }
                        redis.open();
                        podis.open();
                    }
                    case COMMAND, RAW, REPLY -> {
                        // Both servers get the request before either reply is awaited: they work at the same
                        // time, and one deadline covers both.
                        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
                        String rs = null;
                        String ps = null;
                        if (step.kind() != Script.Kind.REPLY) {
                            byte[] request = step.kind() == Script.Kind.RAW ? step.raw() : encode(step.argv());
                            rs = send(redis, request);
                            ps = send(podis, request);
                        }
                        Outcome r = receive(redis, rs, step.replies(), deadline);
                        Outcome p = receive(podis, ps, step.replies(), deadline);
                        String problem = compare(step, r, p);
                        record(step, r, p, problem);
                        if (problem != null) {
                            mismatches.add(new Mismatch(step, problem, r.render(), p.render()));
                        }
                        if (!r.ok() || !p.ok()) {
                            // The streams may be out of step now (a late reply, a closed socket): start both
                            // again, in RESP2 on database 0, and say so.
                            redis.open();
                            podis.open();
                            if (problem == null) {
                                mismatches.add(new Mismatch(step, "both servers failed to reply; reconnected",
                                        r.render(), p.render()));
                            }
                            if (++failures >= MAX_FAILURES) {
                                mismatches.add(new Mismatch(step, "script abandoned here after " + failures
                                        + " steps without a complete reply", "", ""));
                                break steps;
                            }
                        }
                    }
                }
            }
        } finally {
            for (Conn[] pair : clients.values()) {
                pair[0].close();
                pair[1].close();
            }
        }
        return mismatches;
    }

    /**
     * Polls INFO clients on both servers (over connections of its own, which are not blocked) until
     * each reports {@code n} blocked clients; null when they do within the timeout, else why not.
     */
    private String awaitBlocked(Map<String, Conn[]> clients, int redisPort, int podisPort, long n) throws IOException {
        Conn[] control = clients.get(" control");
        if (control == null) {
            control = new Conn[] {new Conn("127.0.0.1", redisPort), new Conn("127.0.0.1", podisPort)};
            clients.put(" control", control);
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        long[] seen = new long[2];
        while (true) {
            for (int i = 0; i < 2; i++) {
                seen[i] = blockedClients(control[i], deadline);
            }
            if (seen[0] == n && seen[1] == n) {
                return null;
            }
            if (System.nanoTime() > deadline) {
                return "blocked_clients did not reach " + n + " within " + timeoutMillis + " ms: redis " + seen[0]
                        + ", podis " + seen[1];
            }
            sleep(2);
        }
    }

    private long blockedClients(Conn c, long deadline) {
        String failure = send(c, encode(new byte[][] {"INFO".getBytes(StandardCharsets.US_ASCII),
                "clients".getBytes(StandardCharsets.US_ASCII)}));
        Outcome o = receive(c, failure, 1, deadline);
        if (!o.ok()) {
            return -1;
        }
        String info = new String(o.replies().get(0).bytes(), StandardCharsets.ISO_8859_1);
        int at = info.indexOf("blocked_clients:");
        if (at < 0) {
            return -1;
        }
        int end = info.indexOf('\r', at);
        return Long.parseLong(info.substring(at + "blocked_clients:".length(), end));
    }

    private void record(Script.Step step, Outcome r, Outcome p, String problem) {
        transcript.append(step.line()).append(": ").append(step.describe());
        if (step.mode() != Script.Mode.EXACT) {
            transcript.append("   [").append(step.mode()).append(": ").append(step.reason()).append(']');
        }
        transcript.append('\n').append(r.render());
        boolean same = r.ok() && p.ok() && sameBytes(r.replies(), p.replies());
        if (!same) {
            transcript.append("  podis:\n").append(p.render());
        }
        if (problem != null) {
            transcript.append("  MISMATCH: ").append(problem).append('\n');
        }
    }

    /** Null when sent, else why not. */
    private static String send(Conn c, byte[] request) {
        try {
            c.out.write(request);
            c.out.flush();
            return null;
        } catch (IOException e) {
            return "could not send: " + e.getMessage();
        }
    }

    private Outcome receive(Conn c, String sendFailure, int replies, long deadline) {
        List<Reply> got = new ArrayList<>();
        if (sendFailure != null) {
            return new Outcome(got, sendFailure);
        }
        try {
            for (int i = 0; i < replies; i++) {
                got.add(c.reader.read(remaining(deadline)));
            }
            return new Outcome(got, null);
        } catch (ReplyReader.TimeoutException e) {
            return new Outcome(got, "no reply within " + timeoutMillis + " ms"
                    + (e.partial.length > 0 ? "; partial: " + Escapes.readable(e.partial) : ""));
        } catch (EOFException e) {
            return new Outcome(got, e.getMessage());
        } catch (IOException e) {
            return new Outcome(got, e.toString());
        }
    }

    private static long remaining(long deadline) {
        return Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
    }

    /** Null when the connection was closed by the server, else what happened instead. */
    private String expectClose(Conn c, long deadline) {
        try {
            Reply r = c.reader.read(remaining(deadline));
            return "still open; an unexpected reply came: " + Escapes.readable(r.bytes());
        } catch (ReplyReader.TimeoutException e) {
            return "still open after " + timeoutMillis + " ms";
        } catch (EOFException e) {
            return null;
        } catch (IOException e) {
            // a reset is a close too
            return e.getMessage() != null && e.getMessage().contains("reset") ? null : e.toString();
        }
    }

    /** Null when the outcomes compare as the step requires, else what is wrong. */
    static String compare(Script.Step step, Outcome r, Outcome p) {
        if (!r.ok() || !p.ok()) {
            if (!r.ok() && !p.ok() && r.failure().equals(p.failure()) && sameBytes(r.replies(), p.replies())) {
                return null; // both behaved the same (e.g. both closed the connection)
            }
            return !r.ok() && !p.ok() ? "neither server replied completely"
                    : (!r.ok() ? "redis" : "podis") + " did not reply completely";
        }
        List<Reply> a = r.replies();
        List<Reply> b = p.replies();
        return switch (step.mode()) {
            case EXACT -> sameBytes(a, b) ? null : "replies differ";
            case IGNORE -> {
                for (int i = 0; i < a.size(); i++) {
                    if (a.get(i).isError() != b.get(i).isError()) {
                        yield "only one server replied with an error (the contents are not compared: "
                                + step.reason() + ")";
                    }
                }
                yield null;
            }
            case DIFFERENT -> sameBytes(a, b)
                    ? "expected a difference (" + step.reason() + ") but the replies are equal: remove the directive"
                    : null;
            case SAME_TYPE -> {
                for (int i = 0; i < a.size(); i++) {
                    if (a.get(i).type() != b.get(i).type()) {
                        yield "reply types differ (only the type must match: " + step.reason() + ")";
                    }
                }
                yield null;
            }
            case SAME_SHAPE -> {
                for (int i = 0; i < a.size(); i++) {
                    String sa = a.get(i).root().shape();
                    String sb = b.get(i).root().shape();
                    if (!sa.equals(sb)) {
                        yield "reply shapes differ (only the shape must match: " + step.reason() + "): redis "
                                + sa + " podis " + sb;
                    }
                }
                yield null;
            }
        };
    }

    private static boolean sameBytes(List<Reply> a, List<Reply> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).sameBytes(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    static byte[] encode(byte[][] argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ascii(out, "*" + argv.length + "\r\n");
        for (byte[] a : argv) {
            ascii(out, "$" + a.length + "\r\n");
            out.writeBytes(a);
            ascii(out, "\r\n");
        }
        return out.toByteArray();
    }

    private static void ascii(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
