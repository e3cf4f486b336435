package dev.podis.server.commands;

import dev.podis.server.Client;
import dev.podis.server.ServerContext;
import dev.podis.server.TestServer;
import dev.podis.storage.Database;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Helpers for the string and bitmap tests: commands sent through Jedis with binary-safe
 * arguments (ISO-8859-1, so "\u00ff" is the byte 0xff), replies normalized to String / Long /
 * List / null, error checks, and direct looks at the keyspace on the server's command thread
 * (for expiry times, and to plant values of other types than string).
 */
final class StringsTestSupport {
    private final TestServer server;
    private final Jedis jedis;

    StringsTestSupport(TestServer server, Jedis jedis) {
        this.server = server;
        this.jedis = jedis;
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends a command; the reply normalized: bulk and status as String, integers as Long, arrays as List. */
    Object call(String... args) {
        byte[][] rest = new byte[args.length - 1][];
        for (int i = 1; i < args.length; i++) {
            rest[i - 1] = b(args[i]);
        }
        byte[] name = b(args[0]);
        return normalize(jedis.sendCommand(() -> name, rest));
    }

    static Object normalize(Object o) {
        if (o instanceof byte[]) {
            return new String((byte[]) o, StandardCharsets.ISO_8859_1);
        }
        if (o instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object e : (List<?>) o) {
                out.add(normalize(e));
            }
            return out;
        }
        return o;
    }

    void expect(Object expected, String... args) {
        assertEquals(expected, call(args), () -> String.join(" ", args));
    }

    void expectError(String expected, String... args) {
        JedisDataException e = assertThrows(JedisDataException.class, () -> call(args), () -> String.join(" ", args));
        assertEquals(expected, e.getMessage(), () -> String.join(" ", args));
    }

    ServerContext context() {
        return server.server().context();
    }

    <T> T onLoop(Callable<T> task) {
        try {
            return context().commandLoop().submit(task).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Database db() {
        return context().keyspace().db(0);
    }

    /** Absolute expiry of a key in ms, -1 without one, -2 if missing. */
    long expireAt(String key) {
        return onLoop(() -> db().expireAt(b(key)));
    }

    boolean exists(String key) {
        return onLoop(() -> db().exists(b(key)));
    }

    /** Stores a value of another type than string under {@code key}. */
    void plantList(String key) {
        onLoop(() -> {
            db().put(b(key), StoredValue.object(ValueType.LIST, new ArrayList<>(), StoredValue.NO_EXPIRY));
            return null;
        });
    }

    void flushAll() {
        onLoop(() -> {
            context().keyspace().flushAll();
            return null;
        });
    }

    long now() {
        return context().keyspace().now();
    }

    /** A raw connection that reads whole replies as RESP text, optionally switched to RESP3. */
    static final class Raw implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Raw(StringsTestSupport support, boolean resp3) throws IOException {
            socket = new Socket("127.0.0.1", support.server.port());
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream());
            assertEquals("+PONG\r\n", send("PING"));
            if (resp3) {
                // Switch this connection's protocol directly (HELLO belongs to another family).
                support.onLoop(() -> {
                    Client newest = null;
                    for (Client c : support.context().clients().values()) {
                        if (newest == null || c.id() > newest.id()) {
                            newest = c;
                        }
                    }
                    newest.protocol(3);
                    return null;
                });
            }
        }

        String send(String... args) throws IOException {
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.write(b("*" + args.length + "\r\n"));
            for (String a : args) {
                byte[] bytes = b(a);
                req.write(b("$" + bytes.length + "\r\n"));
                req.write(bytes);
                req.write(b("\r\n"));
            }
            out.write(req.toByteArray());
            out.flush();
            StringBuilder sb = new StringBuilder();
            readReply(sb);
            return sb.toString();
        }

        private void readReply(StringBuilder sb) throws IOException {
            String line = readLine();
            sb.append(line).append("\r\n");
            char type = line.charAt(0);
            if (type == '$' || type == '=') {
                int n = Integer.parseInt(line.substring(1));
                if (n >= 0) {
                    byte[] data = in.readNBytes(n + 2);
                    sb.append(new String(data, StandardCharsets.ISO_8859_1));
                }
            } else if (type == '*' || type == '%' || type == '~' || type == '>') {
                int n = Integer.parseInt(line.substring(1));
                int items = type == '%' ? n * 2 : n;
                for (int i = 0; i < items; i++) {
                    readReply(sb);
                }
            }
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                line.write(c);
            }
            byte[] bytes = line.toByteArray();
            return new String(Arrays.copyOf(bytes, bytes.length - 1), StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
