package dev.podis.server.persistence;

import dev.podis.server.Log;
import dev.podis.server.ServerContext;
import dev.podis.server.config.ServerConfig;
import dev.podis.storage.Keyspace;
import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.Snapshot;
import dev.podis.storage.StoredValue;
import dev.podis.storage.rdb.RdbWriter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;

/**
 * BGSAVE without fork (Redis's rdbSaveBackground and backgroundSaveDoneHandler): a
 * {@link Snapshot} of the keyspace walked on the command loop, written by its writer thread as RDB
 * to {@code temp-<pid>-bgsave.rdb}, fsynced, renamed over {@code dir}/{@code dbfilename}, and the
 * directory fsynced. A failure at any point leaves the previous file in place and the temporary one
 * removed.
 *
 * <p>Also here: save points ({@code save "3600 1 300 100"}, checked by the cron as Redis's
 * serverCron does, retried 5 s after a failure), BGSAVE SCHEDULE, the last save's status and
 * times for INFO, and the refusal of writes (MISCONF) while {@code stop-writes-on-bgsave-error}
 * applies. Runs on the command loop; the status fields the admin thread reads are volatile.
 */
public final class BackgroundSave {
    /** Redis's CONFIG_BGSAVE_RETRY_DELAY: a save point waits this long after a failed save. */
    static final long RETRY_DELAY_SECONDS = 5;

    /** Redis's shared.bgsaveerr, without the leading '-'. */
    public static final String MISCONF = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
            + "persist to disk. Commands that may modify the data set are disabled, because this instance is configured "
            + "to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please "
            + "check the Redis logs for details about the RDB error.";

    private final ServerContext server;
    private final Persistence persistence;
    private final ServerConfig config;

    private Running running;
    private volatile boolean lastOk = true;
    private long lastTrySeconds;
    private long lastDurationSeconds = -1;
    private long lastCowBytes;
    private boolean scheduled;
    private String saveParamsText;
    /**
     * rdb-key-save-delay (a testing aid, as in Redis): microseconds the writer thread waits per key
     * written; negative: 1 µs once every that many keys. Read by the writer thread for each key
     * (a running save follows CONFIG SET, unlike Redis's forked child).
     */
    private volatile long keyDelayMicros;
    private long[] saveParams = new long[0];

    /** One background save in progress. */
    private final class Running {
        final Snapshot snapshot;
        final Path temp;
        final FileChannel channel;
        final long dirtyAtStart;
        final long startMillis = System.currentTimeMillis();
        boolean killed;

        Running(Snapshot snapshot, Path temp, FileChannel channel, long dirtyAtStart) {
            this.snapshot = snapshot;
            this.temp = temp;
            this.channel = channel;
            this.dirtyAtStart = dirtyAtStart;
        }
    }

    BackgroundSave(ServerContext server, Persistence persistence) {
        this.server = server;
        this.persistence = persistence;
        this.config = server.config();
        keyDelayMicros = config.getLong("rdb-key-save-delay");
        config.onChange("rdb-key-save-delay", v -> keyDelayMicros = config.getLong("rdb-key-save-delay"));
    }

    // ================================================================== state

    /** Whether a background save runs (rdb_bgsave_in_progress). */
    public boolean inProgress() {
        return running != null;
    }

    /** rdb_last_bgsave_status: false after a failed background save, until a save succeeds. */
    public boolean lastOk() {
        return lastOk;
    }

    /** Whether save points are configured ({@code save} not empty). */
    public boolean savePointsConfigured() {
        return savePoints().length > 0;
    }

    /**
     * Redis's writeCommandsDeniedByDiskError for RDB: the MISCONF error while the last background
     * save failed, save points are configured and {@code stop-writes-on-bgsave-error} is on; else null.
     */
    public String writeRefusal() {
        if (!lastOk && config.getBool("stop-writes-on-bgsave-error") && savePointsConfigured()) {
            return MISCONF;
        }
        return null;
    }

    /** The save points as {seconds, changes, seconds, changes, ...}, parsed once per value of {@code save}. */
    long[] savePoints() {
        String text = config.get("save");
        if (!text.equals(saveParamsText)) {
            String t = text.trim();
            String[] w = t.isEmpty() ? new String[0] : t.split("\\s+");
            long[] p = new long[w.length & ~1];
            for (int i = 0; i < p.length; i++) {
                p[i] = Long.parseLong(w[i]);
            }
            saveParams = p;
            saveParamsText = text;
        }
        return saveParams;
    }

    // ================================================================== starting

    /** BGSAVE [SCHEDULE]: the reply, as Redis's bgsaveCommand gives it ({@code -} for errors). */
    public String bgsaveCommand(boolean schedule, boolean inExec) {
        if (running != null) {
            return "-ERR Background save already in progress";
        }
        if (otherSnapshotRunning() || inExec) {
            if (schedule || inExec) {
                scheduled = true;
                return "+Background saving scheduled";
            }
            return "-ERR Another child process is active (AOF?): can't BGSAVE right now. "
                    + "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
        }
        return start() ? "+Background saving started" : "-ERR";
    }

