package dev.podis.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request parser against the behaviour of Redis 7.0's processMultibulkBuffer /
 * processInlineBuffer (each error text and edge case was checked on a real redis-server over a
 * raw socket).
 */
class RespParserTest {
    private static final int K = 1024;

    /** The parser under test (a subclass runs every case with borrowed arguments too). */
    RespParser parser() {
        return new RespParser();
    }

    /** Feeds {@code chunks} one after another, collecting every request (empty ones included). */
    List<String> parseChunks(List<byte[]> chunks) throws ProtocolException {
        RespParser parser = parser();
        ByteBuf cumulation = Unpooled.buffer();
        List<String> out = new ArrayList<>();
        try {
            for (byte[] chunk : chunks) {
                cumulation.writeBytes(chunk);
                byte[][] argv;
                while ((argv = parser.parse(cumulation)) != null) {
                    out.add(render(argv));
                }
                cumulation.discardReadBytes();
            }
            assertTrue(!cumulation.isReadable(), "bytes left unparsed");
            assertTrue(!parser.inProgress(), "request left in progress");
        } finally {
            cumulation.release();
        }
        return out;
    }

    List<String> parseAll(byte[] stream) throws ProtocolException {
        return parseChunks(List.of(stream));
    }

    /** An argv as text: arguments joined by '|' with each argument's length, to compare sequences. */
    static String render(byte[][] argv) {
        StringBuilder sb = new StringBuilder();
        for (byte[] a : argv) {
            sb.append(a.length).append(':').append(new String(a, StandardCharsets.ISO_8859_1)).append('|');
        }
        return sb.toString();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] multibulk(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return ascii(sb.toString());
    }

