package dev.podis.storage.rdb;

import dev.podis.storage.StoredValue;

import java.io.IOException;

/**
 * DUMP and RESTORE's serialization (cluster.c createDumpPayload / verifyDumpPayload): the value
 * as in an RDB file (type byte and body), the RDB version as 2 bytes little endian, and the
 * CRC-64 of everything before it as 8 bytes little endian.
 */
public final class DumpPayload {
    /** The version DUMP writes: {@link Rdb#DEFAULT_VERSION}, which Redis 7.0 and later RESTORE. */
    public static final int VERSION = Rdb.DEFAULT_VERSION;

    private DumpPayload() {
    }

    /** Why a payload was refused, with Redis's reply for each. */
    public static final class Invalid extends Exception {
        private final boolean versionOrChecksum;

        Invalid(boolean versionOrChecksum, String detail) {
            super(detail);
            this.versionOrChecksum = versionOrChecksum;
        }

        /** RESTORE's error reply: Redis's text for a bad footer, else for a bad body. */
        public String reply() {
            return versionOrChecksum ? "ERR DUMP payload version or checksum are wrong" : "ERR Bad data format";
        }
    }

    /** The payload of {@code v}. */
    public static byte[] create(ValueCodec codec, StoredValue v) throws IOException {
        RdbOutput out = RdbOutput.inMemory(true);
        codec.write(out, v, VERSION);
        out.writeByte(VERSION & 0xff);
        out.writeByte((VERSION >>> 8) & 0xff);
        out.writeMillis(out.crc());
        return out.toByteArray();
    }

    /**
     * The value in {@code payload}, read into Podis's encodings at {@code limits}, without expiry.
     *
     * @throws Invalid when the footer is wrong (shorter than 10 bytes, a version newer than
     *                 {@link Rdb#MAX_READ_VERSION}, a checksum mismatch) or the body is not a
     *                 valid value (corrupt, an empty collection, a type Podis does not hold)
     */
    public static StoredValue restore(ValueCodec codec, byte[] payload, EncodingLimits limits, long maxStringLength)
            throws Invalid {
        int len = payload.length;
        if (len < 10) {
            throw new Invalid(true, "payload shorter than its footer");
        }
        int version = (payload[len - 10] & 0xff) | (payload[len - 9] & 0xff) << 8;
        if (version > Rdb.MAX_READ_VERSION) {
            throw new Invalid(true, "RDB version " + version);
        }
        long crc = 0;
        for (int i = 0; i < 8; i++) {
            crc |= (payload[len - 8 + i] & 0xffL) << (8 * i);
        }
        if (Crc64.update(0, payload, 0, len - 8) != crc) {
            throw new Invalid(true, "checksum mismatch");
        }
        RdbInput in = RdbInput.of(payload, 0, len - 10).maxStringLength(maxStringLength);
        try {
            int type = in.readByte();
            if (!Rdb.isValueType(type)) {
                throw new Invalid(false, "not a value type: " + type);
            }
            StoredValue v = codec.read(in, type, limits, StoredValue.NO_EXPIRY, 0);
            if (v == null) {
                throw new Invalid(false, "empty collection");
            }
            return v;
        } catch (IOException e) {
            throw new Invalid(false, e.getMessage());
        }
    }
}
