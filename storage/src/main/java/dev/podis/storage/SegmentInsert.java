package dev.podis.storage;

import net.openhft.chronicle.algo.bitset.BitSetFrame;
import net.openhft.chronicle.algo.bitset.ReusableBitSet;
import net.openhft.chronicle.algo.bitset.SingleThreadedFlatBitSetFrame;
import net.openhft.chronicle.algo.bytes.Access;
import net.openhft.chronicle.algo.hashing.LongHashFunction;
import net.openhft.chronicle.bytes.BytesUtil;
import net.openhft.chronicle.core.Memory;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.hash.impl.BigSegmentHeader;
import net.openhft.chronicle.hash.impl.CompactOffHeapLinearHashTable;
import net.openhft.chronicle.hash.impl.VanillaChronicleHash;
import net.openhft.chronicle.hash.serialization.impl.StopBitSizeMarshaller;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.VanillaChronicleMap;

/**
 * Inserts a key that is not in a Chronicle Map straight into the memory of the map's segment,
 * laid out exactly as the map's own insert lays it out; the start-up load's path for string keys.
 *
 * <p>Why: a start-up load is a million inserts in a freshly started JVM. Chronicle's insert runs
 * through its query context, generated code of several hundred kilobytes whose hot methods each
 * take the optimising compiler (C2) a fifth of a second; on two cores those compiles arrive after
 * the load has ended, so the whole load ran in the quick compiler's code at twice the warm cost
 * per key, with the compiler threads taking a core from it. This class is the same insert in a
 * few dozen lines that both compilers handle at once. It uses the map's own parts for everything
 * with a policy in it (the hash function and how a hash picks a segment and a hash-lookup slot,
 * the hash lookup's slot format, the segment header's counters and lock, the free-chunk bit set),
 * and writes only the entry itself: the key's size as a stop-bit number, the key, the value's
 * size, the value (no alignment, no checksum).
 *
 * <p>It covers the plain case and declines everything else, for the map's own insert to do:
 * a map configured otherwise ({@link #of} returns null), a segment with a second tier, a segment
 * without room (the map's insert adds the tier), a segment locked by another thread. The key's
 * presence is checked by the same search the map makes; a present key is reported, not replaced.
 * {@code SegmentInsertTest} checks that the same inserts and removals made through it and through
 * Chronicle leave byte-identical segments, and reads, iterates and removes what it wrote through
 * Chronicle. An instance is used by one thread at a time (the database's command thread); other
 * threads' Chronicle operations on the map are excluded by the segment lock as usual.
 */
final class SegmentInsert {
    /** The key was inserted. */
    static final int INSERTED = 0;
    /** The key is in the map already: nothing was written. */
    static final int PRESENT = 1;
    /** Nothing was written: the map's own insert must do this one (see the class comment). */
    static final int DECLINED = 2;

    private static final Memory MEMORY = OS.memory();
    private static final LongHashFunction HASH = LongHashFunction.xx_r39();
    private static final BigSegmentHeader HEADERS = BigSegmentHeader.INSTANCE;

    private final VanillaChronicleHash<?, ?, ?, ?> h;
    private final CompactOffHeapLinearHashTable lookup;
    private final ReusableBitSet freeList;
    /** Offsets within a segment's first tier: its free-chunk bit set and its entry space. */
    private final long freeListOffset;
    private final long entrySpaceOffset;

    private SegmentInsert(VanillaChronicleHash<?, ?, ?, ?> h) {
        this.h = h;
        this.lookup = h.hashLookup;
        this.freeList = new ReusableBitSet(new SingleThreadedFlatBitSetFrame(
                (h.actualChunksPerSegmentTier + 63) & ~63L), Access.nativeAccess(), null, 0);
        this.freeListOffset = h.tierHashLookupOuterSize + VanillaChronicleHash.TIER_COUNTERS_AREA_SIZE;
        this.entrySpaceOffset = freeListOffset + h.tierFreeListOuterSize + h.tierEntrySpaceInnerOffset;
    }

    /** An inserter for {@code map}, or null if the map lays its entries out otherwise than this class writes them. */
    static SegmentInsert of(ChronicleMap<byte[], byte[]> map) {
        if (!(map instanceof VanillaChronicleMap<?, ?, ?> m)) {
            return null;
        }
        boolean plain = m.keySizeMarshaller == StopBitSizeMarshaller.INSTANCE
                && m.valueSizeMarshaller == StopBitSizeMarshaller.INSTANCE
                && m.alignment == 1 && !m.checksumEntries
                && (m.constantlySizedEntry || !m.couldNotDetermineAlignmentBeforeAllocation || m.worstAlignment == 0)
                && m.hashLookup != null && m.hashSplitting != null;
        return plain ? new SegmentInsert(m) : null;
    }

