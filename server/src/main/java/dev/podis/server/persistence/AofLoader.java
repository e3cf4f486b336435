package dev.podis.server.persistence;

import dev.podis.protocol.ProtocolException;
import dev.podis.protocol.RespParser;
import dev.podis.server.Client;
import dev.podis.server.CommandDispatcher;
import dev.podis.server.Log;
import dev.podis.server.ServerContext;
import dev.podis.storage.KeyspaceFullException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import dev.podis.storage.rdb.KeyspaceLoader;
import dev.podis.storage.rdb.RdbInput;
import dev.podis.storage.rdb.RdbLoader;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays the files of an AOF manifest into the keyspace, as Redis's loadAppendOnlyFiles and
 * loadSingleAppendOnlyFile: the base file (RDB, or commands), then the
 * incremental files in order. Commands run on a detached client through
 * {@link CommandDispatcher#replay} (no checks, statistics or propagation), MULTI ... EXEC blocks
 * are queued and run at EXEC, {@code #} annotation lines ({@code #TS:...}) are skipped, and expiry
 * is paused, so that a key whose time to live ran out since is still there for the commands after
 * it (it expires once loading is over).
 *
 * <p>Damage: a file that ends in the middle of a command (or of a MULTI block) is <i>truncated</i>:
 * with {@code aof-load-truncated yes}, and if it is the last file, it loads up to the last whole
 * command and the file is cut there, with Redis's warnings; otherwise loading fails. Anything
 * else malformed fails at once, naming the file and the offset of the bad command.
 */
final class AofLoader {
    enum Status { OK, NOT_EXIST, EMPTY, OPEN_ERR, FAILED, TRUNCATED }

    private static final int CHUNK = 64 * 1024;
    private static final byte[] RDB_MAGIC = "REDIS".getBytes(StandardCharsets.US_ASCII);

    private final ServerContext server;
    private final CommandDispatcher dispatcher;
    private final Path dir;
    private final boolean loadTruncated;
    /** Why loading failed, for the message that refuses the start. */
    private String failure;
    private long commands;
    private long totalSize;
    private long baseSize;

    AofLoader(ServerContext server, CommandDispatcher dispatcher, Path dir, boolean loadTruncated) {
        this.server = server;
        this.dispatcher = dispatcher;
        this.dir = dir;
        this.loadTruncated = loadTruncated;
    }

    String failure() {
        return failure;
    }

    long commands() {
        return commands;
    }

    /** Bytes of the base and incremental files. */
    long totalSize() {
        return totalSize;
    }

    long baseSize() {
        return baseSize;
    }

    /** Loads the base and incremental files of {@code am} (loadAppendOnlyFiles). */
    Status load(AofManifest am) {
        if (am.isEmpty()) {
            return Status.NOT_EXIST;
        }
        List<AofManifest.Entry> files = am.loadOrder();
        long total = 0;
        for (AofManifest.Entry e : files) {
            Path p = dir.resolve(e.name());
            try {
                total += Files.size(p);
            } catch (IOException ex) {
                // A file the manifest names but the disk has not is fatal, as in Redis.
                fail("Unable to obtain the AOF file " + e.name() + " length. stat: " + reason(ex));
                return Status.FAILED;
            }
        }
        if (total == 0) {
            return Status.EMPTY;
        }
        totalSize = total;
        boolean paused = server.keyspace().expiryPaused();
        server.keyspace().pauseExpiry(true);
        Client client = Client.detached(server);
        try {
            Status ret = Status.OK;
            for (int i = 0; i < files.size(); i++) {
                AofManifest.Entry e = files.get(i);
                boolean last = i == files.size() - 1;
                boolean isBase = e.type() == AofManifest.BASE;
                if (isBase) {
                    baseSize = Files.size(dir.resolve(e.name()));
                }
                long start = System.nanoTime();
                ret = loadSingle(client, e.name(), e.name().equals(am.fileName()));
                if (ret == Status.OK || (ret == Status.TRUNCATED && last)) {
                    Log.notice(String.format("DB loaded from %s file %s: %.3f seconds", isBase ? "base" : "incr",
                            e.name(), (System.nanoTime() - start) / 1e9));
                }
                if (ret == Status.EMPTY) {
                    ret = Status.OK; // some file has data: an empty one is fine
                }
                if (ret == Status.TRUNCATED && !last) {
                    fail("Fatal error: the truncated file is not the last file");
                    return Status.FAILED;
                }
                if (ret == Status.OPEN_ERR || ret == Status.FAILED || ret == Status.NOT_EXIST) {
                    return ret == Status.NOT_EXIST ? Status.FAILED : ret;
                }
            }
            return ret;
        } catch (IOException ex) {
            fail("Unrecoverable error reading the append only file: " + reason(ex));
            return Status.FAILED;
        } finally {
            client.closeDetached();
            server.keyspace().pauseExpiry(paused);
        }
    }

    /** Replays one file (loadSingleAppendOnlyFile); {@code oldStyle}: a pre-7.0 single AOF with an RDB preamble. */
    private Status loadSingle(Client client, String name, boolean oldStyle) throws IOException {
        Path path = dir.resolve(name);
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            Log.warn("The append log file " + name + " doesn't exist: No such file or directory");
            return Status.NOT_EXIST;
        } catch (IOException e) {
            fail("Fatal error: can't open the append log file " + name + " for reading: " + reason(e));
            return Status.OPEN_ERR;
        }
        try (ch) {
            long size = ch.size();
            if (size == 0) {
                return Status.EMPTY;
            }
            long start = 0;
            byte[] sig = new byte[RDB_MAGIC.length];
            int got = ch.read(java.nio.ByteBuffer.wrap(sig), 0);
            if (got == sig.length && java.util.Arrays.equals(sig, RDB_MAGIC)) {
                Log.notice(oldStyle ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...");
                try {
                    ch.position(0);
                    // Keys already expired stay: the commands after them were run against them.
                    RdbLoader rdb = new RdbLoader(RdbInput.of(ch, size).maxStringLength(Integer.MAX_VALUE - 8),
                            server.persistence().loaderOptions());
                    rdb.loadAll(new KeyspaceLoader(server.keyspace(), false, false));
                    start = rdb.offset();
                } catch (IOException | RuntimeException e) {
                    fail("Error reading the RDB " + (oldStyle ? "preamble of the AOF file " : "base file ") + name
                            + ", AOF loading aborted: " + e.getMessage());
                    return Status.FAILED;
                }
                if (oldStyle) {
                    Log.notice("Reading the remaining AOF tail...");
                }
            }
            return replayCommands(client, ch, name, path, start);
        }
    }

    /** The command part of a file, from {@code start}: RESP multibulk commands and # annotations. */
    private Status replayCommands(Client client, FileChannel ch, String name, Path path, long start) throws IOException {
        RespParser parser = new RespParser();
        parser.setMaxBulkLength(Integer.MAX_VALUE - 8);
        ByteBuf in = Unpooled.buffer(CHUNK);
        ch.position(start);
        long bufferStart = start; // file offset of in's index 0
        long validUpTo = start;
        long validBeforeMulti = start;
        List<byte[][]> multi = null;
        boolean eof = eof(ch);
        long commandStart = start;
        try {
            while (true) {
                if (!parser.inProgress()) {
                    if (!in.isReadable()) {
                        if (eof) {
                            break;
                        }
                        bufferStart += refill(ch, in);
                        eof = eof(ch);
                        continue;
                    }
                    byte first = in.getByte(in.readerIndex());
                    if (first == '#') {
                        int nl = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                        if (nl < 0) {
                            if (eof) {
                                in.readerIndex(in.writerIndex()); // an annotation cut short at the end is harmless
                                continue;
                            }
                            bufferStart += refill(ch, in);
                            eof = eof(ch);
                            continue;
                        }
                        in.readerIndex(nl + 1);
                        continue;
                    }
                    commandStart = bufferStart + in.readerIndex();
                    if (first != '*') {
                        return badFormat(name, commandStart);
                    }
                }
                byte[][] argv;
                try {
                    argv = parser.parse(in);
                } catch (ProtocolException e) {
                    return badFormat(name, commandStart);
                }
                if (argv == null) {
                    if (eof) {
                        return truncated(name, path, multi != null ? validBeforeMulti : validUpTo);
                    }
                    bufferStart += refill(ch, in);
                    eof = eof(ch);
                    continue;
                }
                if (argv.length == 0) {
                    return badFormat(name, commandStart);
                }
                long end = bufferStart + in.readerIndex();
                if (!dispatcher.knows(argv)) {
                    fail("Unknown command '" + new String(argv[0], StandardCharsets.UTF_8)
                            + "' reading the append only file " + name + " at offset " + commandStart);
                    return Status.FAILED;
                }
                if (isCommand(argv, "multi")) {
                    validBeforeMulti = validUpTo;
                    multi = new ArrayList<>();
                } else if (isCommand(argv, "exec")) {
                    if (multi != null) {
                        for (byte[][] queued : multi) {
                            run(client, queued);
                        }
                    }
                    multi = null;
                } else if (multi != null) {
                    multi.add(argv);
                } else {
                    run(client, argv);
                }
                validUpTo = end;
            }
            if (multi != null) {
                Log.warn("Revert incomplete MULTI/EXEC transaction in AOF file " + name);
                return truncated(name, path, validBeforeMulti);
            }
            return Status.OK;
        } catch (KeyspaceFullException e) {
            fail("The dataset of the append only file " + name + " does not fit in the memory budget (maxmemory): "
                    + e.getMessage());
            return Status.FAILED;
        } finally {
            in.release();
        }
    }

    private void run(Client client, byte[][] argv) {
        dispatcher.replay(client, argv);
        client.dropReplies();
        commands++;
    }

    /** Moves unread bytes to the front and reads more; returns how far the buffer's start moved in the file. */
    private static long refill(FileChannel ch, ByteBuf in) throws IOException {
        int moved = in.readerIndex();
        in.discardReadBytes();
        in.ensureWritable(CHUNK);
        in.writeBytes(ch, in.writableBytes());
        return moved;
    }

    private static boolean eof(FileChannel ch) throws IOException {
        return ch.position() >= ch.size();
    }

    private static boolean isCommand(byte[][] argv, String name) {
        return argv[0].length == name.length() && new String(argv[0], StandardCharsets.US_ASCII).equalsIgnoreCase(name);
    }

    private Status badFormat(String name, long offset) {
        fail("Bad file format reading the append only file " + name + " at offset " + offset
                + ": make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>");
        return Status.FAILED;
    }

    /** The file ends inside a command (or a MULTI block): load up to {@code validUpTo} if allowed (Redis's uxeof). */
    private Status truncated(String name, Path path, long validUpTo) {
        if (loadTruncated) {
            Log.warn("!!! Warning: short read while loading the AOF file " + name + "!!!");
            Log.warn("!!! Truncating the AOF " + name + " at offset " + validUpTo + " !!!");
            try (FileChannel w = FileChannel.open(path, StandardOpenOption.WRITE)) {
                w.truncate(validUpTo);
                w.force(true);
                Log.warn("AOF " + name + " loaded anyway because aof-load-truncated is enabled");
                return Status.TRUNCATED;
            } catch (IOException e) {
                Log.warn("Error truncating the AOF file " + name + ": " + reason(e));
            }
        }
        fail("Unexpected end of file reading the append only file " + name + " (last valid command ends at offset "
                + validUpTo + "). You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
                + "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to "
                + "yes and restart the server.");
        return Status.FAILED;
    }

    private void fail(String why) {
        Log.warn(why);
        failure = why;
    }

    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
