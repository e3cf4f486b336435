package dev.podis.server.diff;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness's own parts: the reply reader, the script parser, the comparison rules. */
class HarnessTest {
    private static final String[] REPLIES = {
            "+OK\r\n",
            "-ERR something bad\r\n",
            ":-12\r\n",
            "$3\r\nfoo\r\n",
            "$4\r\na\r\nb\r\n",
            "$0\r\n\r\n",
            "$-1\r\n",
            "*-1\r\n",
            "*0\r\n",
            "*2\r\n$1\r\na\r\n:1\r\n",
            "*2\r\n*1\r\n+x\r\n*0\r\n",
            "_\r\n",
            "#t\r\n",
            ",1.5\r\n",
            "(12345678901234567890\r\n",
            "!9\r\nERR x\r\nyz\r\n",
            "=7\r\ntxt:abc\r\n",
            "%1\r\n+k\r\n*1\r\n:1\r\n",
            "~2\r\n:1\r\n:2\r\n",
            ">2\r\n$7\r\nmessage\r\n$1\r\nx\r\n",
            "|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n",
            "*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n",
    };

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A loopback server that writes {@code data} (one byte at a time when asked) and then maybe closes. */
    private static Socket serve(ServerSocket ss, byte[] data, boolean trickle, boolean closeAfter) throws IOException {
        Thread t = new Thread(() -> {
            try (Socket s = ss.accept()) {
                OutputStream out = s.getOutputStream();
                if (trickle) {
                    for (byte x : data) {
                        out.write(x);
                        out.flush();
                    }
                } else {
                    out.write(data);
                    out.flush();
                }
                if (!closeAfter) {
                    Thread.sleep(2000);
                }
            } catch (IOException | InterruptedException ignored) {
                // the test is over
            }
        });
        t.setDaemon(true);
        t.start();
        return new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
    }