    private static byte[] pipelinedStream() {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        String big = "x".repeat(40 * K) + "y";          // a big bulk (moved out as it arrives)
        String exact = "z".repeat(RespParser.BIG_ARG);  // exactly the big-bulk threshold
        for (int i = 0; i < 20; i++) {
            s.writeBytes(multibulk("SET", "key:" + i, "value-" + i));
            s.writeBytes(multibulk("GET", "key:" + i));
        }
        s.writeBytes(multibulk("SET", "big", big));
        s.writeBytes(ascii("*0\r\n"));
        s.writeBytes(ascii("*-1\r\n"));
        s.writeBytes(ascii("PING\r\n"));
        s.writeBytes(ascii("\r\n"));
        s.writeBytes(ascii("\n"));
        s.writeBytes(ascii("ECHO \"a\\x41b\\n\" 'it\\'s'\n"));
        s.writeBytes(multibulk("SET", "", ""));
        s.writeBytes(multibulk("SET", "exact", exact));
        s.writeBytes(multibulk("GET", "\r\n$*"));
        s.writeBytes(ascii("*1\r\n$4\r\nPINGxx")); // the two bytes after a payload are not checked
        s.writeBytes(multibulk("DEL", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"));
        return s.toByteArray();
    }

    @Test
    void pipelinedStreamParsesTheSameAtEveryByteBoundary() throws ProtocolException {
        byte[] stream = pipelinedStream();
        List<String> whole = parseAll(stream);
        assertEquals(20 * 2 + 1 + 2 + 1 + 2 + 1 + 1 + 1 + 1 + 1 + 1, whole.size());
        assertEquals(render(new byte[][] {ascii("SET"), ascii("key:0"), ascii("value-0")}), whole.get(0));
        assertEquals("4:ECHO|4:aAb\n|4:it's|", whole.get(46));
        assertEquals("", whole.get(41)); // *0
        assertEquals("", whole.get(42)); // *-1
        assertEquals("4:PING|", whole.get(43));
        assertEquals("", whole.get(44)); // blank inline line
        assertEquals("", whole.get(45)); // lone "\n"
        assertEquals("3:GET|4:\r\n$*|", whole.get(49));
        assertEquals("4:PING|", whole.get(50));

        // One byte at a time.
        List<byte[]> bytes = new ArrayList<>();
        for (byte b : stream) {
            bytes.add(new byte[] {b});
        }
        assertEquals(whole, parseChunks(bytes));

        // Split once at every boundary.
        for (int cut = 1; cut < stream.length; cut += (cut < 2000 ? 1 : 97)) {
            List<String> got = parseChunks(List.of(Arrays.copyOfRange(stream, 0, cut), Arrays.copyOfRange(stream, cut, stream.length)));
            assertEquals(whole, got, "split at " + cut);
        }

        // Random chunks.
        Random rnd = new Random(42);
        for (int round = 0; round < 200; round++) {
            List<byte[]> chunks = new ArrayList<>();
            int at = 0;
            int maxChunk = round % 2 == 0 ? 17 : 9000;
            while (at < stream.length) {
                int n = Math.min(stream.length - at, 1 + rnd.nextInt(maxChunk));
                chunks.add(Arrays.copyOfRange(stream, at, at + n));
                at += n;
            }
            assertEquals(whole, parseChunks(chunks), "round " + round);
        }
    }

    String errorOf(String input) {
        return errorOf(parser(), ascii(input));
    }

    String errorOf(RespParser parser, byte[] input) {
        ByteBuf buf = Unpooled.wrappedBuffer(input);
        ProtocolException e = assertThrows(ProtocolException.class, () -> {
            while (parser.parse(buf) != null) {
                // keep going until the error
            }
        });
        return e.getMessage();
    }

    @Test
    void multibulkCountErrors() {
        assertEquals("Protocol error: invalid multibulk length", errorOf("*abc\r\n"));
        assertEquals("Protocol error: invalid multibulk length", errorOf("*\r\n"));
        assertEquals("Protocol error: invalid multibulk length", errorOf("*-0\r\n"));
        assertEquals("Protocol error: invalid multibulk length", errorOf("*01\r\n"));
        assertEquals("Protocol error: invalid multibulk length", errorOf("*+1\r\n"));
        assertEquals("Protocol error: invalid multibulk length", errorOf("*1 \r\n"));
        assertEquals("Protocol error: invalid multibulk length", errorOf("*2147483648\r\n"));
        assertEquals("Protocol error: invalid multibulk length", errorOf("*9223372036854775808\r\n"));
    }

    @Test
    void nonPositiveCountsAreEmptyRequests() throws ProtocolException {
        assertEquals(List.of("", "4:PING|"), parseAll(ascii("*0\r\n*1\r\n$4\r\nPING\r\n")));
        assertEquals(List.of("", "4:PING|"), parseAll(ascii("*-1\r\nPING\r\n")));
        assertEquals(List.of("", "4:PING|"), parseAll(ascii("*-9223372036854775808\r\nPING\r\n")));
        assertEquals(List.of("", "4:PING|"), parseAll(ascii("*-5\r\nPING\r\n")));
    }

    @Test
    void countLineEndsAtFirstCrAndTheNextByteIsSkipped() throws ProtocolException {
        assertEquals(List.of("4:PING|"), parseAll(ascii("*1\rX$4\r\nPING\r\n")));
    }

    @Test
    void bulkErrors() {
        assertEquals("Protocol error: invalid bulk length", errorOf("*1\r\n$-1\r\n"));
        assertEquals("Protocol error: invalid bulk length", errorOf("*1\r\n$abc\r\n"));
        assertEquals("Protocol error: invalid bulk length", errorOf("*1\r\n$ 4\r\n"));
        assertEquals("Protocol error: invalid bulk length", errorOf("*1\r\n$\r\n"));
        assertEquals("Protocol error: invalid bulk length", errorOf("*1\r\n$536870913\r\n"));
        assertEquals("Protocol error: expected '$', got 'X'", errorOf("*1\r\nX4\r\nPING\r\n"));
        assertEquals("Protocol error: expected '$', got '\r'", errorOf("*1\r\n\r\n"));
        assertEquals("Protocol error: expected '$', got '\u00ff'", errorOf("*1\r\n\u00ff\r\n"));
    }

    @Test
    void protoMaxBulkLenIsConfigurable() throws ProtocolException {
        RespParser p = parser();
        p.setMaxBulkLength(1000);
        assertEquals("Protocol error: invalid bulk length", errorOf(p, ascii("*1\r\n$1001\r\n")));
        RespParser q = parser();
        q.setMaxBulkLength(1000);
        ByteBuf buf = Unpooled.wrappedBuffer(ascii("*1\r\n$1000\r\n"));
        assertNull(q.parse(buf)); // accepted, waiting for the payload
    }

    @Test
    void lengthLinesWithoutCrBeyond64KbAreTooBig() throws ProtocolException {
        assertEquals("Protocol error: too big mbulk count string",
                errorOf(parser(), ascii("*" + "1".repeat(64 * K))));
        // Exactly 64 KB buffered: Redis still waits.
        assertNull(parser().parse(Unpooled.wrappedBuffer(ascii("*" + "1".repeat(64 * K - 1)))));
        assertEquals("Protocol error: too big bulk count string",
                errorOf(parser(), ascii("*1\r\n$" + "1".repeat(70 * K))));
        // A CR within reach makes it a (bad) length instead.
        assertEquals("Protocol error: invalid multibulk length",
                errorOf(parser(), ascii("*" + "0".repeat(70 * K) + "\r\n")));
        assertEquals("Protocol error: too big mbulk count string",
                errorOf(parser(), ascii("*" + "0".repeat(90 * K) + "\r\n")));
        // A NUL hides the CR, as Redis's strchr does.
        assertNull(parser().parse(Unpooled.wrappedBuffer(ascii("*1\u0000\r\n$4\r\nPING\r\n"))));
    }

    @Test
    void inlineLimits() throws ProtocolException {
        assertEquals("Protocol error: too big inline request", errorOf("PING " + "a".repeat(70 * K)));
        // Redis reads 16 KB at a time: a line whose newline is within 64 KB + 16 KB is accepted.
        List<String> got = parseAll(ascii("ECHO " + "a".repeat(79 * K) + "\r\n"));
        assertEquals(1, got.size());
        assertEquals("4:ECHO|" + (79 * K) + ":" + "a".repeat(79 * K) + "|", got.get(0));
        assertEquals("Protocol error: too big inline request", errorOf("ECHO " + "a".repeat(81 * K) + "\r\n"));
        // A NUL hides the newline.
        assertNull(parser().parse(Unpooled.wrappedBuffer(ascii("PING\u0000\nPING\r\n"))));
        assertEquals("Protocol error: too big inline request", errorOf("PING\u0000" + "a".repeat(70 * K) + "\n"));
    }

    @Test
    void inlineQuotes() throws ProtocolException {
        assertEquals("Protocol error: unbalanced quotes in request", errorOf("ECHO \"abc\r\n"));
        assertEquals("Protocol error: unbalanced quotes in request", errorOf("ECHO 'abc\r\n"));
        assertEquals("Protocol error: unbalanced quotes in request", errorOf("ECHO \"abc\"d\r\n"));
        assertEquals(List.of("4:ECHO|3:aAb|"), parseAll(ascii("ECHO \"a\\x41b\"\r\n")));
        assertEquals(List.of("4:PING|", "4:PING|"), parseAll(ascii("PING\nPING\n")));
        assertEquals(List.of("4:ECHO|1:a|1:b|"), parseAll(ascii("ECHO a\rb\r\n")));
    }

    @Test
    void unauthenticatedLimits() throws ProtocolException {
        RespParser p = parser();
        p.setAuthenticated(false);
        assertEquals("Protocol error: unauthenticated multibulk length", errorOf(p, ascii("*11\r\n")));
        RespParser q = parser();
        q.setAuthenticated(false);
        assertEquals("Protocol error: unauthenticated bulk length", errorOf(q, ascii("*1\r\n$16385\r\n")));
        RespParser r = parser();
        r.setAuthenticated(false);
        ByteBuf ok = Unpooled.wrappedBuffer(ascii("*10\r\n$16384\r\n"));
        assertNull(r.parse(ok));
        // Once authenticated the limits are gone.
        RespParser s = parser();
        s.setAuthenticated(false);
        s.setAuthenticated(true);
        assertNull(s.parse(Unpooled.wrappedBuffer(ascii("*11\r\n$16385\r\n"))));
    }

    @Test
    void hugeDeclaredBulkAllocatesOnlyWhatArrives() throws ProtocolException {
        RespParser p = parser();
        p.setMaxBulkLength(4L * 1024 * 1024 * 1024);
        ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(ascii("*2\r\n$3\r\nSET\r\n$2000000000\r\n"));
        assertNull(p.parse(buf));
        for (int i = 0; i < 10; i++) {
            buf.writeBytes(new byte[10 * K]);
            assertNull(p.parse(buf));
            buf.discardReadBytes();
        }
        assertEquals(0, buf.readableBytes()); // moved out of the cumulation as it arrived
        assertEquals(100 * K, p.pendingBytes());
        assertTrue(p.inProgress());
        // A bulk that no Java array can hold is refused up front.
        RespParser q = parser();
        q.setMaxBulkLength(4L * 1024 * 1024 * 1024);
        assertEquals("Protocol error: invalid bulk length", errorOf(q, ascii("*1\r\n$3000000000\r\n")));
    }

    @Test
    void bigBulkCompletesWithItsCrlf() throws ProtocolException {
        String big = "b".repeat(100 * K);
        byte[] stream = multibulk("SET", "k", big);
        // The whole payload but not the trailing CRLF: still waiting.
        RespParser p = parser();
        ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(stream, 0, stream.length - 2);
        assertNull(p.parse(buf));
        buf.writeBytes(stream, stream.length - 2, 2);
        byte[][] argv = p.parse(buf);
        assertEquals(3, argv.length);
        assertArrayEquals(ascii(big), argv[2]);
        assertEquals(0, p.pendingBytes());
    }

    @Test
    void manyArgumentsGrowTheArrayExactly() throws ProtocolException {
        String[] args = new String[3000];
        for (int i = 0; i < args.length; i++) {
            args[i] = "a" + i;
        }
        ByteBuf buf = Unpooled.wrappedBuffer(multibulk(args));
        byte[][] argv = parser().parse(buf);
        assertEquals(3000, argv.length);
        assertEquals("a2999", new String(argv[2999], StandardCharsets.US_ASCII));
    }
}
