package dev.podis.server.persistence;

import dev.podis.protocol.RespWriter;
import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.StoredValue;
import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.ListValue;
import dev.podis.storage.types.SetValue;
import dev.podis.storage.types.SortedSetValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes a keyspace copy as the commands that rebuild it: an AOF base file without RDB preamble
 * ({@code aof-use-rdb-preamble no}), as Redis's rewriteAppendOnlyFileRio: per non-empty database
 * a SELECT, then per key SET, RPUSH, SADD, ZADD or HMSET (at most 64 elements per command) and a
 * PEXPIREAT for a key with a time to live. With {@code aof-timestamp-enabled} the file starts
 * with a {@code #TS:<unix seconds>} annotation.
 */
final class AofCommandSink implements KeyspaceSink {
    /** Elements per variadic command (Redis's AOF_REWRITE_ITEMS_PER_CMD). */
    static final int ITEMS_PER_COMMAND = 64;
    private static final int FLUSH_AT = 64 * 1024;
    private static final byte[] SELECT = bytes("SELECT");
    private static final byte[] SET = bytes("SET");
    private static final byte[] RPUSH = bytes("RPUSH");
    private static final byte[] SADD = bytes("SADD");
    private static final byte[] ZADD = bytes("ZADD");
    private static final byte[] HMSET = bytes("HMSET");
    private static final byte[] PEXPIREAT = bytes("PEXPIREAT");

    private final OutputStream out;
    private final ByteBuf buf = Unpooled.buffer(FLUSH_AT * 2);
    private final RespWriter w = new RespWriter(buf, null);
    private long keys;

    AofCommandSink(OutputStream out, long timestampSeconds) throws IOException {
        this.out = out;
        if (timestampSeconds > 0) {
            buf.writeBytes(("#TS:" + timestampSeconds + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Keys written so far. */
    long keys() {
        return keys;
    }

    @Override
    public void database(int db, long keys, long expires) throws IOException {
        w.arrayHeader(2);
        w.bulk(SELECT);
        w.bulkDecimal(db);
        flushIfFull();
    }

    @Override
    public void entry(byte[] key, StoredValue v) throws IOException {
        try {
            switch (v.type()) {
                case STRING -> {
                    w.arrayHeader(3);
                    w.bulk(SET);
                    w.bulk(key);
                    w.bulk(v.bytes());
                }
                case LIST -> list(key, (ListValue) v.object());
                case SET -> set(key, (SetValue) v.object());
                case ZSET -> zset(key, (SortedSetValue) v.object());
                case HASH -> hash(key, (HashValue) v.object());
                default -> throw new IOException("cannot write a " + v.type().redisName() + " as AOF commands");
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (v.hasExpiry()) {
            w.arrayHeader(3);
            w.bulk(PEXPIREAT);
            w.bulk(key);
            w.bulkDecimal(v.expireAt());
        }
        keys++;
        flushIfFull();
    }

    @Override
    public void end() throws IOException {
        flush();
    }

    /** One variadic command in progress: its header is written once per {@link #ITEMS_PER_COMMAND} items. */
    private final class Batch {
        final byte[] name;
        final byte[] key;
        final int perItem;
        long left;
        int inCommand;

        Batch(byte[] name, byte[] key, long items, int perItem) {
            this.name = name;
            this.key = key;
            this.left = items;
            this.perItem = perItem;
        }

        /** Call before each item's arguments. */
        void item() {
            if (inCommand == 0) {
                int n = (int) Math.min(ITEMS_PER_COMMAND, left);
                w.arrayHeader(2 + n * perItem);
                w.bulk(name);
                w.bulk(key);
            }
            if (++inCommand == ITEMS_PER_COMMAND) {
                inCommand = 0;
            }
            left--;
        }

        void itemDone() {
            if (buf.readableBytes() >= FLUSH_AT) {
                try {
                    flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private void list(byte[] key, ListValue l) {
        Batch b = new Batch(RPUSH, key, l.size(), 1);
        l.visit(0, true, (a, off, len) -> {
            b.item();
            w.bulk(a, off, len);
            b.itemDone();
            return true;
        });
    }

    private void set(byte[] key, SetValue s) {
        Batch b = new Batch(SADD, key, s.size(), 1);
        s.forEach(new SetValue.MemberVisitor() {
            @Override
            public void bytes(byte[] a, int off, int len) {
                b.item();
                w.bulk(a, off, len);
                b.itemDone();
            }

            @Override
            public void integer(long v) {
                b.item();
                w.bulkDecimal(v);
                b.itemDone();
            }
        });
    }

    private void zset(byte[] key, SortedSetValue z) {
        Batch b = new Batch(ZADD, key, z.size(), 2);
        for (SortedSetValue.Cursor c = z.at(0); c.valid(); c.next()) {
            b.item();
            w.doubleValue(c.score()); // a RESP2 writer: the score as a bulk, %.17g as Redis
            w.bulk(c.memberArray(), c.memberOffset(), c.memberLength());
            b.itemDone();
        }
    }

    private void hash(byte[] key, HashValue h) {
        Batch b = new Batch(HMSET, key, h.size(), 2);
        h.forEach((f, fo, fl, v, vo, vl) -> {
            b.item();
            w.bulk(f, fo, fl);
            w.bulk(v, vo, vl);
            b.itemDone();
        });
    }

    private void flushIfFull() throws IOException {
        if (buf.readableBytes() >= FLUSH_AT) {
            flush();
        }
    }

    private void flush() throws IOException {
        if (buf.isReadable()) {
            buf.readBytes(out, buf.readableBytes());
            buf.clear();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
