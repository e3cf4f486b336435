package dev.podis.server.commands;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A plain socket speaking RESP, for byte-exact reply checks (RESP2 and RESP3). */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    /** Sends one command as a RESP multibulk request. */
    RawClient send(String... args) throws IOException {
        out.write(encode(args));
        out.flush();
        return this;
    }

    /** Sends raw bytes (several pipelined requests, inline commands). */
    RawClient sendRaw(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    static byte[] encode(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Sends a command and returns its whole reply, byte for byte. */
    String call(String... args) throws IOException {
        send(args);
        return readReply();
    }

    /** Reads exactly one complete reply (any RESP2/RESP3 type) and returns its raw text. */
    String readReply() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        readValue(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** Reads one reply with a short timeout; null if none arrives in {@code millis}. */
    String readReplyWithin(int millis) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            return readReply();
        } catch (SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(old);
        }
    }

    /** True if the server closed the connection (read sees end of stream) within {@code millis}. */
    boolean closedWithin(int millis) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset
        } finally {
            socket.setSoTimeout(old);
        }
    }

    private void readValue(ByteArrayOutputStream buf) throws IOException {
        String line = readLine(buf);
        char type = line.charAt(0);
        switch (type) {
            case '+': case '-': case ':': case '_': case ',': case '#': case '(':
                return;
            case '$': case '=': case '!': {
                int len = Integer.parseInt(line.substring(1));
                if (len < 0) {
                    return;
                }
                for (int i = 0; i < len + 2; i++) {
                    buf.write(readByte());
                }
                return;
            }
            case '*': case '~': case '>': {
                int n = Integer.parseInt(line.substring(1));
                for (int i = 0; i < n; i++) {
                    readValue(buf);
                }
                return;
            }
            case '%': case '|': {
                int n = Integer.parseInt(line.substring(1));
                for (int i = 0; i < 2 * n; i++) {
                    readValue(buf);
                }
                if (type == '|') {
                    readValue(buf); // the value the attribute describes
                }
                return;
            }
            default:
                throw new IOException("bad reply type: " + line);
        }
    }

    private String readLine(ByteArrayOutputStream buf) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = readByte();
            buf.write(b);
            if (b == '\r') {
                int n = readByte();
                buf.write(n);
                return sb.toString();
            }
            sb.append((char) b);
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("connection closed");
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
