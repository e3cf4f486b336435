package dev.podis.storage;

/**
 * A write was refused because the keyspace has reached its memory budget ({@code maxmemory}, or
 * the machine's or container's memory when none is configured) and cannot grow any further.
 *
 * <p>The keyspace is unchanged when this is thrown. The server turns it into Redis's reply
 * {@code -OOM command not allowed when used memory > 'maxmemory'.}
 *
 * <p>It is the last line, not the maxmemory policy: the keyspace refuses only a write that needs
 * a bigger map once {@link Keyspace#usedMemory()} has reached the budget, so it may hold somewhat
 * more than {@code maxmemory}. The server enforces {@code maxmemory} itself, as Redis does (evict,
 * or refuse {@code denyoom} commands, when used memory is over it).
 */
public final class KeyspaceFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KeyspaceFullException(String message) {
        super(message, null, false, false);
    }
}
