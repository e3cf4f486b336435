package dev.podis.server.persistence;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writing a data file so that a crash never leaves a half-written one in its place: the bytes
 * go to a temporary file in the same directory, which is fsynced, renamed over the target, and
 * then the directory is fsynced so that the rename itself is durable.
 */
public final class RdbFile {
    /** Writes the content of a file to an open channel. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    private RdbFile() {
    }

    /** Redis's name for the temporary file of a synchronous save: {@code temp-<pid>.rdb}. */
    public static String tempName() {
        return "temp-" + ProcessHandle.current().pid() + ".rdb";
    }

    /**
     * Writes {@code target} durably through the temporary file {@code tempName} in the same
     * directory; on failure the temporary file is removed and {@code target} is unchanged.
     */
    public static void write(Path target, String tempName, Content content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve(tempName);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                content.writeTo(ch);
                ch.force(true);
            }
            replace(tmp, target);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original failure is what matters
            }
            throw e;
        }
    }

    /**
     * Renames the complete, fsynced file {@code tmp} over {@code target} (atomically where the file
     * system can) and fsyncs the directory, so that the rename itself is durable.
     */
    public static void replace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDirectory(target.toAbsolutePath().getParent());
    }

    /** Makes the directory's entries (a rename, a new file) durable. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
