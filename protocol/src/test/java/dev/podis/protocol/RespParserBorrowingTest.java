package dev.podis.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of {@link RespParserTest} with borrowed arguments on (what the server's connections
 * use): the same requests and the same errors at every byte boundary. Plus what borrowing itself
 * promises: which requests are borrowed, that their arrays are reused, and that nothing else is.
 */
class RespParserBorrowingTest extends RespParserTest {
    @Override
    RespParser parser() {
        RespParser p = new RespParser();
        p.borrowArguments(true);
        return p;
    }

    @Test
    void smallCompleteRequestsReuseTheirArrays() throws ProtocolException {
        RespParser p = parser();
        ByteBuf in = Unpooled.wrappedBuffer(RespParserTest.ascii(
                "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$3\r\nabc\r\n*3\r\n$3\r\nSET\r\n$5\r\nkey:2\r\n$3\r\nxyz\r\n"
                        + "*3\r\n$3\r\nSET\r\n$6\r\nkey:10\r\n$0\r\n\r\n"));
        byte[][] first = p.parse(in);
        assertTrue(p.borrowed());
        assertEquals("3:SET|5:key:1|3:abc|", RespParserTest.render(first));
        byte[] key1 = first[1];
        byte[][] copy = RespParser.copyOf(first);
        byte[][] second = p.parse(in);
        assertTrue(p.borrowed());
        assertSame(first, second);        // the same vector ...
        assertSame(key1, second[1]);      // ... and the same array where the length is the same
        assertEquals("3:SET|5:key:2|3:xyz|", RespParserTest.render(second));
        assertEquals("3:SET|5:key:1|3:abc|", RespParserTest.render(copy)); // a copy keeps its bytes
        for (int i = 0; i < copy.length; i++) {
            assertNotSame(second[i], copy[i]);
        }
        byte[][] third = p.parse(in);
        assertEquals("3:SET|6:key:10|0:|", RespParserTest.render(third));
        assertNotSame(key1, third[1]);    // another length: a new array
        assertNull(p.parse(in));
        assertFalse(p.borrowed());
    }

