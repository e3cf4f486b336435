package dev.podis.storage.rdb;

import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.StoredValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * Reads an RDB file (rdbLoadRio) of versions 1 to 12 and hands its keys to a
 * {@link KeyspaceSink}: {@code database} when a SELECTDB (with RESIZEDB's sizes when present)
 * precedes keys, one {@code entry} per key (with its expiry and, under an LRU or LFU policy, the
 * access data of IDLE / FREQ; a string key as {@code stringEntry}, out of a reused buffer),
 * {@code end} once EOF and the checksum were read and verified.
 * Aux fields and function libraries go to a {@link Listener}; slot info is skipped; module data
 * is {@link RdbException.Unsupported}.
 *
 * <p>Pull-based, so a server can load in steps between serving clients: {@link #step} reads up to
 * the next key; {@link #loadAll} reads everything. Keys that expired are handed over like any
 * other (the sink decides: start-up drops them, an AOF preamble keeps them). Empty collections,
 * which Redis skips with a log line, are skipped and counted.
 */
public final class RdbLoader {
    /** What the file holds besides keys. */
    public interface Listener {
        /** An AUX field (redis-ver, ctime, used-mem, aof-base, ...). */
        default void aux(String key, byte[] value) throws IOException {
        }

        /** A function library (FUNCTION2 opcode); by default skipped. */
        default void function(byte[] code) throws IOException {
        }
    }

    /** How to load. */
    public static final class Options {
        EncodingLimits limits = new EncodingLimits();
        boolean lru;
        boolean lfu;
        boolean verifyChecksum = true;
        LongSupplier clock = System::currentTimeMillis;
        Listener listener = new Listener() { };

        public Options limits(EncodingLimits l) {
            this.limits = l;
            return this;
        }

        /** Whether IDLE (LRU policy) or FREQ (LFU policy) data becomes each key's access data. */
        public Options accessData(boolean lruPolicy, boolean lfuPolicy) {
            this.lru = lruPolicy;
            this.lfu = lfuPolicy;
            return this;
        }

        /** {@code rdbchecksum}: verify the trailer (a zero trailer is never verified). */
        public Options verifyChecksum(boolean on) {
            this.verifyChecksum = on;
            return this;
        }

        public Options clock(LongSupplier c) {
            this.clock = c;
            return this;
        }

        public Options listener(Listener l) {
            this.listener = l;
            return this;
        }
    }

    private static final int LRU_CLOCK_MAX = (1 << 24) - 1;

    private final RdbInput in;
    private final Options o;
    private final ValueCodec codec = new ValueCodec();
    /** Where a string key's key and value are read ({@link KeyspaceSink#stringEntry}). */
    private final GrowableBytes strings = new GrowableBytes(64 * 1024);
    private int version = -1;
    private boolean done;
    private int db;
    private long dbKeys;
    private long dbExpires;
    private boolean dbPending = true;
    private long keys;
    private long emptySkipped;

    public RdbLoader(RdbInput in, Options options) {
        this.in = in;
        this.o = options;
    }

    /** The file's RDB version (after the header was read). */
    public int version() {
        return version;
    }

    /** Keys handed to the sink so far. */
    public long keys() {
        return keys;
    }

    /** Empty collections skipped so far. */
    public long emptyKeysSkipped() {
        return emptySkipped;
    }

    /** Bytes read so far. */
    public long offset() {
        return in.offset();
    }

    /** Whether the whole file was read. */
    public boolean done() {
        return done;
    }

    /** Reads and checks the magic and version (done by the first {@link #step} if not called). */
    public void readHeader() throws IOException {
        if (version >= 0) {
            return;
        }
        byte[] magic = new byte[9];
        in.readFully(magic, 0, 9);
        String m = new String(magic, StandardCharsets.US_ASCII);
        if (!m.startsWith("REDIS")) {
            throw new RdbException("Wrong signature trying to load DB from file", 0);
        }
        int v;
        try {
            v = Integer.parseInt(m.substring(5));
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (v < 1 || v > Rdb.MAX_READ_VERSION) {
            throw new RdbException("Can't handle RDB format version " + m.substring(5), 5);
        }
        version = v;
    }

    /** Reads everything into {@code sink}. */
    public void loadAll(KeyspaceSink sink) throws IOException {
        while (step(sink)) {
            // one key at a time
        }
    }

    /**
     * Reads up to and including the next key (handed to {@code sink}), or to the end of the file
     * (then {@code sink.end()} is called and false returned).
     */
    public boolean step(KeyspaceSink sink) throws IOException {
        if (done) {
            return false;
        }
        readHeader();
        long expireAt = StoredValue.NO_EXPIRY;
        long idle = -1;
        int freq = -1;
        while (true) {
            long at = in.offset();
            int type = in.readByte();
            switch (type) {
                case Rdb.OPCODE_EXPIRETIME:
                    expireAt = in.readSeconds() * 1000;
                    continue;
                case Rdb.OPCODE_EXPIRETIME_MS:
                    expireAt = in.readMillis();
                    continue;
                case Rdb.OPCODE_FREQ:
                    freq = in.readByte();
                    continue;
                case Rdb.OPCODE_IDLE:
                    idle = in.readLength();
                    continue;
                case Rdb.OPCODE_EOF:
                    finish(sink);
                    return false;
                case Rdb.OPCODE_SELECTDB: {
                    long id = in.readLength();
                    if (id > Integer.MAX_VALUE) {
                        throw in.corrupt("Invalid database number " + id, at);
                    }
                    db = (int) id;
                    dbKeys = 0;
                    dbExpires = 0;
                    dbPending = true;
                    continue;
                }
                case Rdb.OPCODE_RESIZEDB:
                    dbKeys = in.readLength();
                    dbExpires = in.readLength();
                    continue;
                case Rdb.OPCODE_SLOT_INFO:
                    in.readLength();
                    in.readLength();
                    in.readLength();
                    continue;
                case Rdb.OPCODE_AUX: {
                    byte[] key = in.readString();
                    byte[] value = in.readString();
                    o.listener.aux(new String(key, StandardCharsets.UTF_8), value);
                    continue;
                }
                case Rdb.OPCODE_MODULE_AUX:
                    throw new RdbException.Unsupported("module aux data not supported at offset " + at, at);
                case Rdb.OPCODE_FUNCTION_PRE_GA:
                    throw in.corrupt("Pre-release function format not supported", at);
                case Rdb.OPCODE_FUNCTION2:
                    o.listener.function(in.readString());
                    continue;
                default:
                    break;
            }
            if (!Rdb.isValueType(type)) {
                throw in.corrupt("Unknown RDB encoding type " + type, at);
            }
            if (dbPending) {
                sink.database(db, dbKeys, dbExpires);
                dbPending = false;
            }
            if (type == Rdb.TYPE_STRING) {
                // The most common key by far: no array of its own for key or value.
                strings.clear();
                int keyLength = in.readStringTo(strings);
                int valueLength = in.readStringTo(strings);
                sink.stringEntry(strings.array(), 0, keyLength, keyLength, valueLength, expireAt, accessData(idle, freq));
                keys++;
                return true;
            }
            byte[] key = in.readString();
            StoredValue v = codec.read(in, type, o.limits, expireAt, accessData(idle, freq));
            if (v == null) {
                emptySkipped++;
                expireAt = StoredValue.NO_EXPIRY;
                idle = -1;
                freq = -1;
                continue;
            }
            sink.entry(key, v);
            keys++;
            return true;
        }
    }

    /** objectSetLRUOrLFU: the LRU clock {@code idle} seconds ago, or the LFU counter stamped now. */
    private int accessData(long idle, int freq) {
        if (o.lfu && freq >= 0) {
            int minutes = (int) ((o.clock.getAsLong() / 60000) & 0xFFFF);
            return minutes << 8 | freq;
        }
        if (o.lru && idle >= 0) {
            long now = (o.clock.getAsLong() / 1000) & LRU_CLOCK_MAX;
            long lru = now - Math.min(idle, LRU_CLOCK_MAX);
            if (lru < 0) {
                lru += LRU_CLOCK_MAX;
            }
            return (int) lru;
        }
        return 0;
    }

    private void finish(KeyspaceSink sink) throws IOException {
        long expected = in.crc();
        if (version >= 5) {
            long at = in.offset();
            long stored = in.readMillis();
            if (o.verifyChecksum && stored != 0 && stored != expected) {
                throw new RdbException(String.format("Wrong RDB checksum expected: (%x) but got (%x) at offset %d",
                        expected, stored, at), at);
            }
        }
        done = true;
        sink.end();
    }
}
