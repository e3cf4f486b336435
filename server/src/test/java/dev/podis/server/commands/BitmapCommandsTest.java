package dev.podis.server.commands;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bitmap family over TCP. Expected replies were checked against a real redis-server,
 * including its quirks (BITFIELD's overflow checks, a missing key answering BITCOUNT/BITPOS
 * before the range is parsed).
 */
class BitmapCommandsTest {
    static final String WRONGTYPE = StringCommandsTest.WRONGTYPE;
    static final String NOT_INTEGER = StringCommandsTest.NOT_INTEGER;
    static final String SYNTAX = StringCommandsTest.SYNTAX;
    static final String OFFSET = "ERR bit offset is not an integer or out of range";
    static final String BIT = "ERR bit is not an integer or out of range";
    static final String TYPE =
            "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

    static TestServer server;
    Jedis jedis;
    StringsTestSupport t;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void connect() {
        jedis = server.jedis();
        t = new StringsTestSupport(server, jedis);
        t.flushAll();
    }

    @AfterEach
    void disconnect() {
        jedis.close();
    }

    @Test
    void setbitAndGetbit() {
        t.expect(0L, "SETBIT", "b", "7", "1");
        t.expect("\u0001", "GET", "b");
        t.expect(1L, "SETBIT", "b", "7", "1");
        t.expect(1L, "SETBIT", "b", "7", "0");
        t.expect("\u0000", "GET", "b");
        t.expect(0L, "SETBIT", "b", "0", "1");
        t.expect("\u0080", "GET", "b");
        t.expect(0L, "SETBIT", "b", "17", "1");
        t.expect("\u0080\u0000\u0040", "GET", "b");
        t.expect(1L, "GETBIT", "b", "0");
        t.expect(0L, "GETBIT", "b", "1");
        t.expect(1L, "GETBIT", "b", "17");
        t.expect(0L, "GETBIT", "b", "100");
        t.expect(0L, "GETBIT", "b", "4294967295");
        t.expect(0L, "GETBIT", "nokey", "0");
        t.call("SET", "i", "12"); // '1' = 0x31, '2' = 0x32
        t.expect(1L, "GETBIT", "i", "2");
        t.expect(1L, "GETBIT", "i", "3");
        t.expect(0L, "GETBIT", "i", "4");
        t.expectError(OFFSET, "SETBIT", "b", "-1", "1");
        t.expectError(OFFSET, "SETBIT", "b", "x", "1");
        t.expectError(OFFSET, "SETBIT", "b", "4294967296", "1");
        t.expectError(OFFSET, "GETBIT", "b", "4294967296");
        t.expectError(OFFSET, "GETBIT", "nokey", "-1");
        for (String bad : new String[] {"2", "-1", "a", "01", ""}) {
            t.expectError(BIT, "SETBIT", "b", "0", bad);
        }
        t.expectError(BIT, "SETBIT", "b", "4294967295", "2");
        // TTL kept.
        t.call("SET", "ttl", "v", "EX", "100");
        long at = t.expireAt("ttl");
        t.call("SETBIT", "ttl", "100", "1");
        assertEquals(at, t.expireAt("ttl"));
        t.plantList("list");
        t.expectError(WRONGTYPE, "SETBIT", "list", "0", "1");
        t.expectError(OFFSET, "SETBIT", "list", "a", "1");
        t.expectError(BIT, "SETBIT", "list", "0", "5");
        t.expectError(WRONGTYPE, "GETBIT", "list", "0");
        t.expectError(OFFSET, "GETBIT", "list", "a");
    }

