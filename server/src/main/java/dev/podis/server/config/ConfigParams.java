package dev.podis.server.config;

import dev.podis.server.config.ConfigParam.Type;

import java.util.ArrayList;
import java.util.List;

/**
 * Every parameter of Redis 7.2's redis.conf, with Redis's names, aliases, types, defaults (as
 * Redis's CONFIG GET reports them), bounds and mutability. {@code active()} marks those Podis
 * acts on; the others are accepted, validated as Redis validates them and reported, so a
 * redis.conf written for Redis loads unchanged.
 */
final class ConfigParams {
    private ConfigParams() {
    }

    static final long INT_MAX = Integer.MAX_VALUE;
    static final long INT_MIN = Integer.MIN_VALUE;
    static final long LONG_MAX = Long.MAX_VALUE;
    static final long UINT_MAX = 4294967295L;
    /** ULLONG_MAX as the raw 64 bits; used only with unsigned(). */
    static final long ULLONG_MAX = -1L;
    static final long MB = 1024 * 1024;

    static List<ConfigParam> all(String workingDirectory) {
        List<ConfigParam> p = new ArrayList<>();

        // ---- yes/no
        p.add(bool("rdbchecksum", "yes").immutable().build());
        p.add(bool("daemonize", "no").immutable().build());
        p.add(bool("io-threads-do-reads", "no").immutable().build());
        p.add(bool("always-show-logo", "no").immutable().build());
        p.add(bool("protected-mode", "yes").build());
        p.add(bool("rdbcompression", "yes").build());
        p.add(bool("rdb-del-sync-files", "no").build());
        p.add(bool("activerehashing", "yes").build());
        p.add(bool("stop-writes-on-bgsave-error", "yes").build());
        p.add(bool("set-proc-title", "yes").immutable().build());
        p.add(bool("dynamic-hz", "yes").build());
        p.add(bool("lazyfree-lazy-eviction", "no").build());
        p.add(bool("lazyfree-lazy-expire", "no").build());
        p.add(bool("lazyfree-lazy-server-del", "no").build());
        p.add(bool("lazyfree-lazy-user-del", "no").build());
        p.add(bool("lazyfree-lazy-user-flush", "no").build());
        p.add(bool("repl-disable-tcp-nodelay", "no").build());
        p.add(bool("repl-diskless-sync", "yes").build());
        p.add(bool("aof-rewrite-incremental-fsync", "yes").build());
        p.add(bool("no-appendfsync-on-rewrite", "no").build());
        p.add(bool("cluster-require-full-coverage", "yes").build());
        p.add(bool("rdb-save-incremental-fsync", "yes").build());
        p.add(bool("aof-load-truncated", "yes").build());
        p.add(bool("aof-use-rdb-preamble", "yes").build());
        p.add(bool("aof-timestamp-enabled", "no").build());
        p.add(bool("cluster-replica-no-failover", "no").alias("cluster-slave-no-failover").build());
        p.add(bool("replica-lazy-flush", "no").alias("slave-lazy-flush").build());
        p.add(bool("replica-serve-stale-data", "yes").alias("slave-serve-stale-data").build());
        p.add(bool("replica-read-only", "yes").alias("slave-read-only").build());
        p.add(bool("replica-ignore-maxmemory", "yes").alias("slave-ignore-maxmemory").build());
        p.add(bool("jemalloc-bg-thread", "yes").build());
        p.add(bool("activedefrag", "no").build());
        p.add(bool("syslog-enabled", "no").immutable().build());
        p.add(bool("cluster-enabled", "no").immutable().build());
        p.add(bool("appendonly", "no").active().build());
        p.add(bool("cluster-allow-reads-when-down", "no").build());
        p.add(bool("cluster-allow-pubsubshard-when-down", "yes").build());
        p.add(bool("crash-log-enabled", "yes").build());
        p.add(bool("crash-memcheck-enabled", "yes").build());
        p.add(bool("use-exit-on-panic", "no").hidden().build());
        p.add(bool("disable-thp", "yes").immutable().build());
        p.add(bool("cluster-allow-replica-migration", "yes").build());
        p.add(bool("replica-announced", "yes").build());
        p.add(bool("latency-tracking", "yes").build());
        p.add(bool("aof-disable-auto-gc", "no").build());
        p.add(bool("replica-ignore-disk-write-errors", "no").build());

        // ---- strings
        p.add(str("aclfile", "").immutable().build());
        p.add(str("unixsocket", "").immutable().build());
        p.add(str("pidfile", "").immutable().build());
        p.add(str("replica-announce-ip", "").alias("slave-announce-ip").build());
        p.add(str("masteruser", "").sensitive().build());
        p.add(str("cluster-announce-ip", "").build());
        p.add(str("cluster-config-file", "nodes.conf").immutable().build());
        p.add(str("cluster-announce-hostname", "").check(SpecialParams::checkHostname).build());
        p.add(str("cluster-announce-human-nodename", "").build());
        p.add(str("syslog-ident", "redis").immutable().build());
        p.add(str("dbfilename", "dump.rdb").protectedConfig().active()
                .check(v -> SpecialParams.checkBaseName(v, "dbfilename can't be a path, just a filename")).build());
        p.add(str("appendfilename", "appendonly.aof").immutable()
                .check(v -> SpecialParams.checkBaseName(v, "appendfilename can't be a path, just a filename")).build());
        p.add(str("appenddirname", "appendonlydir").immutable()
                .check(v -> SpecialParams.checkBaseName(v, "appenddirname can't be a path, just a dirname")).build());
        p.add(str("server_cpulist", "").immutable().build());
        p.add(str("bio_cpulist", "").immutable().build());
        p.add(str("aof_rewrite_cpulist", "").immutable().build());
        p.add(str("bgsave_cpulist", "").immutable().build());
        p.add(str("ignore-warnings", "").build());
        p.add(str("proc-title-template", "{title} {listen-addr} {server-mode}").build());
        p.add(str("bind-source-addr", "").build());
        p.add(str("logfile", "").immutable().build());
        p.add(str("locale-collate", "").build());
        p.add(str("masterauth", "").sensitive().build());
        p.add(str("requirepass", "").sensitive().active().build());

        // ---- enums
        p.add(enm("supervised", "no", "upstart", "systemd", "auto", "no").immutable().build());
        p.add(enm("syslog-facility", "local0", "user", "local0", "local1", "local2", "local3", "local4", "local5",
                "local6", "local7").immutable().build());
        p.add(enm("repl-diskless-load", "disabled", "disabled", "on-empty-db", "swapdb").build());
        p.add(enm("loglevel", "notice", "debug", "verbose", "notice", "warning", "nothing").active().build());
        p.add(enm("maxmemory-policy", "noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction").build());
        p.add(enm("appendfsync", "everysec", "everysec", "always", "no").build());
        p.add(enm("oom-score-adj", "no", "no", "yes", "relative=yes", "absolute").build());
        p.add(enm("acl-pubsub-default", "resetchannels", "allchannels", "resetchannels").build());
        p.add(enm("sanitize-dump-payload", "no", "no", "yes", "clients").build());
        p.add(enm("enable-protected-configs", "no", "no", "yes", "local").immutable().active().build());
        // Podis's own: the network transport (dev.podis.server.net.Transport)
        p.add(enm("network-transport", "auto", dev.podis.server.net.Transport.CONFIG_VALUES).immutable().build());
        p.add(enm("enable-debug-command", "no", "no", "yes", "local").immutable().build());
        p.add(enm("enable-module-command", "no", "no", "yes", "local").immutable().build());
        p.add(enm("cluster-preferred-endpoint-type", "ip", "ip", "hostname", "unknown-endpoint").build());
        p.add(enm("propagation-error-behavior", "ignore", "ignore", "panic", "panic-on-replicas").build());
        p.add(special("shutdown-on-sigint", "default", SpecialParams::shutdownFlags).multiArg().build());
        p.add(special("shutdown-on-sigterm", "default", SpecialParams::shutdownFlags).multiArg().build());

        // ---- int
        p.add(num("databases", 16, 1, INT_MAX).immutable().active().build());
        p.add(num("port", 6379, 0, 65535).active().build());
        p.add(num("io-threads", 1, 1, 128).immutable().build());
        p.add(num("auto-aof-rewrite-percentage", 100, 0, INT_MAX).build());
        p.add(num("cluster-replica-validity-factor", 10, 0, INT_MAX).alias("cluster-slave-validity-factor").build());
        p.add(num("list-max-listpack-size", -2, INT_MIN, INT_MAX).alias("list-max-ziplist-size").build());
        p.add(num("tcp-keepalive", 300, 0, INT_MAX).build());
        p.add(num("cluster-migration-barrier", 1, 0, INT_MAX).build());
        p.add(num("active-defrag-cycle-min", 1, 1, 99).build());
        p.add(num("active-defrag-cycle-max", 25, 1, 99).build());
        p.add(num("active-defrag-threshold-lower", 10, 0, 1000).build());
        p.add(num("active-defrag-threshold-upper", 100, 0, 1000).build());
        p.add(num("lfu-log-factor", 10, 0, INT_MAX).build());
        p.add(num("lfu-decay-time", 1, 0, INT_MAX).build());
        p.add(num("replica-priority", 100, 0, INT_MAX).alias("slave-priority").build());
        p.add(num("repl-diskless-sync-delay", 5, 0, INT_MAX).build());
        p.add(num("maxmemory-samples", 5, 1, INT_MAX).build());
        p.add(num("maxmemory-eviction-tenacity", 10, 0, 100).build());
        p.add(num("timeout", 0, 0, INT_MAX).active().build());
        p.add(num("replica-announce-port", 0, 0, 65535).alias("slave-announce-port").build());
        p.add(num("tcp-backlog", 511, 0, INT_MAX).immutable().active().build());
        p.add(num("cluster-port", 0, 0, 65535).immutable().build());
        p.add(num("cluster-announce-bus-port", 0, 0, 65535).build());
        p.add(num("cluster-announce-port", 0, 0, 65535).build());
        p.add(num("cluster-announce-tls-port", 0, 0, 65535).build());
        p.add(num("repl-timeout", 60, 1, INT_MAX).build());
        p.add(num("repl-ping-replica-period", 10, 1, INT_MAX).alias("repl-ping-slave-period").build());
        p.add(num("list-compress-depth", 0, 0, INT_MAX).build());
        p.add(num("rdb-key-save-delay", 0, INT_MIN, INT_MAX).hidden().build());
        p.add(num("key-load-delay", 0, INT_MIN, INT_MAX).hidden().build());
        p.add(num("active-expire-effort", 1, 1, 10).build());
        p.add(num("hz", 10, 0, INT_MAX).active().build());
        p.add(num("min-replicas-to-write", 0, 0, INT_MAX).alias("min-slaves-to-write").build());
        p.add(num("min-replicas-max-lag", 10, 0, INT_MAX).alias("min-slaves-max-lag").build());
        p.add(num("watchdog-period", 0, 0, INT_MAX).hidden().build());
        p.add(num("shutdown-timeout", 10, 0, INT_MAX).build());
        p.add(num("repl-diskless-sync-max-replicas", 0, 0, INT_MAX).build());
        // unsigned int
        p.add(num("maxclients", 10000, 1, UINT_MAX).unsigned().active().build());
        p.add(num("unixsocketperm", 0, 0, 0777).unsigned().octal().immutable().build());
        p.add(num("socket-mark-id", 0, 0, UINT_MAX).unsigned().immutable().build());
        // unsigned long (Redis bounds-checks these as signed)
        p.add(num("active-defrag-max-scan-fields", 1000, 1, LONG_MAX).build());
        p.add(num("slowlog-max-len", 128, 0, LONG_MAX).build());
        p.add(num("acllog-max-len", 128, 0, LONG_MAX).build());
        // long long
        p.add(num("busy-reply-threshold", 5000, 0, LONG_MAX).alias("lua-time-limit").build());
        p.add(num("cluster-node-timeout", 15000, 0, LONG_MAX).build());
        p.add(num("slowlog-log-slower-than", 10000, -1, LONG_MAX).build());
        p.add(num("latency-monitor-threshold", 0, 0, LONG_MAX).build());
        p.add(mem("proto-max-bulk-len", 512 * MB, MB, LONG_MAX).active().build());
        p.add(num("stream-node-max-entries", 100, 0, LONG_MAX).build());
        p.add(mem("repl-backlog-size", MB, 1, LONG_MAX).build());
        // unsigned long long
        p.add(mem("maxmemory", 0, 0, ULLONG_MAX).unsigned().build());
        p.add(mem("cluster-link-sendbuf-limit", 0, 0, ULLONG_MAX).unsigned().build());
        // size_t
        p.add(num("hash-max-listpack-entries", 512, 0, LONG_MAX).unsigned().alias("hash-max-ziplist-entries").build());
        p.add(num("set-max-intset-entries", 512, 0, LONG_MAX).unsigned().build());
        p.add(num("set-max-listpack-entries", 128, 0, LONG_MAX).unsigned().build());
        p.add(num("zset-max-listpack-entries", 128, 0, LONG_MAX).unsigned().alias("zset-max-ziplist-entries").build());
        p.add(mem("active-defrag-ignore-bytes", 100 * MB, 1, LONG_MAX).unsigned().build());
        p.add(mem("hash-max-listpack-value", 64, 0, LONG_MAX).unsigned().alias("hash-max-ziplist-value").build());
        p.add(mem("set-max-listpack-value", 64, 0, LONG_MAX).unsigned().build());
        p.add(mem("stream-node-max-bytes", 4096, 0, LONG_MAX).unsigned().build());
        p.add(mem("zset-max-listpack-value", 64, 0, LONG_MAX).unsigned().alias("zset-max-ziplist-value").build());
        p.add(mem("hll-sparse-max-bytes", 3000, 0, LONG_MAX).unsigned().build());
        p.add(num("tracking-table-max-keys", 1000000, 0, LONG_MAX).unsigned().active().build());
        p.add(mem("client-query-buffer-limit", 1024 * MB, MB, LONG_MAX).unsigned().active().build());
        // ssize_t, time_t, off_t
        p.add(mem("maxmemory-clients", 0, -100, LONG_MAX).percent().build());
        p.add(num("repl-backlog-ttl", 3600, 0, LONG_MAX).build());
        p.add(mem("auto-aof-rewrite-min-size", 64 * MB, 0, LONG_MAX).build());
        p.add(num("loading-process-events-interval-bytes", 2 * MB, 1024, INT_MAX).hidden().build());

        // ---- TLS
        p.add(num("tls-port", 0, 0, 65535).build());
        p.add(num("tls-session-cache-size", 20480, 0, INT_MAX).build());
        p.add(num("tls-session-cache-timeout", 300, 0, INT_MAX).build());
        p.add(bool("tls-cluster", "no").build());
        p.add(bool("tls-replication", "no").build());
        p.add(enm("tls-auth-clients", "yes", "no", "yes", "optional").build());
        p.add(bool("tls-prefer-server-ciphers", "no").build());
        p.add(bool("tls-session-caching", "yes").build());
        p.add(str("tls-cert-file", "").build());
        p.add(str("tls-key-file", "").build());
        p.add(str("tls-key-file-pass", "").sensitive().build());
        p.add(str("tls-client-cert-file", "").build());
        p.add(str("tls-client-key-file", "").build());
        p.add(str("tls-client-key-file-pass", "").sensitive().build());
        p.add(str("tls-dh-params-file", "").build());
        p.add(str("tls-ca-cert-file", "").build());
        p.add(str("tls-ca-cert-dir", "").build());
        p.add(str("tls-protocols", "").build());
        p.add(str("tls-ciphers", "").build());
        p.add(str("tls-ciphersuites", "").build());

        // ---- parameters with their own syntax
        p.add(special("dir", workingDirectory, SpecialParams::dir).protectedConfig().active().build());
        p.add(special("save", "3600 1 300 100 60 10000", SpecialParams::save).multiArg().active().build());
        p.add(special("client-output-buffer-limit",
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
                SpecialParams::clientOutputBufferLimit).multiArg().build());
        p.add(special("oom-score-adj-values", "0 200 800", SpecialParams::oomScoreAdjValues).multiArg().build());
        p.add(special("notify-keyspace-events", "", SpecialParams::notifyKeyspaceEvents).active()
                .shown(SpecialParams::shownKeyspaceEvents).build());
        p.add(special("bind", "* -::*", SpecialParams::bind).multiArg().active().build());
        p.add(special("replicaof", "", SpecialParams::replicaOf).alias("slaveof").multiArg().immutable().build());
        p.add(special("latency-tracking-info-percentiles", "50 99 99.9", SpecialParams::percentiles).multiArg().build());

        // ---- Podis's own
        // Where the keyspace lives: off-heap (Chronicle Map; needs the JVM flags the runnable jar
        // carries), on the heap, or auto (off-heap when those flags are present).
        p.add(enm("keyspace-backend", "auto", "auto", "offheap", "heap").immutable().active().build());
        // The admin HTTP port (probes and metrics, see docs/operations.md): 0 picks a free port,
        // -1 disables it. admin-bind: its address; empty means bind's first address.
        p.add(num("admin-port", 9121, -1, 65535).immutable().build());
        p.add(str("admin-bind", "").immutable().build());
        // When the data directory says the last save held keys but start-up loaded none: yes stays
        // not ready (and makes no automatic save) instead of serving an empty dataset.
        p.add(bool("refuse-empty-start", "yes").build());
        // Bytes a fork-less snapshot (BGSAVE) may hold for its writer thread before its walk waits
        // (see docs/architecture.md): more finishes the walk sooner, less holds less memory.
        p.add(mem("snapshot-buffer-size", 8 * MB, 64 * 1024, LONG_MAX).build());
        // While clients keep the server busy: the share, in percent, of the command loop the
        // snapshot's walk takes, and of one CPU its writer thread (encoding, compression, file I/O)
        // takes. Both run flat out when the server is idle; the writer also when it falls behind.
        p.add(num("snapshot-cpu-percent", 5, 1, 90).build());
        return p;
    }

    private static ConfigParam.Builder bool(String name, String def) {
        return ConfigParam.of(name, Type.BOOL, def);
    }

    private static ConfigParam.Builder str(String name, String def) {
        return ConfigParam.of(name, Type.STRING, def);
    }

    private static ConfigParam.Builder enm(String name, String def, String... values) {
        return ConfigParam.of(name, Type.ENUM, def).values(values);
    }

    private static ConfigParam.Builder num(String name, long def, long min, long max) {
        return ConfigParam.of(name, Type.INT, Long.toString(def)).range(min, max);
    }

    private static ConfigParam.Builder mem(String name, long def, long min, long max) {
        return ConfigParam.of(name, Type.MEMORY, Long.toString(def)).range(min, max);
    }

    private static ConfigParam.Builder special(String name, String def, ConfigParam.Special s) {
        return ConfigParam.of(name, Type.SPECIAL, def).special(s);
    }
}
