package dev.podis.storage;

import java.util.Arrays;

/**
 * Heap objects (collection values) referenced from off-heap records by slot number. Freed slots
 * are reused; no allocation per value beyond growing the arrays.
 */
final class ObjectTable {
    private Object[] slots = new Object[16];
    private int[] free = new int[16];
    private int freeCount;
    private int top;
    private int live;

    int add(Object o) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (top == slots.length) {
                slots = Arrays.copyOf(slots, top * 2);
            }
            slot = top++;
        }
        slots[slot] = o;
        live++;
        return slot;
    }

    Object get(int slot) {
        return slots[slot];
    }

    void release(int slot) {
        if (slots[slot] == null) {
            return;
        }
        slots[slot] = null;
        live--;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = slot;
    }

    int live() {
        return live;
    }

    long estimatedBytes() {
        return slots.length * 4L + free.length * 4L;
    }

    void clear() {
        slots = new Object[16];
        free = new int[16];
        freeCount = 0;
        top = 0;
        live = 0;
    }
}