    /**
     * Inserts {@code key[keyOffset, +keyLength)} with the value {@code value[0, valueLength)}
     * unless the key is present. Returns {@link #INSERTED}, {@link #PRESENT} or {@link #DECLINED}.
     */
    int insert(byte[] key, int keyOffset, int keyLength, byte[] value, int valueLength) {
        if (h.isClosed()) {
            return DECLINED; // its memory may be gone: the map's own insert reports the closed map
        }
        long hash = HASH.hashBytes(key, keyOffset, keyLength);
        int segment = h.hashSplitting.segmentIndex(hash);
        long searchKey = lookup.maskUnsetKey(h.hashSplitting.segmentHash(hash));
        long header = h.segmentHeaderAddress(segment);
        if (!HEADERS.tryWriteLock(header)) {
            return DECLINED;
        }
        try {
            if (HEADERS.nextTierIndex(header) != 0) {
                return DECLINED;
            }
            long base = h.segmentBaseAddr(segment);
            long entries = base + entrySpaceOffset;
            // The search the map's own lookup makes: linear probing from the key's slot, comparing
            // the stored key wherever the slot's hash bits match.
            long start = lookup.hlPos(searchKey);
            long slot = start;
            while (true) {
                long e = lookup.readEntry(base, slot);
                if (lookup.empty(e)) {
                    break;
                }
                if (lookup.key(e) == searchKey
                        && sameKey(entries + lookup.value(e) * h.chunkSize, key, keyOffset, keyLength)) {
                    return PRESENT;
                }
                slot = lookup.step(slot);
                if (slot == start) {
                    return DECLINED;
                }
            }
            long size = BytesUtil.stopBitLength(keyLength) + keyLength + BytesUtil.stopBitLength(valueLength) + valueLength;
            long chunk = allocate(header, base, h.inChunks(size));
            if (chunk < 0) {
                return DECLINED;
            }
            long at = entries + chunk * h.chunkSize;
            at = BytesUtil.writeStopBit(at, keyLength); // Chronicle's own stop-bit writer, as its marshaller's
            MEMORY.copyMemory(key, keyOffset, at, keyLength);
            at = BytesUtil.writeStopBit(at + keyLength, valueLength);
            MEMORY.copyMemory(value, 0, at, valueLength);
            // A plain write: readers take the segment's read lock, which the write lock held here
            // excludes, and releasing it publishes the entry.
            lookup.writeEntry(base, slot, lookup.entry(searchKey, chunk));
            return INSERTED;
        } finally {
            HEADERS.writeUnlock(header);
        }
    }

    /**
     * Takes {@code chunks} free chunks of the segment's first tier, as the map's allocation does
     * (first fit from the lowest possibly free chunk, the entry count and that mark updated);
     * returns the first chunk, or -1 when the tier has no room (or its hash lookup is full enough
     * that the map would add a tier).
     */
    private long allocate(long header, long base, int chunks) {
        if (chunks > h.maxChunksPerEntry) {
            return -1;
        }
        long lowest = HEADERS.lowestPossiblyFreeChunk(header);
        long tierChunks = h.actualChunksPerSegmentTier;
        long count = HEADERS.entries(header);
        if (lowest + chunks > tierChunks || count >= h.maxEntriesPerHashLookup) {
            return -1;
        }
        freeList.setOffset(base + freeListOffset);
        long first = freeList.setNextNContinuousClearBits(lowest, chunks);
        if (first == BitSetFrame.NOT_FOUND) {
            return -1;
        }
        if (first + chunks > tierChunks) {
            freeList.clearRange(first, first + chunks);
            return -1;
        }
        HEADERS.entries(header, count + 1);
        // A free chunk below the new entry (skipped because the entry needed more) keeps the mark.
        if (chunks == 1 || freeList.get(lowest)) {
            HEADERS.lowestPossiblyFreeChunk(header, first + chunks);
        }
        return first;
    }

    /** Whether the entry at {@code entry} has the key {@code key[offset, +length)}. */
    private static boolean sameKey(long entry, byte[] key, int offset, int length) {
        long size = 0;
        int shift = 0;
        int b;
        do {
            b = MEMORY.readByte(entry++);
            size |= (long) (b & 0x7F) << shift;
            shift += 7;
        } while (b < 0 && shift < 63);
        if (size != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (MEMORY.readByte(entry + i) != key[offset + i]) {
                return false;
            }
        }
        return true;
    }
}
