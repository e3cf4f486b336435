package dev.podis.server.net;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wire protocol over a raw socket: pipelining, Redis's protocol error texts and closing,
 * limits, and backpressure. Expected texts are those of a real Redis 7.0 for the same bytes.
 */
class ProtocolTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static byte[] command(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return ascii(sb.toString());
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Reads exactly n bytes. */
    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] out = in.readNBytes(n);
        assertEquals(n, out.length, "connection ended early: " + text(out));
        return out;
    }

    /** Everything until the server closes the connection (a reset after the data counts as a close). */
    private static byte[] readToEnd(Socket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection; got " + text(out.toByteArray()));
        } catch (IOException reset) {
            // closed by a reset
        }
        return out.toByteArray();
    }

    /** Sends {@code input} on a new connection and returns all the server sends before it closes. */
    private static String exchangeUntilClose(int port, byte[] input) throws IOException {
        try (Socket s = connect(port)) {
            s.getOutputStream().write(input);
            s.getOutputStream().flush();
            return text(readToEnd(s));
        }
    }

    @Test
    void tenThousandPipelinedCommandsInOneWriteGetRepliesInOrder() throws IOException {
        ByteArrayOutputStream requests = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 5000; i++) {
            requests.writeBytes(command("SET", "pipe:" + i, "value-" + i));
            expected.writeBytes(ascii("+OK\r\n"));
            requests.writeBytes(command("GET", "pipe:" + i));
            String v = "value-" + i;
            expected.writeBytes(ascii("$" + v.length() + "\r\n" + v + "\r\n"));
        }
        try (Socket s = connect(server.port())) {
            s.getOutputStream().write(requests.toByteArray());
            s.getOutputStream().flush();
            byte[] got = readExactly(s.getInputStream(), expected.size());
            assertArrayEquals(expected.toByteArray(), got);
            // The connection is still fine afterwards.
            s.getOutputStream().write(ascii("PING\r\n"));
            assertEquals("+PONG\r\n", text(readExactly(s.getInputStream(), 7)));
        }
    }

    @Test
    void inlineCommands() throws IOException {
        try (Socket s = connect(server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(ascii("PING\r\n"));
            assertEquals("+PONG\r\n", text(readExactly(s.getInputStream(), 7)));
            out.write(ascii("PING\n\r\n\nECHO \"a\\x41 b\" 'c\\'d'\r\n"));
            // blank lines are skipped; ECHO with two arguments is an arity error, as in Redis
            String arity = "-ERR wrong number of arguments for 'echo' command\r\n";
            assertEquals("+PONG\r\n" + arity, text(readExactly(s.getInputStream(), 7 + arity.length())));
            out.write(ascii("ECHO \"a\\x41 b\"\r\n"));
            assertEquals("$4\r\naA b\r\n", text(readExactly(s.getInputStream(), 10)));
            out.write(ascii("*0\r\n*-1\r\nPING\r\n"));
            assertEquals("+PONG\r\n", text(readExactly(s.getInputStream(), 7)));
        }
    }

    @Test
    void protocolErrorsReplyRedisTextAndClose() throws IOException {
        int port = server.port();
        String k64 = "1".repeat(64 * 1024);
        assertEquals("-ERR Protocol error: invalid multibulk length\r\n", exchangeUntilClose(port, ascii("*abc\r\n")));
        assertEquals("-ERR Protocol error: invalid multibulk length\r\n", exchangeUntilClose(port, ascii("*-0\r\n")));
        assertEquals("-ERR Protocol error: invalid bulk length\r\n", exchangeUntilClose(port, ascii("*1\r\n$-1\r\n")));
        assertEquals("-ERR Protocol error: invalid bulk length\r\n", exchangeUntilClose(port, ascii("*1\r\n$536870913\r\n")));
        assertEquals("-ERR Protocol error: expected '$', got 'X'\r\n", exchangeUntilClose(port, ascii("*1\r\nX4\r\nPING\r\n")));
        assertEquals("-ERR Protocol error: expected '$', got ' '\r\n", exchangeUntilClose(port, ascii("*1\r\n\r\n")));
        assertEquals("-ERR Protocol error: expected '$', got '\u00ff'\r\n", exchangeUntilClose(port, ascii("*1\r\n\u00ff\r\n")));
        assertEquals("-ERR Protocol error: unbalanced quotes in request\r\n", exchangeUntilClose(port, ascii("ECHO \"abc\r\n")));
        assertEquals("-ERR Protocol error: unbalanced quotes in request\r\n", exchangeUntilClose(port, ascii("ECHO \"a\"b\r\n")));
        assertEquals("-ERR Protocol error: too big mbulk count string\r\n", exchangeUntilClose(port, ascii("*" + k64)));
        assertEquals("-ERR Protocol error: too big bulk count string\r\n", exchangeUntilClose(port, ascii("*1\r\n$" + k64)));
        assertEquals("-ERR Protocol error: too big inline request\r\n", exchangeUntilClose(port, ascii("P" + k64)));
        // Replies to the requests before the bad one come first.
        assertEquals("+PONG\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
                exchangeUntilClose(port, ascii("PING\r\n*1\r\n$4\r\nPING\r\n*x\r\nPING\r\n")));
    }

    @Test
    void countLineOf64KbWithoutCrStillWaits() throws IOException {
        try (Socket s = connect(server.port())) {
            s.getOutputStream().write(ascii("*" + "1".repeat(64 * 1024 - 1)));
            s.setSoTimeout(300);
            try {
                int b = s.getInputStream().read();
                throw new AssertionError("expected no reply, got " + b);
            } catch (SocketTimeoutException expected) {
                // Redis also waits: exactly 64 KB are buffered
            }
        }
    }

    @Test
    void preAuthenticationLimits() throws IOException {
        try (TestServer secured = TestServer.start(Map.of("requirepass", "secret"))) {
            int port = secured.port();
            assertEquals("-ERR Protocol error: unauthenticated multibulk length\r\n", exchangeUntilClose(port, ascii("*11\r\n")));
            assertEquals("-ERR Protocol error: unauthenticated bulk length\r\n", exchangeUntilClose(port, ascii("*1\r\n$16385\r\n")));
            try (Socket s = connect(port)) {
                // Within the limits: an ordinary NOAUTH, the connection stays open.
                s.getOutputStream().write(ascii("*10\r\n$3\r\nSET\r\n" + "$1\r\na\r\n".repeat(9)));
                s.getOutputStream().write(command("ECHO", "x".repeat(16384)));
                String noauth = "-NOAUTH Authentication required.\r\n";
                assertEquals(noauth + noauth, text(readExactly(s.getInputStream(), noauth.length() * 2)));
            }
        }
    }

    @Test
    void hugeDeclaredBulkDoesNotAllocateAndTheClientCanLeave() throws Exception {
        try (TestServer big = TestServer.start(Map.of("proto-max-bulk-len", "2gb"))) {
            Runtime rt = Runtime.getRuntime();
            System.gc();
            long before = rt.totalMemory() - rt.freeMemory();
            try (Socket s = connect(big.port())) {
                OutputStream out = s.getOutputStream();
                out.write(ascii("*3\r\n$3\r\nSET\r\n$4\r\nhuge\r\n$2000000000\r\n"));
                out.write(new byte[1024 * 1024]); // some of it, never the rest
                out.flush();
                // The server is not stuck: another client is served meanwhile.
                try (Socket other = connect(big.port())) {
                    other.getOutputStream().write(ascii("PING\r\n"));
                    assertEquals("+PONG\r\n", text(readExactly(other.getInputStream(), 7)));
                }
                System.gc();
                long during = rt.totalMemory() - rt.freeMemory();
                assertTrue(during - before < 256L * 1024 * 1024,
                        "heap grew by " + (during - before) + " bytes for a 2 GB declared bulk");
            }
            // The client left; the server still works and did not store anything.
            try (Socket s = connect(big.port())) {
                s.getOutputStream().write(command("GET", "huge"));
                assertEquals("$-1\r\n", text(readExactly(s.getInputStream(), 5)));
            }
        }
    }

    @Test
    void queryBufferLimitClosesWithoutReply() throws IOException {
        try (TestServer limited = TestServer.start(Map.of("client-query-buffer-limit", "1mb"))) {
            int port = limited.port();
            try (Socket s = connect(port)) {
                OutputStream out = s.getOutputStream();
                byte[] got;
                try {
                    out.write(ascii("PING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n"));
                    out.write(new byte[1536 * 1024]);
                    out.flush();
                } catch (IOException closedWhileWriting) {
                    // fine: the server closed it
                }
                got = readToEnd(s);
                // At most the PONG of the request before; never a reply for the oversized one.
                assertTrue(text(got).equals("") || text(got).equals("+PONG\r\n"), "got " + text(got));
            }
            // Many small pipelined commands beyond the limit in total are fine: only unparsed bytes count.
            ByteArrayOutputStream requests = new ByteArrayOutputStream();
            int n = 0;
            while (requests.size() < 2 * 1024 * 1024) {
                requests.writeBytes(command("SET", "small", "v" + n++));
            }
            try (Socket s = connect(port)) {
                s.getOutputStream().write(requests.toByteArray());
                byte[] replies = readExactly(s.getInputStream(), 5 * n);
                assertEquals("+OK\r\n".repeat(n), text(replies));
                s.getOutputStream().write(command("GET", "k"));
                assertEquals("$-1\r\n", text(readExactly(s.getInputStream(), 5)));
            }
        }
    }

    @Test
    void clientThatDoesNotReadStopsExecutionAndResumesWhenItReads() throws Exception {
        try (TestServer bp = TestServer.start()) {
            int valueSize = 256 * 1024;
            String value = "v".repeat(valueSize);
            try (Socket s = connect(bp.port())) {
                s.getOutputStream().write(command("SET", "big", value));
                assertEquals("+OK\r\n", text(readExactly(s.getInputStream(), 5)));
            }
            int gets = 2000; // 500 MB of replies if the server buffered them all
            byte[] get = command("GET", "big");
            byte[] pipeline = new byte[get.length * gets];
            for (int i = 0; i < gets; i++) {
                System.arraycopy(get, 0, pipeline, i * get.length, get.length);
            }
            try (Socket s = connect(bp.port())) {
                s.getOutputStream().write(pipeline);
                s.getOutputStream().flush();
                // Wait until the server stops executing (it is waiting for this client to read).
                long processed = -1;
                for (int i = 0; i < 50; i++) {
                    Thread.sleep(100);
                    long now = bp.server().context().stats().totalCommandsProcessed;
                    if (now == processed) {
                        break;
                    }
                    processed = now;
                }
                assertTrue(processed < gets / 4, "executed " + processed + " of " + gets + " GETs for a client that reads nothing");
                // Now read everything: execution resumes and every reply arrives, in order.
                byte[] header = ascii("$" + valueSize + "\r\n");
                InputStream in = s.getInputStream();
                for (int i = 0; i < gets; i++) {
                    byte[] reply = readExactly(in, header.length + valueSize + 2);
                    assertArrayEquals(header, Arrays.copyOf(reply, header.length), "reply " + i);
                }
                s.getOutputStream().write(ascii("PING\r\n"));
                assertEquals("+PONG\r\n", text(readExactly(in, 7)));
            }
        }
    }

    @Test
    void clientThatWritesWholePipelineBeforeReadingIsNotDeadlocked() {
        // Jedis writes a whole pipeline before it reads any reply: 80 MB of replies to 20k GETs
        // must still all arrive although execution pauses while they are not read.
        String value = "x".repeat(4096);
        try (redis.clients.jedis.Jedis j = server.jedis()) {
            j.set("pipe-big", value);
            redis.clients.jedis.Pipeline p = j.pipelined();
            java.util.List<redis.clients.jedis.Response<String>> got = new java.util.ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                got.add(p.get("pipe-big"));
            }
            p.sync();
            for (redis.clients.jedis.Response<String> r : got) {
                assertEquals(value, r.get());
            }
        }
    }
}
