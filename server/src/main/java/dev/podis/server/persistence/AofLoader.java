package dev.podis.server.persistence;

import dev.podis.protocol.ProtocolException;
import dev.podis.protocol.RespParser;
import dev.podis.server.Client;
import dev.podis.server.CommandDispatcher;
import dev.podis.server.Log;
import dev.podis.server.ServerContext;
import dev.podis.storage.KeyspaceFullException;
import dev.podis.storage.rdb.KeyspaceLoader;
import dev.podis.storage.rdb.RdbInput;
import dev.podis.storage.rdb.RdbLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Replays the files of an AOF manifest into the keyspace, as Redis's loadAppendOnlyFiles and
 * loadSingleAppendOnlyFile: the base file (RDB, or commands), then the incremental files in
 * order. Commands run on a detached client through {@link CommandDispatcher#replay} (no checks,
 * statistics or propagation), MULTI ... EXEC blocks are queued and run at EXEC, {@code #}
 * annotation lines ({@code #TS:...}) are skipped, and expiry is paused, so that a key whose time
 * to live ran out since is still there for the commands after it (it expires once loading is
 * over).
 *
 * <p>Loading runs in steps ({@link #step}), so that the server can answer {@code -LOADING} and
 * its probes between them; {@link #loadAll} runs it to the end at once (DEBUG LOADAOF).
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
    private final dev.podis.server.config.ConfigValue keyLoadDelay;
    /** Why loading failed, for the message that refuses the start. */
    private String failure;
    private long commands;
    private long totalSize;
    private long baseSize;
    private long loadedBefore;

    // The load in progress (between start and the end of the last step).
    private AofManifest manifest;
    private List<AofManifest.Entry> files;
    private int fileIndex = -1;
    private FileReplay current;
    private Client client;
    private boolean pausedBefore;
    private Status status;

    AofLoader(ServerContext server, CommandDispatcher dispatcher, Path dir, boolean loadTruncated) {
        this.server = server;
        this.dispatcher = dispatcher;
        this.dir = dir;
        this.loadTruncated = loadTruncated;
        this.keyLoadDelay = server.config().value("key-load-delay");
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

    /** Bytes of the files read so far (INFO loading_loaded_bytes). */
    long loadedBytes() {
        return loadedBefore + (current == null ? 0 : current.position());
    }

    /** The result once {@link #step} returned true (or {@link #start} returned a final status). */
    Status status() {
        return status;
    }

    /** Loads the base and incremental files of {@code am} at once (loadAppendOnlyFiles). */
    Status loadAll(AofManifest am) {
        Status st = start(am);
        if (st != null) {
            return st;
        }
        while (!step(Long.MAX_VALUE)) {
            // until the last file is done
        }
        return status;
    }

    /**
     * Prepares the load of {@code am}: checks that every file it names exists. Returns a final
     * status when there is nothing to load or a file is missing, null when {@link #step} must run.
     */
    Status start(AofManifest am) {
        if (am.isEmpty()) {
            return status = Status.NOT_EXIST;
        }
        List<AofManifest.Entry> list = am.loadOrder();
        long total = 0;
        for (AofManifest.Entry e : list) {
            try {
                total += Files.size(dir.resolve(e.name()));
            } catch (IOException ex) {
                // A file the manifest names but the disk has not is fatal, as in Redis.
                fail("Unable to obtain the AOF file " + e.name() + " length. stat: " + reason(ex));
                return status = Status.FAILED;
            }
        }
        if (total == 0) {
            return status = Status.EMPTY;
        }
        totalSize = total;
        manifest = am;
        files = list;
        pausedBefore = server.keyspace().expiryPaused();
        server.keyspace().pauseExpiry(true);
        client = Client.detached(server);
        status = Status.OK;
        return null;
    }

    /** Loads for about {@code budgetNanos}; true once everything is loaded or loading failed ({@link #status}). */
    boolean step(long budgetNanos) {
        long deadline = budgetNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + budgetNanos;
        try {
            while (true) {
                if (current == null) {
                    if (++fileIndex >= files.size()) {
                        return finish(status);
                    }
                    AofManifest.Entry e = files.get(fileIndex);
                    if (e.type() == AofManifest.BASE) {
                        baseSize = Files.size(dir.resolve(e.name()));
                    }
                    current = new FileReplay(e, e.name().equals(manifest.fileName()));
                    Status opened = current.open();
                    if (opened != null && !fileDone(opened)) {
                        return true;
                    }
                    continue;
                }
                Status st = current.run(deadline);
                if (st == null) {
                    return false; // the budget is used up: more next step
                }
                if (!fileDone(st)) {
                    return true;
                }
            }
        } catch (IOException ex) {
            fail("Unrecoverable error reading the append only file " + name() + ": " + reason(ex));
            return finish(Status.FAILED);
        } catch (KeyspaceFullException ex) {
            fail("The dataset of the append only file " + name() + " does not fit in the memory budget (maxmemory): "
                    + ex.getMessage());
            return finish(Status.FAILED);
        }
    }

    private String name() {
        return current != null ? current.entry.name() : "";
    }

    /** A file ended with {@code st}: false when loading is over (failed). */
    private boolean fileDone(Status st) {
        FileReplay f = current;
        boolean last = fileIndex == files.size() - 1;
        if (st == Status.OK || (st == Status.TRUNCATED && last)) {
            Log.notice(String.format("DB loaded from %s file %s: %.3f seconds",
                    f.entry.type() == AofManifest.BASE ? "base" : "incr", f.entry.name(), (System.nanoTime() - f.started) / 1e9));
        }
        f.close();
        loadedBefore += f.size;
        current = null;
        if (st == Status.EMPTY) {
            st = Status.OK; // some file has data: an empty one is fine
        }
        if (st == Status.TRUNCATED && !last) {
            fail("Fatal error: the truncated file is not the last file");
            finish(Status.FAILED);
            return false;
        }
        if (st == Status.OPEN_ERR || st == Status.FAILED || st == Status.NOT_EXIST) {
            finish(st == Status.NOT_EXIST ? Status.FAILED : st);
            return false;
        }
        status = st;
        return true;
    }

    private boolean finish(Status st) {
        status = st;
        if (current != null) {
            current.close();
            current = null;
        }
        if (client != null) {
            client.closeDetached();
            client = null;
            server.keyspace().pauseExpiry(pausedBefore);
        }
        return true;
    }

    /** One file being replayed: an RDB part (base file or old preamble), then commands. */
    private final class FileReplay {
        final AofManifest.Entry entry;
        final boolean oldStyle;
        final Path path;
        final long started = System.nanoTime();
        FileChannel ch;
        long size;
        RdbLoader rdb;
        KeyspaceLoader rdbSink;
        final RespParser parser = new RespParser();
        ByteBuf in;
        long bufferStart;
        long validUpTo;
        long validBeforeMulti;
        long commandStart;
        List<byte[][]> multi;
        boolean eof;

        FileReplay(AofManifest.Entry entry, boolean oldStyle) {
            this.entry = entry;
            this.oldStyle = oldStyle;
            this.path = dir.resolve(entry.name());
            parser.setMaxBulkLength(Integer.MAX_VALUE - 8);
        }

        long position() {
            try {
                return rdb != null ? rdb.offset() : ch == null ? 0 : bufferStart + (in == null ? 0 : in.readerIndex());
            } catch (RuntimeException e) {
                return 0;
            }
        }

        /** Opens the file: null to go on with {@link #run}, or a final status. */
        Status open() throws IOException {
            String name = entry.name();
            try {
                ch = FileChannel.open(path, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                Log.warn("The append log file " + name + " doesn't exist: No such file or directory");
                return Status.NOT_EXIST;
            } catch (IOException e) {
                fail("Fatal error: can't open the append log file " + name + " for reading: " + reason(e));
                return Status.OPEN_ERR;
            }
            size = ch.size();
            if (size == 0) {
                return Status.EMPTY;
            }
            byte[] sig = new byte[RDB_MAGIC.length];
            int got = ch.read(ByteBuffer.wrap(sig), 0);
            if (got == sig.length && Arrays.equals(sig, RDB_MAGIC)) {
                Log.notice(oldStyle ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...");
                ch.position(0);
                rdb = new RdbLoader(RdbInput.of(ch, size).maxStringLength(Integer.MAX_VALUE - 8),
                        server.persistence().loaderOptions());
                // keys already expired stay: the commands after them were run against them
                rdbSink = new KeyspaceLoader(server.keyspace(), false, false);
            } else {
                startCommands(0);
            }
            return null;
        }

        private void startCommands(long start) throws IOException {
            in = Unpooled.buffer(CHUNK);
            ch.position(start);
            bufferStart = start;
            validUpTo = start;
            validBeforeMulti = start;
            commandStart = start;
            eof = ch.position() >= ch.size();
        }

        void close() {
            if (in != null) {
                in.release();
                in = null;
            }
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // read only
                }
            }
        }

        /** Replays until {@code deadline}: null when there is more, else the file's status. */
        Status run(long deadline) throws IOException {
            if (rdb != null) {
                try {
                    int n = 0;
                    while (rdb.step(rdbSink)) {
                        if ((++n & 255) == 0 && System.nanoTime() > deadline) {
                            return null;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    if (e instanceof KeyspaceFullException) {
                        throw (KeyspaceFullException) e;
                    }
                    fail("Error reading the RDB " + (oldStyle ? "preamble of the AOF file " : "base file ") + entry.name()
                            + ", AOF loading aborted: " + e.getMessage());
                    return Status.FAILED;
                }
                long end = rdb.offset();
                rdb = null;
                if (oldStyle) {
                    Log.notice("Reading the remaining AOF tail...");
                }
                startCommands(end);
            }
            return replayCommands(deadline);
        }

        /** The command part of the file: RESP multibulk commands and # annotations. */
        private Status replayCommands(long deadline) throws IOException {
            String name = entry.name();
            int n = 0;
            while (true) {
                if ((++n & 255) == 0 && System.nanoTime() > deadline && !parser.inProgress()) {
                    return null;
                }
                if (!parser.inProgress()) {
                    if (!in.isReadable()) {
                        if (eof) {
                            break;
                        }
                        refill();
                        continue;
                    }
                    byte first = in.getByte(in.readerIndex());
                    if (first == '#') {
                        int nl = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                        if (nl < 0) {
                            if (eof) {
                                in.readerIndex(in.writerIndex()); // an annotation cut short at the end is harmless
                            } else {
                                refill();
                            }
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
                    refill();
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
                            replay(queued);
                        }
                    }
                    multi = null;
                } else if (multi != null) {
                    multi.add(argv);
                } else {
                    replay(argv);
                }
                validUpTo = end;
            }
            if (multi != null) {
                Log.warn("Revert incomplete MULTI/EXEC transaction in AOF file " + name);
                return truncated(name, path, validBeforeMulti);
            }
            return Status.OK;
        }

        /** Moves unread bytes to the front and reads more. */
        private void refill() throws IOException {
            bufferStart += in.readerIndex();
            in.discardReadBytes();
            in.ensureWritable(CHUNK);
            in.writeBytes(ch, in.writableBytes());
            eof = ch.position() >= ch.size();
        }
    }

    private void replay(byte[][] argv) {
        dispatcher.replay(client, argv);
        client.dropReplies();
        commands++;
        long delay = keyLoadDelay.asLong(); // key-load-delay (µs per command), a testing aid as in Redis
        if (delay > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(delay * 1000);
        }
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