    @Test
    void bitOffsetsFollowProtoMaxBulkLen() {
        try (TestServer small = TestServer.start(Map.of("proto-max-bulk-len", "1mb"));
             Jedis j = small.jedis()) {
            StringsTestSupport s = new StringsTestSupport(small, j);
            long lastBit = 1024L * 1024 * 8 - 1;
            s.expect(0L, "SETBIT", "b", Long.toString(lastBit), "1");
            s.expect(1048576L, "STRLEN", "b");
            s.expect(1L, "GETBIT", "b", Long.toString(lastBit));
            s.expectError(OFFSET, "SETBIT", "b", Long.toString(lastBit + 1), "1");
            s.expectError(OFFSET, "GETBIT", "b", Long.toString(lastBit + 1));
            s.expect(Arrays.asList(0L), "BITFIELD", "f", "GET", "u8", "#1048575");
            s.expectError(OFFSET, "BITFIELD", "f", "GET", "u8", "#1048576");
            s.expect(1L, "BITCOUNT", "b");
            s.expect(lastBit, "BITPOS", "b", "1");
        }
    }

    @Test
    void bitcount() {
        t.call("SET", "s", "foobar");
        t.expect(26L, "BITCOUNT", "s");
        t.expect(4L, "BITCOUNT", "s", "0", "0");
        t.expect(6L, "BITCOUNT", "s", "1", "1");
        t.expect(6L, "BITCOUNT", "s", "1", "1", "BYTE");
        t.expect(17L, "BITCOUNT", "s", "5", "30", "BIT");
        t.expect(17L, "BITCOUNT", "s", "5", "30", "bit");
        t.expect(0L, "BITCOUNT", "s", "-1", "-2");
        t.expect(7L, "BITCOUNT", "s", "-2", "-1");
        t.expect(26L, "BITCOUNT", "s", "-100", "100", "BIT");
        t.expect(26L, "BITCOUNT", "s", "0", "-1", "BIT");
        t.expect(0L, "BITCOUNT", "s", "9", "0", "BIT");
        t.expect(26L, "BITCOUNT", "s", "-9223372036854775808", "-1", "BIT");
        t.expect(26L, "BITCOUNT", "s", "0", "9223372036854775807", "BIT");
        t.expectError(SYNTAX, "BITCOUNT", "s", "0");
        t.expectError(SYNTAX, "BITCOUNT", "s", "0", "1", "foo");
        t.expectError(SYNTAX, "BITCOUNT", "s", "1", "0", "foo");
        t.expectError(SYNTAX, "BITCOUNT", "s", "0", "1", "BIT", "extra");
        t.expect(0L, "BITCOUNT", "s", "-1", "-2", "foo"); // an empty negative range answers first
        t.expectError(NOT_INTEGER, "BITCOUNT", "s", "a", "1");
        t.expectError(NOT_INTEGER, "BITCOUNT", "s", "0", "a", "foo");
        // Redis 7.2 answers 0 for a missing key before looking at the range.
        t.expect(0L, "BITCOUNT", "nokey");
        t.expect(0L, "BITCOUNT", "nokey", "a", "1");
        t.expect(0L, "BITCOUNT", "nokey", "0");
        t.call("SET", "z", "");
        t.expect(0L, "BITCOUNT", "z");
        t.expect(0L, "BITCOUNT", "z", "0", "-1");
        t.expect(0L, "BITCOUNT", "z", "0", "-1", "BIT");
        t.plantList("list");
        t.expectError(WRONGTYPE, "BITCOUNT", "list");
        t.expectError(WRONGTYPE, "BITCOUNT", "list", "a", "1");
    }

    @Test
    void bitcountAgreesWithCountingBitByBit() {
        Random random = new Random(42);
        byte[] data = new byte[300];
        random.nextBytes(data);
        jedis.set(StringsTestSupport.b("r"), data);
        for (int n = 0; n < 200; n++) {
            long start = random.nextInt(3000) - 1500;
            long end = random.nextInt(3000) - 1500;
            long total = data.length * 8L;
            long s = start < 0 ? Math.max(0, total + start) : start;
            long e = end < 0 ? Math.max(0, total + end) : Math.min(end, total - 1);
            long expected = 0;
            if (!(start < 0 && end < 0 && start > end)) {
                for (long bit = s; bit <= e; bit++) {
                    expected += (data[(int) (bit >>> 3)] >>> (7 - (bit & 7))) & 1;
                }
            }
            t.expect(expected, "BITCOUNT", "r", Long.toString(start), Long.toString(end), "BIT");
        }
    }

