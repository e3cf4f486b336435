package dev.podis.storage;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LzfTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    private static byte[] roundTrip(byte[] in) {
        byte[] out = new byte[in.length + in.length / 16 + 64];
        int n = Lzf.compress(in, 0, in.length, out, 0, out.length);
        assertTrue(n > 0);
        byte[] back = new byte[in.length];
        assertEquals(in.length, Lzf.decompress(out, 0, n, back, 0, back.length));
        assertArrayEquals(in, back);
        return Arrays.copyOf(out, n);
    }

    @Test
    void literalOnlyBlockDecodes() {
        assertArrayEquals(b("abc"), Lzf.decompress(bytes(0x02, 'a', 'b', 'c'), 3));
    }

    @Test
    void overlappingBackReferenceDecodes() {
        // "abc" then a reference 3 back (offset field 2) of 6 bytes (L = 4)
        assertArrayEquals(b("abcabcabc"), Lzf.decompress(bytes(0x02, 'a', 'b', 'c', 0x80, 0x02), 9));
        // a run: "a" then 9 bytes from 1 back (L = 7 + extra 0)
        assertArrayEquals(b("aaaaaaaaaa"), Lzf.decompress(bytes(0x00, 'a', 0xe0, 0x00, 0x00), 10));
    }

    @Test
    void decodesRedisCompressedString() {
        // A string value as real Redis 7.0 wrote it LZF-compressed in an RDB file (23 -> 60 bytes).
        byte[] redis = bytes(0x06, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x68, 0xe0, 0x0e, 0x05, 0x04, 0x77,
                0x6f, 0x72, 0x6c, 0x64, 0xe0, 0x0e, 0x05, 0x01, 0x64, 0x21);
        String expected = "hello hello hello hello hello world world world world world!";
        assertEquals(60, expected.length());
        assertArrayEquals(b(expected), Lzf.decompress(redis, 60));
        // and ours round-trips it, no longer than Redis's
        byte[] ours = roundTrip(b(expected));
        assertTrue(ours.length <= redis.length + 2, "compressed to " + ours.length);
    }

    @Test
    void roundTripRandomAndRepetitive() {
        Random r = new Random(1);
        for (int t = 0; t < 300; t++) {
            int len = 1 + r.nextInt(t < 200 ? 300 : 70000);
            byte[] in = new byte[len];
            int alphabet = 1 + r.nextInt(t % 3 == 0 ? 256 : 4);
            for (int i = 0; i < len; i++) {
                in[i] = (byte) r.nextInt(alphabet);
            }
            roundTrip(in);
        }
        byte[] rep = new byte[100_000];
        for (int i = 0; i < rep.length; i++) {
            rep[i] = (byte) ("element-" + (i / 450 % 7)).charAt(i % 9);
        }
        byte[] c = roundTrip(rep);
        assertTrue(c.length < rep.length / 10, "repetitive data compressed to " + c.length);
        byte[] zeros = new byte[5000];
        assertTrue(roundTrip(zeros).length < 100);
    }

    @Test
    void incompressibleDataIsNoGain() {
        Random r = new Random(2);
        byte[] in = new byte[4096];
        r.nextBytes(in);
        byte[] out = new byte[in.length - 9];
        assertEquals(0, Lzf.compress(in, 0, in.length, out, 0, out.length));
        assertNull(Lzf.compress(in, 0, in.length, in.length - 9));
        // with room to spare it still encodes (as literals) and round-trips
        roundTrip(in);
    }

    @Test
    void offsetsInsideArrays() {
        byte[] in = b("xxxxhello hello hello hello hello hello hello yyyy");
        byte[] out = new byte[100];
        int n = Lzf.compress(in, 4, in.length - 8, out, 10, 80);
        assertTrue(n > 0 && n < in.length - 8);
        byte[] back = new byte[60];
        int m = Lzf.decompress(out, 10, n, back, 5, 55);
        assertEquals(in.length - 8, m);
        assertArrayEquals(Arrays.copyOfRange(in, 4, in.length - 4), Arrays.copyOfRange(back, 5, 5 + m));
    }

    @Test
    void malformedInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Lzf.decompress(bytes(0x05, 'a'), 6));
        // reference before the start of the output
        assertThrows(IllegalArgumentException.class, () -> Lzf.decompress(bytes(0x20, 0x05), 3));
        // output longer than announced
        assertThrows(IllegalArgumentException.class, () -> Lzf.decompress(bytes(0x02, 'a', 'b', 'c'), 2));
    }
}
