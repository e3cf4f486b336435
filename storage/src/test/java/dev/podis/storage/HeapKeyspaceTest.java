package dev.podis.storage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HeapKeyspaceTest extends KeyspaceContractTest {
    @Override
    KeyspaceOptions.Backend backend() {
        return KeyspaceOptions.Backend.HEAP;
    }

    @Test
    void isOnHeap() {
        assertEquals("heap", ks.backend());
        assertEquals("heap", Keyspace.onHeap(2).backend());
    }
}