    @Test
    void bitpos() {
        t.call("SET", "s", "\u00ff\u00f0\u0000");
        t.expect(12L, "BITPOS", "s", "0");
        t.expect(0L, "BITPOS", "s", "1");
        t.expect(12L, "BITPOS", "s", "0", "1");
        t.expect(16L, "BITPOS", "s", "0", "2", "-1");
        t.expect(-1L, "BITPOS", "s", "1", "2", "-1");
        t.expect(-1L, "BITPOS", "s", "1", "2");
        t.expect(12L, "BITPOS", "s", "0", "0", "-1", "BIT");
        t.expect(-1L, "BITPOS", "s", "0", "3", "3", "BIT");
        t.expect(-1L, "BITPOS", "s", "0", "8", "11", "BIT");
        t.expect(-1L, "BITPOS", "s", "0", "8", "11");
        t.expect(7L, "BITPOS", "s", "1", "7", "15", "bit");
        t.call("SET", "fb", "foobar");
        t.expect(1L, "BITPOS", "fb", "1", "-9223372036854775808", "9223372036854775807", "BIT");
        t.expectError(NOT_INTEGER, "BITPOS", "s", "1", "17", "BIT"); // the unit needs an end
        t.expectError("ERR The bit argument must be 1 or 0.", "BITPOS", "s", "2");
        t.expectError("ERR The bit argument must be 1 or 0.", "BITPOS", "s", "-1");
        t.expectError(NOT_INTEGER, "BITPOS", "s", "a");
        t.expectError(NOT_INTEGER, "BITPOS", "s", "1", "a");
        t.expectError(NOT_INTEGER, "BITPOS", "s", "1", "0", "a");
        t.expectError(SYNTAX, "BITPOS", "s", "1", "0", "1", "foo");
        t.expectError(SYNTAX, "BITPOS", "s", "1", "0", "a", "foo"); // the unit is checked before the end
        t.expectError(NOT_INTEGER, "BITPOS", "s", "1", "a", "0", "foo");
        t.expectError(SYNTAX, "BITPOS", "s", "1", "0", "-1", "extra", "extra");
        // A missing key is all zeros; 7.2 answers before parsing the range.
        t.expect(-1L, "BITPOS", "nokey", "1");
        t.expect(0L, "BITPOS", "nokey", "0");
        t.expect(0L, "BITPOS", "nokey", "0", "a");
        t.expect(-1L, "BITPOS", "nokey", "1", "0", "1", "foo");
        t.expectError("ERR The bit argument must be 1 or 0.", "BITPOS", "nokey", "2");
        // All ones: without an explicit end the zero after the string is found.
        t.call("SET", "f", "\u00ff\u00ff\u00ff");
        t.expect(24L, "BITPOS", "f", "0");
        t.expect(24L, "BITPOS", "f", "0", "0");
        t.expect(-1L, "BITPOS", "f", "0", "0", "-1");
        t.expect(-1L, "BITPOS", "f", "0", "0", "-1", "BIT");
        t.expect(-1L, "BITPOS", "f", "1", "-1", "-2");
        t.call("SET", "z", "");
        t.expect(-1L, "BITPOS", "z", "0");
        t.expect(-1L, "BITPOS", "z", "1");
        t.expect(-1L, "BITPOS", "z", "0", "0");
        t.call("SET", "one", "\u0000\u0001");
        t.expect(15L, "BITPOS", "one", "1", "-3", "-1", "BIT");
        t.expect(0L, "BITPOS", "one", "0", "-100", "100", "BIT");
        t.expect(15L, "BITPOS", "one", "1", "1", "1");
        t.expect(8L, "BITPOS", "one", "0", "1", "1");
        // Long runs (the word-at-a-time scan) with the hit near the end.
        t.call("SET", "long", "\u0000".repeat(20) + "\u0004\u0000");
        t.expect(165L, "BITPOS", "long", "1");
        t.expect(165L, "BITPOS", "long", "1", "1", "-2");
        t.expect(-1L, "BITPOS", "long", "1", "3", "164", "BIT");
        t.call("SET", "ff", "\u00ff".repeat(19) + "\u00fe");
        t.expect(159L, "BITPOS", "ff", "0");
        t.expect(-1L, "BITPOS", "ff", "0", "0", "-2");
        t.expect(-1L, "BITPOS", "ff", "0", "9", "158", "BIT");
        t.expect(159L, "BITPOS", "ff", "0", "9", "159", "BIT");
        t.plantList("list");
        t.expectError(WRONGTYPE, "BITPOS", "list", "1");
        t.expectError(WRONGTYPE, "BITPOS", "list", "1", "a");
        t.expectError("ERR The bit argument must be 1 or 0.", "BITPOS", "list", "3");
    }

