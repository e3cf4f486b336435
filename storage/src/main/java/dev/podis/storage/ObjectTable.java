package dev.podis.storage;

import java.util.Arrays;

/**
 * Heap objects (collection values) referenced from off-heap records by slot number. Freed slots
 * are reused; no allocation per value beyond growing the arrays. Each slot also keeps the bytes
 * its object was last measured at ({@link #account}), summed in {@link #objectBytes()}.
 */
final class ObjectTable {
    private Object[] slots = new Object[16];
    private long[] bytes = new long[16];
    private int[] free = new int[16];
    private int freeCount;
    private int top;
    private int live;
    private long objectBytes;

    int add(Object o) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (top == slots.length) {
                slots = Arrays.copyOf(slots, top * 2);
                bytes = Arrays.copyOf(bytes, top * 2);
            }
            slot = top++;
        }
        slots[slot] = o;
        bytes[slot] = 0;
        live++;
        return slot;
    }

    Object get(int slot) {
        return slots[slot];
    }

    /** Whether {@code slot} holds {@code o}. */
    boolean holds(int slot, Object o) {
        return slot < slots.length && slots[slot] == o && o != null;
    }

    /** Records that the object in {@code slot} now holds {@code n} bytes. */
    void account(int slot, long n) {
        objectBytes += n - bytes[slot];
        bytes[slot] = n;
    }

    void release(int slot) {
        if (slots[slot] == null) {
            return;
        }
        slots[slot] = null;
        objectBytes -= bytes[slot];
        bytes[slot] = 0;
        live--;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = slot;
    }

    int live() {
        return live;
    }

    /** Bytes of the objects as last measured. */
    long objectBytes() {
        return objectBytes;
    }

    /** Bytes of the table itself. */
    long estimatedBytes() {
        return slots.length * 4L + bytes.length * 8L + free.length * 4L;
    }

    void clear() {
        slots = new Object[16];
        bytes = new long[16];
        free = new int[16];
        freeCount = 0;
        top = 0;
        live = 0;
        objectBytes = 0;
    }
}
