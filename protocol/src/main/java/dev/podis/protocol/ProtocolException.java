package dev.podis.protocol;

/**
 * Malformed client input. The message is Redis's text without the leading "ERR "
 * (for example {@code "Protocol error: invalid bulk length"}); the server replies
 * {@code -ERR <message>} and closes the connection, as Redis does.
 */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message, null, false, false);
    }
}