    @Test
    void bitop() {
        t.call("SET", "a", "\u000f");
        t.call("SET", "b", "\u00f0\u00ff");
        t.expect(2L, "BITOP", "AND", "d", "a", "b");
        t.expect("\u0000\u0000", "GET", "d");
        t.expect(2L, "BITOP", "or", "d", "a", "b");
        t.expect("\u00ff\u00ff", "GET", "d");
        t.expect(2L, "BITOP", "XOR", "d", "a", "b");
        t.expect("\u00ff\u00ff", "GET", "d");
        t.expect(2L, "BITOP", "XOR", "d", "a", "b", "a", "b");
        t.expect("\u0000\u0000", "GET", "d");
        t.expect(2L, "BITOP", "NOT", "d", "b");
        t.expect("\u000f\u0000", "GET", "d");
        t.expect(1L, "BITOP", "AND", "d", "a", "nokey");
        t.expect("\u0000", "GET", "d");
        t.expect(1L, "BITOP", "AND", "d", "nokey", "a");
        t.expect("\u0000", "GET", "d");
        t.expectError("ERR BITOP NOT must be called with a single source key.", "BITOP", "NOT", "d", "a", "b");
        t.expectError(SYNTAX, "BITOP", "foo", "d", "a");
        // An empty result deletes the destination, whatever its type.
        t.expect(0L, "BITOP", "NoT", "d", "nokey");
        assertFalse(t.exists("d"));
        t.call("SET", "empty", "");
        t.expect(0L, "BITOP", "OR", "d", "empty", "nokey");
        assertFalse(t.exists("d"));
        t.plantList("list");
        t.expect(0L, "BITOP", "AND", "list", "nokey");
        assertFalse(t.exists("list"));
        // The destination is replaced: TTL dropped, any type overwritten.
        t.call("SET", "d", "x", "EX", "100");
        t.expect(1L, "BITOP", "AND", "d", "a");
        assertEquals(-1, t.expireAt("d"));
        t.plantList("list");
        t.expect(1L, "BITOP", "AND", "list", "a");
        t.expect("\u000f", "GET", "list");
        t.plantList("list");
        t.expectError(WRONGTYPE, "BITOP", "AND", "d", "a", "list");
    }

