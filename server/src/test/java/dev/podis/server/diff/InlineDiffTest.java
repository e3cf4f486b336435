package dev.podis.server.diff;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Inline commands against a real {@code redis-server}: the same bytes sent to both, the same
 * bytes back. The lines cover how Redis splits them (blanks, tabs, CR inside a line, vertical tabs
 * and form feeds, quotes and escapes, many and long arguments, blank lines) and the commands that
 * run on the parser's lent arrays (PING, GET, SET, the counters) next to those that keep theirs,
 * pipelined so that one request's arrays are reused by the next.
 */
class InlineDiffTest {
    private static final String END = "ECHO __end__\r\n";
    private static final String END_REPLY = "$7\r\n__end__\r\n";

    private static RedisProcess redis;
    private static TestServer podis;

    @BeforeAll
    static void start() throws Exception {
        Path exe = RedisProcess.findExecutable();
        if (exe == null) {
            Assumptions.abort("redis-server is not on the PATH");
        }
        redis = RedisProcess.start(exe);
        podis = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
        if (podis != null) {
            podis.close();
        }
    }

    @Test
    void inlineCommandsAnswerAsRedis() throws IOException {
        String x1023 = "x".repeat(1023);
        String x1024 = "x".repeat(1024);
        List<String> cases = new ArrayList<>(List.of(
                "PING\r\nping\r\nPING hello\r\n  PING  \r\n\tPING\t\r\nPING\r\r\n",
                "PING\nPING\nPING\n",
                "\r\n   \r\n\t\r\nPING\r\n",
                "PING a b\r\n",
                "RPUSH l a\rb\r\nLRANGE l 0 -1\r\n",
                "RPUSH l a\u000bb \u000bc \fd e\f\r\nLRANGE l 0 -1\r\n",
                "ping\u000bx\r\n",
                "RPUSH l \"a b\" 'c d' \"\\x41\\n\\t\" 'it\\'s' a\"b c\"\r\nLRANGE l 0 -1\r\n",
                "RPUSH l \"\\x4\" \"\\q\" '\\n'\r\nLRANGE l 0 -1\r\n",
                "RPUSH l 1 2 3 4 5 6\r\nRPUSH l 1 2 3 4 5 6 7\r\nLRANGE l 0 -1\r\n",
                "RPUSH l " + x1023 + "\r\nRPUSH l " + x1024 + "\r\nLRANGE l 0 -1\r\n",
                "SET k1 v1\r\nSET k2 v2\r\nGET k1\r\nGET k2\r\nGET k3\r\nSET k1\r\nGET\r\n",
                "SET k1 v1 EX 100\r\nTTL k1\r\nSET k1 other\r\nTTL k1\r\nGET k1\r\n",
                "INCR c1\r\nINCR c2\r\nINCR c1\r\nINCR c2\r\nINCR c1\r\nDECR c2\r\nINCRBY c1 10\r\nDECRBY c2 -5\r\n"
                        + "GET c1\r\nGET c2\r\nINCRBY c1 x\r\nINCR c1 c2\r\nDECRBY c1 9223372036854775807\r\n"
                        + "DECRBY c1 9223372036854775807\r\nSET s abc\r\nINCR s\r\nRPUSH l a\r\nINCR l\r\n",
                "INCR \"c 1\"\r\nINCR 'c 1'\r\nGET \"c 1\"\r\n",
                "NOSUCH a b\r\n",
                "ECHO \"abc\r\n",
                "ECHO 'abc\r\n",
                "ECHO \"abc\"d\r\n"));
        for (String c : cases) {
            String request = "DEL l k1 k2 k3 c1 c2 s \"c 1\"\r\n" + c + END;
            assertEquals(exchange(redis.port(), request), exchange(podis.port(), request), Escapes.readable(request.getBytes(StandardCharsets.ISO_8859_1)));
        }
    }

    /** Sends {@code request} on a new connection; what comes back until the end marker's reply or the close. */
    private static String exchange(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException reset) {
                    break; // a reset after a protocol error's reply: the close
                }
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                if (out.toString(StandardCharsets.ISO_8859_1).endsWith(END_REPLY)) {
                    break;
                }
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
