package dev.podis.storage.rdb;

import dev.podis.storage.KeyspaceSink;

import java.io.IOException;

/**
 * A {@link KeyspaceSink} that takes string keys without expiry as bytes: {@link RdbLoader} reads
 * each such key into {@link #packed()} (when not null) and calls {@link #packedEntry} instead of
 * building a value for {@link #entry}.
 */
public interface PackedSink extends KeyspaceSink {
    /** Where the next string key without expiry goes, or null to get it as an {@link #entry}. */
    PackedStrings packed();

    /** A key was appended to {@link #packed()}, starting at {@code pos}. */
    void packedEntry(int pos) throws IOException;
}