    @Test
    void bitfieldBasics() {
        t.expect(List.of(), "BITFIELD", "k");
        assertFalse(t.exists("k"));
        t.expect(List.of(0L, 255L), "BITFIELD", "k", "SET", "u8", "0", "255", "GET", "u8", "0");
        t.expect(List.of(9L), "BITFIELD", "k", "INCRBY", "u8", "0", "10");
        t.expect(List.of(255L), "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300");
        t.expect(Arrays.asList((Object) null), "BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1");
        t.expect(List.of(0L), "BITFIELD", "k", "overflow", "wrap", "incrby", "u8", "0", "1");
        t.expect(List.of(0L, -128L, 128L), "BITFIELD", "k", "SET", "i8", "0", "-128", "GET", "i8", "0", "GET", "u8", "0");
        t.expect(List.of(129L), "BITFIELD", "k", "INCRBY", "u8", "0", "1", "OVERFLOW", "FAIL"); // trailing OVERFLOW is fine
        t.call("SET", "z", "\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\n");
        t.expect(List.of(580990878323062848L, 1161981756646125696L, 2128L, 0L, 0L, 0L, -16L),
                "BITFIELD", "z", "GET", "i64", "3", "GET", "u63", "5", "GET", "i13", "70", "GET", "u1", "79",
                "GET", "i1", "79", "GET", "u1", "80", "GET", "i5", "78");
        t.expect(List.of(1L, 7L, 63L, 3964L, 462409596L, 84281096L),
                "BITFIELD", "z", "SET", "i5", "3", "-7", "INCRBY", "u3", "#2", "5", "OVERFLOW", "SAT",
                "INCRBY", "i7", "11", "100", "OVERFLOW", "WRAP", "INCRBY", "u12", "20", "-5000",
                "GET", "u32", "0", "GET", "u32", "32");
        // "#n" offsets count in units of the type's width.
        t.call("SET", "w", "");
        t.expect(List.of(0L, -32768L, -7232L, 58304L), "BITFIELD", "w", "SET", "i16", "#1", "-300",
                "OVERFLOW", "SAT", "INCRBY", "i16", "#1", "-40000", "OVERFLOW", "WRAP", "INCRBY", "i16", "#1", "-40000",
                "GET", "u16", "16");
        t.expect("\u0000\u0000\u00e3\u00c0", "GET", "w");
        // A write grows the string to its farthest bit even when FAIL skips the write.
        t.expect(Arrays.asList((Object) null), "BITFIELD", "new", "OVERFLOW", "FAIL", "INCRBY", "u8", "100", "300");
        t.expect(14L, "STRLEN", "new");
        t.expect(Arrays.asList(null, 1L), "BITFIELD", "new2", "OVERFLOW", "FAIL", "INCRBY", "u8", "100", "300",
                "INCRBY", "u8", "200", "1");
        t.expect(26L, "STRLEN", "new2");
        // TTL kept.
        t.call("SET", "ttl", "v", "EX", "100");
        long at = t.expireAt("ttl");
        t.call("BITFIELD", "ttl", "SET", "u8", "0", "1");
        assertEquals(at, t.expireAt("ttl"));
    }