    @Test
    void aRequestOfManyShortArgumentsIsBorrowedToo() throws ProtocolException {
        RespParser p = parser();
        StringBuilder one = new StringBuilder("*21\r\n$4\r\nMSET\r\n");
        for (int i = 0; i < 10; i++) {
            one.append("$5\r\nkey:").append(i).append("\r\n$100\r\n").append("v".repeat(99)).append(i).append("\r\n");
        }
        ByteBuf in = Unpooled.wrappedBuffer(RespParserTest.ascii(one.toString() + one));
        byte[][] first = p.parse(in);
        assertTrue(p.borrowed());
        assertEquals(21, first.length);
        assertEquals("key:9", new String(first[19], java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals("v".repeat(99) + "9", new String(first[20], java.nio.charset.StandardCharsets.US_ASCII));
        byte[] value9 = first[20];
        byte[][] second = p.parse(in);
        assertTrue(p.borrowed());
        assertSame(first, second);
        assertSame(value9, second[20]);
        assertFalse(in.isReadable());
    }

    @Test
    void handedOverArgumentsAreNotReused() throws ProtocolException {
        RespParser p = parser();
        ByteBuf in = Unpooled.wrappedBuffer(RespParserTest.ascii(
                "*3\r\n$4\r\nSADD\r\n$5\r\nset:1\r\n$3\r\nabc\r\n*3\r\n$4\r\nSADD\r\n$5\r\nset:2\r\n$3\r\nxyz\r\n"
                        + "*3\r\n$4\r\nSADD\r\n$5\r\nset:3\r\n$3\r\nuvw\r\n"));
        byte[][] first = p.parse(in);
        assertTrue(p.borrowed());
        byte[] name = first[0];
        byte[] key1 = first[1];
        byte[] member1 = first[2];
        p.handOver(1);
        byte[][] second = p.parse(in);
        assertTrue(p.borrowed());
        assertSame(first, second);        // the vector and the name stay borrowed ...
        assertSame(name, second[0]);
        assertNotSame(key1, second[1]);   // ... what was handed over is not reused
        assertNotSame(member1, second[2]);
        assertArrayEquals(RespParserTest.ascii("set:1"), key1);
        assertArrayEquals(RespParserTest.ascii("abc"), member1);
        byte[] key2 = second[1];
        byte[][] third = p.parse(in);     // not handed over this time: reused again
        assertSame(key2, third[1]);
        assertEquals("4:SADD|5:set:3|3:uvw|", RespParserTest.render(third));
    }

    @Test
    void otherRequestsGetFreshArrays() throws ProtocolException {
        List<String> requests = List.of(
                "PING \"x\"\r\n",                                                 // inline with quotes
                "PING 1 2 3 4 5 6 7 8\r\n",                                        // inline, 9 arguments
                "PING " + "k".repeat(1024) + "\r\n",                               // inline, an argument of BORROW_MAX_LENGTH
                "*33\r\n" + "$1\r\na\r\n".repeat(33),                             // more than BORROW_MAX_ARGS
                "*9\r\n" + "$1\r\na\r\n".repeat(8) + "$128\r\n" + "t".repeat(128) + "\r\n", // ninth of BORROW_MAX_TAIL_LENGTH
                "*2\r\n$3\r\nGET\r\n$1024\r\n" + "k".repeat(1024) + "\r\n");      // an argument of BORROW_MAX_LENGTH
        for (String r : requests) {
            RespParser p = parser();
            byte[][] a = p.parse(Unpooled.wrappedBuffer(RespParserTest.ascii(r)));
            assertFalse(p.borrowed(), r);
            byte[][] b = p.parse(Unpooled.wrappedBuffer(RespParserTest.ascii(r)));
            assertNotSame(a, b, r);
            assertNotSame(a[a.length - 1], b[b.length - 1], r);
        }
        // Split over two reads: the incremental parse, fresh arrays.
        RespParser p = parser();
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(RespParserTest.ascii("*2\r\n$3\r\nGET\r\n$3\r\nk"));
        assertNull(p.parse(in));
        in.writeBytes(RespParserTest.ascii("ey\r\n"));
        byte[][] argv = p.parse(in);
        assertFalse(p.borrowed());
        assertEquals("3:GET|3:key|", RespParserTest.render(argv));
        // Before authentication nothing is borrowed (the tighter limits are the incremental parse's).
        RespParser q = parser();
        q.setAuthenticated(false);
        q.parse(Unpooled.wrappedBuffer(RespParserTest.multibulk("AUTH", "pw")));
        assertFalse(q.borrowed());
    }

    /**
     * Back-to-back requests in one buffer of sizes up to and across the bytes read from a heap copy
     * ({@link RespParser#WINDOW}, copied a part at a time): each comes out borrowed and as the fresh
     * parse reads it, and the last, incomplete one waits for its bytes.
     */
    @Test
    void requestsAroundTheWindowParseAsFreshOnes() throws ProtocolException {
        ByteBuf in = Unpooled.buffer();
        List<byte[]> requests = new ArrayList<>();
        for (int len = 0; len <= RespParser.WINDOW; len += len < 120 || len > RespParser.WINDOW - 40 ? 1 : 37) {
            byte[] r = RespParserTest.multibulk("SET", "k", "v".repeat(len)); // from 26 bytes to past the window
            requests.add(r);
            in.writeBytes(r);
        }
        byte[] last = requests.get(3);
        in.writeBytes(last, 0, last.length - 1);
        RespParser borrowing = parser();
        RespParser fresh = new RespParser();
        for (byte[] request : requests) {
            byte[][] a = borrowing.parse(in);
            assertTrue(borrowing.borrowed());
            byte[][] b = fresh.parse(Unpooled.wrappedBuffer(request));
            assertEquals(RespParserTest.render(b), RespParserTest.render(a));
        }
        assertNull(borrowing.parse(in));
        in.writeBytes(last, last.length - 1, 1);
        assertEquals(RespParserTest.render(fresh.parse(Unpooled.wrappedBuffer(last))), RespParserTest.render(borrowing.parse(in)));
        assertFalse(in.isReadable());
    }

    @Test
    void borrowedAndFreshParsesAgreeOnEveryArgumentLength() throws ProtocolException {
        List<byte[]> stream = new ArrayList<>();
        for (int len = 0; len <= RespParser.BORROW_MAX_LENGTH + 2; len += (len < 20 ? 1 : 61)) {
            stream.add(RespParserTest.multibulk("SET", "k" + len, "v".repeat(len)));
        }
        RespParser borrowing = parser();
        RespParser fresh = new RespParser();
        for (byte[] request : stream) {
            byte[][] a = borrowing.parse(Unpooled.wrappedBuffer(request));
            byte[][] b = fresh.parse(Unpooled.wrappedBuffer(request));
            assertEquals(a.length, b.length);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(b[i], a[i]);
            }
        }
    }

    @Test
    void inlineLinesWithoutQuotesAreLentToo() throws ProtocolException {
        RespParser p = parser();
        ByteBuf in = Unpooled.wrappedBuffer(RespParserTest.ascii("GET key:1\r\nGET key:2\nGET  \t key:10 \r\n \r\nPING\r\n"));
        byte[][] first = p.parse(in);
        assertTrue(p.borrowed());
        assertEquals("3:GET|5:key:1|", RespParserTest.render(first));
        byte[] key1 = first[1];
        byte[][] second = p.parse(in);
        assertTrue(p.borrowed());
        assertSame(first, second);
        assertSame(key1, second[1]);
        assertEquals("3:GET|5:key:2|", RespParserTest.render(second));
        byte[][] third = p.parse(in);
        assertEquals("3:GET|6:key:10|", RespParserTest.render(third));
        assertNotSame(key1, third[1]);
        assertEquals(0, p.parse(in).length); // a blank line: an empty request, nothing lent
        assertFalse(p.borrowed());
        byte[][] ping = p.parse(in);
        assertTrue(p.borrowed());
        assertEquals("4:PING|", RespParserTest.render(ping));
        // the same vector as a multibulk request of one argument gets
        assertSame(ping, p.parse(Unpooled.wrappedBuffer(RespParserTest.multibulk("ECHO"))));
        assertNull(p.parse(in));
    }

    /**
     * Random inline lines (spaces, tabs, CR, vertical tabs, form feeds, quotes, backslashes,
     * escapes, long and many arguments) parsed by a lending parser and by a plain one, whose
     * inline commands all go through {@link InlineSplitter} (Redis's sdssplitargs): the same
     * arguments or the same error, request by request.
     */
    @Test
    void lentInlineSplitAgreesWithTheSplitter() {
        String[] pieces = {"a", "bc", "GET", "key:1", " ", "  ", "\t", "\r", "\u000b", "\f", "\"", "'", "\\",
                "\\x41", "\\n", "x".repeat(1023), "y".repeat(1024), "1 2 3 4 5 6 7 8 9"};
        java.util.Random rnd = new java.util.Random(7);
        for (int round = 0; round < 20000; round++) {
            StringBuilder line = new StringBuilder();
            int n = rnd.nextInt(8);
            for (int i = 0; i < n; i++) {
                String piece = pieces[rnd.nextInt(pieces.length)];
                // the long pieces only now and then
                line.append(piece.length() > 20 && rnd.nextInt(8) != 0 ? "z" : piece);
            }
            String request = line + (rnd.nextBoolean() ? "\r\n" : "\n");
            assertEquals(outcome(new RespParser(), request), outcome(parser(), request), request);
        }
    }

    private static String outcome(RespParser p, String request) {
        try {
            ByteBuf in = Unpooled.wrappedBuffer(RespParserTest.ascii(request + "PING\r\n"));
            byte[][] argv = p.parse(in);
            String first = RespParserTest.render(argv);
            return first + " then " + RespParserTest.render(p.parse(in)); // and it consumed exactly its line
        } catch (ProtocolException e) {
            return "error: " + e.getMessage();
        }
    }
}
