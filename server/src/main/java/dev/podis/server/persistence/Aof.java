package dev.podis.server.persistence;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Log;
import dev.podis.server.Propagation;
import dev.podis.server.ServerContext;
import dev.podis.server.config.ConfigException;
import dev.podis.server.config.ServerConfig;
import dev.podis.storage.Database;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.Snapshot;
import dev.podis.storage.rdb.RdbWriter;
import dev.podis.storage.StoredValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The append-only file, as Redis 7's multi-part AOF (aof.c): a subscriber of the write stream
 * ({@link Propagation}) that appends each executed write, as RESP, to the current incremental
 * file of the AOF directory ({@code dir}/{@code appenddirname}), whose files the manifest
 * ({@link AofManifest}) lists.
 *
 * <p><b>Writing.</b> Commands collect in a buffer ({@link #feed}); the buffer is written to the
 * file once per event-loop batch and always before any reply leaves ({@link #beforeReply}, which
 * every client flush calls), so an acknowledged write is at least in the page cache. Then, by
 * {@code appendfsync}: {@code always} fsyncs before the replies go out (one fsync per batch, for
 * all clients of it); {@code everysec} fsyncs on a background thread once a second; {@code no}
 * leaves it to the kernel. With {@code aof-timestamp-enabled} a {@code #TS:<unix seconds>} line
 * precedes the first command of each second.
 *
 * <p><b>Failures.</b> A failed write keeps its data in the buffer (a partial write is cut off the
 * file) and is retried by the cron; meanwhile {@code aof_last_write_status} is {@code err} and
 * write commands (and PING) are refused with {@code MISCONF Errors writing to the AOF file: ...},
 * as Redis. Under {@code appendfsync always} nothing written can be acknowledged, so, as Redis
 * exits, the server stops without sending the batch's replies.
 *
 * <p><b>Rewrite.</b> BGREWRITEAOF, the automatic rewrite ({@code auto-aof-rewrite-percentage},
 * {@code auto-aof-rewrite-min-size}) and CONFIG SET appendonly yes: a new incremental file is
 * opened (and the manifest persisted) first; the keyspace as of that instant is written to a
 * temporary base file (RDB with {@code aof-use-rdb-preamble yes}, else commands); once it is on
 * disk it is renamed to the next base name, the old base and the incremental files it covers
 * become history in a new manifest (written to a temporary name, fsynced, renamed, directory
 * fsynced), and the history files are deleted. At every instant the manifest on disk describes a
 * complete AOF. The keyspace copy is taken synchronously on the command thread for now; the
 * fork-less incremental snapshot plugs in at {@link #copyKeyspace}.
 *
 * <p>Runs on the command thread, except the everysec fsync.
 */
public final class Aof implements Propagation.Subscriber {
    /** Redis's aof_state. */
    public enum State { OFF, ON, WAIT_REWRITE }

    private static final byte[] SELECT = "SELECT".getBytes(StandardCharsets.US_ASCII);
    /** Seconds between two logs of the same write error (AOF_WRITE_LOG_ERROR_RATE). */
    private static final int LOG_ERROR_RATE = 30;
    private static final int FSYNC_ALWAYS = 0;
    private static final int FSYNC_EVERYSEC = 1;
    private static final int FSYNC_NO = 2;

    private final ServerContext server;
    private final ServerConfig config;
    private final dev.podis.server.config.ConfigValue keySaveDelay;
    private volatile State state = State.OFF;
    private volatile int fsyncPolicy;

    private Path dir;
    private String fileName;
    private AofManifest manifest;
    /** The incremental file being appended to (a temporary one while WAIT_REWRITE), or null. */
    private FileChannel fd;
    private ByteBuf buf = Unpooled.buffer(4096);
    private final RespWriter out = new RespWriter(buf, null);
    private int selectedDb = -1;
    private long timestamp;
    private boolean flushScheduled;
    /** DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each write of the buffer (tests). */
    private volatile long flushSleepMicros;
    /** Set when persisting failed under appendfsync always: no reply may leave any more. */
    private volatile boolean dead;

    private long currentSize;
    private long rewriteBaseSize;
    private long lastIncrSize;
    private volatile long fsyncOffset;
    private long lastFsyncSecond;

    private volatile boolean lastWriteOk = true;
    private String lastWriteError = "";
    private long lastWriteErrorLog;
    private volatile String bgFsyncError;
    private long delayedFsync;
    private final ExecutorService fsyncThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "podis-aof-fsync");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.atomic.AtomicInteger fsyncsPending = new java.util.concurrent.atomic.AtomicInteger();

    private Rewrite rewriting;
    private boolean rewriteScheduled;
    private long rewriteStartedAt = -1;
    private long lastRewriteSeconds = -1;
    private long rewrites;
    private boolean lastRewriteOk = true;
    private int consecutiveFailures;
    private long nextRewriteAllowed;
    private int nextDelayMinutes;

    public Aof(ServerContext server) {
        this.server = server;
        this.config = server.config();
        this.keySaveDelay = config.value("rdb-key-save-delay");
        fsyncPolicy(config.get("appendfsync"));
        config.onChange("appendfsync", this::fsyncPolicy);
        server.readiness().add(() -> state != State.OFF && (!lastWriteOk || bgFsyncError != null)
                ? "the AOF cannot be written (writes refused: MISCONF)" : null);
    }

    private void fsyncPolicy(String v) {
        int p = switch (v) {
            case "always" -> FSYNC_ALWAYS;
            case "no" -> FSYNC_NO;
            default -> FSYNC_EVERYSEC;
        };
        int prev = fsyncPolicy;
        fsyncPolicy = p;
        if (p == FSYNC_ALWAYS && prev != FSYNC_ALWAYS && fd != null) {
            // what was written under the old policy must be on disk before 'always' acknowledges more
            try {
                fd.force(false);
                fsyncOffset = currentSize;
            } catch (IOException e) {
                Log.warn("Fail to fsync the AOF file: " + AofLoader.reason(e));
            }
        }
    }

    public State state() {
        return state;
    }

    public boolean enabled() {
        return state != State.OFF;
    }

    /** The AOF directory: {@code dir}/{@code appenddirname}. */
    public Path directory() {
        return Path.of(config.get("dir")).resolve(config.get("appenddirname"));
    }

    // ------------------------------------------------------------------ start-up

    /**
     * At start-up with {@code appendonly yes}: loads the AOF (an old single-file AOF found in
     * {@code dir} is first moved into the AOF directory with a manifest of its own, as Redis 7
     * upgrades it), then opens it for appending: creates a base when there is none (an empty
     * dataset), opens the last incremental file or a new one, and persists the manifest. The
     * files load in steps on the command loop (clients get {@code -LOADING} meanwhile, as for the
     * RDB); {@link Persistence#loaded()} completes when the AOF is open, or fails with the reason
     * it cannot be loaded (the server must not go on). Call it once the command loop exists.
     *
     * @throws IllegalStateException when the manifest is unreadable or the old AOF cannot be moved
     */
    public void startUp() {
        this.fileName = config.get("appendfilename");
        this.dir = directory();
        long begin = System.nanoTime();
        manifest = loadManifest();
        upgradeIfNeeded();
        Persistence p = server.persistence();
        long dirty = server.keyspace().dirty();
        AofLoader loader = loader();
        AofLoader.Status st = loader.start(manifest);
        if (st != null) {
            if (st == AofLoader.Status.FAILED || st == AofLoader.Status.OPEN_ERR) {
                throw new IllegalStateException(loader.failure());
            }
            server.commandLoop().execute(() -> finishStartUp(loader, dirty, begin));
            return;
        }
        p.aofLoading(loader.totalSize());
        server.commandLoop().execute(new Runnable() {
            @Override
            public void run() {
                boolean done = loader.step(50_000_000L);
                p.aofLoadingProgress(loader.loadedBytes());
                if (!done) {
                    // go on after the loop has served clients (-LOADING) and probes
                    server.commandLoop().schedule(this, 10, TimeUnit.MICROSECONDS);
                    return;
                }
                finishStartUp(loader, dirty, begin);
            }
        });
    }

    /** After the load, on the command loop: the AOF opened for appending (aofOpenIfNeededOnServerStart). */
    private void finishStartUp(AofLoader loader, long dirty, long begin) {
        Persistence p = server.persistence();
        p.aofLoaded(dirty);
        AofLoader.Status st = loader.status();
        if (st == AofLoader.Status.FAILED || st == AofLoader.Status.OPEN_ERR) {
            p.loaded().completeExceptionally(new IOException(loader.failure()));
            return;
        }
        if (st != AofLoader.Status.NOT_EXIST) {
            Log.notice(String.format("DB loaded from append only file: %.3f seconds", (System.nanoTime() - begin) / 1e9));
        }
        currentSize = loader.totalSize();
        rewriteBaseSize = loader.baseSize();
        fsyncOffset = currentSize;
        try {
            openOnStart();
        } catch (IOException e) {
            Log.warn(e.getMessage());
            p.loaded().completeExceptionally(e);
            return;
        }
        state = State.ON;
        server.propagation().subscribe(this);
        p.loaded().complete(null);
    }

    private AofLoader loader() {
        return new AofLoader(server, server.dispatcher(), dir, config.getBool("aof-load-truncated"));
    }

    /**
     * DEBUG LOADAOF: the buffer written, the dataset emptied and loaded again from the AOF
     * directory. Returns an error text, or null. A damaged AOF stops the server, as Redis exits.
     */
    public String debugLoadAof() {
        killRewrite("DEBUG LOADAOF");
        if (state == State.ON) {
            flush(true);
        } else {
            fileName = config.get("appendfilename");
            dir = directory();
        }
        server.keyspace().flushAll();
        AofManifest m;
        try {
            m = loadManifest();
        } catch (IllegalStateException e) {
            server.fatal(e.getMessage());
            return e.getMessage();
        }
        manifest = m;
        deleteHistory();
        AofLoader loader = loader();
        AofLoader.Status st = loader.loadAll(manifest);
        if (st == AofLoader.Status.NOT_EXIST) {
            return "no AOF to load";
        }
        if (st == AofLoader.Status.FAILED || st == AofLoader.Status.OPEN_ERR) {
            server.fatal(loader.failure());
            return loader.failure();
        }
        if (state == State.ON) {
            selectedDb = -1;
        }
        Log.notice("Append Only File loaded by DEBUG LOADAOF");
        return null;
    }

    private AofManifest loadManifest() {
        Path m = dir.resolve(AofManifest.manifestName(fileName));
        if (!Files.isDirectory(dir) || !Files.exists(m)) {
            return new AofManifest(fileName);
        }
        byte[] content;
        try {
            content = Files.readAllBytes(m);
        } catch (IOException e) {
            throw new IllegalStateException("Fatal error: can't open the AOF manifest file " + m + " for reading: "
                    + AofLoader.reason(e), e);
        }
        try {
            return AofManifest.parse(fileName, content);
        } catch (AofManifest.FormatException e) {
            Log.warn("*** FATAL AOF MANIFEST FILE ERROR ***");
            String where = e.text() == null ? "" : " (reading the manifest file, at line " + e.line() + ": '" + e.text() + "')";
            Log.warn(e.getMessage() + where);
            throw new IllegalStateException("Fatal AOF manifest file error in " + m + where + ": " + e.getMessage());
        }
    }

    /** Redis 7's upgrade of an old single-file AOF ({@code dir}/{@code appendfilename}) into the AOF directory. */
    private void upgradeIfNeeded() {
        Path old = Path.of(config.get("dir")).resolve(fileName);
        if (!Files.isRegularFile(old)) {
            return;
        }
        boolean upgrade = !Files.isDirectory(dir)
                || manifest.isEmpty()
                || (manifest.base() != null && manifest.incrs().isEmpty() && manifest.base().name().equals(fileName)
                && !Files.exists(dir.resolve(fileName)));
        if (!upgrade) {
            return;
        }
        try {
            Files.createDirectories(dir);
            AofManifest m = new AofManifest(fileName);
            m.upgradeBase(fileName);
            persistManifest(m);
            move(old, dir.resolve(fileName));
            manifest = m;
            Log.notice("Successfully migrated an old-style AOF file (" + fileName + ") into the AOF directory ("
                    + config.get("appenddirname") + ").");
        } catch (IOException e) {
            throw new IllegalStateException("Error trying to move the old AOF file " + fileName + " into dir "
                    + config.get("appenddirname") + ": " + AofLoader.reason(e), e);
        }
    }

    /** aofOpenIfNeededOnServerStart. */
    private void openOnStart() throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("Can't open or create append-only dir " + dir + ": " + AofLoader.reason(e), e);
        }
        if (manifest.isEmpty()) {
            String base = manifest.newBase(useRdbBase());
            Path tmp = Path.of(config.get("dir")).resolve("temp-rewriteaof-" + ProcessHandle.current().pid() + ".aof");
            writeBase(tmp);
            move(tmp, dir.resolve(base));
            Log.notice("Creating AOF base file " + base + " on server start");
            rewriteBaseSize = Files.size(dir.resolve(base));
            currentSize += rewriteBaseSize;
        }
        boolean existing = !manifest.incrs().isEmpty();
        String name = manifest.lastIncr();
        try {
            fd = FileChannel.open(dir.resolve(name), StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                    StandardOpenOption.CREATE);
        } catch (IOException e) {
            throw new IOException("Can't open the append-only file " + name + ": " + AofLoader.reason(e), e);
        }
        persistManifest(manifest);
        lastIncrSize = fd.size();
        fsyncOffset = currentSize;
        Log.notice((existing ? "Opening" : "Creating") + " AOF incr file " + name + " on server start");
    }

    // ------------------------------------------------------------------ CONFIG SET appendonly

    /**
     * CONFIG SET appendonly yes (startAppendOnly): the AOF starts with a rewrite that creates its
     * base; until that is done the state is WAIT_REWRITE.
     */
    public void enable() throws ConfigException {
        if (state != State.OFF) {
            return;
        }
        this.fileName = config.get("appendfilename");
        this.dir = directory();
        if (manifest == null || !manifest.fileName().equals(fileName)) {
            manifest = loadManifestQuietly();
        }
        state = State.WAIT_REWRITE;
        server.propagation().subscribe(this);
        if (server.keyspace().runningSnapshot() != null) {
            rewriteScheduled = true;
            Log.warn("AOF was enabled but there is already another background operation. An AOF background was "
                    + "scheduled to start when possible.");
        } else if (!rewrite()) {
            server.propagation().unsubscribe(this);
            state = State.OFF;
            closeFd();
            Log.warn("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. "
                    + "Check the above logs for more info about the error.");
            throw new ConfigException("Unable to turn on AOF. Check server logs.");
        }
        lastFsyncSecond = nowSeconds();
        if (bgFsyncError != null) {
            Log.warn("AOF reopen, just ignore the AOF fsync error in bio job");
            bgFsyncError = null;
        }
        if (!lastWriteOk) {
            Log.warn("AOF reopen, just ignore the last error.");
            lastWriteOk = true;
        }
    }

    private AofManifest loadManifestQuietly() {
        try {
            return loadManifest();
        } catch (IllegalStateException e) {
            Log.warn(e.getMessage());
            return new AofManifest(fileName);
        }
    }

    /** CONFIG SET appendonly no (stopAppendOnly): everything written and fsynced, the file closed. */
    public void disable() {
        if (state == State.OFF) {
            return;
        }
        killRewrite("appendonly no");
        flush(true);
        if (fd != null) {
            try {
                fd.force(false);
                fsyncOffset = currentSize;
                lastFsyncSecond = nowSeconds();
            } catch (IOException e) {
                Log.warn("Fail to fsync the AOF file: " + AofLoader.reason(e));
            }
        }
        closeFd();
        server.propagation().unsubscribe(this);
        state = State.OFF;
        selectedDb = -1;
        rewriteScheduled = false;
        lastIncrSize = 0;
        buf.clear();
    }

    /**
     * At shutdown: the buffer written and the file fsynced ("Calling fsync() on the AOF file."),
     * unless {@code persist} is false (the server stops on an error that forbids writing more).
     * The background fsync thread ends either way.
     */
    public void shutdown(boolean persist) {
        killRewrite("shutdown");
        if (!persist) {
            closeFd();
            state = State.OFF;
        } else if (state != State.OFF) {
            Log.notice("Calling fsync() on the AOF file.");
            flush(true);
            if (fd != null) {
                try {
                    fd.force(false);
                } catch (IOException e) {
                    Log.warn("Fail to fsync the AOF file: " + AofLoader.reason(e));
                }
            }
            closeFd();
            server.propagation().unsubscribe(this);
            state = State.OFF;
        }
        fsyncThread.shutdown();
        try {
            fsyncThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeFd() {
        if (fd != null) {
            try {
                fd.close();
            } catch (IOException e) {
                Log.warn("Error closing the AOF file: " + AofLoader.reason(e));
            }
            fd = null;
        }
    }

    // ------------------------------------------------------------------ the stream

    @Override
    public int targets() {
        return Propagation.AOF;
    }

    /** feedAppendOnlyFile: a #TS annotation when the second changed, SELECT when the database did, the command. */
    @Override
    public void feed(int db, byte[][] argv) {
        if (state == State.OFF || (state == State.WAIT_REWRITE && rewriting == null)) {
            return; // waiting for a rewrite that has not started: it will copy this write
        }
        if (config.getBool("aof-timestamp-enabled")) {
            long now = nowSeconds();
            if (timestamp < now) {
                timestamp = now;
                buf.writeBytes(("#TS:" + now + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
        if (db >= 0 && db != selectedDb) {
            out.arrayHeader(2);
            out.bulk(SELECT);
            out.bulkDecimal(db);
            selectedDb = db;
        }
        out.arrayHeader(argv.length);
        for (byte[] a : argv) {
            out.bulk(a);
        }
    }

    /** After each unit: the buffer is written before the event loop sleeps again (Redis's beforeSleep). */
    @Override
    public void unitEnd() {
        if (!flushScheduled && buf.isReadable() && server.commandLoop() != null) {
            flushScheduled = true;
            server.commandLoop().execute(() -> {
                flushScheduled = false;
                flush(false);
            });
        }
    }

    /**
     * Called before any reply is sent: writes the buffer (and under {@code appendfsync always}
     * fsyncs it). Returns false if the replies must not go out (always, and the write failed: the
     * server is stopping).
     */
    public boolean beforeReply() {
        if (dead) {
            return false;
        }
        if (state == State.OFF || !buf.isReadable()) {
            return true;
        }
        return flush(false) || fsyncPolicy != FSYNC_ALWAYS;
    }

    /**
     * flushAppendOnlyFile: writes the buffer to the file, then fsyncs as the policy says.
     * Returns false when the write failed (the data stays in the buffer).
     */
    boolean flush(boolean force) {
        if (fd == null) {
            return true;
        }
        long nowSec = nowSeconds();
        if (!buf.isReadable()) {
            if (fsyncPolicy == FSYNC_EVERYSEC && fsyncOffset != currentSize && nowSec > lastFsyncSecond
                    && fsyncsPending.get() == 0) {
                backgroundFsync(nowSec);
            }
            return true;
        }
        if (flushSleepMicros > 0) {
            sleepMicros(flushSleepMicros); // DEBUG AOF-FLUSH-SLEEP: widens the window tests look into
        }
        int len = buf.readableBytes();
        long written = 0;
        IOException error = null;
        long startNs = System.nanoTime();
        try {
            ByteBuffer nio = buf.nioBuffer(buf.readerIndex(), len);
            while (nio.hasRemaining()) {
                written += fd.write(nio);
            }
        } catch (IOException e) {
            error = e;
        }
        server.latencyMonitor().addIfNeeded("aof-write", (System.nanoTime() - startNs) / 1_000_000);
        if (error != null) {
            boolean log = nowSec - lastWriteErrorLog > LOG_ERROR_RATE;
            if (log) {
                lastWriteErrorLog = nowSec;
            }
            if (written > 0) {
                if (log) {
                    Log.warn("Short write while writing to the AOF file: (nwritten=" + written + ", expected=" + len + ")");
                }
                try {
                    fd.truncate(lastIncrSize);
                    written = 0;
                } catch (IOException e) {
                    if (log) {
                        Log.warn("Could not remove short write from the append-only file.  Redis may refuse to load "
                                + "the AOF the next time it starts.  ftruncate: " + AofLoader.reason(e));
                    }
                }
            } else if (log) {
                Log.warn("Error writing to the AOF file: " + AofLoader.reason(error));
            }
            lastWriteError = AofLoader.reason(error);
            if (fsyncPolicy == FSYNC_ALWAYS) {
                // Replies of this batch are written but must not be acknowledged: stop, as Redis exits.
                dead = true;
                server.fatal("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
                return false;
            }
            lastWriteOk = false;
            if (written > 0) {
                currentSize += written;
                lastIncrSize += written;
                buf.skipBytes((int) written);
            }
            return false;
        }
        if (!lastWriteOk) {
            Log.warn("AOF write error looks solved, Redis can write again.");
            lastWriteOk = true;
        }
        currentSize += written;
        lastIncrSize += written;
        if (buf.capacity() > 4 * 1024 * 1024) {
            buf.release();
            buf = Unpooled.buffer(4096);
            out.target(buf);
        } else {
            buf.clear();
        }
        if (fsyncPolicy == FSYNC_ALWAYS) {
            long t = System.nanoTime();
            try {
                fd.force(false);
            } catch (IOException e) {
                dead = true;
                server.fatal("Can't persist AOF for fsync error when the AOF fsync policy is 'always': "
                        + AofLoader.reason(e) + ". Exiting...");
                return false;
            }
            server.latencyMonitor().addIfNeeded("aof-fsync-always", (System.nanoTime() - t) / 1_000_000);
            fsyncOffset = currentSize;
            lastFsyncSecond = nowSec;
        } else if (fsyncPolicy == FSYNC_EVERYSEC && nowSec > lastFsyncSecond) {
            if (fsyncsPending.get() == 0) {
                backgroundFsync(nowSec);
            }
            lastFsyncSecond = nowSec;
        }
        return true;
    }

    private void backgroundFsync(long nowSec) {
        FileChannel ch = fd;
        long upTo = currentSize;
        fsyncsPending.incrementAndGet();
        fsyncThread.execute(() -> {
            try {
                ch.force(false);
                fsyncOffset = upTo;
                bgFsyncError = null;
            } catch (IOException e) {
                if (ch.isOpen()) {
                    bgFsyncError = AofLoader.reason(e);
                    Log.warn("Fail to fsync the AOF file: " + bgFsyncError);
                }
            } finally {
                fsyncsPending.decrementAndGet();
            }
        });
        lastFsyncSecond = nowSec;
    }

    /** Fsyncs and closes a file in the background (an incremental file a rewrite replaced). */
    private void backgroundFsyncAndClose(FileChannel ch) {
        fsyncsPending.incrementAndGet();
        fsyncThread.execute(() -> {
            try {
                ch.force(false);
            } catch (IOException e) {
                Log.warn("Fail to fsync the AOF file: " + AofLoader.reason(e));
            } finally {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
                fsyncsPending.decrementAndGet();
            }
        });
    }

    /**
     * Redis's writeCommandsDeniedByDiskError for the AOF: the MISCONF error text while the last
     * write (or background fsync) failed, else null.
     */
    public String writeRefusal() {
        if (state == State.OFF) {
            return null;
        }
        if (!lastWriteOk) {
            return "MISCONF Errors writing to the AOF file: " + lastWriteError;
        }
        String bg = bgFsyncError;
        if (bg != null) {
            return "MISCONF Errors writing to the AOF file: " + bg;
        }
        return null;
    }

    // ------------------------------------------------------------------ cron

    /** From the server cron: retry a failed write, the everysec fsync, scheduled and automatic rewrites. */
    public void cron() {
        if (state != State.OFF && (!lastWriteOk || buf.isReadable() || fsyncOffset != currentSize)) {
            flush(false);
        }
        boolean otherSnapshot = server.keyspace().runningSnapshot() != null; // a BGSAVE: wait for it
        if (rewriting == null && !otherSnapshot && rewriteScheduled && !rewriteLimited()) {
            rewrite();
        }
        if (state == State.ON && rewriting == null && !otherSnapshot) {
            long perc = config.getLong("auto-aof-rewrite-percentage");
            if (perc > 0 && currentSize > config.getLong("auto-aof-rewrite-min-size")) {
                long base = rewriteBaseSize > 0 ? rewriteBaseSize : 1;
                long growth = currentSize * 100 / base - 100;
                if (growth >= perc && !rewriteLimited()) {
                    Log.notice("Starting automatic rewriting of AOF on " + growth + "% growth");
                    rewrite();
                }
            }
        }
    }

    /** aofRewriteLimited: after 3 failures in a row, automatic rewrites wait 1, 2, 4 ... 60 minutes. */
    private boolean rewriteLimited() {
        if (consecutiveFailures < 3) {
            nextDelayMinutes = 0;
            nextRewriteAllowed = 0;
            return false;
        }
        long now = nowSeconds();
        if (nextRewriteAllowed != 0) {
            if (now < nextRewriteAllowed) {
                return true;
            }
            nextRewriteAllowed = 0;
            return false;
        }
        nextDelayMinutes = nextDelayMinutes == 0 ? 1 : Math.min(60, nextDelayMinutes * 2);
        nextRewriteAllowed = now + nextDelayMinutes * 60L;
        Log.warn("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in "
                + nextDelayMinutes + " minutes");
        return true;
    }

    // ------------------------------------------------------------------ rewrite

    /** BGREWRITEAOF: the status reply text, or an error text starting with "ERR". */
    public String bgrewriteaof(boolean inTransaction) {
        if (rewriting != null) {
            return "ERR Background append only file rewriting already in progress";
        }
        if (inTransaction || server.keyspace().runningSnapshot() != null) {
            rewriteScheduled = true;
            consecutiveFailures = 0;
            return "Background append only file rewriting scheduled";
        }
        prepareFiles();
        consecutiveFailures = 0;
        if (rewrite()) {
            return "Background append only file rewriting started";
        }
        return "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";
    }

    /** With the AOF off (BGREWRITEAOF without appendonly), the directory and manifest a rewrite uses. */
    private void prepareFiles() {
        if (state == State.OFF) {
            fileName = config.get("appendfilename");
            dir = directory();
            if (manifest == null || !manifest.fileName().equals(fileName)) {
                manifest = loadManifestQuietly();
            }
        }
    }

    /** One rewrite in progress (Redis's AOF child). */
    private final class Rewrite {
        final Path temp;
        final FileChannel channel;
        final String tempIncr;
        final int stale;
        Snapshot snapshot;

        Rewrite(Path temp, FileChannel channel, String tempIncr, int stale) {
            this.temp = temp;
            this.channel = channel;
            this.tempIncr = tempIncr;
            this.stale = stale;
        }
    }

    /** Whether a rewrite is running (aof_rewrite_in_progress). */
    public boolean rewriteInProgress() {
        return rewriting != null;
    }

    /**
     * rewriteAppendOnlyFileBackground: the new incremental file is opened (and the manifest
     * persisted) first, then a point-in-time snapshot of the keyspace is written to a temporary
     * base file by the snapshot's writer thread while commands go on into the new incremental file
     * ({@link #rewriteFinished} completes it). When commands are still owed to the old file (it
     * could not be written), the copy is taken at once instead, so that they can be dropped in
     * favour of the base. Returns false if the rewrite could not start (or, taken at once, failed).
     */
    private boolean rewrite() {
        rewriteScheduled = false;
        if (rewriting != null) {
            return false;
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            Log.warn("Can't open or create append-only dir " + dir + ": " + AofLoader.reason(e));
            lastRewriteOk = false;
            return false;
        }
        selectedDb = -1; // the next command in the new file starts with a SELECT
        flush(true);
        // Commands still in the buffer (the old file cannot be written) are in the copy taken below.
        int stale = buf.readableBytes();
        FileChannel previous = fd;
        AofManifest temp = manifest.copy();
        String tempIncr = null;
        FileChannel newFd = null;
        if (state != State.OFF) {
            String name = state == State.WAIT_REWRITE ? AofManifest.tempIncrName(fileName) : temp.newIncr();
            try {
                newFd = FileChannel.open(dir.resolve(name), StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                if (state == State.ON) {
                    persistManifest(temp);
                } else {
                    tempIncr = name;
                }
            } catch (IOException e) {
                Log.warn("Can't open the append-only file " + name + ": " + AofLoader.reason(e));
                closeQuietly(newFd);
                lastRewriteOk = false;
                return false;
            }
            Log.notice("Creating AOF incr file " + name + " on background rewrite");
            if (previous != null) {
                backgroundFsyncAndClose(previous);
            }
            fd = newFd;
            fsyncOffset = currentSize;
            lastFsyncSecond = nowSeconds();
            lastIncrSize = 0;
            if (state == State.ON) {
                manifest = temp;
            }
        }
        long pid = ProcessHandle.current().pid();
        Path tmp = Path.of(config.get("dir")).resolve("temp-rewriteaof-bg-" + pid + ".aof");
        FileChannel ch;
        try {
            ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            Log.warn("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): " + AofLoader.reason(e));
            lastRewriteOk = false;
            consecutiveFailures++;
            return false;
        }
        rewrites++;
        rewriteStartedAt = System.currentTimeMillis();
        Rewrite r = new Rewrite(tmp, ch, tempIncr, stale);
        rewriting = r;
        Log.notice("Background append only file rewriting started by pid " + pid);
        KeyspaceSink sink = baseWriter(ch);
        if (stale > 0) {
            Throwable failure = null;
            try {
                server.keyspace().copyTo(sink);
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            return rewriteFinished(r, failure);
        }
        try {
            r.snapshot = server.keyspace().snapshot(sink, BackgroundSave.snapshotOptions(config, "podis-aof-rewrite"));
        } catch (RuntimeException e) {
            return rewriteFinished(r, e);
        }
        r.snapshot.done().whenComplete((ok, failure) -> {
            try {
                server.commandLoop().execute(() -> rewriteFinished(r, failure));
            } catch (RuntimeException stopped) {
                // the server is closing: the temporary file is removed by shutdown()
            }
        });
        BackgroundSave.drive(server, r.snapshot);
        return true;
    }

    /** The sink that writes a base file to {@code ch}: RDB or commands, then fsynced and closed. */
    private KeyspaceSink baseWriter(FileChannel ch) {
        OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
        KeyspaceSink writer;
        try {
            writer = useRdbBase() ? new RdbWriter(os, server.persistence().writerOptions().aofBase(true))
                    : new AofCommandSink(os, config.getBool("aof-timestamp-enabled") ? nowSeconds() : 0,
                            server.scripting().functions().libraries().stream()
                                    .map(dev.podis.server.scripting.Functions.Library::code).toList());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new KeyspaceSink() {
            @Override
            public void database(int db, long keys, long expires) throws IOException {
                writer.database(db, keys, expires);
            }

            @Override
            public void entry(byte[] key, StoredValue value) throws IOException {
                writer.entry(key, value);
                long delay = keySaveDelay.asLong(); // rdb-key-save-delay, a testing aid as in Redis
                if (delay > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(delay * 1000);
                }
            }

            @Override
            public void end() throws IOException {
                writer.end();
                os.flush();
                ch.force(true); // on the writer thread: the base is on disk before it is named
                ch.close();
            }
        };
    }

    /** backgroundRewriteDoneHandler, on the command loop; returns whether the rewrite succeeded. */
    private boolean rewriteFinished(Rewrite r, Throwable failure) {
        if (rewriting != r) {
            return false; // killed meanwhile
        }
        rewriting = null;
        closeQuietly(r.channel);
        boolean ok = false;
        if (failure == null) {
            Log.notice("Successfully created the temporary AOF base file " + r.temp.getFileName());
            Log.notice("Background AOF rewrite terminated with success");
            try {
                ok = rewriteDone(r.temp, r.tempIncr);
            } catch (IOException | RuntimeException e) {
                Log.warn("Background AOF rewrite failed: " + e.getMessage());
            }
        } else {
            Log.warn("Write error writing append only file on disk: " + BackgroundSave.reason(failure));
            Log.warn("Background AOF rewrite terminated with error");
        }
        deleteQuietly(r.temp);
        lastRewriteSeconds = (System.currentTimeMillis() - rewriteStartedAt) / 1000;
        rewriteStartedAt = -1;
        if (ok) {
            buf.skipBytes(Math.min(r.stale, buf.readableBytes()));
            if (r.stale > 0 && !lastWriteOk) {
                // what the old file could not take is in the new base: nothing is owed any more
                Log.warn("AOF write error looks solved, Redis can write again.");
                lastWriteOk = true;
            }
            lastRewriteOk = true;
            consecutiveFailures = 0;
            Log.notice("Background AOF rewrite finished successfully");
        } else {
            lastRewriteOk = false;
            consecutiveFailures++;
            if (state == State.WAIT_REWRITE) {
                // what was written meanwhile is in the dataset the next attempt copies
                if (r.tempIncr != null) {
                    Log.notice("Removing the temp incr aof file " + r.tempIncr + " in the background");
                    deleteQuietly(dir.resolve(r.tempIncr));
                }
                closeFd();
                buf.clear();
                rewriteScheduled = true;
            }
        }
        return ok;
    }

    /** Stops a running rewrite (killAppendOnlyChild): its temporary files are removed. */
    private void killRewrite(String why) {
        Rewrite r = rewriting;
        if (r == null) {
            return;
        }
        Log.notice("Killing running AOF rewrite: " + why);
        rewriting = null;
        if (r.snapshot != null) {
            r.snapshot.abort(why);
        }
        closeQuietly(r.channel);
        deleteQuietly(r.temp);
        if (r.tempIncr != null) {
            deleteQuietly(dir.resolve(r.tempIncr));
        }
        rewriteStartedAt = -1;
    }

    /** backgroundRewriteDoneHandler after a successful base write. */
    private boolean rewriteDone(Path tmp, String tempIncr) throws IOException {
        AofManifest temp = manifest.copy();
        String baseName = temp.newBase(useRdbBase());
        Path basePath = dir.resolve(baseName);
        try {
            move(tmp, basePath);
        } catch (IOException e) {
            Log.warn("Error trying to rename the temporary AOF base file " + tmp.getFileName() + " into " + baseName
                    + ": " + AofLoader.reason(e));
            return false;
        }
        Log.notice("Successfully renamed the temporary AOF base file " + tmp.getFileName() + " into " + baseName);
        if (state == State.WAIT_REWRITE) {
            String incrName = temp.newIncr();
            try {
                move(dir.resolve(tempIncr), dir.resolve(incrName));
            } catch (IOException e) {
                Log.warn("Error trying to rename the temporary AOF incr file " + tempIncr + " into " + incrName + ": "
                        + AofLoader.reason(e));
                deleteQuietly(basePath);
                return false;
            }
            Log.notice("Successfully renamed the temporary AOF incr file " + tempIncr + " into " + incrName);
        }
        temp.markRewrittenIncrsAsHistory(fd != null);
        try {
            persistManifest(temp);
        } catch (IOException e) {
            deleteQuietly(basePath);
            return false;
        }
        manifest = temp;
        long baseSize = Files.size(basePath);
        if (fd != null) {
            selectedDb = -1;
            currentSize = baseSize + lastIncrSize;
            rewriteBaseSize = currentSize;
            fsyncOffset = currentSize;
            lastFsyncSecond = nowSeconds();
        }
        deleteHistory();
        if (state == State.WAIT_REWRITE) {
            state = State.ON;
        }
        return true;
    }

    /** aofDelHistoryFiles: history files deleted, the manifest persisted without them. */
    private void deleteHistory() {
        if (manifest.history().isEmpty() || config.getBool("aof-disable-auto-gc")) {
            return;
        }
        for (AofManifest.Entry e : manifest.history()) {
            Log.notice("Removing the history file " + e.name() + " in the background");
            deleteQuietly(dir.resolve(e.name()));
        }
        AofManifest m = manifest.copy();
        m.clearHistory();
        try {
            persistManifest(m);
            manifest = m;
        } catch (IOException e) {
            // the files are gone; the next manifest write drops them
            manifest = m;
        }
    }

    private boolean useRdbBase() {
        return config.getBool("aof-use-rdb-preamble");
    }

    /** Writes a base file of the keyspace as it is now to {@code tmp}, fsynced (rewriteAppendOnlyFile). */
    private void writeBase(Path tmp) throws IOException {
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            server.keyspace().copyTo(baseWriter(ch));
        } finally {
            closeQuietly(ch);
        }
    }

    // ------------------------------------------------------------------ files

    /** Writes the manifest to a temporary file, fsyncs, renames it over the manifest, fsyncs the directory. */
    private void persistManifest(AofManifest m) throws IOException {
        try {
            RdbFile.write(dir.resolve(AofManifest.manifestName(fileName)), AofManifest.tempManifestName(fileName), ch -> {
                ByteBuffer b = ByteBuffer.wrap(m.format().getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            });
        } catch (IOException e) {
            Log.warn("Can't write the AOF manifest file " + AofManifest.manifestName(fileName) + ": " + AofLoader.reason(e));
            throw e;
        }
    }

    /** Renames atomically and fsyncs the target's directory, so the rename survives a crash. */
    private static void move(Path from, Path to) throws IOException {
        RdbFile.replace(from, to);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            Log.warn("Can't remove " + p + ": " + AofLoader.reason(e));
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    private static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    // ------------------------------------------------------------------ INFO

    /** The aof_* fields of INFO persistence, in Redis's order (the first block). */
    public void info(InfoSink f) {
        f.field("aof_enabled", state != State.OFF ? 1 : 0);
        f.field("aof_rewrite_in_progress", rewriting != null ? 1 : 0);
        f.field("aof_rewrite_scheduled", rewriteScheduled ? 1 : 0);
        f.field("aof_last_rewrite_time_sec", lastRewriteSeconds);
        f.field("aof_current_rewrite_time_sec",
                rewriteStartedAt < 0 ? -1 : (System.currentTimeMillis() - rewriteStartedAt) / 1000);
        f.field("aof_last_bgrewrite_status", lastRewriteOk ? "ok" : "err");
        f.field("aof_rewrites", rewrites);
        f.field("aof_rewrites_consecutive_failures", consecutiveFailures);
        f.field("aof_last_write_status", lastWriteOk && bgFsyncError == null ? "ok" : "err");
        f.field("aof_last_cow_size", 0);
    }

    /** The fields Redis adds when the AOF is on (after module_fork_last_cow_size). */
    public void infoWhenEnabled(InfoSink f) {
        if (state == State.OFF) {
            return;
        }
        f.field("aof_current_size", currentSize);
        f.field("aof_base_size", rewriteBaseSize);
        f.field("aof_pending_rewrite", rewriteScheduled ? 1 : 0);
        f.field("aof_buffer_length", buf.readableBytes());
        f.field("aof_pending_bio_fsync", fsyncsPending.get());
        f.field("aof_delayed_fsync", delayedFsync);
    }

    /** DEBUG AOF-FLUSH-SLEEP: the server sleeps this long before writing the AOF buffer (for tests). */
    public void flushSleep(long micros) {
        this.flushSleepMicros = Math.max(0, micros);
    }

    private static void sleepMicros(long micros) {
        try {
            Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bytes held by the AOF buffer (INFO memory mem_aof_buffer). */
    public long bufferMemory() {
        return buf.capacity();
    }

    /** Where INFO fields go. */
    public interface InfoSink {
        void field(String name, Object value);
    }
}