    @Test
    void bitfieldOverflowEdgesMatchRedis() {
        t.call("BITFIELD", "k", "SET", "i8", "0", "-128");
        // Redis's overflow test classifies INT64_MIN as an upward overflow for small signed fields.
        t.expect(List.of(-128L), "BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", "0", "-9223372036854775808");
        t.expect(List.of(127L), "BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", "0", "-200");
        t.expect(List.of(-128L), "BITFIELD", "k", "OVERFLOW", "WRAP", "SET", "i8", "0", "-9223372036854775808");
        t.expect(List.of(0L), "BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", "0", "9223372036854775807");
        t.expect(Arrays.asList((Object) null), "BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "i8", "0", "200");
        t.expect(List.of(127L), "BITFIELD", "k", "OVERFLOW", "WRAP", "SET", "u8", "0", "-1");
        t.expect(List.of(255L), "BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "0", "-1");
        t.expect(List.of(255L), "BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "0", "-9223372036854775808");
        t.expect(List.of(0L), "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "-9223372036854775808");
        t.expect(List.of(0L), "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "-1000");
        t.expect(Arrays.asList((Object) null), "BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "-1000");
        t.expect(List.of(24L), "BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "-1000");
        t.expect(List.of(1729382256910270464L, -1L, 9223372036854775807L, 9223372036854775807L),
                "BITFIELD", "k", "SET", "i64", "0", "-1", "GET", "i64", "0", "GET", "u63", "0", "GET", "u63", "1");
        t.expect(List.of(-9223372036854775808L), "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-9223372036854775808");
        t.expect(List.of(0L), "BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "i64", "0", "-9223372036854775808");
        t.expect(List.of(9223372036854775807L), "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "9223372036854775807");
        t.expect(List.of(9223372036854775807L), "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "9223372036854775807");
        t.expect(Arrays.asList((Object) null), "BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "1");
        t.expect(List.of(-9223372036854775808L), "BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "i64", "0", "1");
        t.expect(List.of(4611686018427387903L), "BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "u63", "0", "9223372036854775807");
        t.expect(List.of(9223372036854775807L), "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u63", "0", "9223372036854775807");
    }

    @Test
    void bitfieldErrors() {
        for (String type : new String[] {"u64", "i65", "u0", "i0", "x8", "i08", "I8", "U8", "i", "u-1", ""}) {
            t.expectError(TYPE, "BITFIELD", "k", "GET", type, "0");
        }
        t.expectError(OFFSET, "BITFIELD", "k", "GET", "u8", "#-1");
        t.expectError(OFFSET, "BITFIELD", "k", "GET", "u8", "-1");
        t.expectError(OFFSET, "BITFIELD", "k", "GET", "u8", "4294967296");
        t.expectError(OFFSET, "BITFIELD", "k", "GET", "u8", "#536870912");
        t.expectError(OFFSET, "BITFIELD", "k", "GET", "u8", "#9223372036854775807");
        t.expectError(OFFSET, "BITFIELD", "k", "GET", "u8", "#");
        t.expect(List.of(0L), "BITFIELD", "k", "GET", "u8", "4294967288");
        t.expect(List.of(0L), "BITFIELD", "k", "GET", "u8", "#536870911");
        t.expectError(SYNTAX, "BITFIELD", "k", "SET", "u8", "0");
        t.expectError(NOT_INTEGER, "BITFIELD", "k", "SET", "u8", "0", "a");
        t.expectError(SYNTAX, "BITFIELD", "k", "OVERFLOW");
        t.expectError("ERR Invalid OVERFLOW type specified", "BITFIELD", "k", "OVERFLOW", "foo", "GET", "u8", "0");
        t.expectError(SYNTAX, "BITFIELD", "k", "foo");
        t.expectError(SYNTAX, "BITFIELD", "k", "GET", "u8");
        // Every operation is parsed before any runs: an error leaves the key untouched.
        t.expectError(NOT_INTEGER, "BITFIELD", "k", "SET", "u8", "0", "1", "SET", "u8", "0", "a");
        t.expectError(OFFSET, "BITFIELD", "k", "GET", "u8", "a", "SET", "u8", "0", "1");
        assertFalse(t.exists("k"));
        t.plantList("list");
        t.expectError(WRONGTYPE, "BITFIELD", "list", "GET", "u8", "0");
        t.expectError(WRONGTYPE, "BITFIELD", "list", "SET", "u8", "0", "1");
        t.expectError(OFFSET, "BITFIELD", "list", "GET", "u8", "a");
    }

    @Test
    void bitfieldRo() {
        t.call("SET", "k", "\u0012\u0034");
        t.expect(List.of(18L, 2L), "BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i4", "4");
        t.expect(List.of(0L), "BITFIELD_RO", "nokey", "GET", "u8", "0");
        t.expect(List.of(), "BITFIELD_RO", "k");
        t.expect(List.of(), "BITFIELD_RO", "k", "OVERFLOW", "SAT");
        t.expectError("ERR BITFIELD_RO only supports the GET subcommand", "BITFIELD_RO", "k", "SET", "u8", "0", "1");
        t.expectError("ERR BITFIELD_RO only supports the GET subcommand", "BITFIELD_RO", "k", "INCRBY", "u8", "0", "1");
        t.expectError(SYNTAX, "BITFIELD_RO", "k", "foo");
        t.expect("\u0012\u0034", "GET", "k");
        t.plantList("list");
        t.expectError(WRONGTYPE, "BITFIELD_RO", "list", "GET", "u8", "0");
    }

    @Test
    void resp3NullForFailedBitfield() throws Exception {
        try (StringsTestSupport.Raw r3 = new StringsTestSupport.Raw(t, true)) {
            assertEquals("*2\r\n_\r\n:1\r\n",
                    r3.send("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "5", "INCRBY", "u2", "0", "1"));
        }
        assertTrue(t.exists("k"));
    }
}