    /** Whether a snapshot of another user (an AOF rewrite) runs: BGSAVE must wait for it. */
    private boolean otherSnapshotRunning() {
        Snapshot s = server.keyspace().runningSnapshot();
        return s != null && (running == null || s != running.snapshot);
    }

    /** Whether the running save is one whose file could not even be created (it ends at once). */
    private static boolean failedAtStart(Running r) {
        return r.snapshot == null;
    }

    /**
     * Starts a background save now (rdbSaveBackground); false when it could not start (the
     * temporary file cannot be created: the status becomes err, as a failed fork does in Redis).
     */
    public boolean start() {
        if (running != null) {
            return false;
        }
        Keyspace ks = server.keyspace();
        long dirty = ks.dirty();
        lastTrySeconds = System.currentTimeMillis() / 1000;
        scheduled = false;
        persistence.countSave();
        Path target = persistence.rdbPath();
        Path temp = target.toAbsolutePath().getParent().resolve(tempName());
        FileChannel ch;
        try {
            ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            // As in Redis, where the child fails to open it: the save started, and fails at once.
            Log.warn("Failed opening the temp RDB file " + temp.getFileName() + " (in server root dir "
                    + temp.getParent() + ") for saving: " + reason(e));
            Running r = new Running(null, temp, null, dirty);
            running = r;
            persistence.bgsaveInProgress(true);
            server.commandLoop().execute(() -> finished(r, e));
            return true;
        }
        RdbWriter writer = new RdbWriter(ch, persistence.writerOptions());
        KeyspaceSink sink = new KeyspaceSink() {
            @Override
            public void database(int db, long keys, long expires) throws IOException {
                writer.database(db, keys, expires);
            }

            @Override
            public void entry(byte[] key, StoredValue value) throws IOException {
                writer.entry(key, value);
                long delay = keyDelayMicros;
                if (delay != 0) {
                    delay(delay);
                }
            }

            @Override
            public void end() throws IOException {
                // On the writer thread: the file is complete only once it is on disk under its name.
                writer.end();
                ch.force(true);
                ch.close();
                RdbFile.replace(temp, target);
                Persistence.recordDataset(target, writer.keys());
            }
        };
        Snapshot s;
        try {
            s = ks.snapshot(sink, snapshotOptions(config, "podis-bgsave"));
        } catch (RuntimeException e) {
            closeQuietly(ch);
            deleteQuietly(temp);
            Log.warn("Can't save in background: " + e.getMessage());
            lastOk = false;
            return false;
        }
        Running r = new Running(s, temp, ch, dirty);
        running = r;
        persistence.bgsaveInProgress(true);
        Log.notice("Background saving started");
        s.done().whenComplete((ok, failure) -> {
            // On the writer thread: clean up the file, then report on the command loop.
            if (failure != null) {
                closeQuietly(ch);
                deleteQuietly(temp);
            }
            try {
                server.commandLoop().execute(() -> finished(r, failure));
            } catch (RejectedExecutionException stopped) {
                // the server is closing: nobody to report to
            }
        });
        drive(server, s);
        return true;
    }

    private long delayedKeys;

    private void delay(long micros) {
        if (micros > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(micros * 1000);
        } else if (++delayedKeys % -micros == 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(1000);
        }
    }