    @Test
    void readsEachReplyTypeAsExactlyItsOwnBytes() throws IOException {
        for (boolean trickle : new boolean[]{false, true}) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (String r : REPLIES) {
                all.writeBytes(b(r));
            }
            try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                 Socket s = serve(ss, all.toByteArray(), trickle, false)) {
                ReplyReader reader = new ReplyReader(s);
                for (String r : REPLIES) {
                    Reply reply = reader.read(2000);
                    assertArrayEquals(b(r), reply.bytes(), "reply " + Escapes.readable(b(r)));
                }
            }
        }
    }

    @Test
    void shapesAndTypes() throws IOException {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket s = serve(ss, b("*2\r\n$1\r\na\r\n%1\r\n+k\r\n:1\r\n|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n-ERR x\r\n!1\r\nx\r\n"),
                     false, false)) {
            ReplyReader reader = new ReplyReader(s);
            Reply arr = reader.read(2000);
            assertEquals('*', arr.type());
            assertEquals("*2[$ %1[+ : ] ]", arr.root().shape());
            Reply attributed = reader.read(2000);
            assertEquals('$', attributed.type(), "the type of an attributed reply is the value's");
            assertEquals("|1[+ : ] -> $", attributed.root().shape());
            assertTrue(reader.read(2000).isError());
            assertTrue(reader.read(2000).isError());
            assertFalse(arr.isError());
        }
    }

    @Test
    void incompleteReplyTimesOutWithWhatArrived() throws IOException {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket s = serve(ss, b("*2\r\n$1\r\na\r\n"), false, false)) {
            long start = System.nanoTime();
            ReplyReader.TimeoutException e = assertThrows(ReplyReader.TimeoutException.class,
                    () -> new ReplyReader(s).read(200));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 190 && ms < 1500, "timed out after " + ms + " ms");
            assertArrayEquals(b("*2\r\n$1\r\na\r\n"), e.partial);
        }
    }

    @Test
    void closedConnectionAndGarbageAreReported() throws IOException {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket s = serve(ss, b("+OK\r\n"), false, true)) {
            ReplyReader reader = new ReplyReader(s);
            assertArrayEquals(b("+OK\r\n"), reader.read(2000).bytes());
            assertThrows(EOFException.class, () -> reader.read(2000));
        }
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket s = serve(ss, b("hello\r\n"), false, false)) {
            IOException e = assertThrows(IOException.class, () -> new ReplyReader(s).read(2000));
            assertTrue(e.getMessage().contains("not a RESP reply"), e.getMessage());
        }
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket s = serve(ss, b("$3\r\nabcd\r\n"), false, false)) {
            assertThrows(IOException.class, () -> new ReplyReader(s).read(2000));
        }
    }

    @Test
    void escapesAreReadable() {
        assertEquals("\"+OK\\r\\n\"", Escapes.readable(b("+OK\r\n")));
        assertEquals("\"a\\x00\\xff\\\"\\\\\"", Escapes.readable(new byte[]{'a', 0, (byte) 0xff, '"', '\\'}));
        assertEquals("    \"$1\\r\\n\"\n    \"x\\r\\n\"\n", Escapes.block(b("$1\r\nx\r\n"), "    "));
        assertEquals("SET k \"a b\" \"\"", Escapes.command(new byte[][]{b("SET"), b("k"), b("a b"), b("")}));
    }

    @Test
    void parsesCommandsAndDirectives() throws Script.ParseException {
        Script s = Script.parse("t.redis", String.join("\n",
                "# comment",
                "",
                "SET k \"a b\" 'c d'",
                "@ignore-reply \"run ids differ\"",
                "INFO",
                "@expect-difference not implemented yet",
                "GET k",
                "@same-type clock",
                "TIME",
                "@same-shape clock",
                "@raw 2 \"PING\\r\\nPING\\r\\n\"",
                "@resp3",
                "@sleep 5",
                "@closed",
                "@resp2"));
        List<Script.Step> steps = s.steps();
        assertEquals(9, steps.size());
        Script.Step set = steps.get(0);
        assertEquals(3, set.line());
        assertEquals(Script.Mode.EXACT, set.mode());
        assertArrayEquals(b("a b"), set.argv()[2]);
        assertArrayEquals(b("c d"), set.argv()[3]);
        assertEquals(Script.Mode.IGNORE, steps.get(1).mode());
        assertEquals("run ids differ", steps.get(1).reason());
        assertEquals(Script.Mode.DIFFERENT, steps.get(2).mode());
        assertEquals("not implemented yet", steps.get(2).reason());
        assertEquals(Script.Mode.SAME_TYPE, steps.get(3).mode());
        Script.Step raw = steps.get(4);
        assertEquals(Script.Kind.RAW, raw.kind());
        assertEquals(2, raw.replies());
        assertEquals(Script.Mode.SAME_SHAPE, raw.mode());
        assertArrayEquals(b("PING\r\nPING\r\n"), raw.raw());
        assertArrayEquals(b("3"), steps.get(5).argv()[1]);
        assertEquals("HELLO", new String(steps.get(5).argv()[0], StandardCharsets.US_ASCII));
        assertEquals(Script.Kind.SLEEP, steps.get(6).kind());
        assertEquals(5, steps.get(6).millis());
        assertEquals(Script.Kind.CLOSED, steps.get(7).kind());
        assertArrayEquals(b("2"), steps.get(8).argv()[1]);
        assertEquals(Script.Mode.SAME_SHAPE, steps.get(8).mode());
    }

    @Test
    void rejectsMalformedScripts() {
        String[] bad = {
                "SET k \"unbalanced",
                "@nosuch",
                "@ignore-reply",
                "@ignore-reply ''",
                "@same-type x\n@same-shape y\nGET k",
                "@expect-difference x",
                "@expect-difference x\n@sleep 1",
                "@sleep abc",
                "@sleep 99999",
                "@raw",
                "@raw x \"PING\\r\\n\"",
                "@resp3 extra",
                "@client",
                "@client a b",
                "@send",
                "@same-type x\n@send BLPOP k 0",
                "@reply extra",
                "@blocked x",
                "@blocked -1",
        };
        for (String text : bad) {
            assertThrows(Script.ParseException.class, () -> Script.parse("bad.redis", text), text);
        }
    }

    @Test
    void parsesMultiClientDirectives() throws Exception {
        Script s = Script.parse("t.redis", String.join("\n",
                "@client a",
                "@send XREAD BLOCK 0 STREAMS s $",
                "@blocked 1",
                "@client main",
                "XADD s 1-1 f v",
                "@client a",
                "@same-shape \"why\"",
                "@reply"));
        List<Script.Step> steps = s.steps();
        assertEquals(8, steps.size() + 1); // the comparison directive is not a step
        assertEquals(Script.Kind.CLIENT, steps.get(0).kind());
        assertArrayEquals(b("a"), steps.get(0).argv()[0]);
        assertEquals(Script.Kind.SEND, steps.get(1).kind());
        assertEquals(6, steps.get(1).argv().length);
        assertEquals(Script.Kind.BLOCKED, steps.get(2).kind());
        assertEquals(1, steps.get(2).millis());
        assertEquals(Script.Kind.COMMAND, steps.get(4).kind());
        assertEquals(Script.Kind.REPLY, steps.get(6).kind());
        assertEquals(1, steps.get(6).replies());
        assertEquals(Script.Mode.SAME_SHAPE, steps.get(6).mode());
        assertEquals("@reply", steps.get(6).describe());
    }

    private static Script.Step step(Script.Mode mode) {
        return new Script.Step(1, Script.Kind.COMMAND, new byte[][]{b("X")}, null, 1, 0, mode, "why", "X");
    }

    private static ScriptRunner.Outcome ok(String reply, Reply.Node root) {
        return new ScriptRunner.Outcome(List.of(new Reply(b(reply), root)), null);
    }

    private static Reply.Node leaf(char type) {
        return new Reply.Node(type, List.of(), null);
    }

    @Test
    void comparisonRules() {
        ScriptRunner.Outcome one = ok(":1\r\n", leaf(':'));
        ScriptRunner.Outcome two = ok(":2\r\n", leaf(':'));
        ScriptRunner.Outcome bulk = ok("$1\r\n2\r\n", leaf('$'));
        ScriptRunner.Outcome err = ok("-ERR x\r\n", leaf('-'));
        ScriptRunner.Outcome timeout = new ScriptRunner.Outcome(List.of(), "no reply");

        assertNull(ScriptRunner.compare(step(Script.Mode.EXACT), one, ok(":1\r\n", leaf(':'))));
        assertNotNull(ScriptRunner.compare(step(Script.Mode.EXACT), one, two));
        assertNull(ScriptRunner.compare(step(Script.Mode.DIFFERENT), one, two));
        assertNotNull(ScriptRunner.compare(step(Script.Mode.DIFFERENT), one, one));
        assertNull(ScriptRunner.compare(step(Script.Mode.IGNORE), one, bulk));
        assertNotNull(ScriptRunner.compare(step(Script.Mode.IGNORE), one, err));
        assertNull(ScriptRunner.compare(step(Script.Mode.SAME_TYPE), one, two));
        assertNotNull(ScriptRunner.compare(step(Script.Mode.SAME_TYPE), one, bulk));
        assertNotNull(ScriptRunner.compare(step(Script.Mode.IGNORE), one, timeout));
        assertNotNull(ScriptRunner.compare(step(Script.Mode.DIFFERENT), one, timeout));

        Reply.Node arr2 = new Reply.Node('*', List.of(leaf('$'), leaf('$')), null);
        Reply.Node arr1 = new Reply.Node('*', List.of(leaf('$')), null);
        Reply.Node arrInt = new Reply.Node('*', List.of(leaf('$'), leaf(':')), null);
        ScriptRunner.Outcome a = ok("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", arr2);
        assertNull(ScriptRunner.compare(step(Script.Mode.SAME_SHAPE), a, ok("*2\r\n$2\r\n10\r\n$1\r\n3\r\n", arr2)));
        assertNotNull(ScriptRunner.compare(step(Script.Mode.SAME_SHAPE), a, ok("*1\r\n$1\r\n1\r\n", arr1)));
        assertNotNull(ScriptRunner.compare(step(Script.Mode.SAME_SHAPE), a, ok("*2\r\n$1\r\n1\r\n:2\r\n", arrInt)));
    }
}
