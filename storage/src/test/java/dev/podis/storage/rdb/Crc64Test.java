package dev.podis.storage.rdb;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Crc64Test {
    @Test
    void matchesRedisTestVectors() {
        // crc64.c's own test: crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xe9c6d914c4b8d9caL, Crc64.of(check, 0, check.length));
    }

    @Test
    void updateContinues() {
        byte[] b = "hello world".getBytes(StandardCharsets.US_ASCII);
        long whole = Crc64.of(b, 0, b.length);
        assertEquals(whole, Crc64.update(Crc64.of(b, 0, 4), b, 4, b.length - 4));
    }
}