    /**
     * How the server's snapshots (BGSAVE, AOF rewrite) run: {@code snapshot-buffer-size},
     * {@code snapshot-cpu-percent} for the writer thread, a daemon writer thread named {@code thread}.
     */
    public static Snapshot.Options snapshotOptions(ServerConfig config, String thread) {
        return new Snapshot.Options().bufferBytes(config.getLong("snapshot-buffer-size"))
                .writerShare(config.getLong("snapshot-cpu-percent") / 100.0).threads(r -> {
                    Thread t = new Thread(r, thread);
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Runs a snapshot's walk on the command loop at {@code snapshot-cpu-percent} of it while clients
     * keep it busy (executed commands tell), flat out when they do not.
     */
    public static void drive(ServerContext server, Snapshot s) {
        s.runOn(server.commandLoop(), server.config().getLong("snapshot-cpu-percent") / 100.0,
                () -> server.stats().totalCommandsProcessed);
    }

    /** Redis names the temporary file of a background save after the child's pid; there is no child here. */
    static String tempName() {
        return "temp-" + ProcessHandle.current().pid() + "-bgsave.rdb";
    }

    /** backgroundSaveDoneHandlerDisk, on the command loop. */
    private void finished(Running r, Throwable failure) {
        if (running != r) {
            return;
        }
        running = null;
        persistence.bgsaveInProgress(false);
        Snapshot s = r.snapshot;
        lastDurationSeconds = (System.currentTimeMillis() - r.startMillis) / 1000;
        lastCowBytes = s == null ? 0 : s.peakBufferedBytes();
        if (s == null) {
            Log.warn("Background saving error");
            lastOk = false;
        } else if (failure == null) {
            Log.notice(String.format(Locale.ROOT, "Background saving terminated with success (%d keys, %.3f seconds, "
                            + "%d copied before a write, peak %.1f MB buffered)", s.entriesWritten(),
                    s.elapsedNanos() / 1e9, s.keysCopiedOnWrite(), s.peakBufferedBytes() / 1048576.0));
            lastOk = true;
            persistence.saved(r.dirtyAtStart, System.currentTimeMillis());
            persistence.datasetSaved(s.entriesWritten(), false);
        } else if (r.killed) {
            Log.notice("Background saving stopped: " + s.failure());
        } else {
            Log.warn("Background saving error: " + reason(failure));
            lastOk = false;
        }
    }

    /**
     * Stops a background save in progress without counting it as a failure (Redis's killRDBChild:
     * FLUSHALL, SHUTDOWN); its temporary file is removed. No-op when none runs.
     */
    public void kill(String why) {
        Running r = running;
        if (r == null) {
            return;
        }
        r.killed = true;
        running = null;
        persistence.bgsaveInProgress(false);
        if (r.snapshot != null) {
            r.snapshot.abort(why);
            closeQuietly(r.channel);
            deleteQuietly(r.temp);
        }
    }

    /** A synchronous save (SAVE, SHUTDOWN, FLUSHALL) succeeded: the status is ok again, as Redis's rdbSave sets it. */
    void savedSynchronously() {
        lastOk = true;
    }

    // ================================================================== cron

    /**
     * From the server cron: starts a scheduled BGSAVE, or one due to a save point (serverCron:
     * enough changes since the last save and more seconds than the point's, and either the last
     * attempt succeeded or it was over {@value #RETRY_DELAY_SECONDS} s ago).
     */
    public void cron() {
        if (running != null || persistence.loading() || otherSnapshotRunning()) {
            return;
        }
        long now = System.currentTimeMillis() / 1000;
        boolean retryAllowed = lastOk || now - lastTrySeconds > RETRY_DELAY_SECONDS;
        if (scheduled && retryAllowed) {
            start();
            return;
        }
        if (persistence.emptyStartRefused()) {
            return; // do not overwrite the files of a dataset that did not load
        }
        long[] points = savePoints();
        long changes = persistence.changesSinceLastSave();
        long sinceLastSave = now - persistence.lastSave();
        for (int i = 0; i + 1 < points.length; i += 2) {
            if (changes >= points[i + 1] && sinceLastSave > points[i] && retryAllowed) {
                Log.notice(points[i + 1] + " changes in " + points[i] + " seconds. Saving...");
                start();
                return;
            }
        }
    }

    // ================================================================== INFO

    /** The background-save fields of INFO persistence, in Redis's order, from current_cow_peak on. */
    void progressFields(StringBuilder sb) {
        Snapshot s = running == null ? null : running.snapshot;
        long total = s == null ? 0 : s.keysTotal();
        long processed = s == null ? 0 : Math.min(total, s.keysProcessed());
        Persistence.field(sb, "current_cow_peak", s == null ? 0 : s.peakBufferedBytes());
        Persistence.field(sb, "current_cow_size", s == null ? 0 : s.bufferedBytes());
        Persistence.field(sb, "current_cow_size_age", 0);
        Persistence.field(sb, "current_fork_perc", String.format(Locale.ROOT, "%.2f",
                total == 0 ? 0.0 : processed * 100.0 / total));
        Persistence.field(sb, "current_save_keys_processed", processed);
        Persistence.field(sb, "current_save_keys_total", total);
    }

    /** rdb_last_bgsave_status, rdb_last_bgsave_time_sec, rdb_current_bgsave_time_sec. */
    void statusFields(StringBuilder sb) {
        Persistence.field(sb, "rdb_last_bgsave_status", lastOk ? "ok" : "err");
        Persistence.field(sb, "rdb_last_bgsave_time_sec", lastDurationSeconds);
        Persistence.field(sb, "rdb_current_bgsave_time_sec",
                running == null ? -1 : (System.currentTimeMillis() - running.startMillis) / 1000);
    }

    /** rdb_last_cow_size: the most bytes the last background save held for copies and buffers. */
    long lastCowBytes() {
        return lastCowBytes;
    }

    /** The running snapshot, for tests and statistics; null when none. */
    public Snapshot snapshot() {
        return running == null || failedAtStart(running) ? null : running.snapshot;
    }

    // ================================================================== helpers

    static String reason(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.io.UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        if (t instanceof java.nio.file.NoSuchFileException) {
            return "No such file or directory (" + m + ")";
        }
        if (t instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied (" + m + ")";
        }
        return m == null ? t.toString() : m;
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // the file is removed anyway
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing more to do
        }
    }
}
