package dev.podis.storage.rdb;

/**
 * Constants of Redis's RDB format (rdb.h): versions, value types, opcodes, length and string
 * encodings. Version 10 is Redis 7.0's (loadable by 7.0, 7.2 and Valkey), 11 adds the set
 * listpack and stream listpacks 3 (Redis 7.2), 12 the hash field expiry types (Redis 7.4).
 */
public final class Rdb {
    private Rdb() {
    }

    /** The version Podis writes by default: Redis 7.0's, which every later Redis and Valkey loads. */
    public static final int DEFAULT_VERSION = 10;
    /** The oldest version Podis reads (Redis 5.0 and 6.x wrote 9). */
    public static final int MIN_READ_VERSION = 9;
    /** The newest version Podis reads (Redis 7.4). */
    public static final int MAX_READ_VERSION = 12;

    public static final int TYPE_STRING = 0;
    public static final int TYPE_LIST = 1;
    public static final int TYPE_SET = 2;
    public static final int TYPE_ZSET = 3;
    public static final int TYPE_HASH = 4;
    public static final int TYPE_ZSET_2 = 5;
    public static final int TYPE_MODULE_PRE_GA = 6;
    public static final int TYPE_MODULE_2 = 7;
    public static final int TYPE_HASH_ZIPMAP = 9;
    public static final int TYPE_LIST_ZIPLIST = 10;
    public static final int TYPE_SET_INTSET = 11;
    public static final int TYPE_ZSET_ZIPLIST = 12;
    public static final int TYPE_HASH_ZIPLIST = 13;
    public static final int TYPE_LIST_QUICKLIST = 14;
    public static final int TYPE_STREAM_LISTPACKS = 15;
    public static final int TYPE_HASH_LISTPACK = 16;
    public static final int TYPE_ZSET_LISTPACK = 17;
    public static final int TYPE_LIST_QUICKLIST_2 = 18;
    public static final int TYPE_STREAM_LISTPACKS_2 = 19;
    public static final int TYPE_SET_LISTPACK = 20;
    public static final int TYPE_STREAM_LISTPACKS_3 = 21;
    public static final int TYPE_HASH_METADATA_PRE_GA = 22;
    public static final int TYPE_HASH_LISTPACK_EX_PRE_GA = 23;
    public static final int TYPE_HASH_METADATA = 24;
    public static final int TYPE_HASH_LISTPACK_EX = 25;

    public static final int OPCODE_SLOT_INFO = 244;
    public static final int OPCODE_FUNCTION2 = 245;
    public static final int OPCODE_FUNCTION_PRE_GA = 246;
    public static final int OPCODE_MODULE_AUX = 247;
    public static final int OPCODE_IDLE = 248;
    public static final int OPCODE_FREQ = 249;
    public static final int OPCODE_AUX = 250;
    public static final int OPCODE_RESIZEDB = 251;
    public static final int OPCODE_EXPIRETIME_MS = 252;
    public static final int OPCODE_EXPIRETIME = 253;
    public static final int OPCODE_SELECTDB = 254;
    public static final int OPCODE_EOF = 255;

    /** Length prefixes: 00 six bits, 01 fourteen bits, 0x80 32-bit, 0x81 64-bit (big endian), 11 encoded. */
    static final int LEN_32BIT = 0x80;
    static final int LEN_64BIT = 0x81;
    static final int ENC_INT8 = 0;
    static final int ENC_INT16 = 1;
    static final int ENC_INT32 = 2;
    static final int ENC_LZF = 3;

    /** Quicklist node containers (quicklist.h). */
    static final int QUICKLIST_PLAIN = 1;
    static final int QUICKLIST_PACKED = 2;

    /** Whether {@code t} is a value type byte (rdbIsObjectType). */
    public static boolean isValueType(int t) {
        return (t >= 0 && t <= 7) || (t >= 9 && t <= 25);
    }

    /** A readable name of a value type for error messages. */
    public static String typeName(int t) {
        switch (t) {
            case TYPE_MODULE_PRE_GA:
            case TYPE_MODULE_2:
                return "module";
            case TYPE_STREAM_LISTPACKS:
            case TYPE_STREAM_LISTPACKS_2:
            case TYPE_STREAM_LISTPACKS_3:
                return "stream";
            case TYPE_HASH_METADATA_PRE_GA:
            case TYPE_HASH_LISTPACK_EX_PRE_GA:
            case TYPE_HASH_METADATA:
            case TYPE_HASH_LISTPACK_EX:
                return "hash with field expiration";
            default:
                return "RDB type " + t;
        }
    }
}
