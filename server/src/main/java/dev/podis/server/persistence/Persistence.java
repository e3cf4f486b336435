package dev.podis.server.persistence;

import dev.podis.server.Log;
import dev.podis.server.ServerContext;
import dev.podis.server.Version;
import dev.podis.server.config.ServerConfig;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.rdb.EncodingLimits;
import dev.podis.storage.rdb.KeyspaceLoader;
import dev.podis.storage.rdb.RdbInput;
import dev.podis.storage.rdb.RdbLoader;
import dev.podis.storage.rdb.RdbWriter;
import dev.podis.storage.rdb.ValueCodec;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The server's persistence state and what acts on it, in one place (Redis keeps it in
 * {@code server.*} fields): the RDB file ({@code dir}/{@code dbfilename}), SAVE, loading the
 * dataset at start-up (in steps on the command loop, so that clients get {@code -LOADING} and
 * INFO shows the progress), DEBUG RELOAD, and INFO's persistence section. BGSAVE, save points and
 * the AOF build on it: they record their state here and extend {@link #infoSection}.
 *
 * <p>Threading: used on the command loop, except the volatile fields that the admin thread's
 * readiness check reads.
 */
public final class Persistence {
    private final ServerContext server;
    private final ServerConfig config;
    private final ValueCodec codec = new ValueCodec();

    // ---- saving (Redis: server.lastsave, server.dirty after a save, stat_rdb_saves, ...)
    private long lastSave = System.currentTimeMillis() / 1000;
    private long dirtyAtLastSave;
    private long rdbSaves;
    private volatile boolean bgsaveInProgress;
    private long dumpPayloadSanitizations;

    // ---- loading (Redis: server.loading and the loading_* fields)
    private volatile boolean loading;
    private long loadingStartTime;
    private long loadingTotalBytes;
    private long loadingLoadedBytes;
    /** Set by the reader thread of a start-up load (the used-mem aux field). */
    private volatile long loadingRdbUsedMem;
    private long lastLoadKeysLoaded;
    private long lastLoadKeysExpired;
    private final CompletableFuture<Void> loaded = new CompletableFuture<>();
    private long delayedKeys;
    private long keyLoadDelay;
    private volatile BackgroundLoad backgroundLoad;
    private volatile FileChannel loadChannel;

    // ---- background saves, save points, MISCONF; the refused empty start
    private final BackgroundSave backgroundSave;
    private volatile boolean emptyStartRefused;
    private boolean loadAttempted;

    public Persistence(ServerContext server) {
        this.server = server;
        this.config = server.config();
        this.backgroundSave = new BackgroundSave(server, this);
        server.readiness().add(() -> loading ? "loading the dataset" : null);
        server.readiness().add(() -> emptyStartRefused && config.getBool("refuse-empty-start")
                ? "dataset expected but none loaded (see the log; refuse-empty-start no to serve it anyway)" : null);
        server.readiness().add(() -> !backgroundSave.lastOk() && backgroundSave.savePointsConfigured()
                ? "last background save failed" + (backgroundSave.writeRefusal() != null ? " (writes refused: MISCONF)" : "")
                : null);
        loaded.thenRun(this::checkExpectedDataset);
    }

    /** BGSAVE, save points, the last background save's status and MISCONF. */
    public BackgroundSave backgroundSave() {
        return backgroundSave;
    }

    /** The MISCONF error refusing write commands while persistence is failing, or null (see {@link BackgroundSave#writeRefusal}). */
    public String writeRefusal() {
        return backgroundSave.writeRefusal();
    }

    /** From the server cron: save points and scheduled background saves. */
    public void cron() {
        backgroundSave.cron();
    }

    // ================================================================== configuration

    /** The RDB file: {@code dir}/{@code dbfilename}. */
    public Path rdbPath() {
        return Path.of(config.get("dir")).resolve(config.get("dbfilename"));
    }

    /** The conversion thresholds values are loaded into, from the configuration. */
    public EncodingLimits encodingLimits() {
        return new EncodingLimits()
                .hash(config.getLong("hash-max-listpack-entries"), config.getLong("hash-max-listpack-value"))
                .set(config.getLong("set-max-intset-entries"), config.getLong("set-max-listpack-entries"),
                        config.getLong("set-max-listpack-value"))
                .zset(config.getLong("zset-max-listpack-entries"), config.getLong("zset-max-listpack-value"))
                .list(config.getInt("list-max-listpack-size"), config.getInt("list-compress-depth"));
    }

    private String policy() {
        String p = config.get("maxmemory-policy");
        return p == null ? "noeviction" : p;
    }

    /** How RDB files are written: {@code rdbcompression}, {@code rdbchecksum}, aux fields, access data. */
    public RdbWriter.Options writerOptions() {
        RdbWriter.Options o = new RdbWriter.Options()
                .compression(config.getBool("rdbcompression"))
                .checksum(config.getBool("rdbchecksum"))
                .redisVersion(Version.REDIS)
                .usedMemory(server.keyspace().usedMemory())
                .accessData(policy().endsWith("-lru"), policy().endsWith("-lfu"))
                .clock(server.keyspace()::now);
        for (dev.podis.server.scripting.Functions.Library lib : server.scripting().functions().libraries()) {
            o.function(lib.code()); // FUNCTION2 records, as Redis saves its libraries with the data
        }
        return o;
    }

    /** How RDB files are read: thresholds, {@code rdbchecksum}, access data, aux fields noted. */
    public RdbLoader.Options loaderOptions() {
        return new RdbLoader.Options()
                .limits(encodingLimits())
                .verifyChecksum(config.getBool("rdbchecksum"))
                .accessData(policy().endsWith("-lru"), policy().endsWith("-lfu"))
                .clock(server.keyspace()::now)
                .listener(new RdbLoader.Listener() {
                    @Override
                    public void function(byte[] code) {
                        functionRead(code);
                    }

                    @Override
                    public void aux(String key, byte[] value) {
                        String v = new String(value, StandardCharsets.UTF_8);
                        switch (key) {
                            case "redis-ver":
                                Log.notice("Loading RDB produced by version " + v);
                                break;
                            case "ctime":
                                try {
                                    long age = Math.max(0, System.currentTimeMillis() / 1000 - Long.parseLong(v));
                                    Log.notice("RDB age " + age + " seconds");
                                } catch (NumberFormatException ignored) {
                                    // informational only
                                }
                                break;
                            case "used-mem":
                                try {
                                    loadingRdbUsedMem = Long.parseLong(v);
                                    Log.notice(String.format(Locale.ROOT, "RDB memory usage when created %.2f Mb",
                                            loadingRdbUsedMem / (1024.0 * 1024)));
                                } catch (NumberFormatException ignored) {
                                    // informational only
                                }
                                break;
                            default:
                                break;
                        }
                    }
                });
    }

    /** A value codec for the command thread (DUMP, RESTORE, DEBUG OBJECT). */
    public ValueCodec codec() {
        return codec;
    }

    // ================================================================== saving

    /** Unix time in seconds of the last successful save (LASTSAVE, rdb_last_save_time); the start time at first. */
    public long lastSave() {
        return lastSave;
    }

    /** rdb_changes_since_last_save: keyspace changes since the last successful save. */
    public long changesSinceLastSave() {
        return server.keyspace().dirty() - dirtyAtLastSave;
    }

    /** rdb_saves: saves started (SAVE and BGSAVE). */
    public long rdbSaves() {
        return rdbSaves;
    }

    /** Counts a save about to start (SAVE, BGSAVE, a save point). */
    public void countSave() {
        rdbSaves++;
    }

    /** Whether a background save runs (BGSAVE sets it): SAVE is refused meanwhile. */
    public boolean bgsaveInProgress() {
        return bgsaveInProgress;
    }

    public void bgsaveInProgress(boolean running) {
        this.bgsaveInProgress = running;
    }

    /**
     * Records a successful save of the dataset as it was when {@code dirtyAtStart} was the
     * keyspace's change counter, finished at {@code finishedMillis}: changes made since then still
     * count as unsaved (rdb_changes_since_last_save), as in Redis's BGSAVE.
     */
    public void saved(long dirtyAtStart, long finishedMillis) {
        dirtyAtLastSave = dirtyAtStart;
        lastSave = finishedMillis / 1000;
    }

    /**
     * Writes the whole dataset to {@link #rdbPath()} now, on the calling (command) thread: SAVE,
     * DEBUG RELOAD. The file is replaced atomically and durably (see {@link RdbFile}).
     */
    public void save() throws IOException {
        Keyspace ks = server.keyspace();
        long dirty = ks.dirty();
        Path target = rdbPath();
        long start = System.nanoTime();
        try {
            RdbFile.write(target, RdbFile.tempName(), ch -> ks.copyTo(new RdbWriter(ch, writerOptions())));
        } catch (IOException | RuntimeException e) {
            Log.warn("Write error saving DB on disk (" + target + "): " + e.getMessage());
            throw e;
        }
        saved(dirty, System.currentTimeMillis());
        backgroundSave.savedSynchronously();
        long keys = 0;
        for (int i = 0; i < ks.count(); i++) {
            keys += ks.db(i).size();
        }
        datasetSaved(keys, true);
        Log.notice(String.format(Locale.ROOT, "DB saved on disk (%.3f seconds)", (System.nanoTime() - start) / 1e9));
    }

    /**
     * A save of {@code keys} keys reached the disk: an empty start that was refused is over, and
     * (when {@code writeMarker}: a background save writes it on its own thread) the data
     * directory's marker records it (see {@link DatasetMarker}).
     */
    public void datasetSaved(long keys, boolean writeMarker) {
        emptyStartRefused = false;
        if (writeMarker) {
            recordDataset(rdbPath(), keys);
        }
    }

    /** Writes the data directory's marker (any thread); a failure is only logged. */
    static void recordDataset(Path rdb, long keys) {
        try {
            DatasetMarker.write(rdb, keys);
        } catch (IOException | RuntimeException e) {
            Log.warn("Cannot record the saved dataset in " + DatasetMarker.NAME + ": " + e.getMessage());
        }
    }

    /**
     * Whether start-up loaded no keys although the data directory says the last save held some
     * ({@code refuse-empty-start yes}): /readyz stays false and save points do not overwrite the
     * files until an explicit save or {@code CONFIG SET refuse-empty-start no}.
     */
    public boolean emptyStartRefused() {
        return emptyStartRefused && config.getBool("refuse-empty-start");
    }

    private void checkExpectedDataset() {
        if (!loadAttempted) {
            return;
        }
        long expected = DatasetMarker.savedKeys(rdbPath().toAbsolutePath().getParent());
        Keyspace ks = server.keyspace();
        long keys = 0;
        for (int i = 0; i < ks.count(); i++) {
            keys += ks.db(i).size();
        }
        if (expected > 0 && keys == 0) {
            emptyStartRefused = true;
            if (config.getBool("refuse-empty-start")) {
                Log.warn("The data directory " + rdbPath().toAbsolutePath().getParent() + " says the last save held "
                        + expected + " keys, but none were loaded (" + rdbPath().getFileName()
                        + (Files.exists(rdbPath()) ? " is empty" : " is missing")
                        + "). Not ready: refusing to serve an empty dataset. Restore the file, or set "
                        + "refuse-empty-start no to serve it anyway.");
            } else {
                Log.warn("The last save held " + expected + " keys but none were loaded; serving the empty dataset "
                        + "(refuse-empty-start no).");
            }
        }
    }

    /**
     * The persistence part of Redis's finishShutdown: stops a background save, then saves the
     * dataset when save points are configured (unless {@code nosave}) or {@code save} is asked.
     * Nothing is saved while loading, after a failed load, or when an empty start was refused
     * (the files on disk are then all there is). Runs on the command loop, with no command
     * running after it.
     *
     * @return false when the save failed and {@code force} is not set: the shutdown must not go on
     */
    public boolean prepareShutdown(boolean save, boolean nosave, boolean force) {
        if (loading || loaded.isCompletedExceptionally() || emptyStartRefused()) {
            save = false;
            nosave = true;
        }
        if (backgroundSave.inProgress()) {
            Log.warn("There is a background save in progress. Stopping it!");
            backgroundSave.kill("shutdown");
        }
        if ((backgroundSave.savePointsConfigured() && !nosave) || save) {
            Log.notice("Saving the final RDB snapshot before exiting.");
            countSave();
            try {
                save();
            } catch (IOException | RuntimeException e) {
                if (force) {
                    Log.warn("Error trying to save the DB. Exit anyway.");
                } else {
                    Log.warn("Error trying to save the DB, can't exit.");
                    Log.warn("Errors trying to shut down the server. Check the logs for more information.");
                    return false;
                }
            }
        }
        return true;
    }

    /** dump_payload_sanitizations: RESTORE payloads validated deeply. */
    public long dumpPayloadSanitizations() {
        return dumpPayloadSanitizations;
    }

    public void countSanitization() {
        dumpPayloadSanitizations++;
    }

    // ================================================================== loading

    /** Whether the dataset is being loaded (clients get -LOADING; /readyz is false). */
    public boolean loading() {
        return loading;
    }

    /** Completes when the start-up load is over (at once when there was nothing to load); fails with its error. */
    public CompletableFuture<Void> loaded() {
        return loaded;
    }

    /**
     * Loads the dataset at start-up: the RDB file when it exists (the AOF, when enabled, will be
     * chosen here first). The load runs in steps on the command loop, so call it once that loop
     * exists and before clients are accepted: meanwhile clients get {@code -LOADING} and INFO
     * shows the progress. {@link #loaded()} completes at the end.
     */
    public void loadDataset() {
        loadAttempted = true;
        Path file = rdbPath();
        FileChannel ch;
        long size;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            size = ch.size();
        } catch (NoSuchFileException e) {
            loaded.complete(null);
            return;
        } catch (IOException e) {
            Log.warn("Fatal error: can't open the RDB file " + file + " for reading: " + e.getMessage());
            loaded.completeExceptionally(e);
            return;
        }
        startLoading(size);
        loadChannel = ch;
        KeyspaceLoader sink = new KeyspaceLoader(server.keyspace(), true, false);
        RdbLoader loader = new RdbLoader(RdbInput.of(ch, size).maxStringLength(config.getLong("proto-max-bulk-len")),
                loaderOptions());
        long dirty = server.keyspace().dirty();
        long begin = System.nanoTime();
        keyLoadDelay = config.getLong("key-load-delay");
        backgroundLoad = new BackgroundLoad(loader, server.commandLoop(), new BackgroundLoad.Target() {
            @Override
            public KeyspaceSink sink() {
                return sink;
            }

            @Override
            public void progress(long bytes) {
                loadingLoadedBytes = bytes;
            }

            @Override
            public void perKey() {
                if (keyLoadDelay != 0) {
                    keyLoadDelay();
                }
            }

            @Override
            public void done(Throwable failure) {
                close(ch);
                stopLoading(sink);
                if (failure != null) {
                    Log.warn("Internal error in RDB reading: " + failure.getMessage());
                    Log.warn("Terminating server after rdb file reading failure.");
                    loaded.completeExceptionally(failure);
                    return;
                }
                server.keyspace().dirty(dirty);
                dirtyAtLastSave = dirty;
                Log.notice("Done loading RDB, keys loaded: " + sink.loaded() + ", keys expired: " + sink.expired() + ".");
                Log.notice(String.format(Locale.ROOT, "DB loaded from disk: %.3f seconds", (System.nanoTime() - begin) / 1e9));
                loaded.complete(null);
            }
        });
        backgroundLoad.start();
    }

    /** The server is closing: a start-up load still running stops (its reader thread ends). */
    public void close() {
        BackgroundLoad b = backgroundLoad;
        if (b != null && loading) {
            b.cancel();
            close(loadChannel);
            loaded.completeExceptionally(new IOException("the server closed while loading"));
        }
    }

    private void keyLoadDelay() {
        long delay = keyLoadDelay;
        if (delay > 0) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(delay));
        } else if (delay < 0 && (++delayedKeys % -delay) == 0) {
            LockSupport.parkNanos(1000);
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // read only
        }
    }

    /**
     * The AOF's load at start-up (see {@link Aof#startUp}): the same loading state as the RDB's
     * ({@code -LOADING}, readiness, INFO's loading fields), progress in bytes of its files.
     */
    void aofLoading(long totalBytes) {
        startLoading(totalBytes);
    }

    void aofLoadingProgress(long loadedBytes) {
        loadingLoadedBytes = loadedBytes;
    }

    /** The AOF's load is over; loading is not a change ({@code rdb_changes_since_last_save} stays). */
    void aofLoaded(long dirtyBefore) {
        loading = false;
        server.keyspace().dirty(dirtyBefore);
        dirtyAtLastSave = dirtyBefore;
    }

    private void startLoading(long totalBytes) {
        loading = true;
        loadingStartTime = System.currentTimeMillis() / 1000;
        loadingTotalBytes = totalBytes;
        loadingLoadedBytes = 0;
        loadingRdbUsedMem = 0;
        lastLoadKeysLoaded = 0;
        lastLoadKeysExpired = 0;
    }

    /** Function libraries read by a loader running off the command thread, loaded when it ends. */
    private final java.util.Queue<byte[]> functionsRead = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** A FUNCTION2 record: the library is loaded on the command thread (now, or when loading ends). */
    private void functionRead(byte[] code) {
        io.netty.channel.EventLoop loop = server.commandLoop();
        if (loop == null || loop.inEventLoop()) {
            loadFunction(code);
        } else {
            functionsRead.add(code);
        }
    }

    private void loadFunction(byte[] code) {
        try {
            server.scripting().functions().load(code, true);
        } catch (IllegalArgumentException e) {
            Log.warn("Failed loading a function library from the dataset: " + e.getMessage());
        }
    }

    private void stopLoading(KeyspaceLoader sink) {
        for (byte[] code; (code = functionsRead.poll()) != null; ) {
            loadFunction(code);
        }
        loading = false;
        lastLoadKeysLoaded = sink.loaded();
        lastLoadKeysExpired = sink.expired();
    }

    /**
     * DEBUG RELOAD: saves the dataset (unless {@code !save}), empties the keyspace (unless
     * {@code !flush}) and loads the file back, on the calling thread; with {@code merge} keys in
     * the file replace keys already there, else such a key is an error. Loading is not a change:
     * the keyspace's change counter ends as it was after the save.
     *
     * @throws SaveFailed when saving failed (nothing was flushed or loaded)
     * @throws IOException when loading failed (the keyspace holds what was loaded up to there)
     */
    public void reload(boolean save, boolean flush, boolean merge) throws IOException {
        Keyspace ks = server.keyspace();
        if (save) {
            try {
                save();
            } catch (IOException | RuntimeException e) {
                throw new SaveFailed(e);
            }
        }
        long dirty = ks.dirty();
        if (flush) {
            ks.flushAll();
        }
        Path file = rdbPath();
        KeyspaceLoader sink = new KeyspaceLoader(ks, true, merge);
        startLoading(Files.size(file));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            new RdbLoader(RdbInput.of(ch, ch.size()).maxStringLength(config.getLong("proto-max-bulk-len")), loaderOptions())
                    .loadAll(sink);
        } finally {
            stopLoading(sink);
            ks.dirty(dirty);
        }
        Log.warn("DB reloaded by DEBUG RELOAD");
    }

    /** DEBUG RELOAD could not save. */
    public static final class SaveFailed extends IOException {
        SaveFailed(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    // ================================================================== INFO

    /** INFO's {@code # Persistence} section, with Redis 7's fields in Redis's order. */
    public void infoSection(StringBuilder sb) {
        sb.append("# Persistence\r\n");
        field(sb, "loading", loading ? 1 : 0);
        field(sb, "async_loading", 0);
        backgroundSave.progressFields(sb);
        field(sb, "rdb_changes_since_last_save", changesSinceLastSave());
        field(sb, "rdb_bgsave_in_progress", bgsaveInProgress ? 1 : 0);
        field(sb, "rdb_last_save_time", lastSave);
        backgroundSave.statusFields(sb);
        field(sb, "rdb_saves", rdbSaves);
        field(sb, "rdb_last_cow_size", backgroundSave.lastCowBytes());
        field(sb, "rdb_last_load_keys_expired", lastLoadKeysExpired);
        field(sb, "rdb_last_load_keys_loaded", lastLoadKeysLoaded);
        server.aof().info((name, value) -> field(sb, name, value));
        field(sb, "module_fork_in_progress", 0);
        field(sb, "module_fork_last_cow_size", 0);
        server.aof().infoWhenEnabled((name, value) -> field(sb, name, value));
        if (loading) {
            loadingFields(sb);
        }
    }

    /** The fields Redis adds while loading (genRedisInfoString). */
    private void loadingFields(StringBuilder sb) {
        double perc = 0;
        long remaining = 1;
        if (loadingTotalBytes > 0) {
            perc = 100.0 * loadingLoadedBytes / loadingTotalBytes;
            remaining = loadingTotalBytes - loadingLoadedBytes;
        } else if (loadingRdbUsedMem > 0) {
            perc = Math.min(99.99, 100.0 * loadingLoadedBytes / loadingRdbUsedMem);
            remaining = Math.max(1, loadingRdbUsedMem - loadingLoadedBytes);
        }
        long elapsed = System.currentTimeMillis() / 1000 - loadingStartTime;
        long eta = elapsed == 0 ? 1 : elapsed * remaining / (loadingLoadedBytes + 1);
        field(sb, "loading_start_time", loadingStartTime);
        field(sb, "loading_total_bytes", loadingTotalBytes);
        field(sb, "loading_rdb_used_mem", loadingRdbUsedMem);
        field(sb, "loading_loaded_bytes", loadingLoadedBytes);
        field(sb, "loading_loaded_perc", String.format(Locale.ROOT, "%.2f", perc));
        field(sb, "loading_eta_seconds", eta);
    }

    static void field(StringBuilder sb, String name, Object value) {
        sb.append(name).append(':').append(value).append("\r\n");
    }
}
