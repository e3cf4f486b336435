package dev.podis.server.persistence;

import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceSink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The RDB codec as the AOF uses it: a base file in RDB format ({@code aof-use-rdb-preamble yes},
 * {@code <name>.<seq>.base.rdb}) is written and read through it, and so is the RDB preamble of an
 * old single-file AOF. Without one, base files are written as commands and an RDB base cannot be
 * loaded.
 */
public interface RdbFormat {
    /** A sink that writes a complete RDB file (header, databases, EOF and checksum) to {@code out}. */
    KeyspaceSink writer(OutputStream out) throws IOException;

    /**
     * Loads the RDB file that starts at the current position of {@code in} into {@code keyspace}
     * and returns the number of bytes it took (an AOF tail may follow).
     *
     * @throws IOException for an unreadable or corrupt RDB, with a message that says why
     */
    long load(InputStream in, Keyspace keyspace) throws IOException;
}
