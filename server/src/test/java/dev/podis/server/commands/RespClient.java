package dev.podis.server.commands;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A raw RESP2/RESP3 client for tests that check replies byte for byte: sends commands and reads
 * exactly one reply, keeping its raw bytes.
 */
final class RespClient implements AutoCloseable {
    /** An error reply. */
    record Err(String text) {
    }

    /** A simple-string (status) reply, kept apart from bulk strings. */
    record Status(String text) {
    }

    /** A RESP3 verbatim string. */
    record Verbatim(String format, String text) {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private ByteArrayOutputStream capture;

    RespClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    void send(String... args) throws IOException {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            b[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        send(b);
    }

    void send(byte[]... args) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            o.write(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            o.write(a);
            o.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(o.toByteArray());
        out.flush();
    }

    Object call(String... args) throws IOException {
        send(args);
        return read();
    }

    /** Sends a command and returns its reply's raw bytes. */
    byte[] raw(String... args) throws IOException {
        send(args);
        return readRaw();
    }

    byte[] readRaw() throws IOException {
        capture = new ByteArrayOutputStream();
        try {
            read();
            return capture.toByteArray();
        } finally {
            capture = null;
        }
    }

    Object read() throws IOException {
        String line = line();
        char t = line.charAt(0);
        String rest = line.substring(1);
        switch (t) {
            case '+':
                return new Status(rest);
            case '-':
                return new Err(rest);
            case ':':
                return Long.parseLong(rest);
            case '_':
                return null;
            case ',':
                return Double.parseDouble(rest);
            case '#':
                return rest.equals("t");
            case '$': {
                int n = Integer.parseInt(rest);
                if (n < 0) {
                    return null;
                }
                return new String(bytes(n), StandardCharsets.UTF_8);
            }
            case '=': {
                String s = new String(bytes(Integer.parseInt(rest)), StandardCharsets.UTF_8);
                return new Verbatim(s.substring(0, 3), s.substring(4));
            }
            case '*':
            case '~':
            case '>': {
                int n = Integer.parseInt(rest);
                if (n < 0) {
                    return null;
                }
                List<Object> l = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    l.add(read());
                }
                return l;
            }
            case '%': {
                int n = Integer.parseInt(rest);
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    Object k = read();
                    m.put(k, read());
                }
                return m;
            }
            default:
                throw new IOException("unexpected reply type: " + line);
        }
    }

    private byte[] bytes(int n) throws IOException {
        byte[] b = in.readNBytes(n + 2);
        if (b.length != n + 2) {
            throw new IOException("connection closed");
        }
        if (capture != null) {
            capture.write(b);
        }
        byte[] v = new byte[n];
        System.arraycopy(b, 0, v, 0, n);
        return v;
    }

    /** Reads one CRLF-terminated line (without the CRLF); throws at end of stream. */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (capture != null) {
                capture.write(c);
            }
            if (prev == '\r' && c == '\n') {
                byte[] all = b.toByteArray();
                return new String(all, 0, all.length - 1, StandardCharsets.UTF_8);
            }
            b.write(c);
            prev = c;
        }
    }

    /** -1 when the server closed the connection. */
    int readByte() throws IOException {
        return in.read();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
