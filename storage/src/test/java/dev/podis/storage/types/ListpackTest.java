package dev.podis.storage.types;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The listpack byte format: encodings at their boundaries, walking both ways, in-place replacement. */
class ListpackTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<byte[]> forward(byte[] lp) {
        List<byte[]> out = new ArrayList<>();
        Listpack.Element e = new Listpack.Element();
        for (int p = Listpack.first(lp); p >= 0; p = Listpack.next(lp, p)) {
            Listpack.get(lp, p, e);
            out.add(e.toBytes());
        }
        return out;
    }

    private static List<byte[]> backward(byte[] lp) {
        List<byte[]> out = new ArrayList<>();
        Listpack.Element e = new Listpack.Element();
        for (int p = Listpack.last(lp); p >= 0; p = Listpack.prev(lp, p)) {
            Listpack.get(lp, p, e);
            out.add(0, e.toBytes());
        }
        return out;
    }

    @Test
    void exactBytesOfRedisEncodings() {
        // what Redis's lpAppend writes: header (total bytes, count), elements with backlen, 0xFF
        byte[] lp = Listpack.create(8);
        lp = Listpack.append(lp, b("1"), 0, 1);        // 7-bit uint: 01 + backlen 01
        lp = Listpack.append(lp, b("-1"), 0, 2);       // 13-bit int: C0|0x1F, 0xFF + backlen 02
        lp = Listpack.append(lp, b("ab"), 0, 2);       // 6-bit string: 0x82 'a' 'b' + backlen 03
        lp = Listpack.append(lp, b("300"), 0, 3);      // 13-bit int 300: C1 2C + 02
        lp = Listpack.append(lp, b("5000"), 0, 4);     // 16-bit int: F1 88 13 + 03
        byte[] expected = {23, 0, 0, 0, 5, 0,
                1, 1,
                (byte) 0xDF, (byte) 0xFF, 2,
                (byte) 0x82, 'a', 'b', 3,
                (byte) 0xC1, 0x2C, 2,
                (byte) 0xF1, (byte) 0x88, 0x13, 3,
                (byte) 0xFF};
        assertArrayEquals(expected, Listpack.shrinkToFit(lp));
    }

    @Test
    void roundTripsIntegersAndStringsAtEveryEncodingBoundary() {
        List<String> values = new ArrayList<>();
        long[] ints = {0, 1, 127, 128, -1, -4096, 4095, 4096, -4097, 32767, -32768, 32768, -32769, 8388607,
            -8388608, 8388608, -8388609, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE + 1L,
            Long.MAX_VALUE, Long.MIN_VALUE};
        for (long v : ints) {
            values.add(Long.toString(v));
        }
        // strings that look like numbers but are not canonical stay strings
        values.addAll(List.of("007", "+1", "-0", "1 ", "", "9223372036854775808", "-9223372036854775809", "1e3"));
        for (int len : new int[] {63, 64, 65, 127, 128, 4095, 4096, 4097, 20000}) {
            values.add("x".repeat(len));
        }
        byte[] lp = Listpack.create(16);
        for (String v : values) {
            byte[] bytes = b(v);
            int before = Listpack.bytes(lp);
            lp = Listpack.append(lp, bytes, 0, bytes.length);
            assertEquals(Listpack.elementSize(bytes, 0, bytes.length), Listpack.bytes(lp) - before, v);
        }
        assertEquals(values.size(), Listpack.headerCount(lp));
        List<byte[]> f = forward(lp);
        List<byte[]> r = backward(lp);
        assertEquals(values.size(), f.size());
        for (int i = 0; i < values.size(); i++) {
            assertEquals(values.get(i), new String(f.get(i), StandardCharsets.UTF_8));
            assertEquals(values.get(i), new String(r.get(i), StandardCharsets.UTF_8));
        }
        Listpack.Element e = new Listpack.Element();
        int p = Listpack.first(lp);
        for (long v : ints) {
            Listpack.get(lp, p, e);
            assertTrue(e.isInt, Long.toString(v));
            assertEquals(v, e.intValue);
            assertEquals(v, Listpack.getInt(lp, p));
            assertTrue(e.equalsBytes(b(Long.toString(v)), 0, Long.toString(v).length()));
            assertFalse(e.equalsBytes(b("0" + v), 0, Long.toString(v).length() + 1));
            p = Listpack.next(lp, p);
        }
    }

    @Test
    void replaceIntegerGrowsAndShrinksInPlace() {
        Random rnd = new Random(7);
        byte[] lp = Listpack.create(8);
        List<Long> model = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long v = rnd.nextInt(300) - 150;
            lp = Listpack.appendInt(lp, v);
            model.add(v);
        }
        for (int round = 0; round < 500; round++) {
            int idx = rnd.nextInt(model.size());
            long v = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextInt(128);
                case 1 -> rnd.nextInt(10000) - 5000;
                case 2 -> rnd.nextLong();
                default -> rnd.nextInt();
            };
            int p = Listpack.first(lp);
            for (int i = 0; i < idx; i++) {
                p = Listpack.next(lp, p);
            }
            lp = Listpack.replaceInt(lp, p, v);
            model.set(idx, v);
            List<byte[]> back = backward(lp);
            for (int i = 0; i < model.size(); i++) {
                assertEquals(Long.toString(model.get(i)), new String(back.get(i), StandardCharsets.US_ASCII));
            }
        }
    }
}
