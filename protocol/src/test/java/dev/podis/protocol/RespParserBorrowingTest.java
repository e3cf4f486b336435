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
                "PING x\r\n",                                                     // inline
                "*9\r\n" + "$1\r\na\r\n".repeat(9),                               // more than BORROW_MAX_ARGS
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
}
