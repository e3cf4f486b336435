package dev.podis.storage.types;

/**
 * A stream entry ID: milliseconds and sequence, both unsigned 64-bit numbers (Java longs read as
 * unsigned), ordered by milliseconds then sequence.
 */
public record StreamId(long ms, long seq) implements Comparable<StreamId> {
    public static final StreamId MIN = new StreamId(0, 0);
    public static final StreamId MAX = new StreamId(-1L, -1L);

    @Override
    public int compareTo(StreamId o) {
        int c = Long.compareUnsigned(ms, o.ms);
        return c != 0 ? c : Long.compareUnsigned(seq, o.seq);
    }

    public static int compare(long ms1, long seq1, long ms2, long seq2) {
        int c = Long.compareUnsigned(ms1, ms2);
        return c != 0 ? c : Long.compareUnsigned(seq1, seq2);
    }

    public boolean isZero() {
        return ms == 0 && seq == 0;
    }

    /** The next ID, or null after the last possible one (streamIncrID's error). */
    public StreamId increment() {
        if (seq == -1L) {
            return ms == -1L ? null : new StreamId(ms + 1, 0);
        }
        return new StreamId(ms, seq + 1);
    }

    /** The previous ID, or null before 0-0 (streamDecrID's error). */
    public StreamId decrement() {
        if (seq == 0) {
            return ms == 0 ? null : new StreamId(ms - 1, -1L);
        }
        return new StreamId(ms, seq - 1);
    }

    // Written out: a record's generated equals goes through an invokedynamic bootstrap that showed
    // up in XADD's profile (its check against MAX).
    @Override
    public boolean equals(Object o) {
        return o instanceof StreamId && ((StreamId) o).ms == ms && ((StreamId) o).seq == seq;
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(ms) + Long.hashCode(seq);
    }

    /** The {@code <ms>-<seq>} form replies use. */
    @Override
    public String toString() {
        return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
    }
}
