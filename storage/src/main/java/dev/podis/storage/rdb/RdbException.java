package dev.podis.storage.rdb;

import java.io.IOException;

/**
 * An RDB file or DUMP payload that cannot be read: corrupt, truncated, or holding a type Podis
 * does not hold. The message names the byte offset where reading failed.
 */
public class RdbException extends IOException {
    private final long offset;

    public RdbException(String message, long offset) {
        super(message);
        this.offset = offset;
    }

    /** Byte offset in the file or payload where the problem was found, -1 when unknown. */
    public long offset() {
        return offset;
    }

    /** A type or opcode Podis does not hold (modules, streams until they exist, ...): the data may be valid. */
    public static final class Unsupported extends RdbException {
        public Unsupported(String message, long offset) {
            super(message, offset);
        }
    }
}
