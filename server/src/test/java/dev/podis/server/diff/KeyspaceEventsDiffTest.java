package dev.podis.server.diff;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Keyspace notifications against a real {@code redis-server}: every script in
 * {@code src/test/resources/diff-events/*.redis} (the differential script format, see
 * {@code diff/README.md}; {@code @sleep}, {@code @resp2}/{@code @resp3} and the comparison
 * directives apply to replies) runs on both servers with {@code notify-keyspace-events AKEnm} and
 * active expiry off, while a second connection listens with {@code PSUBSCRIBE __key*__:*}. After
 * each command the notifications it caused (every {@code pmessage}, byte for byte, in order) must
 * be the same on both servers, and so must its reply.
 */
class KeyspaceEventsDiffTest {
    private static final String DIR = "diff-events";
    private static final long TIMEOUT_MS = Long.getLong("podis.diff.timeout", 2000);
    private static final byte[] MARKER = ascii("__keyspace_events_test_marker__");

    private static RedisProcess redis;

    @BeforeAll
    static void startRedis() throws Exception {
        Path exe = RedisProcess.findExecutable();
        if (exe == null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isEmpty()) {
                Assertions.fail("redis-server is not on the PATH");
            }
            Assumptions.abort("redis-server is not on the PATH");
        }
        redis = RedisProcess.start(exe, "--enable-debug-command", "local");
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }

    /** One server's side: a connection running the script and one subscribed to every keyspace channel. */
    private static final class Side implements AutoCloseable {
        final String name;
        final Socket commands = new Socket();
        final Socket events = new Socket();
        final ReplyReader commandReplies;
        final ReplyReader eventReplies;
        long markers;

        Side(String name, int port) throws IOException {
            this.name = name;
            commands.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            events.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            commandReplies = new ReplyReader(commands);
            eventReplies = new ReplyReader(events);
            for (String[] setup : new String[][] {{"FLUSHALL"}, {"CONFIG", "SET", "notify-keyspace-events", "AKEnm"},
                    {"DEBUG", "SET-ACTIVE-EXPIRE", "0"}}) {
                Reply r = call(setup);
                Assertions.assertFalse(r.isError(), name + ": " + String.join(" ", setup) + ": " + r);
            }
            send(events, "PSUBSCRIBE", "__key*__:*");
            eventReplies.read(TIMEOUT_MS);
            send(events, new byte[][] {ascii("SUBSCRIBE"), MARKER});
            eventReplies.read(TIMEOUT_MS);
        }

        Reply call(String... args) throws IOException {
            byte[][] argv = new byte[args.length][];
            for (int i = 0; i < args.length; i++) {
                argv[i] = ascii(args[i]);
            }
            return call(argv);
        }

        Reply call(byte[][] argv) throws IOException {
            send(commands, argv);
            return commandReplies.read(TIMEOUT_MS);
        }

        /** {@link #call(byte[][])} for a step of a script, named in the failure if it gets no reply. */
        Reply call(byte[][] argv, String step) throws IOException {
            try {
                return call(argv);
            } catch (ReplyReader.TimeoutException e) {
                throw new AssertionError(name + " did not reply to " + step, e);
            }
        }

        /** The notifications received since the last call: publishes a marker and reads up to it. */
        List<String> drain() throws IOException {
            byte[] id = ascii(Long.toString(++markers));
            call(new byte[][] {ascii("PUBLISH"), MARKER, id});
            List<String> out = new ArrayList<>();
            while (true) {
                Reply r = eventReplies.read(TIMEOUT_MS);
                if (Arrays.equals(r.bytes(), ScriptRunner.encode(new byte[][] {ascii("message"), MARKER, id}))) {
                    return out;
                }
                out.add(readable(r.bytes()));
            }
        }

        @Override
        public void close() throws IOException {
            try {
                call("CONFIG", "SET", "notify-keyspace-events", "");
                call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
            } finally {
                commands.close();
                events.close();
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> scripts() throws IOException, URISyntaxException {
        URL readme = getClass().getClassLoader().getResource(DIR + "/basics.redis");
        Assertions.assertNotNull(readme, DIR + "/basics.redis not on the test classpath");
        Path dir = Path.of(readme.toURI()).getParent();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".redis")).sorted().toList();
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(), () -> run(f)));
    }

    private static void run(Path file) throws Exception {
        String name = file.getFileName().toString();
        Script script = Script.parse(name, Files.readString(file, StandardCharsets.UTF_8));
        List<String> mismatches = new ArrayList<>();
        int events = 0;
        boolean inMulti = false;
        try (TestServer podis = TestServer.start(Map.of("enable-debug-command", "local"));
             Side r = new Side("redis", redis.port());
             Side p = new Side("podis", podis.port())) {
            for (Script.Step step : script.steps()) {
                switch (step.kind()) {
                    case SLEEP -> Thread.sleep(step.millis());
                    case COMMAND -> {
                        String where = name + ":" + step.line() + " " + step.describe();
                        Reply rr = r.call(step.argv(), where);
                        Reply pr = p.call(step.argv(), where);
                        if (!repliesMatch(step, rr, pr)) {
                            mismatches.add(where + "\n    reply redis: " + rr + "\n    reply podis: " + pr);
                        }
                        String command = new String(step.argv()[0], StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
                        if (command.equals("MULTI") && !rr.isError()) {
                            inMulti = true;
                        } else if (command.equals("EXEC") || command.equals("DISCARD") || command.equals("RESET")) {
                            inMulti = false;
                        }
                        if (inMulti) {
                            continue; // the marker would be queued: the events come with EXEC
                        }
                        List<String> re = r.drain();
                        List<String> pe = p.drain();
                        events += re.size();
                        if (!re.equals(pe)) {
                            mismatches.add(where + "\n    events redis: " + String.join("\n                  ", re)
                                    + "\n    events podis: " + String.join("\n                  ", pe));
                        }
                    }
                    default -> Assertions.fail(name + ":" + step.line() + ": " + step.kind() + " is not supported here");
                }
            }
        }
        Assertions.assertTrue(events > 0, name + ": Redis sent no notifications at all");
        if (!mismatches.isEmpty()) {
            Assertions.fail(mismatches.size() + " mismatch(es):\n" + String.join("\n", mismatches));
        }
    }

    /**
     * A pmessage as "channel message" when it is one (every bulk string printable), else its RESP
     * bytes escaped; either way two different messages never print alike.
     */
    static String readable(byte[] resp) {
        String raw = Escapes.readable(resp);
        String s = new String(resp, StandardCharsets.ISO_8859_1);
        String[] parts = s.split("\r\n", -1);
        if (parts.length != 10 || !parts[0].equals("*4") || !parts[2].equals("pmessage")) {
            return raw;
        }
        String channel = parts[6];
        String message = parts[8];
        String text = channel + " " + message;
        boolean plain = (channel + message).chars().allMatch(ch -> ch > ' ' && ch < 127);
        return plain ? text : raw;
    }

    private static boolean repliesMatch(Script.Step step, Reply r, Reply p) {
        return switch (step.mode()) {
            case EXACT -> r.sameBytes(p);
            case IGNORE -> r.isError() == p.isError();
            case DIFFERENT -> !r.sameBytes(p);
            case SAME_TYPE -> r.type() == p.type();
            case SAME_SHAPE -> r.root().shape().equals(p.root().shape());
        };
    }

    private static void send(Socket s, String... args) throws IOException {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = ascii(args[i]);
        }
        send(s, argv);
    }

    private static void send(Socket s, byte[][] argv) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(ScriptRunner.encode(argv));
        out.flush();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
