package dev.podis.storage;

/**
 * A write was refused because the keyspace has reached its memory budget ({@code maxmemory}, or
 * the machine's or container's memory when none is configured) and cannot grow any further.
 *
 * <p>The keyspace is unchanged when this is thrown. The server turns it into Redis's reply
 * {@code -OOM command not allowed when used memory > 'maxmemory'.}
 */
public final class KeyspaceFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KeyspaceFullException(String message) {
        super(message, null, false, false);
    }
}
