package dev.podis.storage.rdb;

import dev.podis.storage.Keyspace;
import dev.podis.storage.StoredValue;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files of RDB version 9 and older, as Redis 5 and 6 (and 2.x for zipmaps) wrote them: ziplists
 * for lists, quicklist nodes, small hashes and sorted sets, zipmaps, plain lists, text-score
 * sorted sets and second-resolution expiry. The blobs are built here by the formats' rules.
 */
class OldEncodingsTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A ziplist of the given entries (integers encoded as ziplist integers, as zipTryEncoding does). */
    static byte[] ziplist(String... entries) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int prev = 0;
        int lastOffset = 10;
        for (String e : entries) {
            ByteArrayOutputStream en = new ByteArrayOutputStream();
            if (prev < 254) {
                en.write(prev);
            } else {
                en.write(0xFE);
                le(en, prev, 4);
            }
            Long v = null;
            try {
                if (e.length() < 32 && Long.toString(Long.parseLong(e)).equals(e)) {
                    v = Long.parseLong(e);
                }
            } catch (NumberFormatException ignored) {
                // a string
            }
            if (v != null) {
                long x = v;
                if (x >= 0 && x <= 12) {
                    en.write(0xF1 + (int) x);
                } else if (x >= Byte.MIN_VALUE && x <= Byte.MAX_VALUE) {
                    en.write(0xFE);
                    le(en, x, 1);
                } else if (x >= Short.MIN_VALUE && x <= Short.MAX_VALUE) {
                    en.write(0xC0);
                    le(en, x, 2);
                } else if (x >= -(1 << 23) && x < (1 << 23)) {
                    en.write(0xF0);
                    le(en, x, 3);
                } else if (x >= Integer.MIN_VALUE && x <= Integer.MAX_VALUE) {
                    en.write(0xD0);
                    le(en, x, 4);
                } else {
                    en.write(0xE0);
                    le(en, x, 8);
                }
            } else {
                byte[] s = b(e);
                if (s.length < 64) {
                    en.write(s.length);
                } else if (s.length < 16384) {
                    en.write(0x40 | (s.length >>> 8));
                    en.write(s.length & 0xff);
                } else {
                    en.write(0x80);
                    en.write(s.length >>> 24);
                    en.write(s.length >>> 16);
                    en.write(s.length >>> 8);
                    en.write(s.length);
                }
                en.writeBytes(s);
            }
            lastOffset = 10 + body.size();
            prev = en.size();
            body.writeBytes(en.toByteArray());
        }
        ByteArrayOutputStream zl = new ByteArrayOutputStream();
        int total = 10 + body.size() + 1;
        le(zl, total, 4);
        le(zl, lastOffset, 4);
        le(zl, entries.length, 2);
        zl.writeBytes(body.toByteArray());
        zl.write(0xFF);
        return zl.toByteArray();
    }

    static byte[] zipmap(String... fieldsAndValues) {
        ByteArrayOutputStream zm = new ByteArrayOutputStream();
        zm.write(fieldsAndValues.length / 2);
        for (int i = 0; i < fieldsAndValues.length; i++) {
            byte[] s = b(fieldsAndValues[i]);
            if (s.length < 254) {
                zm.write(s.length);
            } else {
                zm.write(254);
                le(zm, s.length, 4);
            }
            if (i % 2 == 1) {
                zm.write(2); // free bytes after the value
            }
            zm.writeBytes(s);
            if (i % 2 == 1) {
                zm.write(0);
                zm.write(0);
            }
        }
        zm.write(0xFF);
        return zm.toByteArray();
    }

    private static void le(ByteArrayOutputStream o, long v, int n) {
        for (int i = 0; i < n; i++) {
            o.write((int) (v >>> (8 * i)));
        }
    }

    /** An RDB 9 file with every old encoding, written with this package's primitives. */
    static byte[] version9File(long expireSeconds) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RdbOutput out = RdbOutput.to(bytes, false, true);
        out.write(b("REDIS0009"));
        out.writeByte(Rdb.OPCODE_AUX);
        out.writeString(b("redis-ver"));
        out.writeString(b("5.0.14"));
        out.writeByte(Rdb.OPCODE_SELECTDB);
        out.writeLength(0);
        out.writeByte(Rdb.TYPE_LIST_ZIPLIST);
        out.writeString(b("list:ziplist"));
        out.writeString(ziplist("a", "1", "-7", "300", "70000", "9000000000", "x".repeat(100)));
        out.writeByte(Rdb.TYPE_LIST_QUICKLIST);
        out.writeString(b("list:quicklist"));
        out.writeLength(2);
        out.writeString(ziplist("n1", "n2"));
        out.writeString(ziplist("n3", "12"));
        out.writeByte(Rdb.TYPE_LIST);
        out.writeString(b("list:plain"));
        out.writeLength(3);
        out.writeString(b("p1"));
        out.writeString(b("2"));
        out.writeString(b("p3"));
        out.writeByte(Rdb.OPCODE_EXPIRETIME);
        for (int i = 0; i < 4; i++) {
            out.writeByte((int) (expireSeconds >>> (8 * i)));
        }
        out.writeByte(Rdb.TYPE_HASH_ZIPLIST);
        out.writeString(b("hash:ziplist"));
        out.writeString(ziplist("f1", "v1", "n", "5"));
        out.writeByte(Rdb.TYPE_HASH_ZIPMAP);
        out.writeString(b("hash:zipmap"));
        out.writeString(zipmap("a", "1", "bb", "22"));
        out.writeByte(Rdb.TYPE_ZSET_ZIPLIST);
        out.writeString(b("zset:ziplist"));
        out.writeString(ziplist("m3", "-inf", "m1", "1", "m2", "2.5"));
        out.writeByte(Rdb.TYPE_ZSET);
        out.writeString(b("zset:text"));
        out.writeLength(2);
        out.writeString(b("t1"));
        out.writeByte(3);
        out.write(b("1.5"));
        out.writeString(b("t2"));
        out.writeByte(254); // +inf
        out.writeByte(Rdb.OPCODE_EOF);
        out.writeMillis(out.crc());
        out.flush();
        return bytes.toByteArray();
    }

    @Test
    void version9EncodingsLoad() throws IOException {
        long expire = System.currentTimeMillis() / 1000 + 3600;
        byte[] file = version9File(expire);
        Keyspace ks = Keyspace.onHeap(16);
        RdbLoader loader = new RdbLoader(RdbInput.of(new ByteArrayInputStream(file), file.length), new RdbLoader.Options());
        loader.loadAll(new KeyspaceLoader(ks, true, false));
        assertEquals(9, loader.version());
        Map<String, String> c = RdbCodecTest.contents(ks);
        assertEquals("list listpack a,1,-7,300,70000,9000000000," + "x".repeat(100) + ",", c.get(key("list:ziplist")));
        assertEquals("list listpack n1,n2,n3,12,", c.get(key("list:quicklist")));
        assertEquals("list listpack p1,2,p3,", c.get(key("list:plain")));
        assertEquals("hash ttl " + expire * 1000 + " listpack {f1=v1, n=5}", c.get(key("hash:ziplist")));
        assertEquals("hash listpack {a=1, bb=22}", c.get(key("hash:zipmap")));
        assertEquals("zset listpack m3=-Infinity,m1=1.0,m2=2.5,", c.get(key("zset:ziplist")));
        assertEquals("zset listpack t1=1.5,t2=Infinity,", c.get(key("zset:text")));
        assertEquals(7, ks.db(0).size());
        StoredValue h = ks.db(0).peek(b("hash:ziplist"));
        assertTrue(h.hasExpiry());
    }

    @Test
    void brokenZiplistsAreCorruptNotCrashes() throws IOException {
        byte[] zl = ziplist("a", "bb", "123", "x".repeat(300));
        for (int i = 0; i < zl.length; i++) {
            for (int delta : new int[] {1, 0x40, 0x80}) {
                byte[] bad = zl.clone();
                bad[i] ^= (byte) delta;
                try {
                    Ziplist z = new Ziplist(bad);
                    while (z.next()) {
                        z.bytes();
                    }
                } catch (IllegalArgumentException expected) {
                    assertTrue(expected.getMessage().contains("ziplist"), expected.getMessage());
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Ziplist.zipmap(new byte[] {2, 5, 'a'}));
        assertEquals(List.of("a", "1"), Ziplist.zipmap(zipmap("a", "1")).stream().map(x -> new String(x, StandardCharsets.UTF_8)).toList());
    }

    private static String key(String k) {
        return "0:" + java.util.Arrays.toString(b(k));
    }
}
