package dev.podis.server.diff;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads exactly one complete RESP2/RESP3 reply from a socket and keeps its raw bytes, so that
 * replies can be compared byte for byte. Understands every type a server sends: simple string,
 * error, integer, bulk string (and null bulk), array (and null array), null, boolean, double,
 * big number, blob error, verbatim string, map, set, push and attributes (an attribute is read
 * together with the element it annotates). The whole reply must arrive before a deadline.
 */
final class ReplyReader {
    /** Thrown when no complete reply arrived in time; the bytes seen so far are kept. */
    static final class TimeoutException extends IOException {
        final byte[] partial;

        TimeoutException(String message, byte[] partial) {
            super(message);
            this.partial = partial;
        }
    }

    private static final int MAX_REPLY = 64 * 1024 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int limit;
    private ByteArrayOutputStream reply;
    private long deadline;

    ReplyReader(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** Reads one reply, waiting at most {@code timeoutMillis} for all of it. */
    Reply read(long timeoutMillis) throws IOException {
        reply = new ByteArrayOutputStream();
        deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        Reply.Node root = element();
        return new Reply(reply.toByteArray(), root);
    }

    private Reply.Node element() throws IOException {
        int type = next();
        String line = line();
        switch (type) {
            case '+', '-', ':', '_', ',', '#', '(' -> {
                return leaf((char) type);
            }
            case '$', '!', '=' -> {
                long len = parseLength(type, line);
                if (len >= 0) {
                    skip(len);
                    expectCrlf();
                }
                return leaf((char) type);
            }
            case '*', '~', '>', '%' -> {
                long len = parseLength(type, line);
                List<Reply.Node> children = new ArrayList<>();
                long count = type == '%' ? len * 2 : len;
                for (long i = 0; i < count; i++) {
                    children.add(element());
                }
                return new Reply.Node((char) type, children, null);
            }
            case '|' -> {
                long len = parseLength(type, line);
                List<Reply.Node> children = new ArrayList<>();
                for (long i = 0; i < len * 2; i++) {
                    children.add(element());
                }
                return new Reply.Node('|', children, element());
            }
            default -> throw new IOException("not a RESP reply: type byte " + Escapes.readable(new byte[]{(byte) type})
                    + " after " + Escapes.readable(reply.toByteArray()));
        }
    }

    private static Reply.Node leaf(char type) {
        return new Reply.Node(type, List.of(), null);
    }

    private long parseLength(int type, String line) throws IOException {
        try {
            long len = Long.parseLong(line);
            if (len < -1 || len > MAX_REPLY) {
                throw new NumberFormatException();
            }
            return len;
        } catch (NumberFormatException e) {
            throw new IOException("bad length after '" + (char) type + "': " + line);
        }
    }

    /** The rest of the current line (without CRLF); it is recorded in the reply bytes. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = next();
            if (b == '\r') {
                int n = next();
                if (n != '\n') {
                    throw new IOException("CR not followed by LF in " + Escapes.readable(reply.toByteArray()));
                }
                return sb.toString();
            }
            if (sb.length() > MAX_REPLY) {
                throw new IOException("line too long");
            }
            sb.append((char) b);
        }
    }

    private void expectCrlf() throws IOException {
        if (next() != '\r' || next() != '\n') {
            throw new IOException("bulk payload not followed by CRLF in " + Escapes.readable(reply.toByteArray()));
        }
    }

    private void skip(long len) throws IOException {
        while (len > 0) {
            if (pos == limit) {
                fill();
            }
            int n = (int) Math.min(len, limit - pos);
            record(n);
            len -= n;
        }
    }

    private int next() throws IOException {
        if (pos == limit) {
            fill();
        }
        int b = buf[pos] & 0xff;
        record(1);
        return b;
    }

    private void record(int n) throws IOException {
        if (reply.size() + n > MAX_REPLY) {
            throw new IOException("reply larger than " + MAX_REPLY + " bytes");
        }
        reply.write(buf, pos, n);
        pos += n;
    }

    private void fill() throws IOException {
        long remaining = (deadline - System.nanoTime()) / 1_000_000L;
        if (remaining <= 0) {
            throw timeout();
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remaining));
        int n;
        try {
            n = in.read(buf, 0, buf.length);
        } catch (SocketTimeoutException e) {
            throw timeout();
        }
        if (n < 0) {
            throw new EOFException("connection closed by the server"
                    + (reply.size() > 0 ? " after " + Escapes.readable(reply.toByteArray()) : ""));
        }
        pos = 0;
        limit = n;
    }

    private TimeoutException timeout() {
        byte[] partial = reply.toByteArray();
        return new TimeoutException("no complete reply in time"
                + (partial.length > 0 ? " (got " + Escapes.readable(partial) + ")" : ""), partial);
    }
}
