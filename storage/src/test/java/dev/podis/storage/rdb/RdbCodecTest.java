package dev.podis.storage.rdb;

import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.ListValue;
import dev.podis.storage.types.SetValue;
import dev.podis.storage.types.SortedSetValue;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The RDB codec on its own: CRC-64 check value, listpack encoding, every type written and read
 * back (small and large encodings, expiry, several databases), and corrupt or truncated input
 * giving {@link RdbException}s, never other exceptions. Interoperability with real Redis is
 * tested in the server module.
 */
class RdbCodecTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void crc64IsRedisJones() {
        assertEquals(0xe9c6d914c4b8d9caL, Crc64.of(b("123456789")));
        // split updates give the same result
        byte[] data = new byte[1000];
        new Random(1).nextBytes(data);
        long whole = Crc64.of(data);
        long part = Crc64.update(Crc64.update(0, data, 0, 333), data, 333, 667);
        assertEquals(whole, part);
    }

    @Test
    void listpackEncodesIntegersAndStringsAsRedis() {
        Listpack.Writer w = new Listpack.Writer().reset();
        w.add(b("12"));        // 7-bit uint: 1 byte + backlen
        w.add(b("-100"));      // 13-bit
        w.add(b("hello"));     // 6-bit string
        w.add(b("007"));       // not canonical: a string
        int n = w.finish();
        byte[] lp = java.util.Arrays.copyOf(w.array(), n);
        // header 6 + (1+1) + (2+1) + (1+5+1) + (1+3+1) + end 1
        assertEquals(6 + 2 + 3 + 7 + 5 + 1, n);
        assertEquals(12, lp[6]);
        Listpack.Reader r = new Listpack.Reader(lp, n);
        List<String> out = new ArrayList<>();
        while (r.next()) {
            out.add(new String(r.bytes(), StandardCharsets.US_ASCII));
        }
        assertEquals(List.of("12", "-100", "hello", "007"), out);
        // every integer width and long strings round-trip
        long[] ints = {0, 127, 128, -4096, 4095, -32768, 32767, -8388608, 8388607, Integer.MIN_VALUE,
            Integer.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE};
        w.reset();
        for (long v : ints) {
            w.add(Long.toString(v).getBytes(StandardCharsets.US_ASCII));
        }
        String big = "x".repeat(5000);
        String mid = "y".repeat(200);
        w.add(b(big));
        w.add(b(mid));
        n = w.finish();
        r = new Listpack.Reader(w.array(), n);
        for (long v : ints) {
            assertTrue(r.next());
            assertTrue(r.isInteger());
            assertEquals(v, r.integer());
        }
        assertTrue(r.next());
        assertEquals(big, new String(r.bytes(), StandardCharsets.US_ASCII));
        assertTrue(r.next());
        assertEquals(mid, new String(r.bytes(), StandardCharsets.US_ASCII));
        assertTrue(!r.next());
    }

    /** A dataset of every type and encoding in several databases. */
    static Keyspace dataset() {
        Keyspace ks = Keyspace.onHeap(16);
        long far = System.currentTimeMillis() + 3_600_000;
        ks.db(0).put(b("s:small"), StoredValue.string(b("hello")));
        ks.db(0).put(b("s:int"), StoredValue.string(b("12345")));
        ks.db(0).put(b("s:neg"), StoredValue.string(b("-9223372036854775808")));
        ks.db(0).put(b("s:big"), StoredValue.string(b("abc".repeat(5000)), far));
        byte[] binKey = {0, 1, 2, (byte) 0xff, '\r', '\n'};
        ks.db(0).put(binKey, StoredValue.string(new byte[] {(byte) 0x80, 0, 0x7f}));
        ks.db(0).put(b("s:empty"), StoredValue.string(new byte[0]));

        ListValue small = new ListValue();
        for (String e : new String[] {"a", "1", "-5", "ccc"}) {
            small.convertForAppend(-2, b(e));
            small.push(b(e), false, -2);
        }
        ks.db(1).put(b("l:small"), StoredValue.object(ValueType.LIST, small, StoredValue.NO_EXPIRY));
        ListValue big = new ListValue();
        for (int i = 0; i < 3000; i++) {
            byte[] e = b("element-" + i);
            big.convertForAppend(-2, e);
            big.push(e, false, -2);
        }
        byte[] huge = b("z".repeat(20000));
        big.push(huge, false, -2);
        big.compressDepth(1);
        ks.db(1).put(b("l:big"), StoredValue.object(ValueType.LIST, big, far));

        SetValue ints = SetValue.newIntSet();
        for (int i = -50; i < 50; i++) {
            ints.add(b(Integer.toString(i * 1000)), 512, 128, 64);
        }
        ks.db(2).put(b("set:ints"), StoredValue.object(ValueType.SET, ints, StoredValue.NO_EXPIRY));
        SetValue lp = SetValue.newListpack();
        for (String m : new String[] {"x", "y", "42"}) {
            lp.add(b(m), 512, 128, 64);
        }
        ks.db(2).put(b("set:lp"), StoredValue.object(ValueType.SET, lp, StoredValue.NO_EXPIRY));
        SetValue table = SetValue.newListpack();
        for (int i = 0; i < 500; i++) {
            table.add(b("member" + i), 512, 128, 64);
        }
        ks.db(2).put(b("set:table"), StoredValue.object(ValueType.SET, table, StoredValue.NO_EXPIRY));

        SortedSetValue zsmall = SortedSetValue.create(3, 1, 128, 64);
        zsmall.insert(b("a"), 1.5, 128, 64);
        zsmall.insert(b("b"), -2, 128, 64);
        zsmall.insert(b("c"), Double.POSITIVE_INFINITY, 128, 64);
        zsmall.insert(b("d"), 0.1, 128, 64);
        ks.db(3).put(b("z:small"), StoredValue.object(ValueType.ZSET, zsmall, StoredValue.NO_EXPIRY));
        SortedSetValue zbig = SortedSetValue.create(1000, 10, 128, 64);
        for (int i = 0; i < 1000; i++) {
            zbig.insert(b("m" + i), i * 0.37 - 100, 128, 64);
        }
        ks.db(3).put(b("z:big"), StoredValue.object(ValueType.ZSET, zbig, far));

        HashValue hsmall = HashValue.create();
        hsmall.set(b("f1"), b("v1"), 512, 64);
        hsmall.set(b("n"), b("100"), 512, 64);
        ks.db(15).put(b("h:small"), StoredValue.object(ValueType.HASH, hsmall, StoredValue.NO_EXPIRY));
        HashValue hbig = HashValue.create();
        for (int i = 0; i < 700; i++) {
            hbig.set(b("field" + i), b("value" + i), 512, 64);
        }
        ks.db(15).put(b("h:big"), StoredValue.object(ValueType.HASH, hbig, StoredValue.NO_EXPIRY));
        return ks;
    }

    /** A canonical text form of every key and value, to compare datasets. */
    static Map<String, String> contents(Keyspace ks) throws IOException {
        Map<String, String> out = new TreeMap<>();
        ks.copyTo(new KeyspaceSink() {
            int db;

            @Override
            public void database(int index, long keys, long expires) {
                db = index;
            }

            @Override
            public void entry(byte[] key, StoredValue v) {
                out.put(db + ":" + java.util.Arrays.toString(key), describe(v));
            }

            @Override
            public void end() {
            }
        });
        return out;
    }

    static String describe(StoredValue v) {
        StringBuilder sb = new StringBuilder(v.type().redisName()).append(v.hasExpiry() ? " ttl " + v.expireAt() : "").append(' ');
        switch (v.type()) {
            case STRING:
                return sb.append(java.util.Arrays.toString(v.bytes())).toString();
            case LIST: {
                ListValue l = (ListValue) v.object();
                sb.append(l.encoding()).append(' ');
                l.visit(0, true, (a, off, len) -> {
                    sb.append(new String(a, off, len, StandardCharsets.ISO_8859_1)).append(',');
                    return true;
                });
                return sb.toString();
            }
            case SET: {
                SetValue s = (SetValue) v.object();
                List<String> m = new ArrayList<>();
                for (byte[] x : s.toArray()) {
                    m.add(new String(x, StandardCharsets.ISO_8859_1));
                }
                java.util.Collections.sort(m);
                return sb.append(s.encoding()).append(' ').append(m).toString();
            }
            case ZSET: {
                SortedSetValue z = (SortedSetValue) v.object();
                sb.append(z.encoding()).append(' ');
                for (SortedSetValue.Cursor c = z.at(0); c.valid(); c.next()) {
                    sb.append(new String(c.member(), StandardCharsets.ISO_8859_1)).append('=').append(c.score()).append(',');
                }
                return sb.toString();
            }
            default: {
                HashValue h = (HashValue) v.object();
                Map<String, String> m = new TreeMap<>();
                h.forEach((f, fo, fl, x, xo, xl) -> m.put(new String(f, fo, fl, StandardCharsets.ISO_8859_1),
                        new String(x, xo, xl, StandardCharsets.ISO_8859_1)));
                return sb.append(h.encoding()).append(' ').append(m).toString();
            }
        }
    }

    private static byte[] save(Keyspace ks, RdbWriter.Options o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ks.copyTo(new RdbWriter(bytes, o));
        return bytes.toByteArray();
    }

    private static Keyspace load(byte[] file) throws IOException {
        Keyspace ks = Keyspace.onHeap(16);
        RdbLoader loader = new RdbLoader(RdbInput.of(new ByteArrayInputStream(file), file.length), new RdbLoader.Options());
        loader.loadAll(new KeyspaceLoader(ks, true, false));
        return ks;
    }

    @Test
    void everyTypeRoundTripsThroughAFile() throws IOException {
        Keyspace ks = dataset();
        Map<String, String> before = contents(ks);
        for (int version : new int[] {10, 11}) {
            for (boolean compression : new boolean[] {true, false}) {
                byte[] file = save(ks, new RdbWriter.Options().version(version).compression(compression));
                assertEquals(String.format("REDIS%04d", version), new String(file, 0, 9, StandardCharsets.US_ASCII));
                Keyspace back = load(file);
                Map<String, String> after = contents(back);
                if (version == 10) {
                    // no set listpack before version 11: a small set of strings comes back as Redis 7.2 loads it
                    assertEquals(before.keySet(), after.keySet());
                }
                assertEquals(before, after, "version " + version + " compression " + compression);
            }
        }
    }

    @Test
    void checksumIsVerifiedAndCanBeOff() throws IOException {
        Keyspace ks = dataset();
        byte[] file = save(ks, new RdbWriter.Options());
        byte[] bad = file.clone();
        bad[bad.length - 1] ^= 1;
        RdbException e = assertThrows(RdbException.class, () -> load(bad));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        byte[] unchecked = save(ks, new RdbWriter.Options().checksum(false));
        for (int i = 1; i <= 8; i++) {
            assertEquals(0, unchecked[unchecked.length - i]);
        }
        assertEquals(contents(ks), contents(load(unchecked)));
    }

    @Test
    void dumpPayloadRoundTripsAndRefusesDamage() throws Exception {
        ValueCodec codec = new ValueCodec();
        Keyspace ks = dataset();
        EncodingLimits limits = new EncodingLimits();
        ks.copyTo(new KeyspaceSink() {
            @Override
            public void database(int db, long keys, long expires) {
            }

            @Override
            public void entry(byte[] key, StoredValue v) throws IOException {
                byte[] p = DumpPayload.create(codec, v);
                assertEquals(DumpPayload.VERSION, p[p.length - 10]);
                try {
                    StoredValue back = DumpPayload.restore(codec, p, limits, Long.MAX_VALUE);
                    assertEquals(describe(v.withExpireAt(StoredValue.NO_EXPIRY)), describe(back));
                } catch (DumpPayload.Invalid e) {
                    fail(e);
                }
                byte[] crc = p.clone();
                crc[crc.length - 3] ^= 0x10;
                DumpPayload.Invalid bad = assertThrows(DumpPayload.Invalid.class, () -> DumpPayload.restore(codec, crc, limits, 1L << 30));
                assertEquals("ERR DUMP payload version or checksum are wrong", bad.reply());
            }

            @Override
            public void end() {
            }
        });
    }

    /** Every truncation and many random corruptions of a file fail with RdbException only. */
    @Test
    void damagedFilesFailCleanly() throws IOException {
        Keyspace ks = dataset();
        byte[] file = save(ks, new RdbWriter.Options().checksum(false));
        for (int cut = 0; cut < file.length; cut += Math.max(1, file.length / 150)) {
            byte[] part = java.util.Arrays.copyOf(file, cut);
            assertThrows(RdbException.class, () -> load(part), "truncated at " + cut);
        }
        Random r = new Random(7);
        int clean = 0;
        for (int i = 0; i < 400; i++) {
            byte[] bad = file.clone();
            int flips = 1 + r.nextInt(3);
            for (int k = 0; k < flips; k++) {
                bad[9 + r.nextInt(bad.length - 9)] = (byte) r.nextInt(256);
            }
            try {
                load(bad);
                clean++;
            } catch (RdbException expected) {
                assertNotNull(expected.getMessage());
            } catch (RuntimeException | OutOfMemoryError e) {
                throw new AssertionError("corruption " + i + " failed with " + e, e);
            }
        }
        assertTrue(clean < 400);
    }

    @Test
    void randomPayloadsNeverBreakRestore() {
        ValueCodec codec = new ValueCodec();
        Random r = new Random(3);
        EncodingLimits limits = new EncodingLimits();
        for (int i = 0; i < 6000; i++) {
            byte[] body = new byte[1 + r.nextInt(60)];
            r.nextBytes(body);
            body[0] = (byte) new int[] {0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 16, 17, 18, 20}[r.nextInt(16)];
            byte[] p = java.util.Arrays.copyOf(body, body.length + 10);
            p[body.length] = 10;
            long crc = Crc64.update(0, p, 0, body.length + 2);
            for (int k = 0; k < 8; k++) {
                p[body.length + 2 + k] = (byte) (crc >>> (8 * k));
            }
            try {
                DumpPayload.restore(codec, p, limits, 1L << 20);
            } catch (DumpPayload.Invalid expected) {
                assertEquals("ERR Bad data format", expected.reply());
            } catch (RuntimeException | OutOfMemoryError e) {
                throw new AssertionError("payload " + java.util.Arrays.toString(p) + " failed with " + e, e);
            }
        }
    }

    @Test
    void unsupportedTypesSayWhich() {
        byte[] p = {15, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        long crc = Crc64.update(0, p, 0, 4);
        for (int k = 0; k < 8; k++) {
            p[4 + k] = (byte) (crc >>> (8 * k));
        }
        RdbInput in = RdbInput.of(p, 1, 1);
        RdbException e = assertThrows(RdbException.class, () -> new ValueCodec().read(in, 15, new EncodingLimits(), -1, 0));
        assertTrue(e instanceof RdbException.Unsupported);
        assertTrue(e.getMessage().startsWith("type stream not supported"), e.getMessage());
    }

    @Test
    void stringsUseRedisEncodings() throws IOException {
        RdbOutput out = RdbOutput.inMemory(true);
        out.writeString(b("123"));
        out.writeString(b("-129"));
        out.writeString(b("70000"));
        out.writeString(b("12345678901")); // beyond 32 bits: raw
        out.writeString(b("a".repeat(100)));
        byte[] x = out.toByteArray();
        assertArrayEquals(new byte[] {(byte) 0xC0, 123}, java.util.Arrays.copyOfRange(x, 0, 2));
        assertArrayEquals(new byte[] {(byte) 0xC1, 0x7f, (byte) 0xff}, java.util.Arrays.copyOfRange(x, 2, 5));
        assertEquals((byte) 0xC2, x[5]);
        assertEquals(11, x[10]);
        assertEquals((byte) 0xC3, x[22]); // LZF
        RdbInput in = RdbInput.of(x, 0, x.length);
        assertEquals("123", new String(in.readString(), StandardCharsets.US_ASCII));
        assertEquals("-129", new String(in.readString(), StandardCharsets.US_ASCII));
        assertEquals("70000", new String(in.readString(), StandardCharsets.US_ASCII));
        assertEquals("12345678901", new String(in.readString(), StandardCharsets.US_ASCII));
        assertEquals("a".repeat(100), new String(in.readString(), StandardCharsets.US_ASCII));
        Map<String, String> unused = new LinkedHashMap<>();
        assertTrue(unused.isEmpty());
    }
}
