package dev.podis.server.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The data directory's record of what the last save held: {@code podis-dataset} next to the RDB
 * file, rewritten (temporary file, fsync, rename) after every successful save, with the number
 * of keys saved, the file and the time:
 * <pre>
 * keys:1000000
 * file:dump.rdb
 * saved:1795667110123
 * </pre>
 * At start-up it tells an empty dataset that is expected (nothing was ever saved here, or the
 * last save held no keys) from one that is not (the file is missing, was emptied, or another
 * {@code dbfilename} is configured), so that a restarted primary does not serve an empty dataset
 * to its clients and replicas ({@code refuse-empty-start}, see {@link Persistence}).
 */
public final class DatasetMarker {
    static final String NAME = "podis-dataset";

    private DatasetMarker() {
    }

    /** Records a successful save of {@code keys} keys to {@code rdb} (any thread; failures only logged by the caller). */
    public static void write(Path rdb, long keys) throws IOException {
        Path dir = rdb.toAbsolutePath().getParent();
        Path tmp = dir.resolve(NAME + ".tmp");
        String text = "keys:" + keys + "\nfile:" + rdb.getFileName() + "\nsaved:" + System.currentTimeMillis() + "\n";
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        RdbFile.replace(tmp, dir.resolve(NAME));
    }

    /**
     * The keys the last save in {@code dir} held, or -1 when there is no readable marker
     * (nothing is known about an earlier dataset).
     */
    public static long savedKeys(Path dir) {
        try {
            for (String line : Files.readAllLines(dir.resolve(NAME), StandardCharsets.US_ASCII)) {
                if (line.startsWith("keys:")) {
                    return Long.parseLong(line.substring(5).trim());
                }
            }
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
