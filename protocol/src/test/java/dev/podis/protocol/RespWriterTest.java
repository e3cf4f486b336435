package dev.podis.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Exact bytes of every reply type in RESP3 and in its RESP2 form as Redis downgrades it. */
class RespWriterTest {
    private static String write(int protocol, Consumer<RespWriter> body) {
        ByteBuf buf = Unpooled.buffer(16);
        try {
            RespWriter w = new RespWriter(buf, null);
            w.protocol(protocol);
            body.accept(w);
            return buf.toString(StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    private static void both(String resp2, String resp3, Consumer<RespWriter> body) {
        assertEquals(resp2, write(2, body), "RESP2");
        assertEquals(resp3, write(3, body), "RESP3");
    }

    @Test
    void simpleAndErrors() {
        both("+OK\r\n", "+OK\r\n", RespWriter::ok);
        both("+QUEUED\r\n", "+QUEUED\r\n", w -> w.simple("QUEUED"));
        both("-ERR bad thing\r\n", "-ERR bad thing\r\n", w -> w.error("ERR bad thing"));
        both("-ERR a  b\r\n", "-ERR a  b\r\n", w -> w.error("ERR a\r\nb"));
        // Errors are UTF-8; a protocol error quoting a raw byte sends that byte.
        both("-ERR unknown command 'h\u00c3\u00a9'\r\n", "-ERR unknown command 'h\u00c3\u00a9'\r\n",
                w -> w.error("ERR unknown command 'h\u00e9'"));
        both("-ERR got '\u00ff' ' '\r\n", "-ERR got '\u00ff' ' '\r\n", w -> w.errorLatin1("ERR got '\u00ff' '\r'"));
    }

    @Test
    void errorListenerSeesEveryError() {
        List<String> seen = new ArrayList<>();
        ByteBuf buf = Unpooled.buffer();
        RespWriter w = new RespWriter(buf, seen::add);
        w.error("WRONGTYPE x");
        w.errorLatin1("ERR Protocol error: y");
        assertEquals(List.of("WRONGTYPE x", "ERR Protocol error: y"), seen);
        buf.release();
    }

    @Test
    void integers() {
        both(":0\r\n", ":0\r\n", w -> w.integer(0));
        both(":9999\r\n", ":9999\r\n", w -> w.integer(9999));
        both(":10000\r\n", ":10000\r\n", w -> w.integer(10000));
        both(":-1\r\n", ":-1\r\n", w -> w.integer(-1));
        both(":9223372036854775807\r\n", ":9223372036854775807\r\n", w -> w.integer(Long.MAX_VALUE));
        both(":-9223372036854775808\r\n", ":-9223372036854775808\r\n", w -> w.integer(Long.MIN_VALUE));
    }

    @Test
    void bulks() {
        both("$3\r\nabc\r\n", "$3\r\nabc\r\n", w -> w.bulk("abc".getBytes(StandardCharsets.US_ASCII)));
        both("$0\r\n\r\n", "$0\r\n\r\n", w -> w.bulk(new byte[0]));
        both("$2\r\nbc\r\n", "$2\r\nbc\r\n", w -> w.bulk("abcd".getBytes(StandardCharsets.US_ASCII), 1, 2));
        both("$2\r\n\u00c3\u00a9\r\n", "$2\r\n\u00c3\u00a9\r\n", w -> w.bulk("\u00e9"));
        both("$-1\r\n", "_\r\n", w -> w.bulk((byte[]) null));
        both("$-1\r\n", "_\r\n", w -> w.bulk((String) null));
        both("$1\r\n7\r\n", "$1\r\n7\r\n", w -> w.bulkDecimal(7));
        both("$3\r\n-12\r\n", "$3\r\n-12\r\n", w -> w.bulkDecimal(-12));
        both("$20\r\n-9223372036854775808\r\n", "$20\r\n-9223372036854775808\r\n", w -> w.bulkDecimal(Long.MIN_VALUE));
        both("$5\r\nhello\r\n", "$5\r\nhello\r\n", w -> {
            w.bulkHeader(5);
            w.target().writeBytes("hello".getBytes(StandardCharsets.US_ASCII));
            w.crlf();
        });
    }

    @Test
    void runOfBulksWritesWhatSeparateBulksWrite() {
        // sizes around the run's chunk and the shared headers, with an offset into a larger array
        int[] sizes = {0, 1, 100, 100, RespWriter.RUN_CHUNK - 7, RespWriter.RUN_CHUNK - 6, RespWriter.RUN_CHUNK,
            3, 9999, 10000, 70000, 5, 4000, 4000, 4000};
        ByteBuf plain = Unpooled.buffer(16);
        ByteBuf run = Unpooled.buffer(16);
        RespWriter p = new RespWriter(plain, null);
        RespWriter r = new RespWriter(run, null);
        p.arrayHeader(sizes.length);
        r.arrayHeader(sizes.length);
        r.startRun();
        r.reserve(100);
        int k = 0;
        for (int size : sizes) {
            byte[] src = new byte[size + 3];
            for (int i = 0; i < src.length; i++) {
                src[i] = (byte) (k++ * 31);
            }
            p.bulk(src, 3, size);
            r.runBulk(src, 3, size);
            assertEquals(RespWriter.bulkSize(size), 5 + Integer.toString(size).length() + size);
        }
        r.endRun();
        r.integer(7); // writes after the run go behind it
        p.integer(7);
        assertEquals(plain, run);
        plain.release();
        run.release();
    }

    @Test
    void largeBulkIsWrittenWhole() {
        byte[] big = new byte[300_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        ByteBuf buf = Unpooled.buffer(16);
        RespWriter w = new RespWriter(buf, null);
        w.bulk(big);
        byte[] header = "$300000\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(header.length + big.length + 2, buf.readableBytes());
        byte[] body = new byte[big.length];
        buf.getBytes(header.length, body);
        assertArrayEquals(big, body);
        buf.release();
    }

    @Test
    void nulls() {
        both("$-1\r\n", "_\r\n", RespWriter::nullBulk);
        both("*-1\r\n", "_\r\n", RespWriter::nullArray);
    }

    @Test
    void aggregates() {
        both("*0\r\n", "*0\r\n", w -> w.arrayHeader(0));
        both("*2\r\n", "*2\r\n", w -> w.arrayHeader(2));
        both("*5000\r\n", "*5000\r\n", w -> w.arrayHeader(5000));
        both("*-1\r\n", "*-1\r\n", w -> w.arrayHeader(-1));
        both("*4\r\n", "%2\r\n", w -> w.mapHeader(2));
        both("*0\r\n", "%0\r\n", w -> w.mapHeader(0));
        both("*3\r\n", "~3\r\n", w -> w.setHeader(3));
        both("*3\r\n", ">3\r\n", w -> w.pushHeader(3));
        assertEquals("|1\r\n", write(3, w -> w.attributeHeader(1)));
    }

    @Test
    void booleans() {
        both(":1\r\n", "#t\r\n", w -> w.bool(true));
        both(":0\r\n", "#f\r\n", w -> w.bool(false));
    }

    @Test
    void doubles() {
        both("$3\r\n1.5\r\n", ",1.5\r\n", w -> w.doubleValue(1.5));
        both("$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n", w -> w.doubleValue(0.1));
        both("$3\r\ninf\r\n", ",inf\r\n", w -> w.doubleValue(Double.POSITIVE_INFINITY));
        both("$4\r\n-inf\r\n", ",-inf\r\n", w -> w.doubleValue(Double.NEGATIVE_INFINITY));
        both("$2\r\n-0\r\n", ",-0\r\n", w -> w.doubleValue(-0.0));
        both("$23\r\n1.0000000000000001e+300\r\n",
                ",1.0000000000000001e+300\r\n", w -> w.doubleValue(1e300));
    }

    @Test
    void bigNumbersAndVerbatim() {
        both("$20\r\n12345678901234567890\r\n", "(12345678901234567890\r\n", w -> w.bigNumber("12345678901234567890"));
        both("$3\r\n-12\r\n", "(-12\r\n", w -> w.bigNumber("-12"));
        both("$5\r\nhello\r\n", "=9\r\ntxt:hello\r\n", w -> w.verbatim("txt", "hello"));
        both("$0\r\n\r\n", "=4\r\nmkd:\r\n", w -> w.verbatim("mkd", ""));
    }

    @Test
    void nestedReplyInBothProtocols() {
        Consumer<RespWriter> body = w -> {
            w.mapHeader(2);
            w.bulk("a");
            w.integer(1);
            w.bulk("b");
            w.setHeader(2);
            w.bool(true);
            w.nullBulk();
        };
        both("*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*2\r\n:1\r\n$-1\r\n",
                "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n~2\r\n#t\r\n_\r\n", body);
    }

    @Test
    void rawCopiesEncodedBytes() {
        ByteBuf captured = Unpooled.copiedBuffer("+OK\r\n:1\r\n", StandardCharsets.US_ASCII);
        both("+OK\r\n:1\r\n", "+OK\r\n:1\r\n", w -> w.raw(captured));
        assertEquals(9, captured.readableBytes()); // raw does not consume the source
        captured.release();
    }
}
