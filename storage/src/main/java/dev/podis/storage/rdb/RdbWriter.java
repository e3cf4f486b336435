package dev.podis.storage.rdb;

import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.StoredValue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Writes an RDB file from a copy of the keyspace (rdbSaveRio): the magic {@code REDIS0010}
 * (or the configured version), the aux fields Redis writes ({@code redis-ver}, {@code redis-bits},
 * {@code ctime}, {@code used-mem}, extra fields, {@code aof-base}), function libraries, then for
 * each database SELECTDB and RESIZEDB and its keys (EXPIRETIME_MS, optionally IDLE or FREQ, the
 * type, the key, the value), then EOF and the CRC-64 (zero with {@code rdbchecksum no}).
 *
 * <p>Use it as the {@link KeyspaceSink} of {@code Keyspace.copyTo} (SAVE) or of a snapshot. The
 * target is flushed by {@link #end()}, never closed: durability (fsync, rename) is the caller's.
 */
public final class RdbWriter implements KeyspaceSink {
    /** How to write. */
    public static final class Options {
        int version = Rdb.DEFAULT_VERSION;
        boolean compression = true;
        boolean checksum = true;
        String redisVersion = "7.2.4";
        long usedMemory;
        boolean aofBase;
        boolean saveIdle;
        boolean saveFreq;
        LongSupplier clock = System::currentTimeMillis;
        final List<String[]> extraAux = new ArrayList<>();
        final List<byte[]> functions = new ArrayList<>();

        /** The RDB version of the magic (default {@link Rdb#DEFAULT_VERSION}, 10); from 11 on small sets are set listpacks. */
        public Options version(int v) {
            if (v < Rdb.MIN_READ_VERSION || v > Rdb.MAX_READ_VERSION) {
                throw new IllegalArgumentException("RDB version " + v);
            }
            this.version = v;
            return this;
        }

        /** {@code rdbcompression}: LZF for strings longer than 20 bytes when it saves 4 bytes or more. */
        public Options compression(boolean on) {
            this.compression = on;
            return this;
        }

        /** {@code rdbchecksum}: the CRC-64 trailer, else zero (loaders then skip the check). */
        public Options checksum(boolean on) {
            this.checksum = on;
            return this;
        }

        /** The {@code redis-ver} aux field. */
        public Options redisVersion(String v) {
            this.redisVersion = v;
            return this;
        }

        /** The {@code used-mem} aux field (Redis uses it to estimate loading progress). */
        public Options usedMemory(long bytes) {
            this.usedMemory = bytes;
            return this;
        }

        /** The {@code aof-base} aux field: 1 for the RDB preamble of an AOF base file. */
        public Options aofBase(boolean base) {
            this.aofBase = base;
            return this;
        }

        /** An extra aux field, written before {@code aof-base} (where Redis writes its repl-* fields). */
        public Options aux(String key, String value) {
            extraAux.add(new String[] {key, value});
            return this;
        }

        /** A function library's code, written as a FUNCTION2 opcode before the databases. */
        public Options function(byte[] code) {
            functions.add(code);
            return this;
        }

        /**
         * The per-key access data Redis writes under an LRU ({@code idle}: IDLE opcode, seconds
         * since the last access) or LFU ({@code freq}: FREQ opcode, the counter) maxmemory policy.
         */
        public Options accessData(boolean idle, boolean freq) {
            this.saveIdle = idle;
            this.saveFreq = freq;
            return this;
        }

        /** Unix time in ms, for {@code ctime} and idle times. */
        public Options clock(LongSupplier clock) {
            this.clock = clock;
            return this;
        }
    }

    private static final int LRU_CLOCK_MAX = (1 << 24) - 1;

    private final RdbOutput out;
    private final Options o;
    private final ValueCodec codec = new ValueCodec();
    private boolean started;
    private long keys;
    private int lruNow;

    public RdbWriter(OutputStream target, Options options) {
        this.out = RdbOutput.to(target, options.compression, options.checksum);
        this.o = options;
    }

    public RdbWriter(WritableByteChannel target, Options options) {
        this.out = RdbOutput.to(target, options.compression, options.checksum);
        this.o = options;
    }

    /** Keys written so far. */
    public long keys() {
        return keys;
    }

    /** Bytes written so far (the whole file once {@link #end()} returned). */
    public long bytes() {
        return out.size();
    }

    /** Writes the magic, the aux fields and the functions (done by the first call if not called). */
    public void start() throws IOException {
        if (started) {
            return;
        }
        started = true;
        long now = o.clock.getAsLong();
        lruNow = (int) ((now / 1000) & LRU_CLOCK_MAX);
        out.write(String.format("REDIS%04d", o.version).getBytes(StandardCharsets.US_ASCII));
        aux("redis-ver", o.redisVersion);
        aux("redis-bits", "64");
        aux("ctime", Long.toString(now / 1000));
        aux("used-mem", Long.toString(o.usedMemory));
        for (String[] a : o.extraAux) {
            aux(a[0], a[1]);
        }
        aux("aof-base", o.aofBase ? "1" : "0");
        for (byte[] code : o.functions) {
            out.writeByte(Rdb.OPCODE_FUNCTION2);
            out.writeString(code);
        }
    }

    private void aux(String key, String value) throws IOException {
        out.writeByte(Rdb.OPCODE_AUX);
        out.writeString(key.getBytes(StandardCharsets.UTF_8));
        out.writeString(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void database(int db, long keyCount, long expires) throws IOException {
        start();
        out.writeByte(Rdb.OPCODE_SELECTDB);
        out.writeLength(db);
        out.writeByte(Rdb.OPCODE_RESIZEDB);
        out.writeLength(keyCount);
        out.writeLength(expires);
    }

    @Override
    public void entry(byte[] key, StoredValue value) throws IOException {
        if (value.hasExpiry()) {
            out.writeByte(Rdb.OPCODE_EXPIRETIME_MS);
            out.writeMillis(value.expireAt());
        }
        if (o.saveIdle) {
            int lru = value.lruOrLfu() & LRU_CLOCK_MAX;
            long idle = lru == 0 ? 0 : lruNow >= lru ? lruNow - lru : (LRU_CLOCK_MAX - lru) + lruNow;
            out.writeByte(Rdb.OPCODE_IDLE);
            out.writeLength(idle);
        }
        if (o.saveFreq) {
            out.writeByte(Rdb.OPCODE_FREQ);
            out.writeByte(value.lruOrLfu() & 0xff);
        }
        int type = ValueCodec.rdbType(value, o.version);
        out.writeByte(type);
        out.writeString(key);
        codec.writeBody(out, value, type);
        keys++;
    }

    @Override
    public void end() throws IOException {
        start();
        out.writeByte(Rdb.OPCODE_EOF);
        out.writeMillis(out.crc());
        out.flush();
    }
}
